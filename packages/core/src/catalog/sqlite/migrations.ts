import type BetterSqlite3 from 'better-sqlite3';
import { QuarryError } from '../../errors.ts';

/** One step of the SQLite catalog schema's history; `up` runs inside the migrating transaction. */
export interface SqliteMigration {
  readonly version: number;
  readonly name: string;
  up(db: BetterSqlite3.Database): void;
}

// Never edit a released migration: add a new one. The v1 fixture beside the tests holds v1 as shipped.
const V1_CORE = `
CREATE TABLE catalog_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  last_commit_at INTEGER NOT NULL
);
INSERT INTO catalog_state (id, seq, last_commit_at) VALUES (1, 0, 0);

CREATE TABLE assets (
  id INTEGER PRIMARY KEY,
  asset_key TEXT NOT NULL UNIQUE
);

CREATE TABLE code_versions (
  id INTEGER PRIMARY KEY,
  code_version TEXT NOT NULL UNIQUE
);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  kind TEXT NOT NULL,
  selection TEXT NOT NULL,
  partitions TEXT,
  plan TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  pid INTEGER,
  host TEXT,
  parent_run_id TEXT,
  tags TEXT NOT NULL DEFAULT '{}',
  error TEXT
);
CREATE INDEX runs_created ON runs (created_at, id);
CREATE INDEX runs_status ON runs (status, created_at);
CREATE INDEX runs_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;

CREATE TABLE steps (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  asset_key TEXT NOT NULL,
  partitions TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  attempt INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  started_at INTEGER,
  finished_at INTEGER,
  timings TEXT,
  updated_at INTEGER NOT NULL,
  UNIQUE (run_id, step_id)
);

CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  step_id TEXT,
  ts INTEGER NOT NULL,
  level TEXT NOT NULL,
  type TEXT NOT NULL,
  message TEXT NOT NULL,
  data TEXT
);
CREATE INDEX events_run ON events (run_id, id);

CREATE TABLE materializations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  asset_id INTEGER NOT NULL,
  partition_key TEXT NOT NULL,
  run_id TEXT,
  step_id TEXT,
  created_at INTEGER NOT NULL,
  files TEXT NOT NULL,
  row_count INTEGER,
  bytes INTEGER,
  data_version TEXT NOT NULL,
  code_version_id INTEGER NOT NULL,
  input_fingerprint TEXT,
  input_seqs TEXT NOT NULL,
  output_schema TEXT,
  metadata TEXT NOT NULL,
  seq INTEGER NOT NULL UNIQUE,
  data_seq INTEGER NOT NULL
);
CREATE INDEX materializations_partition ON materializations (asset_id, partition_key, seq);
CREATE INDEX materializations_asset ON materializations (asset_id, seq);

-- The current version of each partition. The columns staleness reads are copied in, and the long
-- version strings live in a twin table, so that one asset's million partitions are one short range scan.
CREATE TABLE current_partitions (
  asset_id INTEGER NOT NULL,
  partition_key TEXT NOT NULL,
  materialization_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  data_seq INTEGER NOT NULL,
  code_version_id INTEGER NOT NULL,
  max_input_seq INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (asset_id, partition_key)
) WITHOUT ROWID;
CREATE UNIQUE INDEX current_partitions_materialization ON current_partitions (materialization_id);

CREATE TABLE current_versions (
  asset_id INTEGER NOT NULL,
  partition_key TEXT NOT NULL,
  data_version TEXT NOT NULL,
  input_fingerprint TEXT,
  PRIMARY KEY (asset_id, partition_key)
) WITHOUT ROWID;

CREATE TABLE materialization_files (
  materialization_id INTEGER NOT NULL,
  path TEXT NOT NULL,
  PRIMARY KEY (materialization_id, path)
) WITHOUT ROWID;
CREATE INDEX materialization_files_path ON materialization_files (path);

CREATE TABLE partition_failures (
  asset_id INTEGER NOT NULL,
  partition_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  run_id TEXT,
  message TEXT NOT NULL,
  failed_at INTEGER NOT NULL,
  PRIMARY KEY (asset_id, partition_key)
) WITHOUT ROWID;

CREATE TABLE dynamic_partitions (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  UNIQUE (name, partition_key)
);
CREATE INDEX dynamic_partitions_order ON dynamic_partitions (name, id);

CREATE TABLE leases (
  asset_id INTEGER NOT NULL,
  partition_key TEXT NOT NULL,
  run_id TEXT NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  acquired_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (asset_id, partition_key)
) WITHOUT ROWID;
CREATE INDEX leases_owner ON leases (run_id, pid, host);
`;

const V2_CHECKS_AND_LINEAGE = `
CREATE TABLE check_results (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  asset_id INTEGER NOT NULL,
  partition_key TEXT NOT NULL,
  check_name TEXT NOT NULL,
  run_id TEXT,
  materialization_id INTEGER,
  passed INTEGER NOT NULL,
  severity TEXT NOT NULL,
  observed_value TEXT,
  threshold TEXT,
  failing_count INTEGER,
  sample_rows TEXT,
  message TEXT,
  metadata TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX check_results_partition ON check_results (asset_id, partition_key, check_name, id);
CREATE INDEX check_results_run ON check_results (run_id) WHERE run_id IS NOT NULL;

CREATE TABLE lineage_edges (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  from_asset_id INTEGER NOT NULL,
  from_partition_key TEXT NOT NULL,
  from_materialization_id INTEGER,
  from_data_version TEXT,
  to_asset_id INTEGER NOT NULL,
  to_partition_key TEXT NOT NULL,
  to_materialization_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX lineage_edges_to ON lineage_edges (to_asset_id, to_partition_key, id);
CREATE INDEX lineage_edges_from ON lineage_edges (from_asset_id, from_partition_key, id);
CREATE INDEX lineage_edges_to_materialization ON lineage_edges (to_materialization_id);
`;

// The lake's trust: per-file size and checksum (null = recorded before v3, unknown), the catalog's
// instance id (the lake's marker file names it), and versions found damaged by `quarry verify --repair`.
const V3_LAKE_INTEGRITY = `
ALTER TABLE materialization_files ADD COLUMN size INTEGER;
ALTER TABLE materialization_files ADD COLUMN sha256 TEXT;

CREATE TABLE catalog_identity (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  instance_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
INSERT INTO catalog_identity (id, instance_id, created_at)
  VALUES (1, 'qi_' || lower(hex(randomblob(12))), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

CREATE TABLE lost_versions (
  materialization_id INTEGER PRIMARY KEY,
  asset_id INTEGER NOT NULL,
  partition_key TEXT NOT NULL,
  detail TEXT NOT NULL,
  lost_at INTEGER NOT NULL
);
CREATE INDEX lost_versions_partition ON lost_versions (asset_id, partition_key);
`;

// Observations of source assets: one row per observed version of a partition; `current` marks the
// latest, whose observed_at moves forward while the version stays the same.
const V4_SOURCE_OBSERVATIONS = `
CREATE TABLE observations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  asset_id INTEGER NOT NULL,
  partition_key TEXT NOT NULL,
  data_version TEXT NOT NULL,
  seq INTEGER NOT NULL,
  first_observed_at INTEGER NOT NULL,
  observed_at INTEGER NOT NULL,
  run_id TEXT,
  current INTEGER NOT NULL
);
CREATE UNIQUE INDEX observations_current ON observations (asset_id, partition_key) WHERE current = 1;
`;

// Alerts (observability): the outbox. An alert is written in the transaction of the event that raised
// it, with one delivery row per route; deliveries are claimed with a lease so two processes never send
// one row twice, and retried with backoff (next_attempt_at).
const V6_ALERT_OUTBOX = `
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL,
  action TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  summary TEXT NOT NULL,
  details TEXT NOT NULL,
  asset_key TEXT,
  partition_key TEXT,
  run_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX alerts_dedup ON alerts (dedup_key, id);
CREATE INDEX alerts_created ON alerts (created_at, id);

CREATE TABLE alert_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id INTEGER NOT NULL,
  route TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  claimed_by TEXT,
  claim_expires_at INTEGER,
  delivered_at INTEGER,
  last_error TEXT,
  UNIQUE (alert_id, route)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (state, next_attempt_at);
`;

// Column lineage (metadata and lineage issue): one row per distinct lineage an asset's code version
// produced (upstream schemas can change under one code version); the latest seen is the current one.
const V10_COLUMN_LINEAGE = `
CREATE TABLE column_lineage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  asset_id INTEGER NOT NULL,
  code_version TEXT NOT NULL,
  lineage_hash TEXT NOT NULL,
  lineage TEXT NOT NULL,
  source TEXT NOT NULL,
  run_id TEXT,
  materialization_id INTEGER,
  first_recorded_at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  UNIQUE (asset_id, code_version, lineage_hash)
);
CREATE INDEX column_lineage_latest ON column_lineage (asset_id, recorded_at, id);
`;

// Schema evolution (issue 16): one row per schema an asset's versions were written with, recorded by
// the commit that first wrote it, with the changes from the asset's previous schema (JSON).
const V9_SCHEMA_HISTORY = `
CREATE TABLE schema_versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  asset_id INTEGER NOT NULL,
  materialization_id INTEGER,
  partition_key TEXT NOT NULL,
  run_id TEXT,
  created_at INTEGER NOT NULL,
  columns TEXT NOT NULL,
  changes TEXT NOT NULL
);
CREATE INDEX schema_versions_asset ON schema_versions (asset_id, id);
`;

// Storage tiers: where each file is (tier, store; `hot_size` keeps its size as first written, for the
// saving against all-hot), and the journal of tier moves in flight (copy → commit → delete the old file),
// so an interrupted `quarry storage apply` is finished by the next one and vacuum keeps the new copies.
const V8_STORAGE_TIERS = `
ALTER TABLE materialization_files ADD COLUMN tier TEXT NOT NULL DEFAULT 'hot';
ALTER TABLE materialization_files ADD COLUMN store TEXT NOT NULL DEFAULT 'lake';
ALTER TABLE materialization_files ADD COLUMN hot_size INTEGER;

CREATE TABLE storage_moves (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  from_path TEXT NOT NULL,
  to_path TEXT NOT NULL UNIQUE,
  to_store TEXT NOT NULL,
  tier TEXT NOT NULL,
  state TEXT NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  started_at INTEGER NOT NULL
);
`;

// observability: the OpenTelemetry trace id of a run's latest execution (null when tracing was off).
const V5_RUN_TRACE_IDS = `
ALTER TABLE runs ADD COLUMN trace_id TEXT;
`;

// The daemon: ticks (one per evaluation), run requests unique by run key (the exactly-once record),
// the chunks (single steps) a request was launched as, cursors of schedules/sensors, the daemon lease.
const V7_AUTOMATION = `
CREATE TABLE automation_ticks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  tick_time INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  partitions INTEGER NOT NULL,
  run_keys TEXT NOT NULL,
  reason TEXT,
  error TEXT,
  data TEXT,
  daemon_id TEXT NOT NULL
);
CREATE INDEX automation_ticks_name ON automation_ticks (kind, name, id);
CREATE INDEX automation_ticks_time ON automation_ticks (finished_at);
CREATE TABLE automation_cursors (
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  cursor TEXT,
  last_tick_time INTEGER,
  paused INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, name)
);
CREATE TABLE run_requests (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_key TEXT NOT NULL UNIQUE,
  tick_id INTEGER,
  source TEXT NOT NULL,
  selection TEXT NOT NULL,
  partitions TEXT,
  tags TEXT NOT NULL,
  priority INTEGER NOT NULL,
  partition_count INTEGER NOT NULL,
  status TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT
);
CREATE INDEX run_requests_queue ON run_requests (status, priority, seq);
CREATE TABLE run_request_chunks (
  run_key TEXT NOT NULL,
  chunk INTEGER NOT NULL,
  run_id TEXT NOT NULL,
  asset_key TEXT NOT NULL,
  partitions TEXT,
  launched_at INTEGER NOT NULL,
  PRIMARY KEY (run_key, chunk)
);
CREATE TABLE daemon_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  pid INTEGER,
  host TEXT,
  acquired_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
`;

// targets (issue 13): the jobs an engine ran for each step (BigQuery job ids, bytes processed and billed).
const V11_ENGINE_JOBS = `
CREATE TABLE engine_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  asset_key TEXT NOT NULL,
  partitions TEXT NOT NULL,
  job_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  engine TEXT NOT NULL,
  bytes_processed INTEGER,
  bytes_billed INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX engine_jobs_run ON engine_jobs (run_id, step_id, id);
`;

/** The SQLite catalog's schema history, oldest first; the last entry is the version this code writes. */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  { version: 1, name: 'core', up: (db) => db.exec(V1_CORE) },
  { version: 2, name: 'checks and lineage', up: (db) => db.exec(V2_CHECKS_AND_LINEAGE) },
  { version: 3, name: 'lake integrity', up: (db) => db.exec(V3_LAKE_INTEGRITY) },
  { version: 4, name: 'source observations', up: (db) => db.exec(V4_SOURCE_OBSERVATIONS) },
  { version: 5, name: 'run trace ids', up: (db) => db.exec(V5_RUN_TRACE_IDS) },
  { version: 6, name: 'alert outbox', up: (db) => db.exec(V6_ALERT_OUTBOX) },
  { version: 7, name: 'automation', up: (db) => db.exec(V7_AUTOMATION) },
  { version: 8, name: 'storage tiers', up: (db) => db.exec(V8_STORAGE_TIERS) },
  { version: 9, name: 'schema history', up: (db) => db.exec(V9_SCHEMA_HISTORY) },
  { version: 10, name: 'column lineage', up: (db) => db.exec(V10_COLUMN_LINEAGE) },
  { version: 11, name: 'engine jobs', up: (db) => db.exec(V11_ENGINE_JOBS) },
];

/** The schema version this code reads and writes. */
export const SQLITE_SCHEMA_VERSION: number = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;

/**
 * Brings the catalog database `db` up to `target` (default: the latest version), applying the
 * pending migrations in one `BEGIN IMMEDIATE` transaction, and returns the resulting version.
 *
 * A database written by a newer Quarry, or one that is not a Quarry catalog, throws
 * `QUARRY_CATALOG_MIGRATION`. Safe to call from several processes at once: the loser of the race
 * waits for the lock, then finds nothing left to do.
 */
export function migrateSqliteCatalog(
  db: BetterSqlite3.Database,
  location: string,
  migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS,
  target: number = migrations[migrations.length - 1]?.version ?? 0,
): number {
  // Contiguous 1..N: a gap would let a catalog claim a version whose schema it never received.
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`SQLite catalog migrations must be numbered 1, 2, 3… with no gap; entry ${index} has version ${migration.version}, expected ${index + 1}`);
  });
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  // A read first, so that opening an up-to-date catalog never takes the write lock.
  if (readSchemaVersion(db, location, latest) === target) return target;
  return db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const current = readSchemaVersion(db, location, latest);
    if (current > target) {
      throw new QuarryError('QUARRY_CATALOG_MIGRATION', `Catalog ${location} has schema version ${current}, newer than the version ${target} asked for. Use a Quarry release that knows schema version ${current}.`, { details: { location, version: current, target } });
    }
    const insert = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of migrations) {
      if (migration.version <= current || migration.version > target) continue;
      try {
        migration.up(db);
      } catch (error) {
        throw new QuarryError('QUARRY_CATALOG_MIGRATION', `Catalog ${location} could not be migrated to schema version ${migration.version} (${migration.name}): ${error instanceof Error ? error.message : String(error)}. The catalog was left at version ${current}; restore it from a backup or report the error.`, { details: { location, version: migration.version }, cause: error });
      }
      insert.run(migration.version, migration.name, Date.now());
    }
    db.pragma(`user_version = ${target}`);
    return target;
  }).immediate();
}

function readSchemaVersion(db: BetterSqlite3.Database, location: string, latest: number): number {
  const hasMigrations = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
  if (!hasMigrations) {
    const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
    if (tables > 0) {
      throw new QuarryError('QUARRY_CATALOG_MIGRATION', `${location} is a SQLite database but not a Quarry catalog (it has tables and no schema_migrations table). Point Quarry at another file or move this one away.`, { details: { location } });
    }
    return 0;
  }
  const version = (db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number | null) ?? 0;
  if (version > latest) {
    throw new QuarryError('QUARRY_CATALOG_MIGRATION', `Catalog ${location} has schema version ${version}, but this Quarry knows versions up to ${latest}: a newer Quarry wrote it. Upgrade Quarry, or use a separate QUARRY_HOME.`, { details: { location, version, latest } });
  }
  return version;
}
