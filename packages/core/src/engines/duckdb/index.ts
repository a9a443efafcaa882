export type { DuckDbEngineConfig } from './duckdb-config.ts';
export { DuckDbEngine, createDuckDbEngine } from './duckdb-engine.ts';
export { createDuckDbCheckRunner } from './duckdb-check-runner.ts';
export type { DuckDbCheckRunner, DuckDbCheckRunnerOptions, DuckDbConnectionLike } from './duckdb-check-runner.ts';
export { DUCKDB_TYPE_OF_LOGICAL, duckDbColumnsFromSchema, quoteIdentifier, quoteString } from './duckdb-sql.ts';
export { jsonSafeValueConverter } from './duckdb-values.ts';
export type { JsonSafeValue } from './duckdb-values.ts';
export { ParquetRewriter, startDuckDbParquetRewriter } from './duckdb-parquet-rewriter.ts';
export type { ParquetRewriteOptions, ParquetRewriteResult } from './duckdb-parquet-rewriter.ts';
