import { schemaColumns, type LogicalType, type RowSchema } from '../../definitions/index.ts';
import { QuarryError } from '../../errors.ts';
import type { ColumnSchema } from '../engine.ts';

/**
 * Quotes `name` as a DuckDB identifier (`"name"`, inner quotes doubled), so any name is safe in SQL text.
 *
 * ```ts
 * quoteIdentifier('daily views'); // '"daily views"'
 * ```
 */
export function quoteIdentifier(name: string): string {
  if (name.includes('\u0000')) {
    throw new QuarryError('QUARRY_ENGINE_ERROR', `Identifier ${JSON.stringify(name)} contains a NUL character; rename it.`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes `value` as a DuckDB string literal (`'value'`, inner quotes doubled). DuckDB string literals
 * have no backslash escapes, so doubling quotes is all it takes.
 */
export function quoteString(value: string): string {
  if (value.includes('\u0000')) {
    throw new QuarryError('QUARRY_ENGINE_ERROR', `String ${JSON.stringify(value)} contains a NUL character and cannot be a SQL literal.`);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

// Type names come from catalogs and schemas, not users' SQL, but they are pasted into SQL text, so only
// the characters of real type names pass: words, digits, spaces, commas, parentheses, brackets, quotes.
const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_ ,()[\]"]*$/;

/** Checks that `type` looks like a DuckDB type name and returns it; throws `QUARRY_ENGINE_ERROR` otherwise. */
export function checkTypeName(type: string): string {
  if (!TYPE_NAME.test(type) || type.includes('--')) {
    throw new QuarryError('QUARRY_ENGINE_ERROR', `Column type ${JSON.stringify(type)} is not a DuckDB type name; use a name such as BIGINT or TIMESTAMP WITH TIME ZONE.`);
  }
  return type;
}

/**
 * The table expression reading exactly `localFiles` as one relation. Hive partitioning is off so path
 * segments like `day=1` never turn into columns; `union_by_name` lets partitions written before and
 * after a column was added be read together.
 */
export function parquetScanSql(localFiles: readonly string[]): string {
  return `read_parquet([${localFiles.map(quoteString).join(', ')}], hive_partitioning = false, union_by_name = true)`;
}

/**
 * A `CREATE TEMP VIEW` over exactly `localFiles` (connection-local, so concurrent steps never collide);
 * with `temporary: false` a view of the database, seen by every connection of the instance.
 */
export function createFileViewSql(name: string, localFiles: readonly string[], options: { temporary?: boolean; masked?: Readonly<Record<string, string>> } = {}): string {
  // A masked column keeps its name and its nulls; every other value becomes the mask text, so no
  // expression over the view can reach the original value.
  const masked = Object.entries(options.masked ?? {});
  const replace = masked.length === 0 ? '' : ` REPLACE (${masked.map(([column, text]) => `CASE WHEN ${quoteIdentifier(column)} IS NULL THEN NULL ELSE ${quoteString(text)} END AS ${quoteIdentifier(column)}`).join(', ')})`;
  return `CREATE OR REPLACE ${viewKind(options)} ${quoteIdentifier(name)} AS SELECT *${replace} FROM ${parquetScanSql(localFiles)}`;
}

/** A `CREATE TEMP VIEW` with the given typed columns and no rows, for an input without files (`temporary` as above). */
export function createEmptyViewSql(name: string, columns: readonly ColumnSchema[], options: { temporary?: boolean } = {}): string {
  const list = columns.map((c) => `CAST(NULL AS ${checkTypeName(c.type)}) AS ${quoteIdentifier(c.name)}`).join(', ');
  return `CREATE OR REPLACE ${viewKind(options)} ${quoteIdentifier(name)} AS SELECT ${list} WHERE false`;
}

function viewKind(options: { temporary?: boolean }): string {
  return options.temporary === false ? 'VIEW' : 'TEMP VIEW';
}

/**
 * Turns an asset's query into a subquery body: trailing semicolons go, and a newline ends it so a
 * trailing `-- comment` cannot swallow the closing parenthesis. The text starts on the statement's
 * first line, so line numbers in DuckDB's errors match the asset's SQL string.
 */
export function subquerySql(sql: string): string {
  return `${sql.trimEnd().replace(/[;\s]+$/, '')}\n`;
}

/** `COPY (query) TO 'file'` as zstd-compressed Parquet; the statement's row count is the rows written. */
export function copyQueryToParquetSql(sql: string, localFile: string): string {
  return `COPY (${subquerySql(sql)}) TO ${quoteString(localFile)} (FORMAT parquet, COMPRESSION zstd)`;
}

/** `COPY table TO 'file'` as zstd-compressed Parquet. */
export function copyTableToParquetSql(table: string, localFile: string): string {
  return `COPY ${quoteIdentifier(table)} TO ${quoteString(localFile)} (FORMAT parquet, COMPRESSION zstd)`;
}

/**
 * Significant digits a DOUBLE or FLOAT value keeps in a data version. DuckDB's parallel sums (and
 * other floating-point aggregates) add in an order that varies from run to run, so the last bits of
 * a result differ between identical runs; rounding to 12 significant digits (relative 1e-12, far
 * above that noise and far below any change analytics cares about) keeps identical inputs on one
 * data version, which is what lets early cut-off fire. See docs/staleness.md.
 */
export const FLOAT_DIGEST_DIGITS = 12;

const FLOATING_TYPES = new Set(['DOUBLE', 'FLOAT', 'REAL', 'FLOAT8', 'FLOAT4']);

/**
 * Row count and order-independent digest of a Parquet file: the HUGEINT sum of every row's 64-bit hash.
 * A sum (unlike XOR) counts duplicate rows; each row's values are hashed in column order, DOUBLE and
 * FLOAT columns (as `columns` types them) as text rounded to `FLOAT_DIGEST_DIGITS` significant digits.
 */
export function parquetDigestSql(localFile: string, columns: readonly ColumnSchema[] = []): string {
  const floating = columns.some((c) => FLOATING_TYPES.has(c.type.toUpperCase()));
  const values = floating ? rowHashValuesSql(columns) : '*COLUMNS(*)';
  return `SELECT count(*) AS row_count, coalesce(sum(hash(${values})::HUGEINT), 0)::VARCHAR AS digest FROM read_parquet(${quoteString(localFile)})`;
}

/**
 * `parquetDigestSql` computed from the temp `table` a Parquet file was just written from, so the
 * file is not read back: each value is hashed as the file holds it (`fileColumns`, in file order),
 * cast to the file's type where the table's type differs (`tableColumns`, such as HUGEINT written as
 * DOUBLE), so identical rows keep the data version the file alone gives.
 */
export function tableDigestSql(table: string, tableColumns: readonly ColumnSchema[], fileColumns: readonly ColumnSchema[]): string {
  const values = fileColumns.map((column, i) => {
    const name = quoteIdentifier(column.name);
    const value = tableColumns[i]?.type === column.type ? name : `CAST(${name} AS ${checkTypeName(column.type)})`;
    return FLOATING_TYPES.has(column.type.toUpperCase()) ? `printf('%.${FLOAT_DIGEST_DIGITS}g', ${value})` : value;
  });
  return `SELECT count(*) AS row_count, coalesce(sum(hash(${values.join(', ')})::HUGEINT), 0)::VARCHAR AS digest FROM ${quoteIdentifier(table)}`;
}

/** The column names and types of a table, in column order. */
export function describeTableSql(table: string): string {
  return `DESCRIBE ${quoteIdentifier(table)}`;
}

/**
 * `CREATE TEMP TABLE table AS (query)`: an asset's rows kept once, then written and digested from
 * memory. The query starts on the statement's first line, as in `copyQueryToParquetSql`.
 */
export function createTempTableAsSql(table: string, sql: string): string {
  return `CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(table)} AS (${subquerySql(sql)})`;
}

/** The arguments of a row's hash in a digest: each column in order, floating ones rounded as `parquetDigestSql` does. */
function rowHashValuesSql(columns: readonly ColumnSchema[]): string {
  return columns.map((c) => (FLOATING_TYPES.has(c.type.toUpperCase()) ? `printf('%.${FLOAT_DIGEST_DIGITS}g', ${quoteIdentifier(c.name)})` : quoteIdentifier(c.name))).join(', ');
}

/**
 * The digest aggregate of `parquetDigestSql` over explicitly named `columns` (for a scan that carries
 * other columns too, such as the file name): the same value for the same rows.
 */
export function rowDigestSql(columns: readonly ColumnSchema[]): string {
  return `coalesce(sum(hash(${rowHashValuesSql(columns)})::HUGEINT), 0)::VARCHAR`;
}

/** The column names and types of a Parquet file, as DuckDB reads it back. */
export function describeParquetSql(localFile: string): string {
  return `DESCRIBE SELECT * FROM read_parquet(${quoteString(localFile)})`;
}

/** `CREATE TEMP TABLE` with the given columns, for rows a compute function returns. */
export function createRowsTableSql(table: string, columns: readonly ColumnSchema[]): string {
  return `CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(table)} (${columns.map((c) => `${quoteIdentifier(c.name)} ${checkTypeName(c.type)}`).join(', ')})`;
}

/** The DuckDB type of each engine-neutral logical type of a zod schema column. */
export const DUCKDB_TYPE_OF_LOGICAL: Readonly<Record<LogicalType, string>> = Object.freeze({
  string: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  decimal: 'DECIMAL(18,3)',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP WITH TIME ZONE',
  json: 'JSON',
});

/**
 * The DuckDB columns of an asset's zod row schema, in schema order: strings → VARCHAR (enums too),
 * integers (`z.int()`, `z.number().int()`) → BIGINT, `decimal(p, s)` → DECIMAL(p,s), other numbers → DOUBLE, booleans → BOOLEAN, ISO dates → DATE, `z.date()` and ISO
 * datetimes → TIMESTAMP WITH TIME ZONE, anything else → JSON; optional/nullable fields are nullable.
 *
 * ```ts
 * duckDbColumnsFromSchema(z.object({ id: z.number().int(), at: z.iso.datetime() }));
 * // [{ name: 'id', type: 'BIGINT', nullable: false }, { name: 'at', type: 'TIMESTAMP WITH TIME ZONE', nullable: false }]
 * ```
 */
export function duckDbColumnsFromSchema(schema: RowSchema): ColumnSchema[] {
  return schemaColumns(schema).map((column) => ({
    name: column.name,
    type: column.type === 'decimal' && column.precision !== undefined ? `DECIMAL(${column.precision},${column.scale ?? 0})` : DUCKDB_TYPE_OF_LOGICAL[column.type],
    nullable: column.nullable,
  }));
}
