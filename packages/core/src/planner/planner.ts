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
  /**
   * Assets each asset's steps must wait for without reading them as data, such as the asset a
   * `referentialIntegrity` check reads: a step waits for every planned step of those assets. An
   * ordering that would make a cycle (the referenced asset reads this one) is left out.
   */
  readonly orderAfter?: ReadonlyMap<AssetKey, readonly AssetKey[]>;
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
  const order = orderOf(graph, [...staleness.keys()].filter((k) => !staleness.get(k)!.planned.isEmpty), options.orderAfter);
  for (const key of order.keys) {
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
        for (const before of order.after.get(key) ?? []) for (const upstreamStep of new Set(stepOfIndex.get(before)?.values())) dependsOn.add(upstreamStep);
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

/**
 * The planned assets in an order that respects data dependencies and the ordering-only ones that
 * make no cycle, with the ordering-only predecessors kept per asset.
 */
function orderOf(graph: AssetGraph, planned: readonly AssetKey[], orderAfter: ReadonlyMap<AssetKey, readonly AssetKey[]> | undefined): { keys: AssetKey[]; after: Map<AssetKey, AssetKey[]> } {
  const keys = graph.ordered(planned);
  const after = new Map<AssetKey, AssetKey[]>();
  if (orderAfter === undefined || orderAfter.size === 0) return { keys, after };
  const inPlan = new Set(keys);
  // Predecessors among the planned assets: data edges (through unplanned assets too) plus accepted orderings.
  const before = new Map<AssetKey, Set<AssetKey>>(keys.map((k) => [k, new Set(graph.upstreamClosure([k]).filter((u) => u !== k && inPlan.has(u)))]));
  const reaches = (from: AssetKey, to: AssetKey): boolean => {
    const seen = new Set<AssetKey>();
    const stack = [to];
    while (stack.length > 0) {
      const k = stack.pop()!;
      if (k === from) return true;
      if (seen.has(k)) continue;
      seen.add(k);
      stack.push(...(before.get(k) ?? []));
    }
    return false;
  };
  for (const key of keys) {
    for (const ref of orderAfter.get(key) ?? []) {
      // `key` waits for `ref` unless `ref` already (transitively) waits for `key`.
      if (ref === key || !inPlan.has(ref) || reaches(key, ref)) continue;
      before.get(key)!.add(ref);
      after.set(key, [...(after.get(key) ?? []), ref]);
    }
  }
  // Kahn's algorithm, taking ready assets in graph order so plans stay as they were without orderings.
  const rank = new Map(keys.map((k, i) => [k, i]));
  const left = new Map(keys.map((k) => [k, before.get(k)!.size]));
  const sorted: AssetKey[] = [];
  const ready = keys.filter((k) => left.get(k) === 0);
  while (ready.length > 0) {
    ready.sort((a, b) => rank.get(a)! - rank.get(b)!);
    const next = ready.shift()!;
    sorted.push(next);
    for (const k of keys) {
      if (before.get(k)!.has(next)) {
        const n = left.get(k)! - 1;
        left.set(k, n);
        if (n === 0) ready.push(k);
      }
    }
  }
  return { keys: sorted, after };
}
