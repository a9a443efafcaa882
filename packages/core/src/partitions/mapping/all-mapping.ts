import { PartitionSubset } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import type { PartitionMapping } from './partition-mapping.ts';
import { assertSubsetFits, partitionCount } from './partition-mapping.ts';

const ALL: PartitionMapping = Object.freeze({
  kind: 'all',
  id: 'all',
  upstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext) {
    assertSubsetFits(downstream, downstreamDef, ctx, 'downstream');
    return downstream.isEmpty ? PartitionSubset.empty() : PartitionSubset.fromRange(0, partitionCount(upstreamDef, ctx));
  },
  downstreamFor(upstream: PartitionSubset, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext) {
    assertSubsetFits(upstream, upstreamDef, ctx, 'upstream');
    return upstream.isEmpty ? PartitionSubset.empty() : PartitionSubset.fromRange(0, partitionCount(downstreamDef, ctx));
  },
});

/**
 * The mapping where every downstream partition reads every upstream partition (and any upstream
 * change affects every downstream partition); the default when either side is unpartitioned.
 *
 * ```ts
 * defineAsset({ key: 'creator_totals', deps: { videos: { asset: videos, mapping: allMapping() } } });
 * ```
 */
export function allMapping(): PartitionMapping {
  return ALL;
}
