import { QuarryError } from '../../errors.ts';
import type { PartitionSubset } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import type { MultiPartitionsDefinition } from '../multi-partitions.ts';
import { isMultiPartitionsDefinition } from '../multi-partitions.ts';
import { isTimeWindowPartitionsDefinition } from '../time-window-partitions.ts';
import { identityMapping } from './identity-mapping.ts';
import type { NonexistentUpstream, PartitionMapping } from './partition-mapping.ts';
import { assertSubsetFits, mappingMismatch, noNonexistentUpstream } from './partition-mapping.ts';
import { timeWindowMapping } from './time-window-mapping.ts';

/** The options of `multiToSingleMapping`. */
export interface MultiToSingleMappingConfig {
  /** The dimension of the multi-dimensional side that the single-dimensional side corresponds to. */
  readonly dimension: string;
  /**
   * How that dimension maps to the single side; defaults to identity for equal definitions and
   * `timeWindowMapping()` between time windows of different grains. Its `allowNonexistentUpstream`
   * is this mapping's: upstream partitions it needs that do not exist block the downstream ones unless it allows them.
   */
  readonly dimensionMapping?: PartitionMapping;
}

class MultiToSingleMapping implements PartitionMapping {
  readonly kind = 'multi-to-single';
  readonly id: string;
  readonly dimension: string;
  readonly allowNonexistentUpstream: boolean;
  readonly #inner: PartitionMapping | undefined;

  constructor(config: MultiToSingleMappingConfig) {
    if (typeof config?.dimension !== 'string' || config.dimension === '') {
      throw new QuarryError('QUARRY_BAD_PARTITION_MAPPING', `multiToSingleMapping needs the name of a dimension: pass { dimension: 'date' }.`);
    }
    this.dimension = config.dimension;
    this.#inner = config.dimensionMapping;
    this.allowNonexistentUpstream = this.#inner?.allowNonexistentUpstream === true;
    this.id = `multi-to-single(dimension=${config.dimension}${this.#inner ? `,mapping=${this.#inner.id}` : ''})`;
    Object.freeze(this);
  }

  upstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    assertSubsetFits(downstream, downstreamDef, ctx, 'downstream');
    if (isMultiPartitionsDefinition(upstreamDef) && !isMultiPartitionsDefinition(downstreamDef) && downstreamDef !== undefined) {
      const dim = this.#dimensionOf(upstreamDef, upstreamDef, downstreamDef);
      const inner = this.#innerFor(dim, downstreamDef);
      return upstreamDef.expandSubset(inner.upstreamFor(downstream, downstreamDef, dim, ctx), this.dimension, ctx);
    }
    if (isMultiPartitionsDefinition(downstreamDef) && !isMultiPartitionsDefinition(upstreamDef) && upstreamDef !== undefined) {
      const dim = this.#dimensionOf(downstreamDef, upstreamDef, downstreamDef);
      const inner = this.#innerFor(upstreamDef, dim);
      return inner.upstreamFor(downstreamDef.projectSubset(downstream, this.dimension, ctx), dim, upstreamDef, ctx);
    }
    throw this.#mismatch(upstreamDef, downstreamDef);
  }

  nonexistentUpstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): NonexistentUpstream {
    assertSubsetFits(downstream, downstreamDef, ctx, 'downstream');
    if (isMultiPartitionsDefinition(upstreamDef) && !isMultiPartitionsDefinition(downstreamDef) && downstreamDef !== undefined) {
      const dim = this.#dimensionOf(upstreamDef, upstreamDef, downstreamDef);
      const inner = this.#innerFor(dim, downstreamDef);
      const gap = inner.nonexistentUpstreamFor?.(downstream, downstreamDef, dim, ctx);
      if (gap === undefined || gap.downstream.isEmpty) return noNonexistentUpstream();
      // Every upstream partition with such a dimension key is missing: name them by the dimension.
      const ranges = gap.ranges.map((r) => Object.freeze({ from: `${this.dimension}=${r.from}`, to: `${this.dimension}=${r.to}`, count: r.count }));
      return Object.freeze({ downstream: gap.downstream, ranges: Object.freeze(ranges) });
    }
    if (isMultiPartitionsDefinition(downstreamDef) && !isMultiPartitionsDefinition(upstreamDef) && upstreamDef !== undefined) {
      const dim = this.#dimensionOf(downstreamDef, upstreamDef, downstreamDef);
      const inner = this.#innerFor(upstreamDef, dim);
      const gap = inner.nonexistentUpstreamFor?.(downstreamDef.projectSubset(downstream, this.dimension, ctx), dim, upstreamDef, ctx);
      if (gap === undefined || gap.downstream.isEmpty) return noNonexistentUpstream();
      return Object.freeze({ downstream: downstreamDef.expandSubset(gap.downstream, this.dimension, ctx).intersect(downstream), ranges: gap.ranges });
    }
    throw this.#mismatch(upstreamDef, downstreamDef);
  }

  downstreamFor(upstream: PartitionSubset, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    assertSubsetFits(upstream, upstreamDef, ctx, 'upstream');
    if (isMultiPartitionsDefinition(upstreamDef) && !isMultiPartitionsDefinition(downstreamDef) && downstreamDef !== undefined) {
      const dim = this.#dimensionOf(upstreamDef, upstreamDef, downstreamDef);
      const inner = this.#innerFor(dim, downstreamDef);
      return inner.downstreamFor(upstreamDef.projectSubset(upstream, this.dimension, ctx), dim, downstreamDef, ctx);
    }
    if (isMultiPartitionsDefinition(downstreamDef) && !isMultiPartitionsDefinition(upstreamDef) && upstreamDef !== undefined) {
      const dim = this.#dimensionOf(downstreamDef, upstreamDef, downstreamDef);
      const inner = this.#innerFor(upstreamDef, dim);
      return downstreamDef.expandSubset(inner.downstreamFor(upstream, upstreamDef, dim, ctx), this.dimension, ctx);
    }
    throw this.#mismatch(upstreamDef, downstreamDef);
  }

  #dimensionOf(multi: MultiPartitionsDefinition, up: PartitionsDefinition, down: PartitionsDefinition): PartitionsDefinition {
    const found = multi.dimensions.find((d) => d.name === this.dimension);
    if (found === undefined) {
      throw mappingMismatch(`multiToSingleMapping({ dimension: "${this.dimension}" })`, up, down, `a dimension named "${this.dimension}" on the multi-dimensional side`);
    }
    return found.definition;
  }

  #innerFor(up: PartitionsDefinition, down: PartitionsDefinition): PartitionMapping {
    if (this.#inner !== undefined) return this.#inner;
    if (up.id !== down.id && isTimeWindowPartitionsDefinition(up) && isTimeWindowPartitionsDefinition(down) && up.grain !== down.grain) {
      return timeWindowMapping();
    }
    return identityMapping();
  }

  #mismatch(up: PartitionsDefinition | undefined, down: PartitionsDefinition | undefined): QuarryError {
    return mappingMismatch(
      `multiToSingleMapping({ dimension: "${this.dimension}" })`,
      up,
      down,
      'multi-dimensional partitions on exactly one side and partitions on the other',
    );
  }
}

/**
 * The mapping between multi-dimensional partitions and partitions matching one of their
 * dimensions, in either position: a single-dimensional downstream partition reads every upstream
 * partition with that dimension key (any value of the others), and a multi-dimensional downstream
 * partition reads the upstream partition named by its dimension key.
 *
 * ```ts
 * // videos_by_genre: multi(date, genre) → daily_totals: daily
 * deps: { videos_by_genre: { asset: videosByGenre, mapping: multiToSingleMapping({ dimension: 'date' }) } }
 * ```
 */
export function multiToSingleMapping(config: MultiToSingleMappingConfig): PartitionMapping {
  return new MultiToSingleMapping(config);
}
