import { QuarryError } from '../errors.ts';

/**
 * How a backfill batches an asset's partitions, as `defineAsset({ backfill })` declares it: at most
 * `maxPartitionsPerStep` contiguous stale partitions run as one step (one SQL or compute execution over
 * the whole range), whose output is split back into one version per partition by `partitionColumn`.
 *
 * ```ts
 * defineAsset({
 *   key: 'marts/daily_views', partitions: daily,
 *   backfill: { maxPartitionsPerStep: 1000, partitionColumn: 'day' },
 *   sql: `select day, count(*) as views from events group by day`,
 * });
 * ```
 */
export interface BackfillPolicyConfig {
  /** The most partitions one step covers: a whole number ≥ 1 (1 = one step per partition, the default) or `'all'`. */
  readonly maxPartitionsPerStep?: number | 'all';
  /**
   * The output column that places each row in its partition; required when a step may cover more
   * than one partition. For time-window partitions a DATE, TIMESTAMP or TIMESTAMP WITH TIME ZONE
   * column places a row in the window that contains it (a DATE or TIMESTAMP is wall-clock time in the
   * partitions' time zone); any other column type (and every static, dynamic or multi partition) is
   * compared as text with the partition key.
   */
  readonly partitionColumn?: string;
  /**
   * @deprecated The first form of this policy: `'single-run'` is `maxPartitionsPerStep: 'all'` (or the
   * given number), `'per-partition'` is `maxPartitionsPerStep: 1`.
   */
  readonly mode?: 'per-partition' | 'single-run';
}

/** A validated backfill policy, as `AssetDefinition.backfill` holds it. */
export interface BackfillPolicy {
  /** The most partitions one step covers; 1 means one step per partition. */
  readonly maxPartitionsPerStep: number | 'all';
  /** The output column that places each row in its partition (set whenever steps may cover several). */
  readonly partitionColumn: string | undefined;
}

/** The policy of an asset that declares none: one step per partition. */
export const PER_PARTITION_BACKFILL: BackfillPolicy = Object.freeze({ maxPartitionsPerStep: 1, partitionColumn: undefined });

/**
 * Checks a declared backfill policy and returns it normalized; throws `QUARRY_BAD_DEFINITION` naming
 * the bad value and what to write instead.
 */
export function resolveBackfillPolicy(
  config: BackfillPolicyConfig | undefined,
  assetKey: string,
  asset: { readonly partitioned: boolean; readonly columns: readonly string[] | undefined },
): BackfillPolicy {
  if (config === undefined) return PER_PARTITION_BACKFILL;
  const where = `Asset "${assetKey}": backfill`;
  if (typeof config !== 'object' || config === null) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `${where} must be an object such as { maxPartitionsPerStep: 100, partitionColumn: 'day' }, got ${JSON.stringify(config)}.`);
  }
  if (config.mode !== undefined && config.mode !== 'per-partition' && config.mode !== 'single-run') {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `${where}.mode is ${JSON.stringify(config.mode)}; write backfill: { maxPartitionsPerStep: N | 'all', partitionColumn } instead.`);
  }
  const declared = config.maxPartitionsPerStep ?? (config.mode === 'single-run' ? 'all' : 1);
  if (config.mode === 'per-partition' && declared !== 1) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `${where} says mode 'per-partition' with maxPartitionsPerStep ${JSON.stringify(declared)}; drop mode and keep maxPartitionsPerStep.`);
  }
  if (declared !== 'all' && !(typeof declared === 'number' && Number.isSafeInteger(declared) && declared >= 1)) {
    throw new QuarryError(
      'QUARRY_BAD_DEFINITION',
      `${where}.maxPartitionsPerStep is ${JSON.stringify(declared) ?? String(declared)}; use a whole number ≥ 1 (1 = one step per partition) or 'all'.`,
      { details: { maxPartitionsPerStep: String(declared) } },
    );
  }
  const column = config.partitionColumn;
  if (column !== undefined && (typeof column !== 'string' || column.trim() === '')) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `${where}.partitionColumn is ${JSON.stringify(column)}; name the output column that places each row in its partition.`);
  }
  if (declared === 1) return Object.freeze({ maxPartitionsPerStep: 1, partitionColumn: column });
  if (!asset.partitioned) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `${where}.maxPartitionsPerStep is ${JSON.stringify(declared)}, but the asset has no partitions; range steps batch partitions, so drop backfill or add partitions.`);
  }
  if (column === undefined) {
    throw new QuarryError(
      'QUARRY_BAD_DEFINITION',
      `${where}.maxPartitionsPerStep is ${JSON.stringify(declared)}, so one step writes several partitions, but no partitionColumn says which partition a row belongs to. ` +
        `Add partitionColumn: the output column holding the row's date or time (time partitions) or its partition key.`,
    );
  }
  if (asset.columns !== undefined && !asset.columns.includes(column)) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `${where}.partitionColumn "${column}" is not a column of the asset's schema (${asset.columns.join(', ')}).`, { details: { partitionColumn: column } });
  }
  return Object.freeze({ maxPartitionsPerStep: declared, partitionColumn: column });
}

/**
 * Why an asset that declares range steps still runs one partition per step, or undefined when it
 * runs as declared: a self-dependent asset reads its own earlier partitions, which a step over a range
 * would read before it has written them.
 */
export function unbatchedReason(asset: { readonly backfill: BackfillPolicy; readonly selfDependency: { readonly name: string } | undefined }): string | undefined {
  if (asset.backfill.maxPartitionsPerStep === 1) return undefined;
  if (asset.selfDependency !== undefined) {
    return `self-dependent (reads its own earlier partitions through "${asset.selfDependency.name}"), so each partition waits for the one before and is never batched`;
  }
  return undefined;
}

/** How many partitions one step of `asset` covers at most (Infinity for `'all'`), after `unbatchedReason`. */
export function partitionsPerStep(asset: { readonly backfill: BackfillPolicy; readonly selfDependency: { readonly name: string } | undefined }): number {
  if (unbatchedReason(asset) !== undefined) return 1;
  const max = asset.backfill.maxPartitionsPerStep;
  return max === 'all' ? Number.POSITIVE_INFINITY : max;
}
