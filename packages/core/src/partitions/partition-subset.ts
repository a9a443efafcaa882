import { QuarryError } from '../errors.ts';

/** The JSON form of a `PartitionSubset`: flat half-open range boundaries `[start0, end0, start1, end1, …]`. */
export type PartitionSubsetJson = readonly number[];

const EMPTY_BOUNDARIES = new Float64Array(0);

// Lets the builder wrap boundaries it has already normalized without a public unchecked constructor.
let fromNormalized: (bounds: Float64Array) => PartitionSubset;

/**
 * An immutable set of partition indices stored as sorted, disjoint, non-adjacent half-open ranges
 * `[start, end)`, so a million partitions with ten thousand holes is ten thousand ranges and every
 * set operation is one linear merge over ranges, never a loop over indices.
 *
 * ```ts
 * const missing = daily.all(ctx).difference(materialized);
 * for (const [start, end] of missing.ranges()) plan(start, end);
 * JSON.stringify(missing); // "[0,31,40,59]"
 * ```
 */
export class PartitionSubset {
  // Flat boundaries [s0, e0, s1, e1, …]; numbers stay exact integers up to 2^53.
  readonly #bounds: Float64Array;
  /** The number of indices in the subset. */
  readonly count: number;
  /** True when the subset holds no index. */
  readonly isEmpty: boolean;
  /** The smallest index, or undefined when empty. */
  readonly first: number | undefined;
  /** The largest index, or undefined when empty. */
  readonly last: number | undefined;
  /** The number of ranges the subset is stored as. */
  readonly rangeCount: number;

  private constructor(bounds: Float64Array) {
    this.#bounds = bounds;
    let count = 0;
    for (let i = 0; i < bounds.length; i += 2) count += bounds[i + 1]! - bounds[i]!;
    this.count = count;
    this.isEmpty = bounds.length === 0;
    this.first = bounds[0];
    this.last = bounds.length === 0 ? undefined : bounds[bounds.length - 1]! - 1;
    this.rangeCount = bounds.length / 2;
    Object.freeze(this);
  }

  static readonly #empty = new PartitionSubset(EMPTY_BOUNDARIES);

  /** The empty subset. */
  static empty(): PartitionSubset {
    return PartitionSubset.#empty;
  }

  /** The indices `start` (included) to `end` (excluded); empty when `end <= start`. */
  static fromRange(start: number, end: number): PartitionSubset {
    checkIndex(start, 'range start');
    checkIndex(end, 'range end');
    return end <= start ? PartitionSubset.#empty : new PartitionSubset(Float64Array.of(start, end));
  }

  /** The union of half-open ranges `[start, end)` given in any order, overlapping or not. */
  static fromRanges(ranges: Iterable<readonly [number, number]>): PartitionSubset {
    const builder = new PartitionSubsetBuilder();
    for (const [start, end] of ranges) builder.add(start, end);
    return builder.build();
  }

  /** The subset of the given indices, in any order, duplicates allowed. */
  static fromIndices(indices: Iterable<number>): PartitionSubset {
    const sorted = Float64Array.from(indices);
    for (const i of sorted) checkIndex(i, 'index');
    sorted.sort();
    const out = new Float64Array(sorted.length * 2);
    let n = 0;
    for (const i of sorted) {
      if (n > 0 && i <= out[n - 1]!) {
        if (i === out[n - 1]) out[n - 1] = i + 1;
      } else {
        out[n++] = i;
        out[n++] = i + 1;
      }
    }
    return PartitionSubset.#of(out, n);
  }

  /** The subset a `toJSON()` value describes; throws `QUARRY_BAD_SUBSET` when it is not one. */
  static fromJSON(json: unknown): PartitionSubset {
    if (!Array.isArray(json) || json.length % 2 !== 0) {
      throw new QuarryError(
        'QUARRY_BAD_SUBSET',
        `Partition subset JSON ${preview(json)} is not a flat list of range boundaries: expected [start, end, start, end, …] of integers.`,
      );
    }
    const builder = new PartitionSubsetBuilder();
    for (let i = 0; i < json.length; i += 2) {
      const start: unknown = json[i];
      const end: unknown = json[i + 1];
      if (typeof start !== 'number' || typeof end !== 'number' || !(end >= start)) {
        throw new QuarryError(
          'QUARRY_BAD_SUBSET',
          `Partition subset JSON ${preview(json)} has a bad range at position ${i}: expected integers start <= end.`,
        );
      }
      builder.add(start, end);
    }
    return builder.build();
  }

  /** True when `index` is in the subset (binary search over ranges). */
  has(index: number): boolean {
    const b = this.#bounds;
    let lo = 0;
    let hi = b.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (index < b[2 * mid]!) hi = mid - 1;
      else if (index >= b[2 * mid + 1]!) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** The indices in `this` or `other`. */
  union(other: PartitionSubset): PartitionSubset {
    const a = this.#bounds;
    const c = other.#bounds;
    if (c.length === 0) return this;
    if (a.length === 0) return other;
    const out = new Float64Array(a.length + c.length);
    let n = 0;
    let i = 0;
    let j = 0;
    while (i < a.length || j < c.length) {
      let start: number;
      let end: number;
      if (j >= c.length || (i < a.length && a[i]! <= c[j]!)) {
        start = a[i]!;
        end = a[i + 1]!;
        i += 2;
      } else {
        start = c[j]!;
        end = c[j + 1]!;
        j += 2;
      }
      if (n > 0 && start <= out[n - 1]!) {
        if (end > out[n - 1]!) out[n - 1] = end;
      } else {
        out[n++] = start;
        out[n++] = end;
      }
    }
    return PartitionSubset.#of(out, n);
  }

  /** The indices in both `this` and `other`. */
  intersect(other: PartitionSubset): PartitionSubset {
    const a = this.#bounds;
    const c = other.#bounds;
    const out = new Float64Array(a.length + c.length);
    let n = 0;
    let i = 0;
    let j = 0;
    while (i < a.length && j < c.length) {
      const start = Math.max(a[i]!, c[j]!);
      const end = Math.min(a[i + 1]!, c[j + 1]!);
      if (start < end) {
        out[n++] = start;
        out[n++] = end;
      }
      if (a[i + 1]! < c[j + 1]!) i += 2;
      else j += 2;
    }
    return PartitionSubset.#of(out, n);
  }

  /** The indices in `this` but not in `other`. */
  difference(other: PartitionSubset): PartitionSubset {
    const a = this.#bounds;
    const c = other.#bounds;
    if (a.length === 0 || c.length === 0) return this;
    const out = new Float64Array(a.length + c.length);
    let n = 0;
    let j = 0;
    for (let i = 0; i < a.length; i += 2) {
      const start = a[i]!;
      const end = a[i + 1]!;
      while (j < c.length && c[j + 1]! <= start) j += 2;
      let cursor = start;
      for (let k = j; k < c.length && c[k]! < end; k += 2) {
        if (c[k]! > cursor) {
          out[n++] = cursor;
          out[n++] = c[k]!;
        }
        if (c[k + 1]! > cursor) cursor = c[k + 1]!;
      }
      if (cursor < end) {
        out[n++] = cursor;
        out[n++] = end;
      }
    }
    return PartitionSubset.#of(out, n);
  }

  /** The indices in [0, size) that are not in the subset. */
  complement(size: number): PartitionSubset {
    checkIndex(size, 'size');
    const b = this.#bounds;
    const out = new Float64Array(b.length + 2);
    let n = 0;
    let cursor = 0;
    for (let i = 0; i < b.length && cursor < size; i += 2) {
      if (b[i]! > cursor) {
        out[n++] = cursor;
        out[n++] = Math.min(b[i]!, size);
      }
      cursor = b[i + 1]!;
    }
    if (cursor < size) {
      out[n++] = cursor;
      out[n++] = size;
    }
    return PartitionSubset.#of(out, n);
  }

  /** The indices in [start, end): `intersect(fromRange(start, end))` without building the range. */
  clamp(start: number, end: number): PartitionSubset {
    const b = this.#bounds;
    if (b.length === 0 || (b[0]! >= start && b[b.length - 1]! <= end)) return this;
    const out = new Float64Array(b.length);
    let n = 0;
    for (let i = 0; i < b.length; i += 2) {
      const s = Math.max(b[i]!, start);
      const e = Math.min(b[i + 1]!, end);
      if (s < e) {
        out[n++] = s;
        out[n++] = e;
      }
    }
    return PartitionSubset.#of(out, n);
  }

  /** Every index moved by `delta`; indices that would become negative are dropped. */
  shift(delta: number): PartitionSubset {
    if (delta === 0 || this.isEmpty) return this;
    const b = this.#bounds;
    const out = new Float64Array(b.length);
    let n = 0;
    for (let i = 0; i < b.length; i += 2) {
      const s = Math.max(0, b[i]! + delta);
      const e = b[i + 1]! + delta;
      if (s < e) {
        out[n++] = s;
        out[n++] = e;
      }
    }
    return PartitionSubset.#of(out, n);
  }

  /** True when every index of the subset is also in `other`. */
  isSubsetOf(other: PartitionSubset): boolean {
    return this.difference(other).isEmpty;
  }

  /** True when both subsets hold the same indices. */
  equals(other: PartitionSubset): boolean {
    const a = this.#bounds;
    const c = other.#bounds;
    if (a.length !== c.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== c[i]) return false;
    return true;
  }

  /** The indices in increasing order, produced lazily. */
  *indices(): IterableIterator<number> {
    const b = this.#bounds;
    for (let i = 0; i < b.length; i += 2) {
      const end = b[i + 1]!;
      for (let k = b[i]!; k < end; k++) yield k;
    }
  }

  /** The ranges `[start, end)` in increasing order. */
  *ranges(): IterableIterator<readonly [number, number]> {
    const b = this.#bounds;
    for (let i = 0; i < b.length; i += 2) yield [b[i]!, b[i + 1]!] as const;
  }

  /** The compact JSON form: flat range boundaries, e.g. `[0, 31, 40, 59]`. */
  toJSON(): PartitionSubsetJson {
    return Array.from(this.#bounds);
  }

  /** A readable form such as `PartitionSubset{[0,31) [40,59)}` for logs and assertion messages. */
  toString(): string {
    const parts: string[] = [];
    for (const [s, e] of this.ranges()) parts.push(`[${s},${e})`);
    return `PartitionSubset{${parts.join(' ')}}`;
  }

  static #of(out: Float64Array, n: number): PartitionSubset {
    return n === 0 ? PartitionSubset.#empty : new PartitionSubset(n === out.length ? out : out.slice(0, n));
  }

  static {
    fromNormalized = (bounds) => (bounds.length === 0 ? PartitionSubset.#empty : new PartitionSubset(bounds));
  }
}


/**
 * An accumulator of ranges that builds one `PartitionSubset`: ranges may come in any order and
 * overlap; ranges added in increasing order skip the sort. Mappings use it to emit ranges as they go.
 */
export class PartitionSubsetBuilder {
  #bounds: number[] = [];
  #sorted = true;

  /** Adds the indices [start, end); an empty range (end <= start) adds nothing. */
  add(start: number, end: number): this {
    checkIndex(start, 'range start');
    checkIndex(end, 'range end');
    if (end <= start) return this;
    const b = this.#bounds;
    const n = b.length;
    if (n > 0 && start < b[n - 2]!) this.#sorted = false;
    if (this.#sorted && n > 0 && start <= b[n - 1]!) {
      if (end > b[n - 1]!) b[n - 1] = end;
    } else {
      b.push(start, end);
    }
    return this;
  }

  /** Adds every range of a subset. */
  addSubset(subset: PartitionSubset): this {
    for (const [start, end] of subset.ranges()) this.add(start, end);
    return this;
  }

  /** The subset of every index added so far. */
  build(): PartitionSubset {
    const b = this.#bounds;
    if (this.#sorted) return fromNormalized(Float64Array.from(b));
    const order = Array.from({ length: b.length / 2 }, (_, i) => i).sort((x, y) => b[2 * x]! - b[2 * y]!);
    const out = new Float64Array(b.length);
    let n = 0;
    for (const r of order) {
      const start = b[2 * r]!;
      const end = b[2 * r + 1]!;
      if (n > 0 && start <= out[n - 1]!) {
        if (end > out[n - 1]!) out[n - 1] = end;
      } else {
        out[n++] = start;
        out[n++] = end;
      }
    }
    return fromNormalized(out.slice(0, n));
  }
}

function checkIndex(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new QuarryError('QUARRY_BAD_SUBSET', `Partition ${what} ${String(value)} is not a non-negative integer: partition indices count from 0.`);
  }
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
