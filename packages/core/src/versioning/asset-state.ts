import type { AssetKey } from '../definitions/index.ts';
import { PartitionSubset, type PartitionsContext, type PartitionsDefinition } from '../partitions/index.ts';

/** The current materialization facts of one asset partition, as the catalog holds them. */
export interface PartitionFacts {
  readonly key: string;
  readonly codeVersion: string;
  readonly dataVersion: string;
  /** Catalog commit sequence at which the data version last changed (early cut-off keeps it). */
  readonly dataSeq: number;
  /** Highest upstream `dataSeq` the partition read when it was computed. */
  readonly inputSeq: number;
  readonly inputFingerprint: string;
  readonly files: readonly string[];
}

/** Column-wise current facts of one asset, as the catalog's bulk read returns them. */
export interface CurrentPartitionColumns {
  readonly keys: readonly string[];
  readonly codeVersions: readonly string[];
  readonly dataSeqs: ArrayLike<number>;
  /** Highest upstream `dataSeq` each partition read (the catalog's `maxInputSeqs`). */
  readonly maxInputSeqs: ArrayLike<number>;
}

/** The wide columns, read only when a staleness question needs them (same key order as the narrow read). */
export interface CurrentPartitionHashes {
  readonly keys: readonly string[];
  readonly dataVersions: readonly string[];
  readonly inputFingerprints: readonly (string | null)[];
}

interface HashColumns {
  readonly dataVersions: readonly (string | undefined)[];
  readonly inputFingerprints: readonly (string | null | undefined)[];
}

/** What `AssetState.fromColumns` derives from the keys alone: the row of each index and the materialized ranges. */
interface KeyLayout {
  readonly definition: PartitionsDefinition | undefined;
  readonly size: number;
  readonly rowOf: Int32Array;
  readonly materialized: PartitionSubset;
  /** Per code version, the partitions holding it (filled on first question). */
  readonly byCodeVersion: Map<string, PartitionSubset>;
}

// Layouts of the columns the catalog returned (it returns the same object while nothing changed), so
// a second plan or status over an unchanged catalog parses no key again.
const layouts = new WeakMap<CurrentPartitionColumns, KeyLayout>();

/** The materialized ranges of a row-of-index array, in one pass. */
function materializedRanges(rowOf: Int32Array): PartitionSubset {
  const ranges: [number, number][] = [];
  let start = -1;
  for (let i = 0; i < rowOf.length; i++) {
    if (rowOf[i]! >= 0) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      ranges.push([start, i]);
      start = -1;
    }
  }
  if (start >= 0) ranges.push([start, rowOf.length]);
  return PartitionSubset.fromRanges(ranges);
}

/**
 * The current state of one asset's partitions, indexed by partition index of its definition, so
 * staleness questions are array look-ups. Rows whose key is no longer valid (the definition changed)
 * are ignored.
 */
export class AssetState {
  readonly assetKey: AssetKey;
  readonly size: number;
  readonly materialized: PartitionSubset;
  readonly failed: PartitionSubset;
  readonly #rowOf: Int32Array;
  readonly #columns: CurrentPartitionColumns;
  readonly #loadHashes: () => CurrentPartitionHashes;
  readonly #byCodeVersion: Map<string, PartitionSubset>;
  #hashes: HashColumns | undefined;

  constructor(
    assetKey: AssetKey,
    size: number,
    columns: CurrentPartitionColumns,
    rowOf: Int32Array,
    failed: PartitionSubset,
    loadHashes: () => CurrentPartitionHashes,
    layout?: { readonly materialized: PartitionSubset; readonly byCodeVersion: Map<string, PartitionSubset> },
  ) {
    this.assetKey = assetKey;
    this.size = size;
    this.#columns = columns;
    this.#rowOf = rowOf;
    this.#loadHashes = loadHashes;
    this.materialized = layout?.materialized ?? materializedRanges(rowOf);
    this.#byCodeVersion = layout?.byCodeVersion ?? new Map();
    this.failed = failed;
  }

  /**
   * Builds the state from the catalog's narrow column-wise read, mapping keys to indices of
   * `definition`; the wide hash columns are read through `loadHashes` on first use only. The mapping
   * of keys to indices is kept with `columns` and reused when the same columns come again with the
   * same definition and size (time-window and static definitions, whose indices depend on nothing else).
   */
  static fromColumns(
    assetKey: AssetKey,
    definition: PartitionsDefinition | undefined,
    columns: CurrentPartitionColumns,
    failedKeys: readonly string[],
    ctx: PartitionsContext,
    loadHashes: () => CurrentPartitionHashes,
  ): AssetState {
    const size = definition ? definition.size(ctx) : 1;
    // One parse per key: keys no longer valid (the definition changed) are rare, so their throw is cheap overall.
    const indexOf = (key: string): number => {
      if (definition === undefined) return key === '' ? 0 : -1;
      try {
        return definition.indexOf(key, ctx);
      } catch {
        return -1;
      }
    };
    let layout = layouts.get(columns);
    if (layout === undefined || layout.definition !== definition || layout.size !== size) {
      const rowOf = new Int32Array(size).fill(-1);
      for (let row = 0; row < columns.keys.length; row++) {
        const index = indexOf(columns.keys[row]!);
        if (index >= 0 && index < size) rowOf[index] = row;
      }
      layout = { definition, size, rowOf, materialized: materializedRanges(rowOf), byCodeVersion: new Map() };
      if (definition === undefined || definition.kind === 'time-window' || definition.kind === 'static') layouts.set(columns, layout);
    }
    const failed: number[] = [];
    for (const key of failedKeys) {
      const index = indexOf(key);
      if (index >= 0 && index < size) failed.push(index);
    }
    failed.sort((a, b) => a - b);
    return new AssetState(assetKey, size, columns, layout.rowOf, PartitionSubset.fromIndices(failed), loadHashes, layout);
  }

  #hashColumns(): HashColumns {
    if (this.#hashes === undefined) {
      const loaded = this.#loadHashes();
      const keys = this.#columns.keys;
      if (loaded.keys.length === keys.length && loaded.keys.every((k, i) => k === keys[i])) {
        this.#hashes = { dataVersions: loaded.dataVersions, inputFingerprints: loaded.inputFingerprints };
      } else {
        // A commit landed between the two reads: align the wide columns on the narrow read's rows.
        const rowOfKey = new Map(loaded.keys.map((k, i) => [k, i]));
        const at = <T>(values: readonly T[]) => keys.map((k) => { const r = rowOfKey.get(k); return r === undefined ? undefined : values[r]; });
        this.#hashes = { dataVersions: at(loaded.dataVersions), inputFingerprints: at(loaded.inputFingerprints) };
      }
    }
    return this.#hashes;
  }

  /** True when partition `index` has a current materialization. */
  has(index: number): boolean {
    return (this.#rowOf[index] ?? -1) >= 0;
  }

  /** The facts of partition `index`, or undefined when it was never materialized. */
  facts(index: number): PartitionFacts | undefined {
    const row = this.#rowOf[index] ?? -1;
    if (row < 0) return undefined;
    const c = this.#columns;
    return {
      key: c.keys[row]!,
      codeVersion: c.codeVersions[row]!,
      dataVersion: this.#hashColumns().dataVersions[row] ?? '',
      dataSeq: c.dataSeqs[row]!,
      inputSeq: c.maxInputSeqs[row]!,
      inputFingerprint: this.#hashColumns().inputFingerprints[row] ?? '',
      files: [],
    };
  }

  /** Code version of partition `index` (undefined when missing). */
  codeVersionAt(index: number): string | undefined {
    const row = this.#rowOf[index] ?? -1;
    return row < 0 ? undefined : this.#columns.codeVersions[row];
  }

  /** The materialized partitions whose code version is `codeVersion`, as ranges (computed once per state). */
  withCodeVersion(codeVersion: string): PartitionSubset {
    let subset = this.#byCodeVersion.get(codeVersion);
    if (subset === undefined) {
      const ranges: [number, number][] = [];
      const rowOf = this.#rowOf;
      const versions = this.#columns.codeVersions;
      let start = -1;
      for (let i = 0; i < this.size; i++) {
        const row = rowOf[i]!;
        if (row >= 0 && versions[row] === codeVersion) {
          if (start < 0) start = i;
        } else if (start >= 0) {
          ranges.push([start, i]);
          start = -1;
        }
      }
      if (start >= 0) ranges.push([start, this.size]);
      subset = PartitionSubset.fromRanges(ranges);
      this.#byCodeVersion.set(codeVersion, subset);
    }
    return subset;
  }

  /** Data version of partition `index` (undefined when missing). */
  dataVersionAt(index: number): string | undefined {
    const row = this.#rowOf[index] ?? -1;
    return row < 0 ? undefined : this.#hashColumns().dataVersions[row];
  }

  /** Data sequence of partition `index` (-1 when missing). */
  dataSeqAt(index: number): number {
    const row = this.#rowOf[index] ?? -1;
    return row < 0 ? -1 : this.#columns.dataSeqs[row]!;
  }

  /** Input sequence recorded by partition `index` (-1 when missing). */
  inputSeqAt(index: number): number {
    const row = this.#rowOf[index] ?? -1;
    return row < 0 ? -1 : this.#columns.maxInputSeqs[row]!;
  }

  /** Input fingerprint recorded by partition `index` (undefined when missing). */
  fingerprintAt(index: number): string | undefined {
    const row = this.#rowOf[index] ?? -1;
    return row < 0 ? undefined : (this.#hashColumns().inputFingerprints[row] ?? undefined);
  }

  /** Highest data sequence over the materialized partitions of `subset` (-1 when none). */
  maxDataSeq(subset: PartitionSubset): number {
    let max = -1;
    for (const [start, end] of subset.ranges()) {
      for (let i = start; i < end && i < this.size; i++) {
        const row = this.#rowOf[i]!;
        if (row >= 0) {
          const s = this.#columns.dataSeqs[row]!;
          if (s > max) max = s;
        }
      }
    }
    return max;
  }
}
