export type {
  AcquireLeasesResult, CatalogAssetSummary, Catalog, CurrentFileRecord, FileChecksum, LostPartition, RemoveUnreferencedFilesOptions, VacuumCandidate, CheckResultRecord, CurrentPartitions, CurrentPartitionsColumn, CurrentPartitionsOptions,
  DynamicPartitionStore, EventLevel, EventRecord, EventType, JsonValue, LeaseHolder, LeaseItem, LeaseOwner, LineageEdgeRecord,
  LineageSource, ListCheckResultsOptions, ListEventsOptions, ListLineageEdgesOptions, ListRunsOptions, MaterializationHistoryOptions,
  MaterializationRecord, NewCheckResult, NewEvent, NewMaterialization, NewObservation, NewRun, ObservationRecord, PartitionFailure, PartitionFailureKind,
  CatalogCompaction, RenewLeasesResult, RetentionResult, RunKind, RunRecord, RunStatus, RunUpdate, StepRecord, StepStatus, StepUpsert,
} from './catalog.ts';
export { EVENT_LEVELS, RUN_KINDS, RUN_STATUSES, STEP_STATUSES } from './catalog.ts';
export type * from './automation-records.ts';
export { createRunId } from './run-id.ts';
export { isProcessAlive } from '../execution/is-process-alive.ts';
export { resolveQuarryHome } from './quarry-home.ts';
export type { QuarryHome } from './quarry-home.ts';
export { SqliteCatalog, diskFullError, openSqliteCatalog, SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION, migrateSqliteCatalog } from './sqlite/index.ts';
export type { SqliteCatalogConfig, SqliteMigration } from './sqlite/index.ts';
