import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { QuarryError } from '../errors.ts';
import type { PartitionMapping, PartitionsDefinition } from '../partitions/index.ts';
import { parseAssetKey, type AssetKey } from './asset-key.ts';
import type { GlossaryTerm } from './glossary.ts';
import { resolveBackfillPolicy, type BackfillPolicy, type BackfillPolicyConfig } from './backfill-policy.ts';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicyConfig } from './retry-policy.ts';
import { validateColumnLineageDeclaration, type ColumnLineageDeclaration } from './column-lineage-declaration.ts';
import { isAutomationCondition, resolveAssetPriority, resolveFreshnessPolicy, type AssetPriority, type AutomationCondition, type FreshnessPolicy, type FreshnessPolicyConfig } from './automation-policy.ts';

/** A zod object schema describing an asset's output rows. */
export type RowSchema = z.ZodObject<z.ZodRawShape>;

/**
 * How a column is classified for privacy: `none` (declared not personal, which also stops
 * propagation along column lineage), or the kind of personal data it holds (see docs/pii.md).
 * `direct`, `indirect` and `sensitive` are the untyped classes of earlier releases: still accepted,
 * masked and propagated, but deprecated (`DEPRECATED_PII_CLASSES` names the typed class to use).
 */
export type PiiClass =
  | 'none'
  | 'email'
  | 'phone'
  | 'name'
  | 'username'
  | 'ip'
  | 'precise_location'
  | 'government_id'
  | 'date_of_birth'
  | 'financial'
  | 'health'
  | 'free_text'
  | 'user_id'
  | 'direct'
  | 'indirect'
  | 'sensitive';

/** Every accepted `PiiClass`, in the order the docs list them. */
export const PII_CLASSES: readonly PiiClass[] = Object.freeze([
  'none', 'email', 'phone', 'name', 'username', 'ip', 'precise_location', 'government_id', 'date_of_birth', 'financial', 'health', 'free_text', 'user_id', 'direct', 'indirect', 'sensitive',
] as const);

/** The deprecated untyped PII classes, each with the advice printed when a project uses it. */
export const DEPRECATED_PII_CLASSES: Readonly<Record<'direct' | 'indirect' | 'sensitive', string>> = Object.freeze({
  direct: "a direct identifier: use 'email', 'phone', 'name', 'username', 'government_id' or 'free_text'",
  indirect: "an indirect identifier: use 'user_id', 'ip' or 'precise_location'",
  sensitive: "special-category data: use 'health', 'financial' or 'date_of_birth'",
});

/**
 * What an asset does when a new version's schema differs from the asset's last recorded one:
 * `allow` any change (the default); `additive` new columns and NOT NULL → nullable relaxations, but
 * not a dropped column, a changed type or a nullable column made NOT NULL; `block` no change at all.
 * A refused change fails write–audit–publish like a blocking check: the previous version stays current.
 */
export type SchemaChangePolicy = 'allow' | 'additive' | 'block';

/** Documentation of one output column: business definition and PII classification. */
export interface ColumnDoc {
  readonly description?: string;
  readonly pii?: PiiClass;
  readonly unit?: string;
  /** The glossary term this column measures: the term from `defineGlossary`, or its key (`'follower_count'`); see docs/data-dictionary.md. */
  readonly term?: string | GlossaryTerm;
}

/** A log sink handed to asset code; lines are stored with the run. */
export interface AssetLogger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** The partition (or contiguous partition range, for range steps) a step materializes. */
export interface PartitionScope {
  /** Partition keys covered, in order; `['']` for an unpartitioned asset. */
  readonly keys: readonly string[];
  /** First key (equal to `lastKey` for a single partition). */
  readonly firstKey: string;
  readonly lastKey: string;
  /** Window start (inclusive) of the first partition, for time-window partitions. */
  readonly start: Date | undefined;
  /** Window end (exclusive) of the last partition, for time-window partitions. */
  readonly end: Date | undefined;
}

/**
 * What a compute function sees: its partition scope, its inputs as relation names on the engine's
 * connection, a query helper, a logger and the run's abort signal.
 */
export interface ComputeContext {
  readonly assetKey: AssetKey;
  readonly partition: PartitionScope;
  readonly runId: string;
  /** The project directory (where quarry.config.ts lives), for reading landing files. */
  readonly projectDir: string;
  /** Relation (view) name of each dependency, by the name it has in `deps`. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Runs SQL on the engine's connection (inputs are visible as views) and returns plain rows. */
  query(sql: string, params?: Record<string, unknown>): Promise<Record<string, unknown>[]>;
  /** The engine's native connection (a `DuckDBConnection` on the DuckDB engine). */
  readonly connection: unknown;
  readonly log: AssetLogger;
  readonly signal: AbortSignal;
}

/**
 * What a compute function returns: rows (an array or an async iterable), `{ sql }` to let the engine
 * run a statement, or an Arrow-like table (anything with `toArray()` of row objects).
 */
export type ComputeResult =
  | readonly object[]
  | AsyncIterable<object>
  | { readonly sql: string; readonly params?: Record<string, unknown> }
  | { toArray(): Iterable<Record<string, unknown>> };

/** A TypeScript compute function of an asset. */
export type ComputeFunction = (context: ComputeContext) => ComputeResult | Promise<ComputeResult>;

/** A dependency on another asset with an explicit partition mapping. */
export interface AssetDependency {
  readonly asset: AnyAssetDefinition;
  readonly mapping?: PartitionMapping;
}

/** A dependency as written in `deps`: an asset object, or `{ asset, mapping }`. */
export type AssetDependencyInput = AnyAssetDefinition | AssetDependency;

/** Opaque declaration of a quality check; the checks layer interprets it. */
export interface AssetCheckDeclaration {
  readonly name: string;
  readonly kind: string;
  readonly [option: string]: unknown;
}

/** A materializable asset, as returned by `defineAsset`. */
export interface AssetDefinition<Schema extends RowSchema | undefined = RowSchema | undefined> {
  readonly type: 'asset';
  readonly key: AssetKey;
  readonly deps: Readonly<Record<string, AssetDependency>>;
  /** Set when the asset reads itself (e.g. yesterday's snapshot); the mapping must look backwards. */
  readonly selfDependency: { readonly name: string; readonly mapping: PartitionMapping } | undefined;
  readonly partitions: PartitionsDefinition | undefined;
  readonly schema: Schema;
  readonly sql: string | undefined;
  readonly compute: ComputeFunction | undefined;
  readonly description: string | undefined;
  readonly owners: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly group: string;
  readonly codeVersion: string | undefined;
  readonly columns: Readonly<Record<string, ColumnDoc>>;
  readonly checks: readonly AssetCheckDeclaration[];
  /**
   * The asset's own retry policy, as declared (validated); its fields override the project's
   * `retry` (see `resolveRetryPolicy`). Undefined when the asset follows the project.
   */
  readonly retry: RetryPolicyConfig | undefined;
  /** How backfills batch this asset's partitions into steps (see `BackfillPolicyConfig`). */
  readonly backfill: BackfillPolicy;
  /** Free configuration that is part of the code version (thresholds, options). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The asset's schema change policy, when it declares one; otherwise the project's `schemaChanges` applies. */
  readonly schemaChanges?: SchemaChangePolicy;
  /**
   * The version of the external data this asset reads for a partition (a file hash, an mtime), for
   * assets that ingest from outside Quarry; a changed value makes the partition stale (`source_changed`).
   */
  readonly observe: SourceAssetDefinition['observe'];
  /**
   * The file that called `defineAsset` (from the call stack), when known: the project modules it
   * imports are part of a compute asset's code version, so a helper edit makes the asset stale.
   */
  readonly sourceFile: string | undefined;
  /** Local files and directories the asset's SQL reads itself (landing files); see `AssetConfig.sourceFiles`. */
  readonly sourceFiles?: SourceFiles;
  /** The column lineage a compute asset declares (validated); SQL assets derive theirs from the SQL. */
  readonly columnLineage?: ColumnLineageDeclaration;
  // automation
  /** When the daemon requests this asset (see docs/automation.md); undefined: never by itself. */
  readonly automation?: AutomationCondition;
  /** How stale the asset may get before it is overdue. */
  readonly freshness?: FreshnessPolicy;
  /** The queue tier of its runs (default `normal`). */
  readonly priority?: AssetPriority;
  // engines and targets (remote execution)
  /**
   * The engine this asset always runs on, whatever the target's engine (mixed graphs): `duckdb` for
   * a TypeScript step next to BigQuery SQL assets. Undefined: the target's engine (compute assets
   * run on DuckDB when the target's engine cannot run TypeScript).
   */
  readonly engine?: 'duckdb' | 'bigquery';
  /** Columns the engine clusters the asset's table by, where it can (BigQuery: `cluster: ['creator_id']`). */
  readonly cluster?: readonly string[];
  /**
   * Per-engine SQL, when a construct does not transpile (`sql: { duckdb, bigquery }` in `defineAsset`):
   * the text for an engine named here replaces the transpiled `sql` on that engine. `sql` keeps the DuckDB text.
   */
  readonly sqlByEngine?: Readonly<Partial<Record<'duckdb' | 'bigquery', string>>>;
}

/**
 * Local files or directories an asset's SQL reads directly, besides its deps (which it reads as
 * views): a list, or a function of the step's partition scope. Relative paths are resolved against
 * the project directory; a directory allows everything under it. The engine lets the SQL open these
 * and nothing else.
 */
export type SourceFiles = readonly string[] | ((context: { readonly partition: PartitionScope; readonly projectDir: string }) => readonly string[]);

/**
 * An external source asset: data Quarry does not write but observes (landing files, a vendor table).
 * `observe` returns a version string per partition (a content hash, an mtime); a changed version
 * makes dependent partitions stale with cause `source_changed`. `undefined` means the partition's
 * data does not exist yet.
 */
export interface SourceAssetDefinition {
  readonly type: 'source';
  readonly key: AssetKey;
  readonly partitions: PartitionsDefinition | undefined;
  readonly description: string | undefined;
  readonly owners: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly group: string;
  readonly columns: Readonly<Record<string, ColumnDoc>>;
  readonly observe: ((context: SourceObserveContext) => Promise<string | undefined> | string | undefined) | undefined;
}

/** What a source's `observe` function receives. */
export interface SourceObserveContext {
  readonly partitionKey: string;
  readonly projectDir: string;
}

/** Any node of the asset graph. */
export type AnyAssetDefinition = AssetDefinition<RowSchema | undefined> | SourceAssetDefinition;

/** Options of `defineAsset`. */
export interface AssetConfig<Schema extends RowSchema | undefined> {
  /** Path-like key, such as `raw/creators`. */
  key: string;
  /** Upstream assets by the name the SQL or compute function uses for them. */
  deps?: Record<string, AssetDependencyInput | SelfDependencyInput>;
  partitions?: PartitionsDefinition;
  /** zod object describing the output rows; row types follow via `z.infer`. */
  schema?: Schema;
  /**
   * DuckDB SQL; dependencies are views named as in `deps`; `$partition_key`, `$partition_start`, `$partition_end` and the rest of
   * `PARTITION_SQL_PARAMETERS` are typed parameters. Other engines run it transpiled (docs/bigquery-sql.md); when a construct
   * does not transpile, give per-engine SQL instead: `sql: { duckdb: '…', bigquery: '…' }` (BigQuery's text names the
   * same dependency views and `@partition_key`-style parameters).
   */
  sql?: string | AssetSqlByEngine;
  compute?: ComputeFunction;
  description?: string;
  owners?: string[];
  tags?: Record<string, string>;
  group?: string;
  /** An explicit code version; when set, edits of the SQL/function do not change it. */
  codeVersion?: string;
  columns?: Schema extends RowSchema ? { [K in keyof z.infer<Schema>]?: ColumnDoc } : Record<string, ColumnDoc>;
  checks?: AssetCheckDeclaration[];
  /** Overrides the project's retry policy for this asset, e.g. `{ maxAttempts: 1 }` for no retries. */
  retry?: RetryPolicyConfig;
  /** Range steps: `{ maxPartitionsPerStep: 1000, partitionColumn: 'day' }` runs up to 1,000 stale partitions in one step (see docs/range-steps.md). */
  backfill?: BackfillPolicyConfig;
  config?: Record<string, unknown>;
  /** Version of the external data read per partition; see `AssetDefinition.observe`. */
  observe?: SourceAssetDefinition['observe'];
  /** Which schema changes a new version may make (`allow`, `additive`, `block`); default: the project's `schemaChanges`. See docs/schema-evolution.md. */
  schemaChanges?: SchemaChangePolicy;
  /**
   * Local files the SQL (or the `{ sql }` a compute function returns) reads itself, such as landing
   * files: `sourceFiles: ({ partition }) => [\`landing/${partition.firstKey}/orders.csv\`]`. SQL can open
   * nothing else but its deps' views.
   */
  sourceFiles?: SourceFiles;
  /**
   * Column lineage of a compute asset, which Quarry cannot read from a function: output column →
   * the upstream columns it derives from, as `'dep.column'` (`{ engagement: ['videos.likes', 'videos.views'] }`).
   * SQL assets derive theirs from the SQL. PII propagates along it (docs/pii.md).
   */
  columnLineage?: Record<string, readonly string[]>;
  /** When the daemon requests it: `onCron('0,15,30,45 * * * *')`, `eager()`, `or(missing(), eager())`… (see docs/automation.md). */
  automation?: AutomationCondition;
  /** `{ maxLag: '30m' }`: the newest partition may lag its window end (or the last materialization) by at most this. */
  freshness?: FreshnessPolicyConfig;
  /** The daemon queue's tier for its runs: `high` goes before `normal` and `low` (default `normal`). */
  priority?: AssetPriority;
  /**
   * Pins the engine the asset runs on whatever the target's (mixed graphs): `'duckdb'` for an asset whose SQL
   * only DuckDB runs, or a TypeScript step next to BigQuery SQL assets; `'bigquery'` for SQL that must run there.
   */
  engine?: AssetEngineName;
  /** Columns the engine clusters the asset's table by, where it can: BigQuery takes up to 4 (`cluster: ['creator_id']`). */
  cluster?: readonly string[];
}

/** An engine an asset can be pinned to or give SQL for. */
export type AssetEngineName = 'duckdb' | 'bigquery';

/** The engines `engine:` and `sql: { … }` accept, in the order errors list them. */
export const ASSET_ENGINE_NAMES: readonly AssetEngineName[] = Object.freeze(['duckdb', 'bigquery'] as const);

/** Per-engine SQL of an asset: `duckdb` is required (the text every other engine transpiles from when it has none). */
export interface AssetSqlByEngine {
  readonly duckdb: string;
  readonly bigquery?: string;
}

/** Most clustering columns BigQuery allows on a table. */
export const MAX_CLUSTER_COLUMNS = 4;

/** Marker for a dependency of an asset on its own earlier partitions: `deps: { prev: self(mapping) }`. */
export const SELF: unique symbol = Symbol('quarry.self');

/** A self-dependency marker with its (backward-looking) mapping. */
export interface SelfDependencyInput {
  readonly [SELF]: true;
  readonly mapping: PartitionMapping;
}

/**
 * Declares that an asset reads its own earlier partitions, e.g. yesterday's snapshot:
 *
 * ```ts
 * deps: { previous: self(timeWindowMapping({ startOffset: -1, endOffset: -1 })) }
 * ```
 */
export function self(mapping: PartitionMapping): SelfDependencyInput {
  return Object.freeze({ [SELF]: true as const, mapping });
}

function isSelfDependency(value: unknown): value is SelfDependencyInput {
  return typeof value === 'object' && value !== null && SELF in value;
}

/** True when `value` is an asset or source definition. */
export function isAssetDefinition(value: unknown): value is AnyAssetDefinition {
  return (
    typeof value === 'object' && value !== null && ((value as { type?: unknown }).type === 'asset' || (value as { type?: unknown }).type === 'source')
  );
}

function normalizeDependency(key: string, name: string, value: unknown): AssetDependency {
  if (isAssetDefinition(value)) return Object.freeze({ asset: value });
  if (typeof value === 'object' && value !== null && isAssetDefinition((value as { asset?: unknown }).asset)) {
    const dep = value as AssetDependency;
    return Object.freeze({ asset: dep.asset, ...(dep.mapping ? { mapping: dep.mapping } : {}) });
  }
  throw new QuarryError(
    'QUARRY_BAD_DEFINITION',
    `Asset "${key}": dependency "${name}" is not an asset. Pass the object returned by defineAsset (or { asset, mapping }), not a string.`,
  );
}

const DEP_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Declares a materializable asset: its key, upstream dependencies, partitions, output schema, and
 * either SQL or a compute function. Returns a frozen definition.
 *
 * ```ts
 * const dailyViews = defineAsset({
 *   key: 'marts/daily_views',
 *   deps: { events: rawEvents },
 *   partitions: dailyPartitions({ start: '2026-01-01' }),
 *   schema: z.object({ day: z.string(), views: z.number().int() }),
 *   sql: `select $partition_key as day, count(*) as views from events`,
 * });
 * ```
 */
export function defineAsset<Schema extends RowSchema | undefined = undefined>(config: AssetConfig<Schema>): AssetDefinition<Schema> {
  const key = parseAssetKey(config.key);
  if ((config.sql === undefined) === (config.compute === undefined)) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}" must have exactly one of sql or compute.`);
  }
  const sql = normalizeSql(key, config.sql);
  const deps: Record<string, AssetDependency> = {};
  let selfDependency: AssetDefinition['selfDependency'];
  for (const [name, value] of Object.entries(config.deps ?? {})) {
    if (!DEP_NAME.test(name)) {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": dependency name "${name}" must be a SQL identifier (letters, digits, _).`);
    }
    if (isSelfDependency(value)) {
      if (config.partitions === undefined) {
        throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": a self-dependency ("${name}") needs partitions; an unpartitioned asset cannot read itself.`);
      }
      selfDependency = Object.freeze({ name, mapping: value.mapping });
      continue;
    }
    deps[name] = normalizeDependency(key, name, value);
  }
  // Checked now, so a bad policy fails when the project loads, not when a step first fails.
  resolveRetryPolicy(config.retry, DEFAULT_RETRY_POLICY, `Asset "${key}"`);
  const backfill = resolveBackfillPolicy(config.backfill, key, {
    partitioned: config.partitions !== undefined,
    columns: config.schema !== undefined ? Object.keys(config.schema.shape) : undefined,
  });
  const columnLineage = declaredColumnLineage(key, config, deps, selfDependency);
  checkSchemaChangePolicy(config.schemaChanges, `Asset "${key}"`);
  checkColumnPii(config.columns as Record<string, ColumnDoc> | undefined, key);
  const retry = config.retry === undefined ? undefined : Object.freeze({ ...config.retry, ...(config.retry.backoff ? { backoff: Object.freeze([...config.retry.backoff]) } : {}) });
  return Object.freeze({
    type: 'asset',
    key,
    deps: Object.freeze(deps),
    selfDependency,
    partitions: config.partitions,
    schema: config.schema as Schema,
    sql: sql?.sql,
    compute: config.compute,
    description: config.description,
    owners: Object.freeze([...(config.owners ?? [])]),
    tags: Object.freeze({ ...(config.tags ?? {}) }),
    group: config.group ?? key.split('/')[0] ?? 'default',
    codeVersion: config.codeVersion,
    columns: Object.freeze({ ...((config.columns ?? {}) as Record<string, ColumnDoc>) }),
    checks: Object.freeze([...(config.checks ?? [])]),
    retry,
    backfill,
    config: Object.freeze({ ...(config.config ?? {}) }),
    observe: config.observe,
    ...(config.schemaChanges !== undefined ? { schemaChanges: config.schemaChanges } : {}),
    sourceFile: callerFile(),
    ...(config.sourceFiles !== undefined ? { sourceFiles: typeof config.sourceFiles === 'function' ? config.sourceFiles : Object.freeze([...config.sourceFiles]) } : {}),
    ...(columnLineage !== undefined ? { columnLineage } : {}),
    ...automationFields(key, config),
    ...engineFields(key, config, sql?.sqlByEngine),
  });
}

/** The DuckDB text of `sql` and its per-engine texts; throws `QUARRY_BAD_DEFINITION` naming what is wrong. */
function normalizeSql(key: string, sql: unknown): { sql: string; sqlByEngine: AssetDefinition['sqlByEngine'] } | undefined {
  if (sql === undefined) return undefined;
  const text = (value: unknown, what: string): string => {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": ${what} must be a non-empty string, got ${describeValue(value)}.`);
    }
    return value;
  };
  if (typeof sql === 'string' || typeof sql !== 'object' || sql === null || Array.isArray(sql)) return { sql: text(sql, 'sql'), sqlByEngine: undefined };
  const byEngine: Partial<Record<AssetEngineName, string>> = {};
  for (const [engine, value] of Object.entries(sql)) {
    if (!(ASSET_ENGINE_NAMES as readonly string[]).includes(engine)) {
      throw new QuarryError(
        'QUARRY_BAD_DEFINITION',
        `Asset "${key}": sql.${engine} names no engine; per-engine SQL takes ${ASSET_ENGINE_NAMES.map((e) => `'${e}'`).join(' and ')} (sql: { duckdb: '…', bigquery: '…' }).`,
      );
    }
    byEngine[engine as AssetEngineName] = text(value, `sql.${engine}`);
  }
  if (byEngine.duckdb === undefined) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": per-engine SQL needs sql.duckdb, the text DuckDB runs (and other engines transpile from when they have none).`);
  }
  return { sql: byEngine.duckdb, sqlByEngine: Object.freeze(byEngine) };
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  return Array.isArray(value) ? 'an array' : typeof value === 'object' && value !== null ? 'an object' : `${typeof value} ${String(value)}`;
}

const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function engineFields(key: string, config: AssetConfig<RowSchema | undefined>, sqlByEngine: AssetDefinition['sqlByEngine']): Pick<AssetDefinition, 'engine' | 'cluster' | 'sqlByEngine'> {
  const engine = config.engine as unknown;
  if (engine !== undefined && !(ASSET_ENGINE_NAMES as readonly unknown[]).includes(engine)) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": engine ${describeValue(engine)} is not an engine; use ${ASSET_ENGINE_NAMES.map((e) => `'${e}'`).join(' or ')}, or leave it out to run on the target's engine.`);
  }
  let cluster: readonly string[] | undefined;
  if (config.cluster !== undefined) {
    const columns = config.cluster as unknown;
    if (!Array.isArray(columns) || columns.length === 0) {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": cluster must be a list of 1 to ${MAX_CLUSTER_COLUMNS} column names (cluster: ['creator_id']), got ${describeValue(columns)}.`);
    }
    if (columns.length > MAX_CLUSTER_COLUMNS) {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": cluster names ${columns.length} columns; BigQuery clusters by at most ${MAX_CLUSTER_COLUMNS}. Keep the ${MAX_CLUSTER_COLUMNS} most selective.`);
    }
    const outputs = config.schema !== undefined ? Object.keys(config.schema.shape) : undefined;
    const seen = new Set<string>();
    for (const column of columns as unknown[]) {
      if (typeof column !== 'string' || !COLUMN_NAME.test(column)) {
        throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": cluster column ${describeValue(column)} is not a column name (letters, digits, _).`);
      }
      if (seen.has(column)) throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": cluster names column "${column}" twice.`);
      seen.add(column);
      if (outputs !== undefined && !outputs.includes(column)) {
        throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": cluster column "${column}" is not an output column; the schema declares ${outputs.map((c) => `"${c}"`).join(', ')}.`);
      }
    }
    cluster = Object.freeze([...(columns as string[])]);
  }
  if (engine === 'bigquery' && config.compute !== undefined) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": a compute asset runs on DuckDB (BigQuery cannot run TypeScript); remove engine: 'bigquery' or give the asset sql.`);
  }
  if (engine === 'duckdb' && sqlByEngine?.bigquery !== undefined) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": it is pinned to engine 'duckdb', so its sql.bigquery would never run; remove one of them.`);
  }
  return {
    ...(engine !== undefined ? { engine: engine as AssetEngineName } : {}),
    ...(cluster !== undefined ? { cluster } : {}),
    ...(sqlByEngine !== undefined ? { sqlByEngine } : {}),
  };
}

function automationFields(key: string, config: AssetConfig<RowSchema | undefined>): Pick<AssetDefinition, 'automation' | 'freshness' | 'priority'> {
  if (config.automation !== undefined && !isAutomationCondition(config.automation)) {
    throw new QuarryError('QUARRY_BAD_AUTOMATION', `Asset "${key}": automation must be a condition built with onCron(), eager(), missing(), and(), or() or not().`);
  }
  const freshness = resolveFreshnessPolicy(config.freshness, `Asset "${key}"`);
  return {
    ...(config.automation !== undefined ? { automation: config.automation } : {}),
    ...(freshness !== undefined ? { freshness } : {}),
    ...(config.priority !== undefined ? { priority: resolveAssetPriority(config.priority, `Asset "${key}"`) } : {}),
  };
}

/** The validated `columnLineage` of a compute asset (undefined when it declares none). */
function declaredColumnLineage(
  key: string,
  config: AssetConfig<RowSchema | undefined>,
  deps: Readonly<Record<string, AssetDependency>>,
  selfDependency: AssetDefinition['selfDependency'],
): ColumnLineageDeclaration | undefined {
  if (config.columnLineage === undefined) return undefined;
  if (config.sql !== undefined) {
    throw new QuarryError('QUARRY_BAD_COLUMN_LINEAGE', `Asset "${key}": columnLineage is for compute assets; an SQL asset's column lineage is derived from its SQL. Remove columnLineage.`);
  }
  const own = config.schema !== undefined ? Object.keys(config.schema.shape) : undefined;
  const upstreams = new Map<string, { assetKey: string; columns: readonly string[] | undefined }>();
  for (const [name, dep] of Object.entries(deps)) {
    const upstream = dep.asset;
    const columns = upstream.type === 'asset' && upstream.schema !== undefined ? Object.keys(upstream.schema.shape) : undefined;
    upstreams.set(name, { assetKey: upstream.key, columns });
  }
  if (selfDependency !== undefined) upstreams.set(selfDependency.name, { assetKey: key, columns: own });
  return validateColumnLineageDeclaration(config.columnLineage, { assetKey: key, outputColumns: own, upstreams });
}

/** Throws `QUARRY_BAD_DEFINITION` unless `policy` is undefined or a `SchemaChangePolicy`. */
export function checkSchemaChangePolicy(policy: unknown, where: string): void {
  if (policy === undefined || policy === 'allow' || policy === 'additive' || policy === 'block') return;
  throw new QuarryError('QUARRY_BAD_DEFINITION', `${where}: schemaChanges ${JSON.stringify(policy)} is not a policy; use 'allow', 'additive' or 'block'.`);
}

function checkColumnPii(columns: Readonly<Record<string, ColumnDoc>> | undefined, key: string): void {
  for (const [name, doc] of Object.entries(columns ?? {})) {
    const pii = (doc as { pii?: unknown } | undefined)?.pii;
    if (pii !== undefined && !(PII_CLASSES as readonly unknown[]).includes(pii)) {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${key}": column "${name}" has pii ${JSON.stringify(pii)}, which is not a PII class; use one of ${PII_CLASSES.map((c) => `'${c}'`).join(', ')}.`);
    }
  }
}

const DEFINITIONS_DIR = dirname(fileURLToPath(import.meta.url));

/** The file of the first stack frame outside this folder: the module that declared the asset. */
function callerFile(): string | undefined {
  for (const line of (new Error().stack ?? '').split('\n').slice(1)) {
    const match = /(?:\(|at )(file:\/\/[^\s)]+?|\/[^\s)]+?):\d+:\d+\)?$/.exec(line.trim());
    if (match === null) continue;
    const file = match[1]!.startsWith('file://') ? fileURLToPath(match[1]!) : match[1]!;
    if (dirname(file) !== DEFINITIONS_DIR) return file;
  }
  return undefined;
}

/** Options of `defineSourceAsset`. */
export interface SourceAssetConfig {
  key: string;
  partitions?: PartitionsDefinition;
  description?: string;
  owners?: string[];
  tags?: Record<string, string>;
  group?: string;
  columns?: Record<string, ColumnDoc>;
  observe?: SourceAssetDefinition['observe'];
}

/**
 * Declares an external source asset that Quarry observes but does not write.
 *
 * ```ts
 * const landing = defineSourceAsset({
 *   key: 'landing/orders',
 *   partitions: daily,
 *   observe: ({ partitionKey }) => fileVersion(`landing/${partitionKey}.csv`),
 * });
 * ```
 */
export function defineSourceAsset(config: SourceAssetConfig): SourceAssetDefinition {
  const key = parseAssetKey(config.key);
  return Object.freeze({
    type: 'source',
    key,
    partitions: config.partitions,
    description: config.description,
    owners: Object.freeze([...(config.owners ?? [])]),
    tags: Object.freeze({ ...(config.tags ?? {}) }),
    group: config.group ?? key.split('/')[0] ?? 'default',
    columns: Object.freeze({ ...(config.columns ?? {}) }),
    observe: config.observe,
  });
}
