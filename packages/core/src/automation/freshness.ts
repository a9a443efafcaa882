import type { Catalog } from '../catalog/index.ts';
import type { AssetKey } from '../definitions/index.ts';
import type { AssetGraph } from '../graph/index.ts';
import { isTimeWindowPartitionsDefinition, type PartitionsContext } from '../partitions/index.ts';

/** How fresh one asset is against its `freshness.maxLag`. */
export interface AssetFreshness {
  readonly assetKey: AssetKey;
  readonly state: 'fresh' | 'overdue';
  /** How far the data lags, in milliseconds; `null` when it was never materialized (overdue). */
  readonly lagMs: number | null;
  readonly maxLagMs: number;
  readonly maxLag: string;
  /** What the lag is measured from: the newest partition's window end, or the last materialization. */
  readonly measuredFrom: 'window_end' | 'materialization' | 'never';
  /** The newest materialized partition (time-partitioned assets). */
  readonly newestPartition?: string;
}

/**
 * The freshness of every asset that declares `freshness` (of `keys` only, when given), at `now`: a
 * time-partitioned asset lags by `now` minus the window end of its newest materialized partition; any
 * other asset by `now` minus its last materialization. A newest partition materialized before its window
 * ended (today's, with `endOffset: 1`) lags from that materialization instead. Overdue when the lag
 * exceeds `maxLag`.
 */
export function computeFreshness(graph: AssetGraph, catalog: Catalog, ctx: PartitionsContext, now: number, keys?: readonly AssetKey[]): AssetFreshness[] {
  const out: AssetFreshness[] = [];
  for (const key of keys ?? [...graph.keys].sort()) {
    const asset = graph.get(key);
    if (asset.type !== 'asset' || asset.freshness === undefined) continue;
    const { maxLagMs, maxLag } = asset.freshness;
    const definition = asset.partitions;
    let lagMs: number | null = null;
    let measuredFrom: AssetFreshness['measuredFrom'] = 'never';
    let newestPartition: string | undefined;
    if (isTimeWindowPartitionsDefinition(definition)) {
      const current = catalog.currentPartitions(key, { columns: ['createdAt'] });
      let newest = -1;
      let newestCreatedAt = Number.POSITIVE_INFINITY;
      for (const [i, partitionKey] of current.keys.entries()) {
        let index = -1;
        try {
          index = definition.indexOf(partitionKey, ctx);
        } catch {
          continue; // a key outside today's definition (moved start): not a window of it
        }
        if (index > newest) (newest = index), (newestPartition = partitionKey), (newestCreatedAt = current.createdAt?.[i] ?? Number.POSITIVE_INFINITY);
      }
      if (newest >= 0) {
        // A window still in progress (an `endOffset` partition, today's) holds data up to when it was
        // materialized, not up to its end: measure from whichever came first.
        lagMs = Math.max(0, now - Math.min(definition.windowOf(newest).end.getTime(), newestCreatedAt));
        measuredFrom = 'window_end';
      }
    } else {
      const current = catalog.currentPartitions(key, { columns: ['createdAt'] });
      let latest = Number.NEGATIVE_INFINITY;
      for (const t of current.createdAt ?? []) latest = Math.max(latest, t);
      if (latest > Number.NEGATIVE_INFINITY) {
        lagMs = Math.max(0, now - latest);
        measuredFrom = 'materialization';
      }
    }
    out.push({
      assetKey: key,
      state: lagMs !== null && lagMs <= maxLagMs ? 'fresh' : 'overdue',
      lagMs,
      maxLagMs,
      maxLag,
      measuredFrom,
      ...(newestPartition !== undefined ? { newestPartition } : {}),
    });
  }
  return out;
}

// The wording lives with the freshness policy, so that alerts (observability) use the same one.
export { formatLag } from '../definitions/index.ts';
