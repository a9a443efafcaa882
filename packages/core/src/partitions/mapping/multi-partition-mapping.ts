import { QuarryError } from '../../errors.ts';
import type { MultiPartitionsDefinition } from '../multi-partitions.ts';
import { isMultiPartitionsDefinition } from '../multi-partitions.ts';
import { PartitionSubset, PartitionSubsetBuilder } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import { defaultMapping } from './default-mapping.ts';
import type { NonexistentUpstream, PartitionKeyRange, PartitionMapping } from './partition-mapping.ts';
import { assertSubsetFits, mappingMismatch, noNonexistentUpstream } from './partition-mapping.ts';

/** The options of `multiPartitionMapping`: a mapping per dimension name; unnamed dimensions use their default mapping. */
export type MultiPartitionMappingConfig = Readonly<Record<string, PartitionMapping>>;

type Direction = 'up' | 'down';

class MultiPartitionMapping implements PartitionMapping {
  readonly kind = 'multi';
  readonly id: string;
  readonly #mappings: ReadonlyMap<string, PartitionMapping>;

  constructor(config: MultiPartitionMappingConfig) {
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw new QuarryError('QUARRY_BAD_PARTITION_MAPPING', 'multiPartitionMapping needs an object of dimension name → mapping, e.g. { day: timeWindowMapping() }.');
    }
    const entries = Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, mapping] of entries) {
      if (mapping === null || typeof mapping !== 'object' || typeof mapping.upstreamFor !== 'function') {
        throw new QuarryError('QUARRY_BAD_PARTITION_MAPPING', `multiPartitionMapping dimension "${name}" needs a partition mapping, got ${JSON.stringify(mapping) ?? String(mapping)}.`);
      }
    }
    this.#mappings = new Map(entries);
    this.id = `multi(${entries.map(([name, m]) => `${name}=${m.id}`).join(',')})`;
    Object.freeze(this);
  }

  validate(upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined): void {
    const [up, down] = this.#defs(upstreamDef, downstreamDef);
    for (const { name, definition } of down.dimensions) this.#mappingOf(name, up.dimension(name), definition).validate?.(up.dimension(name), definition);
  }

  upstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    const [up, down] = this.#defs(upstreamDef, downstreamDef);
    assertSubsetFits(downstream, down, ctx, 'downstream');
    return this.#map(downstream, down, up, 'up', ctx);
  }

  /**
   * Per dimension, the upstream keys its mapping needs that do not exist, written `dimension=key`
   * (every upstream partition with such a key is missing; `count` counts keys of the dimension).
   * Dimensions whose mapping allows nonexistent upstream partitions are left out: they never block.
   */
  nonexistentUpstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): NonexistentUpstream {
    const [up, down] = this.#defs(upstreamDef, downstreamDef);
    assertSubsetFits(downstream, down, ctx, 'downstream');
    let needing = PartitionSubset.empty();
    const ranges: PartitionKeyRange[] = [];
    for (const { name, definition } of down.dimensions) {
      const upDim = up.dimension(name);
      const mapping = this.#mappingOf(name, upDim, definition);
      if (mapping.nonexistentUpstreamFor === undefined || mapping.allowNonexistentUpstream === true) continue;
      const gap = mapping.nonexistentUpstreamFor(down.projectSubset(downstream, name, ctx), definition, upDim, ctx);
      if (gap.downstream.isEmpty) continue;
      needing = needing.union(down.expandSubset(gap.downstream, name, ctx).intersect(downstream));
      for (const r of gap.ranges) ranges.push(Object.freeze({ from: `${name}=${r.from}`, to: `${name}=${r.to}`, count: r.count }));
    }
    return needing.isEmpty ? noNonexistentUpstream() : Object.freeze({ downstream: needing, ranges: Object.freeze(ranges) });
  }

  downstreamFor(upstream: PartitionSubset, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    const [up, down] = this.#defs(upstreamDef, downstreamDef);
    assertSubsetFits(upstream, up, ctx, 'upstream');
    return this.#map(upstream, up, down, 'down', ctx);
  }

  /**
   * Maps a subset of `from` to `to` dimension by dimension. A partition maps to the product of its
   * per-dimension images, so the subset is split by the leading dimensions' values (the last
   * dimension stays a subset of ranges) and the products are unioned.
   */
  #map(subset: PartitionSubset, from: MultiPartitionsDefinition, to: MultiPartitionsDefinition, direction: Direction, ctx: PartitionsContext | undefined): PartitionSubset {
    const dims = from.dimensions;
    const sizes = dims.map((d) => d.definition.size(ctx));
    const toDims = to.dimensions;
    const toSizes = toDims.map((d) => d.definition.size(ctx));
    const mapDim = (k: number, s: PartitionSubset): PartitionSubset => {
      const { name, definition } = dims[k]!;
      const other = to.dimension(name);
      const [upDef, downDef] = direction === 'up' ? [other, definition] : [definition, other];
      const mapping = this.#mappingOf(name, upDef, downDef);
      return direction === 'up' ? mapping.upstreamFor(s, downDef, upDef, ctx) : mapping.downstreamFor(s, upDef, downDef, ctx);
    };
    const builder = new PartitionSubsetBuilder();
    const emit = (images: ReadonlyMap<string, PartitionSubset>): void => {
      // The product of per-dimension subsets, in the target's row-major order.
      const parts = toDims.map((d) => images.get(d.name)!);
      if (parts.some((p) => p.isEmpty)) return;
      const strides = toSizes.map((_, k) => toSizes.slice(k + 1).reduce((a, b) => a * b, 1));
      const walk = (k: number, base: number): void => {
        if (k === parts.length - 1) {
          for (const [a, b] of parts[k]!.ranges()) builder.add(base + a, base + b);
          return;
        }
        for (const i of parts[k]!.indices()) walk(k + 1, base + i * strides[k]!);
      };
      walk(0, 0);
    };
    const split = (k: number, within: PartitionSubset, images: Map<string, PartitionSubset>): void => {
      if (within.isEmpty) return;
      if (k === dims.length - 1) {
        images.set(dims[k]!.name, mapDim(k, within));
        emit(images);
        images.delete(dims[k]!.name);
        return;
      }
      const stride = sizes.slice(k + 1).reduce((a, b) => a * b, 1);
      if (stride === 0) return;
      for (const digit of PartitionSubset.fromRanges([...within.ranges()].map(([a, b]) => [Math.floor(a / stride), Math.floor((b - 1) / stride) + 1] as const)).indices()) {
        const inner = within.clamp(digit * stride, (digit + 1) * stride).shift(-digit * stride);
        if (inner.isEmpty) continue;
        images.set(dims[k]!.name, mapDim(k, PartitionSubset.fromRange(digit, digit + 1)));
        split(k + 1, inner, images);
        images.delete(dims[k]!.name);
      }
    };
    split(0, subset, new Map());
    return builder.build();
  }

  #mappingOf(name: string, upDef: PartitionsDefinition, downDef: PartitionsDefinition): PartitionMapping {
    return this.#mappings.get(name) ?? defaultMapping(upDef, downDef);
  }

  #defs(up: PartitionsDefinition | undefined, down: PartitionsDefinition | undefined): [MultiPartitionsDefinition, MultiPartitionsDefinition] {
    if (!isMultiPartitionsDefinition(up) || !isMultiPartitionsDefinition(down)) {
      throw mappingMismatch('multiPartitionMapping', up, down, 'multi-dimensional partitions on both sides; use multiToSingleMapping for a single-dimension side');
    }
    const upNames = up.dimensions.map((d) => d.name).sort();
    const downNames = down.dimensions.map((d) => d.name).sort();
    if (upNames.join('|') !== downNames.join('|')) {
      throw mappingMismatch('multiPartitionMapping', up, down, `the same dimension names on both sides (upstream ${upNames.join(', ')}; downstream ${downNames.join(', ')})`);
    }
    for (const name of this.#mappings.keys()) {
      if (!downNames.includes(name)) throw mappingMismatch('multiPartitionMapping', up, down, `a dimension "${name}" (its dimensions are ${downNames.join(', ')})`);
    }
    return [up, down];
  }
}

/**
 * The mapping between two multi-partitioned assets with the same dimension names, one mapping per
 * dimension (Dagster's `MultiPartitionMapping`); dimensions not named use their default mapping
 * (identity for equal definitions, time windows between time windows). Upstream partitions a
 * dimension's mapping needs that do not exist block the downstream partitions (`upstream_nonexistent`)
 * unless that mapping allows them (`timeWindowMapping({ …, allowNonexistentUpstream: true })`).
 *
 * ```ts
 * // region × day upstream, region × week downstream: each week reads its 7 days of the same region.
 * deps: { sales: { asset: dailySales, mapping: multiPartitionMapping({ date: timeWindowMapping() }) } }
 * ```
 */
export function multiPartitionMapping(config: MultiPartitionMappingConfig): PartitionMapping {
  return new MultiPartitionMapping(config);
}
