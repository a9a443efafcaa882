import { isTimeWindowPartitionsDefinition, type PartitionsContext, type PartitionsDefinition } from '../partitions/index.ts';

/**
 * The instant an asset's data is current up to: the end of the newest materialized partition's time
 * window for a time-window partitioned asset, else (unpartitioned, static, dynamic or multi
 * partitions) its last materialization time. `undefined` when it has never been materialized.
 * `materializedKeys` are in ascending binary order, as `Catalog.currentPartitions` gives them.
 *
 * The freshness work of the automation layer defines freshness the same way; this small function
 * is what the `quarry_freshness_lag_seconds` metric uses until the two are reconciled.
 *
 * ```ts
 * freshnessBase(dailyPartitions({ start: '2026-01-01' }), ['2026-01-01', '2026-01-02'], lastAt)
 * // → 2026-01-03T00:00:00Z (the end of the 2026-01-02 window)
 * ```
 */
export function freshnessBase(
  definition: PartitionsDefinition | undefined,
  materializedKeys: readonly string[],
  lastMaterializedAt: Date | null,
  ctx?: PartitionsContext,
): Date | undefined {
  if (isTimeWindowPartitionsDefinition(definition)) {
    let newest = -Infinity;
    const consider = (key: string): boolean => {
      // A key the definition no longer knows (its start moved) says nothing about the windows it has now.
      if (!definition.isValidKey(key, ctx)) return false;
      newest = Math.max(newest, definition.indexOf(key, ctx));
      return true;
    };
    if (isChronologicalFormat(definition.format)) {
      // Keys come in binary order, which a most-significant-first format keeps chronological, except
      // for the offset-suffixed keys of an hour that happens twice: the last few valid keys settle it,
      // so a million-partition asset costs no full scan.
      let found = 0;
      for (let i = materializedKeys.length - 1; i >= 0 && found < CHRONOLOGICAL_TAIL; i--) if (consider(materializedKeys[i]!)) found++;
    } else {
      for (const key of materializedKeys) consider(key);
    }
    if (newest !== -Infinity) return definition.windowOf(newest).end;
  }
  return lastMaterializedAt ?? undefined;
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

/** Seconds from `base` (see `freshnessBase`) to `now`, never negative. */
export function freshnessLagSeconds(base: Date, now: Date): number {
  return Math.max(0, (now.getTime() - base.getTime()) / 1000);
}
