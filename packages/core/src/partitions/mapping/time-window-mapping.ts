import { QuarryError } from '../../errors.ts';
import type { PartitionSubset } from '../partition-subset.ts';
import { PartitionSubsetBuilder } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import type { TimeWindowPartitionsDefinition } from '../time-window-partitions.ts';
import { isTimeWindowPartitionsDefinition } from '../time-window-partitions.ts';
import type { NonexistentUpstream, PartitionKeyRange, PartitionMapping } from './partition-mapping.ts';
import { assertSubsetFits, mappingMismatch } from './partition-mapping.ts';

/**
 * The options of `timeWindowMapping`: a window of upstream time relative to each downstream
 * partition. Offsets count **downstream** partitions, as Dagster's `TimeWindowPartitionMapping` does.
 */
export interface TimeWindowMappingConfig {
  /** Downstream partitions to move the start of the window back (negative) or forward; default 0. */
  readonly startOffset?: number;
  /** Downstream partitions to move the end of the window back (negative) or forward; default 0. */
  readonly endOffset?: number;
  /**
   * Let downstream partitions run on the upstream partitions that exist when some they need do not
   * (a 7-day window at the start of history); default false: the planner blocks them with
   * `upstream_nonexistent`. Dagster's `allow_nonexistent_upstream_partitions`.
   */
  readonly allowNonexistentUpstream?: boolean;
}

/**
 * Maps a subset between two time-window definitions: the window of downstream partition `d` is
 * `[start of d + startOffset, end of d + endOffset)` (offsets in downstream partitions), and `d`
 * reads the upstream windows overlapping it. Works per range: the first and last window of each
 * range convert through instants, the ranges between follow by monotonicity.
 */
function upstreamOf(
  downstream: PartitionSubset,
  down: TimeWindowPartitionsDefinition,
  up: TimeWindowPartitionsDefinition,
  startOffset: number,
  endOffset: number,
  upSize: number,
): PartitionSubset {
  const builder = new PartitionSubsetBuilder();
  for (const [a, b] of downstream.ranges()) {
    const [first, last] = unclippedUpstream(a, b, down, up, startOffset, endOffset);
    builder.add(Math.max(0, first), Math.max(0, Math.min(upSize, last + 1)));
  }
  return builder.build();
}

/** The upstream indices [first, last] that downstream range [a, b) reads, before clipping to the upstream partitions. */
function unclippedUpstream(
  a: number,
  b: number,
  down: TimeWindowPartitionsDefinition,
  up: TimeWindowPartitionsDefinition,
  startOffset: number,
  endOffset: number,
): [number, number] {
  if (down.id === up.id) return [a + startOffset, b - 1 + endOffset];
  const start = down.windowOf(a + startOffset).start;
  const end = down.windowOf(b - 1 + endOffset).end;
  return [up.indexAt(start), up.indexAt(end.getTime() - 1)];
}

function downstreamOf(
  upstream: PartitionSubset,
  up: TimeWindowPartitionsDefinition,
  down: TimeWindowPartitionsDefinition,
  startOffset: number,
  endOffset: number,
  downSize: number,
): PartitionSubset {
  const builder = new PartitionSubsetBuilder();
  const same = down.id === up.id;
  for (const [a, b] of upstream.ranges()) {
    // Downstream d reads upstream [a, b) when its shifted window [start(d + startOffset), end(d + endOffset))
    // overlaps [start(a), end(b - 1)): the exact inverse of upstreamOf.
    const first = (same ? a : down.indexAt(up.windowOf(a).start)) - endOffset;
    const last = (same ? b - 1 : down.indexAt(up.windowOf(b - 1).end.getTime() - 1)) - startOffset;
    builder.add(Math.max(0, first), Math.max(0, Math.min(downSize, last + 1)));
  }
  return builder.build();
}

/**
 * The upstream partitions downstream `subset` needs outside [0, upSize), and which downstream
 * partitions need them. Downstream d needs some before the first when its first upstream index is
 * negative (a prefix of each range), after the last when its last one is >= upSize (a suffix).
 */
function nonexistentOf(
  subset: PartitionSubset,
  down: TimeWindowPartitionsDefinition,
  up: TimeWindowPartitionsDefinition,
  startOffset: number,
  endOffset: number,
  upSize: number,
): NonexistentUpstream {
  const same = down.id === up.id;
  // The last downstream index needing upstream windows before the first, the first needing windows after the last.
  const lastBefore = (same ? -1 : down.indexAt(up.windowOf(0).start.getTime() - 1)) - startOffset;
  const firstAfter = (same ? upSize : down.indexAt(up.windowOf(upSize).start)) - endOffset;
  const needing = new PartitionSubsetBuilder();
  const missing: [number, number][] = [];
  for (const [a, b] of subset.ranges()) {
    const [first, last] = unclippedUpstream(a, b, down, up, startOffset, endOffset);
    if (first < 0) {
      needing.add(a, Math.max(a, Math.min(b, lastBefore + 1)));
      missing.push([first, Math.min(last, -1)]);
    }
    if (last >= upSize) {
      needing.add(Math.max(a, firstAfter), b);
      missing.push([Math.max(first, upSize), last]);
    }
  }
  missing.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of missing) {
    const prev = merged[merged.length - 1];
    if (prev !== undefined && from <= prev[1] + 1) prev[1] = Math.max(prev[1], to);
    else merged.push([from, to]);
  }
  const ranges: PartitionKeyRange[] = merged.map(([from, to]) => Object.freeze({ from: up.keyOfWindow(from), to: up.keyOfWindow(to), count: to - from + 1 }));
  return Object.freeze({ downstream: needing.build(), ranges: Object.freeze(ranges) });
}

class TimeWindowMapping implements PartitionMapping {
  readonly kind = 'time-window';
  readonly id: string;
  readonly startOffset: number;
  readonly endOffset: number;
  readonly allowNonexistentUpstream: boolean;

  constructor(config: TimeWindowMappingConfig) {
    const startOffset = config.startOffset ?? 0;
    const endOffset = config.endOffset ?? 0;
    if (!Number.isSafeInteger(startOffset) || !Number.isSafeInteger(endOffset) || startOffset > endOffset) {
      throw new QuarryError(
        'QUARRY_BAD_PARTITION_MAPPING',
        `timeWindowMapping offsets { startOffset: ${String(startOffset)}, endOffset: ${String(endOffset)} } are not integers with startOffset <= endOffset: ` +
          'e.g. { startOffset: -6, endOffset: 0 } reads the window of the last 7 downstream partitions.',
      );
    }
    this.startOffset = startOffset;
    this.endOffset = endOffset;
    this.allowNonexistentUpstream = config.allowNonexistentUpstream === true;
    // The id feeds code versions; allowing nonexistent upstream changes whether a partition runs, not what it computes.
    this.id = `time-window(startOffset=${startOffset},endOffset=${endOffset})`;
    Object.freeze(this);
  }

  upstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    const [down, up] = this.#defs(upstreamDef, downstreamDef);
    assertSubsetFits(downstream, down, ctx, 'downstream');
    return upstreamOf(downstream, down, up, this.startOffset, this.endOffset, up.size(ctx));
  }

  validate(upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined): void {
    this.#defs(upstreamDef, downstreamDef);
  }

  nonexistentUpstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): NonexistentUpstream {
    const [down, up] = this.#defs(upstreamDef, downstreamDef);
    assertSubsetFits(downstream, down, ctx, 'downstream');
    return nonexistentOf(downstream, down, up, this.startOffset, this.endOffset, up.size(ctx));
  }

  downstreamFor(upstream: PartitionSubset, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    const [down, up] = this.#defs(upstreamDef, downstreamDef);
    assertSubsetFits(upstream, up, ctx, 'upstream');
    return downstreamOf(upstream, up, down, this.startOffset, this.endOffset, down.size(ctx));
  }

  #defs(up: PartitionsDefinition | undefined, down: PartitionsDefinition | undefined): [TimeWindowPartitionsDefinition, TimeWindowPartitionsDefinition] {
    if (!isTimeWindowPartitionsDefinition(up) || !isTimeWindowPartitionsDefinition(down)) {
      throw mappingMismatch('timeWindowMapping', up, down, 'time-window partitions on both sides; use allMapping, staticMapping or customMapping');
    }
    return [down, up];
  }
}

/**
 * The mapping between two time-window assets, with Dagster's `TimeWindowPartitionMapping` meaning:
 * the window of each downstream partition is moved by `startOffset`/`endOffset` **downstream**
 * partitions, and it reads the upstream windows overlapping the result. Grains may differ (a day
 * reads its 24 hours; an hour reads its day; with `{ startOffset: -1, endOffset: -1 }` a day reads
 * the 24 hours of the previous day). Partitions outside the upstream range are clipped, so a
 * self-dependency on the previous day gives the first day no upstream partition. The planner blocks
 * a downstream partition that needs upstream partitions that do not exist (`upstream_nonexistent`)
 * unless `allowNonexistentUpstream: true`.
 *
 * ```ts
 * const lastSevenDays = timeWindowMapping({ startOffset: -6, endOffset: 0 });
 * const previousDay = timeWindowMapping({ startOffset: -1, endOffset: -1, allowNonexistentUpstream: true });
 * ```
 */
export function timeWindowMapping(config: TimeWindowMappingConfig = {}): PartitionMapping {
  return new TimeWindowMapping(config);
}
