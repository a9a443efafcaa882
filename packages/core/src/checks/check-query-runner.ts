import type { CheckDialectName } from './check-dialect.ts';

/**
 * The one thing the checks layer needs from an engine: run a SQL query and return plain rows.
 * The DuckDB engine implements it on its connection, the BigQuery engine on its client; values may
 * come back as numbers, bigints or numeric strings, and timestamps as Dates or strings.
 *
 * ```ts
 * const runner: CheckQueryRunner = {
 *   dialect: 'duckdb',
 *   query: async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS(),
 * };
 * ```
 */
export interface CheckQueryRunner {
  readonly dialect: CheckDialectName;
  /**
   * Whether `count(*)`/`min`/`max` queries are nearly free on this connection's relations (Parquet
   * metadata), so checks run a statistics pass first; default: the dialect's `statisticsPass`.
   */
  readonly statisticsPass?: boolean;
  query(sql: string, params?: Record<string, unknown>): Promise<Record<string, unknown>[]>;
}
