import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  DuckDBInstance,
  DuckDBTimestampTZValue,
  LIST,
  TIMESTAMPTZ,
  VARCHAR,
  listValue,
  type DuckDBConnection,
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
import type { DuckDbEngineConfig } from './duckdb-config.ts';
import {
  copyQueryToParquetSql,
  copyTableToParquetSql,
  createEmptyViewSql,
  createFileViewSql,
  describeParquetSql,
  duckDbColumnsFromSchema,
  parquetDigestSql,
  quoteString,
} from './duckdb-sql.ts';
import { jsonSafeValueConverter, parameterFromJs, type BoundParameter } from './duckdb-values.ts';
import { describeValue, rowBatchesOf, schemaMismatch, writeRowBatches } from './write-row-batches.ts';

/** The temp table holding rows a compute function returns, before they are copied to Parquet. */
const ROWS_TABLE = '__quarry_rows';

/**
 * The embedded DuckDB engine: one in-memory DuckDB instance per engine, one connection per step, so
 * steps run concurrently and each sees its inputs as connection-local TEMP views over exactly the
 * Parquet files the catalog names.
 *
 * SQL assets run as `COPY (<sql>) TO '<staged file>' (FORMAT parquet, COMPRESSION zstd)`, with the
 * partition bounds as typed parameters `$partition_key`, `$partition_last_key`, `$partition_keys`,
 * `$partition_start` and `$partition_end` (TIMESTAMPTZ, NULL outside time-window partitions); only the
 * parameters a statement mentions are bound, and keys are never pasted into SQL text. The staged file
 * is then moved into the object store atomically (`putFile`).
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
  readonly capabilities: EngineCapabilities = Object.freeze({ merge: false, arrowWrite: false, localFiles: true });
  readonly #instance: DuckDBInstance;
  readonly #store: ObjectStore;
  readonly #scratchDir: string;
  #closed = false;

  private constructor(instance: DuckDBInstance, store: ObjectStore, scratchDir: string) {
    this.#instance = instance;
    this.#store = store;
    this.#scratchDir = scratchDir;
  }

  /** Starts a DuckDB instance with `config` and returns the engine around it. */
  static async create(config: DuckDbEngineConfig): Promise<DuckDbEngine> {
    const threads = config.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new QuarryError('QUARRY_BAD_CONFIG', `DuckDB engine threads must be a whole number ≥ 1, got ${String(config.threads)}.`);
    }
    if (typeof config.store?.putFile !== 'function') {
      throw new QuarryError('QUARRY_BAD_CONFIG', 'DuckDB engine config needs a store (an ObjectStore such as createLocalObjectStore({ root })).');
    }
    const tempRoot = config.tempDir ?? tmpdir();
    await mkdir(tempRoot, { recursive: true });
    const scratchDir = await mkdtemp(join(tempRoot, 'quarry-duckdb-'));
    const options: Record<string, string> = { threads: String(threads), temp_directory: join(scratchDir, 'spill') };
    if (config.memoryLimit !== undefined) options['memory_limit'] = config.memoryLimit;
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(':memory:', options);
    } catch (error) {
      await rm(scratchDir, { recursive: true, force: true });
      throw new QuarryError('QUARRY_BAD_CONFIG', `DuckDB could not start with ${JSON.stringify(options)}: ${messageOf(error)}. Check threads and memoryLimit (such as "8GB").`, { cause: error });
    }
    const timeZone = config.timeZone ?? 'UTC';
    const setup = await instance.connect();
    try {
      // GLOBAL settings, so every connection opened later inherits them without a round trip per step.
      await setup.run(`SET GLOBAL TimeZone = ${quoteString(timeZone)}`).catch((error: unknown) => {
        throw new QuarryError('QUARRY_BAD_CONFIG', `DuckDB engine time zone ${JSON.stringify(timeZone)} is not known: ${messageOf(error)}. Use an IANA name such as "UTC" or "Europe/Paris".`, { cause: error });
      });
      // Lake files are immutable (a new version gets a new path), so their parsed footers can be kept:
      // binding a view and then the statement over it stops reading every footer twice.
      if (config.parquetMetadataCache !== false) await setup.run('SET GLOBAL parquet_metadata_cache = true');
    } catch (error) {
      setup.closeSync();
      instance.closeSync();
      await rm(scratchDir, { recursive: true, force: true });
      throw error;
    }
    setup.closeSync();
    return new DuckDbEngine(instance, config.store, scratchDir);
  }

  async materialize(request: MaterializeRequest): Promise<MaterializeOutput> {
    const { asset, scope, signal } = request;
    const where = describeStep(asset.key, scope);
    const started = performance.now();
    const connection = await this.#connect(where, signal);
    const stopOnAbort = interruptOnAbort(connection, signal);
    const scratch: string[] = [];
    try {
      const staged = await this.#stagingFile(request.outputPath);
      scratch.push(staged);
      await this.#createViews(connection, request.inputs, scratch, where);
      throwIfAborted(signal, where);
      const parameters = partitionParameters(scope);
      if (asset.sql !== undefined) {
        await runStatement(connection, copyQueryToParquetSql(asset.sql, staged), parameters, where, 'SQL');
      } else {
        await this.#runCompute(connection, request, parameters, staged, where);
      }
      throwIfAborted(signal, where);
      const columns = await describeParquet(connection, staged);
      checkSchema(asset, columns, where);
      const { rowCount, digest } = await digestParquet(connection, staged, columns);
      const bytes = (await stat(staged)).size;
      const dataVersion = combineDataVersion(columns, rowCount, digest);
      throwIfAborted(signal, where);
      await this.#store.putFile(request.outputPath, staged);
      request.log.debug('duckdb materialized', { rows: rowCount, bytes, ms: Math.round(performance.now() - started) });
      return { files: [request.outputPath], rowCount, bytes, dataVersion, columns };
    } catch (error) {
      throw stepError(error, where, signal);
    } finally {
      stopOnAbort();
      connection.closeSync();
      await Promise.all(scratch.map((file) => rm(file, { force: true })));
    }
  }

  async query(sql: string, options: EngineQueryOptions = {}): Promise<EngineQueryResult> {
    const where = 'Query';
    const signal = options.signal ?? new AbortController().signal;
    const connection = await this.#connect(where, signal);
    const stopOnAbort = interruptOnAbort(connection, signal);
    const scratch: string[] = [];
    try {
      await this.#createViews(connection, options.views ?? [], scratch, where);
      const parameters = userParameters(options.params ?? {}, where);
      const prepared = await prepareStatement(connection, sql, parameters, where, 'query');
      try {
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
        throw sqlError(error, where, 'query');
      } finally {
        prepared.destroySync();
      }
    } catch (error) {
      throw stepError(error, where, signal);
    } finally {
      stopOnAbort();
      connection.closeSync();
      await Promise.all(scratch.map((file) => rm(file, { force: true })));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#instance.closeSync();
    await rm(this.#scratchDir, { recursive: true, force: true });
  }

  async #connect(where: string, signal: AbortSignal): Promise<DuckDBConnection> {
    if (this.#closed) throw new QuarryError('QUARRY_ENGINE_ERROR', `${where}: the DuckDB engine is closed; create a new engine.`);
    throwIfAborted(signal, where);
    return this.#instance.connect();
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

  async #createViews(connection: DuckDBConnection, inputs: readonly InputRelation[], scratch: string[], where: string): Promise<void> {
    if (inputs.length === 0) return;
    const statements = await Promise.all(
      inputs.map(async (input) => {
        if (input.files.length > 0) return createFileViewSql(input.name, await this.#localFiles(input, scratch));
        if (input.columns && input.columns.length > 0) return createEmptyViewSql(input.name, input.columns);
        throw new QuarryError(
          'QUARRY_ENGINE_ERROR',
          `${where}: input "${input.name}" (asset "${input.assetKey}") has no files and no column schema, so its view cannot be typed. Materialize "${input.assetKey}" first or declare a schema on it.`,
          { details: { input: input.name, assetKey: input.assetKey } },
        );
      }),
    );
    try {
      // One round trip for all views: each step pays per statement batch, not per input.
      await connection.run(statements.join(';\n'));
    } catch (error) {
      throw new QuarryError(
        'QUARRY_ENGINE_ERROR',
        `${where}: could not open the input views ${inputs.map((i) => `"${i.name}"`).join(', ')}: ${messageOf(error)}. Check that the upstream files exist and are Parquet.`,
        { cause: error, details: { inputs: inputs.map((i) => i.name) } },
      );
    }
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

  async #runCompute(connection: DuckDBConnection, request: MaterializeRequest, parameters: Map<string, BoundParameter>, staged: string, where: string): Promise<void> {
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
        const prepared = await prepareStatement(connection, sql, all, where, 'ctx.query');
        try {
          const reader = await prepared.runAndReadAll();
          return reader.convertRowObjects(jsonSafeValueConverter) as Record<string, unknown>[];
        } catch (error) {
          throw sqlError(error, where, 'ctx.query');
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
      await runStatement(connection, copyQueryToParquetSql(result.sql, staged), all, where, 'compute SQL');
      return;
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
    await runStatement(connection, copyTableToParquetSql(ROWS_TABLE, staged), new Map(), where, 'copy of compute rows');
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
  return new Map<string, BoundParameter>([
    ['partition_key', { value: scope.firstKey, type: VARCHAR }],
    ['partition_last_key', { value: scope.lastKey, type: VARCHAR }],
    ['partition_keys', { value: listValue([...scope.keys]), type: LIST(VARCHAR) }],
    ['partition_start', timestamp(scope.start)],
    ['partition_end', timestamp(scope.end)],
  ]);
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

async function prepareStatement(connection: DuckDBConnection, sql: string, parameters: Map<string, BoundParameter>, where: string, what: string): Promise<DuckDBPreparedStatement> {
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await connection.prepare(sql);
  } catch (error) {
    throw sqlError(error, where, what);
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
    throw isQuarryError(error) ? error : sqlError(error, where, what);
  }
  return prepared;
}

async function runStatement(connection: DuckDBConnection, sql: string, parameters: Map<string, BoundParameter>, where: string, what: string): Promise<void> {
  const prepared = await prepareStatement(connection, sql, parameters, where, what);
  try {
    await prepared.run();
  } catch (error) {
    throw sqlError(error, where, what);
  } finally {
    prepared.destroySync();
  }
}

async function describeParquet(connection: DuckDBConnection, file: string): Promise<ColumnSchema[]> {
  const reader = await connection.runAndReadAll(describeParquetSql(file));
  return reader.getRows().map((row) => ({ name: String(row[0]), type: String(row[1]) }));
}

async function digestParquet(connection: DuckDBConnection, file: string, columns: readonly ColumnSchema[]): Promise<{ rowCount: number; digest: string }> {
  const reader = await connection.runAndReadAll(parquetDigestSql(file, columns));
  const row = reader.getRows()[0]!;
  return { rowCount: Number(row[0]), digest: String(row[1]) };
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

function sqlError(error: unknown, where: string, what: string): QuarryError {
  if (isQuarryError(error)) return error;
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
