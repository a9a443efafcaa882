import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statfsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { QuarryError } from '../../errors.ts';
import type {
  AcquireLeasesResult, AssetMaterializationTotals, CatalogAssetSummary, Catalog, CheckResultTotals, MaterializationTotals, StepStatistics, CheckResultRecord, CurrentFileRecord, LostPartition, RemoveUnreferencedFilesOptions, VacuumCandidate, CurrentPartitions, CurrentPartitionsColumn, CurrentPartitionsOptions,
  DynamicPartitionStore, EventLevel, EventRecord, JsonValue, LeaseHolder, LeaseItem, LeaseOwner, LineageEdgeRecord,
  ListCheckResultsOptions, ListEventsOptions, ListLineageEdgesOptions, ListRunsOptions, MaterializationHistoryOptions,
  MaterializationRecord, NewCheckResult, NewEvent, NewMaterialization, NewObservation, NewRun, NewSchemaVersion, ObservationRecord, SchemaVersionRecord, PartitionFailure, PartitionFailureKind,
  CatalogCompaction, RenewLeasesResult, RetentionResult, RunKind, RunRecord, RunStatus, RunUpdate, StepRecord, StepStatus, StepUpsert,
  AlertDeliveryOutcome, AlertDeliveryRecord, AlertRecord, CatalogPeriodStats, ClaimedAlertDelivery, ListAlertsOptions, NewAlert,
} from '../catalog.ts';
import type { ColumnLineageRecord, NewColumnLineageRecord } from '../catalog.ts';
import type { EngineJobRecord, EngineJobTotals, NewEngineJob } from '../catalog.ts';
import { EVENT_LEVELS, RUN_KINDS, RUN_STATUSES, STEP_STATUSES } from '../catalog.ts';
import type { FileStore, FileTier, NewStorageMove, StorageFileRecord, StorageMoveRecord, StorageTierTotals } from '../catalog.ts';
import { isProcessAlive } from '../../execution/is-process-alive.ts';
import { createRunId } from '../run-id.ts';
import { migrateSqliteCatalog, SQLITE_MIGRATIONS } from './migrations.ts';
import type { SqliteCatalogConfig } from './sqlite-config.ts';
import type { AutomationCursor, DaemonLease, DaemonLeaseResult, NewRunRequest, NewTick, RunRequestChunk, RunRequestRecord, RunRequestStatus, RunRequestUpdate, TickKind, TickRecord } from '../automation-records.ts';

type Row = Record<string, unknown>;

const DEFAULT_BUSY_TIMEOUT_MS = 10_000;
// Retention deletes in batches so that no write transaction holds the lock for long.
const RETENTION_BATCH = 2_000;
/** Event types `pruneRunEvents` deletes (at debug/info level): step progress, not outcomes. */
const PRUNABLE_EVENT_TYPES = ['log', 'step_started', 'step_retrying', 'check_evaluated'] as const;
// Joins partition keys in one string; keys may not contain control characters, so this never collides.
const KEY_SEPARATOR = '\u001f';
// Stands for a null fingerprint in the joined string, for the same reason.
const NULL_MARKER = '\u001e';
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

interface ColumnSql {
  readonly aggregate: string;
  readonly inner: string;
}
// What `currentPartitions` always reads: the aggregates in result order, over the inner columns.
const HOT_AGGREGATES: readonly string[] = ['count(*)', 'group_concat(partition_key, char(31))', "group_concat(code_version_id, ',')",
  "group_concat(data_seq, ',')", "group_concat(max_input_seq, ',')"];
const HOT_INNER: readonly string[] = ['partition_key', 'code_version_id', 'data_seq', 'max_input_seq'];
const HOT_OPTIONAL_COLUMNS: readonly CurrentPartitionsColumn[] = ['materializationIds', 'seqs', 'createdAt', 'inputSeqs'];
const VERSION_COLUMNS: readonly CurrentPartitionsColumn[] = ['dataVersions', 'inputFingerprints'];
const OPTIONAL_COLUMN_SQL: Readonly<Record<CurrentPartitionsColumn, ColumnSql>> = {
  materializationIds: { aggregate: "group_concat(materialization_id, ',')", inner: 'materialization_id' },
  seqs: { aggregate: "group_concat(seq, ',')", inner: 'seq' },
  createdAt: { aggregate: "group_concat(created_at, ',')", inner: 'created_at' },
  // Kept only with the version itself: a JSON object per partition would widen every scan of current_partitions.
  inputSeqs: { aggregate: `'[' || group_concat(input_seqs, ',') || ']'`, inner: '(SELECT m.input_seqs FROM materializations m WHERE m.id = materialization_id) AS input_seqs' },
  dataVersions: { aggregate: 'group_concat(data_version, char(31))', inner: 'data_version' },
  inputFingerprints: { aggregate: 'group_concat(ifnull(input_fingerprint, char(30)), char(31))', inner: 'input_fingerprint' },
};

const MATERIALIZATION_COLUMNS = `
  m.id, a.asset_key, m.partition_key, m.run_id, m.step_id, m.created_at, m.files, m.row_count, m.bytes,
  m.data_version, cv.code_version, m.input_fingerprint, m.input_seqs, m.output_schema, m.metadata, m.seq, m.data_seq,
  c.materialization_id IS NOT NULL AS is_current`;
const MATERIALIZATION_JOINS = `
  JOIN assets a ON a.id = m.asset_id
  JOIN code_versions cv ON cv.id = m.code_version_id
  LEFT JOIN current_partitions c ON c.materialization_id = m.id`;

/**
 * The embedded `Catalog`: one SQLite file in WAL mode that the CLI, the UI server and parallel
 * backfills open at once. Every write is a short `BEGIN IMMEDIATE` transaction, and waits up to the
 * busy timeout for another process's lock instead of failing.
 *
 * ```ts
 * const catalog = openSqliteCatalog({ path: '.quarry/catalog.sqlite' });
 * const current = catalog.currentPartitions('raw/videos');
 * catalog.close();
 * ```
 */
export class SqliteCatalog implements Catalog {
  readonly location: string;
  readonly dynamicPartitions: DynamicPartitionStore;
  readonly #db: BetterSqlite3.Database;
  readonly #readOnlyBecauseFull: boolean;
  readonly #clock: () => Date;
  readonly #host: string;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();
  // Ids of interned asset keys and code versions never change once committed, so they are cached for the connection's life.
  readonly #assetIds = new Map<string, number>();
  readonly #codeVersionIds = new Map<string, number>();
  readonly #codeVersionsById = new Map<number, string>();
  // Interned ids created by the running write transaction; cached only once it commits.
  #pending: { assets: Map<string, number>; codeVersions: Map<string, number> } | undefined;
  // The last bulk reads of current state (a million partitions take hundreds of ms to read), kept while
  // no connection has changed the database since: see `#cachedRead`.
  readonly #reads = new Map<string, { readonly token: string; readonly value: unknown }>();

  constructor(config: SqliteCatalogConfig) {
    if (typeof config.path !== 'string' || config.path === '') {
      throw new QuarryError('QUARRY_BAD_CONFIG', `Catalog path ${JSON.stringify(config.path)} is invalid: give a file path or ":memory:".`);
    }
    const inMemory = config.path === ':memory:';
    this.location = inMemory ? ':memory:' : resolve(config.path);
    const busyTimeoutMs = config.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.#clock = config.now ?? (() => new Date());
    this.#host = config.hostname ?? hostname();
    if (!inMemory) mkdirSync(dirname(this.location), { recursive: true });
    const opened = openConnection(this.location, busyTimeoutMs, inMemory);
    this.#db = opened.db;
    this.#readOnlyBecauseFull = opened.readOnlyBecauseFull;
    this.dynamicPartitions = guardMethods({
      keys: (name: string) => this.#dynamicKeys(name),
      add: (name: string, keys: readonly string[]) => this.#addDynamicKeys(name, keys),
      remove: (name: string, keys: readonly string[]) => this.#removeDynamicKeys(name, keys),
    }, (error) => this.#translate(error));
    // Damage or a full disk can surface in any statement; every public method turns those SQLite
    // errors into QuarryErrors naming this file and what to do (own properties shadow the prototype's).
    const self = this as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(SqliteCatalog.prototype)) {
      const method = self[name];
      if (name === 'constructor' || typeof method !== 'function') continue;
      self[name] = guardMethod(method as (...args: unknown[]) => unknown, this, (error) => this.#translate(error));
    }
  }

  // On a copy read because the disk is full, any write is refused by SQLite as read-only: that is the full disk.
  #translate(error: unknown): unknown {
    if (this.#readOnlyBecauseFull && isSqliteError(error, 'SQLITE_READONLY')) return diskFullError(this.location, error);
    return translateSqliteError(error, this.location);
  }

  // ---------------------------------------------------------------- runs

  createRun(run: NewRun): RunRecord {
    checkString(run.selection, 'run selection');
    checkOneOf(run.kind, RUN_KINDS, 'run kind');
    const status = run.status ?? 'queued';
    checkOneOf(status, RUN_STATUSES, 'run status');
    const partitions = toJson(run.partitions ?? null, 'run partitions');
    const plan = toJson(run.plan ?? null, 'run plan');
    const tags = toJson(checkTags(run.tags ?? {}), 'run tags')!;
    if (run.id !== undefined) checkId(run.id, 'run id');
    return this.#write(() => {
      const now = this.#nowMs();
      let id = run.id ?? createRunId(new Date(now));
      while (this.#stmt('SELECT 1 FROM runs WHERE id = ?').get(id) !== undefined) {
        if (run.id !== undefined) throw new QuarryError('QUARRY_BAD_ARGUMENT', `Run id "${run.id}" already exists. Give a new id, or omit it to get a fresh one.`, { details: { runId: run.id } });
        id = createRunId(new Date(now));
      }
      this.#stmt(`INSERT INTO runs (id, status, kind, selection, partitions, plan, created_at, pid, host, parent_run_id, tags)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, status, run.kind, run.selection, partitions, plan, now, run.pid ?? null, run.host ?? null, run.parentRunId ?? null, tags);
      return this.#runOrThrow(id);
    });
  }

  updateRun(id: string, update: RunUpdate): RunRecord {
    if (update.status !== undefined) checkOneOf(update.status, RUN_STATUSES, 'run status');
    const sets: string[] = [];
    const values: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      values.push(value);
    };
    if (update.status !== undefined) set('status', update.status);
    if (update.plan !== undefined) set('plan', toJson(update.plan, 'run plan'));
    if (update.startedAt !== undefined) set('started_at', toMsOrNull(update.startedAt, 'startedAt'));
    if (update.finishedAt !== undefined) set('finished_at', toMsOrNull(update.finishedAt, 'finishedAt'));
    if (update.pid !== undefined) set('pid', update.pid);
    if (update.host !== undefined) set('host', update.host);
    if (update.error !== undefined) set('error', update.error);
    if (update.tags !== undefined) set('tags', toJson(checkTags(update.tags), 'run tags'));
    return this.#write(() => {
      if (sets.length > 0) {
        const result = this.#stmt(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
        if (result.changes === 0) throw unknownRun(id);
      }
      return this.#runOrThrow(id);
    });
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.#stmt('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : runFromRow(row);
  }

  listRuns(options: ListRunsOptions = {}): RunRecord[] {
    const where: string[] = [];
    const values: unknown[] = [];
    if (options.status !== undefined) {
      const statuses = typeof options.status === 'string' ? [options.status] : [...options.status];
      for (const status of statuses) checkOneOf(status, RUN_STATUSES, 'run status');
      where.push(`status IN (${statuses.map(() => '?').join(', ') || 'NULL'})`);
      values.push(...statuses);
    }
    if (options.kind !== undefined) {
      where.push('kind = ?');
      values.push(options.kind);
    }
    if (options.parentRunId !== undefined) {
      where.push('parent_run_id = ?');
      values.push(options.parentRunId);
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
    return (this.#stmt(sql).all(...values, checkLimit(options.limit, 50)) as Row[]).map(runFromRow);
  }

  #runOrThrow(id: string): RunRecord {
    const run = this.getRun(id);
    if (run === undefined) throw unknownRun(id);
    return run;
  }

  // ---------------------------------------------------------------- steps

  upsertStep(step: StepUpsert): StepRecord {
    return this.upsertSteps([step])[0]!;
  }

  upsertSteps(steps: readonly StepUpsert[]): StepRecord[] {
    for (const step of steps) {
      checkId(step.runId, 'run id');
      checkString(step.stepId, 'step id');
      if (step.status !== undefined) checkOneOf(step.status, STEP_STATUSES, 'step status');
      if (step.assetKey !== undefined) checkAssetKey(step.assetKey);
      if (step.attempt !== undefined && !(Number.isInteger(step.attempt) && step.attempt >= 0)) {
        throw new QuarryError('QUARRY_BAD_ARGUMENT', `Step "${step.stepId}" has attempt ${String(step.attempt)}: an attempt is a whole number from 0.`);
      }
    }
    if (steps.length === 0) return [];
    return this.#write(() => {
      const now = this.#nowMs();
      const knownRuns = new Set<string>();
      const out: StepRecord[] = [];
      for (const step of steps) {
        if (!knownRuns.has(step.runId)) {
          if (this.#stmt('SELECT 1 FROM runs WHERE id = ?').get(step.runId) === undefined) throw unknownRun(step.runId);
          knownRuns.add(step.runId);
        }
        const existing = this.#stmt('SELECT * FROM steps WHERE run_id = ? AND step_id = ?').get(step.runId, step.stepId) as Row | undefined;
        const before = existing === undefined ? undefined : stepFromRow(existing);
        if (before === undefined && step.assetKey === undefined) {
          throw new QuarryError('QUARRY_BAD_ARGUMENT', `Step "${step.stepId}" of run ${step.runId} is new, so it needs an assetKey.`, { details: { runId: step.runId, stepId: step.stepId } });
        }
        const merged: StepRecord = {
          runId: step.runId,
          stepId: step.stepId,
          assetKey: step.assetKey ?? before!.assetKey,
          partitions: step.partitions !== undefined ? step.partitions : before?.partitions ?? [],
          status: step.status ?? before?.status ?? 'pending',
          reason: step.reason !== undefined ? step.reason : before?.reason ?? null,
          attempt: step.attempt ?? before?.attempt ?? 0,
          error: step.error !== undefined ? step.error : before?.error ?? null,
          startedAt: step.startedAt !== undefined ? step.startedAt : before?.startedAt ?? null,
          finishedAt: step.finishedAt !== undefined ? step.finishedAt : before?.finishedAt ?? null,
          timings: step.timings !== undefined ? step.timings : before?.timings ?? null,
          updatedAt: new Date(now),
        };
        this.#stmt(`INSERT INTO steps (run_id, step_id, asset_key, partitions, status, reason, attempt, error, started_at, finished_at, timings, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (run_id, step_id) DO UPDATE SET asset_key = excluded.asset_key, partitions = excluded.partitions, status = excluded.status,
            reason = excluded.reason, attempt = excluded.attempt, error = excluded.error, started_at = excluded.started_at,
            finished_at = excluded.finished_at, timings = excluded.timings, updated_at = excluded.updated_at`).run(
          merged.runId, merged.stepId, merged.assetKey, toJson(merged.partitions, 'step partitions'), merged.status, merged.reason, merged.attempt,
          merged.error, toMsOrNull(merged.startedAt, 'startedAt'), toMsOrNull(merged.finishedAt, 'finishedAt'),
          merged.timings === null ? null : toJson(merged.timings as JsonValue, 'step timings'), now);
        out.push(merged);
      }
      return out;
    });
  }

  listSteps(runId: string): StepRecord[] {
    return (this.#stmt('SELECT * FROM steps WHERE run_id = ? ORDER BY id').all(runId) as Row[]).map(stepFromRow);
  }

  lastRunActivity(runId: string): Date | null {
    // Both lookups ride an index: events (run_id, id) and steps (run_id, step_id).
    const row = this.#stmt(
      `SELECT MAX(t) AS t FROM (SELECT (SELECT ts FROM events WHERE run_id = ? ORDER BY id DESC LIMIT 1) AS t
         UNION ALL SELECT MAX(updated_at) FROM steps WHERE run_id = ?)`,
    ).get(runId, runId) as { t: number | null } | undefined;
    return row?.t === null || row?.t === undefined ? null : new Date(row.t);
  }

  partitionsPendingElsewhere(asset: string, partitions: readonly string[], exceptRunId: string): { runId: string; partition: string; pid: number | null; host: string | null }[] {
    if (partitions.length === 0) return [];
    const rows = this.#stmt(
      `SELECT s.run_id AS runId, p.value AS partition, r.pid AS pid, r.host AS host
         FROM steps s JOIN runs r ON r.id = s.run_id, json_each(s.partitions) p
        WHERE s.asset_key = ? AND s.status IN ('pending', 'running') AND r.status = 'running' AND s.run_id <> ?
          AND p.value IN (SELECT value FROM json_each(?))`,
    ).all(asset, exceptRunId, JSON.stringify(partitions)) as { runId: string; partition: string; pid: number | null; host: string | null }[];
    return rows;
  }

  // ---------------------------------------------------------------- events

  appendEvents(events: readonly NewEvent[]): EventRecord[] {
    const rows = events.map((event) => {
      checkId(event.runId, 'event run id');
      checkString(event.type, 'event type');
      const level = event.level ?? 'info';
      checkOneOf(level, EVENT_LEVELS, 'event level');
      return { event, level, data: toJson(event.data ?? null, 'event data'), message: event.message ?? '' };
    });
    if (rows.length === 0) return [];
    return this.#write(() => {
      const now = this.#nowMs();
      const insert = this.#stmt('INSERT INTO events (run_id, step_id, ts, level, type, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
      return rows.map(({ event, level, data, message }) => {
        const timestamp = event.timestamp === undefined ? now : toMs(event.timestamp, 'event timestamp');
        const id = Number(insert.run(event.runId, event.stepId ?? null, timestamp, level, event.type, message, data).lastInsertRowid);
        return { id, runId: event.runId, stepId: event.stepId ?? null, timestamp: new Date(timestamp), level, type: event.type, message, data: event.data ?? null };
      });
    });
  }

  listEvents(options: ListEventsOptions = {}): EventRecord[] {
    const where = ['id > ?'];
    const values: unknown[] = [options.afterId ?? 0];
    if (options.runId !== undefined) {
      where.push('run_id = ?');
      values.push(options.runId);
    }
    if (options.stepId !== undefined) {
      where.push('step_id = ?');
      values.push(options.stepId);
    }
    if (options.types !== undefined) {
      where.push(`type IN (${options.types.map(() => '?').join(', ') || 'NULL'})`);
      values.push(...options.types);
    }
    const sql = `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`;
    return (this.#stmt(sql).all(...values, checkLimit(options.limit, 1000)) as Row[]).map((row) => ({
      id: row.id as number,
      runId: row.run_id as string,
      stepId: row.step_id as string | null,
      timestamp: new Date(row.ts as number),
      level: row.level as EventLevel,
      type: row.type as string,
      message: row.message as string,
      data: fromJson(row.data) ?? null,
    }));
  }

  // ---------------------------------------------------------------- materializations

  commitMaterializations(materializations: readonly NewMaterialization[]): MaterializationRecord[] {
    // Validate and serialize everything before taking the write lock, so a bad input costs other processes nothing.
    const prepared = materializations.map(prepareMaterialization);
    if (prepared.length === 0) return [];
    return this.#write(() => {
      const state = this.#stmt('SELECT seq, last_commit_at FROM catalog_state WHERE id = 1').raw().get() as [number, number];
      const firstSeq = state[0] + 1;
      let seq = state[0];
      // Commit times never go backwards, even across processes with skewed clocks, so as-of queries follow commit order.
      const committedAt = Math.max(this.#nowMs(), state[1]);
      const selectCurrent = this.#stmt(`SELECT v.data_version, c.data_seq, c.seq FROM current_partitions c JOIN current_versions v USING (asset_id, partition_key)
        WHERE c.asset_id = ? AND c.partition_key = ?`).raw();
      const insertMaterialization = this.#stmt(`INSERT INTO materializations (asset_id, partition_key, run_id, step_id, created_at, files, row_count, bytes,
        data_version, code_version_id, input_fingerprint, input_seqs, output_schema, metadata, seq, data_seq)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      const insertFile = this.#stmt('INSERT OR IGNORE INTO materialization_files (materialization_id, path, size, sha256) VALUES (?, ?, ?, ?)');
      const clearLost = this.#stmt('DELETE FROM lost_versions WHERE asset_id = ? AND partition_key = ?');
      const upsertCurrent = this.#stmt(`INSERT INTO current_partitions (asset_id, partition_key, materialization_id, seq, data_seq, code_version_id,
        max_input_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (asset_id, partition_key) DO UPDATE SET materialization_id = excluded.materialization_id, seq = excluded.seq,
          data_seq = excluded.data_seq, code_version_id = excluded.code_version_id, max_input_seq = excluded.max_input_seq,
          created_at = excluded.created_at`);
      const upsertVersions = this.#stmt(`INSERT INTO current_versions (asset_id, partition_key, data_version, input_fingerprint) VALUES (?, ?, ?, ?)
        ON CONFLICT (asset_id, partition_key) DO UPDATE SET data_version = excluded.data_version, input_fingerprint = excluded.input_fingerprint`);
      const clearFailure = this.#stmt('DELETE FROM partition_failures WHERE asset_id = ? AND partition_key = ?');
      const insertEdge = this.#stmt(`INSERT INTO lineage_edges (from_asset_id, from_partition_key, from_materialization_id, from_data_version,
        to_asset_id, to_partition_key, to_materialization_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
      const records: MaterializationRecord[] = [];
      for (const m of prepared) {
        const assetId = this.#assetIdForWrite(m.input.assetKey);
        const codeVersionId = this.#codeVersionIdForWrite(m.input.codeVersion);
        const previous = selectCurrent.get(assetId, m.input.partitionKey) as [string, number, number] | undefined;
        // The partition came earlier in this same call: that version was current for a moment only.
        if (previous !== undefined && previous[2] >= firstSeq) records[previous[2] - firstSeq] = { ...records[previous[2] - firstSeq]!, current: false };
        seq += 1;
        const dataSeq = previous !== undefined && previous[0] === m.input.dataVersion ? previous[1] : seq;
        const id = Number(insertMaterialization.run(assetId, m.input.partitionKey, m.input.runId ?? null, m.input.stepId ?? null, committedAt,
          m.files, m.input.rowCount ?? null, m.input.bytes ?? null, m.input.dataVersion, codeVersionId, m.input.inputFingerprint ?? null,
          m.inputSeqs, m.outputSchema, m.metadata, seq, dataSeq).lastInsertRowid);
        for (const path of m.input.files) {
          const checksum = m.input.fileChecksums?.find((f) => f.path === path);
          insertFile.run(id, path, checksum?.size ?? null, checksum?.sha256 ?? null);
        }
        clearLost.run(assetId, m.input.partitionKey);
        upsertCurrent.run(assetId, m.input.partitionKey, id, seq, dataSeq, codeVersionId, m.maxInputSeq, committedAt);
        upsertVersions.run(assetId, m.input.partitionKey, m.input.dataVersion, m.input.inputFingerprint ?? null);
        clearFailure.run(assetId, m.input.partitionKey);
        for (const source of m.input.lineage ?? []) {
          insertEdge.run(this.#assetIdForWrite(source.assetKey), source.partitionKey, source.materializationId ?? null,
            source.dataVersion ?? null, assetId, m.input.partitionKey, id, committedAt);
        }
        records.push({
          id, assetKey: m.input.assetKey, partitionKey: m.input.partitionKey, runId: m.input.runId ?? null, stepId: m.input.stepId ?? null,
          createdAt: new Date(committedAt), files: [...m.input.files], rowCount: m.input.rowCount ?? null, bytes: m.input.bytes ?? null,
          dataVersion: m.input.dataVersion, codeVersion: m.input.codeVersion, inputFingerprint: m.input.inputFingerprint ?? null,
          inputSeqs: { ...m.input.inputSeqs }, outputSchema: m.input.outputSchema ?? null, metadata: { ...m.input.metadata },
          seq, dataSeq, current: true,
        });
      }
      this.#stmt('UPDATE catalog_state SET seq = ?, last_commit_at = ? WHERE id = 1').run(seq, committedAt);
      return records;
    });
  }

  getMaterialization(id: number): MaterializationRecord | undefined {
    const row = this.#stmt(`SELECT ${MATERIALIZATION_COLUMNS} FROM materializations m ${MATERIALIZATION_JOINS} WHERE m.id = ?`).get(id) as Row | undefined;
    return row === undefined ? undefined : materializationFromRow(row);
  }

  currentMaterialization(asset: string, partition: string): MaterializationRecord | undefined {
    const assetId = this.#assetIdForRead(asset);
    if (assetId === undefined) return undefined;
    const row = this.#stmt(`SELECT ${MATERIALIZATION_COLUMNS} FROM current_partitions cp JOIN materializations m ON m.id = cp.materialization_id ${MATERIALIZATION_JOINS}
      WHERE cp.asset_id = ? AND cp.partition_key = ?`).get(assetId, partition) as Row | undefined;
    return row === undefined ? undefined : materializationFromRow(row);
  }

  currentPartitions(asset: string, options: CurrentPartitionsOptions = {}): CurrentPartitions {
    const columns = new Set(options.columns ?? []);
    return this.#cachedRead(`current\u0000${asset}\u0000${[...columns].sort().join(',')}`, () => this.#readCurrentPartitions(asset, columns));
  }

  #readCurrentPartitions(asset: string, columns: ReadonlySet<CurrentPartitionsColumn>): CurrentPartitions {
    const assetId = this.#assetIdForRead(asset);
    if (assetId === undefined) return emptyCurrentPartitions(asset, columns);
    // One aggregate row instead of a million row objects: SQLite joins each column into one string
    // (numbers as a JSON array, strings separated by a control character that keys and versions
    // cannot contain), and JSON.parse or split turn those into arrays. The ordered subqueries fix the
    // aggregation order, and the primary key delivers that order without sorting.
    const hotOptional = HOT_OPTIONAL_COLUMNS.filter((c) => columns.has(c));
    const versions = VERSION_COLUMNS.filter((c) => columns.has(c));
    const hotSql = `SELECT ${[...HOT_AGGREGATES, ...hotOptional.map((c) => OPTIONAL_COLUMN_SQL[c].aggregate)].join(', ')}
      FROM (SELECT ${[...HOT_INNER, ...hotOptional.map((c) => OPTIONAL_COLUMN_SQL[c].inner)].join(', ')}
        FROM current_partitions WHERE asset_id = ? ORDER BY partition_key)`;
    const versionSql = `SELECT count(*), ${versions.map((c) => OPTIONAL_COLUMN_SQL[c].aggregate).join(', ')}
      FROM (SELECT ${versions.map((c) => OPTIONAL_COLUMN_SQL[c].inner).join(', ')} FROM current_versions WHERE asset_id = ? ORDER BY partition_key)`;
    // Both tables change in the same transactions, so reading them in one read transaction keeps the rows aligned.
    const [row, versionRow] = this.#db.transaction((): [unknown[], unknown[] | undefined] => [
      this.#stmt(hotSql).raw().get(assetId) as unknown[],
      versions.length > 0 ? (this.#stmt(versionSql).raw().get(assetId) as unknown[]) : undefined,
    ]).deferred();
    const size = row[0] as number;
    if (size === 0) return emptyCurrentPartitions(asset, columns);
    const result: { -readonly [K in keyof CurrentPartitions]: CurrentPartitions[K] } = {
      assetKey: asset,
      size,
      keys: (row[1] as string).split(KEY_SEPARATOR),
      codeVersions: this.#codeVersionStrings(numberColumn(row[2], size)),
      dataSeqs: numberColumn(row[3], size),
      maxInputSeqs: numberColumn(row[4], size),
    };
    hotOptional.forEach((column, index) => {
      const value = row[HOT_AGGREGATES.length + index];
      if (column === 'materializationIds') result.materializationIds = numberColumn(value, size);
      else if (column === 'seqs') result.seqs = numberColumn(value, size);
      else if (column === 'createdAt') result.createdAt = numberColumn(value, size);
      else result.inputSeqs = JSON.parse(value as string) as Record<string, number>[];
    });
    versions.forEach((column, index) => {
      const value = (versionRow![1 + index] as string).split(KEY_SEPARATOR);
      if (column === 'dataVersions') result.dataVersions = value;
      else result.inputFingerprints = value.map((f) => (f === NULL_MARKER ? null : f));
    });
    return result;
  }

  materializationHistory(asset: string, partition?: string, options: MaterializationHistoryOptions = {}): MaterializationRecord[] {
    const assetId = this.#assetIdForRead(asset);
    if (assetId === undefined) return [];
    const where = ['m.asset_id = ?'];
    const values: unknown[] = [assetId];
    if (partition !== undefined) {
      where.push('m.partition_key = ?');
      values.push(partition);
    }
    if (options.beforeSeq !== undefined) {
      where.push('m.seq < ?');
      values.push(options.beforeSeq);
    }
    const sql = `SELECT ${MATERIALIZATION_COLUMNS} FROM materializations m ${MATERIALIZATION_JOINS} WHERE ${where.join(' AND ')} ORDER BY m.seq DESC LIMIT ?`;
    return (this.#stmt(sql).all(...values, checkLimit(options.limit, 100)) as Row[]).map(materializationFromRow);
  }

  materializationsAsOf(asset: string, asOf: Date | number | string): MaterializationRecord[] {
    const at = parseAsOf(asOf);
    const assetId = this.#assetIdForRead(asset);
    if (assetId === undefined) return [];
    // The version current at `at` is the partition's last commit at or before it: commit times follow commit order.
    const sql = `WITH picked AS (SELECT max(seq) AS seq FROM materializations WHERE asset_id = ? AND created_at <= ? GROUP BY partition_key)
      SELECT ${MATERIALIZATION_COLUMNS} FROM picked JOIN materializations m ON m.seq = picked.seq ${MATERIALIZATION_JOINS} ORDER BY m.partition_key`;
    return (this.#stmt(sql).all(assetId, at) as Row[]).map(materializationFromRow);
  }

  referencedFiles(): string[] {
    return this.#stmt('SELECT DISTINCT path FROM materialization_files ORDER BY path').pluck().all() as string[];
  }

  removeUnreferencedFiles(candidates: readonly VacuumCandidate[], options: RemoveUnreferencedFilesOptions): string[] {
    const removed: string[] = [];
    // A tier move's copy is kept from before it is written until its move is finished (storage tiers).
    const referencedOne = this.#stmt('SELECT 1 FROM materialization_files WHERE path = ? UNION ALL SELECT 1 FROM storage_moves WHERE to_path = ? LIMIT 1');
    const referenced = { get: (path: string) => referencedOne.get(path, path) };
    const runOf = this.#stmt('SELECT status, pid, host FROM runs WHERE id = ?');
    const grace = options.graceCutoff.getTime();
    const decide = (batch: readonly VacuumCandidate[]) => {
      for (const candidate of batch) {
        if (referenced.get(candidate.path) !== undefined && options.treatAsUnreferenced?.has(candidate.path) !== true) continue;
        const runId = options.runIdOf(candidate.path);
        const run = runId === undefined ? undefined : (runOf.get(runId) as { status: string; pid: number | null; host: string | null } | undefined);
        // A live run may still commit its files; a file of no run on record waits out the grace period
        // (a writer this catalog does not know, or a clock we cannot trust).
        if (run === undefined ? candidate.modifiedAt.getTime() >= grace : this.#isLiveRun(run)) continue;
        options.remove?.(candidate.path);
        removed.push(candidate.path);
      }
    };
    // Batches keep each write lock short; inside one, a commit cannot slip between the check and the removal.
    for (let i = 0; i < candidates.length; i += RETENTION_BATCH) {
      const batch = candidates.slice(i, i + RETENTION_BATCH);
      if (options.remove === undefined) decide(batch);
      else this.#write(() => decide(batch));
    }
    return removed;
  }

  #isLiveRun(run: { status: string; pid: number | null; host: string | null }): boolean {
    if (run.status !== 'running' && run.status !== 'queued') return false;
    // Only a process on this machine can be probed; any other is presumed alive.
    return run.pid === null || run.host !== this.#host || isProcessAlive(run.pid);
  }

  currentFiles(asset: string, partitionKeys?: readonly string[]): CurrentFileRecord[] {
    const assetId = this.#assetIdForRead(asset);
    if (assetId === undefined) return [];
    if (partitionKeys !== undefined) {
      // A primary-key lookup per partition: a plan of a few partitions does not read every file's row.
      const one = this.#stmt(`SELECT c.partition_key, c.materialization_id, f.path, f.size, f.sha256 FROM current_partitions c
        JOIN materialization_files f ON f.materialization_id = c.materialization_id WHERE c.asset_id = ? AND c.partition_key = ? ORDER BY f.path`).raw();
      const rows = this.#db.transaction(() => [...new Set(partitionKeys)].sort().flatMap((key) => one.all(assetId, key) as [string, number, string, number | null, string | null][])).deferred();
      return rows.map(([partitionKey, materializationId, path, size, sha256]) => ({ partitionKey, materializationId, path, size, sha256 }));
    }
    return this.#cachedRead(`files\u0000${asset}`, () => {
      const rows = this.#stmt(`SELECT c.partition_key, c.materialization_id, f.path, f.size, f.sha256 FROM current_partitions c
        JOIN materialization_files f ON f.materialization_id = c.materialization_id WHERE c.asset_id = ? ORDER BY c.partition_key, f.path`).raw().all(assetId) as [string, number, string, number | null, string | null][];
      return rows.map(([partitionKey, materializationId, path, size, sha256]) => ({ partitionKey, materializationId, path, size, sha256 }));
    });
  }

  markVersionsLost(items: readonly { readonly assetKey: string; readonly partitionKey: string; readonly materializationId: number; readonly detail: string }[]): number {
    if (items.length === 0) return 0;
    return this.#write(() => {
      const now = this.#nowMs();
      const dropCurrent = this.#stmt('DELETE FROM current_partitions WHERE asset_id = ? AND partition_key = ? AND materialization_id = ?');
      const dropVersion = this.#stmt('DELETE FROM current_versions WHERE asset_id = ? AND partition_key = ?');
      const insertLost = this.#stmt('INSERT OR REPLACE INTO lost_versions (materialization_id, asset_id, partition_key, detail, lost_at) VALUES (?, ?, ?, ?, ?)');
      let marked = 0;
      for (const item of items) {
        const assetId = this.#assetIdForRead(item.assetKey);
        if (assetId === undefined) continue;
        if (dropCurrent.run(assetId, item.partitionKey, item.materializationId).changes === 0) continue;
        dropVersion.run(assetId, item.partitionKey);
        insertLost.run(item.materializationId, assetId, item.partitionKey, item.detail, now);
        marked += 1;
      }
      return marked;
    });
  }

  lostPartitions(asset: string): LostPartition[] {
    const assetId = this.#assetIdForRead(asset);
    if (assetId === undefined) return [];
    const rows = this.#stmt(`SELECT partition_key, materialization_id, detail, lost_at FROM lost_versions l WHERE asset_id = ?
      AND NOT EXISTS (SELECT 1 FROM current_partitions c WHERE c.asset_id = l.asset_id AND c.partition_key = l.partition_key)
      ORDER BY partition_key, lost_at DESC`).raw().all(assetId) as [string, number, string, number][];
    const seen = new Set<string>();
    const lost: LostPartition[] = [];
    for (const [partitionKey, materializationId, detail, lostAt] of rows) {
      if (seen.has(partitionKey)) continue;
      seen.add(partitionKey);
      lost.push({ assetKey: asset, partitionKey, materializationId, detail, lostAt: new Date(lostAt) });
    }
    return lost;
  }

  instanceId(): string {
    return this.#stmt('SELECT instance_id FROM catalog_identity WHERE id = 1').pluck().get() as string;
  }

  isEmpty(): boolean {
    return this.#stmt('SELECT NOT EXISTS (SELECT 1 FROM runs) AND NOT EXISTS (SELECT 1 FROM materializations)').pluck().get() === 1;
  }

  deleteMaterializationsOlderThan(cutoff: Date, options: { readonly dryRun?: boolean } = {}): RetentionResult {
    const cutoffMs = toMs(cutoff, 'retention cutoff');
    const maxId = (this.#stmt('SELECT max(id) FROM materializations WHERE created_at <= ?').pluck().get(cutoffMs) as number | null) ?? 0;
    // Superseded by cutoff: an as-of read at any time from cutoff on sees the newer version instead.
    const expired = () =>
      this.#stmt(`SELECT m.id FROM materializations m WHERE m.id > ? AND m.id <= ?
        AND NOT EXISTS (SELECT 1 FROM current_partitions c WHERE c.materialization_id = m.id)
        AND EXISTS (SELECT 1 FROM materializations n WHERE n.asset_id = m.asset_id AND n.partition_key = m.partition_key
                    AND n.seq > m.seq AND n.created_at <= ?)
        ORDER BY m.id LIMIT ?`).pluck();
    let afterId = 0;
    let deletedCount = 0;
    const candidates = new Set<string>();
    if (options.dryRun === true) {
      const ids = new Set<number>();
      const selectFiles = this.#stmt('SELECT path FROM materialization_files WHERE materialization_id = ?').pluck();
      for (;;) {
        const batch = expired().all(afterId, maxId, cutoffMs, RETENTION_BATCH) as number[];
        for (const id of batch) {
          ids.add(id);
          for (const path of selectFiles.all(id) as string[]) candidates.add(path);
        }
        if (batch.length < RETENTION_BATCH) break;
        afterId = batch[batch.length - 1]!;
      }
      const namedBy = this.#stmt('SELECT materialization_id FROM materialization_files WHERE path = ?').pluck();
      const unreferencedFiles = [...candidates].filter((path) => (namedBy.all(path) as number[]).every((id) => ids.has(id))).sort();
      return { deletedCount: ids.size, unreferencedFiles };
    }
    for (;;) {
      const batch = this.#write(() => {
        const ids = expired().all(afterId, maxId, cutoffMs, RETENTION_BATCH) as number[];
        const selectFiles = this.#stmt('SELECT path FROM materialization_files WHERE materialization_id = ?').pluck();
        const deleteFiles = this.#stmt('DELETE FROM materialization_files WHERE materialization_id = ?');
        const deleteMaterialization = this.#stmt('DELETE FROM materializations WHERE id = ?');
        const deleteEdgesInto = this.#stmt('DELETE FROM lineage_edges WHERE to_materialization_id = ?');
        for (const id of ids) {
          for (const path of selectFiles.all(id) as string[]) candidates.add(path);
          deleteFiles.run(id);
          deleteMaterialization.run(id);
          // The lineage and check results of a deleted version describe nothing that exists any more.
          deleteEdgesInto.run(id);
        }
        // check_results has no index on materialization_id: one scan per batch, not one per version.
        if (ids.length > 0) this.#stmt('DELETE FROM check_results WHERE materialization_id IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids));
        return ids;
      });
      deletedCount += batch.length;
      if (batch.length < RETENTION_BATCH) break;
      afterId = batch[batch.length - 1]!;
    }
    const stillReferenced = this.#stmt('SELECT 1 FROM materialization_files WHERE path = ? LIMIT 1');
    const unreferencedFiles = [...candidates].filter((path) => stillReferenced.get(path) === undefined).sort();
    return { deletedCount, unreferencedFiles };
  }

  // ---------------------------------------------------------------- size

  pruneRunEvents(cutoff: Date, options: { readonly dryRun?: boolean } = {}): number {
    const cutoffMs = toMs(cutoff, 'event retention cutoff');
    const where = `FROM events WHERE run_id IN (SELECT id FROM runs WHERE finished_at IS NOT NULL AND finished_at <= ?)
      AND type IN (${PRUNABLE_EVENT_TYPES.map((t) => `'${t}'`).join(', ')}) AND level IN ('debug', 'info')`;
    if (options.dryRun === true) return this.#stmt(`SELECT count(*) ${where}`).pluck().get(cutoffMs) as number;
    return this.#write(() => this.#stmt(`DELETE ${where}`).run(cutoffMs).changes);
  }

  pruneAlerts(cutoff: Date, options: { readonly dryRun?: boolean } = {}): number {
    const cutoffMs = toMs(cutoff, 'alert retention cutoff');
    const prunable = `SELECT a.id FROM alerts a WHERE a.created_at < ?
      AND a.id <> (SELECT max(n.id) FROM alerts n WHERE n.dedup_key = a.dedup_key)
      AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_id = a.id AND d.state = 'pending')`;
    if (options.dryRun === true) return this.#stmt(`SELECT count(*) FROM (${prunable})`).pluck().get(cutoffMs) as number;
    return this.#write(() => {
      const ids = this.#stmt(prunable).pluck().all(cutoffMs) as number[];
      const deleteDeliveries = this.#stmt('DELETE FROM alert_deliveries WHERE alert_id = ?');
      const deleteAlert = this.#stmt('DELETE FROM alerts WHERE id = ?');
      for (const id of ids) {
        deleteDeliveries.run(id);
        deleteAlert.run(id);
      }
      return ids.length;
    });
  }

  compact(): CatalogCompaction {
    const bytes = () => (this.#db.pragma('page_count', { simple: true }) as number) * (this.#db.pragma('page_size', { simple: true }) as number);
    const bytesBefore = bytes();
    // A full VACUUM, not auto_vacuum's incremental one: pruning leaves pages half empty (the events
    // of runs interleave), and only a rewrite packs the rows that stay.
    this.#db.exec('VACUUM');
    if (this.location !== ':memory:') this.#db.pragma('wal_checkpoint(TRUNCATE)');
    return { bytesBefore, bytesAfter: bytes() };
  }

  // ---------------------------------------------------------------- failure markers

  recordPartitionFailure(asset: string, partition: string, runId: string | null, message: string, kind: PartitionFailureKind = 'failed'): void {
    checkAssetKey(asset);
    checkPartitionKey(partition);
    checkOneOf(kind, ['failed', 'blocked'] as const, 'failure kind');
    this.#write(() => {
      this.#stmt(`INSERT INTO partition_failures (asset_id, partition_key, kind, run_id, message, failed_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (asset_id, partition_key) DO UPDATE SET kind = excluded.kind, run_id = excluded.run_id, message = excluded.message, failed_at = excluded.failed_at`)
        .run(this.#assetIdForWrite(asset), partition, kind, runId, String(message), this.#nowMs());
    });
  }

  clearPartitionFailures(asset: string, partitions?: readonly string[]): void {
    const assetId = this.#assetIdForRead(asset);
    if (assetId === undefined) return;
    // Steps call this for every partition they find up to date: a read decides, so the common case
    // (no marker) takes no write transaction.
    const marked = this.#stmt('SELECT 1 FROM partition_failures WHERE asset_id = ? AND partition_key = ? LIMIT 1');
    const anyMarked = this.#stmt('SELECT 1 FROM partition_failures WHERE asset_id = ? LIMIT 1');
    if (partitions === undefined ? anyMarked.get(assetId) === undefined : partitions.every((p) => marked.get(assetId, p) === undefined)) return;
    this.#write(() => {
      if (partitions === undefined) {
        this.#stmt('DELETE FROM partition_failures WHERE asset_id = ?').run(assetId);
        return;
      }
      const remove = this.#stmt('DELETE FROM partition_failures WHERE asset_id = ? AND partition_key = ?');
      for (const partition of partitions) remove.run(assetId, partition);
    });
  }

  failedPartitions(asset: string): PartitionFailure[] {
    const assetId = this.#assetIdForRead(asset);
    if (assetId === undefined) return [];
    const rows = this.#stmt('SELECT partition_key, kind, run_id, message, failed_at FROM partition_failures WHERE asset_id = ? ORDER BY partition_key').all(assetId) as Row[];
    return rows.map((row) => ({
      assetKey: asset,
      partitionKey: row.partition_key as string,
      kind: row.kind as PartitionFailureKind,
      runId: row.run_id as string | null,
      message: row.message as string,
      failedAt: new Date(row.failed_at as number),
    }));
  }

  // ---------------------------------------------------------------- leases

  acquireLeases(owner: LeaseOwner, items: readonly LeaseItem[], ttlMs: number): AcquireLeasesResult {
    const host = this.#ownerHost(owner);
    checkTtl(ttlMs);
    const wanted = uniqueLeaseItems(items);
    return this.#write(() => {
      const now = this.#nowMs();
      const select = this.#stmt('SELECT run_id, pid, host, acquired_at, expires_at FROM leases WHERE asset_id = ? AND partition_key = ?');
      const heldBy: LeaseHolder[] = [];
      const assetIds = wanted.map((item) => this.#assetIdForWrite(item.asset));
      wanted.forEach((item, index) => {
        const row = select.get(assetIds[index], item.partition) as Row | undefined;
        if (row === undefined) return;
        const holder = leaseHolderFromRow(item.asset, item.partition, row);
        const own = holder.runId === owner.runId && holder.pid === owner.pid && holder.host === host;
        const expired = holder.expiresAt.getTime() <= now;
        const deadHere = holder.host === this.#host && !isProcessAlive(holder.pid);
        if (!own && !expired && !deadHere) heldBy.push(holder);
      });
      if (heldBy.length > 0) return { acquired: false, heldBy };
      const upsert = this.#stmt(`INSERT INTO leases (asset_id, partition_key, run_id, pid, host, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (asset_id, partition_key) DO UPDATE SET run_id = excluded.run_id, pid = excluded.pid, host = excluded.host,
          acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`);
      wanted.forEach((item, index) => upsert.run(assetIds[index], item.partition, owner.runId, owner.pid, host, now, now + ttlMs));
      return { acquired: true, heldBy: [] };
    });
  }

  renewLeases(owner: LeaseOwner, ttlMs: number, items?: readonly LeaseItem[]): RenewLeasesResult {
    const host = this.#ownerHost(owner);
    checkTtl(ttlMs);
    return this.#write(() => {
      const expiresAt = this.#nowMs() + ttlMs;
      if (items === undefined) {
        const { changes } = this.#stmt('UPDATE leases SET expires_at = ? WHERE run_id = ? AND pid = ? AND host = ?').run(expiresAt, owner.runId, owner.pid, host);
        return { renewed: changes, lost: [] };
      }
      const update = this.#stmt('UPDATE leases SET expires_at = ? WHERE asset_id = ? AND partition_key = ? AND run_id = ? AND pid = ? AND host = ?');
      let renewed = 0;
      const lost: LeaseItem[] = [];
      for (const item of uniqueLeaseItems(items)) {
        const assetId = this.#assetIdForRead(item.asset);
        const changes = assetId === undefined ? 0 : update.run(expiresAt, assetId, item.partition, owner.runId, owner.pid, host).changes;
        if (changes > 0) renewed += 1;
        else lost.push(item);
      }
      return { renewed, lost };
    });
  }

  releaseLeases(owner: LeaseOwner, items?: readonly LeaseItem[]): number {
    const host = this.#ownerHost(owner);
    return this.#write(() => {
      if (items === undefined) {
        return this.#stmt('DELETE FROM leases WHERE run_id = ? AND pid = ? AND host = ?').run(owner.runId, owner.pid, host).changes;
      }
      const remove = this.#stmt('DELETE FROM leases WHERE asset_id = ? AND partition_key = ? AND run_id = ? AND pid = ? AND host = ?');
      let released = 0;
      for (const item of uniqueLeaseItems(items)) {
        const assetId = this.#assetIdForRead(item.asset);
        if (assetId !== undefined) released += remove.run(assetId, item.partition, owner.runId, owner.pid, host).changes;
      }
      return released;
    });
  }

  listLeases(asset?: string): LeaseHolder[] {
    let rows: Row[];
    if (asset === undefined) {
      rows = this.#stmt('SELECT a.asset_key, l.* FROM leases l JOIN assets a ON a.id = l.asset_id ORDER BY a.asset_key, l.partition_key').all() as Row[];
    } else {
      const assetId = this.#assetIdForRead(asset);
      if (assetId === undefined) return [];
      rows = this.#stmt('SELECT a.asset_key, l.* FROM leases l JOIN assets a ON a.id = l.asset_id WHERE l.asset_id = ? ORDER BY l.partition_key').all(assetId) as Row[];
    }
    return rows.map((row) => leaseHolderFromRow(row.asset_key as string, row.partition_key as string, row));
  }

  #ownerHost(owner: LeaseOwner): string {
    checkId(owner.runId, 'lease owner run id');
    if (!Number.isInteger(owner.pid) || owner.pid <= 0) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `Lease owner pid ${String(owner.pid)} is invalid: give the owning process id.`);
    }
    return owner.host ?? this.#host;
  }

  // ---------------------------------------------------------------- checks and lineage

  recordCheckResults(results: readonly NewCheckResult[]): CheckResultRecord[] {
    const prepared = results.map((result) => {
      checkAssetKey(result.assetKey);
      checkPartitionKey(result.partitionKey);
      checkString(result.checkName, 'check name');
      checkString(result.severity, 'check severity');
      return {
        result,
        observed: toJson(result.observedValue ?? null, 'check observed value'),
        threshold: toJson(result.threshold ?? null, 'check threshold'),
        sampleRows: result.sampleRows == null ? null : toJson([...result.sampleRows], 'check sample rows'),
        metadata: toJson(result.metadata ?? {}, 'check metadata')!,
      };
    });
    if (prepared.length === 0) return [];
    return this.#write(() => {
      const now = this.#nowMs();
      const insert = this.#stmt(`INSERT INTO check_results (asset_id, partition_key, check_name, run_id, materialization_id, passed, severity,
        observed_value, threshold, failing_count, sample_rows, message, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      return prepared.map(({ result, observed, threshold, sampleRows, metadata }) => {
        const id = Number(insert.run(this.#assetIdForWrite(result.assetKey), result.partitionKey, result.checkName, result.runId ?? null,
          result.materializationId ?? null, result.passed ? 1 : 0, result.severity, observed, threshold, result.failingCount ?? null,
          sampleRows, result.message ?? null, metadata, now).lastInsertRowid);
        return {
          id, assetKey: result.assetKey, partitionKey: result.partitionKey, checkName: result.checkName, runId: result.runId ?? null,
          materializationId: result.materializationId ?? null, passed: result.passed, severity: result.severity,
          observedValue: result.observedValue ?? null, threshold: result.threshold ?? null, failingCount: result.failingCount ?? null,
          sampleRows: result.sampleRows == null ? null : [...result.sampleRows], message: result.message ?? null,
          metadata: { ...result.metadata }, createdAt: new Date(now),
        };
      });
    });
  }

  listCheckResults(options: ListCheckResultsOptions): CheckResultRecord[] {
    const assetId = this.#assetIdForRead(options.asset);
    if (assetId === undefined) return [];
    const where = ['asset_id = ?'];
    const values: unknown[] = [assetId];
    if (options.partition !== undefined) {
      where.push('partition_key = ?');
      values.push(options.partition);
    }
    if (options.checkName !== undefined) {
      where.push('check_name = ?');
      values.push(options.checkName);
    }
    if (options.runId !== undefined) {
      where.push('run_id = ?');
      values.push(options.runId);
    }
    const filter = where.join(' AND ');
    // Latest per check: published results, results recorded outside a run, and unpublished ones of the
    // attempt whose failure marker stands.
    const latestFilter = where.map((w) => `c.${w}`).join(' AND ');
    const sql = options.latestOnly
      ? `SELECT * FROM check_results WHERE id IN (SELECT max(c.id) FROM check_results c
           LEFT JOIN partition_failures f ON f.asset_id = c.asset_id AND f.partition_key = c.partition_key
           WHERE ${latestFilter} AND (c.materialization_id IS NOT NULL OR c.run_id IS NULL OR c.run_id = f.run_id)
           GROUP BY c.partition_key, c.check_name)
         ORDER BY partition_key, check_name LIMIT ?`
      : `SELECT * FROM check_results WHERE ${filter} ORDER BY id DESC LIMIT ?`;
    const limit = checkLimit(options.limit, options.latestOnly ? -1 : 1000);
    return (this.#stmt(sql).all(...values, limit) as Row[]).map((row) => ({
      id: row.id as number,
      assetKey: options.asset,
      partitionKey: row.partition_key as string,
      checkName: row.check_name as string,
      runId: row.run_id as string | null,
      materializationId: row.materialization_id as number | null,
      passed: row.passed === 1,
      severity: row.severity as string,
      observedValue: fromJson(row.observed_value) ?? null,
      threshold: fromJson(row.threshold) ?? null,
      failingCount: row.failing_count as number | null,
      sampleRows: (fromJson(row.sample_rows) as JsonValue[] | undefined) ?? null,
      message: row.message as string | null,
      metadata: fromJson(row.metadata) as Record<string, JsonValue>,
      createdAt: new Date(row.created_at as number),
    }));
  }

  recordObservations(observations: readonly NewObservation[]): ObservationRecord[] {
    for (const o of observations) {
      checkAssetKey(o.assetKey);
      checkPartitionKey(o.partitionKey);
      if (typeof o.dataVersion !== 'string' || o.dataVersion === '') {
        throw new QuarryError('QUARRY_BAD_ARGUMENT', `Observation of "${o.assetKey}" [${o.partitionKey}] has data version ${JSON.stringify(o.dataVersion)}: observe must return a non-empty string (or undefined when there is no data).`);
      }
    }
    if (observations.length === 0) return [];
    return this.#write(() => {
      const state = this.#stmt('SELECT seq, last_commit_at FROM catalog_state WHERE id = 1').raw().get() as [number, number];
      let seq = state[0];
      const now = Math.max(this.#nowMs(), state[1]);
      const select = this.#stmt('SELECT id, data_version, seq, first_observed_at FROM observations WHERE asset_id = ? AND partition_key = ? AND current = 1');
      const touch = this.#stmt('UPDATE observations SET observed_at = ?, run_id = ? WHERE id = ?');
      const retire = this.#stmt('UPDATE observations SET current = 0 WHERE id = ?');
      const insert = this.#stmt(`INSERT INTO observations (asset_id, partition_key, data_version, seq, first_observed_at, observed_at, run_id, current)
        VALUES (?, ?, ?, ?, ?, ?, ?, 1)`);
      const records = observations.map((o): ObservationRecord => {
        const assetId = this.#assetIdForWrite(o.assetKey);
        const runId = o.runId ?? null;
        const current = select.get(assetId, o.partitionKey) as { id: number; data_version: string; seq: number; first_observed_at: number } | undefined;
        if (current !== undefined && current.data_version === o.dataVersion) {
          touch.run(now, runId, current.id);
          return { assetKey: o.assetKey, partitionKey: o.partitionKey, dataVersion: o.dataVersion, seq: current.seq, firstObservedAt: new Date(current.first_observed_at), observedAt: new Date(now), runId };
        }
        if (current !== undefined) retire.run(current.id);
        seq += 1;
        insert.run(assetId, o.partitionKey, o.dataVersion, seq, now, now, runId);
        return { assetKey: o.assetKey, partitionKey: o.partitionKey, dataVersion: o.dataVersion, seq, firstObservedAt: new Date(now), observedAt: new Date(now), runId };
      });
      this.#stmt('UPDATE catalog_state SET seq = ?, last_commit_at = ? WHERE id = 1').run(seq, now);
      return records;
    });
  }

  currentObservations(asset: string, partitions?: readonly string[]): ObservationRecord[] {
    const assetId = this.#assetIdForRead(asset);
    if (assetId === undefined) return [];
    const rows = this.#stmt('SELECT partition_key, data_version, seq, first_observed_at, observed_at, run_id FROM observations WHERE asset_id = ? AND current = 1 ORDER BY partition_key')
      .all(assetId) as { partition_key: string; data_version: string; seq: number; first_observed_at: number; observed_at: number; run_id: string | null }[];
    const wanted = partitions === undefined ? undefined : new Set(partitions);
    return rows
      .filter((r) => wanted === undefined || wanted.has(r.partition_key))
      .map((r) => ({ assetKey: asset, partitionKey: r.partition_key, dataVersion: r.data_version, seq: r.seq, firstObservedAt: new Date(r.first_observed_at), observedAt: new Date(r.observed_at), runId: r.run_id }));
  }

  // schema evolution (issue 16)
  recordSchemaVersion(version: NewSchemaVersion): SchemaVersionRecord {
    checkAssetKey(version.assetKey);
    const columns = toJson(version.columns, `Schema of "${version.assetKey}"`) ?? '[]';
    const changes = toJson(version.changes, `Schema changes of "${version.assetKey}"`) ?? '[]';
    return this.#write(() => {
      const assetId = this.#assetIdForWrite(version.assetKey);
      // Steps of one asset commit in parallel: the first to record a schema wins, the others find it.
      const latest = this.#stmt('SELECT id, materialization_id, partition_key, run_id, created_at, columns, changes FROM schema_versions WHERE asset_id = ? ORDER BY id DESC LIMIT 1').get(assetId) as
        | { id: number; materialization_id: number | null; partition_key: string; run_id: string | null; created_at: number; columns: string; changes: string }
        | undefined;
      if (latest !== undefined && latest.columns === columns) {
        return { assetKey: version.assetKey, id: latest.id, materializationId: latest.materialization_id, partitionKey: latest.partition_key, runId: latest.run_id, createdAt: new Date(latest.created_at), columns: fromJson(latest.columns) ?? [], changes: fromJson(latest.changes) ?? [] };
      }
      const createdAt = this.#nowMs();
      const id = Number(this.#stmt('INSERT INTO schema_versions (asset_id, materialization_id, partition_key, run_id, created_at, columns, changes) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(assetId, version.materializationId, version.partitionKey, version.runId, createdAt, columns, changes).lastInsertRowid);
      return { ...version, id, createdAt: new Date(createdAt) };
    });
  }

  listSchemaVersions(asset: string, options: { limit?: number } = {}): SchemaVersionRecord[] {
    const assetId = this.#assetIdForRead(asset);
    if (assetId === undefined) return [];
    const rows = this.#stmt('SELECT id, materialization_id, partition_key, run_id, created_at, columns, changes FROM schema_versions WHERE asset_id = ? ORDER BY id DESC LIMIT ?')
      .all(assetId, options.limit ?? -1) as { id: number; materialization_id: number | null; partition_key: string; run_id: string | null; created_at: number; columns: string; changes: string }[];
    return rows.reverse().map((r) => ({
      id: r.id,
      assetKey: asset,
      materializationId: r.materialization_id,
      partitionKey: r.partition_key,
      runId: r.run_id,
      createdAt: new Date(r.created_at),
      columns: fromJson(r.columns) ?? [],
      changes: fromJson(r.changes) ?? [],
    }));
  }

  listLineageEdges(options: ListLineageEdgesOptions): LineageEdgeRecord[] {
    const assetId = this.#assetIdForRead(options.asset);
    if (assetId === undefined) return [];
    const side = options.direction === 'upstream' ? 'to' : 'from';
    const where = [`e.${side}_asset_id = ?`];
    const values: unknown[] = [assetId];
    if (options.partition !== undefined) {
      where.push(`e.${side}_partition_key = ?`);
      values.push(options.partition);
    }
    if (options.materializationId !== undefined) {
      where.push(`e.${side}_materialization_id = ?`);
      values.push(options.materializationId);
    }
    const sql = `SELECT e.*, fa.asset_key AS from_asset_key, ta.asset_key AS to_asset_key FROM lineage_edges e
      JOIN assets fa ON fa.id = e.from_asset_id JOIN assets ta ON ta.id = e.to_asset_id
      WHERE ${where.join(' AND ')} ORDER BY e.id DESC LIMIT ?`;
    return (this.#stmt(sql).all(...values, checkLimit(options.limit, 1000)) as Row[]).map((row) => ({
      id: row.id as number,
      fromAssetKey: row.from_asset_key as string,
      fromPartitionKey: row.from_partition_key as string,
      fromMaterializationId: row.from_materialization_id as number | null,
      fromDataVersion: row.from_data_version as string | null,
      toAssetKey: row.to_asset_key as string,
      toPartitionKey: row.to_partition_key as string,
      toMaterializationId: row.to_materialization_id as number,
      createdAt: new Date(row.created_at as number),
    }));
  }

  // ---------------------------------------------------------------- column lineage (metadata and lineage issue)

  recordColumnLineage(record: NewColumnLineageRecord): ColumnLineageRecord {
    checkAssetKey(record.assetKey);
    if (typeof record.codeVersion !== 'string' || record.codeVersion === '') {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `Column lineage of "${record.assetKey}" needs a code version, got ${JSON.stringify(record.codeVersion)}.`);
    }
    const text = toJson(record.lineage, `column lineage of ${record.assetKey}`)!;
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 32);
    return this.#write(() => {
      const now = this.#nowMs();
      const assetId = this.#assetIdForWrite(record.assetKey);
      this.#stmt(`INSERT INTO column_lineage (asset_id, code_version, lineage_hash, lineage, source, run_id, materialization_id, first_recorded_at, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (asset_id, code_version, lineage_hash) DO UPDATE SET recorded_at = excluded.recorded_at, run_id = excluded.run_id,
          materialization_id = coalesce(excluded.materialization_id, column_lineage.materialization_id)`)
        .run(assetId, record.codeVersion, hash, text, record.source, record.runId ?? null, record.materializationId ?? null, now, now);
      const row = this.#stmt('SELECT * FROM column_lineage WHERE asset_id = ? AND code_version = ? AND lineage_hash = ?').get(assetId, record.codeVersion, hash) as Row;
      return columnLineageRecord(record.assetKey, row);
    });
  }

  columnLineage(asset: string, options: { readonly codeVersion?: string } = {}): ColumnLineageRecord | undefined {
    const assetId = this.#assetIdForRead(asset);
    if (assetId === undefined) return undefined;
    const row = (options.codeVersion === undefined
      ? this.#stmt('SELECT * FROM column_lineage WHERE asset_id = ? ORDER BY recorded_at DESC, id DESC LIMIT 1').get(assetId)
      : this.#stmt('SELECT * FROM column_lineage WHERE asset_id = ? AND code_version = ? ORDER BY recorded_at DESC, id DESC LIMIT 1').get(assetId, options.codeVersion)) as Row | undefined;
    return row === undefined ? undefined : columnLineageRecord(asset, row);
  }

  assetSummaries(): CatalogAssetSummary[] {
    const rows = this.#stmt(`SELECT a.asset_key,
        (SELECT count(*) FROM current_partitions c WHERE c.asset_id = a.id) AS current_count,
        (SELECT count(*) FROM partition_failures f WHERE f.asset_id = a.id) AS failed_count,
        (SELECT m.seq FROM materializations m WHERE m.asset_id = a.id ORDER BY m.seq DESC LIMIT 1) AS last_seq,
        (SELECT m.created_at FROM materializations m WHERE m.asset_id = a.id ORDER BY m.seq DESC LIMIT 1) AS last_at
      FROM assets a ORDER BY a.asset_key`).all() as Row[];
    return rows.map((row) => ({
      assetKey: row.asset_key as string,
      currentPartitions: row.current_count as number,
      failedPartitions: row.failed_count as number,
      lastSeq: row.last_seq as number | null,
      lastMaterializedAt: row.last_at === null ? null : new Date(row.last_at as number),
    }));
  }

  // ---------------------------------------------------------------- observability: metrics (read-only aggregates)

  runStatusCounts(): Partial<Record<RunStatus, number>> {
    return this.#cachedRead('metrics\u0000runs', () => {
      const counts: Partial<Record<RunStatus, number>> = {};
      for (const row of this.#stmt('SELECT status, count(*) AS n FROM runs GROUP BY status').all() as { status: RunStatus; n: number }[]) counts[row.status] = row.n;
      return counts;
    });
  }

  stepStatistics(bucketsSeconds: readonly number[]): StepStatistics[] {
    bucketsSeconds.forEach((b, i) => {
      if (typeof b !== 'number' || !Number.isFinite(b) || (i > 0 && b <= bucketsSeconds[i - 1]!)) {
        throw new QuarryError('QUARRY_BAD_ARGUMENT', `Step duration buckets must be finite numbers in ascending order; got ${JSON.stringify(bucketsSeconds)}.`);
      }
    });
    // A duration is the last attempt's end minus its start (what the executor records as timings.totalMs,
    // without parsing JSON per row); clock skew never makes one negative. Rows group by their bucket
    // (one CASE per row rather than one sum per bound), and the buckets are made cumulative here.
    const bucketOf = bucketsSeconds.length === 0 ? '0' : `CASE ${bucketsSeconds.map((_, i) => `WHEN dur <= ? THEN ${i}`).join(' ')} ELSE ${bucketsSeconds.length} END`;
    const sql = `SELECT asset_key, status, count(*) AS steps, sum(max(attempt - 1, 0)) AS retries, count(dur) AS dur_count, coalesce(sum(dur), 0) AS dur_sum,
        CASE WHEN dur IS NULL THEN -1 ELSE ${bucketOf} END AS bucket
      FROM (SELECT asset_key, status, attempt, CASE WHEN status IN ('succeeded', 'failed') THEN max(0, finished_at - started_at) / 1000.0 END AS dur FROM steps)
      GROUP BY asset_key, status, bucket`;
    return this.#cachedRead(`metrics\u0000steps\u0000${bucketsSeconds.join(',')}`, () => {
      const byKey = new Map<string, { assetKey: string; status: StepStatus; steps: number; retries: number; durationCount: number; durationSumSeconds: number; durationBuckets: number[] }>();
      for (const row of this.#stmt(sql).raw().all(...bucketsSeconds) as [string, StepStatus, number, number | null, number, number, number][]) {
        const [assetKey, status, steps, retries, durCount, durSum, bucket] = row;
        const key = `${assetKey}\u0000${status}`;
        let entry = byKey.get(key);
        if (entry === undefined) {
          entry = { assetKey, status, steps: 0, retries: 0, durationCount: 0, durationSumSeconds: 0, durationBuckets: bucketsSeconds.map(() => 0) };
          byKey.set(key, entry);
        }
        entry.steps += steps;
        entry.retries += retries ?? 0;
        entry.durationCount += durCount;
        entry.durationSumSeconds += durSum;
        // A duration in bucket b is ≤ every bound from b on.
        if (bucket >= 0) for (let i = bucket; i < bucketsSeconds.length; i++) entry.durationBuckets[i]! += durCount;
      }
      return [...byKey.values()].sort((a, b) => (a.assetKey < b.assetKey ? -1 : a.assetKey > b.assetKey ? 1 : a.status < b.status ? -1 : a.status > b.status ? 1 : 0));
    });
  }

  materializationTotals(afterId = 0): MaterializationTotals {
    checkCursor(afterId);
    return this.#cachedRead(`metrics\u0000materializations\u0000${afterId}`, () => {
      const rows = this.#stmt(`SELECT a.asset_key, count(*) AS versions, coalesce(sum(m.row_count), 0) AS rows_written, coalesce(sum(m.bytes), 0) AS bytes,
          coalesce(sum(json_extract(m.metadata, '$.bytesBilled')), 0) AS billed, max(m.id) AS last_id
        FROM materializations m JOIN assets a ON a.id = m.asset_id WHERE m.id > ? GROUP BY m.asset_id ORDER BY a.asset_key`).all(afterId) as Row[];
      const newest = this.#stmt('SELECT run_id, step_id FROM materializations WHERE id = ?');
      const stepRows = this.#stmt('SELECT coalesce(sum(row_count), 0) FROM materializations WHERE asset_id = (SELECT asset_id FROM materializations WHERE id = ?) AND run_id = ? AND step_id = ?').pluck();
      const stepDuration = this.#stmt(`SELECT CASE WHEN status IN ('succeeded', 'failed') THEN max(0, finished_at - started_at) END
        FROM steps WHERE run_id = ? AND step_id = ?`).pluck();
      let lastId = afterId;
      const assets: AssetMaterializationTotals[] = rows.map((row) => {
        const id = row.last_id as number;
        lastId = Math.max(lastId, id);
        const step = newest.get(id) as { run_id: string | null; step_id: string | null };
        const latestStep =
          step.run_id === null || step.step_id === null
            ? null
            : { runId: step.run_id, stepId: step.step_id, rows: stepRows.get(id, step.run_id, step.step_id) as number, durationMs: (stepDuration.get(step.run_id, step.step_id) as number | null | undefined) ?? null };
        return { assetKey: row.asset_key as string, versions: row.versions as number, rows: row.rows_written as number, bytes: row.bytes as number, bytesBilled: row.billed as number, latestStep };
      });
      return { lastId, assets };
    });
  }

  checkResultTotals(afterId = 0): CheckResultTotals {
    checkCursor(afterId);
    return this.#cachedRead(`metrics\u0000checks\u0000${afterId}`, () => {
      const rows = this.#stmt(`SELECT a.asset_key, coalesce(json_extract(c.metadata, '$.status'), CASE WHEN c.passed THEN 'passed' ELSE 'failed' END) AS status,
          c.severity, count(*) AS n, max(c.id) AS last_id
        FROM check_results c JOIN assets a ON a.id = c.asset_id WHERE c.id > ? GROUP BY a.asset_key, 2, c.severity ORDER BY a.asset_key, 2, c.severity`).all(afterId) as Row[];
      let lastId = afterId;
      const groups = rows.map((row) => {
        lastId = Math.max(lastId, row.last_id as number);
        return { assetKey: row.asset_key as string, status: String(row.status), severity: row.severity as string, results: row.n as number };
      });
      return { lastId, groups };
    });
  }

  // ---------------------------------------------------------------- targets (issue 13): engine jobs and their cost

  recordEngineJobs(jobs: readonly NewEngineJob[]): void {
    for (const job of jobs) {
      checkString(job.runId, 'engine job run id');
      checkString(job.stepId, 'engine job step id');
      checkString(job.jobId, 'engine job id');
      checkString(job.kind, 'engine job kind');
      for (const [name, value] of [['bytesProcessed', job.bytesProcessed], ['bytesBilled', job.bytesBilled]] as const) {
        if (value !== undefined && value !== null && !(Number.isSafeInteger(value) && value >= 0)) {
          throw new QuarryError('QUARRY_BAD_ARGUMENT', `Engine job ${job.jobId}: ${name} must be a whole number of bytes ≥ 0, got ${safeStringify(value)}.`);
        }
      }
    }
    if (jobs.length === 0) return;
    this.#write(() => {
      const now = this.#nowMs();
      const insert = this.#stmt('INSERT INTO engine_jobs (run_id, step_id, asset_key, partitions, job_id, kind, engine, bytes_processed, bytes_billed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      for (const job of jobs) {
        insert.run(job.runId, job.stepId, job.assetKey, JSON.stringify(job.partitions), job.jobId, job.kind, job.engine, job.bytesProcessed ?? null, job.bytesBilled ?? null, now);
      }
    });
  }

  engineJobs(runId: string, options: { readonly stepId?: string } = {}): EngineJobRecord[] {
    const rows = (options.stepId === undefined
      ? this.#stmt('SELECT * FROM engine_jobs WHERE run_id = ? ORDER BY id').all(runId)
      : this.#stmt('SELECT * FROM engine_jobs WHERE run_id = ? AND step_id = ? ORDER BY id').all(runId, options.stepId)) as Row[];
    return rows.map((row) => ({
      id: row.id as number,
      runId: row.run_id as string,
      stepId: row.step_id as string,
      assetKey: row.asset_key as string,
      partitions: JSON.parse(row.partitions as string) as string[],
      jobId: row.job_id as string,
      kind: row.kind as string,
      engine: row.engine as string,
      bytesProcessed: row.bytes_processed as number | null,
      bytesBilled: row.bytes_billed as number | null,
      createdAt: new Date(row.created_at as number),
    }));
  }

  engineJobTotals(runId: string): EngineJobTotals {
    const rows = this.#stmt(`SELECT step_id, asset_key, count(*) AS jobs, coalesce(sum(bytes_processed), 0) AS processed, coalesce(sum(bytes_billed), 0) AS billed
      FROM engine_jobs WHERE run_id = ? GROUP BY step_id, asset_key ORDER BY min(id)`).all(runId) as Row[];
    const steps = rows.map((row) => ({ stepId: row.step_id as string, assetKey: row.asset_key as string, jobs: row.jobs as number, bytesProcessed: row.processed as number, bytesBilled: row.billed as number }));
    return {
      steps,
      jobs: steps.reduce((n, st) => n + st.jobs, 0),
      bytesProcessed: steps.reduce((n, st) => n + st.bytesProcessed, 0),
      bytesBilled: steps.reduce((n, st) => n + st.bytesBilled, 0),
    };
  }

  // ---------------------------------------------------------------- alerts (observability): the outbox

  atomically<T>(fn: () => T): T {
    if (typeof fn !== 'function') throw new QuarryError('QUARRY_BAD_ARGUMENT', 'Catalog.atomically needs a function to run in the transaction.');
    return this.#write(fn);
  }

  enqueueAlerts(alerts: readonly NewAlert[]): AlertRecord[] {
    const prepared = alerts.map((alert) => {
      checkString(alert.kind, 'alert kind');
      checkString(alert.severity, 'alert severity');
      checkOneOf(alert.action, ['trigger', 'resolve'] as const, 'alert action');
      checkString(alert.dedupKey, 'alert dedup key');
      if (typeof alert.summary !== 'string') throw new QuarryError('QUARRY_BAD_ARGUMENT', `Alert summary must be a string, got ${safeStringify(alert.summary)}.`);
      for (const route of alert.routes) checkString(route, 'alert route');
      return { alert, details: toJson(alert.details ?? {}, 'alert details')! };
    });
    if (prepared.length === 0) return [];
    return this.#write(() => {
      const now = this.#nowMs();
      const insert = this.#stmt(`INSERT INTO alerts (kind, severity, action, dedup_key, summary, details, asset_key, partition_key, run_id, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      // Due at once (0), whatever clock the delivering process keeps.
      const insertDelivery = this.#stmt(`INSERT OR IGNORE INTO alert_deliveries (alert_id, route, state, attempts, next_attempt_at) VALUES (?, ?, 'pending', 0, 0)`);
      const ids: number[] = [];
      for (const { alert, details } of prepared) {
        if (alert.onlyOnce === true && this.#stmt('SELECT 1 FROM alerts WHERE dedup_key = ? LIMIT 1').get(alert.dedupKey) !== undefined) continue;
        const id = Number(insert.run(alert.kind, alert.severity, alert.action, alert.dedupKey, alert.summary, details, alert.assetKey ?? null,
          alert.partitionKey ?? null, alert.runId ?? null, now).lastInsertRowid);
        for (const route of alert.routes) insertDelivery.run(id, route);
        ids.push(id);
      }
      return ids.map((id) => this.#alertById(id)!);
    });
  }

  listAlerts(options: ListAlertsOptions = {}): AlertRecord[] {
    const where: string[] = [];
    const values: unknown[] = [];
    if (options.dedupKey !== undefined) {
      where.push('dedup_key = ?');
      values.push(options.dedupKey);
    }
    if (options.since !== undefined) {
      where.push('created_at >= ?');
      values.push(toMs(options.since, 'since'));
    }
    if (options.until !== undefined) {
      where.push('created_at < ?');
      values.push(toMs(options.until, 'until'));
    }
    const rows = this.#stmt(`SELECT * FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`)
      .all(...values, checkLimit(options.limit, 50)) as Row[];
    return rows.map((row) => this.#alertFromRow(row));
  }

  latestAlert(dedupKey: string): AlertRecord | undefined {
    const row = this.#stmt('SELECT * FROM alerts WHERE dedup_key = ? ORDER BY id DESC LIMIT 1').get(dedupKey) as Row | undefined;
    return row === undefined ? undefined : this.#alertFromRow(row);
  }

  claimAlertDeliveries(owner: string, now: Date, leaseMs: number, limit = 100): ClaimedAlertDelivery[] {
    checkString(owner, 'alert delivery owner');
    checkTtl(leaseMs);
    const nowMs = toMs(now, 'now');
    return this.#write(() => {
      const rows = this.#stmt(`SELECT id FROM alert_deliveries WHERE state = 'pending' AND next_attempt_at <= ?
        AND (claimed_by IS NULL OR claim_expires_at <= ?) ORDER BY id LIMIT ?`).pluck().all(nowMs, nowMs, checkLimit(limit, 100)) as number[];
      const claim = this.#stmt('UPDATE alert_deliveries SET claimed_by = ?, claim_expires_at = ? WHERE id = ?');
      return rows.map((id) => {
        claim.run(owner, nowMs + leaseMs, id);
        const delivery = this.#deliveryById(id)!;
        return { delivery, alert: this.#alertById(delivery.alertId)!, claimExpiresAt: new Date(nowMs + leaseMs) };
      });
    });
  }

  finishAlertDelivery(deliveryId: number, owner: string, outcome: AlertDeliveryOutcome): boolean {
    return this.#write(() => {
      const row = this.#stmt('SELECT claimed_by, state FROM alert_deliveries WHERE id = ?').get(deliveryId) as Row | undefined;
      if (row === undefined || row.claimed_by !== owner || row.state !== 'pending') return false;
      if (outcome.delivered) {
        this.#stmt(`UPDATE alert_deliveries SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, claimed_by = NULL, claim_expires_at = NULL,
          last_error = NULL WHERE id = ?`).run(toMs(outcome.at, 'at'), deliveryId);
      } else {
        this.#stmt(`UPDATE alert_deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?, claimed_by = NULL, claim_expires_at = NULL,
          last_error = ? WHERE id = ?`).run(outcome.retryAt === null ? 'failed' : 'pending', outcome.retryAt === null ? toMs(outcome.at, 'at') : toMs(outcome.retryAt, 'retryAt'),
          outcome.error.slice(0, 2000), deliveryId);
      }
      return true;
    });
  }

  periodStats(from: Date, to: Date): CatalogPeriodStats {
    const fromMs = toMs(from, 'from');
    const toMsValue = toMs(to, 'to');
    const runs: Record<string, number> = {};
    for (const row of this.#stmt('SELECT status, count(*) AS n FROM runs WHERE created_at >= ? AND created_at < ? GROUP BY status').all(fromMs, toMsValue) as Row[]) {
      runs[row.status as string] = row.n as number;
    }
    const failedSteps = this.#stmt(`SELECT count(*) FROM steps s JOIN runs r ON r.id = s.run_id WHERE s.status = 'failed' AND r.created_at >= ? AND r.created_at < ?`)
      .pluck().get(fromMs, toMsValue) as number;
    const totals = this.#stmt(`SELECT count(*) AS versions, coalesce(sum(row_count), 0) AS rows, coalesce(sum(bytes), 0) AS bytes,
        sum(coalesce(json_extract(metadata, '$.estimatedCostUsd'), json_extract(metadata, '$.costUsd'))) AS cost
      FROM materializations WHERE created_at >= ? AND created_at < ?`).get(fromMs, toMsValue) as Row;
    const alerts: Record<string, number> = {};
    for (const row of this.#stmt(`SELECT severity, count(*) AS n FROM alerts WHERE action = 'trigger' AND kind NOT IN ('summary', 'test')
        AND created_at >= ? AND created_at < ? GROUP BY severity`).all(fromMs, toMsValue) as Row[]) {
      alerts[row.severity as string] = row.n as number;
    }
    return {
      runs, failedSteps, versions: totals.versions as number, rows: totals.rows as number, bytes: totals.bytes as number,
      costUsd: totals.cost === null ? null : (totals.cost as number), alerts,
    };
  }

  #alertById(id: number): AlertRecord | undefined {
    const row = this.#stmt('SELECT * FROM alerts WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : this.#alertFromRow(row);
  }

  #deliveryById(id: number): AlertDeliveryRecord | undefined {
    const row = this.#stmt('SELECT * FROM alert_deliveries WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : deliveryFromRow(row);
  }

  #alertFromRow(row: Row): AlertRecord {
    const deliveries = (this.#stmt('SELECT * FROM alert_deliveries WHERE alert_id = ? ORDER BY id').all(row.id) as Row[]).map(deliveryFromRow);
    return {
      id: row.id as number,
      kind: row.kind as string,
      severity: row.severity as string,
      action: row.action as AlertRecord['action'],
      dedupKey: row.dedup_key as string,
      summary: row.summary as string,
      details: (fromJson(row.details) ?? {}) as Record<string, JsonValue>,
      assetKey: row.asset_key as string | null,
      partitionKey: row.partition_key as string | null,
      runId: row.run_id as string | null,
      createdAt: new Date(row.created_at as number),
      deliveries,
    };
  }

  // ---------------------------------------------------------------- observability (traces)

  setRunTraceId(runId: string, traceId: string | null): void {
    if (traceId !== null && !/^[0-9a-f]{32}$/.test(traceId)) throw new QuarryError('QUARRY_BAD_ARGUMENT', `Trace id ${JSON.stringify(traceId)} is not 32 lowercase hex digits (an OpenTelemetry trace id).`);
    this.#write(() => {
      if (this.#stmt('UPDATE runs SET trace_id = ? WHERE id = ?').run(traceId, runId).changes === 0) throw unknownRun(runId);
    });
  }

  // ---------------------------------------------------------------- automation

  recordTick(tick: NewTick, requests: readonly NewRunRequest[] = [], cursor?: { readonly cursor?: string | null; readonly lastTickTime?: number }, fence?: { readonly lease: string; readonly holder: string }): { tick: TickRecord; inserted: string[] } {
    checkString(tick.name, 'tick name');
    for (const request of requests) checkId(request.runKey, 'run key');
    return this.#write(() => {
      if (fence !== undefined) {
        const holder = this.#stmt('SELECT holder FROM daemon_leases WHERE name = ?').pluck().get(fence.lease) as string | undefined;
        if (holder !== fence.holder) {
          throw new QuarryError('QUARRY_DAEMON_LEASE_HELD', `Daemon ${fence.holder} no longer holds the lease "${fence.lease}" (${holder === undefined ? 'nobody holds it' : `${holder} does`}); it records nothing more and stops.`, { details: { holder } });
        }
      }
      const insertTick = this.#stmt(`INSERT INTO automation_ticks (kind, name, tick_time, started_at, finished_at, status, partitions, run_keys, reason, error, data, daemon_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      const data = toJson(tick.data ?? null, 'tick data');
      const id = Number(insertTick.run(tick.kind, tick.name, tick.tickTime, tick.startedAt, tick.finishedAt, tick.status, tick.partitions, JSON.stringify(tick.runKeys), tick.reason, tick.error, data, tick.daemonId).lastInsertRowid);
      const insert = this.#stmt(`INSERT OR IGNORE INTO run_requests (run_key, tick_id, source, selection, partitions, tags, priority, partition_count, status, requested_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)`);
      const inserted: string[] = [];
      for (const r of requests) {
        const result = insert.run(r.runKey, id, r.source, r.selection, toJson(r.partitions, 'run request partitions'), JSON.stringify(checkTags(r.tags)), r.priority, r.partitionCount, tick.tickTime);
        if (result.changes > 0) inserted.push(r.runKey);
      }
      if (cursor !== undefined) {
        this.#stmt(`INSERT INTO automation_cursors (kind, name, cursor, last_tick_time) VALUES (?, ?, ?, ?)
          ON CONFLICT (kind, name) DO UPDATE SET cursor = CASE WHEN ? THEN excluded.cursor ELSE cursor END, last_tick_time = coalesce(excluded.last_tick_time, last_tick_time)`)
          .run(tick.kind, tick.name, cursor.cursor ?? null, cursor.lastTickTime ?? null, cursor.cursor !== undefined ? 1 : 0);
      }
      return { tick: tickFromRow(this.#stmt('SELECT * FROM automation_ticks WHERE id = ?').get(id) as Row), inserted };
    });
  }

  listTicks(options: { readonly kind?: TickKind; readonly name?: string; readonly limit?: number } = {}): TickRecord[] {
    const where: string[] = [];
    const values: unknown[] = [];
    if (options.kind !== undefined) (where.push('kind = ?'), values.push(options.kind));
    if (options.name !== undefined) (where.push('name = ?'), values.push(options.name));
    const rows = this.#stmt(`SELECT * FROM automation_ticks ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...values, checkLimit(options.limit, 50)) as Row[];
    return rows.map(tickFromRow);
  }

  pruneTicks(before: number): number {
    return this.#write(() => this.#stmt('DELETE FROM automation_ticks WHERE finished_at < ?').run(before).changes);
  }

  automationCursor(kind: TickKind, name: string): AutomationCursor | undefined {
    const row = this.#stmt('SELECT * FROM automation_cursors WHERE kind = ? AND name = ?').get(kind, name) as Row | undefined;
    return row === undefined ? undefined : cursorFromRow(row);
  }

  listAutomationCursors(): AutomationCursor[] {
    return (this.#stmt('SELECT * FROM automation_cursors ORDER BY kind, name').all() as Row[]).map(cursorFromRow);
  }

  setAutomationPaused(kind: TickKind, name: string, paused: boolean): void {
    checkString(name, 'automation name');
    this.#write(() => {
      this.#stmt('INSERT INTO automation_cursors (kind, name, paused) VALUES (?, ?, ?) ON CONFLICT (kind, name) DO UPDATE SET paused = excluded.paused').run(kind, name, paused ? 1 : 0);
    });
  }

  getRunRequest(runKey: string): RunRequestRecord | undefined {
    const row = this.#stmt('SELECT * FROM run_requests WHERE run_key = ?').get(runKey) as Row | undefined;
    return row === undefined ? undefined : this.#runRequestFromRow(row);
  }

  listRunRequests(options: { readonly status?: RunRequestStatus; readonly limit?: number } = {}): RunRequestRecord[] {
    const limit = checkLimit(options.limit, 1000);
    const rows = options.status === 'queued'
      ? this.#stmt("SELECT * FROM run_requests WHERE status = 'queued' ORDER BY priority, seq LIMIT ?").all(limit)
      : options.status !== undefined
        ? this.#stmt('SELECT * FROM run_requests WHERE status = ? ORDER BY seq DESC LIMIT ?').all(options.status, limit)
        : this.#stmt('SELECT * FROM run_requests ORDER BY seq DESC LIMIT ?').all(limit);
    return (rows as Row[]).map((row) => this.#runRequestFromRow(row));
  }

  updateRunRequest(runKey: string, update: RunRequestUpdate): RunRequestRecord {
    return this.#write(() => {
      const row = this.#stmt('SELECT * FROM run_requests WHERE run_key = ?').get(runKey) as Row | undefined;
      if (row === undefined) throw new QuarryError('QUARRY_BAD_ARGUMENT', `No run request has the run key ${JSON.stringify(runKey)}.`);
      this.#stmt('UPDATE run_requests SET status = ?, finished_at = ?, outcome = ? WHERE run_key = ?').run(
        update.status ?? row.status,
        update.finishedAt !== undefined ? update.finishedAt : row.finished_at,
        update.outcome !== undefined ? update.outcome : row.outcome,
        runKey,
      );
      return this.#runRequestFromRow(this.#stmt('SELECT * FROM run_requests WHERE run_key = ?').get(runKey) as Row);
    });
  }

  recordRunRequestChunk(chunk: RunRequestChunk): RunRequestChunk {
    checkId(chunk.runId, 'run id');
    return this.#write(() => {
      this.#stmt('INSERT OR IGNORE INTO run_request_chunks (run_key, chunk, run_id, asset_key, partitions, launched_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(chunk.runKey, chunk.chunk, chunk.runId, chunk.assetKey, toJson(chunk.partitions, 'chunk partitions'), chunk.launchedAt);
      return chunkFromRow(this.#stmt('SELECT * FROM run_request_chunks WHERE run_key = ? AND chunk = ?').get(chunk.runKey, chunk.chunk) as Row);
    });
  }

  runRequestChunks(runKey: string): RunRequestChunk[] {
    return (this.#stmt('SELECT * FROM run_request_chunks WHERE run_key = ? ORDER BY chunk').all(runKey) as Row[]).map(chunkFromRow);
  }

  acquireDaemonLease(name: string, holder: string, now: number, ttlMs: number, owner: { readonly pid?: number; readonly host?: string } = {}): DaemonLeaseResult {
    checkString(name, 'lease name');
    checkId(holder, 'lease holder');
    return this.#write(() => {
      const row = this.#stmt('SELECT * FROM daemon_leases WHERE name = ?').get(name) as Row | undefined;
      const current = row === undefined ? undefined : leaseFromRow(row);
      if (current !== undefined && current.holder !== holder && current.expiresAt > now) return { acquired: false, lease: current, tookOver: false };
      const acquiredAt = current !== undefined && current.holder === holder ? current.acquiredAt : now;
      this.#stmt(`INSERT INTO daemon_leases (name, holder, pid, host, acquired_at, heartbeat_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, host = excluded.host, acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`)
        .run(name, holder, owner.pid ?? null, owner.host ?? null, acquiredAt, now, now + ttlMs);
      return { acquired: true, lease: leaseFromRow(this.#stmt('SELECT * FROM daemon_leases WHERE name = ?').get(name) as Row), tookOver: current !== undefined && current.holder !== holder };
    });
  }

  releaseDaemonLease(name: string, holder: string): void {
    this.#write(() => {
      this.#stmt('DELETE FROM daemon_leases WHERE name = ? AND holder = ?').run(name, holder);
    });
  }

  daemonLease(name: string): DaemonLease | undefined {
    const row = this.#stmt('SELECT * FROM daemon_leases WHERE name = ?').get(name) as Row | undefined;
    return row === undefined ? undefined : leaseFromRow(row);
  }

  #runRequestFromRow(row: Row): RunRequestRecord {
    const chunks = this.#stmt('SELECT count(*) AS n, min(launched_at) AS first FROM run_request_chunks WHERE run_key = ?').get(row.run_key) as Row;
    return {
      runKey: row.run_key as string,
      tickId: row.tick_id as number | null,
      source: row.source as string,
      selection: row.selection as string,
      partitions: row.partitions === null ? null : (JSON.parse(row.partitions as string) as JsonValue),
      tags: JSON.parse(row.tags as string) as Record<string, string>,
      priority: row.priority as number,
      partitionCount: row.partition_count as number,
      status: row.status as RunRequestStatus,
      seq: row.seq as number,
      chunks: chunks.n as number,
      requestedAt: row.requested_at as number,
      firstLaunchedAt: chunks.first as number | null,
      finishedAt: row.finished_at as number | null,
      outcome: row.outcome as string | null,
    };
  }

  close(): void {
    this.#statements.clear();
    this.#reads.clear();
    this.#db.close();
  }

  // ---------------------------------------------------------------- dynamic partitions

  #dynamicKeys(name: string): readonly string[] {
    return this.#stmt('SELECT partition_key FROM dynamic_partitions WHERE name = ? ORDER BY id').pluck().all(name) as string[];
  }

  #addDynamicKeys(name: string, keys: readonly string[]): void {
    checkString(name, 'dynamic partitions name');
    for (const key of keys) checkDynamicKey(name, key);
    if (keys.length === 0) return;
    this.#write(() => {
      const now = this.#nowMs();
      const insert = this.#stmt('INSERT OR IGNORE INTO dynamic_partitions (name, partition_key, added_at) VALUES (?, ?, ?)');
      for (const key of keys) insert.run(name, key, now);
    });
  }

  #removeDynamicKeys(name: string, keys: readonly string[]): void {
    if (keys.length === 0) return;
    this.#write(() => {
      const remove = this.#stmt('DELETE FROM dynamic_partitions WHERE name = ? AND partition_key = ?');
      for (const key of keys) remove.run(name, key);
    });
  }

  // ---------------------------------------------------------------- storage tiers

  storageFiles(): StorageFileRecord[] {
    const rows = this.#stmt(`SELECT f.path, f.tier, f.store, f.size, f.sha256, f.hot_size, a.asset_key, m.partition_key, min(m.created_at) AS committed_at
      FROM materialization_files f JOIN materializations m ON m.id = f.materialization_id JOIN assets a ON a.id = m.asset_id
      GROUP BY f.path ORDER BY f.path`).raw().all() as [string, FileTier, FileStore, number | null, string | null, number | null, string, string, number][];
    return rows.map(([path, tier, store, size, sha256, hotSize, assetKey, partitionKey, committedAt]) => ({ path, tier, store, size, sha256, hotSize, assetKey, partitionKey, committedAt: new Date(committedAt) }));
  }

  storageTierSummary(): StorageTierTotals[] {
    const rows = this.#stmt(`SELECT tier, store, count(*), coalesce(sum(size), 0), coalesce(sum(coalesce(hot_size, size)), 0)
      FROM (SELECT path, max(tier) AS tier, max(store) AS store, max(size) AS size, max(hot_size) AS hot_size FROM materialization_files GROUP BY path)
      GROUP BY tier, store ORDER BY CASE tier WHEN 'hot' THEN 0 WHEN 'warm' THEN 1 ELSE 2 END, store`).raw().all() as [FileTier, FileStore, number, number, number][];
    return rows.map(([tier, store, files, bytes, hotBytes]) => ({ tier, store, files, bytes, hotBytes }));
  }

  beginStorageMove(move: NewStorageMove): StorageMoveRecord {
    checkString(move.fromPath, 'storage move fromPath');
    checkString(move.toPath, 'storage move toPath');
    checkOneOf(move.toStore, ['lake', 'cold'] as const, 'storage move store');
    checkOneOf(move.tier, ['hot', 'warm', 'cold'] as const, 'storage move tier');
    const host = move.host ?? this.#host;
    const id = this.#write(() => Number(this.#stmt(`INSERT INTO storage_moves (from_path, to_path, to_store, tier, state, pid, host, started_at)
      VALUES (?, ?, ?, ?, 'copying', ?, ?, ?)`).run(move.fromPath, move.toPath, move.toStore, move.tier, move.pid, host, this.#nowMs()).lastInsertRowid));
    return this.storageMoves().find((m) => m.id === id)!;
  }

  commitStorageMove(id: number, file: { readonly size: number; readonly sha256: string }): boolean {
    return this.#write(() => {
      const move = this.#stmt("SELECT from_path, to_path, to_store, tier FROM storage_moves WHERE id = ? AND state = 'copying'").get(id) as { from_path: string; to_path: string; to_store: string; tier: string } | undefined;
      if (move === undefined) throw new QuarryError('QUARRY_BAD_ARGUMENT', `Storage move ${id} is not in flight (it was committed, abandoned or finished already).`);
      const ids = this.#stmt('SELECT materialization_id FROM materialization_files WHERE path = ?').pluck().all(move.from_path) as number[];
      if (ids.length === 0) {
        this.#stmt("UPDATE storage_moves SET state = 'abandoned' WHERE id = ?").run(id);
        return false;
      }
      // Right-hand sides read the row's old values, so hot_size keeps the size the file had as first written.
      this.#stmt('UPDATE materialization_files SET path = ?, tier = ?, store = ?, hot_size = coalesce(hot_size, size), size = ?, sha256 = ? WHERE path = ?')
        .run(move.to_path, move.tier, move.to_store, file.size, file.sha256, move.from_path);
      const rename = this.#stmt('UPDATE materializations SET files = (SELECT json_group_array(CASE WHEN value = ? THEN ? ELSE value END) FROM json_each(files)) WHERE id = ?');
      for (const materializationId of ids) rename.run(move.from_path, move.to_path, materializationId);
      this.#stmt("UPDATE storage_moves SET state = 'committed' WHERE id = ?").run(id);
      return true;
    });
  }

  finishStorageMove(id: number): void {
    this.#write(() => this.#stmt('DELETE FROM storage_moves WHERE id = ?').run(id));
  }

  storageMoves(): StorageMoveRecord[] {
    const rows = this.#stmt('SELECT id, from_path, to_path, to_store, tier, state, pid, host, started_at FROM storage_moves ORDER BY id').all() as Row[];
    return rows.map((r) => {
      const pid = r['pid'] as number;
      const host = r['host'] as string;
      return {
        id: r['id'] as number, fromPath: r['from_path'] as string, toPath: r['to_path'] as string, toStore: r['to_store'] as FileStore, tier: r['tier'] as FileTier,
        state: r['state'] as StorageMoveRecord['state'], pid, host, startedAt: new Date(r['started_at'] as number),
        // Only a process on this machine can be probed; one elsewhere is presumed alive.
        orphaned: host === this.#host && !isProcessAlive(pid),
      };
    });
  }

  // ---------------------------------------------------------------- plumbing

  #nowMs(): number {
    return this.#clock().getTime();
  }

  #stmt(sql: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  // Runs `fn` in a BEGIN IMMEDIATE transaction: taking the write lock up front makes SQLite wait for
  // it (busy_timeout) instead of failing when a read transaction would have to upgrade.
  #write<T>(fn: () => T): T {
    if (this.#pending !== undefined) return fn();
    const pending = { assets: new Map<string, number>(), codeVersions: new Map<string, number>() };
    this.#pending = pending;
    try {
      const result = this.#db.transaction(fn).immediate();
      for (const [key, id] of pending.assets) this.#assetIds.set(key, id);
      for (const [version, id] of pending.codeVersions) {
        this.#codeVersionIds.set(version, id);
        this.#codeVersionsById.set(id, version);
      }
      return result;
    } catch (error) {
      throw this.#translate(error);
    } finally {
      this.#pending = undefined;
    }
  }

  /**
   * `read()`, or its last result when no connection has written to the database since: SQLite's
   * `data_version` moves when another connection (any process) commits, `total_changes()` when this
   * one writes. Inside a transaction the read runs uncached, since it may see uncommitted rows.
   * Results of other states are dropped, so at most one state's reads are kept.
   */
  #cachedRead<T>(name: string, read: () => T): T {
    if (this.#pending !== undefined || this.#db.inTransaction) return read();
    // Read before the data: a commit landing in between makes the next token differ, never the reverse.
    const token = (this.#stmt('SELECT (SELECT data_version FROM pragma_data_version), total_changes()').raw().get() as unknown[]).join(':');
    const hit = this.#reads.get(name);
    if (hit !== undefined && hit.token === token) return hit.value as T;
    for (const [key, entry] of this.#reads) if (entry.token !== token) this.#reads.delete(key);
    const value = read();
    this.#reads.set(name, { token, value });
    return value;
  }

  #assetIdForRead(asset: string): number | undefined {
    const cached = this.#assetIds.get(asset);
    if (cached !== undefined) return cached;
    const id = this.#stmt('SELECT id FROM assets WHERE asset_key = ?').pluck().get(asset) as number | undefined;
    // Inside a write transaction the row may be this transaction's own uncommitted insert: do not cache that.
    if (id !== undefined && this.#pending?.assets.has(asset) !== true) this.#assetIds.set(asset, id);
    return id;
  }

  #assetIdForWrite(asset: string): number {
    const known = this.#assetIds.get(asset) ?? this.#pending?.assets.get(asset) ?? this.#assetIdForRead(asset);
    if (known !== undefined) return known;
    const id = Number(this.#stmt('INSERT INTO assets (asset_key) VALUES (?)').run(asset).lastInsertRowid);
    this.#pending!.assets.set(asset, id);
    return id;
  }

  #codeVersionIdForWrite(version: string): number {
    const known = this.#codeVersionIds.get(version) ?? this.#pending?.codeVersions.get(version);
    if (known !== undefined) return known;
    const existing = this.#stmt('SELECT id FROM code_versions WHERE code_version = ?').pluck().get(version) as number | undefined;
    if (existing !== undefined) {
      this.#codeVersionIds.set(version, existing);
      this.#codeVersionsById.set(existing, version);
      return existing;
    }
    const id = Number(this.#stmt('INSERT INTO code_versions (code_version) VALUES (?)').run(version).lastInsertRowid);
    this.#pending!.codeVersions.set(version, id);
    return id;
  }

  #codeVersionStrings(ids: ArrayLike<number>): string[] {
    const out = new Array<string>(ids.length);
    const lookup = this.#stmt('SELECT code_version FROM code_versions WHERE id = ?').pluck();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      let version = this.#codeVersionsById.get(id);
      if (version === undefined) {
        version = lookup.get(id) as string;
        this.#codeVersionsById.set(id, version);
        this.#codeVersionIds.set(version, id);
      }
      out[i] = version;
    }
    return out;
  }
}

/**
 * Opens (creating and migrating as needed) the SQLite catalog at `config.path`.
 *
 * ```ts
 * const catalog = openSqliteCatalog({ path: resolveQuarryHome(projectDir).catalogPath });
 * ```
 */
export function openSqliteCatalog(config: SqliteCatalogConfig): SqliteCatalog {
  return new SqliteCatalog(config);
}

// ------------------------------------------------------------------ row mapping

function deliveryFromRow(row: Row): AlertDeliveryRecord {
  return {
    id: row.id as number,
    alertId: row.alert_id as number,
    route: row.route as string,
    state: row.state as AlertDeliveryRecord['state'],
    attempts: row.attempts as number,
    nextAttemptAt: new Date(row.next_attempt_at as number),
    deliveredAt: dateOrNull(row.delivered_at),
    lastError: row.last_error as string | null,
  };
}

function runFromRow(row: Row): RunRecord {
  return {
    id: row.id as string,
    status: row.status as RunStatus,
    kind: row.kind as RunKind,
    selection: row.selection as string,
    partitions: fromJson(row.partitions) ?? null,
    plan: fromJson(row.plan) ?? null,
    createdAt: new Date(row.created_at as number),
    startedAt: dateOrNull(row.started_at),
    finishedAt: dateOrNull(row.finished_at),
    pid: row.pid as number | null,
    host: row.host as string | null,
    parentRunId: row.parent_run_id as string | null,
    tags: fromJson(row.tags) as Record<string, string>,
    error: row.error as string | null,
    traceId: (row.trace_id as string | null | undefined) ?? null,
  };
}

function stepFromRow(row: Row): StepRecord {
  return {
    runId: row.run_id as string,
    stepId: row.step_id as string,
    assetKey: row.asset_key as string,
    partitions: fromJson(row.partitions) ?? null,
    status: row.status as StepStatus,
    reason: row.reason as string | null,
    attempt: row.attempt as number,
    error: row.error as string | null,
    startedAt: dateOrNull(row.started_at),
    finishedAt: dateOrNull(row.finished_at),
    timings: (fromJson(row.timings) as Record<string, number> | undefined) ?? null,
    updatedAt: new Date(row.updated_at as number),
  };
}

function materializationFromRow(row: Row): MaterializationRecord {
  return {
    id: row.id as number,
    assetKey: row.asset_key as string,
    partitionKey: row.partition_key as string,
    runId: row.run_id as string | null,
    stepId: row.step_id as string | null,
    createdAt: new Date(row.created_at as number),
    files: fromJson(row.files) as string[],
    rowCount: row.row_count as number | null,
    bytes: row.bytes as number | null,
    dataVersion: row.data_version as string,
    codeVersion: row.code_version as string,
    inputFingerprint: row.input_fingerprint as string | null,
    inputSeqs: fromJson(row.input_seqs) as Record<string, number>,
    outputSchema: fromJson(row.output_schema) ?? null,
    metadata: fromJson(row.metadata) as Record<string, JsonValue>,
    seq: row.seq as number,
    dataSeq: row.data_seq as number,
    current: row.is_current === 1,
  };
}

function leaseHolderFromRow(asset: string, partition: string, row: Row): LeaseHolder {
  return {
    asset,
    partition,
    runId: row.run_id as string,
    pid: row.pid as number,
    host: row.host as string,
    acquiredAt: new Date(row.acquired_at as number),
    expiresAt: new Date(row.expires_at as number),
  };
}

// Parses SQLite's `group_concat` of non-negative integers ("3,17,4") straight into a typed array:
// twice as fast as JSON.parse and without a million-element intermediate array to collect.
function numberColumn(joined: unknown, size: number): Float64Array {
  const text = joined as string;
  const out = new Float64Array(size);
  let value = 0;
  let index = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) value = value * 10 + (code - 48);
    else if (code === 44) {
      out[index++] = value;
      value = 0;
    } else {
      throw new Error(`catalog column holds ${JSON.stringify(text.slice(Math.max(0, i - 10), i + 10))}: expected non-negative integers`);
    }
  }
  out[index++] = value;
  if (index !== size) throw new Error(`catalog column has ${index} values for ${size} partitions`);
  return out;
}

function emptyCurrentPartitions(asset: string, columns: ReadonlySet<string>): CurrentPartitions {
  return {
    assetKey: asset,
    size: 0,
    keys: [],
    codeVersions: [],
    dataSeqs: new Float64Array(0),
    maxInputSeqs: new Float64Array(0),
    ...(columns.has('materializationIds') ? { materializationIds: new Float64Array(0) } : {}),
    ...(columns.has('seqs') ? { seqs: new Float64Array(0) } : {}),
    ...(columns.has('dataVersions') ? { dataVersions: [] } : {}),
    ...(columns.has('inputFingerprints') ? { inputFingerprints: [] } : {}),
    ...(columns.has('inputSeqs') ? { inputSeqs: [] } : {}),
    ...(columns.has('createdAt') ? { createdAt: new Float64Array(0) } : {}),
  };
}

// ------------------------------------------------------------------ input checks

interface PreparedMaterialization {
  readonly input: NewMaterialization & { readonly inputSeqs: Readonly<Record<string, number>>; readonly metadata: Readonly<Record<string, JsonValue>> };
  readonly files: string;
  readonly inputSeqs: string;
  readonly maxInputSeq: number;
  readonly outputSchema: string | null;
  readonly metadata: string;
}

function prepareMaterialization(m: NewMaterialization): PreparedMaterialization {
  checkAssetKey(m.assetKey);
  checkPartitionKey(m.partitionKey);
  const what = `Materialization of ${m.assetKey} partition ${JSON.stringify(m.partitionKey)}`;
  if (!Array.isArray(m.files) || m.files.some((file) => typeof file !== 'string' || file === '')) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `${what} has files ${safeStringify(m.files)}: give a list of object-store paths.`);
  }
  if (typeof m.dataVersion !== 'string' || m.dataVersion === '') {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `${what} has data version ${safeStringify(m.dataVersion)}: give the content hash of what was written.`);
  }
  if (CONTROL_CHARACTER.test(m.dataVersion)) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `${what} has data version ${JSON.stringify(m.dataVersion)} with a control character: use a plain hash string.`);
  }
  if (m.inputFingerprint != null && (typeof m.inputFingerprint !== 'string' || m.inputFingerprint === '' || CONTROL_CHARACTER.test(m.inputFingerprint))) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `${what} has input fingerprint ${safeStringify(m.inputFingerprint)}: give a non-empty hash string without control characters, or null.`);
  }
  if (typeof m.codeVersion !== 'string') {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `${what} has code version ${safeStringify(m.codeVersion)}: give the fingerprint of the code that wrote it.`);
  }
  for (const [name, value] of [['rowCount', m.rowCount], ['bytes', m.bytes]] as const) {
    if (value != null && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `${what} has ${name} ${String(value)}: give a whole number from 0, or null.`);
    }
  }
  const inputSeqs = m.inputSeqs ?? {};
  let maxInputSeq = 0;
  for (const [upstream, value] of Object.entries(inputSeqs)) {
    if (!(Number.isSafeInteger(value) && value >= 0)) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `${what} has input seq ${String(value)} for ${upstream}: give the catalog seq (a whole number) that was read.`);
    }
    if (value > maxInputSeq) maxInputSeq = value;
  }
  for (const source of m.lineage ?? []) {
    checkAssetKey(source.assetKey);
    checkPartitionKey(source.partitionKey);
  }
  const metadata = m.metadata ?? {};
  return {
    input: { ...m, inputSeqs, metadata },
    files: JSON.stringify(m.files),
    inputSeqs: JSON.stringify(inputSeqs),
    maxInputSeq,
    outputSchema: toJson(m.outputSchema ?? null, `${what}: output schema`),
    metadata: toJson(metadata, `${what}: metadata`)!,
  };
}

function checkString(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `The ${what} ${safeStringify(value)} is invalid: give a non-empty string.`);
  }
}

function checkId(value: unknown, what: string): asserts value is string {
  checkString(value, what);
  if (CONTROL_CHARACTER.test(value)) throw new QuarryError('QUARRY_BAD_ARGUMENT', `The ${what} ${JSON.stringify(value)} contains a control character: remove it.`);
}

function checkAssetKey(value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '' || CONTROL_CHARACTER.test(value)) {
    throw new QuarryError('QUARRY_BAD_ASSET_KEY', `Asset key ${safeStringify(value)} is invalid: give a non-empty key such as "raw/creators" without control characters.`);
  }
}

function checkPartitionKey(value: unknown): asserts value is string {
  if (typeof value !== 'string' || CONTROL_CHARACTER.test(value)) {
    throw new QuarryError('QUARRY_BAD_PARTITION_KEY', `Partition key ${safeStringify(value)} is invalid: give a string without control characters ('' for an unpartitioned asset).`);
  }
}

function checkDynamicKey(name: string, key: unknown): void {
  if (typeof key !== 'string' || key === '' || CONTROL_CHARACTER.test(key)) {
    throw new QuarryError('QUARRY_BAD_PARTITION_KEY', `Dynamic partition key ${safeStringify(key)} for "${name}" is invalid: give a non-empty string without control characters.`);
  }
}

function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `The ${what} ${safeStringify(value)} is invalid: use one of ${allowed.join(', ')}.`);
  }
}

function checkTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== 'string') throw new QuarryError('QUARRY_BAD_ARGUMENT', `Run tag "${key}" has value ${safeStringify(value)}: tag values are strings.`);
  }
  return { ...tags };
}

function checkLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 0) throw new QuarryError('QUARRY_BAD_ARGUMENT', `Limit ${String(limit)} is invalid: give a whole number from 0.`);
  return limit;
}

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new QuarryError('QUARRY_BAD_ARGUMENT', `Lease ttl ${String(ttlMs)} ms is invalid: give a positive number of milliseconds.`);
}

function uniqueLeaseItems(items: readonly LeaseItem[]): LeaseItem[] {
  const seen = new Map<string, LeaseItem>();
  for (const item of items) {
    checkAssetKey(item.asset);
    checkPartitionKey(item.partition);
    seen.set(`${item.asset}\u0000${item.partition}`, { asset: item.asset, partition: item.partition });
  }
  return [...seen.values()];
}

const AS_OF_PATTERN = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

function parseAsOf(asOf: Date | number | string): number {
  let ms = Number.NaN;
  if (asOf instanceof Date) ms = asOf.getTime();
  else if (typeof asOf === 'number') ms = asOf;
  else if (typeof asOf === 'string') {
    const match = AS_OF_PATTERN.exec(asOf.trim());
    // A time without an offset is UTC, like a date alone, so the answer does not depend on the machine's zone.
    if (match) ms = Date.parse(match[2] === undefined ? match[1]! : `${match[1]}T${match[2]}${match[3] ?? 'Z'}`);
  }
  if (!Number.isFinite(ms)) {
    throw new QuarryError('QUARRY_BAD_AS_OF', `As-of time ${safeStringify(asOf)} is not a valid timestamp: use an ISO time such as 2026-01-15T10:00:00Z (without an offset it is UTC; a date alone means its UTC midnight).`, { details: { asOf: String(asOf) } });
  }
  return ms;
}

// ------------------------------------------------------------------ values

function columnLineageRecord(assetKey: string, row: Row): ColumnLineageRecord {
  return {
    assetKey,
    codeVersion: row.code_version as string,
    lineage: JSON.parse(row.lineage as string) as JsonValue,
    source: row.source as ColumnLineageRecord['source'],
    runId: (row.run_id as string | null) ?? null,
    materializationId: (row.materialization_id as number | null) ?? null,
    firstRecordedAt: new Date(row.first_recorded_at as number),
    recordedAt: new Date(row.recorded_at as number),
  };
}

function toJson(value: JsonValue | Readonly<Record<string, JsonValue>> | null, what: string): string | null {
  if (value === null) return null;
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `The ${what} cannot be stored as JSON: ${error instanceof Error ? error.message : String(error)}. Give plain JSON values.`, { cause: error });
  }
}

function fromJson(text: unknown): JsonValue | undefined {
  return text === null || text === undefined ? undefined : (JSON.parse(text as string) as JsonValue);
}

function toMs(value: Date, what: string): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new QuarryError('QUARRY_BAD_ARGUMENT', `The ${what} ${safeStringify(value)} is not a valid Date.`);
  return ms;
}

function toMsOrNull(value: Date | null, what: string): number | null {
  return value === null ? null : toMs(value, what);
}

function dateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : new Date(value as number);
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function unknownRun(id: string): QuarryError {
  return new QuarryError('QUARRY_UNKNOWN_RUN', `Run "${id}" does not exist in the catalog. Check the id with \`quarry runs\`.`, { details: { runId: id } });
}

function isSqliteError(error: unknown, prefix: string): boolean {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && (error as { code: string }).code.startsWith(prefix);
}

function guardMethod(method: (...args: unknown[]) => unknown, target: object, translate: (error: unknown) => unknown): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    try {
      return method.apply(target, args);
    } catch (error) {
      throw translate(error);
    }
  };
}

function guardMethods<T extends Record<string, (...args: never[]) => unknown>>(methods: T, translate: (error: unknown) => unknown): T {
  const guarded: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(methods)) guarded[name] = guardMethod(method as (...args: unknown[]) => unknown, methods, translate);
  return guarded as T;
}

// Opens (creating and migrating as needed) the catalog's connection. A full disk cannot even hold
// WAL's shared-memory file, so no connection opens; reading must still work (\`quarry runs\`,
// \`status\`), so the catalog is then read from a copy in memory and every write is refused.
function openConnection(location: string, busyTimeoutMs: number, inMemory: boolean): { db: BetterSqlite3.Database; readOnlyBecauseFull: boolean } {
  const db = new Database(location, { timeout: busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL never corrupts; a power cut may lose the last commits, which only orphans lake files that vacuum removes.
    db.pragma('synchronous = NORMAL');
    migrateSqliteCatalog(db, location);
    return { db, readOnlyBecauseFull: false };
  } catch (error) {
    db.close();
    if (isSqliteError(error, 'SQLITE_NOTADB')) {
      throw new QuarryError('QUARRY_CATALOG_CORRUPT', `${location} is not a SQLite database (its header is damaged, or it is another kind of file), so it cannot be a Quarry catalog. Restore the catalog from a backup, or move this file away to start a new catalog (the lake then needs \`quarry init --force-new-catalog\`).`, { details: { location }, cause: error });
    }
    if (inMemory || !isDiskFull(error, location)) throw translateSqliteError(error, location);
    let copy: BetterSqlite3.Database;
    try {
      const image = readFileSync(location);
      // Bytes 18-19 say "WAL"; a database in memory cannot use WAL, so the copy reads as a plain journal one.
      if (image.length > 19) image[18] = image[19] = 1;
      copy = new Database(image, { readonly: true });
    } catch {
      throw diskFullError(location, error);
    }
    // Only a catalog already at this code's schema can be read without migrating (which writes).
    const version = copy.prepare("SELECT CASE WHEN EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'schema_migrations') THEN (SELECT max(version) FROM schema_migrations) END").pluck().get();
    if (version !== SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version) {
      copy.close();
      throw diskFullError(location, error);
    }
    return { db: copy, readOnlyBecauseFull: true };
  }
}

// SQLITE_FULL, or an I/O error on a filesystem with no space left (SQLite reports a failed
// shared-memory or lock file as an I/O error, without the errno).
function isDiskFull(error: unknown, location: string): boolean {
  if (isSqliteError(error, 'SQLITE_FULL')) return true;
  if (!isSqliteError(error, 'SQLITE_IOERR')) return false;
  try {
    const fs = statfsSync(dirname(location));
    return fs.bavail * fs.bsize < 64 * 1024;
  } catch {
    return false;
  }
}

// SQLite's errors as QuarryErrors naming the catalog file and what to do; anything else passes through.
function translateSqliteError(error: unknown, location: string): unknown {
  if (isSqliteError(error, 'SQLITE_CORRUPT') || isSqliteError(error, 'SQLITE_NOTADB')) {
    return new QuarryError('QUARRY_CATALOG_CORRUPT', `Catalog ${location} is damaged (${(error as Error).message}). Nothing more was written to it. Restore it from a backup; to start over instead, move it away and run \`quarry init --force-new-catalog\` (the lake is kept aside, not deleted).`, { details: { location }, cause: error });
  }
  if (isDiskFull(error, location)) {
    return diskFullError(location, error);
  }
  return translateBusy(error, location);
}

/**
 * The `QUARRY_DISK_FULL` error for a write that failed at `path` for lack of space: what was being
 * written was not committed, and the run can continue once there is room.
 */
export function diskFullError(path: string, cause: unknown, runId?: string): QuarryError {
  const what = runId !== undefined ? `\`quarry backfill --resume ${runId}\`` : 'the command again (a run that had started continues with `quarry backfill --resume RUN`, see `quarry runs`)';
  return new QuarryError('QUARRY_DISK_FULL', `disk full at ${path}: free space and run ${what}. Nothing half-written was committed.`, { details: { path, ...(runId !== undefined ? { runId } : {}) }, cause });
}

function translateBusy(error: unknown, location: string): unknown {
  if (!isSqliteError(error, 'SQLITE_BUSY') && !isSqliteError(error, 'SQLITE_LOCKED')) return error;
  return new QuarryError('QUARRY_CATALOG_BUSY', `Catalog ${location} stayed locked by another process past the busy timeout (${(error as Error).message}). Retry; if it persists, look for a stuck quarry process.`, { details: { location }, cause: error });
}

// A metrics cursor: a materialization or check result id (0 for all).
function checkCursor(afterId: number): void {
  if (!Number.isSafeInteger(afterId) || afterId < 0) throw new QuarryError('QUARRY_BAD_ARGUMENT', `A catalog cursor must be a whole number ≥ 0 (an id returned as lastId), got ${String(afterId)}.`);
}

function tickFromRow(row: Row): TickRecord {
  return {
    id: row.id as number,
    kind: row.kind as TickKind,
    name: row.name as string,
    tickTime: row.tick_time as number,
    startedAt: row.started_at as number,
    finishedAt: row.finished_at as number,
    status: row.status as TickRecord['status'],
    partitions: row.partitions as number,
    runKeys: JSON.parse(row.run_keys as string) as string[],
    reason: row.reason as string | null,
    error: row.error as string | null,
    data: row.data === null ? null : (JSON.parse(row.data as string) as JsonValue),
    daemonId: row.daemon_id as string,
  };
}

function cursorFromRow(row: Row): AutomationCursor {
  return { kind: row.kind as TickKind, name: row.name as string, cursor: row.cursor as string | null, lastTickTime: row.last_tick_time as number | null, paused: row.paused === 1 };
}

function chunkFromRow(row: Row): RunRequestChunk {
  return {
    runKey: row.run_key as string,
    chunk: row.chunk as number,
    runId: row.run_id as string,
    assetKey: row.asset_key as string,
    partitions: row.partitions === null ? null : (JSON.parse(row.partitions as string) as JsonValue),
    launchedAt: row.launched_at as number,
  };
}

function leaseFromRow(row: Row): DaemonLease {
  return {
    name: row.name as string,
    holder: row.holder as string,
    pid: row.pid as number | null,
    host: row.host as string | null,
    acquiredAt: row.acquired_at as number,
    heartbeatAt: row.heartbeat_at as number,
    expiresAt: row.expires_at as number,
  };
}
