import { partitionsPerStep, unbatchedReason, type AssetDefinition, type AssetKey } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
import type { AssetGraph } from '../graph/index.ts';
import { PartitionSubset, type PartitionsContext } from '../partitions/index.ts';
import { resolvedDependencies, upstreamSubset, type AssetStaleness, type ResolvedDependency } from '../versioning/staleness.ts';
import type { BlockedReason, BlockedStep, NonexistentUpstreamPartitions, Plan, PlanStep } from './plan.ts';

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
    const chunk = partitionsPerStep(asset);
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
 * at most `backfill.maxPartitionsPerStep` partitions: a range step; never for a self-dependent asset), in
 * topological then partition order, each depending on the planned steps of the upstream partitions
 * it reads. With `maxSteps`/`maxPartitions`, a plan over the limit is refused before any step is built.
 *
 * Partitions that need upstream partitions that do not exist (a 7-day window at the start of
 * history) are blocked, as in Dagster: they go to `plan.blocked` with `upstream_nonexistent` and
 * the missing keys, and partitions reading blocked ones are blocked with `upstream_blocked`. A
 * mapping with `allowNonexistentUpstream` lets them run; their steps list the missing keys.
 */
export function createPlan(options: CreatePlanOptions): Plan {
  const { graph, staleness, ctx } = options;
  if (options.maxSteps !== undefined || options.maxPartitions !== undefined) checkPlanSize(planSize(graph, staleness), options);
  const steps: PlanStep[] = [];
  const blockedSteps: BlockedStep[] = [];
  // Per asset: the step id covering each planned partition index.
  const stepOfIndex = new Map<AssetKey, Map<number, string>>();
  const blockedOf = new Map<AssetKey, PartitionSubset>();
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
    const gaps = nonexistentGaps(asset, deps, s.planned, ctx);
    const blocked = blockedPartitions(asset, deps, s.planned, gaps, blockedOf, ctx);
    blockedOf.set(key, blocked.all);
    const chunk = partitionsPerStep(asset);
    const unbatched = unbatchedReason(asset);
    const chunks = function* (subset: PartitionSubset): Generator<[number, number, string[], string]> {
      for (const [start, end] of subset.ranges()) {
        for (let from = start; from < end; from += Math.min(chunk, end - from)) {
          const to = Math.min(end, from + chunk);
          const keys: string[] = [];
          for (let i = from; i < to; i++) keys.push(keyAt(i));
          yield [from, to, keys, stepId(key, keys)];
        }
      }
    };
    for (const [from, to, keys, id] of chunks(s.planned.difference(blocked.all))) {
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
      const missing = missingFor(asset, gaps, covered, ctx);
      steps.push(
        Object.freeze({
          id,
          assetKey: key,
          partitionKeys: Object.freeze(keys),
          reason: s.reasonAt(from)!,
          dependsOn: Object.freeze([...dependsOn]),
          ...(missing.length > 0 ? { nonexistentUpstream: missing } : {}),
          ...(unbatched !== undefined ? { unbatched } : {}),
        }),
      );
    }
    for (const [from, to, keys, id] of chunks(blocked.all)) {
      const covered = PartitionSubset.fromRange(from, to);
      const own = !blocked.own.intersect(covered).isEmpty;
      const missing = own ? missingFor(asset, gaps, covered, ctx, true) : Object.freeze([]);
      const reason: BlockedReason = own
        ? { cause: 'upstream_nonexistent', detail: `requires upstream partitions that do not exist: ${missing.map(describeMissing).join(', ')}` }
        : blockedUpstreamReason(asset, key, deps, from, blocked.all, blockedOf, ctx);
      blockedSteps.push(Object.freeze({ id, assetKey: key, partitionKeys: Object.freeze(keys), reason: Object.freeze(reason), nonexistentUpstream: missing }));
    }
  }
  return Object.freeze({
    createdAt: (options.createdAt ?? new Date()).toISOString(),
    selection: options.selection,
    steps: Object.freeze(steps),
    blocked: Object.freeze(blockedSteps),
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

/** One dependency whose mapping needs upstream partitions that do not exist for some planned partitions. */
interface Gap {
  readonly dep: ResolvedDependency;
  /** The planned partitions that need them. */
  readonly downstream: PartitionSubset;
}

function nonexistentGaps(asset: AssetDefinition, deps: readonly ResolvedDependency[], planned: PartitionSubset, ctx: PartitionsContext): Gap[] {
  const gaps: Gap[] = [];
  for (const dep of deps) {
    if (dep.mapping.nonexistentUpstreamFor === undefined) continue;
    const { downstream } = dep.mapping.nonexistentUpstreamFor(planned, asset.partitions, dep.upstreamDefinition, ctx);
    if (!downstream.isEmpty) gaps.push({ dep, downstream });
  }
  return gaps;
}

/**
 * The planned partitions that cannot run: those needing nonexistent upstream partitions through a
 * mapping that does not allow it (`own`), and those reading blocked partitions (`all` holds both).
 * A self-dependent asset is blocked from its first blocked partition to the end of each contiguous
 * planned range, since each partition reads an earlier one.
 */
function blockedPartitions(
  asset: AssetDefinition,
  deps: readonly ResolvedDependency[],
  planned: PartitionSubset,
  gaps: readonly Gap[],
  blockedOf: ReadonlyMap<AssetKey, PartitionSubset>,
  ctx: PartitionsContext,
): { own: PartitionSubset; all: PartitionSubset } {
  let own = PartitionSubset.empty();
  for (const gap of gaps) if (!gap.dep.mapping.allowNonexistentUpstream) own = own.union(gap.downstream);
  let all = own;
  for (const dep of deps) {
    if (dep.upstream === asset.key) continue;
    const upstreamBlocked = blockedOf.get(dep.upstream);
    if (upstreamBlocked === undefined || upstreamBlocked.isEmpty) continue;
    all = all.union(dep.mapping.downstreamFor(upstreamBlocked, dep.upstreamDefinition, asset.partitions, ctx).intersect(planned));
  }
  if (asset.selfDependency && !all.isEmpty) {
    const chained: [number, number][] = [];
    for (const [start, end] of planned.ranges()) {
      const first = all.intersect(PartitionSubset.fromRange(start, end)).first;
      if (first !== undefined) chained.push([first, end]);
    }
    all = all.union(PartitionSubset.fromRanges(chained));
  }
  return { own, all };
}

/** The nonexistent upstream partitions `covered` needs, per dependency (only blocking ones when `blockingOnly`). */
function missingFor(asset: AssetDefinition, gaps: readonly Gap[], covered: PartitionSubset, ctx: PartitionsContext, blockingOnly = false): readonly NonexistentUpstreamPartitions[] {
  const missing: NonexistentUpstreamPartitions[] = [];
  for (const { dep, downstream } of gaps) {
    if (blockingOnly && dep.mapping.allowNonexistentUpstream) continue;
    if (downstream.intersect(covered).isEmpty) continue;
    for (const r of dep.mapping.nonexistentUpstreamFor!(covered, asset.partitions, dep.upstreamDefinition, ctx).ranges) {
      missing.push(Object.freeze({ asset: dep.upstream, from: r.from, to: r.to, count: r.count }));
    }
  }
  return Object.freeze(missing);
}

function describeMissing(m: NonexistentUpstreamPartitions): string {
  return m.from === m.to ? `${m.asset} ${m.from}` : `${m.asset} ${m.from}..${m.to}`;
}

function blockedUpstreamReason(
  asset: AssetDefinition,
  key: AssetKey,
  deps: readonly ResolvedDependency[],
  from: number,
  blocked: PartitionSubset,
  blockedOf: ReadonlyMap<AssetKey, PartitionSubset>,
  ctx: PartitionsContext,
): BlockedReason {
  const single = PartitionSubset.fromRange(from, from + 1);
  let upstream: { asset: AssetKey; partition: string } | undefined;
  for (const dep of deps) {
    const upBlocked = dep.upstream === key ? blocked.clamp(0, from) : blockedOf.get(dep.upstream);
    const hit = upBlocked === undefined ? undefined : upstreamSubset(asset, dep, single, ctx).intersect(upBlocked).first;
    if (hit !== undefined) {
      upstream = { asset: dep.upstream, partition: dep.upstreamDefinition ? dep.upstreamDefinition.keyAt(hit, ctx) : '' };
      break;
    }
  }
  if (upstream === undefined) {
    // A self-dependent chain: the nearest earlier blocked partition of the asset itself.
    const before = blocked.clamp(0, from).last;
    upstream = { asset: key, partition: before !== undefined && asset.partitions ? asset.partitions.keyAt(before, ctx) : '' };
  }
  return { cause: 'upstream_blocked', upstream, detail: `reads ${upstream.asset} [${upstream.partition}], which is blocked` };
}
