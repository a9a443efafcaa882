import { PartitionSubset } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import type { PartitionMapping } from './partition-mapping.ts';
import { assertSubsetFits, partitionCount } from './partition-mapping.ts';

const LAST: PartitionMapping = Object.freeze({
  kind: 'last',
  id: 'last',
  upstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext) {
    assertSubsetFits(downstream, downstreamDef, ctx, 'downstream');
    const size = partitionCount(upstreamDef, ctx);
    return downstream.isEmpty || size === 0 ? PartitionSubset.empty() : PartitionSubset.fromRange(size - 1, size);
  },
  downstreamFor(upstream: PartitionSubset, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext) {
    assertSubsetFits(upstream, upstreamDef, ctx, 'upstream');
    const size = partitionCount(upstreamDef, ctx);
    return size > 0 && upstream.has(size - 1) ? PartitionSubset.fromRange(0, partitionCount(downstreamDef, ctx)) : PartitionSubset.empty();
  },
});

/**
 * The mapping where every downstream partition reads only the latest upstream partition; an
 * upstream change affects downstream partitions only when it touches that latest partition.
 *
 * ```ts
 * deps: { fx_rates: { asset: fxRates, mapping: lastMapping() } } // always today's rates
 * ```
 */
export function lastMapping(): PartitionMapping {
  return LAST;
}
