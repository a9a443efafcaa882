/**
 * `@quarry/core/bigquery`: the BigQuery engine, the only part of Quarry that loads
 * `@google-cloud/bigquery` (a DuckDB-only project never imports this entry point).
 *
 * ```ts
 * import { createBigQueryEngine } from '@quarry/core/bigquery';
 * const engine = await createBigQueryEngine({ target: bigquery({ projectId: 'acme', dataset: 'tiktok', location: 'EU' }), store });
 * ```
 */
export type { BigQueryEngineConfig } from './bigquery-config.ts';
export { BigQueryEngine, createBigQueryEngine } from './bigquery-engine.ts';
export { ACCESS_TOKEN_ENV, createBigQueryClient } from './bigquery-client.ts';
export type { BigQueryClientLike, BigQueryDatasetLike, BigQueryJobLike, BigQueryJobMetadata, BigQueryTableLike, BigQueryTableMetadata } from './bigquery-client.ts';
export {
  INPUT_PREFIX,
  PARTITION_TIME_COLUMN,
  STAGING_PREFIX,
  formatLocator,
  parseLocator,
  partitionIdOf,
  partitionTypeOf,
  sanitizeLabel,
  tableNameOf,
} from './bigquery-sql.ts';
export type { BigQueryLocator, BigQueryPartitionType } from './bigquery-sql.ts';
