import type { AssetDefinition, AssetKey } from '../definitions/index.ts';
import type { AssetGraph } from '../graph/index.ts';
import { PartitionSubset, type PartitionsContext } from '../partitions/index.ts';
import { resolvedDependencies, upstreamSubset, type AssetStaleness } from '../versioning/staleness.ts';
import type { Plan, PlanStep } from './plan.ts';

/** Options of `createPlan`. */
export interface CreatePlanOptions {
  readonly graph: AssetGraph;
  readonly staleness: ReadonlyMap<AssetKey, AssetStaleness>;
  readonly selection: string | undefined;
  readonly ctx: PartitionsContext;
  readonly createdAt?: Date;
}

/** The id of the step that materializes `keys` of `assetKey`. */
export function stepId(assetKey: AssetKey, keys: readonly string[]): string {
  const first = keys[0] ?? '';
  const last = keys[keys.length - 1] ?? '';
  return keys.length <= 1 ? `${assetKey}[${first}]` : `${assetKey}[${first}..${last}]`;
}

/**
 * Turns staleness into an immutable plan: one step per planned partition (or per contiguous range of
 * at most `maxPartitionsPerStep` partitions, for assets with a single-run backfill policy), in
 * topological then partition order, each depending on the planned steps of the upstream partitions
 * it reads.
 */
export function createPlan(options: CreatePlanOptions): Plan {
  const { graph, staleness, ctx } = options;
  const steps: PlanStep[] = [];
  // Per asset: the step id covering each planned partition index.
  const stepOfIndex = new Map<AssetKey, Map<number, string>>();
  for (const key of graph.ordered(staleness.keys())) {
    const s = staleness.get(key)!;
    if (s.planned.isEmpty) continue;
    const asset = graph.get(key) as AssetDefinition;
    const definition = asset.partitions;
    const keyAt = (i: number) => (definition ? definition.keyAt(i, ctx) : '');
    const index = new Map<number, string>();
    stepOfIndex.set(key, index);
    const deps = resolvedDependencies(asset);
    const chunk = asset.backfill.mode === 'single-run' ? (asset.backfill.maxPartitionsPerStep ?? Number.POSITIVE_INFINITY) : 1;
    for (const [start, end] of s.planned.ranges()) {
      for (let from = start; from < end; from += Math.min(chunk, end - from)) {
        const to = Math.min(end, from + chunk);
        const keys: string[] = [];
        for (let i = from; i < to; i++) keys.push(keyAt(i));
        const id = stepId(key, keys);
        const covered = PartitionSubset.fromRange(from, to);
        const dependsOn = new Set<string>();
        for (const dep of deps) {
          const upstreamSteps = stepOfIndex.get(dep.upstream) ?? (dep.upstream === key ? index : undefined);
          if (upstreamSteps === undefined) continue;
          for (const u of upstreamSubset(asset, dep, covered, ctx).indices()) {
            const upstreamStep = upstreamSteps.get(u);
            if (upstreamStep !== undefined && upstreamStep !== id) dependsOn.add(upstreamStep);
          }
        }
        for (let i = from; i < to; i++) index.set(i, id);
        steps.push(Object.freeze({ id, assetKey: key, partitionKeys: Object.freeze(keys), reason: s.reasonAt(from)!, dependsOn: Object.freeze([...dependsOn]) }));
      }
    }
  }
  return Object.freeze({
    createdAt: (options.createdAt ?? new Date()).toISOString(),
    selection: options.selection,
    steps: Object.freeze(steps),
  });
}
