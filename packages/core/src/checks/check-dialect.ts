import { QuarryError } from '../errors.ts';

/** The SQL dialects the checks layer compiles to. */
export type CheckDialectName = 'duckdb' | 'bigquery';

/** Column types the checks layer produces (row validation) or casts to. */
export type SqlLogicalType = 'bigint' | 'integer' | 'double' | 'decimal' | 'varchar' | 'boolean' | 'timestamp' | 'date';

/**
 * The SQL fragments that differ between engines, so check compilers write each query once.
 * Every method returns SQL text; nothing here runs a query.
 */
export interface CheckSqlDialect {
  readonly name: CheckDialectName;
  /**
   * True when a query of only `count(*)`, `min` and `max` is nearly free (DuckDB reads them from
   * Parquet metadata), so checks run a statistics pass before the full pass. False where every pass
   * is billed as a scan (BigQuery): both passes then run as one query.
   */
  readonly statisticsPass: boolean;
  /** Quotes an identifier (`"a b"` / `` `a b` ``). */
  ident(name: string): string;
  /** A string literal. */
  string(value: string): string;
  /** A literal for a JavaScript value: number, bigint, string, boolean, Date (timestamp) or null. */
  literal(value: unknown): string;
  /** A timestamp literal in UTC. */
  timestamp(value: Date): string;
  /** A column type name. */
  type(type: SqlLogicalType): string;
  /** A cast that yields NULL instead of failing. */
  tryCast(expr: string, type: SqlLogicalType): string;
  /** Counts the rows where `condition` is true. */
  countIf(condition: string): string;
  /** Counts distinct non-null tuples of `exprs`. */
  countDistinct(exprs: readonly string[]): string;
  /** Microseconds since the Unix epoch of a timestamp or date expression. */
  epochMicros(expr: string): string;
  /** Capture group 1 of the RE2 `pattern` in `expr` (NULL without a match). */
  regexExtract(expr: string, pattern: string): string;
  /** True when `expr` contains a match of the RE2 `pattern` (like JavaScript's `RegExp.test`). */
  regexContains(expr: string, pattern: string, caseInsensitive: boolean): string;
  /** Median of a numeric expression; `discrete` picks an observed value (for integers). */
  median(expr: string, discrete: boolean): string;
  /** True when a DOUBLE is neither infinite nor NaN. */
  isFinite(expr: string): string;
  /** A query listing `column_name`, `column_type` of a relation. */
  describe(relation: string): string;
  /** Parses text into a UTC timestamp: an explicit offset or `Z` is honoured, text without one is UTC. */
  parseTimestampUtc(expr: string): string;
  /** Casts any value to text. */
  toText(expr: string): string;
  /** The text of a JSON scalar (`"abc"` → `abc`). */
  jsonText(expr: string): string;
  /** `a` equals `b`, with NULL equal to NULL where the engine can join on that. */
  nullSafeEquals(a: string, b: string): string;
  /**
   * Counts distinct values of one integer column whose values lie in `[min, max]` with a bitmap
   * instead of a hash table, or `undefined` when the engine has no such aggregate.
   */
  bitmapDistinct?(expr: string, min: bigint, max: bigint): string;
}

function doubleQuote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function isoParts(value: Date): string {
  if (Number.isNaN(value.getTime())) {
    throw new QuarryError('QUARRY_BAD_CHECK', `Invalid Date given where a timestamp was expected; pass a valid Date.`);
  }
  return value.toISOString().replace('T', ' ').replace('Z', '');
}

function numberLiteral(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  if (!Number.isFinite(value)) {
    throw new QuarryError('QUARRY_BAD_CHECK', `Number ${value} cannot be a SQL literal; use a finite number.`);
  }
  // Decimal text keeps 0.1 exact on engines that read it as DECIMAL/NUMERIC.
  const text = String(value);
  return /e/i.test(text) ? value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '') : text;
}

function makeLiteral(d: Pick<CheckSqlDialect, 'string' | 'timestamp'>, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return numberLiteral(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return d.timestamp(value);
  if (typeof value === 'string') return d.string(value);
  throw new QuarryError('QUARRY_BAD_CHECK', `Value ${JSON.stringify(value)} cannot be a SQL literal; use a number, string, boolean or Date.`);
}

const DUCKDB_TYPES: Record<SqlLogicalType, string> = {
  bigint: 'BIGINT',
  integer: 'INTEGER',
  double: 'DOUBLE',
  decimal: 'DECIMAL(38, 9)',
  varchar: 'VARCHAR',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
};

const BIGQUERY_TYPES: Record<SqlLogicalType, string> = {
  bigint: 'INT64',
  integer: 'INT64',
  double: 'FLOAT64',
  decimal: 'BIGNUMERIC',
  varchar: 'STRING',
  boolean: 'BOOL',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
};

// An offset or Z after a time of day; a bare date's "-15" must not read as an offset.
const OFFSET_SUFFIX = String.raw`\d:\d\d(:\d\d(\.\d+)?)?\s*([zZ]|[+-]\d\d(:?\d\d)?)$`;

/** The DuckDB dialect. */
export const duckDbCheckDialect: CheckSqlDialect = Object.freeze({
  name: 'duckdb' as const,
  statisticsPass: true,
  ident: doubleQuote,
  string: (value: string) => `'${value.replace(/'/g, "''")}'`,
  literal(value: unknown): string {
    return makeLiteral(duckDbCheckDialect, value);
  },
  timestamp: (value: Date) => `TIMESTAMP '${isoParts(value)}'`,
  type: (type: SqlLogicalType) => DUCKDB_TYPES[type],
  tryCast: (expr: string, type: SqlLogicalType) => `TRY_CAST(${expr} AS ${DUCKDB_TYPES[type]})`,
  countIf: (condition: string) => `count(*) FILTER (WHERE ${condition})`,
  countDistinct: (exprs: readonly string[]) =>
    exprs.length === 1 ? `count(DISTINCT ${exprs[0]})` : `count(DISTINCT (${exprs.join(', ')})) FILTER (WHERE ${exprs.map((e) => `${e} IS NOT NULL`).join(' AND ')})`,
  epochMicros: (expr: string) => `epoch_us(${expr})`,
  regexContains: (expr: string, pattern: string, caseInsensitive: boolean) =>
    `regexp_matches(${expr}, ${duckDbCheckDialect.string(pattern)}${caseInsensitive ? ", 'i'" : ''})`,
  regexExtract: (expr: string, pattern: string) => `nullif(regexp_extract(${expr}, ${duckDbCheckDialect.string(pattern)}, 1), '')`,
  median: (expr: string, discrete: boolean) => (discrete ? `quantile_disc(${expr}, 0.5)` : `median(${expr})`),
  isFinite: (expr: string) => `isfinite(${expr})`,
  describe: (relation: string) => `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${relation})`,
  parseTimestampUtc: (expr: string) =>
    `CASE WHEN regexp_matches(${expr}, '${OFFSET_SUFFIX}') THEN TRY_CAST(${expr} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' ELSE TRY_CAST(${expr} AS TIMESTAMP) END`,
  toText: (expr: string) => `CAST(${expr} AS VARCHAR)`,
  jsonText: (expr: string) => `json_extract_string(${expr}, '$')`,
  nullSafeEquals: (a: string, b: string) => `${a} IS NOT DISTINCT FROM ${b}`,
  bitmapDistinct: (expr: string, min: bigint, max: bigint) => `bit_count(bitstring_agg(${expr}, ${min}, ${max}))`,
});

function backtickRelationParts(relation: string): { dataset: string; table: string } {
  const bare = relation.trim().replace(/`/g, '');
  const parts = bare.split('.');
  const table = parts.pop();
  if (!table || parts.length === 0) {
    throw new QuarryError('QUARRY_BAD_CHECK', `BigQuery relation "${relation}" must be dataset.table or project.dataset.table to describe its columns.`);
  }
  return { dataset: parts.join('.'), table };
}

/** The BigQuery (GoogleSQL) dialect. */
export const bigQueryCheckDialect: CheckSqlDialect = Object.freeze({
  name: 'bigquery' as const,
  statisticsPass: false,
  ident: (name: string) => `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``,
  string: (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`,
  literal(value: unknown): string {
    return makeLiteral(bigQueryCheckDialect, value);
  },
  timestamp: (value: Date) => `TIMESTAMP '${isoParts(value)}+00'`,
  type: (type: SqlLogicalType) => BIGQUERY_TYPES[type],
  tryCast: (expr: string, type: SqlLogicalType) => `SAFE_CAST(${expr} AS ${BIGQUERY_TYPES[type]})`,
  countIf: (condition: string) => `COUNTIF(${condition})`,
  countDistinct: (exprs: readonly string[]) =>
    exprs.length === 1
      ? `COUNT(DISTINCT ${exprs[0]})`
      : `COUNT(DISTINCT IF(${exprs.map((e) => `${e} IS NOT NULL`).join(' AND ')}, TO_JSON_STRING(STRUCT(${exprs.join(', ')})), NULL))`,
  epochMicros: (expr: string) => `UNIX_MICROS(CAST(${expr} AS TIMESTAMP))`,
  regexContains: (expr: string, pattern: string, caseInsensitive: boolean) =>
    `REGEXP_CONTAINS(${expr}, ${bigQueryCheckDialect.string((caseInsensitive ? '(?i)' : '') + pattern)})`,
  regexExtract: (expr: string, pattern: string) => `REGEXP_EXTRACT(${expr}, ${bigQueryCheckDialect.string(pattern)})`,
  median: (expr: string) => `APPROX_QUANTILES(${expr}, 2)[OFFSET(1)]`,
  isFinite: (expr: string) => `(NOT IS_INF(${expr}) AND NOT IS_NAN(${expr}))`,
  describe(relation: string): string {
    const { dataset, table } = backtickRelationParts(relation);
    return `SELECT column_name, data_type AS column_type FROM \`${dataset}\`.INFORMATION_SCHEMA.COLUMNS WHERE table_name = ${bigQueryCheckDialect.string(table)} ORDER BY ordinal_position`;
  },
  parseTimestampUtc: (expr: string) => `SAFE_CAST(${expr} AS TIMESTAMP)`,
  toText: (expr: string) => `CAST(${expr} AS STRING)`,
  jsonText: (expr: string) => `JSON_VALUE(${expr})`,
  // BigQuery full outer joins need plain equality; NULL keys stay unmatched there.
  nullSafeEquals: (a: string, b: string) => `${a} = ${b}`,
});

/** Every dialect by name; adding an engine means adding an entry here. */
export const CHECK_DIALECTS: Readonly<Record<CheckDialectName, CheckSqlDialect>> = Object.freeze({
  duckdb: duckDbCheckDialect,
  bigquery: bigQueryCheckDialect,
});

/** The dialect called `name`; throws `QUARRY_BAD_CHECK` for an unknown one. */
export function checkDialect(name: string): CheckSqlDialect {
  const dialect = (CHECK_DIALECTS as Record<string, CheckSqlDialect | undefined>)[name];
  if (!dialect) {
    throw new QuarryError('QUARRY_BAD_CHECK', `Unknown check SQL dialect "${name}"; use one of ${Object.keys(CHECK_DIALECTS).join(', ')}.`);
  }
  return dialect;
}
