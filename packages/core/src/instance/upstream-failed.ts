import type { AssetKey } from '../definitions/index.ts';
import type { AssetGraph } from '../graph/index.ts';
import { PartitionSubset, type PartitionsContext } from '../partitions/index.ts';
import type { AssetState } from '../versioning/index.ts';
import { resolvedDependencies, upstreamSubset } from '../versioning/index.ts';

/**
 * Per asset, its never-materialized partitions that read an upstream partition whose latest attempt
 * failed (or was blocked), directly or through other such partitions: a run skipped them because an
 * upstream failed, so they are `upstream_failed`, not plainly `missing`. Memoised per call site;
 * bisects missing ranges so a few failures among a million partitions cost a few mapping calls.
 * `hasFailures` (a cheap look at the failure markers) keeps assets with no failure upstream from
 * loading any state at all.
 */
export function upstreamFailedResolver(graph: AssetGraph, state: (key: AssetKey) => AssetState, ctx: PartitionsContext, hasFailures: (key: AssetKey) => boolean): (key: AssetKey) => PartitionSubset {
  const memo = new Map<AssetKey, PartitionSubset>();
  const failureAbove = new Map<AssetKey, boolean>();
  // Whether the asset or anything upstream of it has a failure marker.
  const anyFailure = (key: AssetKey): boolean => {
    const known = failureAbove.get(key);
    if (known !== undefined) return known;
    failureAbove.set(key, false);
    const asset = graph.get(key);
    const result = hasFailures(key) || (asset.type !== 'source' && resolvedDependencies(asset).some((d) => d.upstream !== key && graph.has(d.upstream) && anyFailure(d.upstream)));
    failureAbove.set(key, result);
    return result;
  };
  const bad = (key: AssetKey): PartitionSubset => state(key).failed.union(resolve(key));
  const resolve = (key: AssetKey): PartitionSubset => {
    const known = memo.get(key);
    if (known !== undefined) return known;
    memo.set(key, PartitionSubset.empty()); // a self-dependency or cycle reads nothing new
    const asset = graph.get(key);
    let result = PartitionSubset.empty();
    const upstreamFailure = asset.type !== 'source' && resolvedDependencies(asset).some((d) => d.upstream !== key && graph.has(d.upstream) && anyFailure(d.upstream));
    if (asset.type !== 'source' && upstreamFailure) {
      const s = state(key);
      const all = asset.partitions ? asset.partitions.all(ctx) : PartitionSubset.fromRange(0, 1);
      const missing = all.difference(s.materialized).difference(s.failed);
      const deps = resolvedDependencies(asset).filter((d) => d.upstream !== key && graph.has(d.upstream));
      const badDeps = deps.map((d) => ({ dep: d, bad: bad(d.upstream) })).filter((d) => !d.bad.isEmpty);
      if (!missing.isEmpty && badDeps.length > 0) {
        const hits: [number, number][] = [];
        const touches = (a: number, b: number) => badDeps.some(({ dep, bad: up }) => {
          try {
            return !upstreamSubset(asset, dep, PartitionSubset.fromRange(a, b), ctx).intersect(up).isEmpty;
          } catch {
            return false;
          }
        });
        const visit = (a: number, b: number): void => {
          if (!touches(a, b)) return;
          if (b - a === 1) {
            hits.push([a, b]);
            return;
          }
          const mid = a + Math.floor((b - a) / 2);
          visit(a, mid);
          visit(mid, b);
        };
        for (const [a, b] of missing.ranges()) visit(a, b);
        result = PartitionSubset.fromRanges(hits);
      }
    }
    memo.set(key, result);
    return result;
  };
  return resolve;
}
