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

/** The keys of dynamic partitions definitions, stored in the catalog; keys keep the order they were added in. */
export interface DynamicPartitionStore {
  /** The keys of the dynamic partitions definition `name`, in order of addition. */
  keys(name: string): readonly string[];
  /** Appends the keys not already present (an existing key keeps its position). */
  add(name: string, keys: readonly string[]): void;
  /** Removes the given keys; absent keys are ignored. */
  remove(name: string, keys: readonly string[]): void;
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

  /** One line per asset the catalog has recorded anything for (versions, failures, leases, checks, lineage), sorted by asset key. */
  assetSummaries(): CatalogAssetSummary[];

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

  /** Closes the connection; the catalog must not be used afterwards. */
  close(): void;
}
