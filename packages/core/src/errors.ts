/**
 * Every error Quarry raises on purpose, with a stable code.
 *
 * A `QuarryError` is a user-facing error: its message says what was wrong, names the offending
 * value and says what to do. The CLI prints it as one line and exits non-zero; anything that is not
 * a `QuarryError` is a bug and gets a stack trace.
 *
 * ```ts
 * throw new QuarryError('QUARRY_BAD_PARTITION_KEY',
 *   `Partition key "2026-13-01" is not a valid daily key: expected YYYY-MM-DD between 2026-01-01 and 2026-12-31.`);
 * ```
 */
export const QUARRY_ERROR_CODES = {
  // definitions
  QUARRY_BAD_ASSET_KEY: 'an asset key is malformed',
  QUARRY_BAD_DEFINITION: 'an asset or project definition is invalid',
  QUARRY_PROJECT_NOT_FOUND: 'no quarry.config.ts where one was expected',
  QUARRY_PROJECT_LOAD_FAILED: 'quarry.config.ts could not be loaded',
  // partitions
  QUARRY_BAD_PARTITION_KEY: 'a partition key does not fit its partitions definition',
  QUARRY_BAD_PARTITIONS_DEFINITION: 'a partitions definition is invalid',
  QUARRY_BAD_PARTITION_RANGE: 'a partition range is empty or reversed',
  QUARRY_BAD_PARTITION_MAPPING: 'a partition mapping cannot join the two partitions definitions',
  QUARRY_BAD_SUBSET: 'a partition subset is malformed or belongs to another definition',
  // graph
  QUARRY_ASSET_CYCLE: 'the asset graph has a cycle',
  QUARRY_DUPLICATE_ASSET: 'two assets share one key',
  QUARRY_MISSING_ASSET: 'a dependency names an asset that is not in the project',
  QUARRY_UNKNOWN_ASSET: 'a selection or argument names an unknown asset',
  QUARRY_BAD_SELECTION: 'a selection string is malformed',
  // storage, catalog
  QUARRY_OBJECT_NOT_FOUND: 'an object is missing from the object store',
  QUARRY_BAD_OBJECT_PATH: 'an object path is outside the store or malformed',
  QUARRY_CATALOG_MIGRATION: 'the catalog schema could not be migrated',
  QUARRY_LEASE_HELD: 'another process holds the lease of a partition',
  QUARRY_UNKNOWN_RUN: 'a run id is unknown',
  QUARRY_BAD_AS_OF: 'an --as-of timestamp is malformed',
  // engines, execution
  QUARRY_ENGINE_ERROR: 'the engine failed to run an asset',
  QUARRY_SQL_ERROR: 'an asset SQL statement failed',
  QUARRY_COMPUTE_ERROR: 'an asset compute function threw',
  QUARRY_BAD_COMPUTE_RESULT: 'an asset compute function returned something that is not a table, rows or SQL',
  QUARRY_RUN_CANCELLED: 'a run was cancelled',
  QUARRY_RUN_NOT_RESUMABLE: 'a run cannot be resumed',
  QUARRY_BAD_PLAN: 'a plan is malformed: a duplicate step id, an unknown dependency or a cycle',
  QUARRY_BAD_STEP_OUTCOME: 'a step runner returned something other than a step outcome',
  // checks
  QUARRY_BAD_CHECK: 'a check definition is invalid',
  QUARRY_CHECK_BLOCKED: 'a blocking check failed, so the partition was not published',
  // cli, server
  QUARRY_BAD_ARGUMENT: 'a command-line or API argument is invalid',
  QUARRY_UNAUTHORIZED: 'a request lacks the token the server requires',
  QUARRY_NOT_FOUND: 'no such HTTP route',
  QUARRY_INTERNAL: 'an internal server error (a bug)',
  QUARRY_BAD_CONFIG: 'a configuration value is invalid',
  QUARRY_CATALOG_BUSY: 'the catalog stayed locked by another process for longer than its busy timeout',
  QUARRY_SCHEMA_MISMATCH: "an asset's output lacks columns its schema declares",
  QUARRY_NO_DYNAMIC_PARTITIONS: 'dynamic partitions were used without a context that supplies their current keys',
  QUARRY_ROW_VALIDATION_MISMATCH: 'row validation did not account for every input row (a Quarry bug)',
  QUARRY_SOURCE_MISSING: 'a landing or source file an asset reads does not exist',
  QUARRY_NOT_MATERIALIZED: 'an asset a query needs has not been materialized yet',
  // versioning (source observations)
  QUARRY_OBSERVE_FAILED: "a source asset's observe function threw",
  // execution: retries and checks
  QUARRY_CHECK_ERROR: 'a quality check could not be evaluated (an engine or I/O error), so the partition was not published',
  // server trust (issue 10)
  QUARRY_PLAN_TOO_LARGE: 'a plan would have more steps or partitions than the caller allows',
  QUARRY_PORT_IN_USE: 'the port the server should listen on is taken by another process',
  QUARRY_FORBIDDEN: 'a request comes from another origin or lacks a JSON content type',
  QUARRY_REQUEST_TIMEOUT: 'a request took longer than the server allows',
  // engines: declared inputs only, read-only query
  QUARRY_BAD_FILE_ACCESS: "SQL read or wrote a file outside its declared inputs (another asset's files, a local file not in sourceFiles)",
  QUARRY_QUERY_READ_ONLY: 'quarry query got a statement other than one SELECT (COPY, ATTACH, EXPORT, SET, INSTALL, …)',
  // dynamic partitions
  QUARRY_UNKNOWN_DYNAMIC_PARTITIONS: 'no asset of the project is partitioned by dynamic partitions of that name',
  // lake and catalog integrity
  QUARRY_CATALOG_CORRUPT: 'the catalog file is damaged or is not a SQLite database',
  QUARRY_DISK_FULL: 'the disk holding the catalog or the lake is full',
  QUARRY_CATALOG_MISMATCH: 'the lake belongs to another catalog, or its catalog is missing or new',
  QUARRY_LAKE_FILE_MISSING: 'a lake file a current version names is missing or changed',
  // range steps
  QUARRY_BAD_ROW_PLACEMENT: "a row of a range step's output belongs to no partition of the range (its partition column is outside the range or NULL)",
  // alerts (observability)
  QUARRY_BAD_ALERTS_CONFIG: "a project's alerts setting (routes, destinations, summary) is invalid",
  QUARRY_ALERT_DELIVERY_FAILED: 'an alert could not be delivered to one of its routes',
  // metadata: OpenLineage and data dictionary
  QUARRY_UNKNOWN_GLOSSARY_TERM: "a column's term is not in the project's glossary",
  QUARRY_BAD_LINEAGE_CONFIG: 'the OpenLineage configuration (project lineage or OPENLINEAGE_* variables) is invalid',
  // SQL dialect layer and column lineage
  QUARRY_SQL_PARSE: 'an SQL statement does not parse in its dialect',
  QUARRY_SQL_UNSUPPORTED: 'an SQL construct does not transpile to the target dialect',
  QUARRY_SQL_LINEAGE: 'the column lineage of an SQL statement could not be derived (an unknown table or column)',
  QUARRY_BAD_COLUMN_LINEAGE: "a declared columnLineage names an unknown upstream, column or output",
  // storage tiers
  QUARRY_COLD_STORE_MISSING: 'a lake file is in the cold store, but the project configures no cold store or its folder is gone',
  QUARRY_STORAGE_TIERS_NOT_CONFIGURED: 'quarry storage apply was run on a project whose storage declares no tiers',
  QUARRY_STORAGE_REWRITE_MISMATCH: 'a file rewritten for the warm tier does not hold the same rows as the original, so it was not used',
  // automation (daemon, schedules, sensors, conditions, run queue, freshness)
  QUARRY_BAD_CRON: 'a cron expression or its time zone is invalid',
  QUARRY_BAD_AUTOMATION: 'an automation condition, sensor, freshness policy, priority or pool is invalid',
  QUARRY_SENSOR_FAILED: "a sensor's evaluate function threw, returned something invalid or ran past its time limit",
  QUARRY_DAEMON_LEASE_HELD: 'another daemon holds the lease of this instance',
  // gcs (cloud object store)
  QUARRY_CLOUD_CREDENTIALS: 'no usable Google Cloud credentials (no Application Default Credentials, or the token was refused)',
  QUARRY_STORE_ACCESS_DENIED: 'the credentials may not read or write the object store bucket (HTTP 403)',
  QUARRY_STORE_BUCKET_NOT_FOUND: "the object store's bucket does not exist",
  QUARRY_STORE_ERROR: 'the object store failed a request for another reason (its message says why)',
  // bigquery
  QUARRY_BIGQUERY_DATASET_MISSING: "the BigQuery dataset a target names does not exist (Quarry does not create it)",
  QUARRY_BIGQUERY_UNSUPPORTED: "an asset cannot run on BigQuery as declared (its partitions have no BigQuery table layout, or it is a compute asset)",
  // targets (issue 13: where a project runs, cost limits)
  QUARRY_UNKNOWN_TARGET: 'a --target or QUARRY_TARGET names a target the project does not declare',
  QUARRY_BYTES_LIMIT_EXCEEDED: "a run's dry-run bytes exceed --max-bytes-billed or the target's maxBytesBilled, so it was refused before any job started",
  QUARRY_AS_OF_UNAVAILABLE: "--as-of asks for an older version of a partition whose engine keeps only the current one (a BigQuery table partition)",
} as const;

/** A stable Quarry error code, such as `QUARRY_ASSET_CYCLE`. */
export type QuarryErrorCode = keyof typeof QUARRY_ERROR_CODES;

/** The one error class Quarry throws for user errors; `code` is stable, `message` is for people. */
export class QuarryError extends Error {
  readonly code: QuarryErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: QuarryErrorCode, message: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'QuarryError';
    this.code = code;
    this.details = options?.details;
  }
}

/** True when `error` is a `QuarryError`, optionally with the given code. */
export function isQuarryError(error: unknown, code?: QuarryErrorCode): error is QuarryError {
  return error instanceof QuarryError && (code === undefined || error.code === code);
}
