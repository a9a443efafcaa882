import type { Catalog } from '../catalog/index.ts';
import type { AssetKey } from '../definitions/index.ts';
import type { AssetGraph } from '../graph/index.ts';
import type { PartitionsContext } from '../partitions/index.ts';
import { freshnessBase, type FreshnessBase } from '../versioning/index.ts';

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
  // One summary query says which assets changed since the last call; only those read their partitions
  // (the Automation page and the graph poll this every few seconds, while a daemon writes all the time).
  const tokens = new Map(catalog.assetSummaries().map((s) => [s.assetKey, `${s.lastSeq}:${s.currentPartitions}`]));
  let cache = baseCaches.get(catalog);
  if (cache === undefined) baseCaches.set(catalog, (cache = new Map()));
  for (const key of keys ?? [...graph.keys].sort()) {
    const asset = graph.get(key);
    if (asset.type !== 'asset' || asset.freshness === undefined) continue;
    const { maxLagMs, maxLag } = asset.freshness;
    const token = tokens.get(key) ?? 'none';
    let entry = cache.get(key);
    if (entry === undefined || entry.token !== token || entry.definition !== asset.partitions) {
      const base = token === 'none' ? undefined : freshnessBase(asset.partitions, catalog.currentPartitions(key, { columns: ['createdAt'] }), ctx);
      cache.set(key, (entry = { token, definition: asset.partitions, base }));
    }
    const base = entry.base;
    const lagMs = base === undefined ? null : Math.max(0, now - base.at);
    const measuredFrom: AssetFreshness['measuredFrom'] = base?.measuredFrom ?? 'never';
    const newestPartition = base?.newestPartition;
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

// Per catalog, per asset: the freshness base as of the asset's last commit and current-partition count.
const baseCaches = new WeakMap<Catalog, Map<string, { readonly token: string; readonly definition: unknown; readonly base: FreshnessBase | undefined }>>();

// The wording lives with the freshness policy, so that alerts (observability) use the same one.
export { formatLag } from '../definitions/index.ts';
