import type { CheckQueryRunner } from './check-query-runner.ts';

/** The part of a `@duckdb/node-api` `DuckDBConnection` the checks runner calls. */
export interface DuckDbConnectionLike {
  runAndReadAll(sql: string, values?: Record<string, never>): Promise<{ getRowObjectsJS(): Record<string, unknown>[] }>;
}

/**
 * A `CheckQueryRunner` over a DuckDB connection: rows come back as JavaScript values (BIGINT as
 * bigint, TIMESTAMP as Date), which the checks layer reads exactly.
 *
 * ```ts
 * const connection = await (await DuckDBInstance.create(':memory:')).connect();
 * const results = await evaluateChecks(createDuckDbCheckRunner(connection), checks, { target: 'videos' });
 * ```
 */
export function createDuckDbCheckRunner(connection: DuckDbConnectionLike): CheckQueryRunner {
  return Object.freeze({
    dialect: 'duckdb' as const,
    async query(sql: string, params?: Record<string, unknown>): Promise<Record<string, unknown>[]> {
      const reader = await connection.runAndReadAll(sql, params as Record<string, never> | undefined);
      return reader.getRowObjectsJS();
    },
  });
}
