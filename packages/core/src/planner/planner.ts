import type { AssetDefinition, AssetKey } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
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
  /** Refuse (`QUARRY_PLAN_TOO_LARGE`) before building a plan of more steps than this. */
  readonly maxSteps?: number;
  /** Refuse (`QUARRY_PLAN_TOO_LARGE`) before building a plan covering more asset partitions than this. */
  readonly maxPartitions?: number;
}

/** How big a plan would be: its steps and asset partitions, in all and per asset. */
export interface PlanSize {
  readonly steps: number;
  readonly partitions: number;
  readonly perAsset: readonly { readonly assetKey: AssetKey; readonly steps: number; readonly partitions: number }[];
}

/**
 * Counts the steps and partitions a plan of `staleness` would have, from the planned ranges alone
 * (O(ranges), never O(partitions)), so a caller can refuse a plan of ten million steps before
 * building it.
 */
export function planSize(graph: AssetGraph, staleness: ReadonlyMap<AssetKey, AssetStaleness>): PlanSize {
  let steps = 0;
  let partitions = 0;
  const perAsset: { assetKey: AssetKey; steps: number; partitions: number }[] = [];
  for (const [key, s] of staleness) {
    if (s.planned.isEmpty) continue;
    const asset = graph.get(key) as AssetDefinition;
    const chunk = asset.backfill.mode === 'single-run' ? (asset.backfill.maxPartitionsPerStep ?? Number.POSITIVE_INFINITY) : 1;
    let assetSteps = 0;
    for (const [start, end] of s.planned.ranges()) assetSteps += Number.isFinite(chunk) ? Math.ceil((end - start) / chunk) : 1;
    steps += assetSteps;
    partitions += s.planned.count;
    perAsset.push({ assetKey: key, steps: assetSteps, partitions: s.planned.count });
  }
  return { steps, partitions, perAsset: perAsset.sort((a, b) => b.partitions - a.partitions) };
}

/** Throws `QUARRY_PLAN_TOO_LARGE`, naming the counts, the limit and how to narrow, when `size` exceeds a limit. */
export function checkPlanSize(size: PlanSize, limits: { readonly maxSteps?: number | undefined; readonly maxPartitions?: number | undefined }): void {
  const over =
    limits.maxPartitions !== undefined && size.partitions > limits.maxPartitions
      ? `${size.partitions.toLocaleString('en-US')} asset partitions (the limit is ${limits.maxPartitions.toLocaleString('en-US')})`
      : limits.maxSteps !== undefined && size.steps > limits.maxSteps
        ? `${size.steps.toLocaleString('en-US')} steps (the limit is ${limits.maxSteps.toLocaleString('en-US')})`
        : undefined;
  if (over === undefined) return;
  const largest = size.perAsset
    .slice(0, 3)
    .map((a) => `${a.assetKey}: ${a.partitions.toLocaleString('en-US')}`)
    .join(', ');
  throw new QuarryError(
    'QUARRY_PLAN_TOO_LARGE',
    `This plan would have ${over}; largest: ${largest}. Narrow it: pick a partition range (--from/--to, or "partitions": { "from", "to" }) or a narrower selection, and run it in parts.`,
    { details: { steps: size.steps, partitions: size.partitions, ...limits } },
  );
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
 * it reads. With `maxSteps`/`maxPartitions`, a plan over the limit is refused before any step is built.
 */
export function createPlan(options: CreatePlanOptions): Plan {
  const { graph, staleness, ctx } = options;
  if (options.maxSteps !== undefined || options.maxPartitions !== undefined) checkPlanSize(planSize(graph, staleness), options);
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
