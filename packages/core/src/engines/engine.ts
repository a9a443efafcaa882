import { createHash } from 'node:crypto';
import type { AssetDefinition, AssetLogger, PartitionScope } from '../definitions/index.ts';

/** What an engine can do beyond the required operations, as flags callers test instead of engine names. */
export interface EngineCapabilities {
  /** The engine can MERGE into an existing table (incremental upserts). */
  readonly merge: boolean;
  /** The engine accepts Arrow record batches as a write source without converting rows in JavaScript. */
  readonly arrowWrite: boolean;
  /** The engine reads and writes files on this machine (so object stores with local paths avoid copies). */
  readonly localFiles: boolean;
  /**
   * SQL sees only what it declares: a step reads exactly its inputs' files (and the asset's
   * `sourceFiles`) and writes only its output; `query` runs one read-only SELECT over its views.
   * Anything else fails with `QUARRY_BAD_FILE_ACCESS` or `QUARRY_QUERY_READ_ONLY`.
   */
  readonly declaredInputsOnly: boolean;
  /**
   * The engine splits one execution's output into one version per partition (`MaterializeRequest.split`),
   * so a range step runs its SQL once; without it the step runner materializes a range partition by partition.
   */
  readonly rangeSplit?: boolean;
  /**
   * The engine runs TypeScript compute functions (and the `{ sql }` they return over local files).
   * An engine without it (BigQuery) runs SQL assets only; compute assets of its target run on DuckDB
   * (see `EngineName` and mixed graphs in docs/bigquery.md). Undefined counts as true.
   */
  readonly compute?: boolean;
  /**
   * `materialize` stages its output (a BigQuery staging table) and `publish` makes it current; without
   * it, what `materialize` wrote (a new lake file) is already the version the catalog commits.
   */
  readonly stagedPublish?: boolean;
}

/** The engines Quarry has; an asset may pin one with `engine:` (see `AssetDefinition.engine`). */
export type EngineName = 'duckdb' | 'bigquery';

/** The SQL dialect an engine runs (check SQL and user SQL are compiled to it through `dialect/`). */
export type EngineDialect = 'duckdb' | 'bigquery';

/**
 * Where a version's data lives, as the catalog's `files` of a materialization holds it: an
 * object-store path (`assets/raw/videos/…parquet`, in the target's lake) or a table locator an
 * engine owns, `<scheme>:<reference>` (BigQuery: `bigquery:project.dataset.table$20260115`).
 * Lake paths begin with an asset key (`raw/videos/…`, whose characters exclude `:`) or `@cold/`, so the scheme tells them apart.
 */
export function locatorScheme(file: string): string | undefined {
  const match = /^([a-z][a-z0-9+.-]*):/.exec(file);
  return match === null ? undefined : match[1];
}

/** True when `file` is an object-store path (a lake file), not an engine's table locator. */
export function isLakeFile(file: string): boolean {
  return locatorScheme(file) === undefined;
}

/** One partition's staged output, as `publish` receives it. */
export interface StagedPartition {
  /** Partition key (`''` for an unpartitioned asset). */
  readonly key: string;
  /** Window start (inclusive) and end (exclusive), for time-window partitions. */
  readonly start?: Date;
  readonly end?: Date;
  /** What `materialize` returned for it (`MaterializeOutput.files` or `PartitionOutput.files`). */
  readonly files: readonly string[];
}

/** What `Engine.publish` receives: the staged partitions of one step that passed their audit. */
export interface PublishRequest {
  readonly asset: AssetDefinition;
  readonly runId: string;
  readonly partitions: readonly StagedPartition[];
  readonly signal: AbortSignal;
}

/** A job the engine ran for a step, as the catalog records it (BigQuery: job id, bytes processed and billed). */
export interface EngineJob {
  readonly jobId: string;
  /** `query`, `load`, `copy`, `extract`. */
  readonly kind: string;
  readonly bytesProcessed?: number;
  readonly bytesBilled?: number;
  /** Partition keys the job served, when it served some and not all of the step. */
  readonly partitions?: readonly string[];
}

/** What a dry run of a step says it would cost (BigQuery: the query's dry-run bytes). */
export interface DryRunEstimate {
  /** Bytes the step's queries would process; undefined when they cannot be estimated yet (an upstream not written). */
  readonly bytesProcessed: number | undefined;
  /** Why `bytesProcessed` is undefined, for `quarry plan`. */
  readonly note?: string;
}

/** What `Engine.vacuum` removed. */
export interface EngineVacuumReport {
  /** Staging and input tables dropped (fully qualified names). */
  readonly dropped: readonly string[];
}

/** One column of a relation as the engine types it (`BIGINT`, `VARCHAR`, `TIMESTAMP WITH TIME ZONE`, …). */
export interface ColumnSchema {
  readonly name: string;
  /** The engine's own type name, as its DESCRIBE prints it. */
  readonly type: string;
  readonly nullable?: boolean;
}

/**
 * An upstream relation a step reads: a view over exactly the Parquet files of the upstream partitions
 * the partition mapping selects.
 */
export interface InputRelation {
  /** The view name the asset's SQL uses: the dependency's name in `deps` (or an asset's relation name in `query`). */
  readonly name: string;
  readonly assetKey: string;
  /** Object-store paths of the Parquet files to read; may be empty (then `columns` types an empty view). */
  readonly files: readonly string[];
  /** The relation's columns, used to create an empty typed view when `files` is empty. */
  readonly columns?: readonly ColumnSchema[];
  /**
   * Columns whose values the view hides (PII for a caller without the unmask right): column name, as
   * in the files → the text each non-null value reads as. Honoured by `query`; steps never mask.
   */
  readonly masked?: Readonly<Record<string, string>>;
}

/** One partition of a range step: the rows its window (or key) places, written to `outputPath`. */
export interface RangeSplitPartition {
  readonly key: string;
  /** Object-store path of this partition's new Parquet file. */
  readonly outputPath: string;
  /** Window start (inclusive) and end (exclusive), for time-window partitions. */
  readonly start?: Date;
  readonly end?: Date;
}

/**
 * How a range step's output is split into one version per partition: `column` places each row (see
 * `BackfillPolicyConfig.partitionColumn`); a row no partition takes fails the step.
 */
export interface RangeSplit {
  readonly column: string;
  /** The step's partitions, in order; windows, when given, are contiguous. */
  readonly partitions: readonly RangeSplitPartition[];
  /** The partitions' time zone: DATE and TIMESTAMP values are wall-clock times there (default UTC). */
  readonly timeZone?: string;
}

/** What a range step wrote for one partition. */
export interface PartitionOutput {
  readonly key: string;
  readonly files: string[];
  readonly rowCount: number;
  readonly bytes: number;
  /** The partition's data version, as a step of that partition alone writing the same rows computes it. */
  readonly dataVersion: string;
}

/** Everything an engine needs to materialize one step: an asset over a partition scope. */
export interface MaterializeRequest {
  readonly asset: AssetDefinition;
  readonly scope: PartitionScope;
  readonly inputs: readonly InputRelation[];
  /** Object-store path of the new Parquet file; unique per version, written atomically. */
  readonly outputPath: string;
  readonly runId: string;
  /** The project directory, handed to compute functions as `ctx.projectDir` (default: the working directory). */
  readonly projectDir?: string;
  readonly log: AssetLogger;
  readonly signal: AbortSignal;
  /**
   * Split the output into one file per partition (engines with `capabilities.rangeSplit`): the result's
   * `partitions` holds one entry per partition, and nothing is written to `outputPath`.
   */
  readonly split?: RangeSplit;
}

/** What a materialization wrote. */
export interface MaterializeOutput {
  /** Object-store paths written (one file per step today). */
  readonly files: string[];
  readonly rowCount: number;
  /** Total size in bytes of `files`. */
  readonly bytes: number;
  /** Order-independent content hash of the rows and column schema written (see `combineDataVersion`). */
  readonly dataVersion: string;
  /** Columns of the written file, in file order, typed as the engine reads them back. */
  readonly columns: ColumnSchema[];
  /** With `MaterializeRequest.split`: what each partition got, in the request's order. */
  readonly partitions?: readonly PartitionOutput[];
  /** Jobs the engine ran (BigQuery), for the catalog's cost records. */
  readonly jobs?: readonly EngineJob[];
}

/** Per-call options of `Engine.query`. */
export interface EngineQueryOptions {
  /** Relations visible to the SQL, typically every asset under its relation name. */
  readonly views?: readonly InputRelation[];
  /** Named parameters (`$name` in DuckDB SQL); only the ones the SQL mentions are bound. */
  readonly params?: Record<string, unknown>;
  /** Stop reading after this many rows (the result says `truncated`). */
  readonly maxRows?: number;
  readonly signal?: AbortSignal;
  /**
   * The dialect `sql` is written in (default `duckdb`, the dialect of Quarry's one SQL); an engine of
   * another dialect transpiles it first. `bigquery` passes BigQuery SQL to the BigQuery engine as is.
   */
  readonly dialect?: EngineDialect;
}

/** Rows of an ad-hoc query as JSON-safe values. */
export interface EngineQueryResult {
  readonly columns: ColumnSchema[];
  readonly rows: Record<string, unknown>[];
  /** True when `maxRows` cut the result short. */
  readonly truncated: boolean;
}

/**
 * An execution backend: runs an asset's SQL or compute function over its inputs and writes one Parquet
 * file to the object store.
 *
 * ```ts
 * const engine = await createDuckDbEngine({ store });
 * const out = await engine.materialize({ asset, scope, inputs, outputPath, runId, log, signal });
 * console.log(out.rowCount, out.dataVersion);
 * await engine.close();
 * ```
 */
export interface Engine {
  /** The backend's name (`duckdb`, `bigquery`), for logs and catalog records. */
  readonly name: string;
  readonly capabilities: EngineCapabilities;
  /**
   * Materializes `request.asset` over `request.scope` into `request.outputPath`. Throws a `QuarryError`:
   * `QUARRY_SQL_ERROR`, `QUARRY_COMPUTE_ERROR`, `QUARRY_BAD_COMPUTE_RESULT`, `QUARRY_SCHEMA_MISMATCH`,
   * `QUARRY_BAD_FILE_ACCESS`, `QUARRY_RUN_CANCELLED` or `QUARRY_ENGINE_ERROR`; nothing is written to
   * `outputPath` on failure.
   */
  materialize(request: MaterializeRequest): Promise<MaterializeOutput>;
  /**
   * Runs one read-only SELECT (for `quarry query`, the UI and checks) over the given views; values
   * come back JSON-safe. Other statements fail with `QUARRY_QUERY_READ_ONLY`.
   */
  query(sql: string, options?: EngineQueryOptions): Promise<EngineQueryResult>;
  /** Releases the engine's resources; the engine is unusable afterwards. */
  close(): Promise<void>;
  /** The dialect of the SQL `query` runs (default `duckdb`): check SQL is compiled to it. */
  readonly dialect?: EngineDialect;
  /**
   * With `capabilities.stagedPublish`: makes staged partitions current, each atomically (no reader sees
   * one half-written), and returns each partition's final locators in request order, which the catalog
   * commits. Staged data is removed once published.
   */
  publish?(request: PublishRequest): Promise<{ readonly key: string; readonly files: string[]; readonly jobs?: readonly EngineJob[] }[]>;
  /** Drops staged data that will not be published (a blocked audit keeps it for inspection; a failed step does not). */
  discard?(files: readonly string[]): Promise<void>;
  /** True when `file` is a locator this engine owns (`bigquery:…`); lake files belong to no engine. */
  ownsLocator?(file: string): boolean;
  /**
   * Copies the data behind this engine's locators into the object store as Parquet (BigQuery: an
   * extract job to GCS) under `prefix`, for a step of another engine that reads it (mixed graphs);
   * returns the object-store paths written.
   */
  exportToStore?(files: readonly string[], prefix: string, signal?: AbortSignal): Promise<string[]>;
  /** Estimates what materializing `request` would process, running nothing (BigQuery dry run). */
  dryRun?(request: MaterializeRequest): Promise<DryRunEstimate>;
  /** Removes staging left by killed runs: every staging table not in `keep` (those a live run still writes). */
  vacuum?(options: { readonly keep?: ReadonlySet<string>; readonly dryRun?: boolean }): Promise<EngineVacuumReport>;
}

/**
 * The data version of a written relation: sha256 over its column names and types, its row count and an
 * engine-computed, order-independent `rowDigest` (for DuckDB, the sum of 64-bit row hashes).
 *
 * Identical rows in any order give the same version; a changed value, an added or removed duplicate
 * row, or a changed column name or type gives another. Versions are comparable only within one engine.
 */
export function combineDataVersion(columns: readonly ColumnSchema[], rowCount: number, rowDigest: string): string {
  // JSON keeps the encoding unambiguous whatever characters the column names hold.
  const payload = JSON.stringify({ v: 1, columns: columns.map((c) => [c.name, c.type]), rows: rowCount, digest: rowDigest });
  return createHash('sha256').update(payload).digest('hex');
}
