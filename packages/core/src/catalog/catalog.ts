import type { AutomationCursor, DaemonLease, DaemonLeaseResult, NewRunRequest, NewTick, RunRequestChunk, RunRequestRecord, RunRequestStatus, RunRequestUpdate, TickKind, TickRecord } from './automation-records.ts';

/** A JSON value as the catalog stores it (plans, partition selections, metadata, schemas). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Where a run is in its life. */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'partially_failed';

/** Every `RunStatus`, in life-cycle order. */
export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'partially_failed'];

/** What a run was launched to do. */
export type RunKind = 'materialize' | 'backfill';

/** Every `RunKind`. */
export const RUN_KINDS: readonly RunKind[] = ['materialize', 'backfill'];

/** One run as the catalog stores it. Timestamps are commit-clock `Date`s. */
export interface RunRecord {
  /** Sortable unique id such as `r_20260115T101500_ab12cd` (see `createRunId`). */
  readonly id: string;
  readonly status: RunStatus;
  readonly kind: RunKind;
  /** The selection string the run was launched with, such as `+marts/creator_daily`. */
  readonly selection: string;
  /** The partition range or keys the run covers, as the launcher described them (JSON). */
  readonly partitions: JsonValue | null;
  /** The plan the executor wrote (JSON), or `null` before planning. */
  readonly plan: JsonValue | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  /** The process running it, with its host, so a dead run can be told from a live one. */
  readonly pid: number | null;
  readonly host: string | null;
  /** The run this one resumes, if any. */
  readonly parentRunId: string | null;
  readonly tags: Readonly<Record<string, string>>;
  /** A one-line reason for `failed`/`cancelled`, else `null`. */
  readonly error: string | null;
  /** The OpenTelemetry trace id of the run's latest execution (32 hex digits), `null` when tracing was off. */
  readonly traceId?: string | null;
}

/** The fields of a run to create; `status` defaults to `queued`, `id` to a fresh `createRunId()`. */
export interface NewRun {
  readonly id?: string;
  readonly kind: RunKind;
  readonly selection: string;
  readonly status?: RunStatus;
  readonly partitions?: JsonValue | null;
  readonly plan?: JsonValue | null;
  readonly pid?: number | null;
  readonly host?: string | null;
  readonly parentRunId?: string | null;
  readonly tags?: Readonly<Record<string, string>>;
}

/** The fields of a run to change; omitted fields keep their value, `null` clears one. */
export interface RunUpdate {
  readonly status?: RunStatus;
  readonly plan?: JsonValue | null;
  readonly startedAt?: Date | null;
  readonly finishedAt?: Date | null;
  readonly pid?: number | null;
  readonly host?: string | null;
  readonly error?: string | null;
  /** Replaces all tags. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Filters of `Catalog.listRuns`; runs come newest first. */
export interface ListRunsOptions {
  /** At most this many runs (default 50). */
  readonly limit?: number;
  readonly status?: RunStatus | readonly RunStatus[];
  readonly kind?: RunKind;
  readonly parentRunId?: string;
}

/** Where a step is in its life. */
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** Every `StepStatus`. */
export const STEP_STATUSES: readonly StepStatus[] = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'];

/** One step of a run (an asset × partition or partition range) as the catalog stores it. */
export interface StepRecord {
  readonly runId: string;
  /** Unique within the run. */
  readonly stepId: string;
  readonly assetKey: string;
  /** The partition keys (JSON array) or range (JSON object) the step covers. */
  readonly partitions: JsonValue;
  readonly status: StepStatus;
  /** Why the step runs (`missing`, `code changed`, …) or was skipped. */
  readonly reason: string | null;
  readonly attempt: number;
  readonly error: string | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  /** Phase durations in milliseconds, such as `{ read: 12, compute: 340, write: 80 }`. */
  readonly timings: Readonly<Record<string, number>> | null;
  readonly updatedAt: Date;
}

/**
 * A step to insert or update, keyed by `runId` + `stepId`. Omitted fields keep their stored value
 * (or take the default for a new step: `status` `pending`, `attempt` 0, `partitions` `[]`); `null`
 * clears one. `assetKey` is required for a new step.
 */
export interface StepUpsert {
  readonly runId: string;
  readonly stepId: string;
  readonly assetKey?: string;
  readonly partitions?: JsonValue;
  readonly status?: StepStatus;
  readonly reason?: string | null;
  readonly attempt?: number;
  readonly error?: string | null;
  readonly startedAt?: Date | null;
  readonly finishedAt?: Date | null;
  readonly timings?: Readonly<Record<string, number>> | null;
}

/** How loud an event is. */
export type EventLevel = 'debug' | 'info' | 'warn' | 'error';

/** Every `EventLevel`, quietest first. */
export const EVENT_LEVELS: readonly EventLevel[] = ['debug', 'info', 'warn', 'error'];

/** The event types Quarry itself writes; any other string is allowed too. */
export type EventType =
  | 'run_started' | 'run_succeeded' | 'run_failed' | 'run_cancelled'
  | 'step_started' | 'step_succeeded' | 'step_failed' | 'step_retrying' | 'step_skipped'
  | 'log' | 'check_evaluated' | 'materialization'
  | (string & {});

/** An event to append; `timestamp` defaults to now, `level` to `info`, `message` to `''`. */
export interface NewEvent {
  readonly runId: string;
  readonly stepId?: string | null;
  readonly timestamp?: Date;
  readonly level?: EventLevel;
  readonly type: EventType;
  readonly message?: string;
  readonly data?: JsonValue | null;
}

/** One stored event; `id` increases in commit order, so it is a cursor for live tailing. */
export interface EventRecord {
  readonly id: number;
  readonly runId: string;
  readonly stepId: string | null;
  readonly timestamp: Date;
  readonly level: EventLevel;
  readonly type: EventType;
  readonly message: string;
  readonly data: JsonValue | null;
}

/** Filters of `Catalog.listEvents`; events come in id order. */
export interface ListEventsOptions {
  readonly runId?: string;
  readonly stepId?: string;
  /** Only events with a larger id: pass the last id you saw to tail a run. */
  readonly afterId?: number;
  /** At most this many events (default 1000). */
  readonly limit?: number;
  readonly types?: readonly EventType[];
}

/** The upstream side of a lineage edge recorded with a materialization. */
export interface LineageSource {
  readonly assetKey: string;
  readonly partitionKey: string;
  /** The upstream materialization that was read, when known. */
  readonly materializationId?: number | null;
  readonly dataVersion?: string | null;
}

/** A partition version to commit (see `Catalog.commitMaterializations`). */
export interface NewMaterialization {
  readonly assetKey: string;
  /** `''` for an unpartitioned asset. */
  readonly partitionKey: string;
  readonly runId?: string | null;
  readonly stepId?: string | null;
  /** The object-store paths holding this version's data. */
  readonly files: readonly string[];
  readonly rowCount?: number | null;
  readonly bytes?: number | null;
  /** Content hash of what was written. */
  readonly dataVersion: string;
  /** Fingerprint of the code (SQL/function and config) that wrote it. */
  readonly codeVersion: string;
  /** Hash of what was read (non-empty), or null. */
  readonly inputFingerprint?: string | null;
  /** For each upstream asset read, the largest `dataSeq` among the partitions read. */
  readonly inputSeqs?: Readonly<Record<string, number>>;
  readonly outputSchema?: JsonValue | null;
  readonly metadata?: Readonly<Record<string, JsonValue>>;
  /** Lineage edges from the upstream partitions read to this version, written in the same commit. */
  readonly lineage?: readonly LineageSource[];
  /** Size and SHA-256 of each file in `files` as written, so `quarry verify` can tell a lost or changed file. */
  readonly fileChecksums?: readonly FileChecksum[];
}

/** The size and SHA-256 (hex) of one lake file, as the catalog records it at commit. */
export interface FileChecksum {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** One file of a partition's current version; `size`/`sha256` are `null` for versions committed before they were recorded. */
export interface CurrentFileRecord {
  readonly partitionKey: string;
  readonly materializationId: number;
  readonly path: string;
  readonly size: number | null;
  readonly sha256: string | null;
}

/** A partition whose current version was marked lost (its file was missing or changed), until it is materialized again. */
export interface LostPartition {
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly materializationId: number;
  /** Such as `file lost` or `file changed`. */
  readonly detail: string;
  readonly lostAt: Date;
}

/** A lake file `Catalog.removeUnreferencedFiles` may remove, as the lake listing found it. */
export interface VacuumCandidate {
  readonly path: string;
  readonly modifiedAt: Date;
}

/** Options of `Catalog.removeUnreferencedFiles`. */
export interface RemoveUnreferencedFilesOptions {
  /** The run that wrote a file, from its name (`undefined` for a file of no run). */
  readonly runIdOf: (path: string) => string | undefined;
  /** A file of no finished run (foreign, or of a run not on record) is kept while modified at or after this time. */
  readonly graceCutoff: Date;
  /** Paths to treat as unreferenced although a version names them (a dry run's expiring versions). */
  readonly treatAsUnreferenced?: ReadonlySet<string>;
  /**
   * Removes one file, synchronously; called inside the catalog's write transaction, so no commit can
   * reference the file between the check and the removal. Omitted: a dry run that removes nothing.
   */
  readonly remove?: (path: string) => void;
}

/** One committed partition version. */
export interface MaterializationRecord {
  readonly id: number;
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly runId: string | null;
  readonly stepId: string | null;
  /** Commit time; never earlier than any previous commit's. */
  readonly createdAt: Date;
  readonly files: readonly string[];
  readonly rowCount: number | null;
  readonly bytes: number | null;
  readonly dataVersion: string;
  readonly codeVersion: string;
  readonly inputFingerprint: string | null;
  readonly inputSeqs: Readonly<Record<string, number>>;
  readonly outputSchema: JsonValue | null;
  readonly metadata: Readonly<Record<string, JsonValue>>;
  /** Global commit sequence: unique and increasing across the whole catalog. */
  readonly seq: number;
  /**
   * `seq` of the commit that last changed this partition's data: equal to `seq` when the data
   * version differs from the previous current version (or there was none), else the previous
   * version's `dataSeq`. An unchanged re-materialization therefore does not make downstream stale.
   */
  readonly dataSeq: number;
  /** True while this version is the partition's current one. */
  readonly current: boolean;
}

/** The optional columns `Catalog.currentPartitions` can also load. */
export type CurrentPartitionsColumn = 'materializationIds' | 'seqs' | 'createdAt' | 'dataVersions' | 'inputFingerprints' | 'inputSeqs';

/** Options of `Catalog.currentPartitions`. */
export interface CurrentPartitionsOptions {
  /** Extra columns to load; the default set is what staleness needs, kept small so a million partitions read fast. */
  readonly columns?: readonly CurrentPartitionsColumn[];
}

/**
 * The current version of every materialized partition of one asset, column-wise: index `i` of
 * every array describes `keys[i]`. Keys are in ascending (binary string) order.
 */
export interface CurrentPartitions {
  readonly assetKey: string;
  readonly size: number;
  readonly keys: readonly string[];
  /** Interned: equal versions are the same string. */
  readonly codeVersions: readonly string[];
  readonly dataSeqs: Float64Array;
  /**
   * The largest value of each version's `inputSeqs` (0 when it read nothing). Because every commit
   * takes a larger `seq` than any before it, partition `i` is stale from upstream exactly when some
   * upstream partition it maps to now has a `dataSeq` above `maxInputSeqs[i]`.
   */
  readonly maxInputSeqs: Float64Array;
  /** Loaded only when requested in `columns`, like every field below; `getMaterialization(id)` gives the rest of a version. */
  readonly materializationIds?: Float64Array;
  readonly seqs?: Float64Array;
  /** Commit times in epoch milliseconds. */
  readonly createdAt?: Float64Array;
  readonly dataVersions?: readonly string[];
  readonly inputFingerprints?: readonly (string | null)[];
  /** The slowest column: read from each version's own row, so prefer `maxInputSeqs` for staleness. */
  readonly inputSeqs?: readonly Readonly<Record<string, number>>[];
}

/** Options of `Catalog.materializationHistory`; versions come newest first. */
export interface MaterializationHistoryOptions {
  /** At most this many versions (default 100). */
  readonly limit?: number;
  /** Only versions with a smaller `seq`: pass the last `seq` seen to page back. */
  readonly beforeSeq?: number;
}

/** Whether the latest attempt at a partition failed, or was blocked (by a check or a failed upstream). */
export type PartitionFailureKind = 'failed' | 'blocked';

/** A marker that the latest attempt at one partition did not produce a version. */
export interface PartitionFailure {
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly kind: PartitionFailureKind;
  readonly runId: string | null;
  readonly message: string;
  readonly failedAt: Date;
}

/** The catalog's size in bytes before and after `Catalog.compact`. */
export interface CatalogCompaction {
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

/** What `Catalog.deleteMaterializationsOlderThan` removed. */
export interface RetentionResult {
  /** How many superseded versions were deleted. */
  readonly deletedCount: number;
  /** Object-store paths no kept version names any more: safe to delete from the lake. */
  readonly unreferencedFiles: readonly string[];
}

/** Who holds a lease: a run in one process. */
export interface LeaseOwner {
  readonly runId: string;
  readonly pid: number;
  /** Defaults to this machine's host name. */
  readonly host?: string;
}

/** One leased partition. */
export interface LeaseItem {
  readonly asset: string;
  readonly partition: string;
}

/** A lease someone holds. */
export interface LeaseHolder extends LeaseItem {
  readonly runId: string;
  readonly pid: number;
  readonly host: string;
  readonly acquiredAt: Date;
  readonly expiresAt: Date;
}

/**
 * The outcome of `Catalog.acquireLeases`: all requested leases were taken (`acquired`), or none
 * were, and `heldBy` lists the live leases of other owners that stood in the way.
 */
export interface AcquireLeasesResult {
  readonly acquired: boolean;
  readonly heldBy: readonly LeaseHolder[];
}

/** The outcome of `Catalog.renewLeases`. */
export interface RenewLeasesResult {
  readonly renewed: number;
  /** Leases the owner no longer holds (taken over after expiry or released). */
  readonly lost: readonly LeaseItem[];
}

/** One check evaluation to record. */
export interface NewCheckResult {
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly checkName: string;
  readonly runId?: string | null;
  readonly materializationId?: number | null;
  readonly passed: boolean;
  /** Such as `warn`, `error` or `blocking`; the checks layer defines the set. */
  readonly severity: string;
  readonly observedValue?: JsonValue;
  readonly threshold?: JsonValue;
  readonly failingCount?: number | null;
  readonly sampleRows?: readonly JsonValue[] | null;
  readonly message?: string | null;
  readonly metadata?: Readonly<Record<string, JsonValue>>;
}

/** One stored check evaluation. */
export interface CheckResultRecord {
  readonly id: number;
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly checkName: string;
  readonly runId: string | null;
  readonly materializationId: number | null;
  readonly passed: boolean;
  readonly severity: string;
  readonly observedValue: JsonValue;
  readonly threshold: JsonValue;
  readonly failingCount: number | null;
  readonly sampleRows: readonly JsonValue[] | null;
  readonly message: string | null;
  readonly metadata: Readonly<Record<string, JsonValue>>;
  readonly createdAt: Date;
}

/** Filters of `Catalog.listCheckResults`. */
export interface ListCheckResultsOptions {
  readonly asset: string;
  readonly partition?: string;
  readonly checkName?: string;
  readonly runId?: string;
  /**
   * Only the latest result of each check on each partition, ordered by partition then check name.
   * Otherwise newest first. Results of a run's attempt that published nothing (a blocked or failed
   * version) count only while that attempt's failure marker stands: once a later run finds the
   * partition's current version up to date, or commits a new one, the current version's results are
   * the latest again.
   */
  readonly latestOnly?: boolean;
  /** At most this many results (default: all when `latestOnly`, else 1000). */
  readonly limit?: number;
}

/** One stored lineage edge between partition versions. */
export interface LineageEdgeRecord {
  readonly id: number;
  readonly fromAssetKey: string;
  readonly fromPartitionKey: string;
  readonly fromMaterializationId: number | null;
  readonly fromDataVersion: string | null;
  readonly toAssetKey: string;
  readonly toPartitionKey: string;
  readonly toMaterializationId: number;
  readonly createdAt: Date;
}

/** A schema to record in an asset's schema history (see `Catalog.recordSchemaVersion`). */
export interface NewSchemaVersion {
  readonly assetKey: string;
  /** The committed version that first had this schema (null when none was committed). */
  readonly materializationId: number | null;
  readonly partitionKey: string;
  readonly runId: string | null;
  /** The columns, as `{ name, type, nullable }[]`. */
  readonly columns: JsonValue;
  /** The changes from the previous recorded schema (`SchemaChange[]` of the lineage layer). */
  readonly changes: JsonValue;
}

/** One recorded schema of an asset. */
export interface SchemaVersionRecord extends NewSchemaVersion {
  readonly id: number;
  readonly createdAt: Date;
}

/** An observation of a source asset partition to record (see `Catalog.recordObservations`). */
export interface NewObservation {
  readonly assetKey: string;
  readonly partitionKey: string;
  /** The version `observe` returned (a content hash, an mtime). */
  readonly dataVersion: string;
  readonly runId?: string | null;
}

/** The recorded observation of a source asset partition (Dagster's AssetObservation). */
export interface ObservationRecord {
  readonly assetKey: string;
  readonly partitionKey: string;
  readonly dataVersion: string;
  /** Catalog sequence at which this version was first observed (the source's `dataSeq`). */
  readonly seq: number;
  readonly firstObservedAt: Date;
  /** When this version was last observed. */
  readonly observedAt: Date;
  readonly runId: string | null;
}

/** Filters of `Catalog.listLineageEdges`: edges into (`upstream`) or out of (`downstream`) a partition. */
export interface ListLineageEdgesOptions {
  readonly asset: string;
  readonly partition?: string;
  readonly direction: 'upstream' | 'downstream';
  /** For `upstream`: only edges into this version. */
  readonly materializationId?: number;
  /** At most this many edges (default 1000), newest first. */
  readonly limit?: number;
}

/** An overview line per asset the catalog has seen. */
export interface CatalogAssetSummary {
  readonly assetKey: string;
  readonly currentPartitions: number;
  readonly failedPartitions: number;
  /** `seq` of the asset's latest commit, or `null` if none. */
  readonly lastSeq: number | null;
  readonly lastMaterializedAt: Date | null;
}

// observability: metrics — read-only aggregates the Prometheus metrics are built from at scrape time.

/** Step figures of one asset and step status, over every step the catalog recorded (see `Catalog.stepStatistics`). */
export interface StepStatistics {
  readonly assetKey: string;
  readonly status: StepStatus;
  readonly steps: number;
  /** Attempts beyond each step's first (retries after errors and waits for a lease). */
  readonly retries: number;
  /** Finished steps (succeeded or failed) with a known duration. */
  readonly durationCount: number;
  readonly durationSumSeconds: number;
  /** For each upper bound given to `stepStatistics`, how many of those durations are ≤ it (cumulative). */
  readonly durationBuckets: readonly number[];
}

/** Figures of the versions of one asset committed after a cursor (see `Catalog.materializationTotals`). */
export interface AssetMaterializationTotals {
  readonly assetKey: string;
  readonly versions: number;
  readonly rows: number;
  readonly bytes: number;
  /** Sum of the versions' `metadata.bytesBilled` (engines that bill by bytes scanned record it; 0 otherwise). */
  readonly bytesBilled: number;
  /** The step that wrote the newest of these versions: its rows over all its versions of this asset, and its duration. */
  readonly latestStep: { readonly runId: string; readonly stepId: string; readonly rows: number; readonly durationMs: number | null } | null;
}

/** What `Catalog.materializationTotals` returns: per-asset figures and the cursor to pass next time. */
export interface MaterializationTotals {
  /** The largest materialization id seen (the `afterId` it was given when there is none newer). */
  readonly lastId: number;
  readonly assets: readonly AssetMaterializationTotals[];
}

/** Check results recorded after a cursor, per asset, status and severity (see `Catalog.checkResultTotals`). */
export interface CheckResultTotals {
  readonly lastId: number;
  readonly groups: readonly {
    readonly assetKey: string;
    /** `passed`, `warned`, `failed` or `errored` (as the checks layer stored it), else `passed`/`failed` from `passed`. */
    readonly status: string;
    readonly severity: string;
    readonly results: number;
  }[];
}

/** The keys of dynamic partitions definitions, stored in the catalog; keys keep the order they were added in. */
export interface DynamicPartitionStore {
  /** The keys of the dynamic partitions definition `name`, in order of addition. */
  keys(name: string): readonly string[];
  /** Appends the keys not already present (an existing key keeps its position). */
  add(name: string, keys: readonly string[]): void;
  /** Removes the given keys; absent keys are ignored. */
  remove(name: string, keys: readonly string[]): void;
}

// ---------------------------------------------------------------- alerts (observability): the outbox

/** Whether an alert opens (or repeats) an incident or closes it; PagerDuty's `event_action`. */
export type AlertAction = 'trigger' | 'resolve';

/** Where one delivery of an alert stands: `pending` (due or waiting for a retry), `delivered`, or `failed` (gave up). */
export type AlertDeliveryState = 'pending' | 'delivered' | 'failed';

/** An alert to write to the outbox, with the routes it goes to (see `Catalog.enqueueAlerts`). */
export interface NewAlert {
  /** What raised it: `run_failed`, `check_failed`, `overdue`, `quality_drop`, `anomaly_rows`, `summary`, `test`, …. */
  readonly kind: string;
  readonly severity: string;
  readonly action: AlertAction;
  /** One incident per key (per asset, or asset/check): a resolve closes the trigger with the same key. */
  readonly dedupKey: string;
  /** One line a person reads first. */
  readonly summary: string;
  readonly details?: Readonly<Record<string, JsonValue>>;
  readonly assetKey?: string | null;
  readonly partitionKey?: string | null;
  readonly runId?: string | null;
  /** Route ids (such as `routes[0]:pagerduty`) to deliver it to; none is fine (it is listed only). */
  readonly routes: readonly string[];
  /** Write only when no alert with this dedup key exists yet (summaries: one per period, even with two daemons). */
  readonly onlyOnce?: boolean;
}

/** One delivery of an alert to one route. */
export interface AlertDeliveryRecord {
  readonly id: number;
  readonly alertId: number;
  readonly route: string;
  readonly state: AlertDeliveryState;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly deliveredAt: Date | null;
  readonly lastError: string | null;
}

/** One stored alert with its deliveries. */
export interface AlertRecord {
  readonly id: number;
  readonly kind: string;
  readonly severity: string;
  readonly action: AlertAction;
  readonly dedupKey: string;
  readonly summary: string;
  readonly details: Readonly<Record<string, JsonValue>>;
  readonly assetKey: string | null;
  readonly partitionKey: string | null;
  readonly runId: string | null;
  readonly createdAt: Date;
  readonly deliveries: readonly AlertDeliveryRecord[];
}

/** Filters of `Catalog.listAlerts`; alerts come newest first. */
export interface ListAlertsOptions {
  /** At most this many (default 50). */
  readonly limit?: number;
  readonly dedupKey?: string;
  /** Only alerts created at or after this time. */
  readonly since?: Date;
  readonly until?: Date;
}

/** A delivery a process claimed: it alone may finish it until `claimExpiresAt`. */
export interface ClaimedAlertDelivery {
  readonly delivery: AlertDeliveryRecord;
  readonly alert: AlertRecord;
  readonly claimExpiresAt: Date;
}

/** How a claimed delivery ended (see `Catalog.finishAlertDelivery`). */
export type AlertDeliveryOutcome =
  | { readonly delivered: true; readonly at: Date }
  | { readonly delivered: false; readonly error: string; readonly at: Date; /** The next attempt, or `null` to give up (`failed`). */ readonly retryAt: Date | null };

/** Totals of one period for the alert summary (see `Catalog.periodStats`). */
export interface CatalogPeriodStats {
  readonly runs: Readonly<Record<string, number>>;
  readonly failedSteps: number;
  readonly versions: number;
  readonly rows: number;
  readonly bytes: number;
  /** Sum of the `estimatedCostUsd` (or `costUsd`) metadata of the versions, `null` when none recorded one. */
  readonly costUsd: number | null;
  readonly alerts: Readonly<Record<string, number>>;
}

// ---------------------------------------------------------------- storage tiers

/** A lake file's tier: `hot` (as written), `warm` (rewritten, more compressed), `cold` (in the cold store). */
export type FileTier = 'hot' | 'warm' | 'cold';

/** The store a lake file is in: `lake` (the instance's lake) or `cold` (the project's cold store). */
export type FileStore = 'lake' | 'cold';

/** One file a kept version names, with where it is (see `Catalog.storageFiles`). */
export interface StorageFileRecord {
  readonly path: string;
  readonly tier: FileTier;
  readonly store: FileStore;
  readonly size: number | null;
  readonly sha256: string | null;
  /** The file's size when it was first written (hot), or `null` while it is still the hot file. */
  readonly hotSize: number | null;
  /** The asset and partition of the (first) version naming the file. */
  readonly assetKey: string;
  readonly partitionKey: string;
  /** The earliest commit time among the versions naming the file. */
  readonly committedAt: Date;
}

/** A tier move to record before its copy is written (see `Catalog.beginStorageMove`). */
export interface NewStorageMove {
  readonly fromPath: string;
  readonly toPath: string;
  readonly toStore: FileStore;
  readonly tier: FileTier;
  readonly pid: number;
  /** Defaults to this machine's host name. */
  readonly host?: string;
}

/** A tier move in flight: `copying` until its commit, `committed` until the old file is deleted, `abandoned` when its file was no longer named. */
export interface StorageMoveRecord {
  readonly id: number;
  readonly fromPath: string;
  readonly toPath: string;
  readonly toStore: FileStore;
  readonly tier: FileTier;
  readonly state: 'copying' | 'committed' | 'abandoned';
  readonly pid: number;
  readonly host: string;
  readonly startedAt: Date;
  /** False when its process is alive on this host (another apply is working on it). */
  readonly orphaned: boolean;
}

/** Bytes and files per tier and store, as `Catalog.storageTierSummary` counts them. */
export interface StorageTierTotals {
  readonly tier: FileTier;
  readonly store: FileStore;
  readonly files: number;
  readonly bytes: number;
  /** What these files took (or take) as hot files: `hot_size` where known, else their size. */
  readonly hotBytes: number;
}

/**
 * The instance store: runs, steps, events, partition versions with their current pointers,
 * failure markers, dynamic partitions, leases, check results and lineage.
 *
 * All methods are synchronous: the embedded backend (SQLite) answers in microseconds and several
 * processes share it through short transactions. Asset keys (`raw/creators`) and partition keys
 * (`2026-01-15`, `''` when unpartitioned) are plain strings here.
 *
 * ```ts
 * const catalog = openSqliteCatalog({ path: resolveQuarryHome(projectDir).catalogPath });
 * const run = catalog.createRun({ kind: 'materialize', selection: 'raw/creators' });
 * const [version] = catalog.commitMaterializations([{ assetKey: 'raw/creators', partitionKey: '2026-01-15',
 *   runId: run.id, files: ['raw/creators/2026-01-15/v1.parquet'], dataVersion: 'd41d8c', codeVersion: 'c0ffee' }]);
 * ```
 */
export interface Catalog {
  /** Where the catalog lives (a file path, or `:memory:`). */
  readonly location: string;
  readonly dynamicPartitions: DynamicPartitionStore;

  /** Creates a run; a duplicate `id` throws `QUARRY_BAD_ARGUMENT`. */
  createRun(run: NewRun): RunRecord;
  /** Changes a run; an unknown id throws `QUARRY_UNKNOWN_RUN`. */
  updateRun(id: string, update: RunUpdate): RunRecord;
  getRun(id: string): RunRecord | undefined;
  listRuns(options?: ListRunsOptions): RunRecord[];

  /** Inserts or updates one step; its run must exist (`QUARRY_UNKNOWN_RUN`). */
  upsertStep(step: StepUpsert): StepRecord;
  /** Inserts or updates several steps in one transaction. */
  upsertSteps(steps: readonly StepUpsert[]): StepRecord[];
  /** The steps of a run, in the order they were first inserted. */
  listSteps(runId: string): StepRecord[];
  /**
   * When a run last showed a sign of life: its latest event or step update (running steps are
   * touched by a heartbeat), or `null` when it has neither. What a dead run's end time is frozen at.
   */
  lastRunActivity(runId: string): Date | null;
  /**
   * Partitions of `asset` among `partitions` that another running run (not `exceptRunId`) still has
   * to write: its step for them is pending or running. Callers check the run's process is alive.
   */
  partitionsPendingElsewhere(asset: string, partitions: readonly string[], exceptRunId: string): { runId: string; partition: string; pid: number | null; host: string | null }[];

  /** Appends events in one transaction and returns them with their ids. */
  appendEvents(events: readonly NewEvent[]): EventRecord[];
  listEvents(options?: ListEventsOptions): EventRecord[];

  /**
   * Stores partition versions and makes each its partition's current version, all in one
   * transaction: either every version is committed or none is, and nothing is visible before.
   * Assigns `seq`/`dataSeq`, writes the lineage edges given and clears the partitions' failure markers.
   */
  commitMaterializations(materializations: readonly NewMaterialization[]): MaterializationRecord[];
  getMaterialization(id: number): MaterializationRecord | undefined;
  currentMaterialization(asset: string, partition: string): MaterializationRecord | undefined;
  /**
   * Every current partition version of one asset, column-wise; built to read a million partitions
   * quickly. While the catalog is unchanged, a call may return the previous call's (shared) result:
   * callers must not modify it.
   */
  currentPartitions(asset: string, options?: CurrentPartitionsOptions): CurrentPartitions;
  /** Versions of one partition (or of every partition of the asset), newest first. */
  materializationHistory(asset: string, partition?: string, options?: MaterializationHistoryOptions): MaterializationRecord[];
  /**
   * For each partition, the version that was current at `asOf` (a `Date`, epoch ms, or an ISO date
   * or time, UTC unless it has an offset; anything else throws `QUARRY_BAD_AS_OF`), in partition-key
   * order. Versions removed by retention are gone.
   */
  materializationsAsOf(asset: string, asOf: Date | number | string): MaterializationRecord[];
  /** Every object-store path named by a kept version, sorted, without duplicates. */
  referencedFiles(): string[];
  /**
   * Of `candidates`, removes (through `options.remove`) the files that no kept version names and that
   * no live run can still commit: checked file by file inside a write transaction, at the moment of
   * removal, so a backfill that commits while vacuum walks the lake keeps its files. Returns the paths
   * removed (or, in a dry run, that would be).
   */
  removeUnreferencedFiles(candidates: readonly VacuumCandidate[], options: RemoveUnreferencedFilesOptions): string[];
  /**
   * The files of every current version of `asset` (or only of the partitions `partitionKeys` names),
   * by partition key, with their recorded size and checksum. Like `currentPartitions`, the result may
   * be shared between calls while the catalog is unchanged: do not modify it.
   */
  currentFiles(asset: string, partitionKeys?: readonly string[]): CurrentFileRecord[];
  /**
   * Marks current versions as lost (their files are gone or changed): each stops being its partition's
   * current version, so the partition plans as `missing` with `detail`. A version no longer current is
   * ignored. Returns how many were marked.
   */
  markVersionsLost(items: readonly { readonly assetKey: string; readonly partitionKey: string; readonly materializationId: number; readonly detail: string }[]): number;
  /** Partitions of `asset` whose current version was marked lost and that were not materialized since. */
  lostPartitions(asset: string): LostPartition[];
  /** This catalog's instance id, made when it was created; the lake's marker file names the catalog it belongs to. */
  instanceId(): string;
  /** True when the catalog has recorded no run and no version (a newly created catalog). */
  isEmpty(): boolean;
  /**
   * Deletes the versions superseded at or before `cutoff` (a newer version of their partition was
   * committed by then), which no as-of read at or after `cutoff` can need; a current version is never
   * deleted. Returns the files no kept version names any more. With `dryRun` it deletes nothing and
   * returns what it would delete.
   */
  deleteMaterializationsOlderThan(cutoff: Date, options?: { readonly dryRun?: boolean }): RetentionResult;
  /**
   * Deletes the step progress events (debug/info `log`, `step_started`, `step_retrying`,
   * `check_evaluated`) of runs that finished at or before `cutoff`; run events and step outcomes stay.
   * Returns how many were (with `dryRun`: would be) deleted.
   */
  pruneRunEvents(cutoff: Date, options?: { readonly dryRun?: boolean }): number;
  /**
   * Deletes the alerts created before `cutoff`, with their deliveries, except the newest alert of
   * each dedup key (it tells whether its incident is open, and which summary was sent) and any alert
   * with a delivery still pending. Returns how many alerts were (with `dryRun`: would be) deleted.
   */
  pruneAlerts(cutoff: Date, options?: { readonly dryRun?: boolean }): number;
  /** Rewrites the catalog packed (SQLite `VACUUM`), giving the space of deleted rows back to the file system. */
  compact(): CatalogCompaction;

  /** Marks the latest attempt at a partition as failed (or blocked); a later commit of the partition clears it. */
  recordPartitionFailure(asset: string, partition: string, runId: string | null, message: string, kind?: PartitionFailureKind): void;
  /** Removes failure markers: of the given partitions, or of every partition of the asset. */
  clearPartitionFailures(asset: string, partitions?: readonly string[]): void;
  /** The failure markers of one asset, in partition-key order. */
  failedPartitions(asset: string): PartitionFailure[];

  /**
   * Takes the leases of all `items` for `owner` for `ttlMs`, atomically: all or none. A lease can be
   * taken when it is free, already the owner's (renewed), expired, or held by a process that is dead
   * on this host. Otherwise nothing changes and `heldBy` names the blocking holders.
   */
  acquireLeases(owner: LeaseOwner, items: readonly LeaseItem[], ttlMs: number): AcquireLeasesResult;
  /** Extends the owner's leases (all of them, or the given ones) to now + `ttlMs`. */
  renewLeases(owner: LeaseOwner, ttlMs: number, items?: readonly LeaseItem[]): RenewLeasesResult;
  /** Releases the owner's leases (all of them, or the given ones); returns how many were released. */
  releaseLeases(owner: LeaseOwner, items?: readonly LeaseItem[]): number;
  /** The leases currently stored (including expired ones not yet taken over), optionally of one asset. */
  listLeases(asset?: string): LeaseHolder[];

  recordCheckResults(results: readonly NewCheckResult[]): CheckResultRecord[];
  listCheckResults(options: ListCheckResultsOptions): CheckResultRecord[];

  listLineageEdges(options: ListLineageEdgesOptions): LineageEdgeRecord[];

  /**
   * Records observations of source asset partitions. A version equal to the partition's current one
   * only moves its `observedAt`; another version becomes current with a new catalog `seq` (which
   * is what makes dependents stale, as a materialization's `dataSeq` does).
   */
  recordObservations(observations: readonly NewObservation[]): ObservationRecord[];
  /** The current observation of each observed partition of a source asset (of `partitions` only, when given). */
  currentObservations(asset: string, partitions?: readonly string[]): ObservationRecord[];

  // column lineage (metadata and lineage issue)
  /** Records the column lineage a version of `assetKey` was written with; the same lineage again only moves its `recordedAt`. */
  recordColumnLineage(record: NewColumnLineageRecord): ColumnLineageRecord;
  /** The latest column lineage recorded for an asset (of one code version, when given), or undefined. */
  columnLineage(asset: string, options?: { readonly codeVersion?: string }): ColumnLineageRecord | undefined;
  // schema evolution (issue 16)
  /**
   * Records a schema an asset's versions are written with, with the changes from its previous one
   * (the asset's schema history; see docs/schema-evolution.md). When the latest recorded schema has
   * the same columns (a parallel step recorded it first), records nothing and returns that one.
   */
  recordSchemaVersion(version: NewSchemaVersion): SchemaVersionRecord;
  /** The recorded schemas of an asset, oldest first (the newest `limit` when given). */
  listSchemaVersions(asset: string, options?: { limit?: number }): SchemaVersionRecord[];

  /** One line per asset the catalog has recorded anything for (versions, failures, leases, checks, lineage), sorted by asset key. */
  assetSummaries(): CatalogAssetSummary[];

  // observability: metrics — read-only aggregates, cheap enough to run at every Prometheus scrape.
  /** How many runs the catalog holds in each status. */
  runStatusCounts(): Partial<Record<RunStatus, number>>;
  /**
   * Per asset and step status: steps, retries and, for finished steps, a duration histogram with the
   * given upper bounds (seconds, ascending). Every step ever recorded counts (steps are never deleted).
   */
  stepStatistics(bucketsSeconds: readonly number[]): StepStatistics[];
  /** Per asset: versions committed with an id above `afterId` (0: all kept versions), their rows, bytes and bytes billed. */
  materializationTotals(afterId?: number): MaterializationTotals;
  /** Check results recorded with an id above `afterId` (0: all), counted per asset, status and severity. */
  checkResultTotals(afterId?: number): CheckResultTotals;
  // ---------------------------------------------------------------- alerts (observability): the outbox

  /**
   * Runs `fn` in one write transaction: every catalog write inside it commits together or not at all.
   * How an event and the alerts it raises reach the catalog at once.
   */
  atomically<T>(fn: () => T): T;
  /** Writes alerts to the outbox with a pending delivery per route, in one transaction (or the caller's `atomically`). */
  enqueueAlerts(alerts: readonly NewAlert[]): AlertRecord[];
  /** Alerts with their deliveries, newest first. */
  listAlerts(options?: ListAlertsOptions): AlertRecord[];
  /** The newest alert with this dedup key (to tell whether its incident is open), or undefined. */
  latestAlert(dedupKey: string): AlertRecord | undefined;
  /**
   * Claims up to `limit` pending deliveries due at `now` that nobody holds (or whose claim expired) for
   * `owner` until `now + leaseMs`, in one write transaction: two processes never claim one delivery at once.
   */
  claimAlertDeliveries(owner: string, now: Date, leaseMs: number, limit?: number): ClaimedAlertDelivery[];
  /** Records how a claimed delivery ended; false (and nothing changes) when `owner` no longer holds its claim. */
  finishAlertDelivery(deliveryId: number, owner: string, outcome: AlertDeliveryOutcome): boolean;
  /** Totals of runs, versions, rows, bytes, cost and alerts created in `[from, to)`. */
  periodStats(from: Date, to: Date): CatalogPeriodStats;
  // storage tiers (docs/storage-tiers.md)
  /** Every file a kept version names, once per path, with its tier, store, size and checksum. */
  storageFiles(): StorageFileRecord[];
  /** Bytes and file counts per tier and store, over every file a kept version names. */
  storageTierSummary(): StorageTierTotals[];
  /** Records a tier move before its copy is written, so vacuum keeps the copy and a rerun can finish or undo it. */
  beginStorageMove(move: NewStorageMove): StorageMoveRecord;
  /**
   * Makes a move's copy the file every version named by its old path names, with `size`/`sha256`, in
   * one transaction, and marks the move committed. When no kept version names the old path any more
   * (retention removed it, another apply moved it), the move is marked abandoned and `false` returned.
   */
  commitStorageMove(id: number, file: { readonly size: number; readonly sha256: string }): boolean;
  /** Forgets a move once its leftover file (the old one, or an abandoned copy) is deleted. */
  finishStorageMove(id: number): void;
  /** The moves in flight, oldest first. */
  storageMoves(): StorageMoveRecord[];
  // observability (traces)
  /** Records the trace id of a run's execution (`null` clears it); an unknown run throws `QUARRY_UNKNOWN_RUN`. */
  setRunTraceId(runId: string, traceId: string | null): void;
  // automation (daemon ticks, run requests, queue chunks, cursors, the daemon lease)
  /**
   * Records a tick with its run requests and the schedule's/sensor's new cursor in one transaction.
   * A request whose run key is already recorded is left as it is (never requested twice); the keys
   * actually inserted are returned. With `fence`, the write fails (`QUARRY_DAEMON_LEASE_HELD`) unless
   * that holder still holds the daemon lease, so a deposed daemon records nothing.
   */
  recordTick(tick: NewTick, requests?: readonly NewRunRequest[], cursor?: { readonly cursor?: string | null; readonly lastTickTime?: number }, fence?: { readonly lease: string; readonly holder: string }): { tick: TickRecord; inserted: string[] };
  /** Ticks, newest first, optionally of one kind and name. */
  listTicks(options?: { readonly kind?: TickKind; readonly name?: string; readonly limit?: number }): TickRecord[];
  /** Deletes ticks older than `before` (daemon clock ms); returns how many. */
  pruneTicks(before: number): number;
  /** The saved cursor, last tick time and pause flag of a schedule, sensor or condition. */
  automationCursor(kind: TickKind, name: string): AutomationCursor | undefined;
  /** Every saved cursor. */
  listAutomationCursors(): AutomationCursor[];
  /** Pauses or resumes a schedule, sensor or condition. */
  setAutomationPaused(kind: TickKind, name: string, paused: boolean): void;
  getRunRequest(runKey: string): RunRequestRecord | undefined;
  /** Run requests, in queue order (priority, then arrival) for `queued`, newest first otherwise. */
  listRunRequests(options?: { readonly status?: RunRequestStatus; readonly limit?: number }): RunRequestRecord[];
  updateRunRequest(runKey: string, update: RunRequestUpdate): RunRequestRecord;
  /**
   * Records that chunk `chunk` of a request is launched as run `runId`, before the run is created;
   * returns the chunk as stored (the existing one when it was recorded before).
   */
  recordRunRequestChunk(chunk: RunRequestChunk): RunRequestChunk;
  /** The chunks of a request, in order. */
  runRequestChunks(runKey: string): RunRequestChunk[];
  /**
   * Takes or renews the daemon lease `name` for `holder` until `now + ttlMs`: succeeds when nobody
   * holds it, the holder already does, or the holder's lease expired (`tookOver`).
   */
  acquireDaemonLease(name: string, holder: string, now: number, ttlMs: number, owner?: { readonly pid?: number; readonly host?: string }): DaemonLeaseResult;
  /** Gives the lease up (only when `holder` holds it). */
  releaseDaemonLease(name: string, holder: string): void;
  daemonLease(name: string): DaemonLease | undefined;

  // ---------------------------------------------------------------- targets (issue 13): engine jobs and their cost

  /** Records the jobs an engine ran for a step (call it inside the version commit's `atomically`). */
  recordEngineJobs(jobs: readonly NewEngineJob[]): void;
  /** The engine jobs of a run (of one step when `stepId` is given), in the order they were recorded. */
  engineJobs(runId: string, options?: { readonly stepId?: string }): EngineJobRecord[];
  /** Bytes processed and billed per step of a run, and in total (steps without jobs are absent). */
  engineJobTotals(runId: string): EngineJobTotals;

  /** Closes the connection; the catalog must not be used afterwards. */
  close(): void;
}

/** One engine job to record (`Catalog.recordEngineJobs`). */
export interface NewEngineJob {
  readonly runId: string;
  readonly stepId: string;
  readonly assetKey: string;
  /** The partition keys the job served (all of the step's when the engine did not say). */
  readonly partitions: readonly string[];
  readonly jobId: string;
  /** `query`, `load`, `copy`, `extract`. */
  readonly kind: string;
  /** The engine that ran it (`bigquery`). */
  readonly engine: string;
  readonly bytesProcessed?: number | null;
  readonly bytesBilled?: number | null;
}

/** A recorded engine job. */
export interface EngineJobRecord extends Required<Omit<NewEngineJob, 'bytesProcessed' | 'bytesBilled'>> {
  readonly id: number;
  readonly bytesProcessed: number | null;
  readonly bytesBilled: number | null;
  readonly createdAt: Date;
}

/** What a run's engine jobs processed and billed. */
export interface EngineJobTotals {
  readonly steps: readonly { readonly stepId: string; readonly assetKey: string; readonly jobs: number; readonly bytesProcessed: number; readonly bytesBilled: number }[];
  readonly jobs: number;
  readonly bytesProcessed: number;
  readonly bytesBilled: number;
}

/** The column lineage of an asset's version, to record (the lineage is the JSON of `ColumnLineage`, see lineage/). */
export interface NewColumnLineageRecord {
  readonly assetKey: string;
  readonly codeVersion: string;
  readonly lineage: JsonValue;
  /** `derived` from SQL, or `declared` by a compute asset. */
  readonly source: 'derived' | 'declared';
  readonly runId?: string | null;
  readonly materializationId?: number | null;
}

/** A recorded column lineage. */
export interface ColumnLineageRecord {
  readonly assetKey: string;
  readonly codeVersion: string;
  readonly lineage: JsonValue;
  readonly source: 'derived' | 'declared';
  readonly runId: string | null;
  readonly materializationId: number | null;
  readonly firstRecordedAt: Date;
  readonly recordedAt: Date;
}
