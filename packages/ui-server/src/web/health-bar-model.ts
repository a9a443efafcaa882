/** The states a partition is drawn in, in drawing order (top of a column first). */
export const PARTITION_STATES = ['failed', 'running', 'stale', 'missing', 'fresh', 'upstream_failed'] as const;

/** A partition's state in the health bar. */
export type PartitionState = (typeof PARTITION_STATES)[number];

/** Half-open index ranges `[start, end)` per state, as the API serves them. */
export type StateRanges = Partial<Record<PartitionState, readonly (readonly [number, number])[]>>;

/** All ranges merged into one sorted run of segments (struct of arrays, so 1,000,000 segments stay compact). */
export interface Segments {
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  /** Index into PARTITION_STATES. */
  readonly states: Uint8Array;
  readonly length: number;
}

/** A visible window of partition indices `[start, end)`; fractional bounds allow smooth zoom. */
export interface View {
  readonly start: number;
  readonly end: number;
}

/** Merges per-state ranges into sorted segments; empty ranges are dropped, order is by start. */
export function mergeRanges(ranges: StateRanges): Segments {
  const list: [number, number, number][] = [];
  PARTITION_STATES.forEach((state, s) => {
    for (const [start, end] of ranges[state] ?? []) if (end > start) list.push([start, end, s]);
  });
  list.sort((a, b) => a[0] - b[0]);
  const starts = new Float64Array(list.length);
  const ends = new Float64Array(list.length);
  const states = new Uint8Array(list.length);
  list.forEach(([a, b, s], i) => {
    starts[i] = a;
    ends[i] = b;
    states[i] = s;
  });
  return { starts, ends, states, length: list.length };
}

/** Index of the first segment whose end is after `index` (binary search). */
function firstSegmentEndingAfter(segments: Segments, index: number): number {
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (segments.ends[mid]! <= index) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The state of partition `index`, or undefined when no range covers it. */
export function stateAt(segments: Segments, index: number): PartitionState | undefined {
  const i = firstSegmentEndingAfter(segments, index);
  if (i >= segments.length || segments.starts[i]! > index) return undefined;
  return PARTITION_STATES[segments.states[i]!];
}

/**
 * How much of each pixel column each state covers, for `width` columns over `view`: a
 * `width × states` array of partition counts (column-major: `[x * STATES + s]`).
 *
 * Costs O(segments in view + width), never a loop over partitions, so a million partitions draw as
 * fast as ten.
 */
export function pixelCoverage(segments: Segments, view: View, width: number): Float64Array {
  const states = PARTITION_STATES.length;
  const out = new Float64Array(width * states);
  const span = view.end - view.start;
  if (width <= 0 || span <= 0) return out;
  const perPixel = span / width;
  for (let i = firstSegmentEndingAfter(segments, view.start); i < segments.length; i++) {
    const a = Math.max(segments.starts[i]!, view.start);
    const b = Math.min(segments.ends[i]!, view.end);
    if (segments.starts[i]! >= view.end) break;
    if (b <= a) continue;
    const s = segments.states[i]!;
    const x0 = (a - view.start) / perPixel;
    const x1 = (b - view.start) / perPixel;
    const first = Math.min(width - 1, Math.floor(x0));
    const last = Math.min(width - 1, Math.ceil(x1) - 1);
    if (first === last) {
      out[first * states + s]! += b - a;
      continue;
    }
    out[first * states + s]! += (first + 1 - x0) * perPixel;
    for (let x = first + 1; x < last; x++) out[x * states + s]! += perPixel;
    out[last * states + s]! += (x1 - last) * perPixel;
  }
  return out;
}

/** One run of identically drawn columns: from `x` for `width` pixels, with a height per state. */
export interface ColumnRun {
  readonly x: number;
  readonly width: number;
  /** Height (pixels) per state, in PARTITION_STATES order; they add up to the bar height. */
  readonly heights: readonly number[];
}

/**
 * Turns coverage into drawable column runs. A column's states share its height by coverage, except
 * that failed, running and stale get at least `minShare` of it when present at all — one failed
 * partition among a million stays visible. Equal neighbouring columns merge into one run, so a bar
 * of one state is one rectangle.
 */
export function columnRuns(coverage: Float64Array, width: number, height: number, minShare = 0.34): ColumnRun[] {
  const states = PARTITION_STATES.length;
  const runs: ColumnRun[] = [];
  let previous: number[] | undefined;
  let runStart = 0;
  const heights = new Array<number>(states);
  for (let x = 0; x <= width; x++) {
    let current: number[] | undefined;
    if (x < width) {
      let total = 0;
      for (let s = 0; s < states; s++) total += coverage[x * states + s]!;
      if (total > 0) {
        let reserved = 0;
        let rest = 0;
        for (let s = 0; s < states; s++) {
          const share = coverage[x * states + s]! / total;
          const urgent = PARTITION_STATES[s] === 'failed' || PARTITION_STATES[s] === 'upstream_failed' || PARTITION_STATES[s] === 'running' || PARTITION_STATES[s] === 'stale';
          heights[s] = urgent && share > 0 ? Math.max(share, minShare) : share;
          if (urgent) reserved += heights[s]!;
          else rest += heights[s]!;
        }
        // Urgent states take what they need (at most the whole column); the others share the remainder.
        const scale = reserved > 1 ? 1 / reserved : 1;
        const remaining = Math.max(0, 1 - reserved * scale);
        current = [];
        for (let s = 0; s < states; s++) {
          const urgent = PARTITION_STATES[s] === 'failed' || PARTITION_STATES[s] === 'upstream_failed' || PARTITION_STATES[s] === 'running' || PARTITION_STATES[s] === 'stale';
          const share = urgent ? heights[s]! * scale : rest > 0 ? (heights[s]! / rest) * remaining : 0;
          current.push(Math.round(share * height * 100) / 100);
        }
      }
    }
    const same = current !== undefined && previous !== undefined && current.every((v, i) => v === previous![i]);
    if (same) continue;
    if (previous !== undefined) runs.push({ x: runStart, width: x - runStart, heights: previous });
    previous = current;
    runStart = x;
  }
  return runs;
}

/** The partition index under pixel `x` of a bar `width` pixels wide showing `view`. */
export function indexAtX(x: number, width: number, view: View, total: number): number {
  const index = Math.floor(view.start + (x / width) * (view.end - view.start));
  return Math.max(0, Math.min(total - 1, index));
}

/** The pixel position of partition boundary `index`. */
export function xOfIndex(index: number, width: number, view: View): number {
  return ((index - view.start) / (view.end - view.start)) * width;
}

/**
 * Zooms `view` by `factor` (< 1 zooms in) keeping `anchor` (a partition index) under the cursor,
 * clamped to `[0, total)`; the view never gets narrower than `minSpan` partitions.
 */
export function zoomView(view: View, anchor: number, factor: number, total: number, minSpan = 8): View {
  const span = view.end - view.start;
  const nextSpan = Math.min(total, Math.max(Math.min(minSpan, total), span * factor));
  const ratio = span > 0 ? (anchor - view.start) / span : 0.5;
  return clampView(anchor - ratio * nextSpan, nextSpan, total);
}

/** Moves `view` by `delta` partitions, clamped to `[0, total)`. */
export function panView(view: View, delta: number, total: number): View {
  return clampView(view.start + delta, view.end - view.start, total);
}

/** Whole-partition view of an inclusive index range, clamped. */
export function viewOfRange(first: number, last: number, total: number): View {
  const a = Math.max(0, Math.min(first, last));
  const b = Math.min(total, Math.max(first, last) + 1);
  return { start: a, end: Math.max(b, a + 1) };
}

function clampView(start: number, span: number, total: number): View {
  const clampedStart = Math.max(0, Math.min(total - span, start));
  return { start: clampedStart, end: clampedStart + span };
}

/** Evenly spaced whole-partition tick indices within `view`, at most `count` of them. */
export function tickIndices(view: View, total: number, count: number): number[] {
  const first = Math.ceil(view.start);
  const last = Math.min(total - 1, Math.floor(view.end - 1e-9));
  if (last < first) return [];
  if (last - first + 1 <= count) return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const step = (last - first) / (count - 1);
  const ticks = new Set<number>();
  for (let i = 0; i < count; i++) ticks.add(Math.round(first + i * step));
  return [...ticks];
}

/** Counts per state inside `view` (whole partitions), from the segments. */
export function countsInView(segments: Segments, view: View): Record<PartitionState, number> {
  const counts = { failed: 0, running: 0, stale: 0, missing: 0, fresh: 0, upstream_failed: 0 };
  const a = Math.floor(view.start);
  const b = Math.ceil(view.end);
  for (let i = firstSegmentEndingAfter(segments, a); i < segments.length && segments.starts[i]! < b; i++) {
    const overlap = Math.min(segments.ends[i]!, b) - Math.max(segments.starts[i]!, a);
    if (overlap > 0) counts[PARTITION_STATES[segments.states[i]!]!] += overlap;
  }
  return counts;
}
