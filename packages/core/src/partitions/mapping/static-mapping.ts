import { QuarryError } from '../../errors.ts';
import { PartitionSubset } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import type { PartitionMapping } from './partition-mapping.ts';
import { assertSubsetFits, mappingMismatch } from './partition-mapping.ts';

/** The options of `staticMapping`: each upstream key with the downstream key(s) it feeds. */
export type StaticMappingConfig = Readonly<Record<string, string | readonly string[]>>;

class StaticMapping implements PartitionMapping {
  readonly kind = 'static';
  readonly id: string;
  readonly #edges: readonly (readonly [string, readonly string[]])[];

  constructor(config: StaticMappingConfig) {
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
    this.id = `static(${JSON.stringify(Object.fromEntries(edges))})`;
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
      const u = indexIn(up, upKey, ctx, 'upstream');
      if (u < 0) continue;
      if (downKeys.some((k) => {
        const d = indexIn(down, k, ctx, 'downstream');
        return d >= 0 && downstream.has(d);
      })) indices.push(u);
    }
    return PartitionSubset.fromIndices(indices);
  }

  downstreamFor(upstream: PartitionSubset, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    const [up, down] = this.#defs(upstreamDef, downstreamDef);
    assertSubsetFits(upstream, up, ctx, 'upstream');
    const indices: number[] = [];
    for (const [upKey, downKeys] of this.#edges) {
      const u = indexIn(up, upKey, ctx, 'upstream');
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

/**
 * The mapping given as an explicit table from upstream keys to the downstream keys they feed;
 * both directions read the same table.
 *
 * ```ts
 * const regions = staticMapping({ us: 'na', ca: 'na', de: ['eu', 'dach'] });
 * ```
 */
export function staticMapping(config: StaticMappingConfig): PartitionMapping {
  return new StaticMapping(config);
}
