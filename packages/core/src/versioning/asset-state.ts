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
  #hashes: HashColumns | undefined;

  constructor(
    assetKey: AssetKey,
    size: number,
    columns: CurrentPartitionColumns,
    rowOf: Int32Array,
    failed: PartitionSubset,
    loadHashes: () => CurrentPartitionHashes,
  ) {
    this.assetKey = assetKey;
    this.size = size;
    this.#columns = columns;
    this.#rowOf = rowOf;
    this.#loadHashes = loadHashes;
    const indices: number[] = [];
    for (let i = 0; i < size; i++) if (rowOf[i]! >= 0) indices.push(i);
    this.materialized = PartitionSubset.fromIndices(indices);
    this.failed = failed;
  }

  /**
   * Builds the state from the catalog's narrow column-wise read, mapping keys to indices of
   * `definition`; the wide hash columns are read through `loadHashes` on first use only.
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
    const rowOf = new Int32Array(size).fill(-1);
    // One parse per key: keys no longer valid (the definition changed) are rare, so their throw is cheap overall.
    const indexOf = (key: string): number => {
      if (definition === undefined) return key === '' ? 0 : -1;
      try {
        return definition.indexOf(key, ctx);
      } catch {
        return -1;
      }
    };
    for (let row = 0; row < columns.keys.length; row++) {
      const index = indexOf(columns.keys[row]!);
      if (index >= 0 && index < size) rowOf[index] = row;
    }
    const failed: number[] = [];
    for (const key of failedKeys) {
      const index = indexOf(key);
      if (index >= 0 && index < size) failed.push(index);
    }
    failed.sort((a, b) => a - b);
    return new AssetState(assetKey, size, columns, rowOf, PartitionSubset.fromIndices(failed), loadHashes);
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
