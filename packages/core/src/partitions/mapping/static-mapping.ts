import { QuarryError } from '../../errors.ts';
import { PartitionSubset } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import type { NonexistentUpstream, NonexistentUpstreamOptions, PartitionMapping } from './partition-mapping.ts';
import { assertSubsetFits, mappingMismatch, noNonexistentUpstream, singleKeyRanges } from './partition-mapping.ts';

/** The options of `staticMapping`: each upstream key with the downstream key(s) it feeds. */
export type StaticMappingConfig = Readonly<Record<string, string | readonly string[]>>;

class StaticMapping implements PartitionMapping {
  readonly kind = 'static';
  readonly id: string;
  readonly allowNonexistentUpstream: boolean;
  readonly #edges: readonly (readonly [string, readonly string[]])[];

  constructor(config: StaticMappingConfig, options: NonexistentUpstreamOptions) {
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw new QuarryError('QUARRY_BAD_PARTITION_MAPPING', `staticMapping needs an object of upstream key → downstream key(s), e.g. { us: ['na'], ca: ['na'] }.`);
    }
    const edges: [string, string[]][] = [];
    for (const [up, downs] of Object.entries(config)) {
      const list = typeof downs === 'string' ? [downs] : downs;
      if (!Array.isArray(list) || list.some((d) => typeof d !== 'string')) {
        throw new QuarryError('QUARRY_BAD_PARTITION_MAPPING', `staticMapping entry "${up}" must map to a downstream key or an array of them, got ${JSON.stringify(downs)}.`);
      }
      edges.push([up, [...new Set(list)].sort()]);
    }
    edges.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#edges = edges;
    // Allowing nonexistent upstream changes whether a partition runs, not what it computes: not part of the id.
    this.id = `static(${JSON.stringify(Object.fromEntries(edges))})`;
    this.allowNonexistentUpstream = options.allowNonexistentUpstream === true;
    Object.freeze(this);
  }

  validate(upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined): void {
    const [up, down] = this.#defs(upstreamDef, downstreamDef);
    for (const [upKey, downKeys] of this.#edges) {
      if (up.kind === 'static') indexIn(up, upKey, undefined, 'upstream');
      if (down.kind === 'static') for (const k of downKeys) indexIn(down, k, undefined, 'downstream');
    }
  }

  upstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    const [up, down] = this.#defs(upstreamDef, downstreamDef);
    assertSubsetFits(downstream, down, ctx, 'downstream');
    const indices: number[] = [];
    for (const [upKey, downKeys] of this.#edges) {
      const u = upstreamIndexIn(up, upKey, ctx);
      if (u < 0) continue;
      if (downKeys.some((k) => {
        const d = indexIn(down, k, ctx, 'downstream');
        return d >= 0 && downstream.has(d);
      })) indices.push(u);
    }
    return PartitionSubset.fromIndices(indices);
  }

  nonexistentUpstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): NonexistentUpstream {
    const [up, down] = this.#defs(upstreamDef, downstreamDef);
    assertSubsetFits(downstream, down, ctx, 'downstream');
    const needing: number[] = [];
    const missing: string[] = [];
    for (const [upKey, downKeys] of this.#edges) {
      if (upstreamIndexIn(up, upKey, ctx) >= 0) continue;
      let needed = false;
      for (const k of downKeys) {
        const d = indexIn(down, k, ctx, 'downstream');
        if (d >= 0 && downstream.has(d)) {
          needing.push(d);
          needed = true;
        }
      }
      if (needed) missing.push(upKey);
    }
    return needing.length === 0 ? noNonexistentUpstream() : Object.freeze({ downstream: PartitionSubset.fromIndices(needing), ranges: singleKeyRanges(missing) });
  }

  downstreamFor(upstream: PartitionSubset, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    const [up, down] = this.#defs(upstreamDef, downstreamDef);
    assertSubsetFits(upstream, up, ctx, 'upstream');
    const indices: number[] = [];
    for (const [upKey, downKeys] of this.#edges) {
      const u = upstreamIndexIn(up, upKey, ctx);
      if (u < 0 || !upstream.has(u)) continue;
      for (const k of downKeys) {
        const d = indexIn(down, k, ctx, 'downstream');
        if (d >= 0) indices.push(d);
      }
    }
    return PartitionSubset.fromIndices(indices);
  }

  #defs(up: PartitionsDefinition | undefined, down: PartitionsDefinition | undefined): [PartitionsDefinition, PartitionsDefinition] {
    if (up === undefined || down === undefined) throw mappingMismatch('staticMapping', up, down, 'partitions on both sides; use allMapping for an unpartitioned side');
    return [up, down];
  }
}

// A key the mapping names must exist, except in dynamic partitions, whose keys come and go.
function indexIn(def: PartitionsDefinition, key: string, ctx: PartitionsContext | undefined, side: string): number {
  if (def.isValidKey(key, ctx)) return def.indexOf(key, ctx);
  if (def.kind === 'dynamic') return -1;
  throw new QuarryError(
    'QUARRY_BAD_PARTITION_MAPPING',
    `staticMapping names ${side} key "${key}", which is not a key of ${def.id}: fix the mapping or the partitions definition.`,
  );
}

// An upstream key the mapping names may not exist yet where the key set changes (a dynamic key not
// added, a day not reached); the planner reports those (nonexistentUpstreamFor). Static keys must exist.
function upstreamIndexIn(def: PartitionsDefinition, key: string, ctx: PartitionsContext | undefined): number {
  if (def.kind === 'static' || def.isValidKey(key, ctx)) return indexIn(def, key, ctx, 'upstream');
  return -1;
}

/**
 * The mapping given as an explicit table from upstream keys to the downstream keys they feed;
 * both directions read the same table. Keys of a static side are checked when the project loads; an
 * upstream key that does not exist yet (a dynamic key not added) blocks the downstream partitions it
 * feeds (`upstream_nonexistent`) unless `allowNonexistentUpstream: true`.
 *
 * ```ts
 * const regions = staticMapping({ us: 'na', ca: 'na', de: ['eu', 'dach'] });
 * const merchants = staticMapping({ m1: 'eu', m2: 'us' }, { allowNonexistentUpstream: true });
 * ```
 */
export function staticMapping(config: StaticMappingConfig, options: NonexistentUpstreamOptions = {}): PartitionMapping {
  return new StaticMapping(config, options);
}
