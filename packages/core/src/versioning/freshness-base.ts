import { isTimeWindowPartitionsDefinition, type PartitionsContext, type PartitionsDefinition } from '../partitions/index.ts';

/** The instant an asset's data is current up to, and what it was measured from (see `freshnessBase`). */
export interface FreshnessBase {
  /** Epoch ms; the lag at `now` is `max(0, now - at)`. */
  readonly at: number;
  /** The newest partition's window (its end, or its materialization while the window is in progress), or the last materialization. */
  readonly measuredFrom: 'window_end' | 'materialization';
  /** The newest materialized partition (time-window partitioned assets). */
  readonly newestPartition?: string;
}

/**
 * The instant an asset's data is current up to — the one definition of freshness behind the
 * Automation page, `quarry status`, the daemon's overdue alerts and `quarry_freshness_lag_seconds`:
 * for a time-window partitioned asset, the end of its newest materialized partition's window, or that
 * partition's materialization time when earlier (a window still in progress, today's with
 * `endOffset: 1`, holds data only up to when it was materialized); for any other asset, its latest
 * materialization. `undefined` when nothing (no key of today's definition) was materialized.
 *
 * `current` is what `Catalog.currentPartitions(key, { columns: ['createdAt'] })` returns: keys in
 * ascending binary order with their commit times.
 *
 * ```ts
 * freshnessBase(dailyPartitions({ start: '2026-01-01' }), { keys: ['2026-01-01', '2026-01-02'], createdAt: [t1, t2] })
 * // → { at: min(2026-01-03T00:00Z, t2), measuredFrom: 'window_end', newestPartition: '2026-01-02' }
 * ```
 */
export function freshnessBase(
  definition: PartitionsDefinition | undefined,
  current: { readonly keys: readonly string[]; readonly createdAt?: ArrayLike<number> | undefined },
  ctx?: PartitionsContext,
): FreshnessBase | undefined {
  const { keys, createdAt } = current;
  if (isTimeWindowPartitionsDefinition(definition)) {
    let newest = -1;
    let position = -1;
    const consider = (i: number): boolean => {
      let index: number;
      try {
        // A key the definition no longer knows (its start moved) says nothing about the windows it has now.
        if (!definition.isValidKey(keys[i]!, ctx)) return false;
        index = definition.indexOf(keys[i]!, ctx);
      } catch {
        return false;
      }
      if (index > newest) (newest = index), (position = i);
      return true;
    };
    if (isChronologicalFormat(definition.format)) {
      // Keys come in binary order, which a most-significant-first format keeps chronological, except
      // for the offset-suffixed keys of an hour that happens twice: the last few valid keys settle it,
      // so a million-partition asset costs no full scan.
      let found = 0;
      for (let i = keys.length - 1; i >= 0 && found < CHRONOLOGICAL_TAIL; i--) if (consider(i)) found++;
    } else {
      for (let i = 0; i < keys.length; i++) consider(i);
    }
    if (newest < 0) return undefined;
    const end = definition.windowOf(newest).end.getTime();
    return { at: Math.min(end, createdAt?.[position] ?? Number.POSITIVE_INFINITY), measuredFrom: 'window_end', newestPartition: keys[position]! };
  }
  let latest = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < (createdAt?.length ?? 0); i++) if (createdAt![i]! > latest) latest = createdAt![i]!;
  return latest === Number.NEGATIVE_INFINITY ? undefined : { at: latest, measuredFrom: 'materialization' };
}

// Valid keys read from the end of a chronological key list: more than the keys of a repeated hour.
const CHRONOLOGICAL_TAIL = 16;

// True when the format's fields run from year down to minute (`yyyy-MM-dd`, `yyyyMMdd-HHmm`), each once.
function isChronologicalFormat(format: string): boolean {
  const positions = ['yyyy', 'MM', 'dd', 'HH', 'mm'].map((token) => ({ at: format.indexOf(token), again: format.indexOf(token, format.indexOf(token) + 1) }));
  if (positions.some((p) => p.at >= 0 && p.again >= 0)) return false;
  const present = positions.filter((p) => p.at >= 0).map((p) => p.at);
  return present.every((at, i) => i === 0 || at > present[i - 1]!) && positions.slice(0, present.length).every((p) => p.at >= 0);
}
