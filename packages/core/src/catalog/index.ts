export type {
  AcquireLeasesResult, CatalogAssetSummary, Catalog, CurrentFileRecord, FileChecksum, LostPartition, RemoveUnreferencedFilesOptions, VacuumCandidate, CheckResultRecord, CurrentPartitions, CurrentPartitionsColumn, CurrentPartitionsOptions,
  DynamicPartitionStore, EventLevel, EventRecord, EventType, JsonValue, LeaseHolder, LeaseItem, LeaseOwner, LineageEdgeRecord,
  LineageSource, ListCheckResultsOptions, ListEventsOptions, ListLineageEdgesOptions, ListRunsOptions, MaterializationHistoryOptions,
  MaterializationRecord, NewCheckResult, NewEvent, NewMaterialization, NewObservation, NewRun, ObservationRecord, PartitionFailure, PartitionFailureKind,
  NewSchemaVersion, SchemaVersionRecord, CatalogCompaction, RenewLeasesResult, RetentionResult, RunKind, RunRecord, RunStatus, RunUpdate, StepRecord, StepStatus, StepUpsert,
} from './catalog.ts';
// alerts (observability)
export type { AlertAction, AlertDeliveryOutcome, AlertDeliveryRecord, AlertDeliveryState, AlertRecord, CatalogPeriodStats, ClaimedAlertDelivery, ListAlertsOptions, NewAlert } from './catalog.ts';
export type { ColumnLineageRecord, NewColumnLineageRecord } from './catalog.ts';
export type { EngineJobRecord, EngineJobTotals, NewEngineJob } from './catalog.ts';
// storage tiers
export type { FileStore, FileTier, NewStorageMove, StorageFileRecord, StorageMoveRecord, StorageTierTotals } from './catalog.ts';
export { EVENT_LEVELS, RUN_KINDS, RUN_STATUSES, STEP_STATUSES } from './catalog.ts';
export type { AssetMaterializationTotals, CheckResultTotals, MaterializationTotals, StepStatistics } from './catalog.ts';
export type * from './automation-records.ts';
export { createRunId } from './run-id.ts';
export { isProcessAlive } from '../execution/is-process-alive.ts';
export { resolveQuarryHome } from './quarry-home.ts';
export type { QuarryHome } from './quarry-home.ts';
export { SqliteCatalog, diskFullError, openSqliteCatalog, SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION, migrateSqliteCatalog } from './sqlite/index.ts';
export type { SqliteCatalogConfig, SqliteMigration } from './sqlite/index.ts';
