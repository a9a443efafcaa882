import { pick, toMillis } from './formatters.ts';

export { FINAL_STATUSES } from '../run-summary.ts';

/** The fields the UI shows of a run or step record, read tolerantly (the catalog may add fields). */
export interface RunTimes {
  readonly start: number | undefined;
  readonly end: number | undefined;
}

/** Start and end of a run or step record, in epoch ms. */
export function timesOf(record: Readonly<Record<string, unknown>>): RunTimes {
  return {
    start: toMillis(pick(record, 'startedAt', 'startTime', 'started', 'createdAt')),
    end: toMillis(pick(record, 'endedAt', 'finishedAt', 'endTime', 'ended', 'finished')),
  };
}

/** The partitions a run or step covers, as text. */
export function partitionsText(record: Readonly<Record<string, unknown>>): string {
  const keys = pick(record, 'partitionKeys') ?? (Array.isArray(record['partitions']) ? record['partitions'] : undefined);
  if (Array.isArray(keys)) {
    if (keys.length === 0) return '—';
    if (keys.length === 1) return keys[0] === '' ? 'unpartitioned' : String(keys[0]);
    return `${String(keys[0])} … ${String(keys[keys.length - 1])} (${keys.length})`;
  }
  const partitions = pick(record, 'partitions', 'partition', 'partitionKey');
  if (typeof partitions === 'string') return partitions;
  if (partitions && typeof partitions === 'object') {
    const p = partitions as { key?: string; from?: string; to?: string; keys?: string[] };
    if (p.key) return p.key;
    if (p.from) return `${p.from} … ${p.to ?? ''}`;
    if (p.keys) return p.keys.length <= 3 ? p.keys.join(', ') : `${p.keys[0]} … (${p.keys.length})`;
  }
  return '—';
}
