import { DuckDBDataChunk, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { QuarryError } from '../../errors.ts';
import type { ColumnSchema } from '../engine.ts';
import { createRowsTableSql } from './duckdb-sql.ts';
import { ColumnValueError, columnValueWriter, inferColumns, type ColumnValueWriter } from './duckdb-values.ts';

/** Rows per batch: DuckDB's vector size, so each batch is exactly one appended data chunk. */
export const ROW_BATCH_SIZE = 2048;

type Row = Record<string, unknown>;

/**
 * The rows of a compute result as batches of at most `ROW_BATCH_SIZE`, or `undefined` when the result
 * is not rows: arrays, async iterables, Arrow-like tables (`toArray()`) and, leniently, sync iterables.
 */
export function rowBatchesOf(result: unknown): AsyncIterable<readonly unknown[]> | undefined {
  if (Array.isArray(result)) return arrayBatches(result);
  if (typeof result !== 'object' || result === null) return undefined;
  if (typeof (result as { toArray?: unknown }).toArray === 'function') {
    return iterableBatches((result as { toArray(): Iterable<unknown> }).toArray());
  }
  if (Symbol.asyncIterator in result) return asyncIterableBatches(result as AsyncIterable<unknown>);
  if (Symbol.iterator in result) return iterableBatches(result as Iterable<unknown>);
  return undefined;
}

async function* arrayBatches(rows: readonly unknown[]): AsyncGenerator<readonly unknown[]> {
  for (let i = 0; i < rows.length; i += ROW_BATCH_SIZE) yield rows.slice(i, i + ROW_BATCH_SIZE);
}

async function* iterableBatches(rows: Iterable<unknown>): AsyncGenerator<readonly unknown[]> {
  if (Array.isArray(rows)) {
    yield* arrayBatches(rows);
    return;
  }
  let batch: unknown[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length === ROW_BATCH_SIZE) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function* asyncIterableBatches(rows: AsyncIterable<unknown>): AsyncGenerator<readonly unknown[]> {
  let batch: unknown[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length === ROW_BATCH_SIZE) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Where the rows come from, for error messages, and what they must look like. */
export interface WriteRowBatchesOptions {
  /** Temp table to create and fill. */
  readonly table: string;
  /** `Asset "key" (partition "…")`, the start of every error message. */
  readonly where: string;
  /** Declared columns (from the asset's schema), in order; without them columns are inferred from the first batch. */
  readonly columns: readonly ColumnSchema[] | undefined;
  readonly signal: AbortSignal;
}

/**
 * Creates `options.table` and appends every row of `batches` to it through DuckDB's appender, one data
 * chunk per batch, so memory stays bounded by one batch whatever the number of rows. Returns the
 * number of rows written. Throws `QUARRY_BAD_COMPUTE_RESULT` for a row that is not an object or a value
 * that does not fit its column, and `QUARRY_SCHEMA_MISMATCH` when declared columns are absent.
 */
export async function writeRowBatches(connection: DuckDBConnection, batches: AsyncIterable<readonly unknown[]>, options: WriteRowBatchesOptions): Promise<number> {
  const { where } = options;
  const iterator = batches[Symbol.asyncIterator]();
  let rowIndex = 0;
  try {
    let next = await iterator.next();
    const first = next.done ? [] : checkRows(next.value, 0, where);
    const columns = options.columns ?? inferred(first, where);
    if (options.columns) checkDeclaredColumnsPresent(options.columns, first, where);
    await connection.run(createRowsTableSql(options.table, columns));
    const appender = await connection.createAppender(options.table, 'main', 'temp');
    try {
      const types: DuckDBType[] = columns.map((_, i) => appender.columnType(i));
      const writers = types.map(columnValueWriter);
      const names = columns.map((c) => c.name);
      const known = options.columns ? undefined : new Set(names);
      while (!next.done) {
        const rows = rowIndex === 0 ? first : checkRows(next.value, rowIndex, where);
        if (known) checkNoNewKeys(rows, known, rowIndex, where);
        const chunk = DuckDBDataChunk.create(types);
        chunk.setColumns(names.map((name, c) => columnValues(rows, name, writers[c]!, types[c]!, rowIndex, where)));
        appender.appendDataChunk(chunk);
        rowIndex += rows.length;
        if (options.signal.aborted) break;
        next = await iterator.next();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return rowIndex;
  } finally {
    // Stops a generator that is still producing (an error or cancellation ended the loop early).
    await iterator.return?.();
  }
}

function checkRows(batch: readonly unknown[], offset: number, where: string): readonly Row[] {
  for (let i = 0; i < batch.length; i++) {
    const row = batch[i];
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new QuarryError(
        'QUARRY_BAD_COMPUTE_RESULT',
        `${where}: compute returned row ${offset + i} as ${describeValue(row)}; every row must be an object of column values, such as { id: 1, name: "a" }.`,
        { details: { row: offset + i } },
      );
    }
  }
  return batch as readonly Row[];
}

function inferred(first: readonly Row[], where: string): ColumnSchema[] {
  if (first.length === 0) {
    throw new QuarryError(
      'QUARRY_BAD_COMPUTE_RESULT',
      `${where}: compute returned no rows and the asset declares no schema, so its columns are unknown. Declare a zod schema on the asset so empty results have typed columns.`,
    );
  }
  const { columns, conflict } = inferColumns(first);
  if (conflict) {
    throw new QuarryError(
      'QUARRY_BAD_COMPUTE_RESULT',
      `${where}: column "${conflict.column}" mixes ${conflict.kinds.join(' and ')} values in the first ${first.length} rows, so its type cannot be inferred. Return one kind of value per column, or declare a zod schema on the asset.`,
      { details: { column: conflict.column, kinds: conflict.kinds } },
    );
  }
  if (columns.length === 0) {
    throw new QuarryError('QUARRY_BAD_COMPUTE_RESULT', `${where}: compute returned rows without any columns (empty objects). Return objects with at least one column.`);
  }
  return columns;
}

function checkDeclaredColumnsPresent(columns: readonly ColumnSchema[], first: readonly Row[], where: string): void {
  if (first.length === 0) return;
  const produced = new Set<string>();
  for (const row of first) for (const key in row) produced.add(key);
  const missing = columns.filter((c) => c.nullable !== true && !produced.has(c.name)).map((c) => c.name);
  if (missing.length > 0) throw schemaMismatch(where, missing, [...produced]);
}

/** The `QUARRY_SCHEMA_MISMATCH` error for declared columns the output lacks. */
export function schemaMismatch(where: string, missing: readonly string[], produced: readonly string[]): QuarryError {
  return new QuarryError(
    'QUARRY_SCHEMA_MISMATCH',
    `${where}: the output lacks column${missing.length === 1 ? '' : 's'} ${missing.map((m) => `"${m}"`).join(', ')} declared in the asset's schema; it produced ${produced.length ? produced.map((p) => `"${p}"`).join(', ') : 'no columns'}. Add the missing columns to the SQL or compute result, or remove them from the schema.`,
    { details: { missing: [...missing], produced: [...produced] } },
  );
}

function checkNoNewKeys(rows: readonly Row[], known: ReadonlySet<string>, offset: number, where: string): void {
  for (let i = 0; i < rows.length; i++) {
    for (const key in rows[i]) {
      if (!known.has(key)) {
        throw new QuarryError(
          'QUARRY_BAD_COMPUTE_RESULT',
          `${where}: row ${offset + i} has column "${key}", which the first ${ROW_BATCH_SIZE} rows did not have, so it has no inferred type. Give every row the same columns, or declare a zod schema on the asset.`,
          { details: { row: offset + i, column: key } },
        );
      }
    }
  }
}

function columnValues(rows: readonly Row[], name: string, writer: ColumnValueWriter, type: DuckDBType, offset: number, where: string): DuckDBValue[] {
  const values = new Array<DuckDBValue>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const value = rows[i]![name];
    try {
      values[i] = writer(value);
    } catch (error) {
      if (!(error instanceof ColumnValueError)) throw error;
      throw new QuarryError(
        'QUARRY_BAD_COMPUTE_RESULT',
        `${where}: row ${offset + i}, column "${name}" is ${describeValue(value)} but the column is ${String(type)}: ${error.message}. Return values of the column's type, or change the asset's schema.`,
        { details: { row: offset + i, column: name, type: String(type) } },
      );
    }
  }
  return values;
}

/** A short description of a value for error messages: its type and, for scalars, the value itself. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `the ${typeof value} ${String(value)}`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Date) return `the Date ${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()}`;
  const name = (value as object).constructor?.name;
  const keys = Object.keys(value as object).slice(0, 5);
  return `${name && name !== 'Object' ? `a ${name}` : 'an object'}${keys.length ? ` with keys ${keys.join(', ')}` : ''}`;
}
