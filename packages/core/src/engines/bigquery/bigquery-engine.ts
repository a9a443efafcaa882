import { randomUUID } from 'node:crypto';
import type { AssetDefinition, BigQueryEngineTarget, PartitionScope } from '../../definitions/index.ts';
import { compileAssetSql, loadSqlDialect, parseSql, transpileSql } from '../../dialect/index.ts';
import { QuarryError, isQuarryError } from '../../errors.ts';
import type { ObjectStore } from '../../storage/index.ts';
import {
  combineDataVersion,
  isLakeFile,
  type ColumnSchema,
  type DryRunEstimate,
  type Engine,
  type EngineCapabilities,
  type EngineJob,
  type EngineQueryOptions,
  type EngineQueryResult,
  type EngineVacuumReport,
  type InputRelation,
  type MaterializeOutput,
  type MaterializeRequest,
  type PartitionOutput,
  type PublishRequest,
} from '../engine.ts';
import type { PartitionSqlParameterName } from '../partition-sql-parameters.ts';
import { apiErrorOf, createBigQueryClient, credentialsError, isCredentialsError, type BigQueryClientLike, type BigQueryJobLike, type BigQueryJobMetadata } from './bigquery-client.ts';
import type { BigQueryEngineConfig } from './bigquery-config.ts';
import {
  INPUT_PREFIX,
  PARTITION_TIME_COLUMN,
  STAGING_PREFIX,
  emptyRelationSql,
  formatLocator,
  inputTableName,
  jobIdOf,
  jobLabels,
  locatorRelationSql,
  mentionedParameters,
  parseLocator,
  partitionIdOf,
  partitionTypeOf,
  qualifiedName,
  quoteIdentifier,
  quoteTable,
  shortHash,
  splitPlacementSql,
  stagingQuerySql,
  stagingSummarySql,
  stagingTableName,
  timestampLiteral,
  undeclaredTables,
  withRelations,
  type BigQueryLocator,
  type BigQueryPartitionType,
} from './bigquery-sql.ts';
import { parameterFromJs, restParameter, rowFromRest, type BigQueryField, type TypedParameter } from './bigquery-values.ts';

/** Rows fetched per page of query results. */
const PAGE_ROWS = 10_000;

/** What one job did, as the step reports it. */
interface RanJob {
  readonly jobId: string;
  readonly job: BigQueryJobLike;
  readonly metadata: BigQueryJobMetadata;
  readonly record: EngineJob;
}

/** How a job is described when the engine starts it. */
interface JobSpec {
  readonly kind: 'query' | 'load' | 'copy' | 'extract';
  /** The job's `configuration.<kind>`. */
  readonly config: Record<string, unknown>;
  readonly runId: string;
  readonly assetKey?: string;
  /** Partition label (the step's first key, or the copied partition's). */
  readonly partition?: string;
  /** Partition keys the job served, when some and not all of the step. */
  readonly partitions?: readonly string[];
  /** `Asset "k" partition "p"`: how errors start. */
  readonly where: string;
  readonly signal?: AbortSignal;
  readonly dryRun?: boolean;
}

/** Named relations placed in front of a query as CTEs. */
interface Relations {
  readonly ctes: { name: string; sql: string }[];
  readonly jobs: EngineJob[];
}

/**
 * The BigQuery engine: each asset is a native table `<dataset>.<asset key with / → __>`,
 * time-partitioned on `_quarry_partition_time` (hour, day or month) and clustered by `asset.cluster`.
 * A step's query writes a staging table `_quarry_staging_<table>_<run>_<hash>` partitioned the same way;
 * checks read it; `publish` copies each partition into the asset's table (a copy job into the partition
 * decorator with WRITE_TRUNCATE: no reader sees it half-done) and drops the staging table. Inputs are
 * CTEs: a BigQuery partition is read by `_quarry_partition_time` range, a lake file (Parquet in the
 * target's GCS store) through a load job into `_quarry_input_<hash>`. Every job has a job id
 * `quarry_<run>_<hash>` and the labels `quarry_run`, `quarry_asset`, `quarry_partition`. See docs/bigquery.md.
 *
 * ```ts
 * const engine = await createBigQueryEngine({ target: bigquery({ projectId: 'acme', dataset: 'tiktok' }), store });
 * const out = await engine.materialize({ asset, scope, inputs, outputPath, runId, log, signal });
 * await engine.publish({ asset, runId, partitions: [{ key: scope.firstKey, files: out.files }], signal });
 * ```
 */
export class BigQueryEngine implements Engine {
  readonly name = 'bigquery';
  readonly dialect = 'bigquery' as const;
  readonly capabilities: EngineCapabilities = Object.freeze({
    merge: true,
    arrowWrite: false,
    localFiles: false,
    declaredInputsOnly: true,
    rangeSplit: true,
    compute: false,
    stagedPublish: true,
  });
  readonly #target: BigQueryEngineTarget;
  readonly #store: ObjectStore;
  readonly #client: BigQueryClientLike;
  readonly #poll: { first: number; max: number };
  #ready: Promise<void> | undefined;
  #closed = false;

  private constructor(config: BigQueryEngineConfig, client: BigQueryClientLike) {
    this.#target = config.target;
    this.#store = config.store;
    this.#client = client;
    this.#poll = config.pollIntervalMs ?? { first: 100, max: 2000 };
  }

  /** Checks `config` and creates the engine (no request yet: the dataset is checked by the first operation). */
  static async create(config: BigQueryEngineConfig): Promise<BigQueryEngine> {
    const target = config.target;
    if (target?.kind !== 'bigquery' || typeof target.projectId !== 'string' || target.projectId === '' || typeof target.dataset !== 'string' || target.dataset === '') {
      throw new QuarryError('QUARRY_BAD_CONFIG', `BigQuery engine config needs target: bigquery({ projectId, dataset }) (got ${JSON.stringify(target ?? null)}).`);
    }
    if (typeof config.store?.uri !== 'function') {
      throw new QuarryError('QUARRY_BAD_CONFIG', 'BigQuery engine config needs the target\'s store (a GCS store such as createGcsObjectStore({ bucket })).');
    }
    await loadSqlDialect();
    return new BigQueryEngine(config, config.client ?? createBigQueryClient(target, config.accessToken));
  }

  /** The fully qualified table of an asset: `project.dataset.table`. */
  tableOf(assetKey: string): BigQueryLocator {
    return { project: this.#target.projectId, dataset: this.#target.dataset, table: assetKey.replaceAll('/', '__').replace(/[^A-Za-z0-9_]/g, '_') };
  }

  ownsLocator(file: string): boolean {
    return file.startsWith('bigquery:');
  }

  async materialize(request: MaterializeRequest): Promise<MaterializeOutput> {
    const { asset, scope, signal } = request;
    const where = describeStep(asset.key, scope);
    this.#assertOpen(where);
    throwIfAborted(signal, where);
    const jobs: EngineJob[] = [];
    let staging: BigQueryLocator | undefined;
    let succeeded = false;
    try {
      const partitionType = partitionTypeOf(asset);
      const sql = this.#assetSql(asset, where);
      await this.#assertReady(where);
      this.#assertDeclaredOnly(sql, request.inputs, where, asset.key);
      const relations = await this.#relations(request.inputs, { runId: request.runId, assetKey: asset.key, partition: scope.firstKey, where, signal }, false);
      jobs.push(...relations.jobs);
      const parameters = partitionParameters(scope, sql, where);
      throwIfAborted(signal, where);
      staging = { ...this.tableOf(asset.key), table: stagingTableName(asset.key, request.runId, randomUUID()) };
      let partitionTime: string | undefined;
      if (partitionType !== undefined) {
        if (request.split !== undefined) {
          const windows = request.split.partitions.map((p) => {
            if (p.start === undefined || p.end === undefined) throw new QuarryError('QUARRY_BIGQUERY_UNSUPPORTED', `${where}: a range split on BigQuery needs time windows; partition "${p.key}" has none.`);
            return { start: p.start, end: p.end };
          });
          const type = await this.#columnType(withRelations(relations.ctes, sql), parameters, request.split.column, { runId: request.runId, assetKey: asset.key, where, signal });
          partitionTime = splitPlacementSql(request.split.column, type, windows, request.split.timeZone ?? 'UTC');
        } else {
          if (scope.start === undefined) {
            throw new QuarryError('QUARRY_BIGQUERY_UNSUPPORTED', `${where}: the asset's table is time-partitioned, but the step's partition has no time window.`);
          }
          partitionTime = timestampLiteral(scope.start);
        }
      }
      const query = await this.#runJob({
        kind: 'query',
        config: {
          query: stagingQuerySql(relations.ctes, sql, partitionTime),
          useLegacySql: false,
          ...queryParameterConfig(parameters),
          destinationTable: { projectId: staging.project, datasetId: staging.dataset, tableId: staging.table },
          writeDisposition: 'WRITE_TRUNCATE',
          createDisposition: 'CREATE_IF_NEEDED',
          ...(partitionType !== undefined ? { timePartitioning: { type: partitionType, field: PARTITION_TIME_COLUMN } } : {}),
          ...(asset.cluster !== undefined && asset.cluster.length > 0 ? { clustering: { fields: [...asset.cluster] } } : {}),
          ...this.#maxBytes(),
        },
        runId: request.runId,
        assetKey: asset.key,
        partition: scope.firstKey,
        where,
        signal,
      });
      jobs.push(query.record);
      const [meta] = await this.#client.dataset(staging.dataset, { projectId: staging.project }).table(staging.table).getMetadata();
      const fields = meta.schema?.fields ?? [];
      const columns = fields.filter((f) => f.name !== PARTITION_TIME_COLUMN).map(columnOf);
      checkSchema(asset, columns, where);
      const tableBytes = Number(meta.numBytes ?? 0);
      const summary = await this.#queryRows(
        stagingSummarySql(staging, columns, partitionType !== undefined, request.split !== undefined && partitionType !== undefined ? request.split.column : undefined),
        [],
        { runId: request.runId, assetKey: asset.key, partition: scope.firstKey, where, signal },
      );
      jobs.push(summary.record);
      const totalRows = summary.rows.reduce((n, r) => n + Number(r['row_count']), 0);
      const bytesOf = (rows: number) => (totalRows === 0 ? 0 : Math.round((tableBytes * rows) / totalRows));
      const result = this.#outputs(request, staging, partitionType, columns, summary.rows, bytesOf, where);
      succeeded = true;
      request.log.debug('bigquery materialized', { rows: result.rowCount, staging: qualifiedName(staging), jobs: jobs.map((j) => j.jobId) });
      return { ...result, jobs };
    } catch (error) {
      throw stepError(error, where, signal, this.#target);
    } finally {
      if (!succeeded && staging !== undefined) {
        const dropping = this.#dropTable(staging).catch(() => {});
        // A cancelled step does not wait: its job may still hold the table (vacuum removes what remains).
        if (!signal.aborted) await dropping;
      }
    }
  }

  // What a step returns: one staged locator per partition, with its rows and data version.
  #outputs(
    request: MaterializeRequest,
    staging: BigQueryLocator,
    partitionType: BigQueryPartitionType | undefined,
    columns: ColumnSchema[],
    rows: Record<string, unknown>[],
    bytesOf: (rows: number) => number,
    where: string,
  ): Omit<MaterializeOutput, 'jobs'> {
    const byStart = new Map<string, { rowCount: number; digest: string; example: unknown; nonNull: number }>();
    for (const row of rows) {
      byStart.set(row['part'] === null ? 'null' : String(row['part']), { rowCount: Number(row['row_count']), digest: String(row['digest'] ?? '0'), example: row['example'], nonNull: Number(row['non_null'] ?? 0) });
    }
    const totalRows = rows.reduce((n, r) => n + Number(r['row_count']), 0);
    if (partitionType === undefined) {
      const own = byStart.get('null') ?? { rowCount: 0, digest: '0' };
      const locator = formatLocator(staging);
      return { files: [locator], rowCount: totalRows, bytes: bytesOf(totalRows), dataVersion: combineDataVersion(columns, own.rowCount, own.digest), columns };
    }
    const split = request.split;
    if (split === undefined) {
      const start = request.scope.start!;
      const own = byStart.get(new Date(start).toISOString()) ?? { rowCount: 0, digest: '0' };
      const locator = formatLocator({ ...staging, partition: partitionIdOf(start, partitionType) });
      return { files: [locator], rowCount: own.rowCount, bytes: bytesOf(own.rowCount), dataVersion: combineDataVersion(columns, own.rowCount, own.digest), columns };
    }
    const homeless = byStart.get('null');
    if (homeless !== undefined) throwHomeless(homeless, split.column, split.partitions.map((p) => p.key), where);
    const partitions: PartitionOutput[] = split.partitions.map((p) => {
      const own = byStart.get(p.start!.toISOString()) ?? { rowCount: 0, digest: '0' };
      return {
        key: p.key,
        files: [formatLocator({ ...staging, partition: partitionIdOf(p.start!, partitionType) })],
        rowCount: own.rowCount,
        bytes: bytesOf(own.rowCount),
        dataVersion: combineDataVersion(columns, own.rowCount, own.digest),
      };
    });
    return {
      files: partitions.flatMap((p) => p.files),
      rowCount: totalRows,
      bytes: partitions.reduce((n, p) => n + p.bytes, 0),
      dataVersion: combineDataVersion(columns, totalRows, partitions.map((p) => p.dataVersion).join(',')),
      columns,
      partitions,
    };
  }

  async query(sql: string, options: EngineQueryOptions = {}): Promise<EngineQueryResult> {
    const where = 'Query';
    const signal = options.signal ?? new AbortController().signal;
    this.#assertOpen(where);
    throwIfAborted(signal, where);
    try {
      const text = readOnlySql(sql, options.dialect ?? 'duckdb', where);
      const views = options.views ?? [];
      const undeclared = undeclaredTables(parseSql(text, 'bigquery'), new Set(views.map((v) => v.name)));
      if (undeclared.length > 0) {
        throw new QuarryError(
          'QUARRY_BAD_FILE_ACCESS',
          `${where}: quarry query reads only the lake's asset views, and ${JSON.stringify(undeclared[0])} is not one of them. Query the views instead (raw/orders → raw__orders).`,
          { details: { references: undeclared } },
        );
      }
      await this.#assertReady(where);
      const relations = await this.#relations(views, { runId: 'query', where, signal }, true);
      const parameters = userParameters(text, options.params ?? {}, where);
      const result = await this.#queryRows(withRelations(relations.ctes, text), parameters, { runId: 'query', where, signal }, options.maxRows);
      return { columns: result.columns, rows: result.rows, truncated: result.truncated };
    } catch (error) {
      throw stepError(error, where, signal, this.#target);
    }
  }

  async publish(request: PublishRequest): Promise<{ key: string; files: string[]; jobs?: readonly EngineJob[] }[]> {
    const { asset, signal } = request;
    const where = `Asset "${asset.key}" publish`;
    this.#assertOpen(where);
    try {
      await this.#assertReady(where);
      const partitionType = partitionTypeOf(asset);
      const target = this.tableOf(asset.key);
      const stagingTables = new Map<string, BigQueryLocator>();
      const plans = request.partitions.map((partition) => {
        const sources = partition.files.map(parseLocator);
        for (const source of sources) {
          if (!source.table.startsWith(STAGING_PREFIX)) throw new QuarryError('QUARRY_ENGINE_ERROR', `${where}: ${formatLocator(source)} is not a staging table; publish takes what materialize staged.`);
          stagingTables.set(qualifiedName(source), { project: source.project, dataset: source.dataset, table: source.table });
        }
        return { partition, sources };
      });
      if (partitionType !== undefined) await this.#ensureTable(target, [...stagingTables.values()][0], partitionType, asset, where);
      const results = await Promise.all(
        plans.map(async ({ partition, sources }) => {
          const jobs: EngineJob[] = [];
          const files: string[] = [];
          for (const source of sources) {
            const destination = { ...target, ...(source.partition !== undefined ? { partition: source.partition } : {}) };
            const copy = await this.#runJob({
              kind: 'copy',
              config: {
                sourceTables: [tableReference(source)],
                destinationTable: tableReference(destination),
                writeDisposition: 'WRITE_TRUNCATE',
                createDisposition: 'CREATE_IF_NEEDED',
              },
              runId: request.runId,
              assetKey: asset.key,
              partition: partition.key,
              partitions: [partition.key],
              where: partition.key === '' ? `Asset "${asset.key}" (unpartitioned)` : `Asset "${asset.key}" partition "${partition.key}"`,
              signal,
            });
            jobs.push(copy.record);
            files.push(formatLocator(destination));
          }
          return { key: partition.key, files, jobs };
        }),
      );
      await Promise.all([...stagingTables.values()].map((t) => this.#dropTable(t)));
      return results;
    } catch (error) {
      throw stepError(error, where, signal, this.#target);
    }
  }

  async discard(files: readonly string[]): Promise<void> {
    const tables = new Map<string, BigQueryLocator>();
    for (const file of files) {
      if (!this.ownsLocator(file)) continue;
      const locator = parseLocator(file);
      if (locator.table.startsWith(STAGING_PREFIX)) tables.set(qualifiedName(locator), { project: locator.project, dataset: locator.dataset, table: locator.table });
    }
    await Promise.all([...tables.values()].map((t) => this.#dropTable(t)));
  }

  async exportToStore(files: readonly string[], prefix: string, signal?: AbortSignal): Promise<string[]> {
    const where = `Export of ${files.length} BigQuery partition(s)`;
    this.#assertOpen(where);
    try {
      const written: string[] = [];
      for (const file of files) {
        const locator = parseLocator(file);
        const stem = `${prefix}${locator.table}${locator.partition !== undefined ? `-${locator.partition}` : ''}-`;
        // The asset's own columns only: a query copies the partition without _quarry_partition_time
        // into a scratch table (vacuumed like staging if a crash leaves it), which is extracted and dropped.
        const scratch: BigQueryLocator = { ...this.tableOf(''), table: `${STAGING_PREFIX}export_${shortHash(file)}` };
        await this.#runJob({
          kind: 'query',
          config: {
            query: locatorRelationSql([locator]),
            useLegacySql: false,
            destinationTable: { projectId: scratch.project, datasetId: scratch.dataset, tableId: scratch.table },
            writeDisposition: 'WRITE_TRUNCATE',
            createDisposition: 'CREATE_IF_NEEDED',
            ...this.#maxBytes(),
          },
          runId: 'export',
          where,
          ...(signal !== undefined ? { signal } : {}),
        });
        try {
          await this.#runJob({
            kind: 'extract',
            config: { sourceTable: tableReference(scratch), destinationUris: [this.#gcsUri(`${stem}*.parquet`, where)], destinationFormat: 'PARQUET' },
            runId: 'export',
            where,
            ...(signal !== undefined ? { signal } : {}),
          });
        } finally {
          await this.#dropTable(scratch);
        }
        for await (const entry of this.#store.list(stem)) if (entry.path.endsWith('.parquet')) written.push(entry.path);
      }
      return written;
    } catch (error) {
      throw stepError(error, where, signal ?? new AbortController().signal, this.#target);
    }
  }

  async dryRun(request: MaterializeRequest): Promise<DryRunEstimate> {
    const { asset, scope } = request;
    const where = describeStep(asset.key, scope);
    this.#assertOpen(where);
    try {
      const sql = this.#assetSql(asset, where);
      await this.#assertReady(where);
      this.#assertDeclaredOnly(sql, request.inputs, where, asset.key);
      const ctes: { name: string; sql: string }[] = [];
      for (const input of request.inputs) {
        const locators = input.files.filter((f) => !isLakeFile(f));
        const lake = input.files.filter(isLakeFile);
        if (lake.length > 0) {
          const table = { ...this.tableOf(''), table: inputTableName(lake.map((p) => this.#store.uri(p))) };
          const [exists] = await this.#client.dataset(table.dataset, { projectId: table.project }).table(table.table).exists();
          if (!exists) return { bytesProcessed: undefined, note: `input "${input.name}" (${input.assetKey}) is loaded from the lake when the step runs` };
          locators.push(formatLocator(table));
        }
        ctes.push({ name: input.name, sql: locators.length > 0 ? locatorRelationSql(locators.map(parseLocator)) : input.columns !== undefined && input.columns.length > 0 ? emptyRelationSql(input.columns) : 'SELECT 1 AS _quarry_empty LIMIT 0' });
      }
      const parameters = partitionParameters(scope, sql, where);
      try {
        const job = await this.#runJob({
          kind: 'query',
          config: { query: withRelations(ctes, sql), useLegacySql: false, ...queryParameterConfig(parameters) },
          runId: request.runId,
          assetKey: asset.key,
          partition: scope.firstKey,
          where,
          dryRun: true,
        });
        const bytes = job.metadata.statistics?.query?.totalBytesProcessed ?? job.metadata.statistics?.totalBytesProcessed;
        return { bytesProcessed: bytes === undefined ? undefined : Number(bytes) };
      } catch (error) {
        const message = isQuarryError(error) ? error.message : apiErrorOf(error).message;
        if (/Not found: Table/i.test(message)) return { bytesProcessed: undefined, note: `an input table does not exist yet (${message.replace(/^.*Not found: /i, 'not found: ')})` };
        throw error;
      }
    } catch (error) {
      throw stepError(error, where, request.signal, this.#target);
    }
  }

  async vacuum(options: { readonly keep?: ReadonlySet<string>; readonly dryRun?: boolean }): Promise<EngineVacuumReport> {
    const where = 'BigQuery vacuum';
    this.#assertOpen(where);
    try {
      await this.#assertReady(where);
      const keep = new Set<string>();
      for (const entry of options.keep ?? []) {
        if (entry.startsWith('bigquery:')) keep.add(qualifiedName(parseLocator(entry)));
        else keep.add(entry.includes('.') ? entry : qualifiedName({ ...this.tableOf(''), table: entry }));
      }
      const dataset = this.#client.dataset(this.#target.dataset, { projectId: this.#target.projectId });
      const [tables] = await dataset.getTables();
      const dropped: string[] = [];
      for (const table of tables) {
        const id = table.id ?? '';
        if (!id.startsWith(STAGING_PREFIX) && !id.startsWith(INPUT_PREFIX)) continue;
        const name = qualifiedName({ ...this.tableOf(''), table: id });
        if (keep.has(name)) continue;
        if (options.dryRun !== true) await this.#dropTable({ ...this.tableOf(''), table: id });
        dropped.push(name);
      }
      return { dropped: dropped.sort() };
    } catch (error) {
      throw stepError(error, where, new AbortController().signal, this.#target);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen(where: string): void {
    if (this.#closed) throw new QuarryError('QUARRY_ENGINE_ERROR', `${where}: the BigQuery engine is closed; create a new engine.`);
  }

  // The dataset is checked once per engine: a missing one is a clear error, never created behind the user's back.
  #assertReady(where: string): Promise<void> {
    this.#ready ??= (async () => {
      const [exists] = await this.#client.dataset(this.#target.dataset, { projectId: this.#target.projectId }).exists();
      if (!exists) {
        const location = this.#target.location ?? 'US';
        throw new QuarryError(
          'QUARRY_BIGQUERY_DATASET_MISSING',
          `BigQuery dataset ${this.#target.projectId}.${this.#target.dataset} does not exist. Create it once, in the target's location: ` +
            `\`bq mk --location=${location} --dataset ${this.#target.projectId}:${this.#target.dataset}\` (Quarry does not create datasets).`,
          { details: { projectId: this.#target.projectId, dataset: this.#target.dataset, location } },
        );
      }
    })();
    const ready = this.#ready;
    ready.catch(() => {
      if (this.#ready === ready) this.#ready = undefined;
    });
    return ready.catch((error: unknown) => {
      if (isQuarryError(error)) throw error;
      if (isCredentialsError(error)) throw credentialsError(this.#target, error);
      throw new QuarryError('QUARRY_ENGINE_ERROR', `${where}: could not reach BigQuery dataset ${this.#target.projectId}.${this.#target.dataset}: ${apiErrorOf(error).message}`, { cause: error });
    });
  }

  /** The asset's BigQuery SQL: `sqlByEngine.bigquery`, else its DuckDB SQL transpiled. */
  #assetSql(asset: AssetDefinition, where: string): string {
    const own = asset.sqlByEngine?.bigquery;
    if (own !== undefined) return own;
    if (asset.sql === undefined) {
      throw new QuarryError(
        'QUARRY_BIGQUERY_UNSUPPORTED',
        `${where}: it is a compute (TypeScript) asset, which the BigQuery engine cannot run; compute assets run on DuckDB (pin it with engine: 'duckdb').`,
        { details: { assetKey: asset.key } },
      );
    }
    // The dialect layer's compile: the asset's deps' schemas type its timezone/date rewrites.
    return compileAssetSql(asset, 'bigquery').sql;
  }

  /** Asset SQL is one SELECT naming only its declared inputs and its own CTEs (BigQuery would read any table the credentials reach). */
  #assertDeclaredOnly(sql: string, inputs: readonly InputRelation[], where: string, assetKey: string): void {
    let tree: Record<string, unknown>;
    try {
      tree = parseSql(sql, 'bigquery', { assetKey });
    } catch (error) {
      if (isQuarryError(error) && /statements/.test(error.message)) throw new QuarryError('QUARRY_SQL_ERROR', `${where}: ${error.message.replace(/^Asset "[^"]*": /, '')}`, { cause: error });
      throw error;
    }
    const kind = Object.keys(tree)[0] ?? '';
    if (!QUERY_KINDS.has(kind)) {
      throw new QuarryError('QUARRY_SQL_ERROR', `${where}: its SQL is not a query but ${kind.toUpperCase()}; an asset's SQL is one SELECT, whose rows become the partition.`, { details: { statement: kind } });
    }
    const names = inputs.map((i) => i.name);
    const undeclared = undeclaredTables(tree, new Set(names));
    if (undeclared.length > 0) {
      throw new QuarryError(
        'QUARRY_BAD_FILE_ACCESS',
        `${where}: its SQL reads ${JSON.stringify(undeclared[0])}, which is not one of the asset's declared inputs (its views: ${names.map((n) => JSON.stringify(n)).join(', ') || 'none'}). ` +
          `To read another asset, declare it in deps (its rows are the view named after the dependency) so staleness follows it.`,
        { details: { assetKey, references: undeclared } },
      );
    }
  }

  /** The inputs as CTEs: BigQuery locators read by partition range, lake files loaded into an input table, empty inputs typed. */
  async #relations(inputs: readonly InputRelation[], context: { runId: string; assetKey?: string; partition?: string; where: string; signal: AbortSignal }, forQuery: boolean): Promise<Relations> {
    const jobs: EngineJob[] = [];
    const ctes = await Promise.all(
      inputs.map(async (input) => {
        if (input.files.length === 0) {
          if (input.columns !== undefined && input.columns.length > 0) return { name: input.name, sql: emptyRelationSql(input.columns) };
          throw new QuarryError(
            'QUARRY_ENGINE_ERROR',
            `${context.where}: input "${input.name}" (asset "${input.assetKey}") has no files and no column schema, so its relation cannot be typed. Materialize "${input.assetKey}" first or declare a schema on it.`,
            { details: { input: input.name, assetKey: input.assetKey } },
          );
        }
        const locators = input.files.filter((f) => !isLakeFile(f)).map(parseLocator);
        const lake = input.files.filter(isLakeFile);
        if (lake.length > 0) {
          const loaded = await this.#loadLakeFiles(lake, input, context);
          if (loaded.job !== undefined) jobs.push(loaded.job);
          locators.push(loaded.table);
        }
        let sql = locatorRelationSql(locators);
        if (forQuery && input.masked !== undefined) sql = maskedSql(sql, input.masked);
        return { name: input.name, sql };
      }),
    );
    return { ctes, jobs };
  }

  /** Lake files (Parquet in the target's store) as a table: `_quarry_input_<hash of their URIs>`, loaded once and reused while it exists. */
  async #loadLakeFiles(paths: readonly string[], input: InputRelation, context: { runId: string; assetKey?: string; partition?: string; where: string; signal: AbortSignal }): Promise<{ table: BigQueryLocator; job?: EngineJob }> {
    const uris = paths.map((p) => this.#gcsUri(p, context.where));
    const table = { ...this.tableOf(''), table: inputTableName(uris) };
    const [exists] = await this.#client.dataset(table.dataset, { projectId: table.project }).table(table.table).exists();
    if (exists) return { table };
    const load = await this.#runJob({
      kind: 'load',
      config: {
        sourceUris: uris,
        sourceFormat: 'PARQUET',
        destinationTable: tableReference(table),
        writeDisposition: 'WRITE_TRUNCATE',
        createDisposition: 'CREATE_IF_NEEDED',
        parquetOptions: { enableListInference: true },
      },
      runId: context.runId,
      ...(context.assetKey !== undefined ? { assetKey: context.assetKey } : {}),
      ...(context.partition !== undefined ? { partition: context.partition } : {}),
      where: `${context.where}: loading input "${input.name}" (${input.assetKey})`,
      signal: context.signal,
    });
    return { table, job: load.record };
  }

  #gcsUri(path: string, where: string): string {
    const uri = this.#store.uri(path);
    if (!uri.startsWith('gs://')) {
      throw new QuarryError('QUARRY_BAD_CONFIG', `${where}: BigQuery loads and exports lake files through GCS, but the target's store "${this.#store.name}" names ${JSON.stringify(uri)}. Give the target store: gcs({ bucket }).`);
    }
    return uri;
  }

  /** The BigQuery type of `column` in the rows of `sql` (a dry run: nothing is read). */
  async #columnType(sql: string, parameters: Map<string, TypedParameter>, column: string, context: { runId: string; assetKey: string; where: string; signal: AbortSignal }): Promise<string> {
    const job = await this.#runJob({ kind: 'query', config: { query: sql, useLegacySql: false, ...queryParameterConfig(parameters) }, ...context, dryRun: true });
    const fields = job.metadata.statistics?.query?.schema?.fields;
    if (fields === undefined) return 'TIMESTAMP';
    const field = fields.find((f) => f.name === column);
    if (field === undefined) {
      throw new QuarryError(
        'QUARRY_SCHEMA_MISMATCH',
        `${context.where}: the output has no column "${column}", which backfill.partitionColumn names to place rows in partitions; it produced ${fields.map((f) => `"${f.name}"`).join(', ') || 'no columns'}.`,
        { details: { partitionColumn: column, produced: fields.map((f) => f.name) } },
      );
    }
    return columnOf(field).type;
  }

  /** Creates the asset's table when missing: the staging table's schema, partitioned and clustered as declared. */
  async #ensureTable(target: BigQueryLocator, staging: BigQueryLocator | undefined, partitionType: BigQueryPartitionType, asset: AssetDefinition, where: string): Promise<void> {
    const dataset = this.#client.dataset(target.dataset, { projectId: target.project });
    const [exists] = await dataset.table(target.table).exists();
    if (exists || staging === undefined) return;
    const [meta] = await dataset.table(staging.table).getMetadata();
    try {
      await dataset.createTable(target.table, {
        schema: { fields: meta.schema?.fields ?? [] },
        timePartitioning: { type: partitionType, field: PARTITION_TIME_COLUMN },
        ...(asset.cluster !== undefined && asset.cluster.length > 0 ? { clustering: { fields: [...asset.cluster] } } : {}),
        labels: { quarry_asset: jobLabels(undefined, 'x', asset.key, undefined)['quarry_asset']! },
      });
    } catch (error) {
      // Another step of the same asset created it first.
      if (apiErrorOf(error).code !== 409) throw new QuarryError('QUARRY_ENGINE_ERROR', `${where}: could not create table ${qualifiedName(target)}: ${apiErrorOf(error).message}`, { cause: error });
    }
  }

  async #dropTable(table: BigQueryLocator): Promise<void> {
    try {
      await this.#client.dataset(table.dataset, { projectId: table.project }).table(table.table).delete();
    } catch (error) {
      if (apiErrorOf(error).code !== 404) throw error;
    }
  }

  #maxBytes(): Record<string, unknown> {
    return this.#target.maxBytesBilled !== undefined ? { maximumBytesBilled: String(this.#target.maxBytesBilled) } : {};
  }

  /** Runs a query job and reads its rows (JSON-safe), up to `maxRows` (+1 to tell truncation). */
  async #queryRows(
    sql: string,
    parameters: Map<string, TypedParameter> | readonly never[],
    context: { runId: string; assetKey?: string; partition?: string; where: string; signal: AbortSignal },
    maxRows?: number,
  ): Promise<{ columns: ColumnSchema[]; rows: Record<string, unknown>[]; truncated: boolean; record: EngineJob }> {
    const params = parameters instanceof Map ? parameters : new Map<string, TypedParameter>();
    const ran = await this.#runJob({ kind: 'query', config: { query: sql, useLegacySql: false, ...queryParameterConfig(params), ...this.#maxBytes() }, ...context });
    const rows: Record<string, unknown>[] = [];
    let fields: BigQueryField[] = [];
    let pageToken: string | undefined;
    const limit = maxRows === undefined ? Infinity : maxRows + 1;
    do {
      throwIfAborted(context.signal, context.where);
      const [raw, , response] = await ran.job.getQueryResults({
        skipParsing: true,
        autoPaginate: false,
        maxResults: Math.min(PAGE_ROWS, limit - rows.length),
        ...(pageToken !== undefined ? { pageToken } : {}),
      });
      fields = response?.schema?.fields ?? fields;
      for (const row of raw ?? []) {
        if (rows.length >= limit) break;
        rows.push(rowFromRest(fields, row));
      }
      pageToken = response?.pageToken;
    } while (pageToken !== undefined && rows.length < limit);
    const truncated = maxRows !== undefined && rows.length > maxRows;
    return { columns: fields.map(columnOf), rows: truncated ? rows.slice(0, maxRows) : rows, truncated, record: ran.record };
  }

  /**
   * Starts a job with a fresh id (`quarry_<run>_<hash>`) and the step's labels and waits until it is
   * done. A 409 for the id is the client's retry of an insert that went through: the job is fetched
   * instead. Aborting `signal` cancels the job.
   */
  async #runJob(spec: JobSpec): Promise<RanJob> {
    const jobId = jobIdOf(spec.runId, `${spec.kind}\u0000${spec.assetKey ?? ''}\u0000${spec.partition ?? ''}`, randomUUID());
    const location = this.#target.location;
    const configuration = {
      [spec.kind]: spec.config,
      labels: jobLabels(this.#target.labels, spec.runId, spec.assetKey, spec.partition),
      ...(spec.dryRun === true ? { dryRun: true } : {}),
    };
    let job: BigQueryJobLike;
    let metadata: BigQueryJobMetadata | undefined;
    try {
      const inserted = this.#client.createJob({ jobId, ...(location !== undefined ? { location } : {}), configuration });
      // An insert can take as long as the job (BigQuery waits a little; some emulators run the job inside it): an abort stops waiting and cancels the job by its id.
      const [created, response] = spec.signal === undefined ? await inserted : await untilAborted(inserted, spec.signal, async () => {
        inserted.catch(() => {});
        // Not awaited: the service may answer the cancel only once the insert returns.
        this.#client.job(jobId, location !== undefined ? { location } : {}).cancel().catch(() => {});
        throw cancelled(spec.where, spec.signal!.reason);
      });
      job = created;
      metadata = (response as BigQueryJobMetadata | undefined) ?? undefined;
    } catch (error) {
      if (isQuarryError(error, 'QUARRY_RUN_CANCELLED')) throw error;
      const { code } = apiErrorOf(error);
      if (code === 409 && spec.dryRun !== true) {
        job = this.#client.job(jobId, location !== undefined ? { location } : {});
      } else {
        if (isCredentialsError(error)) throw credentialsError(this.#target, error);
        throw jobError(spec, jobId, apiErrorOf(error).message, error);
      }
    }
    if (spec.dryRun === true) return { jobId, job, metadata: metadata ?? {}, record: { jobId, kind: spec.kind } };
    let wait = this.#poll.first;
    for (;;) {
      if (metadata?.status?.state === 'DONE') break;
      if (spec.signal?.aborted) {
        job.cancel().catch(() => {});
        throw cancelled(spec.where, spec.signal.reason);
      }
      await sleep(wait, spec.signal);
      wait = Math.min(this.#poll.max, wait * 2);
      if (spec.signal?.aborted) continue;
      [metadata] = await job.getMetadata();
    }
    const failure = metadata.status?.errorResult;
    if (failure !== undefined && failure !== null) throw jobError(spec, jobId, failure.message ?? failure.reason ?? 'failed', undefined, failure.reason);
    const stats = metadata.statistics;
    const processed = stats?.query?.totalBytesProcessed ?? (spec.kind === 'query' ? stats?.totalBytesProcessed : undefined);
    const billed = stats?.query?.totalBytesBilled;
    const record: EngineJob = {
      jobId,
      kind: spec.kind,
      ...(processed !== undefined ? { bytesProcessed: Number(processed) } : {}),
      ...(billed !== undefined ? { bytesBilled: Number(billed) } : {}),
      ...(spec.partitions !== undefined ? { partitions: spec.partitions } : {}),
    };
    return { jobId, job, metadata, record };
  }
}

/** Starts a BigQuery engine; see `BigQueryEngine`. */
export function createBigQueryEngine(config: BigQueryEngineConfig): Promise<BigQueryEngine> {
  return BigQueryEngine.create(config);
}

const QUERY_KINDS = new Set(['select', 'union', 'intersect', 'except', 'with', 'subquery', 'paren']);

/** The SQL of `query` in BigQuery's dialect, refused unless it is one read-only query. */
function readOnlySql(sql: string, dialect: 'duckdb' | 'bigquery', where: string): string {
  let tree: Record<string, unknown>;
  try {
    tree = parseSql(sql, dialect);
  } catch (error) {
    const many = isQuarryError(error) ? /holds (\d+) statements/.exec(error.message) : null;
    if (many !== null) {
      throw new QuarryError('QUARRY_QUERY_READ_ONLY', `${where}: quarry query is read-only and runs exactly one SELECT; the SQL holds ${many[1]} statements. Run them one at a time.`, { details: { statements: Number(many[1]) } });
    }
    if (isQuarryError(error)) throw new QuarryError('QUARRY_SQL_ERROR', `${where}: ${error.message}`, { cause: error });
    throw error;
  }
  const kind = Object.keys(tree)[0] ?? '';
  if (!QUERY_KINDS.has(kind)) {
    throw new QuarryError('QUARRY_QUERY_READ_ONLY', `${where}: quarry query is read-only: it runs one SELECT, and this is ${kind.toUpperCase() || 'another statement'}.`, { details: { statement: kind } });
  }
  return dialect === 'bigquery' ? sql : transpileSql(sql, { to: 'bigquery' });
}

/** A relation with masked columns: each non-null value of a masked column reads as its mask text. */
function maskedSql(sql: string, masked: Readonly<Record<string, string>>): string {
  const replace = Object.entries(masked)
    .map(([column, text]) => `IF(${quoteIdentifier(column)} IS NULL, NULL, '${text.replace(/[\\']/g, (c) => '\\' + c)}') AS ${quoteIdentifier(column)}`)
    .join(', ');
  return `SELECT * REPLACE (${replace}) FROM (\n${sql}\n)`;
}

/** A column as the engine reports it: BigQuery's standard SQL type names (`INT64`, `FLOAT64`, `BOOL`, `STRUCT`). */
function columnOf(field: BigQueryField): ColumnSchema {
  const legacy: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL', RECORD: 'STRUCT' };
  const type = legacy[field.type.toUpperCase()] ?? field.type.toUpperCase();
  return { name: field.name, type: field.mode === 'REPEATED' ? `ARRAY<${type}>` : type, nullable: field.mode !== 'REQUIRED' };
}

function tableReference(locator: BigQueryLocator): { projectId: string; datasetId: string; tableId: string } {
  return { projectId: locator.project, datasetId: locator.dataset, tableId: locator.partition !== undefined ? `${locator.table}$${locator.partition}` : locator.table };
}

function queryParameterConfig(parameters: Map<string, TypedParameter>): Record<string, unknown> {
  if (parameters.size === 0) return {};
  return { parameterMode: 'NAMED', queryParameters: [...parameters].map(([name, p]) => restParameter(name, p)) };
}

/** The partition parameters the SQL mentions, typed; any other `@name` is QUARRY_SQL_ERROR naming it. */
function partitionParameters(scope: PartitionScope, sql: string, where: string): Map<string, TypedParameter> {
  const byName = {
    partition_key: { type: 'STRING', value: scope.firstKey },
    partition_last_key: { type: 'STRING', value: scope.lastKey },
    partition_keys: { type: 'ARRAY<STRING>', value: [...scope.keys] },
    partition_start: { type: 'TIMESTAMP', value: scope.start ?? null },
    partition_end: { type: 'TIMESTAMP', value: scope.end ?? null },
  } satisfies Record<PartitionSqlParameterName, TypedParameter>;
  const all = new Map<string, TypedParameter>(Object.entries(byName));
  const bound = new Map<string, TypedParameter>();
  for (const name of mentionedParameters(sql)) {
    const parameter = all.get(name);
    if (parameter === undefined) {
      throw new QuarryError('QUARRY_SQL_ERROR', `${where}: the SQL uses parameter @${name}, which has no value; known parameters: ${[...all.keys()].map((k) => `@${k}`).join(', ')}.`, { details: { parameter: name } });
    }
    bound.set(name, parameter);
  }
  return bound;
}

function userParameters(sql: string, params: Record<string, unknown>, where: string): Map<string, TypedParameter> {
  const bound = new Map<string, TypedParameter>();
  for (const name of mentionedParameters(sql)) {
    if (!(name in params)) {
      throw new QuarryError('QUARRY_SQL_ERROR', `${where}: the query uses parameter @${name}, which has no value; pass it in params.`, { details: { parameter: name } });
    }
    const parameter = parameterFromJs(params[name]);
    if (parameter === undefined) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `${where}: parameter @${name} cannot be bound; use a string, number, bigint, boolean, Date, null or an array of those.`, { details: { parameter: name } });
    }
    bound.set(name, parameter);
  }
  return bound;
}

function checkSchema(asset: AssetDefinition, columns: readonly ColumnSchema[], where: string): void {
  if (!asset.schema) return;
  const produced = columns.map((c) => c.name);
  const have = new Set(produced);
  const missing = Object.keys(asset.schema.shape).filter((name) => !have.has(name));
  if (missing.length > 0) {
    throw new QuarryError(
      'QUARRY_SCHEMA_MISMATCH',
      `${where}: the output lacks schema column${missing.length === 1 ? '' : 's'} ${missing.map((m) => `"${m}"`).join(', ')}; it produced ${produced.map((p) => `"${p}"`).join(', ') || 'no columns'}.`,
      { details: { missing, produced } },
    );
  }
}

function throwHomeless(homeless: { rowCount: number; example: unknown; nonNull: number }, column: string, keys: readonly string[], where: string): never {
  const count = homeless.rowCount;
  const nulls = count - homeless.nonNull;
  const range = keys.length === 1 ? `"${keys[0]}"` : `"${keys[0]}".."${keys[keys.length - 1]}"`;
  const example = homeless.example === null || homeless.example === undefined ? null : String(homeless.example);
  const what =
    nulls === count
      ? `${count} row${count === 1 ? ' has' : 's have'} NULL in partition column "${column}", which places ${count === 1 ? 'it' : 'them'} in no partition`
      : `${count} row${count === 1 ? ' has' : 's have'} partition column "${column}" outside the step's partitions ${range}, such as ${JSON.stringify(example)}${nulls > 0 ? ` (${nulls} of them NULL)` : ''}`;
  throw new QuarryError(
    'QUARRY_BAD_ROW_PLACEMENT',
    `${where}: ${what}. Every row must fall in one partition of the step: filter the SQL to the step's range ` +
      `(a time column between @partition_start and @partition_end). Nothing was published.`,
    { details: { partitionColumn: column, rows: count, nulls, example } },
  );
}

/** `Asset "key" partition "p"`: how every step error starts. */
function describeStep(key: string, scope: PartitionScope): string {
  if (scope.keys.length <= 1) return scope.firstKey === '' ? `Asset "${key}" (unpartitioned)` : `Asset "${key}" partition "${scope.firstKey}"`;
  return `Asset "${key}" partitions "${scope.firstKey}".."${scope.lastKey}" (${scope.keys.length})`;
}

function jobError(spec: JobSpec, jobId: string, message: string, cause?: unknown, reason?: string): QuarryError {
  if (/Not found: Dataset/i.test(message)) {
    return new QuarryError('QUARRY_BIGQUERY_DATASET_MISSING', `${spec.where}: BigQuery ${spec.kind} job ${jobId} failed: ${message}. Create the dataset with \`bq mk --dataset\`.`, { cause, details: { jobId } });
  }
  const code = spec.kind === 'query' && reason !== 'backendError' && reason !== 'internalError' && reason !== 'rateLimitExceeded' ? 'QUARRY_SQL_ERROR' : 'QUARRY_ENGINE_ERROR';
  return new QuarryError(code, `${spec.where}: BigQuery ${spec.kind} job ${jobId} failed: ${message}`, {
    ...(cause !== undefined ? { cause } : {}),
    details: { jobId, kind: spec.kind, ...(reason !== undefined ? { reason } : {}), ...(spec.assetKey !== undefined ? { assetKey: spec.assetKey } : {}) },
  });
}

function throwIfAborted(signal: AbortSignal, where: string): void {
  if (signal.aborted) throw cancelled(where, signal.reason);
}

function cancelled(where: string, cause: unknown): QuarryError {
  return new QuarryError('QUARRY_RUN_CANCELLED', `${where}: cancelled before it finished; its BigQuery job was cancelled and nothing was published. Run it again to materialize it.`, { cause });
}

function stepError(error: unknown, where: string, signal: AbortSignal, target: BigQueryEngineTarget): QuarryError {
  if (signal.aborted) return isQuarryError(error, 'QUARRY_RUN_CANCELLED') ? error : cancelled(where, error);
  if (isQuarryError(error)) return error;
  if (isCredentialsError(error)) return credentialsError(target, error);
  return new QuarryError('QUARRY_ENGINE_ERROR', `${where}: the BigQuery engine failed: ${apiErrorOf(error).message}`, { cause: error });
}

/** `promise`, unless `signal` aborts first: then what `onAbort` gives. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, onAbort: () => Promise<T>): Promise<T> {
  if (signal.aborted) return onAbort();
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort().then(resolve, reject);
    };
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
