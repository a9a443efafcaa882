/**
 * The BigQuery double's jobs: query (with destination tables, parameters, dry runs and the bytes
 * estimate), load from and extract to `gs://` objects, and copy (with partition decorators). Jobs run
 * to completion inside jobs.insert; their resources answer jobs.get and jobs.getQueryResults.
 * Test infrastructure.
 *
 * totalBytesProcessed (a deterministic estimate, the same in a dry run and the run): for each table
 * the statement reads, the logical bytes (BigQuery's data size rules, see BigQueryStore.columnSizes)
 * of the columns it names — all columns when it selects `*` or uses the row as a value — summed over
 * the partitions it scans. A partitioned table's scan is pruned by the WHERE conjuncts that name only
 * its partitioning column: the partitions holding a row that satisfies them.
 * totalBytesBilled: per table read, its bytes rounded up to a whole MiB with a minimum of 10 MiB
 * (BigQuery's on-demand rule), summed; 0 for a statement that reads no table.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobAccess } from './blob-access.ts';
import { analyzeStatement, BigQuerySqlError, quoteIdent, quoteString, splitBacktickPaths, substituteParameters, transpileToDuckDb, type QueryParameter, type StatementInfo, type TableName } from './bigquery-double-sql.ts';
import { BigQueryApiError, cellJsonSql, duckDbType, splitDecorator, validatePartitioning, type BigQueryStore, type BqField, type TableMeta, type TableRef } from './bigquery-double-store.ts';

const MIB = 1024 * 1024;

/** A job's kind. */
export type JobKind = 'query' | 'load' | 'copy' | 'extract';

/** The double's record of one job. */
export interface JobRecord {
  jobId: string;
  kind: JobKind;
  location: string;
  labels: Record<string, string>;
  dryRun: boolean;
  configuration: Record<string, unknown>;
  statistics: Record<string, unknown>;
  status: { state: 'DONE'; errorResult?: ErrorProto; errors?: ErrorProto[] };
  /** Bytes processed and billed (query jobs; 0 otherwise). */
  bytesProcessed: number;
  bytesBilled: number;
  /** Where a query's rows are (destination or a temporary table). */
  result?: { dataset: string; table: string; schema: BqField[]; rows: number };
  statementType?: string;
  numDmlAffectedRows?: number;
}

/** BigQuery's ErrorProto. */
export interface ErrorProto {
  reason: string;
  message: string;
  location?: string;
}

/** What a job failure carries: BigQuery's error, and whether jobs.insert itself answers with it. */
export class JobFailure extends Error {
  constructor(
    readonly error: BigQueryApiError,
    /** Failed while validating (jobs.insert answers the HTTP error) vs while running (the job fails). */
    readonly atInsert: boolean,
  ) {
    super(error.message);
  }
}

/** Runs jobs against the store. */
export class JobRunner {
  constructor(
    private readonly store: BigQueryStore,
    private readonly objects: BlobAccess,
  ) {}

  /** Runs one job (config as jobs.insert received it) and fills in its record. */
  async run(job: JobRecord): Promise<void> {
    const started = Date.now();
    try {
      await this.store.exclusive(async () => {
        if (job.kind === 'query') await this.runQuery(job);
        else if (job.kind === 'copy') await this.runCopy(job);
        else if (job.kind === 'load') await this.runLoad(job);
        else await this.runExtract(job);
      });
    } catch (error) {
      const failure = asFailure(error);
      const proto: ErrorProto = { reason: failure.error.reason, message: failure.error.message, ...(failure.error.location !== undefined ? { location: failure.error.location } : {}) };
      job.status = { state: 'DONE', errorResult: proto, errors: [proto] };
      job.statistics = { ...job.statistics, creationTime: String(started), startTime: String(started), endTime: String(Date.now()) };
      throw failure;
    }
    job.statistics = { creationTime: String(started), startTime: String(started), endTime: String(Date.now()), ...job.statistics };
  }

  private async runQuery(job: JobRecord): Promise<void> {
    const config = (job.configuration.query ?? {}) as Record<string, unknown>;
    if (config.useLegacySql === true) throw new JobFailure(new BigQueryApiError(400, 'invalid', 'Legacy SQL is not supported by the BigQuery double: set useLegacySql: false'), true);
    if (typeof config.query !== 'string') throw new JobFailure(new BigQueryApiError(400, 'invalid', 'Required parameter is missing: query'), true);
    const defaultDataset = (config.defaultDataset as { datasetId?: string } | undefined)?.datasetId;
    let sql: string;
    let info: StatementInfo;
    try {
      sql = substituteParameters(splitBacktickPaths(await this.informationSchema(config.query, defaultDataset)), config.queryParameters as QueryParameter[] | undefined, config.parameterMode as string | undefined);
      info = analyzeStatement(sql);
    } catch (error) {
      throw new JobFailure(sqlError(error), true);
    }
    const resolve = (name: TableName): { dataset: string; meta: TableMeta | undefined } => {
      const dataset = name.dataset ?? defaultDataset;
      if (name.project !== undefined && name.project !== this.store.projectId) throw new JobFailure(new BigQueryApiError(404, 'notFound', `Not found: Project ${name.project}`), true);
      if (dataset === undefined) throw new JobFailure(new BigQueryApiError(400, 'invalidQuery', `Table "${name.table}" must be qualified with a dataset (e.g. dataset.table).`), true);
      if (dataset !== '_double_temp' && !this.store.datasets.has(dataset)) {
        throw new JobFailure(new BigQueryApiError(404, 'notFound', `Not found: Dataset ${this.store.projectId}:${dataset} was not found in location ${this.store.location}`), true);
      }
      return { dataset, meta: this.store.tables.get(`${dataset}.${name.table}`) };
    };
    const reads: Array<{ meta: TableMeta; alias?: string }> = [];
    for (const name of info.tables) {
      const { dataset, meta } = resolve(name);
      if (dataset === '_double_temp') continue;
      if (meta === undefined) throw new JobFailure(new BigQueryApiError(404, 'notFound', `Not found: Table ${this.store.projectId}:${dataset}.${name.table} was not found in location ${this.store.location}`), true);
      reads.push(name.alias !== undefined ? { meta, alias: name.alias } : { meta });
    }
    let target: { dataset: string; table: string; meta: TableMeta | undefined } | undefined;
    if (info.target !== undefined) {
      const { dataset, meta } = resolve(info.target);
      target = { dataset, table: info.target.table, meta };
      const where = `${this.store.projectId}:${dataset}.${info.target.table}`;
      if (meta === undefined && !info.kind.startsWith('CREATE') && !(info.kind === 'DROP_TABLE' && info.ifExists === true)) {
        throw new JobFailure(new BigQueryApiError(404, 'notFound', `Not found: Table ${where} was not found in location ${this.store.location}`), true);
      }
      if (meta !== undefined && info.kind.startsWith('CREATE') && info.ifNotExists !== true && info.orReplace !== true) {
        throw new JobFailure(new BigQueryApiError(409, 'duplicate', `Already Exists: Table ${where}`), true);
      }
    }
    let duckSql: string;
    try {
      duckSql = transpileToDuckDb(sql);
    } catch (error) {
      throw new JobFailure(sqlError(error), true);
    }
    const useDataset = async <T>(work: () => Promise<T>): Promise<T> => {
      if (defaultDataset === undefined) return work();
      await this.store.connection.run(`USE ${quoteIdent(this.store.projectId)}.${quoteIdent(defaultDataset)}`);
      try {
        return await work();
      } finally {
        await this.store.connection.run(`USE ${quoteIdent(this.store.projectId)}`);
      }
    };
    // Bind the statement now: what DuckDB cannot bind, BigQuery would have rejected at insert.
    let schema: BqField[] | undefined;
    await useDataset(async () => {
      try {
        if (info.kind === 'SELECT') schema = await this.store.schemaOf(duckSql);
        else if (!info.kind.startsWith('CREATE') && info.kind !== 'DROP_TABLE') await this.store.connection.prepare(duckSql);
      } catch (error) {
        throw new JobFailure(duckDbError(error), true);
      }
    });
    const { processed, billed, referenced } = await this.estimate(info, reads);
    job.bytesProcessed = processed;
    job.statementType = info.kind;
    const queryStats: Record<string, unknown> = {
      totalBytesProcessed: String(processed),
      totalBytesProcessedAccuracy: 'PRECISE',
      cacheHit: false,
      statementType: info.kind,
      referencedTables: referenced,
      ...(schema !== undefined ? { schema: { fields: schema } } : {}),
    };
    job.statistics = { totalBytesProcessed: String(processed), query: queryStats };
    if (job.dryRun) return;
    const limit = config.maximumBytesBilled !== undefined ? Number(config.maximumBytesBilled) : undefined;
    if (limit !== undefined && billed > limit) {
      throw new JobFailure(new BigQueryApiError(400, 'bytesBilledLimitExceeded', `Query exceeded limit for bytes billed: ${limit}. ${billed} or higher required.`), false);
    }
    job.bytesBilled = billed;
    queryStats.totalBytesBilled = String(billed);
    queryStats.billingTier = 1;
    job.statistics = { ...job.statistics, totalBytesProcessed: String(processed), query: queryStats };
    if (info.kind === 'SELECT') {
      const destination = config.destinationTable as TableRef | undefined;
      if (destination !== undefined) {
        this.checkWriteTarget(destination, (config.createDisposition as string | undefined) ?? 'CREATE_IF_NEEDED');
        const rows = await useDataset(() =>
          this.store.write({
            sourceSql: duckSql,
            dest: destination,
            writeDisposition: (config.writeDisposition as string | undefined) ?? 'WRITE_EMPTY',
            createDisposition: (config.createDisposition as string | undefined) ?? 'CREATE_IF_NEEDED',
            ...(config.timePartitioning !== undefined ? { timePartitioning: config.timePartitioning as never } : {}),
            ...(config.clustering !== undefined ? { clustering: config.clustering as never } : {}),
          }).catch((error: unknown) => {
            throw asFailure(error, false);
          }),
        );
        const [tableId] = splitDecorator(destination.tableId);
        const meta = this.store.table(destination.datasetId, tableId);
        job.result = { dataset: destination.datasetId, table: tableId, schema: meta.schema, rows };
      } else {
        const temp = this.store.tempName('result');
        await useDataset(() => this.store.connection.run(`CREATE TABLE ${temp.sql} AS ${duckSql}`)).catch((error: unknown) => {
          throw new JobFailure(duckDbError(error), false);
        });
        const rows = Number((await this.store.query(`SELECT COUNT(*)::BIGINT AS n FROM ${temp.sql}`))[0]!.n);
        job.result = { dataset: temp.dataset, table: temp.table, schema: schema ?? (await this.store.schemaOf(temp.sql)), rows };
      }
      return;
    }
    const affected = await useDataset(async () => {
      const result = await this.store.connection.run(duckSql);
      return result.rowsChanged;
    }).catch((error: unknown) => {
      throw new JobFailure(duckDbError(error), false);
    });
    const replaced = info.kind.startsWith('CREATE') && info.orReplace === true && target !== undefined;
    if (replaced) this.store.tables.delete(`${target!.dataset}.${target!.table}`);
    await this.store.syncCatalog();
    if (target !== undefined) {
      const meta = this.store.tables.get(`${target.dataset}.${target.table}`);
      if (meta !== undefined) {
        meta.version += 1;
        meta.lastModifiedTime = Date.now();
        if (info.kind.startsWith('CREATE') && (meta.version === 1 || replaced)) {
          if (info.partitioning !== undefined) meta.timePartitioning = info.partitioning;
          if (info.clustering !== undefined) meta.clustering = { fields: info.clustering };
          try {
            validatePartitioning(meta.schema, meta.timePartitioning, meta.clustering);
          } catch (error) {
            await this.store.deleteTable(target.dataset, target.table);
            throw asFailure(error, false);
          }
        }
      }
      if (info.kind.startsWith('CREATE') || info.kind === 'DROP_TABLE') queryStats.ddlOperationPerformed = info.kind === 'DROP_TABLE' ? (meta === undefined ? 'DROP' : 'SKIP') : replaced ? 'REPLACE' : 'CREATE';
    }
    if (['INSERT', 'DELETE', 'UPDATE', 'MERGE'].includes(info.kind)) {
      job.numDmlAffectedRows = Number(affected);
      queryStats.numDmlAffectedRows = String(affected);
    }
  }

  // `dataset.INFORMATION_SCHEMA.PARTITIONS` / `.TABLES` → a snapshot table in the double's own schema.
  private async informationSchema(sql: string, defaultDataset: string | undefined): Promise<string> {
    const pattern = /`?(?:([A-Za-z0-9_-]+)`?\.`?)?([A-Za-z0-9_]+)`?\.`?INFORMATION_SCHEMA`?\.`?(PARTITIONS|TABLES)`?|(?<![.\w`])`?INFORMATION_SCHEMA`?\.`?(PARTITIONS|TABLES)`?/gi;
    const matches = [...sql.matchAll(pattern)];
    if (matches.length === 0) return sql;
    let out = sql;
    for (const match of matches) {
      const dataset = match[2] ?? defaultDataset;
      const view = (match[3] ?? match[4]!).toUpperCase();
      if (dataset === undefined) throw new BigQuerySqlError('INFORMATION_SCHEMA must be qualified with a dataset in the BigQuery double');
      this.store.dataset(dataset);
      const temp = this.store.tempName(`is_${view.toLowerCase()}`);
      const rows: string[] = [];
      for (const meta of [...this.store.tables.values()].filter((t) => t.dataset === dataset)) {
        if (view === 'TABLES') {
          rows.push(`(${[this.store.projectId, dataset, meta.table, 'BASE TABLE', `'${new Date(meta.creationTime).toISOString()}'::TIMESTAMPTZ`].map((v) => (typeof v === 'string' && !v.endsWith('TIMESTAMPTZ') ? quoteString(v) : v)).join(', ')})`);
          continue;
        }
        const sizes = await this.store.columnSizes(meta);
        for (const [partition, columns] of sizes) {
          let bytes = 0;
          for (const [name, size] of columns) if (name !== '__rows__') bytes += size;
          rows.push(`(${[quoteString(this.store.projectId), quoteString(dataset), quoteString(meta.table), quoteString(partition), String(columns.get('__rows__') ?? 0), String(bytes), `'${new Date(meta.lastModifiedTime).toISOString()}'::TIMESTAMPTZ`, `'ACTIVE'`].join(', ')})`);
        }
      }
      const columns = view === 'TABLES'
        ? 'table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, table_type VARCHAR, creation_time TIMESTAMPTZ'
        : 'table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, partition_id VARCHAR, total_rows BIGINT, total_logical_bytes BIGINT, last_modified_time TIMESTAMPTZ, storage_tier VARCHAR';
      await this.store.connection.run(`CREATE TABLE ${temp.sql} (${columns})`);
      if (rows.length > 0) await this.store.connection.run(`INSERT INTO ${temp.sql} VALUES ${rows.join(', ')}`);
      out = out.replace(match[0], `\`_double_temp\`.\`${temp.table}\``);
    }
    return out;
  }

  // What BigQuery checks before a job writes: the dataset, the table (CREATE_NEVER), the decorator.
  private checkWriteTarget(dest: TableRef, createDisposition: string): void {
    try {
      if (dest.projectId !== undefined && dest.projectId !== this.store.projectId) throw new BigQueryApiError(404, 'notFound', `Not found: Project ${dest.projectId}`);
      this.store.dataset(dest.datasetId);
      const [tableId, decorator] = splitDecorator(dest.tableId);
      const meta = this.store.tables.get(`${dest.datasetId}.${tableId}`);
      if (meta === undefined && createDisposition === 'CREATE_NEVER') throw new BigQueryApiError(404, 'notFound', `Not found: Table ${this.store.projectId}:${dest.datasetId}.${tableId}`);
      if (decorator !== undefined) {
        if (meta !== undefined) this.store.checkDecorator(meta, decorator);
        else if (!/^(\d{4}|\d{6}|\d{8}|\d{10}|__NULL__)$/.test(decorator)) throw new BigQueryApiError(400, 'invalid', `Invalid partition decorator ${decorator} for table ${this.store.projectId}:${dest.datasetId}.${tableId}`);
      }
    } catch (error) {
      throw asFailure(error, true);
    }
  }

  /** The bytes a statement processes and is billed for (see the file comment). */
  async estimate(info: StatementInfo, reads: Array<{ meta: TableMeta; alias?: string }>): Promise<{ processed: number; billed: number; referenced: TableRef[] }> {
    let processed = 0;
    let billed = 0;
    const referenced: TableRef[] = [];
    const seen = new Set<string>();
    for (const { meta } of reads) {
      const key = `${meta.dataset}.${meta.table}`;
      if (seen.has(key)) continue;
      seen.add(key);
      referenced.push({ projectId: this.store.projectId, datasetId: meta.dataset, tableId: meta.table });
      const sizes = await this.store.columnSizes(meta);
      const partitions = await this.scannedPartitions(info, meta, sizes);
      const columns = meta.schema.map((f) => f.name.toLowerCase()).filter((name) => info.readsAllColumns || info.columns.has(name));
      let bytes = 0;
      for (const partition of partitions) {
        const perColumn = sizes.get(partition);
        if (perColumn === undefined) continue;
        for (const column of columns) bytes += perColumn.get(column) ?? 0;
      }
      processed += bytes;
      billed += Math.max(Math.ceil(bytes / MIB) * MIB, 10 * MIB);
    }
    return { processed, billed, referenced };
  }

  private async scannedPartitions(info: StatementInfo, meta: TableMeta, sizes: Map<string, Map<string, number>>): Promise<string[]> {
    const all = [...sizes.keys()];
    const field = meta.timePartitioning?.field?.toLowerCase();
    if (field === undefined) return all;
    const conjuncts = info.conjuncts.filter((c) => c.column === field && c.table.table === meta.table && (c.table.dataset === undefined || c.table.dataset === meta.dataset));
    if (conjuncts.length === 0) return all;
    try {
      const bq = `SELECT ${quoteIdent(meta.timePartitioning!.field!).replace(/"/g, '`')} FROM \`${this.store.projectId}\`.\`${meta.dataset}\`.\`${meta.table}\` WHERE ${conjuncts.map((c) => `(${c.sql})`).join(' AND ')}`;
      const duck = transpileToDuckDb(bq);
      const rows = await this.store.query(`SELECT DISTINCT ${this.store.partitionIdSql(meta)} AS p FROM (${duck})`);
      return rows.map((r) => String(r.p));
    } catch {
      return all;
    }
  }

  private async runCopy(job: JobRecord): Promise<void> {
    const config = (job.configuration.copy ?? {}) as Record<string, unknown>;
    const sources = ((config.sourceTables as TableRef[] | undefined) ?? (config.sourceTable !== undefined ? [config.sourceTable as TableRef] : [])).filter(Boolean);
    const dest = config.destinationTable as TableRef | undefined;
    if (sources.length === 0 || dest === undefined) throw new JobFailure(new BigQueryApiError(400, 'invalid', 'A copy job needs sourceTables and destinationTable'), true);
    let selected: Array<{ sql: string; meta: TableMeta }>;
    try {
      selected = sources.map((s) => this.store.selectSql(s));
    } catch (error) {
      throw asFailure(error, true);
    }
    const createDisposition = (config.createDisposition as string | undefined) ?? 'CREATE_IF_NEEDED';
    this.checkWriteTarget(dest, createDisposition);
    const sourceSql = selected.map((s) => `(${s.sql})`).join(' UNION ALL BY NAME ');
    const rows = await this.store
      .write({ sourceSql, dest, writeDisposition: (config.writeDisposition as string | undefined) ?? 'WRITE_EMPTY', createDisposition, like: selected[0]!.meta })
      .catch((error: unknown) => {
        throw asFailure(error, false);
      });
    let bytes = 0;
    for (const s of sources) {
      const [tableId, decorator] = splitDecorator(s.tableId);
      bytes += (await this.store.tableStats(this.store.table(s.datasetId, tableId), decorator)).bytes;
    }
    job.statistics = { copy: { copiedRows: String(rows), copiedLogicalBytes: String(bytes) } };
  }

  private async runLoad(job: JobRecord): Promise<void> {
    const config = (job.configuration.load ?? {}) as Record<string, unknown>;
    const dest = config.destinationTable as TableRef | undefined;
    const uris = (config.sourceUris as string[] | undefined) ?? [];
    if (dest === undefined || uris.length === 0) throw new JobFailure(new BigQueryApiError(400, 'invalid', 'A load job needs sourceUris and destinationTable'), true);
    const format = ((config.sourceFormat as string | undefined) ?? 'CSV').toUpperCase();
    if (!['PARQUET', 'CSV', 'NEWLINE_DELIMITED_JSON'].includes(format)) throw new JobFailure(new BigQueryApiError(400, 'invalid', `Source format ${format} is not supported by the BigQuery double`), true);
    const createDisposition = (config.createDisposition as string | undefined) ?? 'CREATE_IF_NEEDED';
    this.checkWriteTarget(dest, createDisposition);
    const dir = await mkdtemp(join(tmpdir(), 'bq-double-load-'));
    try {
      const files: string[] = [];
      let inputBytes = 0;
      for (const uri of uris) {
        for (const { bucket, name } of await this.matchUris(uri)) {
          const data = await this.objects.read(bucket, name);
          if (data === undefined) throw new JobFailure(new BigQueryApiError(404, 'notFound', `Not found: URI gs://${bucket}/${name}`), false);
          const file = join(dir, `${files.length}.${format === 'PARQUET' ? 'parquet' : 'data'}`);
          await writeFile(file, data);
          files.push(file);
          inputBytes += data.byteLength;
        }
      }
      const list = `[${files.map(quoteString).join(', ')}]`;
      const schema = (config.schema as { fields?: BqField[] } | undefined)?.fields;
      let reader: string;
      if (format === 'PARQUET') reader = `read_parquet(${list}, union_by_name = true)`;
      else if (format === 'CSV') {
        const skip = Number(config.skipLeadingRows ?? 0);
        reader = schema !== undefined
          ? `read_csv(${list}, header = ${skip > 0}, columns = {${schema.map((f) => `${quoteString(f.name)}: ${quoteString(duckDbType(f))}`).join(', ')}})`
          : `read_csv(${list}, header = ${skip > 0})`;
      } else reader = `read_json(${list}, format = 'newline_delimited'${schema !== undefined ? `, columns = {${schema.map((f) => `${quoteString(f.name)}: ${quoteString(duckDbType(f))}`).join(', ')}}` : ''})`;
      const select = schema !== undefined ? `SELECT ${schema.map((f) => `CAST(${quoteIdent(f.name)} AS ${duckDbType(f)}) AS ${quoteIdent(f.name)}`).join(', ')} FROM ${reader}` : `SELECT * FROM ${reader}`;
      const rows = await this.store
        .write({
          sourceSql: select,
          dest,
          writeDisposition: (config.writeDisposition as string | undefined) ?? 'WRITE_APPEND',
          createDisposition,
          ...(schema !== undefined ? { schema } : {}),
          ...(config.timePartitioning !== undefined ? { timePartitioning: config.timePartitioning as never } : {}),
          ...(config.clustering !== undefined ? { clustering: config.clustering as never } : {}),
        })
        .catch((error: unknown) => {
          throw asFailure(error, false);
        });
      const [tableId] = splitDecorator(dest.tableId);
      const outputBytes = (await this.store.tableStats(this.store.table(dest.datasetId, tableId))).bytes;
      job.statistics = { load: { inputFiles: String(files.length), inputFileBytes: String(inputBytes), outputRows: String(rows), outputBytes: String(outputBytes), badRecords: '0' } };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async runExtract(job: JobRecord): Promise<void> {
    const config = (job.configuration.extract ?? {}) as Record<string, unknown>;
    const source = config.sourceTable as TableRef | undefined;
    const uris = (config.destinationUris as string[] | undefined) ?? (config.destinationUri !== undefined ? [config.destinationUri as string] : []);
    if (source === undefined || uris.length === 0) throw new JobFailure(new BigQueryApiError(400, 'invalid', 'An extract job needs sourceTable and destinationUris'), true);
    const format = ((config.destinationFormat as string | undefined) ?? 'CSV').toUpperCase();
    if (!['PARQUET', 'CSV', 'NEWLINE_DELIMITED_JSON'].includes(format)) throw new JobFailure(new BigQueryApiError(400, 'invalid', `Destination format ${format} is not supported by the BigQuery double`), true);
    let selected: { sql: string; meta: TableMeta; decorator?: string };
    const parsed = uris.map((uri) => parseGsUri(uri));
    try {
      selected = this.store.selectSql(source);
      for (const p of parsed) if (p === undefined) throw new BigQueryApiError(400, 'invalid', `Invalid extract destination URI ${uris.join(', ')}: expected gs://bucket/name`);
    } catch (error) {
      throw asFailure(error, true);
    }
    const dir = await mkdtemp(join(tmpdir(), 'bq-double-extract-'));
    try {
      const file = join(dir, 'out');
      const options = format === 'PARQUET' ? '(FORMAT PARQUET)' : format === 'CSV' ? `(FORMAT CSV, HEADER ${config.printHeader === false ? 'false' : 'true'})` : '(FORMAT JSON)';
      await this.store.connection.run(`COPY (${selected.sql}) TO ${quoteString(file)} ${options}`);
      const data = new Uint8Array(await readFile(file));
      const first = parsed[0]!;
      await this.objects.write(first.bucket, first.name.replace('*', '000000000000'), data);
      const counts = parsed.map((_, i) => (i === 0 ? '1' : '0'));
      const stats = await this.store.tableStats(selected.meta, selected.decorator);
      job.statistics = { extract: { destinationUriFileCounts: counts, inputBytes: String(stats.bytes) } };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  // A load URI with at most one `*` wildcard → the objects it names (sorted).
  private async matchUris(uri: string): Promise<Array<{ bucket: string; name: string }>> {
    const parsed = parseGsUri(uri);
    if (parsed === undefined) throw new JobFailure(new BigQueryApiError(400, 'invalid', `Invalid source URI ${uri}: expected gs://bucket/name`), true);
    if (!parsed.name.includes('*')) return [parsed];
    const star = parsed.name.indexOf('*');
    const prefix = parsed.name.slice(0, star);
    const pattern = new RegExp(`^${parsed.name.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const names = (await this.objects.list(parsed.bucket, prefix)).filter((n) => pattern.test(n));
    if (names.length === 0) throw new JobFailure(new BigQueryApiError(404, 'notFound', `Not found: Uris ${uri}`), false);
    return names.map((name) => ({ bucket: parsed.bucket, name }));
  }

  /** One page of a query job's rows as BigQuery `f`/`v` rows. */
  async resultPage(job: JobRecord, offset: number, limit: number | undefined, int64Timestamp: boolean): Promise<unknown[]> {
    const result = job.result;
    if (result === undefined) return [];
    return this.store.exclusive(() => this.tablePage({ dataset: result.dataset, table: result.table }, offset, limit, int64Timestamp, undefined));
  }

  /** One page of a table's rows (tabledata.list) as `f`/`v` rows; call inside `store.exclusive`. */
  async tablePage(ref: { dataset: string; table: string }, offset: number, limit: number | undefined, int64Timestamp: boolean, selected: string[] | undefined): Promise<unknown[]> {
    const from = this.store.qualified(ref.dataset, ref.table);
    const columns = (await this.store.describe(from)).filter((c) => selected === undefined || selected.includes(c.name.toLowerCase()));
    if (columns.length === 0) return [];
    const cells = columns.map((c) => cellJsonSql(quoteIdent(c.name), c.type, int64Timestamp));
    const rows = await this.store.query(
      `SELECT CAST(json_object('f', to_json([${cells.join(', ')}])) AS VARCHAR) AS r FROM ${from}${limit !== undefined ? ` LIMIT ${limit}` : ''} OFFSET ${offset}`,
    );
    return rows.map((r) => JSON.parse(String(r.r)) as unknown);
  }
}

function parseGsUri(uri: string): { bucket: string; name: string } | undefined {
  const match = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  return match === null ? undefined : { bucket: match[1]!, name: match[2]! };
}

function sqlError(error: unknown): BigQueryApiError {
  if (error instanceof BigQueryApiError) return error;
  if (error instanceof BigQuerySqlError) return new BigQueryApiError(error.reason === 'notFound' ? 404 : 400, error.reason, error.message, 'query');
  return new BigQueryApiError(400, 'invalidQuery', error instanceof Error ? error.message : String(error), 'query');
}

function duckDbError(error: unknown): BigQueryApiError {
  if (error instanceof BigQueryApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/^Catalog Error: Table with name .* does not exist/m.test(message)) return new BigQueryApiError(404, 'notFound', `Not found: ${message}`, 'query');
  return new BigQueryApiError(400, 'invalidQuery', message, 'query');
}

function asFailure(error: unknown, atInsert = true): JobFailure {
  if (error instanceof JobFailure) return error;
  if (error instanceof BigQueryApiError) return new JobFailure(error, atInsert);
  return new JobFailure(duckDbError(error), atInsert);
}
