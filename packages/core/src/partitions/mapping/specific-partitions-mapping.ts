import { QuarryError } from '../../errors.ts';
import { PartitionSubset } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import type { NonexistentUpstream, NonexistentUpstreamOptions, PartitionMapping } from './partition-mapping.ts';
import { assertSubsetFits, mappingMismatch, noNonexistentUpstream, partitionCount, singleKeyRanges, subsetOfSideKeys } from './partition-mapping.ts';

class SpecificPartitionsMapping implements PartitionMapping {
  readonly kind = 'specific-partitions';
  readonly id: string;
  readonly allowNonexistentUpstream: boolean;
  readonly #keys: readonly string[];

  constructor(keys: readonly string[], options: NonexistentUpstreamOptions) {
    if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string' || k === '')) {
      throw new QuarryError(
        'QUARRY_BAD_PARTITION_MAPPING',
        `specificPartitionsMapping needs a non-empty array of upstream partition keys, got ${JSON.stringify(keys) ?? String(keys)}: e.g. specificPartitionsMapping(['us', 'ca']).`,
      );
    }
    this.#keys = Object.freeze([...new Set(keys)].sort());
    this.id = `specific-partitions(${JSON.stringify(this.#keys)})`;
    this.allowNonexistentUpstream = options.allowNonexistentUpstream === true;
    Object.freeze(this);
  }

  validate(upstreamDef: PartitionsDefinition | undefined): void {
    const up = this.#upstream(upstreamDef);
    if (up.kind !== 'static') return;
    for (const key of this.#keys) {
      if (!up.isValidKey(key)) {
        throw new QuarryError(
          'QUARRY_BAD_PARTITION_MAPPING',
          `specificPartitionsMapping names upstream key "${key}", which is not a key of ${up.id}: fix the mapping or the partitions definition.`,
        );
      }
    }
  }

  upstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    assertSubsetFits(downstream, downstreamDef, ctx, 'downstream');
    const up = this.#upstream(upstreamDef);
    return downstream.isEmpty ? PartitionSubset.empty() : subsetOfSideKeys(up, this.#existing(up, ctx), ctx);
  }

  nonexistentUpstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): NonexistentUpstream {
    assertSubsetFits(downstream, downstreamDef, ctx, 'downstream');
    const up = this.#upstream(upstreamDef);
    const missing = this.#keys.filter((k) => !up.isValidKey(k, ctx));
    // Every downstream partition reads every key, so all of them need the missing ones.
    return downstream.isEmpty || missing.length === 0 ? noNonexistentUpstream() : Object.freeze({ downstream, ranges: singleKeyRanges(missing) });
  }

  downstreamFor(upstream: PartitionSubset, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    const up = this.#upstream(upstreamDef);
    assertSubsetFits(upstream, up, ctx, 'upstream');
    const read = subsetOfSideKeys(up, this.#existing(up, ctx), ctx);
    return upstream.intersect(read).isEmpty ? PartitionSubset.empty() : PartitionSubset.fromRange(0, partitionCount(downstreamDef, ctx));
  }

  // The keys the upstream has now: a dynamic key may not be added yet, a day not reached.
  #existing(up: PartitionsDefinition, ctx: PartitionsContext | undefined): readonly string[] {
    return this.#keys.filter((k) => up.isValidKey(k, ctx));
  }

  #upstream(up: PartitionsDefinition | undefined): PartitionsDefinition {
    if (up === undefined) throw mappingMismatch('specificPartitionsMapping', up, undefined, 'a partitioned upstream asset; use allMapping for an unpartitioned one');
    return up;
  }
}

/**
 * The mapping to a fixed set of upstream partitions: every downstream partition reads exactly these
 * upstream keys, whatever its own key (Dagster's `SpecificPartitionsPartitionMapping`). Static keys
 * are checked when the project loads; a key the upstream does not have yet (a dynamic key not added,
 * a day not reached) blocks every downstream partition (`upstream_nonexistent`) unless
 * `allowNonexistentUpstream: true`.
 *
 * @param keys The upstream partition keys every downstream partition reads.
 *
 * ```ts
 * deps: { rates: { asset: fxRates, mapping: specificPartitionsMapping(['EUR', 'USD']) } }
 * ```
 */
export function specificPartitionsMapping(keys: readonly string[], options: NonexistentUpstreamOptions = {}): PartitionMapping {
  return new SpecificPartitionsMapping(keys, options);
}
