import { QuarryError } from '../../errors.ts';
import { PartitionSubset } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';

/**
 * How the partitions of a downstream asset relate to those of one upstream asset it reads. Both
 * directions work on subsets (ranges in, ranges out), never key by key. `undefined` definitions
 * stand for unpartitioned assets: one partition, index 0, key `''`.
 *
 * ```ts
 * const lastWeek = timeWindowMapping({ startOffset: -6, endOffset: 0 });
 * lastWeek.upstreamFor(days.range('2026-02-10', '2026-02-10', ctx), days, days, ctx); // 2026-02-04 … 2026-02-10
 * ```
 */
export interface PartitionMapping {
  /** Which mapping this is (`identity`, `time-window`, `all`, `last`, `static`, `multi-to-single`, `custom`). */
  readonly kind: string;
  /** A stable description of the mapping and its options, for code-version fingerprints. */
  readonly id: string;
  /** The upstream partitions the given downstream partitions read. */
  upstreamFor(
    downstream: PartitionSubset,
    downstreamDef: PartitionsDefinition | undefined,
    upstreamDef: PartitionsDefinition | undefined,
    ctx?: PartitionsContext,
  ): PartitionSubset;
  /**
   * True when downstream partitions may run although upstream partitions they need do not exist
   * (before the first or after the last); the planner blocks them otherwise. Dagster's
   * `allow_nonexistent_upstream_partitions`.
   */
  readonly allowNonexistentUpstream?: boolean;
  /**
   * The upstream partitions that the given downstream partitions need but that do not exist, and
   * which of the downstream partitions need them. Absent on mappings that only name existing partitions.
   */
  nonexistentUpstreamFor?(
    downstream: PartitionSubset,
    downstreamDef: PartitionsDefinition | undefined,
    upstreamDef: PartitionsDefinition | undefined,
    ctx?: PartitionsContext,
  ): NonexistentUpstream;
  /**
   * Checks, when the project loads, that the mapping can join these two definitions and names only
   * keys they have; throws `QUARRY_BAD_PARTITION_MAPPING`. Keys of dynamic and time-window sides,
   * which depend on the catalog and the clock, are checked when the mapping is used.
   */
  validate?(upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined): void;
  /** The downstream partitions affected by (reading any of) the given upstream partitions. */
  downstreamFor(
    upstream: PartitionSubset,
    upstreamDef: PartitionsDefinition | undefined,
    downstreamDef: PartitionsDefinition | undefined,
    ctx?: PartitionsContext,
  ): PartitionSubset;
}

/** An inclusive range of partition keys, with how many partitions it spans. */
export interface PartitionKeyRange {
  readonly from: string;
  readonly to: string;
  readonly count: number;
}

/** Upstream partitions some downstream partitions need but that do not exist (yet, or ever). */
export interface NonexistentUpstream {
  /** The downstream partitions, of those asked about, that need at least one of them. */
  readonly downstream: PartitionSubset;
  /** The upstream keys they need, as inclusive ranges in partition order. */
  readonly ranges: readonly PartitionKeyRange[];
}

/** The option of every mapping that can need upstream partitions that do not exist. */
export interface NonexistentUpstreamOptions {
  /**
   * Let downstream partitions run on the upstream partitions that exist when some they need do not;
   * default false: the planner blocks them with `upstream_nonexistent`. Dagster's
   * `allow_nonexistent_upstream_partitions`.
   */
  readonly allowNonexistentUpstream?: boolean;
}

const NONE: NonexistentUpstream = Object.freeze({ downstream: PartitionSubset.empty(), ranges: Object.freeze([]) });

/** The answer of `nonexistentUpstreamFor` when every upstream partition needed exists. */
export function noNonexistentUpstream(): NonexistentUpstream {
  return NONE;
}

/** True when `key` is a current key of either side of a mapping (`''` for the unpartitioned side). */
export function isKeyOfSide(def: PartitionsDefinition | undefined, key: string, ctx: PartitionsContext | undefined): boolean {
  return def === undefined ? key === '' : def.isValidKey(key, ctx);
}

/**
 * Nonexistent upstream partitions found key by key, for mappings between key sets (static,
 * dynamic, custom): `required(key)` names the upstream keys downstream partition `key` reads,
 * before those the upstream lacks are dropped. Missing keys have no partition order, so each is
 * its own range, in key order.
 */
export function nonexistentByKey(
  downstream: PartitionSubset,
  downstreamDef: PartitionsDefinition | undefined,
  upstreamDef: PartitionsDefinition | undefined,
  ctx: PartitionsContext | undefined,
  required: (downstreamKey: string) => Iterable<string>,
): NonexistentUpstream {
  const needing: number[] = [];
  const missing = new Set<string>();
  for (const index of downstream.indices()) {
    let needs = false;
    for (const key of required(downstreamDef === undefined ? '' : downstreamDef.keyAt(index, ctx))) {
      if (isKeyOfSide(upstreamDef, key, ctx)) continue;
      missing.add(key);
      needs = true;
    }
    if (needs) needing.push(index);
  }
  return needing.length === 0 ? NONE : Object.freeze({ downstream: PartitionSubset.fromIndices(needing), ranges: singleKeyRanges(missing) });
}

/** Keys as one-key ranges in key order. */
export function singleKeyRanges(keys: Iterable<string>): readonly PartitionKeyRange[] {
  return Object.freeze([...new Set(keys)].sort().map((k) => Object.freeze({ from: k, to: k, count: 1 })));
}

/** The number of partitions of a side of a mapping; an unpartitioned asset has one. */
export function partitionCount(def: PartitionsDefinition | undefined, ctx: PartitionsContext | undefined): number {
  return def === undefined ? 1 : def.size(ctx);
}

/** A definition's id, or `unpartitioned`, for messages. */
export function describePartitions(def: PartitionsDefinition | undefined): string {
  return def === undefined ? 'unpartitioned' : def.id;
}

/** Throws `QUARRY_BAD_SUBSET` when a subset reaches past the partitions of its definition. */
export function assertSubsetFits(subset: PartitionSubset, def: PartitionsDefinition | undefined, ctx: PartitionsContext | undefined, role: string): void {
  if (subset.last === undefined) return;
  const size = partitionCount(def, ctx);
  if (subset.last >= size) {
    throw new QuarryError(
      'QUARRY_BAD_SUBSET',
      `The ${role} partition subset reaches index ${subset.last}, but ${describePartitions(def)} has ${size} partition${size === 1 ? '' : 's'}: ` +
        'build subsets with the same definition and context (ctx.now) as the mapping.',
    );
  }
}

/** The keys of a subset of either side of a mapping (`''` for the unpartitioned side). */
export function keysOfSide(def: PartitionsDefinition | undefined, subset: PartitionSubset, ctx: PartitionsContext | undefined): string[] {
  if (def === undefined) return subset.has(0) ? [''] : [];
  return [...def.keysOf(subset, ctx)];
}

/** The subset of keys of either side of a mapping; throws `QUARRY_BAD_PARTITION_KEY` for a key the side lacks. */
export function subsetOfSideKeys(def: PartitionsDefinition | undefined, keys: Iterable<string>, ctx: PartitionsContext | undefined): PartitionSubset {
  if (def !== undefined) return def.subsetOfKeys(keys, ctx);
  let any = false;
  for (const key of keys) {
    if (key !== '') {
      throw new QuarryError('QUARRY_BAD_PARTITION_KEY', `Partition key "${key}" is not a key of an unpartitioned asset: its only partition has the key "".`);
    }
    any = true;
  }
  return any ? PartitionSubset.fromRange(0, 1) : PartitionSubset.empty();
}

/** A `QUARRY_BAD_PARTITION_MAPPING` error about a mapping that cannot join two definitions. */
export function mappingMismatch(mapping: string, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, need: string): QuarryError {
  return new QuarryError(
    'QUARRY_BAD_PARTITION_MAPPING',
    `${mapping} cannot map ${describePartitions(upstreamDef)} (upstream) to ${describePartitions(downstreamDef)} (downstream): it needs ${need}.`,
  );
}

/**
 * Validates the mapping of one dependency when a project loads; the error names the asset, the
 * dependency and what is wrong (e.g. a static key that does not exist).
 */
export function validateDependencyMapping(
  assetKey: string,
  dependency: string,
  mapping: PartitionMapping,
  upstreamDef: PartitionsDefinition | undefined,
  downstreamDef: PartitionsDefinition | undefined,
): void {
  try {
    mapping.validate?.(upstreamDef, downstreamDef);
  } catch (error) {
    if (error instanceof QuarryError) {
      throw new QuarryError(error.code, `Asset "${assetKey}", dependency "${dependency}": ${error.message}`, { cause: error });
    }
    throw error;
  }
}
