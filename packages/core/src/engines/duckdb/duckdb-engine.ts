import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import {
  DuckDBTimestampTZValue,
  LIST,
  StatementType,
  TIMESTAMPTZ,
  VARCHAR,
  listValue,
  type DuckDBConnection,
  type DuckDBInstance,
  type DuckDBPreparedStatement,
} from '@duckdb/node-api';
import type { AssetDefinition, ComputeContext, PartitionScope } from '../../definitions/index.ts';
import { QuarryError, isQuarryError } from '../../errors.ts';
import { OBJECT_TEMP_PREFIX, type ObjectStore } from '../../storage/index.ts';
import {
  combineDataVersion,
  type ColumnSchema,
  type Engine,
  type EngineCapabilities,
  type EngineQueryOptions,
  type EngineQueryResult,
  type InputRelation,
  type MaterializeOutput,
  type MaterializeRequest,
} from '../engine.ts';
import type { PartitionSqlParameterName } from '../partition-sql-parameters.ts';
import type { DuckDbEngineConfig } from './duckdb-config.ts';
import {
  accessDenialOf,
  createScratchDir,
  isQueryStatement,
  leadingKeyword,
  lockDuckDbInstance,
  readOnlyError,
  startDuckDbInstance,
  sweepDeadScratchDirs,
  type AccessDenial,
  type DuckDbFileAccess,
  type DuckDbInstanceSettings,
} from './duckdb-sandbox.ts';
import { DuckDbInstancePool, type PooledDuckDbInstance } from './duckdb-instance-pool.ts';
import { parseStatementTree, undeclaredReferences, type UndeclaredReference } from './duckdb-input-guard.ts';
import {
  copyTableToParquetSql,
  createEmptyViewSql,
  createFileViewSql,
  createTempTableAsSql,
  describeParquetSql,
  describeTableSql,
  duckDbColumnsFromSchema,
  parquetDigestSql,
  quoteString,
  tableDigestSql,
} from './duckdb-sql.ts';
import { splitRangeOutput } from './duckdb-range-split.ts';
import { jsonSafeValueConverter, parameterFromJs, type BoundParameter } from './duckdb-values.ts';
import { describeValue, rowBatchesOf, schemaMismatch, writeRowBatches } from './write-row-batches.ts';

/** The temp table holding rows a compute function returns, before they are copied to Parquet. */
const ROWS_TABLE = '__quarry_rows';

/** The temp table holding the rows of an asset's SQL: written to Parquet and digested from memory. */
const OUTPUT_TABLE = '__quarry_output';

/** Idle shared step instances kept per engine (one per concurrent SQL step on a small machine). */
const STEP_POOL_IDLE = 4;

/** Steps one shared instance serves before it is closed and replaced (bounds its caches, e.g. Parquet footers). */
const STEP_POOL_MAX_USES = 1000;

/** Parse-tree verdicts kept per engine, keyed by SQL text and declared inputs (a backfill repeats one SQL). */
const GUARD_CACHE_SIZE = 256;

/** How many files of a range step move into the store at once. */
const PUT_CONCURRENCY = 16;

/** How many locked instances `query` keeps for view sets it saw last (checks ask several queries of one set). */
const QUERY_POOL_SIZE = 4;

/** An input relation with the local paths of its files. */
interface LocalInput {
  readonly input: InputRelation;
  readonly files: readonly string[];
}

/** A locked instance holding one set of views, shared by `query` calls over the same views. */
interface PooledQueryInstance {
  readonly ready: Promise<DuckDBInstance>;
  readonly scratch: string[];
  users: number;
}

/** Turns a DuckDB refusal of the lock into the QuarryError its caller explains. */
type DenialExplainer = (denial: AccessDenial, error: unknown) => QuarryError;

/**
 * The embedded DuckDB engine. Every step runs in an in-memory DuckDB instance locked before any asset
 * SQL runs: external access is off except for the files below, and the configuration is locked (no
 * `SET`, no `ATTACH` of files, no extension install or load). Inputs are views over exactly the files
 * the catalog names, so SQL that reads anything else — another asset's files, any local file — fails
 * with `QUARRY_BAD_FILE_ACCESS` instead of silently reading an undeclared dependency.
 *
 * - A SQL asset without `sourceFiles` runs in a shared instance from a small pool, locked to the
 *   lake and the engine's scratch folder, on a connection of its own (its views are TEMP views). Its
 *   SQL is checked on DuckDB's parse tree before anything binds: it may name only its declared views,
 *   its own CTEs and row generators (`range`, `generate_series`, `unnest`); any other table, file
 *   path, table function or table macro is refused.
 * - A compute asset (which holds the connection itself) or an asset with `sourceFiles` gets an
 *   instance of its own, locked to exactly its input files, its staged output and its `sourceFiles`.
 *
 * `query` runs one SELECT in an instance locked to the files of its views.
 *
 * SQL assets run as `CREATE TEMP TABLE … AS (<sql>)`, with the partition bounds as typed parameters
 * `$partition_key`, `$partition_last_key`, `$partition_keys`, `$partition_start` and `$partition_end`
 * (TIMESTAMPTZ, NULL outside time-window partitions); only the parameters a statement mentions are
 * bound, and keys are never pasted into SQL text. The table is written once to a staged file
 * (`COPY … (FORMAT parquet, COMPRESSION zstd)`) and hashed in memory for the data version; the staged
 * file is then moved into the object store atomically (`putFile`).
 *
 * ```ts
 * const engine = await createDuckDbEngine({ store: createLocalObjectStore({ root: '.quarry/lake' }) });
 * const out = await engine.materialize({ asset, scope, inputs, outputPath, runId, log, signal });
 * await engine.close();
 * ```
 */
export class DuckDbEngine implements Engine {
  readonly name = 'duckdb';
  // Writes replace whole partition files, so MERGE has no use here; rows from JavaScript are appended, not Arrow.
  readonly capabilities: EngineCapabilities = Object.freeze({ merge: false, arrowWrite: false, localFiles: true, declaredInputsOnly: true, rangeSplit: true });
  readonly #settings: DuckDbInstanceSettings;
  readonly #store: ObjectStore;
  readonly #scratchDir: string;
  /** An unlocked instance started ahead of the next step, so steps do not wait for DuckDB to start. */
  #spare: Promise<DuckDBInstance> | undefined;
  #instances = 0;
  readonly #live = new Set<DuckDBInstance>();
  /** Keyed by the view set; insertion order is least recently used first. */
  readonly #queryPool = new Map<string, PooledQueryInstance>();
  /** Shared locked instances for SQL steps (see the class comment). */
  readonly #stepPool: DuckDbInstancePool;
  /** Parse-tree verdicts by declared inputs and SQL text; insertion order is least recently used first. */
  readonly #guardCache = new Map<string, readonly UndeclaredReference[]>();
  #closed = false;

  private constructor(settings: DuckDbInstanceSettings, store: ObjectStore, scratchDir: string, spare: DuckDBInstance) {
    this.#settings = settings;
    this.#store = store;
    this.#scratchDir = scratchDir;
    this.#live.add(spare);
    this.#spare = Promise.resolve(spare);
    this.#stepPool = new DuckDbInstancePool({
      open: () => this.#openSharedInstance(),
      retire: (instance) => this.#release(instance),
      maxIdle: STEP_POOL_IDLE,
      maxUses: STEP_POOL_MAX_USES,
    });
  }

  /** Checks `config`, removes scratch folders of dead processes and starts the engine. */
  static async create(config: DuckDbEngineConfig): Promise<DuckDbEngine> {
    const threads = config.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new QuarryError('QUARRY_BAD_CONFIG', `DuckDB engine threads must be a whole number ≥ 1, got ${String(config.threads)}.`);
    }
    if (typeof config.store?.putFile !== 'function') {
      throw new QuarryError('QUARRY_BAD_CONFIG', 'DuckDB engine config needs a store (an ObjectStore such as createLocalObjectStore({ root })).');
    }
    const settings: DuckDbInstanceSettings = {
      threads,
      memoryLimit: config.memoryLimit,
      timeZone: config.timeZone ?? 'UTC',
      parquetMetadataCache: config.parquetMetadataCache !== false,
    };
    const tempRoot = config.tempDir ?? tmpdir();
    await mkdir(tempRoot, { recursive: true });
    await sweepDeadScratchDirs(tempRoot);
    const scratchDir = await createScratchDir(tempRoot);
    // The first instance checks the settings now (not at the first step) and then serves that step.
    let instance: DuckDBInstance;
    try {
      instance = await startDuckDbInstance(settings, join(scratchDir, 'spill-0'));
    } catch (error) {
      await rm(scratchDir, { recursive: true, force: true });
      const shown = { threads: String(threads), ...(config.memoryLimit !== undefined ? { memory_limit: config.memoryLimit } : {}) };
      throw new QuarryError('QUARRY_BAD_CONFIG', `DuckDB could not start with ${JSON.stringify(shown)}: ${messageOf(error)}. Check threads and memoryLimit (such as "8GB").`, { cause: error });
    }
    const probe = await instance.connect();
    try {
      await probe.run(`SET GLOBAL TimeZone = ${quoteString(settings.timeZone)}`);
    } catch (error) {
      instance.closeSync();
      await rm(scratchDir, { recursive: true, force: true });
      throw new QuarryError('QUARRY_BAD_CONFIG', `DuckDB engine time zone ${JSON.stringify(settings.timeZone)} is not known: ${messageOf(error)}. Use an IANA name such as "UTC" or "Europe/Paris".`, { cause: error });
    } finally {
      probe.closeSync();
    }
    return new DuckDbEngine(settings, config.store, scratchDir, instance);
  }

  /** How many DuckDB instances this engine has started, the first one included (a diagnostic: shared step instances keep it low). */
  get instancesStarted(): number {
    return this.#instances + 1;
  }

  async materialize(request: MaterializeRequest): Promise<MaterializeOutput> {
    const { asset, scope, signal } = request;
    const where = describeStep(asset.key, scope);
    const started = performance.now();
    this.#assertOpen(where);
    throwIfAborted(signal, where);
    const scratch: string[] = [];
    let instance: DuckDBInstance | undefined;
    let lease: PooledDuckDbInstance | undefined;
    let connection: DuckDBConnection | undefined;
    let succeeded = false;
    let stopOnAbort = (): void => {};
    const denied = stepDenial(where, asset.key);
    try {
      const staged = await this.#stagingFile(request.outputPath);
      scratch.push(staged);
      // A range step also writes one file per partition, staged beside each (see duckdb-range-split.ts).
      const splitFiles = request.split === undefined ? undefined : await Promise.all(request.split.partitions.map((p) => this.#stagingFile(p.outputPath)));
      if (splitFiles !== undefined) scratch.push(...splitFiles);
      const inputs = await this.#localInputs(request.inputs, scratch);
      if (sharesInstance(asset)) {
        lease = await this.#stepPool.acquire();
        connection = await lease.instance.connect();
        stopOnAbort = interruptOnAbort(connection, signal);
      } else {
        const sources = await sourceFileAccess(asset, scope, request.projectDir ?? process.cwd(), where);
        instance = await this.#takeInstance(true);
        connection = await instance.connect();
        stopOnAbort = interruptOnAbort(connection, signal);
        await this.#lock(connection, { files: [...inputs.flatMap((i) => i.files), staged, ...sources.files, ...(splitFiles ?? [])], directories: sources.directories }, where);
      }
      await createViews(connection, inputs, where, true);
      throwIfAborted(signal, where);
      const parameters = partitionParameters(scope);
      let written: WrittenOutput;
      if (asset.sql !== undefined) {
        if (lease !== undefined) await this.#assertSelectOfDeclaredInputs(connection, asset.sql, inputs, where, asset.key, denied);
        else await assertOneQuery(connection, asset.sql, where, 'SQL', denied);
        written = await writeQueryOutput(connection, asset.sql, parameters, staged, where, 'SQL', denied);
      } else {
        written = await this.#runCompute(connection, request, parameters, staged, where, denied);
      }
      throwIfAborted(signal, where);
      const { columns, rowCount, digest } = written;
      checkSchema(asset, columns, where);
      if (splitFiles !== undefined) {
        const output = await this.#putSplit(connection, request, staged, splitFiles, columns, where);
        succeeded = true;
        return output;
      }
      const bytes = (await stat(staged)).size;
      const dataVersion = combineDataVersion(columns, rowCount, digest);
      throwIfAborted(signal, where);
      await this.#store.putFile(request.outputPath, staged);
      // Moved into the store: nothing left to remove.
      if (this.#store.capabilities.localPaths) scratch.splice(scratch.indexOf(staged), 1);
      request.log.debug('duckdb materialized', { rows: rowCount, bytes, ms: Math.round(performance.now() - started) });
      succeeded = true;
      return { files: [request.outputPath], rowCount, bytes, dataVersion, columns };
    } catch (error) {
      throw stepError(error, where, signal);
    } finally {
      stopOnAbort();
      // Closing the connection drops its TEMP views and tables, so a shared instance keeps nothing of this step.
      connection?.closeSync();
      if (lease !== undefined) this.#stepPool.release(lease, succeeded);
      // An instance of its own is closed after the step returns: closing blocks the thread for milliseconds.
      if (instance !== undefined) {
        const own = instance;
        setImmediate(() => this.#release(own));
      }
      await Promise.all(scratch.map((file) => rm(file, { force: true })));
    }
  }

  // A range step: the staged output split into one file per partition, each moved into the store.
  async #putSplit(connection: DuckDBConnection, request: MaterializeRequest, staged: string, files: readonly string[], columns: ColumnSchema[], where: string): Promise<MaterializeOutput> {
    const parts = await splitRangeOutput(connection, { staged, columns, split: request.split!, files, where });
    throwIfAborted(request.signal, where);
    // Moved in place several at a time: each move waits for its own flushes (file, then directory).
    let next = 0;
    const mover = async (): Promise<void> => {
      while (next < parts.length) {
        const part = parts[next++]!;
        await this.#store.putFile(part.outputPath, part.localFile);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, parts.length) }, mover));
    const rowCount = parts.reduce((n, p) => n + p.rowCount, 0);
    const partitions = parts.map((p) => ({ key: p.key, files: [p.outputPath], rowCount: p.rowCount, bytes: p.bytes, dataVersion: p.dataVersion }));
    return { files: partitions.flatMap((p) => p.files), rowCount, bytes: parts.reduce((n, p) => n + p.bytes, 0), dataVersion: combineDataVersion(columns, rowCount, parts.map((p) => p.dataVersion).join(',')), columns, partitions };
  }

  async query(sql: string, options: EngineQueryOptions = {}): Promise<EngineQueryResult> {
    const where = 'Query';
    const signal = options.signal ?? new AbortController().signal;
    this.#assertOpen(where);
    throwIfAborted(signal, where);
    const denied = queryDenial(where, sql);
    const views = options.views ?? [];
    const key = JSON.stringify(views.map((v) => [v.name, v.assetKey, v.files, v.files.length === 0 ? (v.columns ?? null) : null, v.masked ?? null]));
    let connection: DuckDBConnection | undefined;
    let stopOnAbort = (): void => {};
    const pooled = this.#pooledQueryInstance(key, views, where);
    try {
      const instance = await pooled.ready;
      throwIfAborted(signal, where);
      connection = await instance.connect();
      stopOnAbort = interruptOnAbort(connection, signal);
      const count = await statementCount(connection, sql, where, 'query');
      if (count !== 1) {
        throw new QuarryError('QUARRY_QUERY_READ_ONLY', `${where}: quarry query is read-only and runs exactly one SELECT; the SQL holds ${count} statements. Run them one at a time.`, { details: { statements: count } });
      }
      const parameters = userParameters(options.params ?? {}, where);
      const prepared = await prepareStatement(connection, sql, parameters, where, 'query', denied);
      try {
        // Table-valued pragmas prepare as SELECTs; the rule stays simple: one SELECT, no PRAGMA.
        const keyword = leadingKeyword(sql);
        if (!isQueryStatement(prepared.statementType) || keyword === 'PRAGMA') throw readOnlyError(where, keyword || String(StatementType[prepared.statementType]));
        // After preparing: a file outside the lake was already refused there, with the lockdown's own message.
        if (views.some((v) => v.masked !== undefined)) await assertMaskedViewsOnly(connection!, sql, views, where);
        const maxRows = options.maxRows;
        const reader = maxRows === undefined ? await prepared.streamAndReadAll() : await prepared.streamAndReadUntil(maxRows + 1);
        const names = reader.columnNames();
        const types = reader.columnTypes();
        const rows = reader.convertRowObjects(jsonSafeValueConverter) as Record<string, unknown>[];
        const truncated = maxRows !== undefined && rows.length > maxRows;
        return {
          columns: names.map((name, i) => ({ name, type: String(types[i]) })),
          rows: truncated ? rows.slice(0, maxRows) : rows,
          truncated,
        };
      } catch (error) {
        throw sqlError(error, where, 'query', denied);
      } finally {
        prepared.destroySync();
      }
    } catch (error) {
      throw stepError(error, where, signal);
    } finally {
      stopOnAbort();
      connection?.closeSync();
      pooled.users--;
      await this.#trimQueryPool();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pending = [this.#spare, ...[...this.#queryPool.values()].map((p) => p.ready)];
    this.#spare = undefined;
    this.#queryPool.clear();
    this.#stepPool.close();
    // Instances still starting are closed once they exist; failures there have been reported already.
    await Promise.allSettled(pending);
    for (const instance of this.#live) instance.closeSync();
    this.#live.clear();
    await rm(this.#scratchDir, { recursive: true, force: true });
  }

  #assertOpen(where: string): void {
    if (this.#closed) throw new QuarryError('QUARRY_ENGINE_ERROR', `${where}: the DuckDB engine is closed; create a new engine.`);
  }

  async #startInstance(): Promise<DuckDBInstance> {
    const instance = await startDuckDbInstance(this.#settings, join(this.#scratchDir, `spill-${++this.#instances}`));
    if (this.#closed) {
      instance.closeSync();
      throw new QuarryError('QUARRY_ENGINE_ERROR', 'The DuckDB engine was closed while an instance started; create a new engine.');
    }
    this.#live.add(instance);
    return instance;
  }

  // Starting DuckDB costs more than a small step; with `refill`, the next step's instance starts
  // while this one runs.
  async #takeInstance(refill: boolean): Promise<DuckDBInstance> {
    const spare = this.#spare;
    this.#spare = undefined;
    const instance = spare === undefined ? await this.#startInstance() : await spare.catch(() => this.#startInstance());
    if (refill && !this.#closed && this.#spare === undefined) {
      const next = this.#startInstance();
      next.catch(() => {});
      this.#spare = next;
    }
    return instance;
  }

  #release(instance: DuckDBInstance): void {
    if (!this.#live.delete(instance)) return;
    instance.closeSync();
  }

  /**
   * A shared step instance: started (or the spare taken) and locked to the lake's directory (when the
   * store has local paths) and this engine's scratch folder, where staged outputs and copied inputs live.
   */
  async #openSharedInstance(): Promise<DuckDBInstance> {
    const where = 'DuckDB engine';
    const directories = [this.#scratchDir + sep];
    if (this.#store.capabilities.localPaths) {
      const root = this.#store.localPath('quarry-lake-root');
      if (root !== undefined) directories.push(dirname(root) + sep);
      // A lake with a cold store keeps files in a second folder (see storage/tiered-object-store.ts).
      for (const extra of this.#store.localRoots?.() ?? []) if (!directories.includes(extra + sep)) directories.push(extra + sep);
    }
    return this.#openLockedInstance({ files: [], directories }, where);
  }

  /**
   * A fresh instance locked to `access`, with `prepare` (such as creating views) run on a setup
   * connection after the lock; the instance is released if anything fails.
   */
  async #openLockedInstance(access: DuckDbFileAccess, where: string, prepare?: (setup: DuckDBConnection) => Promise<void>): Promise<DuckDBInstance> {
    const instance = await this.#takeInstance(false);
    try {
      const setup = await instance.connect();
      try {
        await this.#lock(setup, access, where);
        if (prepare !== undefined) await prepare(setup);
      } finally {
        setup.closeSync();
      }
    } catch (error) {
      this.#release(instance);
      throw error;
    }
    return instance;
  }

  /**
   * Checks, on DuckDB's parse tree and before anything binds (binding a file scan opens the file), that
   * asset SQL is exactly one SELECT naming nothing but its declared input views, its own CTEs and row
   * generators. Runs for steps in a shared instance, which could otherwise open any lake file. The
   * verdict is kept per SQL text and declared inputs, so the steps of a backfill parse their SQL once.
   */
  async #assertSelectOfDeclaredInputs(
    connection: DuckDBConnection,
    sql: string,
    inputs: readonly LocalInput[],
    where: string,
    assetKey: string,
    denied: DenialExplainer,
  ): Promise<void> {
    const names = inputs.map((i) => i.input.name);
    const key = `${JSON.stringify(names)}\u0000${sql}`;
    let found = this.#guardCache.get(key);
    if (found !== undefined) {
      this.#guardCache.delete(key);
    } else {
      let parsed;
      try {
        parsed = await parseStatementTree(connection, sql);
      } catch (error) {
        throw sqlError(error, where, 'SQL', denied);
      }
      if (!parsed.ok) {
        // Only one SELECT serializes: this names what the SQL is instead (a parse error, several statements, COPY …).
        await assertOneQuery(connection, sql, where, 'SQL', denied);
        throw new QuarryError('QUARRY_SQL_ERROR', `${where}: its SQL could not be checked against its declared inputs (${parsed.message}); an asset's SQL is one SELECT over its inputs.`, {
          details: { assetKey },
        });
      }
      found = undeclaredReferences(parsed.tree, new Set(names));
      if (this.#guardCache.size >= GUARD_CACHE_SIZE) this.#guardCache.delete(this.#guardCache.keys().next().value!);
    }
    this.#guardCache.set(key, found);
    if (found.length > 0) throw undeclaredReferenceError(found, names, where, assetKey);
  }

  async #lock(connection: DuckDBConnection, access: DuckDbFileAccess, where: string): Promise<void> {
    try {
      await lockDuckDbInstance(connection, this.#settings, access);
    } catch (error) {
      throw new QuarryError('QUARRY_ENGINE_ERROR', `${where}: could not lock the DuckDB instance to its declared inputs: ${messageOf(error)}`, { cause: error });
    }
  }

  #pooledQueryInstance(key: string, views: readonly InputRelation[], where: string): PooledQueryInstance {
    let pooled = this.#queryPool.get(key);
    if (pooled !== undefined) {
      this.#queryPool.delete(key);
    } else {
      const scratch: string[] = [];
      const ready = (async () => {
        const inputs = await this.#localInputs(views, scratch);
        return this.#openLockedInstance({ files: inputs.flatMap((i) => i.files), directories: [] }, where, (setup) => createViews(setup, inputs, where, false));
      })();
      pooled = { ready, scratch, users: 0 };
      const entry = pooled;
      ready.catch(() => {
        if (this.#queryPool.get(key) === entry) this.#queryPool.delete(key);
        void Promise.all(scratch.map((file) => rm(file, { force: true })));
      });
    }
    pooled.users++;
    this.#queryPool.set(key, pooled);
    return pooled;
  }

  async #trimQueryPool(): Promise<void> {
    for (const [key, pooled] of this.#queryPool) {
      if (this.#queryPool.size <= QUERY_POOL_SIZE) break;
      if (pooled.users > 0) continue;
      this.#queryPool.delete(key);
      const instance = await pooled.ready.catch(() => undefined);
      if (instance !== undefined) this.#release(instance);
      await Promise.all(pooled.scratch.map((file) => rm(file, { force: true })));
    }
  }

  // Staged next to the target when the store is a local directory, so putFile is a same-filesystem
  // rename; the reserved temp prefix keeps the half-written file out of listings.
  async #stagingFile(outputPath: string): Promise<string> {
    const target = this.#store.capabilities.localPaths ? this.#store.localPath(outputPath) : undefined;
    const name = `${OBJECT_TEMP_PREFIX}${basename(outputPath)}-${randomUUID()}`;
    if (target === undefined) return join(this.#scratchDir, name);
    await mkdir(dirname(target), { recursive: true });
    return join(dirname(target), name);
  }

  async #localInputs(inputs: readonly InputRelation[], scratch: string[]): Promise<LocalInput[]> {
    return Promise.all(inputs.map(async (input) => ({ input, files: input.files.length === 0 ? [] : await this.#localFiles(input, scratch) })));
  }

  async #localFiles(input: InputRelation, scratch: string[]): Promise<string[]> {
    if (this.#store.capabilities.localPaths) {
      return input.files.map((path) => {
        const local = this.#store.localPath(path);
        if (local === undefined) throw new QuarryError('QUARRY_ENGINE_ERROR', `Store "${this.#store.name}" claims local paths but has none for ${JSON.stringify(path)}.`);
        return local;
      });
    }
    // DuckDB reads local files only: copy each object to scratch for the duration of the step.
    const dir = join(this.#scratchDir, 'inputs');
    await mkdir(dir, { recursive: true });
    return Promise.all(
      input.files.map(async (path) => {
        const local = join(dir, `${randomUUID()}.parquet`);
        scratch.push(local);
        await writeFile(local, await this.#store.get(path));
        return local;
      }),
    );
  }

  async #runCompute(
    connection: DuckDBConnection,
    request: MaterializeRequest,
    parameters: Map<string, BoundParameter>,
    staged: string,
    where: string,
    denied: DenialExplainer,
  ): Promise<WrittenOutput> {
    const { asset, scope, signal } = request;
    const compute = asset.compute!;
    const context: ComputeContext = {
      assetKey: asset.key,
      partition: scope,
      runId: request.runId,
      projectDir: request.projectDir ?? process.cwd(),
      inputs: Object.freeze(Object.fromEntries(request.inputs.map((input) => [input.name, input.name]))),
      query: async (sql, params) => {
        const all = new Map([...parameters, ...userParameters(params ?? {}, where)]);
        const prepared = await prepareStatement(connection, sql, all, where, 'ctx.query', denied);
        try {
          const reader = await prepared.runAndReadAll();
          return reader.convertRowObjects(jsonSafeValueConverter) as Record<string, unknown>[];
        } catch (error) {
          throw sqlError(error, where, 'ctx.query', denied);
        } finally {
          prepared.destroySync();
        }
      },
      connection,
      log: request.log,
      signal,
    };
    let result: unknown;
    try {
      result = await compute(context);
    } catch (error) {
      if (signal.aborted) throw cancelled(where, error);
      if (isQuarryError(error)) throw error;
      throw new QuarryError('QUARRY_COMPUTE_ERROR', `${where}: compute threw: ${messageOf(error)}`, { cause: error });
    }
    throwIfAborted(signal, where);
    if (isSqlResult(result)) {
      const all = new Map([...parameters, ...userParameters(result.params ?? {}, where)]);
      await assertOneQuery(connection, result.sql, where, 'compute SQL', denied);
      return writeQueryOutput(connection, result.sql, all, staged, where, 'compute SQL', denied);
    }
    const batches = rowBatchesOf(result);
    if (batches === undefined) {
      throw new QuarryError(
        'QUARRY_BAD_COMPUTE_RESULT',
        `${where}: compute returned ${describeValue(result)}; return an array of row objects, an async iterable of rows, { sql, params } or an Arrow-like table with toArray().`,
      );
    }
    const columns = asset.schema ? duckDbColumnsFromSchema(asset.schema) : undefined;
    try {
      await writeRowBatches(connection, batches, { table: ROWS_TABLE, where, columns, signal });
    } catch (error) {
      if (signal.aborted || isQuarryError(error)) throw error;
      // The iterable itself threw while producing rows: that is the compute function failing.
      throw new QuarryError('QUARRY_COMPUTE_ERROR', `${where}: compute rows failed: ${messageOf(error)}`, { cause: error });
    }
    throwIfAborted(signal, where);
    return writeTableOutput(connection, ROWS_TABLE, staged, where, 'copy of compute rows');
  }
}

/**
 * Whether a step of `asset` runs in a shared instance: SQL assets whose SQL the parse-tree check
 * covers. Compute functions hold the connection itself, and `sourceFiles` need file access of their own.
 */
function sharesInstance(asset: AssetDefinition): boolean {
  return asset.sql !== undefined && asset.sourceFiles === undefined;
}

/** What a step is told when its SQL names a relation, file or table function it did not declare. */
function undeclaredReferenceError(found: readonly UndeclaredReference[], declared: readonly string[], where: string, assetKey: string): QuarryError {
  const first = found[0]!;
  const views = declared.length === 0 ? 'none' : declared.map((name) => JSON.stringify(name)).join(', ');
  const how =
    `To read another asset, declare it in deps (its rows are the view named after the dependency) so staleness follows it; ` +
    `to read a local file such as a landing file, list it in the asset's sourceFiles.`;
  if (first.kind === 'other') {
    return new QuarryError('QUARRY_SQL_ERROR', `${where}: its SQL uses DESCRIBE/SUMMARIZE/SHOW (${first.name}); an asset's SQL selects rows from its declared inputs (${views}).`, {
      details: { assetKey },
    });
  }
  const what = first.kind === 'function' ? `the table function ${first.name}(${first.path !== undefined ? JSON.stringify(first.path) : ''})` : JSON.stringify(first.name);
  return new QuarryError(
    'QUARRY_BAD_FILE_ACCESS',
    `${where}: its SQL reads ${what}, which is not one of the asset's declared inputs (its views: ${views}). ${how}`,
    { details: { assetKey, path: first.path ?? first.name, references: found.map((f) => f.name) } },
  );
}

/**
 * With PII masked in some views, a query may read the lake only through the views: a lake file read by
 * its path (`read_parquet('…')`, `FROM '….parquet'`) would bypass the masking, so it is refused.
 */
async function assertMaskedViewsOnly(connection: DuckDBConnection, sql: string, views: readonly InputRelation[], where: string): Promise<void> {
  const parsed = await parseStatementTree(connection, sql).catch(() => undefined);
  // What does not parse as one SELECT is refused by the read-only checks that follow.
  if (parsed === undefined || !parsed.ok) return;
  const found = undeclaredReferences(parsed.tree, new Set(views.map((v) => v.name)));
  if (found.length === 0) return;
  const first = found[0]!;
  const what = first.kind === 'function' ? `the table function ${first.name}(${first.path !== undefined ? JSON.stringify(first.path) : ''})` : JSON.stringify(first.name);
  throw new QuarryError(
    'QUARRY_BAD_FILE_ACCESS',
    `${where}: PII is masked, so the query reads assets only through their views (such as ${views.slice(0, 3).map((v) => v.name).join(', ')}); it reads ${what}, which would bypass the masking. Query the views, or pass --unmask if you may see PII (docs/pii.md).`,
    { details: { references: found.map((f) => f.name) } },
  );
}

/** Creates the views of `inputs` on `connection` in one round trip (TEMP views when `temporary`). */
async function createViews(connection: DuckDBConnection, inputs: readonly LocalInput[], where: string, temporary: boolean): Promise<void> {
  if (inputs.length === 0) return;
  const statements = inputs.map(({ input, files }) => {
    if (files.length > 0) return createFileViewSql(input.name, files, { temporary, ...(input.masked !== undefined ? { masked: input.masked } : {}) });
    if (input.columns && input.columns.length > 0) return createEmptyViewSql(input.name, input.columns, { temporary });
    throw new QuarryError(
      'QUARRY_ENGINE_ERROR',
      `${where}: input "${input.name}" (asset "${input.assetKey}") has no files and no column schema, so its view cannot be typed. Materialize "${input.assetKey}" first or declare a schema on it.`,
      { details: { input: input.name, assetKey: input.assetKey } },
    );
  });
  try {
    // One round trip for all views: each step pays per statement batch, not per input.
    await connection.run(statements.join(';\n'));
  } catch (error) {
    throw new QuarryError(
      'QUARRY_ENGINE_ERROR',
      `${where}: could not open the input views ${inputs.map((i) => `"${i.input.name}"`).join(', ')}: ${messageOf(error)}. Check that the upstream files exist and are Parquet.`,
      { cause: error, details: { inputs: inputs.map((i) => i.input.name) } },
    );
  }
}

/**
 * The local files and directories an asset declares in `sourceFiles` for this step, resolved against
 * the project directory; directories are allowed whole, anything else as an exact path.
 */
async function sourceFileAccess(asset: AssetDefinition, scope: PartitionScope, projectDir: string, where: string): Promise<DuckDbFileAccess> {
  const declared = asset.sourceFiles;
  if (declared === undefined) return { files: [], directories: [] };
  let paths: unknown;
  try {
    paths = typeof declared === 'function' ? declared({ partition: scope, projectDir }) : declared;
  } catch (error) {
    if (isQuarryError(error)) throw error;
    throw new QuarryError('QUARRY_COMPUTE_ERROR', `${where}: sourceFiles threw: ${messageOf(error)}`, { cause: error });
  }
  if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string' || p === '')) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `${where}: sourceFiles gave ${describeValue(paths)}; return an array of file or directory paths.`);
  }
  const files: string[] = [];
  const directories: string[] = [];
  await Promise.all(
    (paths as string[]).map(async (path) => {
      const absolute = resolve(projectDir, path);
      const info = await stat(absolute).catch(() => undefined);
      if (info?.isDirectory()) directories.push(absolute.endsWith(sep) ? absolute : absolute + sep);
      else files.push(absolute);
    }),
  );
  return { files, directories };
}

/** What a step is told when its SQL reaches past its declared inputs. */
function stepDenial(where: string, assetKey: string): DenialExplainer {
  return (denial, error) => {
    const detail = messageOf(error);
    if (denial.kind === 'extension') {
      return new QuarryError('QUARRY_BAD_FILE_ACCESS', `${where}: asset SQL cannot install or load DuckDB extensions (${detail}).`, { cause: error, details: { assetKey } });
    }
    if (denial.kind === 'setting') {
      return new QuarryError('QUARRY_BAD_FILE_ACCESS', `${where}: asset SQL cannot change DuckDB settings; they are locked (${detail}).`, { cause: error, details: { assetKey } });
    }
    const path = denial.path ?? 'a file';
    return new QuarryError(
      'QUARRY_BAD_FILE_ACCESS',
      `${where}: its SQL reads or writes ${JSON.stringify(path)}, which is not one of the asset's declared inputs. ` +
        `To read another asset, declare it in deps (its rows are the view named after the dependency) so staleness follows it; ` +
        `to read a local file such as a landing file, list it in the asset's sourceFiles.`,
      { cause: error, details: { assetKey, path } },
    );
  };
}

/** What `query` says when SQL reaches past the lake's views. */
function queryDenial(where: string, sql: string): DenialExplainer {
  return (denial, error) => {
    const keyword = leadingKeyword(sql);
    if (denial.kind !== 'file' || WRITING_KEYWORDS.has(keyword)) return readOnlyError(where, keyword);
    const path = denial.path ?? 'a file';
    return new QuarryError(
      'QUARRY_BAD_FILE_ACCESS',
      `${where}: quarry query reads only the lake's asset views, and ${JSON.stringify(path)} is not one of their files. Query the views instead (raw/orders → raw__orders).`,
      { cause: error, details: { path } },
    );
  };
}

const WRITING_KEYWORDS: ReadonlySet<string> = new Set(['COPY', 'EXPORT', 'ATTACH', 'DETACH', 'INSTALL', 'FORCE', 'LOAD', 'SET', 'RESET', 'PRAGMA', 'CREATE', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'ALTER', 'CALL']);

/** Counts the statements of `sql` (parse only; nothing runs). */
async function statementCount(connection: DuckDBConnection, sql: string, where: string, what: string): Promise<number> {
  try {
    return (await connection.extractStatements(sql)).count;
  } catch (error) {
    throw sqlError(error, where, what);
  }
}

/**
 * Checks that an asset's SQL is exactly one query before it is wrapped in `COPY (…) TO`, so no text
 * can close the wrapper early and run a statement of its own (and the error names the real problem).
 */
async function assertOneQuery(connection: DuckDBConnection, sql: string, where: string, what: string, denied: DenialExplainer): Promise<void> {
  let extracted;
  try {
    extracted = await connection.extractStatements(sql);
  } catch (error) {
    throw sqlError(error, where, what, denied);
  }
  if (extracted.count !== 1) {
    throw new QuarryError('QUARRY_SQL_ERROR', `${where}: the ${what} holds ${extracted.count} statements; an asset's SQL is one SELECT, whose rows become the partition.`);
  }
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await extracted.prepare(0);
  } catch (error) {
    throw sqlError(error, where, what, denied);
  }
  try {
    if (!isQueryStatement(prepared.statementType)) {
      const kind = leadingKeyword(sql) || String(StatementType[prepared.statementType]);
      throw new QuarryError('QUARRY_SQL_ERROR', `${where}: the ${what} is not a query but ${kind}; an asset's SQL is one SELECT, whose rows become the partition (files, settings and other databases are out of its reach).`, {
        details: { statement: kind },
      });
    }
  } finally {
    prepared.destroySync();
  }
}

/** Starts a DuckDB engine over `config.store`; see `DuckDbEngine`. */
export function createDuckDbEngine(config: DuckDbEngineConfig): Promise<DuckDbEngine> {
  return DuckDbEngine.create(config);
}

function isSqlResult(value: unknown): value is { sql: string; params?: Record<string, unknown> } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { sql?: unknown }).sql === 'string';
}

/** `Asset "key" partition "p"`: how every step error starts. */
function describeStep(key: string, scope: PartitionScope): string {
  if (scope.keys.length <= 1) {
    return scope.firstKey === '' ? `Asset "${key}" (unpartitioned)` : `Asset "${key}" partition "${scope.firstKey}"`;
  }
  return `Asset "${key}" partitions "${scope.firstKey}".."${scope.lastKey}" (${scope.keys.length})`;
}

function partitionParameters(scope: PartitionScope): Map<string, BoundParameter> {
  const timestamp = (date: Date | undefined): BoundParameter => ({
    value: date === undefined ? null : new DuckDBTimestampTZValue(BigInt(date.getTime()) * 1000n),
    type: TIMESTAMPTZ,
  });
  // Typed against PARTITION_SQL_PARAMETERS, so the documented list and this binding cannot drift.
  const byName = {
    partition_key: { value: scope.firstKey, type: VARCHAR },
    partition_last_key: { value: scope.lastKey, type: VARCHAR },
    partition_keys: { value: listValue([...scope.keys]), type: LIST(VARCHAR) },
    partition_start: timestamp(scope.start),
    partition_end: timestamp(scope.end),
  } satisfies Record<PartitionSqlParameterName, BoundParameter>;
  return new Map<string, BoundParameter>(Object.entries(byName));
}

function userParameters(params: Record<string, unknown>, where: string): Map<string, BoundParameter> {
  const bound = new Map<string, BoundParameter>();
  for (const [name, value] of Object.entries(params)) {
    const parameter = parameterFromJs(value);
    if (parameter === undefined) {
      throw new QuarryError(
        'QUARRY_BAD_ARGUMENT',
        `${where}: parameter $${name} is ${describeValue(value)}, which cannot be bound; use a string, number, bigint, boolean, Date, null or an array of those.`,
        { details: { parameter: name } },
      );
    }
    bound.set(name, parameter);
  }
  return bound;
}

async function prepareStatement(
  connection: DuckDBConnection,
  sql: string,
  parameters: Map<string, BoundParameter>,
  where: string,
  what: string,
  denied?: DenialExplainer,
): Promise<DuckDBPreparedStatement> {
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await connection.prepare(sql);
  } catch (error) {
    throw sqlError(error, where, what, denied);
  }
  try {
    // DuckDB rejects values for parameters a statement does not use, so bind exactly the ones it names.
    for (let i = 1; i <= prepared.parameterCount; i++) {
      const name = prepared.parameterName(i);
      const parameter = parameters.get(name);
      if (parameter === undefined) {
        const known = [...parameters.keys()].map((k) => `$${k}`).join(', ');
        throw new QuarryError(
          'QUARRY_SQL_ERROR',
          /^\d+$/.test(name)
            ? `${where}: the ${what} uses a positional parameter (? or $${name}); use named parameters: ${known}.`
            : `${where}: the ${what} uses parameter $${name}, which has no value; known parameters: ${known}.`,
          { details: { parameter: name } },
        );
      }
      prepared.bindValue(i, parameter.value, parameter.type);
    }
  } catch (error) {
    prepared.destroySync();
    throw isQuarryError(error) ? error : sqlError(error, where, what, denied);
  }
  return prepared;
}

async function runStatement(
  connection: DuckDBConnection,
  sql: string,
  parameters: Map<string, BoundParameter>,
  where: string,
  what: string,
  denied?: DenialExplainer,
): Promise<void> {
  const prepared = await prepareStatement(connection, sql, parameters, where, what, denied);
  try {
    await prepared.run();
  } catch (error) {
    throw sqlError(error, where, what, denied);
  } finally {
    prepared.destroySync();
  }
}

async function describeParquet(connection: DuckDBConnection, file: string): Promise<ColumnSchema[]> {
  const reader = await connection.runAndReadAll(describeParquetSql(file));
  return reader.getRows().map((row) => ({ name: String(row[0]), type: String(row[1]) }));
}

/** A step's written Parquet file: its columns as DuckDB reads them back, its row count and row digest. */
interface WrittenOutput {
  readonly columns: ColumnSchema[];
  readonly rowCount: number;
  readonly digest: string;
}

/**
 * Runs `sql` once into a temp table, then writes and digests the table (`writeTableOutput`): the
 * rows are computed once and the written file is never read back for its data version.
 */
async function writeQueryOutput(
  connection: DuckDBConnection,
  sql: string,
  parameters: Map<string, BoundParameter>,
  staged: string,
  where: string,
  what: string,
  denied: DenialExplainer,
): Promise<WrittenOutput> {
  await runStatement(connection, createTempTableAsSql(OUTPUT_TABLE, sql), parameters, where, what, denied);
  return writeTableOutput(connection, OUTPUT_TABLE, staged, where, what);
}

// Types whose values change on the way through Parquet (TIME WITH TIME ZONE is stored in UTC) or
// that no cast reproduces: their data version is computed from the file, as it always was.
const READ_BACK_TYPES = /TIME WITH TIME ZONE|UNION\(/i;

// Flat types Parquet stores and DuckDB reads back as the same type with the same values (checked
// type by type in duckdb-data-version.test.ts): for these the table's columns are the file's.
const ROUND_TRIP_TYPES = /^(?:BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\)|VARCHAR|BLOB|DATE|TIME|TIMESTAMP|TIMESTAMP WITH TIME ZONE|TIMESTAMP_NS|INTERVAL|UUID|JSON)$/;

/**
 * Writes temp `table` to `staged` as zstd Parquet and returns the file's columns with the row count
 * and digest computed from the table in memory, hashing each value as the file holds it: the data
 * version `parquetDigestSql` gives for the file, without reading the file back. The file's footer is
 * read only when a column's type may change on the way (HUGEINT, ENUM, nested types, …).
 */
async function writeTableOutput(connection: DuckDBConnection, table: string, staged: string, where: string, what: string): Promise<WrittenOutput> {
  let tableColumns: ColumnSchema[];
  try {
    // Reading until the first row takes a one-chunk result without asking for the empty chunk after it.
    const reader = await connection.runAndReadUntil(describeTableSql(table), 1);
    if (!reader.done && reader.currentRowCount >= 2048) await reader.readAll();
    tableColumns = reader.getRows().map((row) => ({ name: String(row[0]), type: String(row[1]) }));
  } catch (error) {
    throw sqlError(error, where, what);
  }
  const copy = copyTableToParquetSql(table, staged);
  const digestOf = async (sql: string) => {
    try {
      const row = (await connection.runAndReadUntil(sql, 1)).getRows()[0]!;
      return { rowCount: Number(row[0]), digest: String(row[1]) };
    } catch (error) {
      throw sqlError(error, where, what);
    }
  };
  if (tableColumns.every((c) => ROUND_TRIP_TYPES.test(c.type))) {
    // One round trip: the statements run in order and the result is the last one's.
    return { columns: tableColumns, ...(await digestOf(`${copy};\n${tableDigestSql(table, tableColumns, tableColumns)}`)) };
  }
  await runStatement(connection, copy, new Map(), where, what);
  const columns = await describeParquet(connection, staged);
  const digestSql = columns.some((c) => READ_BACK_TYPES.test(c.type)) ? parquetDigestSql(staged, columns) : tableDigestSql(table, tableColumns, columns);
  return { columns, ...(await digestOf(digestSql)) };
}

function checkSchema(asset: AssetDefinition, columns: readonly ColumnSchema[], where: string): void {
  if (!asset.schema) return;
  const produced = columns.map((c) => c.name);
  const have = new Set(produced);
  const missing = Object.keys(asset.schema.shape).filter((name) => !have.has(name));
  if (missing.length > 0) throw schemaMismatch(where, missing, produced);
}

/**
 * Interrupts `connection` when `signal` aborts, and keeps interrupting every 50 ms until the returned
 * stop function runs: an interrupt that lands between two statements (or before DuckDB has started the
 * next one) is otherwise lost, and that statement would run to completion.
 */
function interruptOnAbort(connection: DuckDBConnection, signal: AbortSignal): () => void {
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    connection.interrupt();
    timer = setInterval(() => connection.interrupt(), 50);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
    if (timer !== undefined) clearInterval(timer);
  };
}

function throwIfAborted(signal: AbortSignal, where: string): void {
  if (signal.aborted) throw cancelled(where, signal.reason);
}

function cancelled(where: string, cause: unknown): QuarryError {
  return new QuarryError('QUARRY_RUN_CANCELLED', `${where}: cancelled before it finished; nothing was written. Run it again to materialize it.`, { cause });
}

// A refusal of the lock (a file outside the declared inputs, an extension, a setting) gets the
// caller's explanation instead of DuckDB's "Permission Error".
function sqlError(error: unknown, where: string, what: string, denied?: DenialExplainer): QuarryError {
  if (isQuarryError(error)) return error;
  const denial = denied === undefined ? undefined : accessDenialOf(messageOf(error));
  if (denial !== undefined) return denied!(denial, error);
  return new QuarryError('QUARRY_SQL_ERROR', `${where}: ${what} failed: ${messageOf(error)}`, { cause: error });
}

// Whatever failed, a cancelled step reports cancellation (DuckDB says "Interrupted!" once interrupted).
function stepError(error: unknown, where: string, signal: AbortSignal): QuarryError {
  if (signal.aborted) return isQuarryError(error, 'QUARRY_RUN_CANCELLED') ? error : cancelled(where, error);
  if (isQuarryError(error)) return error;
  return new QuarryError('QUARRY_ENGINE_ERROR', `${where}: the DuckDB engine failed: ${messageOf(error)}`, { cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
