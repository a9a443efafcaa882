import type { RowSchema } from '../definitions/index.ts';
import { schemaColumns, type LogicalType } from '../definitions/index.ts';
import type { ColumnSchema, EngineDialect } from '../engines/engine.ts';

// The type names each dialect gives the schema's logical types (DuckDB's as in engines/duckdb's
// DUCKDB_TYPE_OF_LOGICAL; repeated here so the instance and the step runner import no engine).
const TYPE_OF_LOGICAL: Readonly<Record<EngineDialect, Readonly<Record<LogicalType, string>>>> = {
  duckdb: { string: 'VARCHAR', integer: 'BIGINT', number: 'DOUBLE', decimal: 'DECIMAL(18,3)', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMP WITH TIME ZONE', json: 'JSON' },
  bigquery: { string: 'STRING', integer: 'INT64', number: 'FLOAT64', decimal: 'NUMERIC', boolean: 'BOOL', date: 'DATE', timestamp: 'TIMESTAMP', json: 'JSON' },
};

/**
 * The columns of an asset's zod row schema typed in `dialect` (default DuckDB's), in schema order: what
 * an empty input view is typed with when no upstream version exists yet.
 *
 * ```ts
 * engineColumnsFromSchema(z.object({ id: z.int() }), 'bigquery'); // [{ name: 'id', type: 'INT64', nullable: false }]
 * ```
 */
export function engineColumnsFromSchema(schema: RowSchema, dialect: EngineDialect = 'duckdb'): ColumnSchema[] {
  const types = TYPE_OF_LOGICAL[dialect];
  return schemaColumns(schema).map((column) => ({
    name: column.name,
    type:
      column.type === 'decimal' && column.precision !== undefined
        ? dialect === 'duckdb'
          ? `DECIMAL(${column.precision},${column.scale ?? 0})`
          : `${column.precision > 29 ? 'BIGNUMERIC' : 'NUMERIC'}(${column.precision}, ${column.scale ?? 0})`
        : types[column.type],
    nullable: column.nullable,
  }));
}
