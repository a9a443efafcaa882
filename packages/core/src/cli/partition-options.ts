import { QuarryError } from '../errors.ts';
import type { PartitionSelection } from '../instance/index.ts';
import { stringOption, type CommandArgs, type CommandOption } from './command.ts';

/** The `--partition K | --from A --to B` options shared by plan, materialize, backfill and checks. */
export const PARTITION_OPTIONS: Readonly<Record<string, CommandOption>> = {
  partition: { type: 'string', help: "one partition key, or one dimension of multi-partitioned assets: 'region=eu'" },
  from: { type: 'string', help: 'first partition key of a range (inclusive)' },
  to: { type: 'string', help: 'last partition key of a range (inclusive)' },
};

/** Reads `--partition` or `--from/--to`; a half range or both forms at once is `QUARRY_BAD_ARGUMENT`. */
export function partitionSelectionOf(args: CommandArgs, required = false): PartitionSelection | undefined {
  const key = stringOption(args, 'partition');
  const from = stringOption(args, 'from');
  const to = stringOption(args, 'to');
  if (key !== undefined && (from !== undefined || to !== undefined)) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', 'Pass either --partition KEY or --from KEY --to KEY, not both.');
  }
  if ((from === undefined) !== (to === undefined)) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `A range needs both ends: got ${from !== undefined ? `--from ${from}` : `--to ${to}`} alone. Pass --from KEY --to KEY.`);
  }
  if (key !== undefined) return { key };
  if (from !== undefined && to !== undefined) return { from, to };
  if (required) throw new QuarryError('QUARRY_BAD_ARGUMENT', 'This command needs a range: pass --from KEY --to KEY.');
  return undefined;
}

/** Reads `--concurrency N` as a whole number ≥ 1. */
export function concurrencyOf(args: CommandArgs): number | undefined {
  const text = stringOption(args, 'concurrency');
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new QuarryError('QUARRY_BAD_ARGUMENT', `--concurrency must be a whole number ≥ 1, got "${text}".`);
  return n;
}
