import type { RowSchema } from '../definitions/index.ts';
import { isQuarryError, QuarryError } from '../errors.ts';
import type {
  AcceptedRangeCheck,
  AcceptedValuesCheck,
  AggregateReconciliationCheck,
  CheckDeclaration,
  CheckKind,
  CustomSqlCheck,
  FreshnessCheck,
  NotNullCheck,
  NullPercentageCheck,
  RangeBound,
  ReconciliationSide,
  ReferentialIntegrityCheck,
  RowCountChangeCheck,
  RowCountCheck,
  SchemaContractCheck,
  UniqueCheck,
  ZScoreAggregate,
  ZScoreCheck,
} from './check-declaration.ts';
import { checkRelationName, temporalColumnKinds, transpileSql } from '../dialect/index.ts';
import { duckDbCheckDialect, type CheckSqlDialect } from './check-dialect.ts';
import { CHECK_SQL_PLACEHOLDERS, type CheckSqlPlaceholderName } from './check-sql-placeholders.ts';
import type { JsonValue } from './check-result.ts';
import { parseDecimal, ratioOf, rationalToNumber, type Rational } from './check-threshold.ts';
import { inspectRowSchema, type FieldKind } from './zod-field.ts';

/**
 * The relations a check evaluation reads, by name as the engine knows them. Names are inserted into
 * SQL verbatim, so pass a quoted identifier, a qualified name or a table expression
 * (`read_parquet('…')`).
 */
export interface CheckRelations {
  /** The new partition version being audited (a view over the staged file). */
  readonly target: string;
  /** The asset's earlier partitions, with a partition-key column (for zScore and rowCountChange). */
  readonly history?: string;
  /** The partition-key column of `history` (default `_partition_key`); keys must sort chronologically. */
  readonly historyPartitionColumn?: string;
  /** Relations of other assets by asset key (for referentialIntegrity, aggregateReconciliation, customSql). */
  readonly references?: Readonly<Record<string, string>>;
}

/** Per-evaluation facts the compilers need. */
export interface CheckCompileContext {
  readonly dialect: CheckSqlDialect;
  readonly relations: CheckRelations;
  readonly partitionKey: string;
  readonly partitionStart: Date | undefined;
  readonly partitionEnd: Date | undefined;
  readonly now: Date;
  /** The asset's schema, for `schemaContract()` declared without one. */
  readonly schema: RowSchema | undefined;
  /** The audited asset, named in errors of custom SQL that does not compile for the dialect. */
  readonly assetKey?: string;
}

/** What a check measured, before thresholds turn it into a status. */
export interface CheckMeasurement {
  readonly failing: bigint | null;
  readonly total: bigint | null;
  /** The value `value` thresholds compare with (exact where possible; Infinity for "never"). */
  readonly value: Rational | number | null;
  /** The value stored in the result (JSON number). */
  readonly observedValue: number | null;
  readonly message: string;
  /** A sample computed while measuring (schema mismatches); otherwise the sample query supplies it. */
  readonly sample?: readonly { readonly [key: string]: JsonValue }[];
}

/** Runs one query and returns its rows; the evaluator times and wraps it. */
export type CheckQueryFunction = (sql: string) => Promise<Record<string, unknown>[]>;

/** Column name → engine type text of the target, when a check needs it. */
export type ColumnTypes = ReadonlyMap<string, string>;

/** The values a check's aggregates got in the two shared passes over the target. */
export interface PassValues {
  readonly stats: readonly unknown[];
  readonly scan: readonly unknown[];
}

/** How one kind compiles and measures. */
export interface CheckHandler<C extends CheckDeclaration> {
  /**
   * `count(*)`, `min` and `max` aggregates over the target, evaluated in the shared statistics pass
   * (DuckDB answers them from Parquet metadata without reading the data).
   */
  stats?(check: C, ctx: CheckCompileContext, columns: ColumnTypes | undefined): readonly string[];
  /**
   * Aggregates of the shared full pass over the target, knowing the statistics pass's values, or
   * `undefined` for them when the dialect runs both passes as one query.
   */
  scan(check: C, ctx: CheckCompileContext, columns: ColumnTypes | undefined, stats: readonly unknown[] | undefined): readonly string[];
  /** True when the kind needs the target's column types (one cheap DESCRIBE). */
  needsColumns?(check: C, ctx: CheckCompileContext): boolean;
  /** The queries the check runs besides the shared passes, as `compileCheckQueries` shows them. */
  queries(check: C, ctx: CheckCompileContext): readonly string[];
  /** Turns the pass values (and its own queries) into a measurement. */
  measure(check: C, ctx: CheckCompileContext, values: PassValues, total: bigint, run: CheckQueryFunction, columns: ColumnTypes | undefined): Promise<CheckMeasurement>;
  /** A query returning up to `limit` failing rows, when the kind has row samples. */
  sample?(check: C, ctx: CheckCompileContext, limit: number): string | undefined;
}

/** Reads an engine number (number, bigint or numeric text) as a bigint; null for NULL. */
export function toBigIntValue(value: unknown): bigint | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? BigInt(Math.trunc(value)) : null;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return BigInt(value.trim());
  if (typeof value === 'string') {
    const n = Number(value);
    return Number.isFinite(n) ? BigInt(Math.trunc(n)) : null;
  }
  return null;
}

/** Reads an engine number as a JavaScript number; null for NULL or non-numbers. */
export function toNumberValue(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isNaN(n) && value.trim() !== 'NaN' ? null : n;
  }
  return null;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function exactOf(value: unknown): Rational | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return { n: value, d: 1n };
  if (typeof value === 'string') {
    const r = parseDecimal(value);
    if (r) return r;
  }
  return toNumberValue(value);
}

function fmt(n: bigint | number | null): string {
  if (n === null) return 'NULL';
  return typeof n === 'bigint' ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 4 });
}

function percent(failing: bigint, total: bigint): string {
  if (total === 0n) return '0 %';
  return `${(rationalToNumber(ratioOf(failing * 100n, total))).toLocaleString('en-US', { maximumFractionDigits: 4 })} %`;
}

function missingRelation(what: string, hint: string): never {
  throw new QuarryError('QUARRY_BAD_CHECK', `${what}. ${hint}`);
}

function referenceRelation(ctx: CheckCompileContext, key: string, check: string): string {
  if (key === 'target') return ctx.relations.target;
  const relation = ctx.relations.references?.[key];
  if (!relation) {
    missingRelation(`Check "${check}" reads asset "${key}", but relations.references has no relation for it`, `Pass references: { '${key}': '<relation name>' } to evaluateChecks.`);
  }
  return relation;
}

function historyRelation(ctx: CheckCompileContext, check: string): { relation: string; pk: string } {
  const relation = ctx.relations.history;
  if (!relation) {
    missingRelation(`Check "${check}" compares with earlier partitions, but relations.history is not set`, `Pass history: '<view over earlier partitions with a ${ctx.relations.historyPartitionColumn ?? '_partition_key'} column>'.`);
  }
  return { relation, pk: ctx.dialect.ident(ctx.relations.historyPartitionColumn ?? '_partition_key') };
}

function rowSample(ctx: CheckCompileContext, condition: string, limit: number): string {
  return `SELECT * FROM ${ctx.relations.target} WHERE ${condition} LIMIT ${limit}`;
}

// ---------------------------------------------------------------------------------------------
// Per-kind handlers

const notNullHandler: CheckHandler<NotNullCheck> = {
  scan: (c, ctx) => [ctx.dialect.countIf(nullCondition(c, ctx))],
  queries: () => [],
  async measure(c, _ctx, { scan }, total) {
    const failing = toBigIntValue(scan[0]) ?? 0n;
    return {
      failing,
      total,
      value: { n: failing, d: 1n },
      observedValue: Number(failing),
      message: `${fmt(failing)} of ${fmt(total)} rows (${percent(failing, total)}) have a NULL in ${c.columns.join(', ')}.`,
    };
  },
  sample: (c, ctx, limit) => rowSample(ctx, nullCondition(c, ctx), limit),
};

function nullCondition(c: NotNullCheck, ctx: CheckCompileContext): string {
  return c.columns.map((col) => `${ctx.dialect.ident(col)} IS NULL`).join(' OR ');
}

const nullPercentageHandler: CheckHandler<NullPercentageCheck> = {
  scan: (c, ctx) => [ctx.dialect.countIf(`${ctx.dialect.ident(c.column)} IS NULL`)],
  queries: () => [],
  async measure(c, _ctx, { scan }, total) {
    const failing = toBigIntValue(scan[0]) ?? 0n;
    const pct = ratioOf(failing * 100n, total);
    return {
      failing,
      total,
      value: pct,
      observedValue: rationalToNumber(pct),
      message: `${percent(failing, total)} of ${fmt(total)} rows have a NULL in ${c.column} (${fmt(failing)} rows; at most ${c.maxPercent} % allowed).`,
    };
  },
  sample: (c, ctx, limit) => rowSample(ctx, `${ctx.dialect.ident(c.column)} IS NULL`, limit),
};

function boundLiteral(ctx: CheckCompileContext, value: RangeBound): string {
  return ctx.dialect.literal(value);
}

function rangeCondition(c: AcceptedRangeCheck, ctx: CheckCompileContext): string {
  const col = ctx.dialect.ident(c.column);
  const inside: string[] = [];
  if (c.min !== undefined) inside.push(`${col} ${c.inclusive ? '>=' : '>'} ${boundLiteral(ctx, c.min)}`);
  if (c.max !== undefined) inside.push(`${col} ${c.inclusive ? '<=' : '<'} ${boundLiteral(ctx, c.max)}`);
  return `${col} IS NOT NULL AND NOT (${inside.join(' AND ')})`;
}

function rangeSettled(c: AcceptedRangeCheck, ctx: CheckCompileContext): string {
  const col = ctx.dialect.ident(c.column);
  const inside: string[] = [];
  if (c.min !== undefined) inside.push(`min(${col}) ${c.inclusive ? '>=' : '>'} ${boundLiteral(ctx, c.min)}`);
  if (c.max !== undefined) inside.push(`max(${col}) ${c.inclusive ? '<=' : '<'} ${boundLiteral(ctx, c.max)}`);
  // All NULL (or no rows): nothing can be out of range.
  return `coalesce(${inside.join(' AND ')}, TRUE)`;
}

const acceptedRangeHandler: CheckHandler<AcceptedRangeCheck> = {
  // When the column's min and max lie inside the range no row can fail, and the full pass skips it.
  stats: (c, ctx) => [`min(${ctx.dialect.ident(c.column)})`, `max(${ctx.dialect.ident(c.column)})`, rangeSettled(c, ctx)],
  scan: (c, ctx, _columns, stats) => (isTrue(stats?.[2]) ? [] : [ctx.dialect.countIf(rangeCondition(c, ctx))]),
  queries: () => [],
  async measure(c, _ctx, { stats, scan }, total) {
    const failing = isTrue(stats[2]) ? 0n : (toBigIntValue(scan[0]) ?? 0n);
    const text = (b: RangeBound) => String(b instanceof Date ? b.toISOString() : b);
    const range =
      (c.min === undefined ? '(−∞' : `${c.inclusive ? '[' : '('}${text(c.min)}`) + ', ' + (c.max === undefined ? '∞)' : `${text(c.max)}${c.inclusive ? ']' : ')'}`);
    return {
      failing,
      total,
      value: { n: failing, d: 1n },
      observedValue: Number(failing),
      message: `${fmt(failing)} of ${fmt(total)} rows have ${c.column} outside ${range} (observed min ${JSON.stringify(toJsonPrimitive(stats[0]))}, max ${JSON.stringify(toJsonPrimitive(stats[1]))}).`,
    };
  },
  sample: (c, ctx, limit) => rowSample(ctx, rangeCondition(c, ctx), limit),
};

function toJsonPrimitive(value: unknown): JsonValue {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  if (value === undefined) return null;
  return value as JsonValue;
}

function valuesCondition(c: AcceptedValuesCheck, ctx: CheckCompileContext): string {
  const col = ctx.dialect.ident(c.column);
  return `${col} IS NOT NULL AND ${col} NOT IN (${c.values.map((v) => ctx.dialect.literal(v)).join(', ')})`;
}

// Grouping first counts each distinct value once: a valid column has at most `values.length` of
// them, and dictionary-encoded Parquet groups without comparing every row's text.
function valuesQuery(c: AcceptedValuesCheck, ctx: CheckCompileContext): string {
  const col = ctx.dialect.ident(c.column);
  return (
    `SELECT coalesce(sum(_q_n), 0) AS failing FROM (SELECT ${col} AS _q_v, count(*) AS _q_n FROM ${ctx.relations.target} WHERE ${col} IS NOT NULL GROUP BY 1) _q_g ` +
    `WHERE _q_v NOT IN (${c.values.map((v) => ctx.dialect.literal(v)).join(', ')})`
  );
}

const acceptedValuesHandler: CheckHandler<AcceptedValuesCheck> = {
  scan: () => [],
  queries: (c, ctx) => [valuesQuery(c, ctx)],
  async measure(c, ctx, _values, total, run) {
    const [row] = await run(valuesQuery(c, ctx));
    const failing = toBigIntValue(row?.failing) ?? 0n;
    return {
      failing,
      total,
      value: { n: failing, d: 1n },
      observedValue: Number(failing),
      message: `${fmt(failing)} of ${fmt(total)} rows have a ${c.column} outside the ${c.values.length} accepted values.`,
    };
  },
  sample: (c, ctx, limit) => rowSample(ctx, valuesCondition(c, ctx), limit),
};

const INTEGER_TYPE = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|INT8|INT16|INT32|INT64)$/i;
// A bitmap of this many bits (16 MiB) per thread is cheaper than hashing every value.
const BITMAP_MAX_RANGE = 1n << 27n;

function uniqueFastPath(c: UniqueCheck, ctx: CheckCompileContext, columns: ColumnTypes | undefined): boolean {
  const only = c.columns.length === 1 ? c.columns[0] : undefined;
  return only !== undefined && ctx.dialect.bitmapDistinct !== undefined && INTEGER_TYPE.test(columns?.get(only) ?? '');
}

/** The key range for a bitmap, when the statistics pass found one small enough. */
function bitmapRange(stats: readonly unknown[] | undefined): { min: bigint; max: bigint } | undefined {
  const min = toBigIntValue(stats?.[0]);
  const max = toBigIntValue(stats?.[1]);
  return min !== null && max !== null && max - min + 1n <= BITMAP_MAX_RANGE ? { min, max } : undefined;
}

function uniqueGeneralQuery(c: UniqueCheck, ctx: CheckCompileContext): string {
  const cols = c.columns.map((col) => ctx.dialect.ident(col));
  const allPresent = cols.map((col) => `${col} IS NOT NULL`).join(' AND ');
  return `SELECT ${ctx.dialect.countIf(allPresent)} AS keyed, ${ctx.dialect.countDistinct(cols)} AS distinct_keys FROM ${ctx.relations.target}`;
}

const uniqueHandler: CheckHandler<UniqueCheck> = {
  needsColumns: (c, ctx) => c.columns.length === 1 && ctx.dialect.bitmapDistinct !== undefined,
  // An integer key: min and max from the statistics pass size a bitmap that the full pass fills.
  stats(c, ctx, columns) {
    if (!uniqueFastPath(c, ctx, columns)) return [];
    const col = ctx.dialect.ident(c.columns[0]!);
    return [`min(${col})`, `max(${col})`];
  },
  scan(c, ctx, columns, stats) {
    const range = bitmapRange(stats);
    if (!uniqueFastPath(c, ctx, columns) || !range) return [];
    const col = ctx.dialect.ident(c.columns[0]!);
    return [`count(${col})`, ctx.dialect.bitmapDistinct!(col, range.min, range.max)];
  },
  queries: (c, ctx) => [uniqueGeneralQuery(c, ctx)],
  async measure(c, ctx, { stats, scan }, total, run, columns) {
    let keyed: bigint;
    let distinct: bigint;
    if (scan.length === 2) {
      keyed = toBigIntValue(scan[0]) ?? 0n;
      distinct = toBigIntValue(scan[1]) ?? 0n;
    } else if (uniqueFastPath(c, ctx, columns) && stats.length === 2 && stats[0] === null) {
      keyed = 0n; // every key is NULL
      distinct = 0n;
    } else {
      const [row] = await run(uniqueGeneralQuery(c, ctx));
      keyed = toBigIntValue(row?.keyed) ?? 0n;
      distinct = toBigIntValue(row?.distinct_keys) ?? 0n;
    }
    const failing = keyed - distinct;
    return {
      failing,
      total,
      value: { n: failing, d: 1n },
      observedValue: Number(failing),
      message: `${fmt(failing)} surplus row(s) share a (${c.columns.join(', ')}) key: ${fmt(distinct)} distinct keys in ${fmt(keyed)} keyed rows.`,
    };
  },
  sample(c, ctx, limit) {
    const cols = c.columns.map((col) => ctx.dialect.ident(col));
    return (
      `SELECT ${cols.join(', ')}, count(*) AS duplicate_count FROM ${ctx.relations.target} ` +
      `WHERE ${cols.map((col) => `${col} IS NOT NULL`).join(' AND ')} GROUP BY ${cols.join(', ')} HAVING count(*) > 1 ` +
      `ORDER BY duplicate_count DESC, ${cols.join(', ')} LIMIT ${limit}`
    );
  },
};

function orphanFrom(c: ReferentialIntegrityCheck, ctx: CheckCompileContext): string {
  const d = ctx.dialect;
  const ref = referenceRelation(ctx, c.to, c.name);
  const keys = c.toColumns.map((col, i) => `${d.ident(col)} AS _q_k${i}`).join(', ');
  const refPresent = c.toColumns.map((col) => `${d.ident(col)} IS NOT NULL`).join(' AND ');
  const on = c.columns.map((col, i) => `_q_t.${d.ident(col)} = _q_r._q_k${i}`).join(' AND ');
  const present = c.columns.map((col) => `_q_t.${d.ident(col)} IS NOT NULL`).join(' AND ');
  return (
    `FROM ${ctx.relations.target} _q_t LEFT JOIN (SELECT DISTINCT ${keys}, TRUE AS _q_found FROM ${ref} WHERE ${refPresent}) _q_r ON ${on} ` +
    `WHERE ${present} AND _q_r._q_found IS NULL`
  );
}

const referentialIntegrityHandler: CheckHandler<ReferentialIntegrityCheck> = {
  scan: () => [],
  queries: (c, ctx) => [`SELECT count(*) AS failing ${orphanFrom(c, ctx)}`],
  async measure(c, ctx, _values, total, run) {
    const [row] = await run(`SELECT count(*) AS failing ${orphanFrom(c, ctx)}`);
    const failing = toBigIntValue(row?.failing) ?? 0n;
    return {
      failing,
      total,
      value: { n: failing, d: 1n },
      observedValue: Number(failing),
      message: `${fmt(failing)} of ${fmt(total)} rows have a ${c.columns.join(', ')} with no match in ${c.to}.${c.toColumns.join(', ')}.`,
    };
  },
  sample: (c, ctx, limit) => `SELECT _q_t.* ${orphanFrom(c, ctx)} LIMIT ${limit}`,
};

const rowCountHandler: CheckHandler<RowCountCheck> = {
  scan: () => [],
  queries: () => [],
  async measure(c, _ctx, _values, total) {
    const bounds = [c.min !== undefined ? `at least ${fmt(c.min)}` : '', c.max !== undefined ? `at most ${fmt(c.max)}` : ''].filter(Boolean).join(' and ');
    return {
      failing: null,
      total,
      value: { n: total, d: 1n },
      observedValue: Number(total),
      message: `${fmt(total)} rows${bounds ? ` (expected ${bounds})` : ''}.`,
    };
  },
};

function previousCountQuery(c: RowCountChangeCheck, ctx: CheckCompileContext): string {
  const { relation, pk } = historyRelation(ctx, c.name);
  const key = ctx.dialect.string(ctx.partitionKey);
  return (
    `SELECT _q_prev.k AS previous_key, (SELECT count(*) FROM ${relation} _q_h WHERE _q_h.${pk} = _q_prev.k) AS previous_count ` +
    `FROM (SELECT max(${pk}) AS k FROM ${relation} WHERE ${pk} < ${key}) _q_prev`
  );
}

const rowCountChangeHandler: CheckHandler<RowCountChangeCheck> = {
  scan: () => [],
  queries: (c, ctx) => [previousCountQuery(c, ctx)],
  async measure(c, ctx, _values, total, run) {
    const [row] = await run(previousCountQuery(c, ctx));
    const previousKey = row?.previous_key;
    const previous = toBigIntValue(row?.previous_count);
    if (previousKey === null || previousKey === undefined || previous === null) {
      return { failing: null, total, value: null, observedValue: null, message: `No partition before "${ctx.partitionKey}" to compare ${fmt(total)} rows with.` };
    }
    const diff = total - previous;
    const absDiff = diff < 0n ? -diff : diff;
    const value: Rational | number = previous === 0n ? (absDiff === 0n ? { n: 0n, d: 1n } : Infinity) : ratioOf(absDiff, previous);
    const signed = previous === 0n ? null : rationalToNumber(ratioOf(diff * 100n, previous));
    return {
      failing: null,
      total,
      value,
      observedValue: typeof value === 'number' ? null : rationalToNumber(value),
      message:
        `${fmt(total)} rows against ${fmt(previous)} in partition "${String(previousKey)}": ` +
        (signed === null ? `from zero rows.` : `${signed >= 0 ? '+' : ''}${signed.toLocaleString('en-US', { maximumFractionDigits: 4 })} % (at most ±${c.maxChangeRatio * 100} % allowed).`),
    };
  },
};

const MICROS_PER_HOUR = 3_600_000_000n;

const freshnessHandler: CheckHandler<FreshnessCheck> = {
  stats: (c, ctx) => [ctx.dialect.epochMicros(`max(${ctx.dialect.ident(c.column)})`)],
  scan: () => [],
  queries: () => [],
  async measure(c, ctx, { stats }, total) {
    const reference = c.relativeTo === 'now' ? ctx.now : (ctx.partitionEnd ?? ctx.now);
    const referenceLabel = c.relativeTo === 'now' || ctx.partitionEnd === undefined ? 'now' : 'the partition end';
    const newest = toBigIntValue(stats[0]);
    if (newest === null) {
      return { failing: null, total, value: Infinity, observedValue: null, message: `No ${c.column} value in ${fmt(total)} rows: the partition is stale.` };
    }
    const ageMicros = BigInt(reference.getTime()) * 1000n - newest;
    const age = ratioOf(ageMicros, MICROS_PER_HOUR);
    const newestIso = new Date(Number(newest / 1000n)).toISOString();
    return {
      failing: null,
      total,
      value: age,
      observedValue: rationalToNumber(age),
      message: `Newest ${c.column} is ${newestIso}, ${rationalToNumber(age).toLocaleString('en-US', { maximumFractionDigits: 6 })} h before ${referenceLabel} (${reference.toISOString()}); at most ${c.maxAgeHours} h allowed.`,
    };
  },
};

function aggregateExpr(ctx: CheckCompileContext, aggregate: ZScoreAggregate, column: string): string {
  const col = ctx.dialect.ident(column);
  return aggregate === 'count' ? `count(${col})` : `${aggregate}(${col})`;
}

function keySelect(ctx: CheckCompileContext, by: readonly string[], prefix = ''): string {
  return by.length === 0 ? `1 AS _q_k0` : by.map((col, i) => `${prefix}${ctx.dialect.ident(col)} AS _q_k${i}`).join(', ');
}

function keyCount(by: readonly string[]): number {
  return Math.max(1, by.length);
}

function keyJoin(ctx: CheckCompileContext, n: number, a: string, b: string): string {
  return Array.from({ length: n }, (_, i) => ctx.dialect.nullSafeEquals(`${a}._q_k${i}`, `${b}._q_k${i}`)).join(' AND ');
}

function keyNames(n: number): string {
  return Array.from({ length: n }, (_, i) => `_q_k${i}`).join(', ');
}

function zScoreScored(c: ZScoreCheck, ctx: CheckCompileContext): string {
  const d = ctx.dialect;
  const { relation, pk } = historyRelation(ctx, c.name);
  const metric = c.metric ?? aggregateExpr(ctx, c.aggregate, c.value!);
  const n = keyCount(c.by);
  const keys = keyNames(n);
  // Without keys the metric is one value per partition; an ungrouped aggregate also covers an empty target.
  const groupHist = c.by.length === 0 ? '1' : Array.from({ length: n + 1 }, (_, i) => i + 1).join(', ');
  const groupCur = c.by.length === 0 ? '' : ` GROUP BY ${Array.from({ length: n }, (_, i) => i + 1).join(', ')}`;
  const x = `CAST(_q_v AS ${d.type('double')})`;
  // |z| > t  ⇔  t_d² (n·v − Σx)² > t_n² (n·Σx² − (Σx)²): no division or square root, so integer
  // data below 2^53 is decided exactly at the threshold (a Welford stddev is off by an ulp).
  const t = parseDecimal(String(c.threshold))!;
  const dev = '(_q_s._q_n * _q_c._q_x - _q_s._q_sx)';
  const spread = 'greatest(_q_s._q_n * _q_s._q_sxx - _q_s._q_sx * _q_s._q_sx, 0)';
  return (
    `WITH _q_parts AS (SELECT DISTINCT ${pk} AS _q_p FROM ${relation} WHERE ${pk} < ${d.string(ctx.partitionKey)} ORDER BY _q_p DESC LIMIT ${c.window}), ` +
    `_q_hist AS (SELECT ${pk} AS _q_p, ${keySelect(ctx, c.by)}, ${metric} AS _q_v FROM ${relation} WHERE ${pk} IN (SELECT _q_p FROM _q_parts) GROUP BY ${groupHist}), ` +
    `_q_stats AS (SELECT ${keys}, count(_q_v) AS _q_n, sum(${x}) AS _q_sx, sum(${x} * ${x}) AS _q_sxx FROM _q_hist GROUP BY ${keys}), ` +
    `_q_cur AS (SELECT ${keySelect(ctx, c.by)}, ${metric} AS _q_v FROM ${ctx.relations.target}${groupCur}), ` +
    `_q_scored AS (SELECT ${Array.from({ length: n }, (_, i) => `_q_c._q_k${i}`).join(', ')}, _q_c._q_v AS _q_v, _q_s._q_sx / _q_s._q_n AS _q_mean, ` +
    `sqrt(${spread}) / _q_s._q_n AS _q_sd, _q_s._q_n AS _q_n, ` +
    `CASE WHEN ${spread} > 0 THEN ${dev} / sqrt(${spread}) END AS _q_z, ` +
    `CASE WHEN ${spread} > 0 THEN ${t.d * t.d} * ${dev} * ${dev} > ${t.n * t.n} * ${spread} ELSE ${dev} <> 0 END AS _q_anomalous ` +
    `FROM (SELECT *, ${x} AS _q_x FROM _q_cur) _q_c JOIN _q_stats _q_s ON ${keyJoin(ctx, n, '_q_c', '_q_s')} WHERE _q_s._q_n >= ${c.minHistory} AND _q_c._q_v IS NOT NULL) `
  );
}

function zScoreQuery(c: ZScoreCheck, ctx: CheckCompileContext): string {
  return `${zScoreScored(c, ctx)}SELECT count(*) AS total, ${ctx.dialect.countIf('_q_anomalous')} AS failing, max(abs(_q_z)) AS max_abs_z FROM _q_scored`;
}

function keyAliases(ctx: CheckCompileContext, by: readonly string[]): string {
  return by.length === 0 ? '' : by.map((col, i) => `_q_k${i} AS ${ctx.dialect.ident(col)}`).join(', ') + ', ';
}

const zScoreHandler: CheckHandler<ZScoreCheck> = {
  scan: () => [],
  queries: (c, ctx) => [zScoreQuery(c, ctx)],
  async measure(c, ctx, _values, _total, run) {
    const [row] = await run(zScoreQuery(c, ctx));
    const failing = toBigIntValue(row?.failing) ?? 0n;
    const keys = toBigIntValue(row?.total) ?? 0n;
    const maxZ = toNumberValue(row?.max_abs_z);
    const subject = c.metric ?? `${c.aggregate}(${c.value})`;
    return {
      failing,
      total: keys,
      value: maxZ,
      observedValue: maxZ,
      message:
        keys === 0n
          ? `No ${c.by.length ? 'key has' : 'history has'} at least ${c.minHistory} earlier partition(s) of ${subject}; nothing to compare.`
          : `${fmt(failing)} of ${fmt(keys)} ${c.by.length ? `${c.by.join(', ')} keys` : 'partition values'} of ${subject} lie more than ${c.threshold} standard deviations from the last ${c.window} partitions (largest |z| ${maxZ === null ? 'n/a' : fmt(maxZ)}).`,
    };
  },
  sample: (c, ctx, limit) =>
    `${zScoreScored(c, ctx)}SELECT ${keyAliases(ctx, c.by)}_q_v AS value, _q_mean AS mean, _q_sd AS stddev, _q_z AS z, _q_n AS history_partitions ` +
    `FROM _q_scored WHERE _q_anomalous ORDER BY abs(_q_z) DESC NULLS FIRST LIMIT ${limit}`,
};

function reconciliationSide(ctx: CheckCompileContext, s: ReconciliationSide, check: string): string {
  const relation = referenceRelation(ctx, s.from, check);
  const group = s.by.length === 0 ? '' : ` GROUP BY ${s.by.map((_, i) => i + 1).join(', ')}`;
  return `SELECT ${keySelect(ctx, s.by)}, ${aggregateExpr(ctx, s.aggregate, s.value)} AS _q_v FROM ${relation}${group}`;
}

function reconciliationScored(c: AggregateReconciliationCheck, ctx: CheckCompileContext): string {
  const d = ctx.dialect;
  const n = keyCount(c.left.by);
  const coalesced = Array.from({ length: n }, (_, i) => `coalesce(_q_l._q_k${i}, _q_r._q_k${i}) AS _q_k${i}`).join(', ');
  const diff = 'abs(_q_lv - _q_rv)';
  const parts: string[] = [];
  if (c.absoluteTolerance !== undefined) parts.push(`${diff} > ${d.literal(c.absoluteTolerance)}`);
  if (c.relativeTolerance !== undefined) {
    const rel = parseDecimal(String(c.relativeTolerance))!;
    parts.push(`${diff} * ${rel.d} > ${rel.n} * abs(_q_rv)`);
  }
  if (parts.length === 0) parts.push(`${diff} > 0`);
  return (
    `WITH _q_l AS (${reconciliationSide(ctx, c.left, c.name)}), _q_r AS (${reconciliationSide(ctx, c.right, c.name)}), ` +
    `_q_j AS (SELECT ${coalesced}, coalesce(_q_l._q_v, 0) AS _q_lv, coalesce(_q_r._q_v, 0) AS _q_rv FROM _q_l FULL OUTER JOIN _q_r ON ${keyJoin(ctx, n, '_q_l', '_q_r')}), ` +
    `_q_scored AS (SELECT *, ${diff} AS _q_diff, (${parts.join(' AND ')}) AS _q_failing FROM _q_j) `
  );
}

function reconciliationQuery(c: AggregateReconciliationCheck, ctx: CheckCompileContext): string {
  return `${reconciliationScored(c, ctx)}SELECT count(*) AS total, ${ctx.dialect.countIf('_q_failing')} AS failing, max(_q_diff) AS max_diff FROM _q_scored`;
}

const aggregateReconciliationHandler: CheckHandler<AggregateReconciliationCheck> = {
  scan: () => [],
  queries: (c, ctx) => [reconciliationQuery(c, ctx)],
  async measure(c, ctx, _values, _total, run) {
    const [row] = await run(reconciliationQuery(c, ctx));
    const failing = toBigIntValue(row?.failing) ?? 0n;
    const keys = toBigIntValue(row?.total) ?? 0n;
    const maxDiff = toNumberValue(row?.max_diff);
    const tol = [c.relativeTolerance !== undefined ? `${c.relativeTolerance * 100} % relative` : '', c.absoluteTolerance !== undefined ? `${c.absoluteTolerance} absolute` : '']
      .filter(Boolean)
      .join(' or ');
    return {
      failing,
      total: keys,
      value: exactOf(row?.max_diff),
      observedValue: maxDiff,
      message:
        `${fmt(failing)} of ${fmt(keys)} ${c.left.by.length ? 'keys' : 'totals'}: ${c.left.aggregate}(${c.left.value}) of ${c.left.from} differs from ` +
        `${c.right.aggregate}(${c.right.value}) of ${c.right.from} beyond ${tol || 'zero'} tolerance (largest difference ${fmt(maxDiff)}).`,
    };
  },
  sample: (c, ctx, limit) =>
    `${reconciliationScored(c, ctx)}SELECT ${keyAliases(ctx, c.left.by)}_q_lv AS left_value, _q_rv AS right_value, _q_diff AS difference ` +
    `FROM _q_scored WHERE _q_failing ORDER BY _q_diff DESC LIMIT ${limit}`,
};

const PLACEHOLDER = /\{\{\s*([A-Za-z_]+)(?::([^}\s]+))?\s*\}\}/g;

/**
 * Replaces `{{target}}`, `{{history}}`, `{{ref:key}}` and `{{partition_*}}` in user SQL. Custom SQL is
 * written in DuckDB's dialect: for another dialect it is transpiled through the dialect layer first
 * (its values as the DuckDB literals it was written against), then its relations are put in.
 */
export function expandCustomSql(sql: string, ctx: CheckCompileContext, check: string): string {
  if (ctx.dialect.name !== 'duckdb') return expandTranspiledCustomSql(sql, ctx, check);
  return sql.replace(PLACEHOLDER, (_m, name: string, arg: string | undefined) => {
    // Typed by CHECK_SQL_PLACEHOLDERS: a case it does not list fails to compile.
    switch (name as CheckSqlPlaceholderName) {
      case 'target':
        return ctx.relations.target;
      case 'history':
        return historyRelation(ctx, check).relation;
      case 'ref':
        if (!arg) break;
        return referenceRelation(ctx, arg, check);
      case 'partition_key':
        return ctx.dialect.string(ctx.partitionKey);
      case 'partition_start':
        return ctx.partitionStart ? ctx.dialect.timestamp(ctx.partitionStart) : 'NULL';
      case 'partition_end':
        return ctx.partitionEnd ? ctx.dialect.timestamp(ctx.partitionEnd) : 'NULL';
    }
    throw new QuarryError(
      'QUARRY_BAD_CHECK',
      `Check "${check}": unknown placeholder {{${name}${arg ? `:${arg}` : ''}}}; use ${CHECK_SQL_PLACEHOLDERS.map((p) => p.syntax).join(', ')}.`,
    );
  });
}

/**
 * Custom check SQL for a dialect other than DuckDB's: `{{partition_*}}` become the DuckDB literals
 * the SQL was written against (a local TIMESTAMP in UTC, which BigQuery reads as a DATETIME), the
 * statement is transpiled (`QUARRY_SQL_UNSUPPORTED` naming the asset and the check when it does not
 * carry over), then the relation placeholders are replaced by the dialect's relations.
 */
function expandTranspiledCustomSql(sql: string, ctx: CheckCompileContext, check: string): string {
  const refs = new Map<string, string>();
  const values = sql.replace(PLACEHOLDER, (all, name: string, arg: string | undefined) => {
    if (name === 'partition_key') return duckDbCheckDialect.string(ctx.partitionKey);
    if (name === 'partition_start' || name === 'partition_end') {
      const value = name === 'partition_start' ? ctx.partitionStart : ctx.partitionEnd;
      return value ? duckDbCheckDialect.timestamp(value) : 'CAST(NULL AS TIMESTAMP)';
    }
    if (name === 'ref' && arg) refs.set(checkRelationName(arg), arg);
    if (name === 'target' || name === 'history' || (name === 'ref' && arg)) return all;
    throw new QuarryError(
      'QUARRY_BAD_CHECK',
      `Check "${check}": unknown placeholder {{${name}${arg ? `:${arg}` : ''}}}; use ${CHECK_SQL_PLACEHOLDERS.map((p) => p.syntax).join(', ')}.`,
    );
  });
  const where = `${ctx.assetKey !== undefined ? `Asset "${ctx.assetKey}", check` : 'Check'} "${check}"`;
  let compiled: string;
  try {
    compiled = transpileSql(values, {
      to: ctx.dialect.name,
      ...(ctx.assetKey !== undefined ? { assetKey: ctx.assetKey } : {}),
      ...(ctx.schema !== undefined ? { columnKinds: temporalColumnKinds([ctx.schema]) } : {}),
    });
  } catch (error) {
    if (isQuarryError(error, 'QUARRY_SQL_UNSUPPORTED') || isQuarryError(error, 'QUARRY_SQL_PARSE')) {
      const reason = error.message.replace(/^Asset "[^"]*": /, '');
      throw new QuarryError(error.code, `${where}: its custom SQL does not compile for ${ctx.dialect.name}: ${reason}`, {
        details: { ...(ctx.assetKey !== undefined ? { assetKey: ctx.assetKey } : {}), check, target: ctx.dialect.name },
      });
    }
    throw error;
  }
  return compiled.replace(/\b__quarry_(target|history|ref__[A-Za-z0-9_]+)\b/g, (_all, name: string) => {
    if (name === 'target') return ctx.relations.target;
    if (name === 'history') return historyRelation(ctx, check).relation;
    return referenceRelation(ctx, refs.get(`__quarry_${name}`) ?? name, check);
  });
}

const customSqlHandler: CheckHandler<CustomSqlCheck> = {
  scan: () => [],
  queries: (c, ctx) =>
    c.returns === 'rows' ? [`SELECT count(*) AS failing FROM (${expandCustomSql(c.sql, ctx, c.name)}) _q_c`] : [`SELECT * FROM (${expandCustomSql(c.sql, ctx, c.name)}) _q_c LIMIT 2`],
  async measure(c, ctx, _values, total, run) {
    const sql = expandCustomSql(c.sql, ctx, c.name);
    if (c.returns === 'rows') {
      const [row] = await run(`SELECT count(*) AS failing FROM (${sql}) _q_c`);
      const failing = toBigIntValue(row?.failing) ?? 0n;
      return { failing, total, value: { n: failing, d: 1n }, observedValue: Number(failing), message: `${fmt(failing)} failing row(s) of ${fmt(total)}.` };
    }
    const rows = await run(`SELECT * FROM (${sql}) _q_c LIMIT 2`);
    if (rows.length !== 1) {
      throw new QuarryError('QUARRY_BAD_CHECK', `Check "${c.name}" returns: 'value' but its SQL returned ${rows.length === 0 ? 'no row' : 'more than one row'}; make it return exactly one row.`);
    }
    const row = rows[0]!;
    const raw = 'value' in row ? row.value : Object.values(row)[0];
    const value = exactOf(raw);
    if (raw !== null && raw !== undefined && value === null) {
      throw new QuarryError('QUARRY_BAD_CHECK', `Check "${c.name}" returned ${JSON.stringify(String(raw))}, which is not a number; return a numeric value.`);
    }
    const observed = toNumberValue(raw);
    return { failing: null, total, value, observedValue: observed, message: `Observed value ${observed === null ? 'NULL' : fmt(observed)}.` };
  },
  sample: (c, ctx, limit) => (c.returns === 'rows' ? `SELECT * FROM (${expandCustomSql(c.sql, ctx, c.name)}) _q_c LIMIT ${limit}` : undefined),
};

const EXPECTED_TYPES: Record<FieldKind, { label: string; test: RegExp }> = {
  int: { label: 'integer', test: /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|INT\d*|(DECIMAL|NUMERIC|BIGNUMERIC)\(\d+,\s*0\))$/i },
  bigint: { label: 'integer', test: /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|INT\d*|(DECIMAL|NUMERIC|BIGNUMERIC)\(\d+,\s*0\))$/i },
  number: { label: 'number', test: /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|INT\d*|FLOAT\d*|DOUBLE|REAL|DECIMAL(\(.*\))?|NUMERIC(\(.*\))?|BIGNUMERIC(\(.*\))?)$/i },
  boolean: { label: 'boolean', test: /^(BOOLEAN|BOOL)$/i },
  string: { label: 'string', test: /^(VARCHAR(\(\d+\))?|STRING(\(\d+\))?|TEXT|UUID|ENUM\(.*\))$/i },
  enum: { label: 'string or enum', test: /^(VARCHAR(\(\d+\))?|STRING(\(\d+\))?|TEXT|ENUM\(.*\))$/i },
  datetime: { label: 'timestamp', test: /^(TIMESTAMP.*|DATETIME|TIMESTAMPTZ)$/i },
  timestamp: { label: 'timestamp', test: /^(TIMESTAMP.*|DATETIME|TIMESTAMPTZ|DATE)$/i },
  date: { label: 'date', test: /^DATE$/i },
  unknown: { label: 'any', test: /.*/ },
};

/** The SQL type a text column's values must cast to for a schema kind, or undefined for text kinds. */
const CAST_TYPE_OF_KIND: Partial<Record<FieldKind, 'bigint' | 'double' | 'boolean' | 'timestamp' | 'date'>> = {
  int: 'bigint',
  bigint: 'bigint',
  number: 'double',
  boolean: 'boolean',
  datetime: 'timestamp',
  timestamp: 'timestamp',
  date: 'date',
};

const TEXT_TYPE = /^(VARCHAR(\(\d+\))?|STRING(\(\d+\))?|TEXT)$/i;

/**
 * The row-level probes of a schema contract over the described columns: for each required
 * (neither optional nor nullable) schema column, the rows holding NULL; for each schema column of a
 * typed kind stored as text, the rows whose text does not cast to that type. In schema order.
 */
function schemaContractProbes(c: SchemaContractCheck, ctx: CheckCompileContext, columns: ColumnTypes | undefined): { column: string; problem: 'null' | 'text'; sql: string }[] {
  const schema = c.schema ?? ctx.schema;
  if (!schema || !columns) return [];
  const probes: { column: string; problem: 'null' | 'text'; sql: string }[] = [];
  for (const field of inspectRowSchema(schema).fields) {
    const type = columns.get(field.name);
    if (type === undefined) continue;
    const column = ctx.dialect.ident(field.name);
    if (!field.optional && !field.nullable) probes.push({ column: field.name, problem: 'null', sql: ctx.dialect.countIf(`${column} IS NULL`) });
    const cast = CAST_TYPE_OF_KIND[field.kind];
    if (cast !== undefined && TEXT_TYPE.test(type.trim())) {
      probes.push({ column: field.name, problem: 'text', sql: ctx.dialect.countIf(`${column} IS NOT NULL AND ${ctx.dialect.tryCast(column, cast)} IS NULL`) });
    }
  }
  return probes;
}

const schemaContractHandler: CheckHandler<SchemaContractCheck> = {
  needsColumns: () => true,
  scan: (c, ctx, columns) => schemaContractProbes(c, ctx, columns).map((p) => p.sql),
  queries: (_c, ctx) => [ctx.dialect.describe(ctx.relations.target)],
  async measure(c, ctx, values, _total, _run, columns) {
    const schema = c.schema ?? ctx.schema;
    if (!schema) {
      throw new QuarryError('QUARRY_BAD_CHECK', `Check "${c.name}" has no schema: pass one to schemaContract(schema) or give the asset's schema to evaluateChecks.`);
    }
    const actual = columns ?? new Map<string, string>();
    const { fields } = inspectRowSchema(schema);
    const mismatches: { [key: string]: JsonValue }[] = [];
    for (const field of fields) {
      const type = actual.get(field.name);
      let expected = EXPECTED_TYPES[field.kind];
      if (field.kind === 'enum' && field.enumValues?.every((v) => typeof v === 'number')) expected = EXPECTED_TYPES.number;
      if (field.kind === 'enum' && field.enumValues?.every((v) => typeof v === 'boolean')) expected = EXPECTED_TYPES.boolean;
      if (type === undefined) mismatches.push({ column: field.name, expected: expected.label, actual: null, problem: 'missing' });
      else if (!expected.test.test(type.trim())) mismatches.push({ column: field.name, expected: expected.label, actual: type, problem: 'type' });
    }
    // Row-level: NULL in a required column, text that is not of the column's kind (as row validation rejects them).
    const probes = schemaContractProbes(c, ctx, columns);
    probes.forEach((probe, i) => {
      const rows = toBigIntValue(values.scan[i]) ?? 0n;
      if (rows === 0n) return;
      const field = fields.find((f) => f.name === probe.column)!;
      mismatches.push(
        probe.problem === 'null'
          ? { column: probe.column, expected: 'no NULL (required)', actual: `${rows} NULL`, problem: 'null_in_required', rows: Number(rows) }
          : { column: probe.column, expected: EXPECTED_TYPES[field.kind].label, actual: `${rows} text value(s) that are not`, problem: 'bad_values', rows: Number(rows) },
      );
    });
    let total = BigInt(fields.length);
    if (!c.allowExtraColumns) {
      const known = new Set(fields.map((f) => f.name));
      for (const [name, type] of actual) {
        if (known.has(name)) continue;
        total += 1n;
        mismatches.push({ column: name, expected: null, actual: type, problem: 'extra' });
      }
    }
    // A column counts once however many problems it has.
    const failing = BigInt(new Set(mismatches.map((m) => m.column)).size);
    const describe = (m: { [key: string]: JsonValue }): string => {
      switch (m.problem) {
        case 'missing':
          return `${m.column} missing`;
        case 'extra':
          return `${m.column} not in the schema`;
        case 'null_in_required':
          return `${m.column} is required but ${m.rows} row(s) hold NULL`;
        case 'bad_values':
          return `${m.column} holds ${m.rows} text value(s) that are not ${m.expected === 'integer' ? 'an integer' : `a ${m.expected}`}`;
        default:
          return `${m.column} is ${m.actual}, expected ${m.expected}`;
      }
    };
    return {
      failing,
      total,
      value: { n: failing, d: 1n },
      observedValue: Number(failing),
      message:
        failing === 0n
          ? `All ${fields.length} schema columns are present with compatible types, and required columns hold no NULL.`
          : `${fmt(failing)} column problem(s): ${mismatches.map(describe).join('; ')}.`,
      sample: mismatches,
    };
  },
};

/** The handler of every built-in kind. */
export const CHECK_HANDLERS: { readonly [K in CheckKind]: CheckHandler<Extract<CheckDeclaration, { kind: K }>> } = Object.freeze({
  schemaContract: schemaContractHandler,
  notNull: notNullHandler,
  nullPercentage: nullPercentageHandler,
  acceptedRange: acceptedRangeHandler,
  acceptedValues: acceptedValuesHandler,
  unique: uniqueHandler,
  referentialIntegrity: referentialIntegrityHandler,
  rowCount: rowCountHandler,
  rowCountChange: rowCountChangeHandler,
  freshness: freshnessHandler,
  zScore: zScoreHandler,
  aggregateReconciliation: aggregateReconciliationHandler,
  customSql: customSqlHandler,
});

/** The handler of a declaration, typed for it. */
export function handlerOf<C extends CheckDeclaration>(check: C): CheckHandler<C> {
  return CHECK_HANDLERS[check.kind] as unknown as CheckHandler<C>;
}

/** One shared pass over the target: `count(*)` (when asked) and every check's aggregates, aliased `_q_<i>`. */
export function scanQuery(ctx: CheckCompileContext, expressions: readonly string[], withCount = true): string {
  const list = [...(withCount ? ['count(*) AS _q_n'] : []), ...expressions.map((e, i) => `${e} AS _q_${i}`)];
  return `SELECT ${list.join(', ')} FROM ${ctx.relations.target}`;
}
