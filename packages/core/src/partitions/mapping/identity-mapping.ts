import { PartitionSubset } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import { isTimeWindowPartitionsDefinition } from '../time-window-partitions.ts';
import type { PartitionMapping } from './partition-mapping.ts';
import { assertSubsetFits, mappingMismatch } from './partition-mapping.ts';
import { timeWindowMapping } from './time-window-mapping.ts';

const SAME_WINDOWS = timeWindowMapping();

/** Moves a subset from one definition to another partition for partition. */
function translate(
  subset: PartitionSubset,
  from: PartitionsDefinition | undefined,
  to: PartitionsDefinition | undefined,
  ctx: PartitionsContext | undefined,
  upstreamDef: PartitionsDefinition | undefined,
  downstreamDef: PartitionsDefinition | undefined,
): PartitionSubset {
  if (from === undefined || to === undefined) {
    if (from === to) return subset.clamp(0, 1);
    throw mappingMismatch('identityMapping', upstreamDef, downstreamDef, 'both sides partitioned or both unpartitioned; use allMapping');
  }
  if (from.id === to.id) return subset.clamp(0, to.size(ctx));
  if (isTimeWindowPartitionsDefinition(from) && isTimeWindowPartitionsDefinition(to) && from.grain === to.grain && from.timezone === to.timezone) {
    // Same windows, different start, end or key format: match windows, not key text.
    return from === upstreamDef ? SAME_WINDOWS.downstreamFor(subset, from, to, ctx) : SAME_WINDOWS.upstreamFor(subset, from, to, ctx);
  }
  const indices: number[] = [];
  for (const key of from.keysOf(subset, ctx)) {
    if (to.isValidKey(key, ctx)) indices.push(to.indexOf(key, ctx));
  }
  return PartitionSubset.fromIndices(indices);
}

const IDENTITY: PartitionMapping = Object.freeze({
  kind: 'identity',
  id: 'identity',
  upstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext) {
    assertSubsetFits(downstream, downstreamDef, ctx, 'downstream');
    return translate(downstream, downstreamDef, upstreamDef, ctx, upstreamDef, downstreamDef);
  },
  downstreamFor(upstream: PartitionSubset, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext) {
    assertSubsetFits(upstream, upstreamDef, ctx, 'upstream');
    return translate(upstream, upstreamDef, downstreamDef, ctx, upstreamDef, downstreamDef);
  },
});

/**
 * The mapping where each downstream partition reads the upstream partition with the same key; the
 * default between equal definitions. Between different definitions it matches keys (time windows
 * of the same grain and zone: the same windows), dropping keys the other side lacks.
 *
 * ```ts
 * deps: { videos_clean: { asset: videosClean, mapping: identityMapping() } }
 * ```
 */
export function identityMapping(): PartitionMapping {
  return IDENTITY;
}
