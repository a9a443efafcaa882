import { isTimeWindowPartitionsDefinition, type PartitionsContext, type PartitionsDefinition } from '../partitions/index.ts';

/**
 * The instant an asset's data is current up to: the end of the newest materialized partition's time
 * window for a time-window partitioned asset, else (unpartitioned, static, dynamic or multi
 * partitions) its last materialization time. `undefined` when it has never been materialized.
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
  materializedKeys: Iterable<string>,
  lastMaterializedAt: Date | null,
  ctx?: PartitionsContext,
): Date | undefined {
  if (isTimeWindowPartitionsDefinition(definition)) {
    let newest = -Infinity;
    for (const key of materializedKeys) {
      // A key the definition no longer knows (its start moved) says nothing about the windows it has now.
      if (!definition.isValidKey(key, ctx)) continue;
      newest = Math.max(newest, definition.indexOf(key, ctx));
    }
    if (newest !== -Infinity) return definition.windowOf(newest).end;
  }
  return lastMaterializedAt ?? undefined;
}

/** Seconds from `base` (see `freshnessBase`) to `now`, never negative. */
export function freshnessLagSeconds(base: Date, now: Date): number {
  return Math.max(0, (now.getTime() - base.getTime()) / 1000);
}
