import { QuarryError } from '../../errors.ts';
import { PartitionSubset } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import type { PartitionMapping } from './partition-mapping.ts';
import { assertSubsetFits, mappingMismatch, partitionCount, subsetOfSideKeys } from './partition-mapping.ts';

class SpecificPartitionsMapping implements PartitionMapping {
  readonly kind = 'specific-partitions';
  readonly id: string;
  readonly #keys: readonly string[];

  constructor(keys: readonly string[]) {
    if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string' || k === '')) {
      throw new QuarryError(
        'QUARRY_BAD_PARTITION_MAPPING',
        `specificPartitionsMapping needs a non-empty array of upstream partition keys, got ${JSON.stringify(keys) ?? String(keys)}: e.g. specificPartitionsMapping(['us', 'ca']).`,
      );
    }
    this.#keys = Object.freeze([...new Set(keys)].sort());
    this.id = `specific-partitions(${JSON.stringify(this.#keys)})`;
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
    return downstream.isEmpty ? PartitionSubset.empty() : subsetOfSideKeys(up, this.#keys, ctx);
  }

  downstreamFor(upstream: PartitionSubset, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    const up = this.#upstream(upstreamDef);
    assertSubsetFits(upstream, up, ctx, 'upstream');
    const read = subsetOfSideKeys(up, this.#keys, ctx);
    return upstream.intersect(read).isEmpty ? PartitionSubset.empty() : PartitionSubset.fromRange(0, partitionCount(downstreamDef, ctx));
  }

  #upstream(up: PartitionsDefinition | undefined): PartitionsDefinition {
    if (up === undefined) throw mappingMismatch('specificPartitionsMapping', up, undefined, 'a partitioned upstream asset; use allMapping for an unpartitioned one');
    return up;
  }
}

/**
 * The mapping to a fixed set of upstream partitions: every downstream partition reads exactly these
 * upstream keys, whatever its own key (Dagster's `SpecificPartitionsPartitionMapping`). Static keys
 * are checked when the project loads.
 *
 * @param keys The upstream partition keys every downstream partition reads.
 *
 * ```ts
 * deps: { rates: { asset: fxRates, mapping: specificPartitionsMapping(['EUR', 'USD']) } }
 * ```
 */
export function specificPartitionsMapping(keys: readonly string[]): PartitionMapping {
  return new SpecificPartitionsMapping(keys);
}
