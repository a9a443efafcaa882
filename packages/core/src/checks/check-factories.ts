import { parseAssetKey, type RowSchema } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
import {
  CHECK_KIND_DIMENSIONS,
  type AcceptedRangeCheck,
  type AcceptedValuesCheck,
  type AggregateReconciliationCheck,
  type CheckDeclarationBase,
  type CheckKind,
  type CheckSeverity,
  type CustomSqlCheck,
  type FreshnessCheck,
  type NotNullCheck,
  type NullPercentageCheck,
  type QualityDimension,
  type RangeBound,
  type ReconciliationSide,
  type ReferentialIntegrityCheck,
  type RowCountChangeCheck,
  type RowCountCheck,
  type SchemaContractCheck,
  type UniqueCheck,
  type ZScoreAggregate,
  type ZScoreCheck,
} from './check-declaration.ts';
import { normalizeThreshold, parseDecimal, formatRational, type CheckThreshold, type ThresholdBound, type ThresholdCondition } from './check-threshold.ts';

/**
 * Options every check factory takes. Without `errorIf` / `warnIf` a check breaches on its own
 * bounds (`max`, `min`, …) or on any failing row.
 */
export interface CheckOptions {
  /** The check's name in results, unique per asset (1–200 letters, digits, `_ . : -`); defaults to the kind and its columns (`not_null_creator_id`). */
  name?: string;
  /** A sentence for people, shown with the results. */
  description?: string;
  /** What a breach of the check's own condition means: `'error'` (default) fails it, `'warn'` (the default when only `warnIf` is given) warns. */
  severity?: CheckSeverity;
  /** A failed or errored blocking check stops the partition from being published (write–audit–publish) and blocks its downstream. Default false. */
  blocking?: boolean;
  /** The quality dimension the check counts towards in the 0–100 score; defaults to the kind's own (uniqueness for `unique`, …). */
  dimension?: QualityDimension;
  /** Thresholds on the failing count, failing ratio or observed value (`{ ratio: '>0.01' }`) above which the check warns. */
  warnIf?: CheckThreshold;
  /** Thresholds on the failing count, failing ratio or observed value (`{ count: '>10' }`) above which the check fails, instead of its own bounds. */
  errorIf?: CheckThreshold;
}

const ANY_FAILING: readonly ThresholdCondition[] = Object.freeze([Object.freeze({ count: '>0' as ThresholdBound })]);
const CHECK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}$/;
const DIMENSIONS: readonly QualityDimension[] = ['validity', 'completeness', 'uniqueness', 'consistency', 'timeliness'];

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'x';
}

function columnList(value: string | readonly string[], what: string): readonly string[] {
  const list = typeof value === 'string' ? [value] : [...(value ?? [])];
  if (list.length === 0 || list.some((c) => typeof c !== 'string' || c.trim() === '')) {
    throw new QuarryError('QUARRY_BAD_CHECK', `${what}: columns must be one or more non-empty column names, got ${JSON.stringify(value)}.`);
  }
  return Object.freeze(list);
}

function bound(value: number, what: string): ThresholdBound {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new QuarryError('QUARRY_BAD_CHECK', `${what} must be a finite number, got ${JSON.stringify(value)}.`);
  }
  return String(value) as ThresholdBound;
}

/**
 * Builds the frozen base of a declaration, resolving severity and the two threshold lists from the
 * user's options, the kind's own bounds (`derived`) and its default condition (`fallback`).
 */
function base<Kind extends CheckKind>(
  kind: Kind,
  defaultName: string,
  options: CheckOptions | undefined,
  derived: readonly ThresholdCondition[],
  fallback: readonly ThresholdCondition[] | undefined,
): CheckDeclarationBase<Kind> {
  const name = options?.name ?? defaultName;
  if (typeof name !== 'string' || !CHECK_NAME.test(name)) {
    throw new QuarryError(
      'QUARRY_BAD_CHECK',
      `Check name ${JSON.stringify(name)} is not allowed: use 1–200 letters, digits, _, ., : or -, starting with a letter, digit or _.`,
    );
  }
  const where = `Check "${name}"`;
  const explicitError = normalizeThreshold(options?.errorIf, where);
  const explicitWarn = normalizeThreshold(options?.warnIf, where);
  if (options?.severity !== undefined && options.severity !== 'warn' && options.severity !== 'error') {
    throw new QuarryError('QUARRY_BAD_CHECK', `${where}: severity ${JSON.stringify(options.severity)} is unknown; use 'warn' or 'error'.`);
  }
  const severity: CheckSeverity =
    options?.severity ?? (explicitWarn.length > 0 && explicitError.length === 0 && derived.length === 0 ? 'warn' : 'error');
  if (severity === 'warn' && explicitError.length > 0) {
    throw new QuarryError('QUARRY_BAD_CHECK', `${where}: a 'warn' check cannot fail, so errorIf has no effect; drop errorIf or use severity 'error'.`);
  }
  if (derived.length > 0 && explicitError.length > 0) {
    throw new QuarryError('QUARRY_BAD_CHECK', `${where}: give the check's own bounds or errorIf, not both.`);
  }
  let errorIf: readonly ThresholdCondition[] = [];
  let warnIf: readonly ThresholdCondition[] = explicitWarn;
  const own = derived.length > 0 ? derived : (fallback ?? []);
  if (severity === 'error') errorIf = explicitError.length > 0 ? explicitError : own;
  else warnIf = [...explicitWarn, ...(derived.length > 0 || explicitWarn.length === 0 ? own : [])];
  if (errorIf.length === 0 && warnIf.length === 0) {
    throw new QuarryError('QUARRY_BAD_CHECK', `${where}: nothing can breach it. Give its bounds, or errorIf / warnIf such as { value: '>100' }.`);
  }
  const dimension = options?.dimension ?? CHECK_KIND_DIMENSIONS[kind];
  if (!DIMENSIONS.includes(dimension)) {
    throw new QuarryError('QUARRY_BAD_CHECK', `${where}: dimension ${JSON.stringify(dimension)} is unknown; use one of ${DIMENSIONS.join(', ')}.`);
  }
  return {
    name,
    kind,
    description: options?.description,
    severity,
    blocking: options?.blocking ?? false,
    dimension,
    warnIf: Object.freeze([...warnIf]),
    errorIf: Object.freeze([...errorIf]),
  };
}

/**
 * A schema contract: the target has every column of the zod schema with a compatible type (and,
 * with `allowExtraColumns: false`, no other column), no required (neither optional nor nullable)
 * column holds NULL, and a typed column stored as text holds only text of its type. Each failing
 * column counts once; its sample entry names the problem and the number of rows. Without a schema,
 * the asset's own schema given to `evaluateChecks` is used.
 *
 * ```ts
 * checks: [schemaContract(creatorSchema, { blocking: true })]
 * ```
 */
export function schemaContract(
  /** The zod schema the target must follow; defaults to the asset's own schema. */
  schema?: RowSchema,
  options?: CheckOptions & {
    /** Whether the target may have columns the schema does not name. Default true. */
    allowExtraColumns?: boolean;
  },
): SchemaContractCheck {
  return Object.freeze({
    ...base('schemaContract', 'schema_contract', options, [], ANY_FAILING),
    schema,
    allowExtraColumns: options?.allowExtraColumns ?? true,
  });
}

/**
 * No row may have a NULL in any of `columns`; failing rows are those with at least one NULL.
 *
 * ```ts
 * notNull(['creator_id', 'handle'])
 * ```
 */
export function notNull(
  /** The column, or columns, that must not hold NULL. */
  columns: string | readonly string[],
  options?: CheckOptions,
): NotNullCheck {
  const list = columnList(columns, 'notNull');
  return Object.freeze({ ...base('notNull', `not_null_${slug(list.join('_'))}`, options, [], ANY_FAILING), columns: list });
}

/**
 * The NULL share of `column` must not exceed `max` percent: with `max: 5`, 5.00 % passes and
 * 5.01 % breaches (the comparison is exact).
 *
 * ```ts
 * nullPercentage('bio', { max: 5, severity: 'warn' })   // the design's "alert if > 5 %"
 * ```
 */
export function nullPercentage(
  /** The column whose NULL share is measured. */
  column: string,
  options: CheckOptions & {
    /** The largest accepted NULL share, in percent (0–100). */
    max: number;
  },
): NullPercentageCheck {
  const [col] = columnList(column, 'nullPercentage');
  const max = options?.max;
  const exact = parseDecimal(bound(max, `nullPercentage("${col}") max`));
  if (!exact || max < 0 || max > 100) {
    throw new QuarryError('QUARRY_BAD_CHECK', `nullPercentage("${col}"): max is a percentage between 0 and 100, got ${JSON.stringify(max)}.`);
  }
  const ratio = formatRational({ n: exact.n, d: exact.d * 100n });
  return Object.freeze({
    ...base('nullPercentage', `null_percentage_${slug(col!)}`, options, [{ ratio: `>${ratio}` as ThresholdBound }], undefined),
    column: col!,
    maxPercent: max,
  });
}

/**
 * Non-null values of `column` must lie within the range; `inclusive` (default true) says whether
 * the bounds themselves are accepted. Bounds may be numbers, bigints, Dates or date/timestamp text.
 *
 * ```ts
 * acceptedRange('engagement_rate', { min: 0, max: 1 })
 * ```
 */
export function acceptedRange(
  /** The column whose values are checked. */
  column: string,
  options: CheckOptions & {
    /** The lowest accepted value (a number, bigint, Date or date/timestamp text); give min, max or both. */
    min?: RangeBound;
    /** The highest accepted value (a number, bigint, Date or date/timestamp text); give min, max or both. */
    max?: RangeBound;
    /** Whether `min` and `max` themselves are accepted. Default true. */
    inclusive?: boolean;
  },
): AcceptedRangeCheck {
  const [col] = columnList(column, 'acceptedRange');
  if (options?.min === undefined && options?.max === undefined) {
    throw new QuarryError('QUARRY_BAD_CHECK', `acceptedRange("${col}") needs min, max or both.`);
  }
  for (const b of [options.min, options.max]) {
    if (b === undefined) continue;
    const ok = typeof b === 'bigint' || typeof b === 'string' || (typeof b === 'number' && Number.isFinite(b)) || (b instanceof Date && !Number.isNaN(b.getTime()));
    if (!ok) throw new QuarryError('QUARRY_BAD_CHECK', `acceptedRange("${col}"): bound ${String(b)} must be a finite number, bigint, Date or date text.`);
  }
  return Object.freeze({
    ...base('acceptedRange', `accepted_range_${slug(col!)}`, options, [], ANY_FAILING),
    column: col!,
    min: options.min,
    max: options.max,
    inclusive: options.inclusive ?? true,
  });
}

/**
 * Non-null values of `column` must be one of `values`.
 *
 * ```ts
 * acceptedValues('category', ['dance', 'comedy', 'food'])
 * ```
 */
export function acceptedValues(
  /** The column whose values are checked. */
  column: string,
  /** The accepted values. */
  values: readonly (string | number | boolean)[],
  options?: CheckOptions,
): AcceptedValuesCheck {
  const [col] = columnList(column, 'acceptedValues');
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => !['string', 'number', 'boolean'].includes(typeof v))) {
    throw new QuarryError('QUARRY_BAD_CHECK', `acceptedValues("${col}"): values must be a non-empty list of strings, numbers or booleans.`);
  }
  return Object.freeze({
    ...base('acceptedValues', `accepted_values_${slug(col!)}`, options, [], ANY_FAILING),
    column: col!,
    values: Object.freeze([...values]),
  });
}

/**
 * The tuple of `columns` must be unique. Rows with a NULL in any key column are ignored (as SQL
 * UNIQUE does); failing rows are the surplus copies (`rows − distinct keys`).
 *
 * ```ts
 * unique(['creator_id', 'snapshot_date'])
 * ```
 */
export function unique(
  /** The column, or the columns whose tuple, must be unique. */
  columns: string | readonly string[],
  options?: CheckOptions,
): UniqueCheck {
  const list = columnList(columns, 'unique');
  return Object.freeze({ ...base('unique', `unique_${slug(list.join('_'))}`, options, [], ANY_FAILING), columns: list });
}

/**
 * Every non-null value of `column` must exist in `column` of the asset `to` (an asset key or the
 * asset itself); the referenced relation is `relations.references[to]` at evaluation time.
 *
 * ```ts
 * referentialIntegrity('creator_id', { to: creators, column: 'creator_id' })
 * ```
 */
export function referentialIntegrity(
  /** The column (or columns) of the target whose non-null values must exist upstream. */
  column: string | readonly string[],
  options: CheckOptions & {
    /** The referenced asset: its key or the asset itself. Checking it orders this asset after it. */
    to: string | { readonly key: string };
    /** The referenced column(s) in `to`; defaults to the same names as `column`. */
    column?: string | readonly string[];
  },
): ReferentialIntegrityCheck {
  const columns = columnList(column, 'referentialIntegrity');
  const to = parseAssetKey(typeof options?.to === 'object' && options.to !== null ? options.to.key : options?.to);
  const toColumns = options.column === undefined ? columns : columnList(options.column, 'referentialIntegrity target');
  if (toColumns.length !== columns.length) {
    throw new QuarryError('QUARRY_BAD_CHECK', `referentialIntegrity: ${columns.length} column(s) refer to ${toColumns.length} column(s) of "${to}"; give as many on both sides.`);
  }
  return Object.freeze({
    ...base('referentialIntegrity', `referential_integrity_${slug(columns.join('_'))}`, options, [], ANY_FAILING),
    columns,
    to,
    toColumns,
  });
}

/**
 * The partition's row count must lie within `[min, max]` (both inclusive).
 *
 * ```ts
 * rowCount({ min: 1 })
 * ```
 */
export function rowCount(
  options: CheckOptions & {
    /** The fewest rows a partition may have (inclusive). */
    min?: number;
    /** The most rows a partition may have (inclusive). */
    max?: number;
  },
): RowCountCheck {
  const derived: ThresholdCondition[] = [];
  if (options?.min !== undefined) derived.push({ value: `<${bound(options.min, 'rowCount min')}` as ThresholdBound });
  if (options?.max !== undefined) derived.push({ value: `>${bound(options.max, 'rowCount max')}` as ThresholdBound });
  return Object.freeze({ ...base('rowCount', 'row_count', options, derived, undefined), min: options?.min, max: options?.max });
}

/**
 * The row count may change by at most `maxChangeRatio` (0.5 = ±50 %) against the previous
 * partition in `relations.history`; exactly the ratio passes.
 *
 * ```ts
 * rowCountChange({ maxChangeRatio: 0.5, severity: 'warn' })
 * ```
 */
export function rowCountChange(
  options: CheckOptions & {
    /** The largest accepted change of the row count against the previous partition, as a ratio (0.5 = ±50 %). */
    maxChangeRatio: number;
  },
): RowCountChangeCheck {
  const max = options?.maxChangeRatio;
  if (typeof max !== 'number' || !(max >= 0) || !Number.isFinite(max)) {
    throw new QuarryError('QUARRY_BAD_CHECK', `rowCountChange: maxChangeRatio must be a number ≥ 0 (0.5 = ±50 %), got ${JSON.stringify(max)}.`);
  }
  return Object.freeze({
    ...base('rowCountChange', 'row_count_change', options, [{ value: `>${bound(max, 'maxChangeRatio')}` as ThresholdBound }], undefined),
    maxChangeRatio: max,
  });
}

/**
 * The newest value of `column` must be at most `maxAgeHours` older than the partition's window end
 * (or the wall clock with `relativeTo: 'now'`). An empty partition is stale.
 *
 * ```ts
 * freshness('updated_at', { maxAgeHours: 24 })
 * ```
 */
export function freshness(
  /** The timestamp column whose newest value is checked. */
  column: string,
  options: CheckOptions & {
    /** How many hours the newest value may lag behind. */
    maxAgeHours: number;
    /** What "now" is: the partition's window end (`'partitionEnd'`, the default) or the wall clock (`'now'`). */
    relativeTo?: 'partitionEnd' | 'now';
  },
): FreshnessCheck {
  const [col] = columnList(column, 'freshness');
  const hours = options?.maxAgeHours;
  if (typeof hours !== 'number' || !(hours >= 0) || !Number.isFinite(hours)) {
    throw new QuarryError('QUARRY_BAD_CHECK', `freshness("${col}"): maxAgeHours must be a number ≥ 0, got ${JSON.stringify(hours)}.`);
  }
  const relativeTo = options.relativeTo ?? 'partitionEnd';
  if (relativeTo !== 'partitionEnd' && relativeTo !== 'now') {
    throw new QuarryError('QUARRY_BAD_CHECK', `freshness("${col}"): relativeTo must be 'partitionEnd' or 'now', got ${JSON.stringify(relativeTo)}.`);
  }
  return Object.freeze({
    ...base('freshness', `freshness_${slug(col!)}`, options, [{ value: `>${bound(hours, 'maxAgeHours')}` as ThresholdBound }], undefined),
    column: col!,
    maxAgeHours: hours,
    relativeTo,
  });
}

const AGGREGATES: readonly ZScoreAggregate[] = ['sum', 'avg', 'min', 'max', 'count'];

function aggregateOf(value: unknown, what: string): ZScoreAggregate {
  const agg = (value ?? 'sum') as ZScoreAggregate;
  if (!AGGREGATES.includes(agg)) {
    throw new QuarryError('QUARRY_BAD_CHECK', `${what}: aggregate ${JSON.stringify(value)} is unknown; use one of ${AGGREGATES.join(', ')}.`);
  }
  return agg;
}

/**
 * A z-score anomaly check against the asset's own earlier partitions (`relations.history`): per
 * key of `by` (or once per partition without `by`), the current aggregate must lie within
 * `threshold` population standard deviations of the last `window` partitions' values;
 * exactly `threshold` passes. Keys with fewer than `minHistory` (default 3) earlier values are
 * skipped; a key whose history never varied fails on any change.
 *
 * ```ts
 * zScore({ value: 'follower_delta', by: 'creator_id', window: 30, threshold: 3 })
 * zScore({ metric: 'count(*)', window: 30, threshold: 3, name: 'daily_row_count_anomaly' })
 * ```
 */
export function zScore(
  options: CheckOptions & {
    /** The column aggregated per key and partition; give `value` or `metric`. */
    value?: string;
    /** A SQL aggregate expression instead of a column (`'count(*)'`); give `value` or `metric`. */
    metric?: string;
    /** How `value` is aggregated: `sum` (default), `avg`, `min`, `max` or `count`. */
    aggregate?: ZScoreAggregate;
    /** Key column(s): one z-score per key; without it, one per partition. */
    by?: string | readonly string[];
    /** How many earlier partitions make the history (≥ 2). */
    window: number;
    /** How many population standard deviations a value may lie from the history's mean; exactly `threshold` passes. */
    threshold: number;
    /** Keys with fewer earlier values are skipped; default min(3, window). */
    minHistory?: number;
  },
): ZScoreCheck {
  if ((options?.value === undefined) === (options?.metric === undefined)) {
    throw new QuarryError('QUARRY_BAD_CHECK', `zScore needs exactly one of value (a column) or metric (a SQL aggregate such as 'count(*)').`);
  }
  if (options.metric !== undefined && (typeof options.metric !== 'string' || options.metric.trim() === '')) {
    throw new QuarryError('QUARRY_BAD_CHECK', `zScore: metric must be a non-empty SQL aggregate expression such as 'count(*)'.`);
  }
  const value = options.value === undefined ? undefined : columnList(options.value, 'zScore value')[0];
  const by = options.by === undefined ? Object.freeze([]) : columnList(options.by, 'zScore by');
  const { window, threshold } = options;
  if (!Number.isInteger(window) || window < 2) {
    throw new QuarryError('QUARRY_BAD_CHECK', `zScore: window is a whole number of earlier partitions ≥ 2, got ${JSON.stringify(window)}.`);
  }
  if (typeof threshold !== 'number' || !(threshold > 0) || !Number.isFinite(threshold)) {
    throw new QuarryError('QUARRY_BAD_CHECK', `zScore: threshold is a number of standard deviations > 0, got ${JSON.stringify(threshold)}.`);
  }
  const minHistory = options.minHistory ?? Math.min(3, window);
  if (!Number.isInteger(minHistory) || minHistory < 1 || minHistory > window) {
    throw new QuarryError('QUARRY_BAD_CHECK', `zScore: minHistory must be a whole number between 1 and window (${window}), got ${JSON.stringify(minHistory)}.`);
  }
  const subject = value ?? 'metric';
  return Object.freeze({
    ...base('zScore', `z_score_${slug(subject)}${by.length ? `_by_${slug(by.join('_'))}` : ''}`, options, [], ANY_FAILING),
    value,
    aggregate: aggregateOf(options.aggregate, 'zScore'),
    metric: options.metric,
    by,
    window,
    threshold,
    minHistory,
  });
}

/** One side of `aggregateReconciliation` as written by users. */
export interface ReconciliationSideInput {
  /** `'target'` (default) or a referenced asset (key or definition). */
  from?: string | { readonly key: string };
  /** The column aggregated on this side. */
  value: string;
  /** How `value` is aggregated: `sum` (default), `avg`, `min`, `max` or `count`. */
  aggregate?: ZScoreAggregate;
  /** Key columns on this side; defaults to the check's `by`. */
  by?: string | readonly string[];
}

function side(input: ReconciliationSideInput, by: readonly string[], what: string): ReconciliationSide {
  if (typeof input !== 'object' || input === null) {
    throw new QuarryError('QUARRY_BAD_CHECK', `aggregateReconciliation: ${what} must be { from?, value, aggregate?, by? }.`);
  }
  const rawFrom = typeof input.from === 'object' && input.from !== null ? input.from.key : (input.from ?? 'target');
  const from = rawFrom === 'target' ? 'target' : parseAssetKey(rawFrom);
  const sideBy = input.by === undefined ? by : columnList(input.by, `aggregateReconciliation ${what}.by`);
  return Object.freeze({
    from,
    value: columnList(input.value, `aggregateReconciliation ${what}.value`)[0]!,
    aggregate: aggregateOf(input.aggregate, `aggregateReconciliation ${what}`),
    by: sideBy,
  });
}

/**
 * Per key, the aggregate of `left` must match the aggregate of `right` (the expected side) within
 * the tolerance: a key passes when |left − right| ≤ max(absolute, relative × |right|); a key missing
 * on one side counts as 0 there. Without a tolerance the two must be equal.
 *
 * ```ts
 * aggregateReconciliation({
 *   left: { from: videos, value: 'views' },          // sum of video views per creator
 *   right: { value: 'total_views' },                  // the creator row's total (target)
 *   by: 'creator_id',
 *   tolerance: { relative: 0.01 },
 * })
 * ```
 */
export function aggregateReconciliation(
  options: CheckOptions & {
    /** The side being checked. */
    left: ReconciliationSideInput;
    /** The expected side. */
    right: ReconciliationSideInput;
    /** Key columns both sides are grouped by; without it, each side is one total. */
    by?: string | readonly string[];
    /** How far apart the two may be: a key passes when |left − right| ≤ max(absolute, relative × |right|). Default: equal. */
    tolerance?: {
      /** Accepted difference as a share of |right| (0.01 = 1 %). */
      relative?: number;
      /** Accepted absolute difference. */
      absolute?: number;
    };
  },
): AggregateReconciliationCheck {
  const by = options?.by === undefined ? Object.freeze([]) : columnList(options.by, 'aggregateReconciliation by');
  const left = side(options?.left, by, 'left');
  const right = side(options?.right, by, 'right');
  if (left.by.length !== right.by.length) {
    throw new QuarryError('QUARRY_BAD_CHECK', `aggregateReconciliation: left has ${left.by.length} key column(s) and right ${right.by.length}; give as many on both sides.`);
  }
  const { relative, absolute } = options.tolerance ?? {};
  for (const [label, t] of [['relative', relative], ['absolute', absolute]] as const) {
    if (t !== undefined && (typeof t !== 'number' || !(t >= 0) || !Number.isFinite(t))) {
      throw new QuarryError('QUARRY_BAD_CHECK', `aggregateReconciliation: tolerance.${label} must be a number ≥ 0, got ${JSON.stringify(t)}.`);
    }
  }
  return Object.freeze({
    ...base('aggregateReconciliation', `aggregate_reconciliation_${slug(left.value)}_${slug(right.value)}`, options, [], ANY_FAILING),
    left,
    right,
    relativeTolerance: relative,
    absoluteTolerance: absolute,
  });
}

/**
 * A check in your own SQL. With `returns: 'rows'` (default) the query selects the failing rows;
 * with `returns: 'value'` it selects one row whose first column is judged by `value` thresholds.
 * Placeholders: `{{target}}`, `{{history}}`, `{{ref:asset/key}}`, `{{partition_key}}`,
 * `{{partition_start}}`, `{{partition_end}}`.
 *
 * ```ts
 * customSql({ name: 'engagement_le_one', sql: 'select * from {{target}} where likes > views' })
 * customSql({ name: 'avg_views', returns: 'value', sql: 'select avg(views) from {{target}}', warnIf: { value: '<10' } })
 * ```
 */
export function customSql(
  options: CheckOptions & {
    /** The check's name in results (required here: there are no columns to name it after). */
    name: string;
    /** One SELECT, with the placeholders of docs/reference/sql-parameters.md. */
    sql: string;
    /** `'rows'` (default): the query selects the failing rows; `'value'`: one row whose first column is judged by `value` thresholds. */
    returns?: 'rows' | 'value';
  },
): CustomSqlCheck {
  if (typeof options?.sql !== 'string' || options.sql.trim() === '') {
    throw new QuarryError('QUARRY_BAD_CHECK', `customSql("${options?.name}"): sql must be a non-empty SELECT.`);
  }
  if (typeof options.name !== 'string') {
    throw new QuarryError('QUARRY_BAD_CHECK', `customSql needs a name, such as { name: 'likes_le_views', sql: '…' }.`);
  }
  const returns = options.returns ?? 'rows';
  if (returns !== 'rows' && returns !== 'value') {
    throw new QuarryError('QUARRY_BAD_CHECK', `customSql("${options.name}"): returns must be 'rows' or 'value', got ${JSON.stringify(returns)}.`);
  }
  return Object.freeze({
    ...base('customSql', options.name, options, [], returns === 'rows' ? ANY_FAILING : undefined),
    sql: options.sql.trim().replace(/;\s*$/, ''),
    returns,
  });
}
