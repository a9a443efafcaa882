/**
 * A BigQuery REST API v2 double on loopback, driven by the real `@google-cloud/bigquery` client
 * (`new BigQuery({ projectId, apiEndpoint: double.url, authClient })`). It keeps datasets and tables in
 * an in-memory DuckDB database (one schema per dataset) and runs the BigQuery SQL it receives there
 * after transpiling it with polyglot (fix-ups: bigquery-double-sql.ts). Jobs (query, load, copy,
 * extract) run to completion inside jobs.insert (bigquery-double-jobs.ts, which also documents the
 * bytes-processed and bytes-billed rules). Requests without `Authorization: Bearer …` get 401.
 * Test infrastructure, not a product feature.
 *
 * ```ts
 * const double = await startBigQueryDouble({ projectId: 'quarry-test' });
 * const bigquery = new BigQuery({ projectId: 'quarry-test', apiEndpoint: double.url, authClient });
 * await bigquery.createDataset('tiktok');
 * await double.close();
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { memoryBlobAccess, type BlobAccess } from './blob-access.ts';
import { loadPolyglot } from './bigquery-double-sql.ts';
import { BigQueryApiError, BigQueryStore, duckDbType, splitDecorator, type BqField, type DatasetMeta, type TableMeta } from './bigquery-double-store.ts';
import { JobFailure, JobRunner, type JobKind, type JobRecord } from './bigquery-double-jobs.ts';

/** Options of `startBigQueryDouble`. */
export interface BigQueryDoubleOptions {
  readonly projectId: string;
  /** Where load jobs read and extract jobs write `gs://` objects; default in memory. */
  readonly objects?: BlobAccess;
  /** The location of datasets and jobs that name none; default `US`. */
  readonly location?: string;
}

/** One job as tests see it. */
export interface BigQueryDoubleJob {
  readonly id: string;
  readonly kind: JobKind;
  readonly labels: Readonly<Record<string, string>>;
  readonly dryRun: boolean;
  readonly bytesProcessed: number;
  readonly bytesBilled: number;
  /** The error's reason when the job failed. */
  readonly error?: string;
}

/** One request the double received. */
export interface BigQueryDoubleRequest {
  readonly method: string;
  /** The path without the query string, decoded (`/bigquery/v2/projects/p/jobs`). */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Sorted top-level keys of the JSON body. */
  readonly bodyKeys: readonly string[];
  /** The parsed JSON body (undefined when there is none). */
  readonly body: unknown;
}

/** A running BigQuery double. */
export interface BigQueryDouble {
  /** The `apiEndpoint` to give the client (`http://127.0.0.1:PORT`). */
  readonly url: string;
  readonly projectId: string;
  /** Every job once it is done (dry runs and failed jobs included, flagged), in order of completion. */
  readonly jobs: readonly BigQueryDoubleJob[];
  /** Every request received, in order. */
  readonly requests: readonly BigQueryDoubleRequest[];
  /** The objects load and extract jobs use. */
  readonly objects: BlobAccess;
  /** Table ids of a dataset, sorted. */
  tables(dataset: string): string[];
  /** A table's metadata (schema, partitioning, clustering), undefined when it does not exist. */
  table(dataset: string, table: string): { schema: BqField[]; timePartitioning?: { type: string; field?: string }; clustering?: { fields: string[] } } | undefined;
  /** A table's rows (or one partition's: `'20240101'`) as plain objects (DuckDB's JS values), in storage order. */
  rows(tableRef: string, partition?: string): Promise<Array<Record<string, unknown>>>;
  /** Partition ids of a partitioned table with their row counts. */
  partitions(tableRef: string): Promise<Record<string, number>>;
  /** Runs DuckDB SQL on the double's database (for tests that need to look underneath). */
  duckdb(sql: string): Promise<Array<Record<string, unknown>>>;
  /**
   * The next `count` requests that `match` (by method and path, such as `POST /bigquery/v2/projects/p/jobs`;
   * default every request) fail with `status` (default 503, a transient error clients retry).
   * With `afterExecuting`, the request is carried out first and only its answer is lost, as when a
   * connection drops after BigQuery accepted a job.
   */
  failNext(count: number, options?: BigQueryDoubleFailure): void;
  close(): Promise<void>;
}

/** What `BigQueryDouble.failNext` fails, and how. */
export interface BigQueryDoubleFailure {
  readonly status?: number;
  readonly match?: (method: string, path: string) => boolean;
  readonly afterExecuting?: boolean;
}

/** Starts a BigQuery double on 127.0.0.1 (a free port). */
export async function startBigQueryDouble(options: BigQueryDoubleOptions): Promise<BigQueryDouble> {
  await loadPolyglot();
  const location = options.location ?? 'US';
  const store = await BigQueryStore.open(options.projectId, location);
  const objects = options.objects ?? memoryBlobAccess();
  const runner = new JobRunner(store, objects);
  const jobs = new Map<string, JobRecord>();
  const jobList: BigQueryDoubleJob[] = [];
  const requests: BigQueryDoubleRequest[] = [];
  const api = new Api(store, runner, jobs, jobList, location);
  let failures: { count: number; status: number; match: (method: string, path: string) => boolean; afterExecuting: boolean } | undefined;

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const path = url.pathname.split('/').map((s) => decodeURIComponent(s)).join('/');
    const query = Object.fromEntries(url.searchParams.entries());
    requests.push({
      method: req.method ?? 'GET',
      path,
      query,
      bodyKeys: body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).sort() : [],
      body,
    });
    const send = (status: number, payload: unknown) => {
      const data = payload === undefined ? '' : JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(data) });
      res.end(data);
    };
    try {
      const auth = req.headers.authorization ?? '';
      if (!/^Bearer\s+\S+/i.test(auth)) {
        send(401, {
          error: {
            code: 401,
            message: 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
            errors: [{ message: 'Login Required.', domain: 'global', reason: 'required', location: 'Authorization', locationType: 'header' }],
            status: 'UNAUTHENTICATED',
          },
        });
        return;
      }
      const segments = url.pathname.split('/').filter((s) => s.length > 0).map((s) => decodeURIComponent(s));
      if (segments[0] !== 'bigquery' || segments[1] !== 'v2' || segments[2] !== 'projects' || segments[3] === undefined) {
        throw new BigQueryApiError(404, 'notFound', `Not found: ${url.pathname}`);
      }
      if (segments[3] !== options.projectId) throw new BigQueryApiError(404, 'notFound', `Not found: Project ${segments[3]}`);
      // An injected failure (failNext), before or after the request is carried out.
      const failure = failures !== undefined && failures.count > 0 && failures.match(req.method ?? 'GET', path) ? failures : undefined;
      if (failure !== undefined) failure.count -= 1;
      const injected = (status: number) => new BigQueryApiError(status, status === 503 ? 'backendError' : 'internalError', 'The double failed this request on purpose (failNext).');
      if (failure !== undefined && !failure.afterExecuting) throw injected(failure.status);
      const answer = await api.route(req.method ?? 'GET', segments.slice(4), query, (body ?? {}) as Record<string, unknown>);
      if (failure !== undefined) throw injected(failure.status);
      send(answer.status ?? 200, answer.body);
    } catch (error) {
      const apiError = error instanceof JobFailure ? error.error : error instanceof BigQueryApiError ? error : new BigQueryApiError(500, 'internalError', error instanceof Error ? error.stack ?? error.message : String(error));
      send(apiError.code, errorBody(apiError));
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const parseRef = (tableRef: string) => {
    const parts = tableRef.split('.');
    const [dataset, table] = parts.length === 3 ? [parts[1]!, parts[2]!] : [parts[0]!, parts[1]!];
    if (table === undefined) throw new Error(`table ref ${tableRef}: expected dataset.table`);
    return { dataset, table };
  };
  return {
    url: `http://127.0.0.1:${port}`,
    projectId: options.projectId,
    jobs: jobList,
    requests,
    objects,
    tables(dataset) {
      return [...store.tables.values()].filter((t) => t.dataset === dataset).map((t) => t.table).sort();
    },
    table(dataset, table) {
      const meta = store.tables.get(`${dataset}.${table}`);
      if (meta === undefined) return undefined;
      return {
        schema: meta.schema,
        ...(meta.timePartitioning !== undefined ? { timePartitioning: meta.timePartitioning } : {}),
        ...(meta.clustering !== undefined ? { clustering: meta.clustering } : {}),
      };
    },
    rows(tableRef, partition) {
      const { dataset, table } = parseRef(tableRef);
      return store.exclusive(async () => {
        const { sql } = store.selectSql({ datasetId: dataset, tableId: partition !== undefined ? `${table}$${partition}` : table });
        return store.query(sql);
      });
    },
    partitions(tableRef) {
      const { dataset, table } = parseRef(tableRef);
      return store.exclusive(async () => {
        const meta = store.table(dataset, table);
        const sizes = await store.columnSizes(meta);
        return Object.fromEntries([...sizes.entries()].map(([p, c]) => [p, c.get('__rows__') ?? 0]).sort(([a], [b]) => String(a).localeCompare(String(b))));
      });
    },
    duckdb(sql) {
      return store.exclusive(() => store.query(sql));
    },
    failNext(count, failure = {}) {
      failures = { count, status: failure.status ?? 503, match: failure.match ?? (() => true), afterExecuting: failure.afterExecuting === true };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.exclusive(async () => store.close());
    },
  };
}

function errorBody(error: BigQueryApiError): unknown {
  const status: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS', 500: 'INTERNAL' };
  return {
    error: {
      code: error.code,
      message: error.message,
      errors: [{ message: error.message, domain: 'global', reason: error.reason, ...(error.location !== undefined ? { location: error.location, locationType: 'other' } : {}) }],
      status: status[error.code] ?? 'UNKNOWN',
    },
  };
}

interface Answer {
  status?: number;
  body: unknown;
}

const PAGE_SIZE_DEFAULT = 50;
const EXECUTING_GRACE_MS = 1000;

// The REST resources, one method per route.
class Api {
  constructor(
    private readonly store: BigQueryStore,
    private readonly runner: JobRunner,
    private readonly jobs: Map<string, JobRecord>,
    private readonly jobList: BigQueryDoubleJob[],
    private readonly location: string,
  ) {}

  async route(method: string, path: string[], query: Record<string, string>, body: Record<string, unknown>): Promise<Answer> {
    const [collection, id, sub, subId, action] = path;
    if (collection === 'datasets') {
      if (id === undefined) return method === 'POST' ? this.insertDataset(body) : this.listDatasets(query);
      if (sub === undefined) {
        if (method === 'GET') return { body: this.datasetResource(this.store.dataset(id)) };
        if (method === 'DELETE') {
          await this.store.exclusive(() => this.store.deleteDataset(id, query.deleteContents === 'true'));
          return { status: 204, body: undefined };
        }
        if (method === 'PATCH' || method === 'PUT') return this.patchDataset(id, body);
      }
      if (sub === 'tables') {
        if (subId === undefined) return method === 'POST' ? this.insertTable(id, body) : this.listTables(id, query);
        if (action === undefined) {
          if (method === 'GET') return { body: await this.tableResource(this.tableMeta(id, subId)) };
          if (method === 'DELETE') {
            await this.store.exclusive(() => this.store.deleteTable(id, subId));
            return { status: 204, body: undefined };
          }
          if (method === 'PATCH' || method === 'PUT') return this.patchTable(id, subId, body);
        }
        if (action === 'data' && method === 'GET') return this.listTableData(id, subId, query);
        if (action === 'insertAll' && method === 'POST') return this.insertAll(id, subId, body);
      }
    }
    if (collection === 'jobs') {
      if (id === undefined) return method === 'POST' ? this.insertJob(body) : this.listJobs(query);
      const job = this.jobs.get(id);
      if (job === undefined) throw new BigQueryApiError(404, 'notFound', `Not found: Job ${this.store.projectId}:${query.location ?? this.location}.${id}`);
      if (sub === undefined && method === 'GET') return { body: this.jobResource(job) };
      if (sub === 'cancel' && method === 'POST') {
        if (job.status.state !== 'DONE' && job.cancelRequested !== true) {
          job.cancelRequested = true;
          // Interrupt until the job is done: the statement may not have reached DuckDB yet.
          const timer = setInterval(() => {
            if (job.status.state === 'RUNNING') this.store.connection.interrupt();
          }, 50);
          if (job.status.state === 'RUNNING') this.store.connection.interrupt();
          void (job.done ?? Promise.resolve()).finally(() => clearInterval(timer));
        }
        return { body: { kind: 'bigquery#jobCancelResponse', job: this.jobResource(job) } };
      }
      if (sub === 'delete' && method === 'DELETE') {
        this.jobs.delete(id);
        return { status: 204, body: undefined };
      }
    }
    if (collection === 'queries') {
      if (id === undefined && method === 'POST') return this.syncQuery(body);
      if (id !== undefined && method === 'GET') return this.getQueryResults(id, query);
    }
    throw new BigQueryApiError(404, 'notFound', `Not found: ${method} ${path.join('/')} is not implemented by the BigQuery double`);
  }

  // --- datasets -----------------------------------------------------------------------------------
  private datasetResource(meta: DatasetMeta): unknown {
    return {
      kind: 'bigquery#dataset',
      id: `${this.store.projectId}:${meta.datasetId}`,
      datasetReference: { projectId: this.store.projectId, datasetId: meta.datasetId },
      location: meta.location,
      creationTime: String(meta.creationTime),
      lastModifiedTime: String(meta.lastModifiedTime),
      etag: `"${meta.lastModifiedTime}"`,
      ...(meta.labels !== undefined ? { labels: meta.labels } : {}),
      ...(meta.description !== undefined ? { description: meta.description } : {}),
      ...(meta.defaultTableExpirationMs !== undefined ? { defaultTableExpirationMs: meta.defaultTableExpirationMs } : {}),
    };
  }

  private async insertDataset(body: Record<string, unknown>): Promise<Answer> {
    const ref = body.datasetReference as { datasetId?: string } | undefined;
    const datasetId = ref?.datasetId;
    if (datasetId === undefined || !/^[A-Za-z0-9_]{1,1024}$/.test(datasetId)) {
      throw new BigQueryApiError(400, 'invalid', `Invalid dataset ID "${datasetId ?? ''}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`);
    }
    const now = Date.now();
    const meta: DatasetMeta = {
      datasetId,
      location: (body.location as string | undefined) ?? this.location,
      creationTime: now,
      lastModifiedTime: now,
      ...(body.labels !== undefined ? { labels: body.labels as Record<string, string> } : {}),
      ...(body.description !== undefined ? { description: body.description as string } : {}),
      ...(body.defaultTableExpirationMs !== undefined ? { defaultTableExpirationMs: String(body.defaultTableExpirationMs) } : {}),
    };
    await this.store.exclusive(() => this.store.createDataset(meta));
    return { body: this.datasetResource(meta) };
  }

  private patchDataset(id: string, body: Record<string, unknown>): Answer {
    const meta = this.store.dataset(id);
    if (body.labels !== undefined) meta.labels = body.labels as Record<string, string>;
    if (body.description !== undefined) meta.description = body.description as string;
    meta.lastModifiedTime = Date.now();
    return { body: this.datasetResource(meta) };
  }

  private listDatasets(query: Record<string, string>): Answer {
    const all = [...this.store.datasets.values()].sort((a, b) => a.datasetId.localeCompare(b.datasetId));
    const { page, next } = paginate(all, query);
    return {
      body: {
        kind: 'bigquery#datasetList',
        ...(page.length > 0 ? { datasets: page.map((d) => ({ kind: 'bigquery#dataset', id: `${this.store.projectId}:${d.datasetId}`, datasetReference: { projectId: this.store.projectId, datasetId: d.datasetId }, location: d.location, ...(d.labels !== undefined ? { labels: d.labels } : {}) })) } : {}),
        ...(next !== undefined ? { nextPageToken: next } : {}),
      },
    };
  }

  // --- tables ---------------------------------------------------------------------------------------
  private tableMeta(datasetId: string, tableId: string): TableMeta {
    const [table, decorator] = splitDecorator(tableId);
    const meta = this.store.table(datasetId, table);
    if (decorator !== undefined) this.store.checkDecorator(meta, decorator);
    return meta;
  }

  private async tableResource(meta: TableMeta): Promise<unknown> {
    const stats = await this.store.exclusive(() => this.store.tableStats(meta));
    return {
      kind: 'bigquery#table',
      id: `${this.store.projectId}:${meta.dataset}.${meta.table}`,
      tableReference: { projectId: this.store.projectId, datasetId: meta.dataset, tableId: meta.table },
      type: 'TABLE',
      schema: { fields: meta.schema },
      numRows: String(stats.rows),
      numBytes: String(stats.bytes),
      numLongTermBytes: '0',
      location: this.store.dataset(meta.dataset).location,
      creationTime: String(meta.creationTime),
      lastModifiedTime: String(meta.lastModifiedTime),
      etag: `"${meta.version}-${meta.lastModifiedTime}"`,
      ...(meta.timePartitioning !== undefined ? { timePartitioning: meta.timePartitioning } : {}),
      ...(meta.clustering !== undefined ? { clustering: meta.clustering } : {}),
      ...(meta.labels !== undefined ? { labels: meta.labels } : {}),
      ...(meta.description !== undefined ? { description: meta.description } : {}),
      ...(meta.expirationTime !== undefined ? { expirationTime: meta.expirationTime } : {}),
    };
  }

  private async insertTable(datasetId: string, body: Record<string, unknown>): Promise<Answer> {
    const ref = body.tableReference as { tableId?: string } | undefined;
    const tableId = ref?.tableId;
    if (tableId === undefined || !/^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd} ]{1,1024}$/u.test(tableId)) {
      throw new BigQueryApiError(400, 'invalid', `Invalid table ID "${tableId ?? ''}".`);
    }
    if (body.view !== undefined || body.materializedView !== undefined) throw new BigQueryApiError(400, 'invalid', 'Views are not supported by the BigQuery double');
    const schema = ((body.schema as { fields?: BqField[] } | undefined)?.fields ?? []) as BqField[];
    const meta = await this.store.exclusive(() =>
      this.store.createTable({
        dataset: datasetId,
        table: tableId,
        schema,
        ...(body.timePartitioning !== undefined ? { timePartitioning: body.timePartitioning as TableMeta['timePartitioning'] & object } : {}),
        ...(body.clustering !== undefined ? { clustering: body.clustering as { fields: string[] } } : {}),
        ...(body.labels !== undefined ? { labels: body.labels as Record<string, string> } : {}),
        ...(body.description !== undefined ? { description: body.description as string } : {}),
        ...(body.expirationTime !== undefined ? { expirationTime: String(body.expirationTime) } : {}),
      }),
    );
    return { body: await this.tableResource(meta) };
  }

  private async patchTable(datasetId: string, tableId: string, body: Record<string, unknown>): Promise<Answer> {
    const meta = this.store.table(datasetId, tableId);
    if (body.labels !== undefined) meta.labels = body.labels as Record<string, string>;
    if (body.description !== undefined) meta.description = body.description as string;
    if (body.expirationTime !== undefined) meta.expirationTime = String(body.expirationTime);
    if (body.clustering !== undefined) meta.clustering = body.clustering as { fields: string[] };
    meta.lastModifiedTime = Date.now();
    return { body: await this.tableResource(meta) };
  }

  private listTables(datasetId: string, query: Record<string, string>): Answer {
    this.store.dataset(datasetId);
    const all = [...this.store.tables.values()].filter((t) => t.dataset === datasetId).sort((a, b) => a.table.localeCompare(b.table));
    const { page, next } = paginate(all, query);
    return {
      body: {
        kind: 'bigquery#tableList',
        totalItems: all.length,
        ...(page.length > 0
          ? {
              tables: page.map((t) => ({
                kind: 'bigquery#table',
                id: `${this.store.projectId}:${t.dataset}.${t.table}`,
                tableReference: { projectId: this.store.projectId, datasetId: t.dataset, tableId: t.table },
                type: 'TABLE',
                creationTime: String(t.creationTime),
                ...(t.timePartitioning !== undefined ? { timePartitioning: t.timePartitioning } : {}),
                ...(t.clustering !== undefined ? { clustering: t.clustering } : {}),
                ...(t.labels !== undefined ? { labels: t.labels } : {}),
              })),
            }
          : {}),
        ...(next !== undefined ? { nextPageToken: next } : {}),
      },
    };
  }

  private async listTableData(datasetId: string, tableId: string, query: Record<string, string>): Promise<Answer> {
    const meta = this.tableMeta(datasetId, tableId);
    const [, decorator] = splitDecorator(tableId);
    if (decorator !== undefined) throw new BigQueryApiError(400, 'invalid', 'tabledata.list of a partition decorator is not supported by the BigQuery double');
    const offset = query.pageToken !== undefined ? decodeToken(query.pageToken) : Number(query.startIndex ?? 0);
    const limit = query.maxResults !== undefined ? Number(query.maxResults) : undefined;
    const selected = query.selectedFields?.split(',').map((s) => s.trim().toLowerCase());
    const stats = await this.store.exclusive(() => this.store.tableStats(meta));
    const rows = await this.store.exclusive(() => this.runner.tablePage({ dataset: datasetId, table: meta.table }, offset, limit, int64Timestamps(query), selected));
    const end = offset + rows.length;
    return {
      body: {
        kind: 'bigquery#tableDataList',
        etag: `"${meta.version}"`,
        totalRows: String(stats.rows),
        ...(rows.length > 0 ? { rows } : {}),
        ...(end < stats.rows && limit !== undefined ? { pageToken: encodeToken(end) } : {}),
      },
    };
  }

  private async insertAll(datasetId: string, tableId: string, body: Record<string, unknown>): Promise<Answer> {
    const meta = this.store.table(datasetId, tableId);
    const rows = ((body.rows as Array<{ json?: Record<string, unknown> }> | undefined) ?? []).map((r) => r.json ?? {});
    if (rows.length > 0) {
      await this.store.exclusive(async () => {
        const columns = meta.schema.map((f) => f.name);
        const values = rows.map((row) => `(${columns.map((c) => jsonLiteral(row[c])).join(', ')})`).join(', ');
        const select = `SELECT ${meta.schema.map((f, i) => `CAST(${jsonCast(`col${i}`, f)} AS ${duckDbType(f)}) AS "${f.name.replace(/"/g, '""')}"`).join(', ')} FROM (VALUES ${values}) AS v(${columns.map((_, i) => `col${i}`).join(', ')})`;
        await this.store.connection.run(`INSERT INTO ${this.store.qualified(datasetId, tableId)} BY NAME ${select}`);
        meta.version += 1;
        meta.lastModifiedTime = Date.now();
      });
    }
    return { body: { kind: 'bigquery#tableDataInsertAllResponse' } };
  }

  // --- jobs -----------------------------------------------------------------------------------------
  private jobResource(job: JobRecord): unknown {
    return {
      kind: 'bigquery#job',
      etag: `"${job.jobId}"`,
      id: `${this.store.projectId}:${job.location}.${job.jobId}`,
      selfLink: `/bigquery/v2/projects/${this.store.projectId}/jobs/${job.jobId}?location=${job.location}`,
      user_email: 'quarry-test@double.local',
      jobReference: { projectId: this.store.projectId, jobId: job.jobId, location: job.location },
      configuration: { ...job.configuration, jobType: job.kind.toUpperCase() },
      statistics: job.statistics,
      status: job.status,
    };
  }

  private async insertJob(body: Record<string, unknown>): Promise<Answer> {
    const job = this.newJob(body);
    if (!job.dryRun) this.jobs.set(job.jobId, job);
    // The insert answers when the job is done, or RUNNING when its statement still executes a moment
    // (EXECUTING_GRACE_MS) after it started; errors found before it executes are the insert's own HTTP errors.
    let executing!: () => void;
    const started = new Promise<'executing'>((resolve) => {
      executing = () => resolve('executing');
    });
    job.onExecuting = () => {
      job.status = { state: 'RUNNING' };
      executing();
    };
    const finished = this.execute(job);
    job.done = finished.then(() => undefined, () => undefined);
    let first = await Promise.race([finished, started]);
    if (first === 'executing') first = await Promise.race([finished, new Promise<'executing'>((resolve) => setTimeout(() => resolve('executing'), EXECUTING_GRACE_MS).unref())]);
    if (first === 'executing') {
      this.jobs.set(job.jobId, job);
      return { body: this.jobResource(job) };
    }
    if (first?.atInsert === true) throw first;
    return { body: this.jobResource(job) };
  }

  private newJob(body: Record<string, unknown>, fromQueryEndpoint?: Record<string, unknown>): JobRecord {
    const reference = (body.jobReference ?? {}) as { jobId?: string; location?: string; projectId?: string };
    const configuration = (fromQueryEndpoint ?? body.configuration ?? {}) as Record<string, unknown>;
    const kinds = (['query', 'load', 'copy', 'extract'] as const).filter((k) => configuration[k] !== undefined);
    if (kinds.length !== 1) throw new BigQueryApiError(400, 'invalid', 'Job configuration must hold exactly one of query, load, copy, extract');
    const dryRun = configuration.dryRun === true;
    const jobId = reference.jobId ?? `job_${randomUUID().replace(/-/g, '_')}`;
    if (!/^[A-Za-z0-9_-]{1,1024}$/.test(jobId)) throw new BigQueryApiError(400, 'invalid', `Invalid job ID "${jobId}". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.`);
    const location = reference.location ?? this.location;
    if (!dryRun && this.jobs.has(jobId)) throw new BigQueryApiError(409, 'duplicate', `Already Exists: Job ${this.store.projectId}:${location}.${jobId}`);
    const labels = (configuration.labels ?? {}) as Record<string, string>;
    for (const [key, value] of Object.entries(labels)) {
      if (!/^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u.test(key) || !/^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u.test(String(value))) {
        throw new BigQueryApiError(400, 'invalid', `Invalid label ${key}: ${value}. Label keys and values must be at most 63 characters of lowercase letters, digits, underscores and dashes; keys start with a letter.`);
      }
    }
    return { jobId, kind: kinds[0]!, location, labels, dryRun, configuration, statistics: {}, status: { state: 'PENDING' }, bytesProcessed: 0, bytesBilled: 0 };
  }

  // Runs a job and records it; returns the failure (if any) for the caller to answer with.
  private async execute(job: JobRecord): Promise<JobFailure | undefined> {
    let failure: JobFailure | undefined;
    try {
      await this.runner.run(job);
    } catch (error) {
      if (!(error instanceof JobFailure)) throw error;
      failure = error;
    }
    job.status = { ...job.status, state: 'DONE' };
    if (!job.dryRun) this.jobs.set(job.jobId, job);
    this.jobList.push({
      id: job.jobId,
      kind: job.kind,
      labels: job.labels,
      dryRun: job.dryRun,
      bytesProcessed: job.bytesProcessed,
      bytesBilled: job.bytesBilled,
      ...(job.status.errorResult !== undefined ? { error: job.status.errorResult.reason } : {}),
    });
    return failure;
  }

  private listJobs(query: Record<string, string>): Answer {
    const all = [...this.jobs.values()].reverse();
    const { page, next } = paginate(all, query);
    return {
      body: {
        kind: 'bigquery#jobList',
        jobs: page.map((j) => ({ ...(this.jobResource(j) as object), state: j.status.state })),
        ...(next !== undefined ? { nextPageToken: next } : {}),
      },
    };
  }

  private async syncQuery(body: Record<string, unknown>): Promise<Answer> {
    const { query, queryParameters, parameterMode, useLegacySql, defaultDataset, maximumBytesBilled, labels, dryRun, location, maxResults } = body;
    const configuration: Record<string, unknown> = {
      query: {
        query,
        useLegacySql: useLegacySql ?? true,
        ...(queryParameters !== undefined ? { queryParameters } : {}),
        ...(parameterMode !== undefined ? { parameterMode } : {}),
        ...(defaultDataset !== undefined ? { defaultDataset } : {}),
        ...(maximumBytesBilled !== undefined ? { maximumBytesBilled } : {}),
      },
      ...(labels !== undefined ? { labels } : {}),
      ...(dryRun === true ? { dryRun: true } : {}),
    };
    const job = this.newJob({ jobReference: location !== undefined ? { location } : {} }, configuration);
    const failure = await this.execute(job);
    if (failure !== undefined) throw failure;
    const answer = await this.resultsBody(job, { ...(maxResults !== undefined ? { maxResults: String(maxResults) } : {}), 'formatOptions.useInt64Timestamp': String((body.formatOptions as { useInt64Timestamp?: boolean } | undefined)?.useInt64Timestamp ?? false) });
    return { body: { ...(answer as object), kind: 'bigquery#queryResponse' } };
  }

  private async getQueryResults(jobId: string, query: Record<string, string>): Promise<Answer> {
    const job = this.jobs.get(jobId);
    if (job === undefined) throw new BigQueryApiError(404, 'notFound', `Not found: Job ${this.store.projectId}:${query.location ?? this.location}.${jobId}`);
    if (job.status.state !== 'DONE' && job.done !== undefined) {
      const wait = Math.min(Number(query.timeoutMs ?? 10_000), 10_000);
      await Promise.race([job.done, new Promise((resolve) => setTimeout(resolve, wait).unref())]);
      // (the job's state changed while waiting)
      if ((job.status.state as string) !== 'DONE') {
        return { body: { kind: 'bigquery#getQueryResultsResponse', jobReference: { projectId: this.store.projectId, jobId: job.jobId, location: job.location }, jobComplete: false } };
      }
    }
    if (job.status.errorResult !== undefined) {
      const e = job.status.errorResult;
      throw new BigQueryApiError(e.reason === 'notFound' ? 404 : 400, e.reason, e.message, e.location);
    }
    if (job.kind !== 'query') throw new BigQueryApiError(400, 'invalid', `Job ${jobId} is a ${job.kind} job, not a query: it has no query results`);
    return { body: await this.resultsBody(job, query) };
  }

  private async resultsBody(job: JobRecord, query: Record<string, string>): Promise<unknown> {
    const base = {
      kind: 'bigquery#getQueryResultsResponse',
      etag: `"${job.jobId}"`,
      jobReference: { projectId: this.store.projectId, jobId: job.jobId, location: job.location },
      jobComplete: true,
      cacheHit: false,
      totalBytesProcessed: String(job.bytesProcessed),
      ...(job.numDmlAffectedRows !== undefined ? { numDmlAffectedRows: String(job.numDmlAffectedRows) } : {}),
    };
    if (job.result === undefined) return job.dryRun ? base : { ...base, totalRows: '0' };
    const offset = query.pageToken !== undefined ? decodeToken(query.pageToken) : Number(query.startIndex ?? 0);
    const limit = query.maxResults !== undefined ? Number(query.maxResults) : undefined;
    const rows = limit === 0 ? [] : await this.runner.resultPage(job, offset, limit, int64Timestamps(query));
    const end = offset + rows.length;
    return {
      ...base,
      schema: { fields: job.result.schema },
      totalRows: String(job.result.rows),
      ...(rows.length > 0 ? { rows } : {}),
      ...(end < job.result.rows && limit !== undefined ? { pageToken: encodeToken(end) } : {}),
    };
  }
}

function int64Timestamps(query: Record<string, string>): boolean {
  return query['formatOptions.useInt64Timestamp'] === 'true' || query['formatOptions.timestampOutputFormat'] === 'INT64';
}

function paginate<T>(all: T[], query: Record<string, string>): { page: T[]; next?: string } {
  const offset = query.pageToken !== undefined ? decodeToken(query.pageToken) : 0;
  const size = query.maxResults !== undefined ? Number(query.maxResults) : PAGE_SIZE_DEFAULT;
  const page = all.slice(offset, offset + size);
  return offset + size < all.length ? { page, next: encodeToken(offset + size) } : { page };
}

function encodeToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeToken(token: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (match === null) throw new BigQueryApiError(400, 'invalid', `Invalid page token ${token}`);
  return Number(match[1]);
}

function jsonLiteral(value: unknown): string {
  if (value === undefined || value === null) return 'NULL';
  return `'${JSON.stringify(value).replace(/'/g, "''")}'::JSON`;
}

function jsonCast(column: string, field: BqField): string {
  const type = field.type.toUpperCase();
  if ((field.mode ?? '').toUpperCase() === 'REPEATED' || type === 'RECORD' || type === 'STRUCT' || type === 'JSON') return column;
  if (type === 'TIMESTAMP') return `CASE WHEN json_type(${column}) IN ('DOUBLE', 'BIGINT', 'UBIGINT') THEN to_timestamp(CAST(${column} AS DOUBLE)) ELSE CAST(${column} ->> '$' AS TIMESTAMPTZ) END`;
  return `${column} ->> '$'`;
}

