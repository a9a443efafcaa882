import type { AssetDefinition, AssetKey } from '../definitions/index.ts';
import type { AssetGraph } from '../graph/index.ts';
import type { StaleReason } from './stale-reason.ts';
import { defaultMapping, PartitionSubset, type PartitionMapping, type PartitionsContext, type PartitionsDefinition } from '../partitions/index.ts';
import type { AssetState } from './asset-state.ts';
import { inputFingerprint, sourceVersionOf, type DependencyInputs } from './input-fingerprint.ts';

/** What staleness is computed from: a graph, the selected assets and partitions, and catalog state. */
export interface StalenessInput {
  readonly graph: AssetGraph;
  /** Selected materializable assets, in topological order. */
  readonly selected: readonly AssetKey[];
  /** The partitions considered per selected asset (index subsets of its definition). */
  readonly targets: ReadonlyMap<AssetKey, PartitionSubset>;
  /** The current state of any asset (selected or upstream), loaded once and cached by the caller. */
  readonly state: (key: AssetKey) => AssetState;
  readonly codeVersion: (key: AssetKey) => string;
  /** Observed source versions of target partitions, for assets with `observe` (index → version). */
  readonly observed?: ReadonlyMap<AssetKey, ReadonlyMap<number, string | undefined>>;
  readonly ctx: PartitionsContext;
  /** Plan every target partition (reason `forced` when otherwise fresh). */
  readonly force?: boolean;
}

/** The stale partitions of one asset by cause (disjoint subsets), with the cause of each. */
export interface AssetStaleness {
  readonly assetKey: AssetKey;
  readonly target: PartitionSubset;
  readonly missing: PartitionSubset;
  readonly failed: PartitionSubset;
  readonly codeChanged: PartitionSubset;
  readonly sourceChanged: PartitionSubset;
  readonly upstreamChanged: PartitionSubset;
  readonly upstreamStale: PartitionSubset;
  readonly forced: PartitionSubset;
  /** Every partition that must run: the union of the above. */
  readonly planned: PartitionSubset;
  /** Why partition `index` is planned (undefined when it is fresh). */
  reasonAt(index: number): StaleReason | undefined;
}

/** One upstream edge as staleness sees it: the upstream asset and the mapping in force. */
export interface ResolvedDependency {
  readonly name: string;
  readonly upstream: AssetKey;
  readonly mapping: PartitionMapping;
  readonly upstreamDefinition: PartitionsDefinition | undefined;
}

/** The dependencies of an asset with their effective mappings, its self-dependency included. */
export function resolvedDependencies(asset: AssetDefinition): ResolvedDependency[] {
  const deps: ResolvedDependency[] = Object.entries(asset.deps).map(([name, d]) => ({
    name,
    upstream: d.asset.key,
    mapping: d.mapping ?? defaultMapping(d.asset.partitions, asset.partitions),
    upstreamDefinition: d.asset.partitions,
  }));
  if (asset.selfDependency) {
    deps.push({ name: asset.selfDependency.name, upstream: asset.key, mapping: asset.selfDependency.mapping, upstreamDefinition: asset.partitions });
  }
  return deps;
}

/** The upstream partitions (index subset) that partitions `indices` of `asset` read through `dep`. */
export function upstreamSubset(asset: AssetDefinition, dep: ResolvedDependency, indices: PartitionSubset, ctx: PartitionsContext): PartitionSubset {
  return dep.mapping.upstreamFor(indices, asset.partitions, dep.upstreamDefinition, ctx);
}

/**
 * The inputs partition `index` of `asset` reads now, with their current data versions, from catalog
 * state: the same list the executor fingerprints when it runs the partition.
 */
export function currentInputs(
  asset: AssetDefinition,
  indices: PartitionSubset,
  state: (key: AssetKey) => AssetState,
  ctx: PartitionsContext,
): DependencyInputs[] {
  return resolvedDependencies(asset).map((dep) => {
    const up = upstreamSubset(asset, dep, indices, ctx);
    const upState = state(dep.upstream);
    const partitions: { key: string; dataVersion: string }[] = [];
    for (const i of up.intersect(upState.materialized).indices()) {
      partitions.push({ key: dep.upstreamDefinition ? dep.upstreamDefinition.keyAt(i, ctx) : '', dataVersion: upState.dataVersionAt(i)! });
    }
    return { name: dep.name, assetKey: dep.upstream, partitions };
  });
}

/**
 * Computes, for each selected asset, which target partitions are stale and why. Exact for every
 * mapping and any fan-in: a sequence filter finds candidates in O(partitions) and each candidate is
 * confirmed by recomputing its input fingerprint, so an upstream that changed and changed back does
 * not count. Partitions downstream of planned ones are `upstream_stale` (the executor cuts them off
 * if the upstream turns out unchanged).
 */
export function computeStaleness(input: StalenessInput): Map<AssetKey, AssetStaleness> {
  const result = new Map<AssetKey, AssetStaleness>();
  const { ctx } = input;
  for (const key of input.selected) {
    const asset = input.graph.get(key);
    if (asset.type !== 'asset') continue;
    const target = input.targets.get(key) ?? PartitionSubset.empty();
    const state = input.state(key);
    const codeVersion = input.codeVersion(key);
    const deps = resolvedDependencies(asset);

    const absent = target.difference(state.materialized);
    const failed = absent.intersect(state.failed);
    const missing = absent.difference(failed);
    const present = target.intersect(state.materialized);

    const sourceChangedIdx: number[] = [];
    const upstreamChangedIdx: number[] = [];
    const upstreamDetail = new Map<number, { asset: AssetKey; partition: string }>();
    const sourceDetail = new Map<number, { asset: AssetKey; partition: string }>();
    const observed = input.observed?.get(key);

    // Code versions are compared over ranges: the partitions holding the current code version are
    // one subset of the state, the others changed code. Only those can have changed inputs.
    const sameCode = present.intersect(state.withCodeVersion(codeVersion));
    const codeChanged = present.difference(sameCode);
    // Without dependencies or observed versions, nothing else can make a partition stale.
    const inputChecked = deps.length > 0 || observed !== undefined ? sameCode : PartitionSubset.empty();
    // Neighbouring partitions often read the same upstream partitions (an `all` or `last` mapping, a
    // daily asset reading a monthly one): per dependency, the highest upstream sequence and the first
    // newer upstream partition are computed once for a run of such partitions, and the fingerprint
    // of the inputs once while every dependency reads the same partitions. The answers are exactly
    // those of computing each partition on its own.
    const seen = deps.map((): { up: PartitionSubset; maxSeq: number; culprits: Map<number, { asset: AssetKey; partition: string }> } | undefined => undefined);
    let readAll: { ups: PartitionSubset[]; inputs: DependencyInputs[]; fingerprints: Map<string | undefined, string> } | undefined;
    for (const i of inputChecked.indices()) {
      // The fingerprint lives in the wide columns: read it only when a question needs it.
      if (observed !== undefined && observed.has(i) && observed.get(i) !== sourceVersionOf(state.fingerprintAt(i))) {
        sourceChangedIdx.push(i);
        continue;
      }
      const single = PartitionSubset.fromRange(i, i + 1);
      const inputSeq = state.inputSeqAt(i);
      let culprit: { asset: AssetKey; partition: string } | undefined;
      let fromSource = false;
      for (let d = 0; d < deps.length; d++) {
        const dep = deps[d]!;
        const up = upstreamSubset(asset, dep, single, ctx);
        let known = seen[d];
        if (known === undefined || !known.up.equals(up)) {
          known = { up, maxSeq: input.state(dep.upstream).maxDataSeq(up), culprits: new Map() };
          seen[d] = known;
        }
        if (known.maxSeq > inputSeq) {
          culprit = known.culprits.get(inputSeq);
          if (culprit === undefined) {
            culprit = firstNewer(input.state(dep.upstream), up, inputSeq, dep, ctx);
            known.culprits.set(inputSeq, culprit);
          }
          fromSource = input.graph.get(dep.upstream).type === 'source';
          break;
        }
      }
      if (culprit === undefined) continue;
      // Confirm with the fingerprint: a change undone since (same versions again) is not a change.
      const fingerprint = state.fingerprintAt(i);
      const sourceVersion = sourceVersionOf(fingerprint);
      const ups = deps.map((dep) => upstreamSubset(asset, dep, single, ctx));
      if (readAll === undefined || ups.some((up, d) => !up.equals(readAll!.ups[d]!))) {
        readAll = { ups, inputs: currentInputs(asset, single, input.state, ctx), fingerprints: new Map() };
      }
      let now = readAll.fingerprints.get(sourceVersion);
      if (now === undefined) {
        now = inputFingerprint(readAll.inputs, sourceVersion);
        readAll.fingerprints.set(sourceVersion, now);
      }
      if (now !== fingerprint && fromSource) {
        // A source dependency observed with another version: the source changed.
        sourceChangedIdx.push(i);
        sourceDetail.set(i, culprit);
      } else if (now !== fingerprint) {
        upstreamChangedIdx.push(i);
        upstreamDetail.set(i, culprit);
      }
    }
    const sourceChanged = PartitionSubset.fromIndices(sourceChangedIdx.sort((a, b) => a - b));
    const upstreamChanged = PartitionSubset.fromIndices(upstreamChangedIdx);
    let direct = missing.union(failed).union(codeChanged).union(sourceChanged).union(upstreamChanged);

    // Partitions reading partitions planned upstream will see new data.
    let upstreamStale = PartitionSubset.empty();
    for (const dep of deps) {
      if (dep.upstream === key) continue;
      const planned = result.get(dep.upstream)?.planned;
      if (planned === undefined || planned.isEmpty) continue;
      const affected = dep.mapping.downstreamFor(planned, dep.upstreamDefinition, asset.partitions, ctx).intersect(target);
      upstreamStale = upstreamStale.union(affected);
    }
    upstreamStale = upstreamStale.difference(direct);
    if (asset.selfDependency) {
      // A self-dependent asset (each day builds on the previous one) is stale from its first planned
      // partition to the end of each contiguous target range.
      const seeds = direct.union(upstreamStale);
      const chained: [number, number][] = [];
      for (const [start, end] of target.ranges()) {
        const first = seeds.intersect(PartitionSubset.fromRange(start, end)).first;
        if (first !== undefined) chained.push([first, end]);
      }
      upstreamStale = upstreamStale.union(PartitionSubset.fromRanges(chained)).difference(direct);
    }
    direct = direct.union(upstreamStale);
    const forced = input.force ? target.difference(direct) : PartitionSubset.empty();
    const planned = direct.union(forced);

    const definition = asset.partitions;
    const reasonAt = (index: number): StaleReason | undefined => {
      if (!planned.has(index)) return undefined;
      if (missing.has(index)) return { cause: 'missing' };
      if (failed.has(index)) return { cause: 'failed', detail: 'the last attempt failed' };
      if (codeChanged.has(index)) return { cause: 'code_changed', detail: `code version ${state.codeVersionAt(index)} → ${codeVersion}` };
      if (sourceChanged.has(index) && sourceDetail.has(index)) {
        const source = sourceDetail.get(index)!;
        return { cause: 'source_changed', upstream: source, detail: `source ${source.asset}${source.partition ? ` [${source.partition}]` : ''} was observed with a new version` };
      }
      if (sourceChanged.has(index)) {
        return { cause: 'source_changed', detail: `source version ${sourceVersionOf(state.fingerprintAt(index)) ?? 'none'} → ${observed?.get(index) ?? 'none'}` };
      }
      if (upstreamChanged.has(index)) return { cause: 'upstream_changed', upstream: upstreamDetail.get(index)! };
      if (upstreamStale.has(index)) return { cause: 'upstream_stale', upstream: plannedUpstreamOf(index) };
      return { cause: 'forced' };
    };
    const plannedUpstreamOf = (index: number): { asset: AssetKey; partition: string } => {
      const single = PartitionSubset.fromRange(index, index + 1);
      for (const dep of deps) {
        const plannedUp = dep.upstream === key ? planned : result.get(dep.upstream)?.planned;
        if (plannedUp === undefined) continue;
        const hit = upstreamSubset(asset, dep, single, ctx).intersect(plannedUp).first;
        if (hit !== undefined && !(dep.upstream === key && hit >= index)) {
          return { asset: dep.upstream, partition: dep.upstreamDefinition ? dep.upstreamDefinition.keyAt(hit, ctx) : '' };
        }
      }
      // Self-dependent chains: the nearest earlier planned partition of the asset itself.
      let j = index - 1;
      while (j >= 0 && !planned.has(j)) j--;
      return { asset: key, partition: definition && j >= 0 ? definition.keyAt(j, ctx) : '' };
    };
    result.set(key, { assetKey: key, target, missing, failed, codeChanged, sourceChanged, upstreamChanged, upstreamStale, forced, planned, reasonAt });
  }
  return result;
}

function firstNewer(state: AssetState, subset: PartitionSubset, seq: number, dep: ResolvedDependency, ctx: PartitionsContext): { asset: AssetKey; partition: string } {
  for (const i of subset.indices()) {
    if (state.dataSeqAt(i) > seq) return { asset: dep.upstream, partition: dep.upstreamDefinition ? dep.upstreamDefinition.keyAt(i, ctx) : '' };
  }
  return { asset: dep.upstream, partition: '' };
}

/**
 * The partitions staleness must look at so that a partition's answer does not depend on what else
 * is selected: every asset of the upstream closure of `targets`, with the upstream partitions the
 * targets read through their mappings (transitively), joined to its own target when it has one.
 * Source assets are included (their observations feed staleness); self-dependencies add nothing
 * (a self-dependent asset's chain is followed inside its own target).
 */
export function upstreamClosureTargets(graph: AssetGraph, targets: ReadonlyMap<AssetKey, PartitionSubset>, ctx: PartitionsContext): Map<AssetKey, PartitionSubset> {
  const closure = graph.upstreamClosure(targets.keys());
  const expanded = new Map<AssetKey, PartitionSubset>(targets);
  // Reverse topological order: every consumer of an asset is visited before the asset itself.
  for (const key of [...closure].reverse()) {
    const asset = graph.get(key);
    const target = expanded.get(key);
    if (asset.type !== 'asset' || target === undefined || target.isEmpty) continue;
    for (const dep of resolvedDependencies(asset)) {
      if (dep.upstream === key) continue;
      const read = upstreamSubset(asset, dep, target, ctx);
      const known = expanded.get(dep.upstream);
      expanded.set(dep.upstream, known === undefined ? read : known.union(read));
    }
  }
  return new Map(closure.map((k) => [k, expanded.get(k) ?? PartitionSubset.empty()]));
}

/**
 * Staleness narrowed to `target`: the partitions of `staleness` that lie in `target`, with the
 * same causes (computed over a wider set, so the answer is the one a wider selection gives).
 * With `force`, every fresh partition of `target` is planned with reason `forced`.
 */
export function restrictStaleness(staleness: AssetStaleness, target: PartitionSubset, force = false): AssetStaleness {
  const narrowed = (subset: PartitionSubset) => subset.intersect(target);
  const stale = narrowed(staleness.planned.difference(staleness.forced));
  const forced = force ? target.difference(stale) : PartitionSubset.empty();
  const planned = stale.union(forced);
  return {
    assetKey: staleness.assetKey,
    target,
    missing: narrowed(staleness.missing),
    failed: narrowed(staleness.failed),
    codeChanged: narrowed(staleness.codeChanged),
    sourceChanged: narrowed(staleness.sourceChanged),
    upstreamChanged: narrowed(staleness.upstreamChanged),
    upstreamStale: narrowed(staleness.upstreamStale),
    forced,
    planned,
    reasonAt: (index) => (!planned.has(index) ? undefined : forced.has(index) ? { cause: 'forced' } : staleness.reasonAt(index)),
  };
}
