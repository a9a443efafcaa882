export { combineDataVersion, isLakeFile, locatorScheme } from './engine.ts';
export { PARTITION_SQL_PARAMETERS, type PartitionSqlParameter, type PartitionSqlParameterName } from './partition-sql-parameters.ts';
export type {
  ColumnSchema,
  DryRunEstimate,
  Engine,
  EngineCapabilities,
  EngineDialect,
  EngineJob,
  EngineName,
  EngineVacuumReport,
  PublishRequest,
  StagedPartition,
  EngineQueryOptions,
  EngineQueryResult,
  InputRelation,
  MaterializeOutput,
  MaterializeRequest,
  PartitionOutput,
  RangeSplit,
  RangeSplitPartition,
} from './engine.ts';
export { DUCKDB_TYPE_OF_LOGICAL, DuckDbEngine, createDuckDbCheckRunner, createDuckDbEngine, duckDbColumnsFromSchema, quoteIdentifier, quoteString, startDuckDbParquetRewriter } from './duckdb/index.ts';
export type { DuckDbCheckRunner, DuckDbCheckRunnerOptions, DuckDbConnectionLike, DuckDbEngineConfig, JsonSafeValue } from './duckdb/index.ts';
