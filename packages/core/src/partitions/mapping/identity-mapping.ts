import { PartitionSubset } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import { isTimeWindowPartitionsDefinition } from '../time-window-partitions.ts';
import type { NonexistentUpstream, NonexistentUpstreamOptions, PartitionMapping } from './partition-mapping.ts';
import { assertSubsetFits, mappingMismatch, nonexistentByKey, noNonexistentUpstream } from './partition-mapping.ts';
import { timeWindowMapping } from './time-window-mapping.ts';

const SAME_WINDOWS = timeWindowMapping();

/** True for two time-window definitions with the same windows (grain and zone), whatever their start, end or key format. */
function sameWindows(a: PartitionsDefinition, b: PartitionsDefinition): boolean {
  return isTimeWindowPartitionsDefinition(a) && isTimeWindowPartitionsDefinition(b) && a.grain === b.grain && a.timezone === b.timezone;
}

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
  if (sameWindows(from, to)) {
    // Same windows, different start, end or key format: match windows, not key text.
    return from === upstreamDef ? SAME_WINDOWS.downstreamFor(subset, from, to, ctx) : SAME_WINDOWS.upstreamFor(subset, from, to, ctx);
  }
  const indices: number[] = [];
  for (const key of from.keysOf(subset, ctx)) {
    if (to.isValidKey(key, ctx)) indices.push(to.indexOf(key, ctx));
  }
  return PartitionSubset.fromIndices(indices);
}

function createIdentity(allowNonexistentUpstream: boolean): PartitionMapping {
  return Object.freeze({
    kind: 'identity',
    // Allowing nonexistent upstream changes whether a partition runs, not what it computes: not part of the id.
    id: 'identity',
    allowNonexistentUpstream,
    upstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext) {
      assertSubsetFits(downstream, downstreamDef, ctx, 'downstream');
      return translate(downstream, downstreamDef, upstreamDef, ctx, upstreamDef, downstreamDef);
    },
    nonexistentUpstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): NonexistentUpstream {
      assertSubsetFits(downstream, downstreamDef, ctx, 'downstream');
      if (downstreamDef === undefined || upstreamDef === undefined) {
        translate(downstream, downstreamDef, upstreamDef, ctx, upstreamDef, downstreamDef); // throws unless both are unpartitioned
        return noNonexistentUpstream();
      }
      if (downstreamDef.id === upstreamDef.id) return noNonexistentUpstream();
      if (sameWindows(downstreamDef, upstreamDef)) return SAME_WINDOWS.nonexistentUpstreamFor!(downstream, downstreamDef, upstreamDef, ctx);
      // Key sets (static, dynamic, time windows of other grains): each downstream key needs the same key upstream.
      return nonexistentByKey(downstream, downstreamDef, upstreamDef, ctx, (key) => [key]);
    },
    downstreamFor(upstream: PartitionSubset, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext) {
      assertSubsetFits(upstream, upstreamDef, ctx, 'upstream');
      return translate(upstream, upstreamDef, downstreamDef, ctx, upstreamDef, downstreamDef);
    },
  });
}

const IDENTITY = createIdentity(false);
const IDENTITY_ALLOWING_NONEXISTENT = createIdentity(true);

/**
 * The mapping where each downstream partition reads the upstream partition with the same key; the
 * default between equal definitions. Between different definitions it matches keys (time windows
 * of the same grain and zone: the same windows), dropping keys the other side lacks. A downstream
 * partition whose upstream partition does not exist (a day before the upstream's start, a dynamic key
 * not added upstream yet) is blocked by the planner (`upstream_nonexistent`) unless
 * `allowNonexistentUpstream: true`.
 *
 * ```ts
 * deps: { videos_clean: { asset: videosClean, mapping: identityMapping() } }
 * ```
 */
export function identityMapping(options: NonexistentUpstreamOptions = {}): PartitionMapping {
  return options.allowNonexistentUpstream === true ? IDENTITY_ALLOWING_NONEXISTENT : IDENTITY;
}
