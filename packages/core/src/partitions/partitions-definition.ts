import type { PartitionSubset } from './partition-subset.ts';

/**
 * What a partitions definition needs to know about "now": the clock, which decides the last
 * complete window of an open-ended time series, and the current keys of dynamic partitions.
 *
 * ```ts
 * const ctx: PartitionsContext = { now: new Date('2026-03-01T00:00:00Z'), dynamicKeys: store.keys };
 * daily.size(ctx); // 59 for daily partitions starting 2026-01-01
 * ```
 */
export interface PartitionsContext {
  /** The clock; only complete time windows exist. Defaults to `new Date()`. */
  readonly now?: Date;
  /** The current keys of the dynamic partitions definition called `name`, in their stable order. */
  readonly dynamicKeys?: (name: string) => readonly string[];
}

/** The four shapes of partitions definitions. */
export type PartitionsKind = 'time-window' | 'static' | 'dynamic' | 'multi';

/**
 * An ordered set of partition keys: key ↔ 0-based integer index, so sets of partitions are
 * `PartitionSubset`s of index ranges rather than key lists.
 *
 * Indices are positional in the definition's current key order. Time windows only ever append,
 * static keys never move; removing a dynamic key shifts the indices after it, so persist keys, not
 * subsets, of dynamic partitions across removals.
 */
export interface PartitionsDefinition {
  /** Which shape this is; narrow with `isTimeWindowPartitionsDefinition` and friends. */
  readonly kind: PartitionsKind;
  /** A stable canonical description, e.g. `daily(start=2026-01-01,tz=UTC,fmt=yyyy-MM-dd)`; equal ids mean equal definitions. */
  readonly id: string;
  /** The number of partitions now. */
  size(ctx?: PartitionsContext): number;
  /** The key of partition `index`; throws `QUARRY_BAD_SUBSET` outside [0, size). */
  keyAt(index: number, ctx?: PartitionsContext): string;
  /** The index of a key; throws `QUARRY_BAD_PARTITION_KEY` naming the key and the valid form and range. */
  indexOf(key: string, ctx?: PartitionsContext): number;
  /** True when `key` names a partition that exists now. */
  isValidKey(key: string, ctx?: PartitionsContext): boolean;
  /** Every partition. */
  all(ctx?: PartitionsContext): PartitionSubset;
  /** The partitions from `fromKey` to `toKey`, both included; throws `QUARRY_BAD_PARTITION_RANGE` when reversed. */
  range(fromKey: string, toKey: string, ctx?: PartitionsContext): PartitionSubset;
  /** The subset holding exactly these keys; throws `QUARRY_BAD_PARTITION_KEY` for the first bad one. */
  subsetOfKeys(keys: Iterable<string>, ctx?: PartitionsContext): PartitionSubset;
  /** The keys of a subset in index order, produced lazily; throws `QUARRY_BAD_SUBSET` if it reaches past the end. */
  keysOf(subset: PartitionSubset, ctx?: PartitionsContext): Iterable<string>;
}
