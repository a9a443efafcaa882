/**
 * The engine conformance suite against the BigQuery engine, driven through the real
 * `@google-cloud/bigquery` client to the BigQuery REST double, with the lake in the GCS double (real
 * `@google-cloud/storage` client); then BigQuery-specific behaviour the suite cannot state.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { bigquery, defineAsset, defineSourceAsset, type AssetDefinition, type BigQueryEngineTarget, type PartitionScope } from '../../packages/core/src/definitions/index.ts';
import { createBigQueryClient, createBigQueryEngine, type BigQueryClientLike, type BigQueryEngine } from '../../packages/core/src/engines/bigquery/index.ts';
import { createDuckDbEngine, type DuckDbEngine, type InputRelation } from '../../packages/core/src/engines/index.ts';
import { isQuarryError } from '../../packages/core/src/errors.ts';
import { dailyPartitions, staticPartitions } from '../../packages/core/src/partitions/index.ts';
import { createGcsObjectStore } from '../../packages/core/src/storage/gcs/index.ts';
import type { ObjectStore } from '../../packages/core/src/storage/index.ts';
import { startBigQueryDouble, type BigQueryDouble } from '../doubles/bigquery-double.ts';
import { startGcsDouble, type GcsDouble } from '../doubles/gcs-double.ts';
import { dayScope, engineSuite } from './engine-suite.ts';

const PROJECT = 'quarry-test';
const DATASET = 'quarry';
const TOKEN = 'test-token';

interface Doubles {
  readonly bq: BigQueryDouble;
  readonly gcs: GcsDouble;
  readonly store: ObjectStore;
  readonly target: BigQueryEngineTarget;
  readonly engine: BigQueryEngine;
  readonly duckdb: DuckDbEngine;
  readonly dir: string;
  cleanup(): Promise<void>;
}

/** Creates a dataset through the real client (the engine never creates datasets). */
async function createDataset(target: BigQueryEngineTarget, id: string): Promise<void> {
  const client = createBigQueryClient(target, TOKEN) as unknown as { createDataset(id: string, options?: Record<string, unknown>): Promise<unknown> };
  await client.createDataset(id, { location: target.location ?? 'US' });
}

async function startDoubles(options: { target?: Partial<BigQueryEngineTarget>; client?: (real: BigQueryClientLike) => BigQueryClientLike } = {}): Promise<Doubles> {
  const gcs = await startGcsDouble({ buckets: ['quarry-lake'] });
  const bq = await startBigQueryDouble({ projectId: PROJECT, objects: gcs.objects });
  const dir = await mkdtemp(join(tmpdir(), 'quarry-engine-bq-'));
  const store = createGcsObjectStore({ bucket: 'quarry-lake', prefix: 'lake/', apiEndpoint: gcs.url, accessToken: TOKEN });
  const target = bigquery({ projectId: PROJECT, dataset: DATASET, location: 'US', apiEndpoint: bq.url, ...options.target });
  await createDataset(target, DATASET);
  const real = createBigQueryClient(target, TOKEN);
  const engine = await createBigQueryEngine({ target, store, accessToken: TOKEN, client: options.client === undefined ? real : options.client(real), pollIntervalMs: { first: 5, max: 50 } });
  const duckdb = await createDuckDbEngine({ store, threads: 1, tempDir: dir });
  return {
    bq,
    gcs,
    store,
    target,
    engine,
    duckdb,
    dir,
    cleanup: async () => {
      await engine.close();
      await duckdb.close();
      await bq.close();
      await gcs.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

engineSuite('bigquery (REST double, GCS double)', async () => {
  const d = await startDoubles();
  return { engine: d.engine, store: d.store, capabilities: d.engine.capabilities, computeEngine: d.duckdb, cleanup: d.cleanup };
});

// BigQuery-specific behaviour.

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const rawEvents = defineSourceAsset({ key: 'raw/events' });
const daily = dailyPartitions({ start: '2026-01-01' });

function events(day: string, count: number, firstId: number) {
  return Array.from({ length: count }, (_, i) => ({ id: firstId + i, category: i % 2 === 0 ? 'a' : 'b', amount: i + 0.5, happened_at: `${day}T${String(i % 24).padStart(2, '0')}:00:00.000Z` }));
}

const EVENT_SCHEMA = z.object({ id: z.number().int(), category: z.string(), amount: z.number(), happened_at: z.iso.datetime() });

function materialize(engine: BigQueryEngine | DuckDbEngine, asset: AssetDefinition, scope: PartitionScope, inputs: InputRelation[] = [], extra: { split?: Parameters<BigQueryEngine['materialize']>[0]['split']; signal?: AbortSignal } = {}) {
  return engine.materialize({ asset, scope, inputs, outputPath: `${asset.key}/${Math.random().toString(36).slice(2)}.parquet`, runId: 'run-1', log: quiet, signal: extra.signal ?? new AbortController().signal, ...(extra.split !== undefined ? { split: extra.split } : {}) });
}

/** Upstream rows as a lake file (written by DuckDB into the GCS store, as a compute step would). */
async function lakeEvents(d: Doubles, rows: ReturnType<typeof events>): Promise<InputRelation> {
  const out = await materialize(d.duckdb, defineAsset({ key: 'raw/events', schema: EVENT_SCHEMA, compute: () => rows }), { keys: [''], firstKey: '', lastKey: '', start: undefined, end: undefined });
  return { name: 'events', assetKey: 'raw/events', files: out.files };
}

async function publish(d: Doubles, asset: AssetDefinition, day: string, files: string[]) {
  const scope = dayScope(day);
  return d.engine.publish({ asset, runId: 'run-1', partitions: [{ key: day, start: scope.start!, end: scope.end!, files }], signal: new AbortController().signal });
}

const stagingTables = (d: Doubles) => d.bq.tables(DATASET).filter((t) => t.startsWith('_quarry_staging_'));

test('bigquery: a partition step stages, publishes into table$YYYYMMDD, labels every job and reports its jobs; requests per step', async (t) => {
  const d = await startDoubles({ target: { maxBytesBilled: 1e12, labels: { Team: 'Data' } } });
  try {
    const input = await lakeEvents(d, [...events('2026-01-01', 2, 0), ...events('2026-01-02', 3, 10)]);
    // defineAsset does not read `cluster` yet (the dialect helper's part): set on the definition.
    const asset: AssetDefinition = { ...defineAsset({ key: 'marts/by_category', deps: { events: rawEvents }, partitions: daily, sql: 'select category, count(*) as n from events where happened_at >= $partition_start and happened_at < $partition_end group by category' }), cluster: ['category'] };
    const before = d.bq.requests.length;
    const jobsBefore = d.bq.jobs.length;
    const out = await materialize(d.engine, asset, dayScope('2026-01-02'), [input]);
    assert.equal(out.files.length, 1);
    assert.match(out.files[0]!, /^bigquery:quarry-test\.quarry\._quarry_staging_marts__by_category_run_1_[0-9a-f]{12}\$20260102$/);
    assert.equal(out.rowCount, 2);
    assert.deepEqual(out.columns.map((c) => [c.name, c.type]), [['category', 'STRING'], ['n', 'INT64']]);
    const published = await publish(d, asset, '2026-01-02', out.files);
    const requests = d.bq.requests.length - before;
    t.diagnostic(`BigQuery requests for one partition step, materialize to publish (first read of a lake input, so with its load job): ${requests}`);
    assert.deepEqual(published.map((p) => p.files), [['bigquery:quarry-test.quarry.marts__by_category$20260102']]);
    assert.deepEqual(stagingTables(d), []);
    assert.deepEqual(await d.bq.partitions(`${DATASET}.marts__by_category`), { '20260102': 2 });
    const table = d.bq.table(DATASET, 'marts__by_category')!;
    assert.deepEqual(table.timePartitioning, { type: 'DAY', field: '_quarry_partition_time' });
    assert.deepEqual(table.clustering, { fields: ['category'] });
    // Every job: a fresh quarry_<run>_<hash> id and the step's labels.
    const jobs = d.bq.jobs.slice(jobsBefore);
    assert.deepEqual(jobs.map((j) => j.kind), ['load', 'query', 'query', 'copy']);
    for (const job of jobs) {
      assert.match(job.id, /^quarry_run-1_[0-9a-f]{16}$/);
      assert.deepEqual(job.labels, { team: 'data', quarry_run: 'run-1', quarry_asset: 'marts_by_category', quarry_partition: '2026-01-02' });
    }
    assert.equal(new Set(jobs.map((j) => j.id)).size, jobs.length);
    assert.deepEqual(out.jobs!.map((j) => [j.kind, j.jobId]), jobs.slice(0, 3).map((j) => [j.kind, j.id]));
    assert.equal(out.jobs![1]!.bytesProcessed, jobs[1]!.bytesProcessed);
    assert.equal(out.jobs![1]!.bytesBilled, jobs[1]!.bytesBilled);
    assert.deepEqual(published[0]!.jobs!.map((j) => j.jobId), [jobs[3]!.id]);
    // maximumBytesBilled rides on every query job.
    const inserts = d.bq.requests.slice(before).filter((r) => r.method === 'POST' && r.path.endsWith('/jobs'));
    for (const insert of inserts) {
      const configuration = (insert.body as { configuration: Record<string, Record<string, unknown>> }).configuration;
      if (configuration['query'] !== undefined) assert.equal(configuration['query']['maximumBytesBilled'], '1000000000000');
    }
    // A second step over the same lake files reuses the loaded input table: no load job.
    const jobsBeforeSecond = d.bq.jobs.length;
    const requestsBeforeSecond = d.bq.requests.length;
    const second = await materialize(d.engine, asset, dayScope('2026-01-01'), [input]);
    await publish(d, asset, '2026-01-01', second.files);
    t.diagnostic(`BigQuery requests for the next partition step (input table reused, asset table exists): ${d.bq.requests.length - requestsBeforeSecond}: ${d.bq.requests.slice(requestsBeforeSecond).map((r) => `${r.method} ${r.path.split('/').slice(5).join('/')}`).join(', ')}`);
    assert.deepEqual(d.bq.jobs.slice(jobsBeforeSecond).map((j) => j.kind), ['query', 'query', 'copy']);
    // Downstream reads the published partitions through their locators.
    const rows = await d.engine.query('select category, n from mart order by category', { views: [{ name: 'mart', assetKey: 'marts/by_category', files: ['bigquery:quarry-test.quarry.marts__by_category$20260102'] }] });
    assert.deepEqual(rows.rows, [{ category: 'a', n: 2 }, { category: 'b', n: 1 }]);
  } finally {
    await d.cleanup();
  }
});

test('bigquery: a failed job is QUARRY_SQL_ERROR naming the asset, partition and job id, and leaves no staging table', async () => {
  const d = await startDoubles();
  try {
    const asset = defineAsset({ key: 'marts/broken', partitions: daily, sql: 'select nope from (select 1 as a)' });
    await assert.rejects(materialize(d.engine, asset, dayScope('2026-01-05')), (e: unknown) => {
      assert.ok(isQuarryError(e, 'QUARRY_SQL_ERROR'), String(e));
      assert.match(e.message, /Asset "marts\/broken" partition "2026-01-05".*job quarry_run-1_[0-9a-f]{16} failed: .*nope/);
      return true;
    });
    assert.deepEqual(stagingTables(d), []);
    assert.deepEqual(d.bq.tables(DATASET), []);
  } finally {
    await d.cleanup();
  }
});

test('bigquery: a range step splits by the partition column into one staged partition each, with per-partition data versions', async () => {
  const d = await startDoubles();
  try {
    const input = await lakeEvents(d, [...events('2026-01-01', 2, 0), ...events('2026-01-02', 3, 10), ...events('2026-01-03', 1, 20)]);
    const asset = defineAsset({ key: 'marts/events', deps: { events: rawEvents }, partitions: daily, sql: 'select id, happened_at from events where happened_at >= $partition_start and happened_at < $partition_end' });
    const scope = dayScope('2026-01-01', '2026-01-03');
    const split = { column: 'happened_at', partitions: scope.keys.map((key) => ({ key, outputPath: `marts/events/${key}.parquet`, ...dayScopeBounds(key) })) };
    const out = await materialize(d.engine, asset, scope, [input], { split });
    assert.deepEqual(out.partitions!.map((p) => [p.key, p.rowCount]), [['2026-01-01', 2], ['2026-01-02', 3], ['2026-01-03', 1]]);
    assert.deepEqual(out.partitions!.map((p) => p.files[0]!.slice(-9)), ['$20260101', '$20260102', '$20260103']);
    // A step of one partition alone writing the same rows gets the same data version.
    const alone = await materialize(d.engine, asset, dayScope('2026-01-02'), [input]);
    assert.equal(alone.dataVersion, out.partitions![1]!.dataVersion);
    await d.engine.discard([...out.files, ...alone.files]);
    assert.deepEqual(stagingTables(d), []);
    // A row outside the range fails the step, naming the value; nothing stays staged.
    const everything = defineAsset({ key: 'marts/events', deps: { events: rawEvents }, partitions: daily, sql: 'select id, happened_at from events' });
    const narrow = dayScope('2026-01-01', '2026-01-02');
    await assert.rejects(
      materialize(d.engine, everything, narrow, [input], { split: { column: 'happened_at', partitions: narrow.keys.map((key) => ({ key, outputPath: `x/${key}`, ...dayScopeBounds(key) })) } }),
      (e: unknown) => isQuarryError(e, 'QUARRY_BAD_ROW_PLACEMENT') && e.message.includes('"happened_at"') && e.message.includes('2026-01-03'),
    );
    assert.deepEqual(stagingTables(d), []);
  } finally {
    await d.cleanup();
  }
});

function dayScopeBounds(key: string) {
  const scope = dayScope(key);
  return { start: scope.start!, end: scope.end! };
}

test('bigquery: dry runs estimate bytes, or say why they cannot', async () => {
  const d = await startDoubles();
  try {
    const upstream = defineAsset({ key: 'raw/daily', partitions: daily, sql: "select 1 as id, 'x' as label" });
    const staged = await materialize(d.engine, upstream, dayScope('2026-01-01'));
    const [published] = await publish(d, upstream, '2026-01-01', staged.files);
    const asset = defineAsset({ key: 'marts/ids', deps: { daily: upstream }, partitions: daily, sql: 'select id from daily' });
    const request = (files: string[]) => ({ asset, scope: dayScope('2026-01-01'), inputs: [{ name: 'daily', assetKey: 'raw/daily', files }], outputPath: 'x', runId: 'run-1', log: quiet, signal: new AbortController().signal });
    const estimate = await d.engine.dryRun(request(published!.files));
    assert.equal(typeof estimate.bytesProcessed, 'number');
    const jobs = d.bq.jobs.filter((j) => j.dryRun);
    assert.equal(jobs.length, 1);
    assert.equal(estimate.bytesProcessed, jobs[0]!.bytesProcessed);
    const missing = await d.engine.dryRun(request(['bigquery:quarry-test.quarry.raw__nothing$20260101']));
    assert.equal(missing.bytesProcessed, undefined);
    assert.match(missing.note ?? '', /does not exist yet/);
    const lake = await d.engine.dryRun({ ...request([]), inputs: [{ name: 'daily', assetKey: 'raw/daily', files: ['raw/daily/2026-01-01/v1.parquet'] }] });
    assert.equal(lake.bytesProcessed, undefined);
    assert.match(lake.note ?? '', /loaded from the lake/);
  } finally {
    await d.cleanup();
  }
});

test('bigquery: vacuum drops staging and input tables a live run does not keep', async () => {
  const d = await startDoubles();
  try {
    const input = await lakeEvents(d, events('2026-01-01', 2, 0));
    const asset = defineAsset({ key: 'marts/ids', deps: { events: rawEvents }, partitions: daily, sql: 'select id from events' });
    const kept = await materialize(d.engine, asset, dayScope('2026-01-01'), [input]);
    const left = await materialize(d.engine, asset, dayScope('2026-01-02'), [input]);
    const names = (files: string[]) => files.map((f) => f.slice('bigquery:'.length).split('$')[0]!);
    const preview = await d.engine.vacuum({ keep: new Set(kept.files), dryRun: true });
    assert.equal(preview.dropped.length, 2);
    assert.ok(preview.dropped.includes(names(left.files)[0]!));
    assert.ok(preview.dropped.some((t) => t.startsWith('quarry-test.quarry._quarry_input_')));
    assert.equal(d.bq.tables(DATASET).length, 3, 'a dry run drops nothing');
    const report = await d.engine.vacuum({ keep: new Set(kept.files) });
    assert.deepEqual(report.dropped, preview.dropped);
    assert.deepEqual(d.bq.tables(DATASET), [names(kept.files)[0]!.split('.')[2]!]);
  } finally {
    await d.cleanup();
  }
});

test('bigquery: exportToStore extracts published partitions to Parquet in the store, which DuckDB reads', async () => {
  const d = await startDoubles();
  try {
    const asset = defineAsset({ key: 'raw/daily', partitions: daily, sql: "select 7 as id, 'x' as label" });
    const staged = await materialize(d.engine, asset, dayScope('2026-01-03'));
    const [published] = await publish(d, asset, '2026-01-03', staged.files);
    const paths = await d.engine.exportToStore(published!.files, 'exports/run-1/');
    assert.ok(paths.length >= 1);
    for (const path of paths) assert.ok(path.startsWith('exports/run-1/raw__daily-20260103-') && path.endsWith('.parquet'), path);
    const rows = await d.duckdb.query('select id, label from daily', { views: [{ name: 'daily', assetKey: 'raw/daily', files: paths }] });
    assert.deepEqual(rows.rows, [{ id: 7, label: 'x' }]);
  } finally {
    await d.cleanup();
  }
});

test('bigquery: a duplicate job id after a retried insert fetches the job instead of failing', async () => {
  let replays = 0;
  const d = await startDoubles({
    // The client's retry of an insert BigQuery had accepted: the same insert again, answered 409.
    client: (real) => ({
      job: (id, options) => real.job(id, options),
      dataset: (id, options) => real.dataset(id, options),
      createJob: async (options) => {
        await real.createJob(options);
        replays++;
        return real.createJob(options);
      },
    }),
  });
  try {
    const out = await materialize(d.engine, defineAsset({ key: 'marts/one', sql: 'select 1 as a' }), { keys: [''], firstKey: '', lastKey: '', start: undefined, end: undefined });
    assert.equal(out.rowCount, 1);
    assert.ok(replays >= 2);
    assert.equal(new Set(d.bq.jobs.map((j) => j.id)).size, d.bq.jobs.length, 'each job ran once');
  } finally {
    await d.cleanup();
  }
});

test('bigquery: a missing dataset, missing credentials and unsupported partitions are clear errors', async () => {
  const d = await startDoubles();
  const saved = { token: process.env['QUARRY_GCP_ACCESS_TOKEN'], adc: process.env['GOOGLE_APPLICATION_CREDENTIALS'], metadata: process.env['METADATA_SERVER_DETECTION'] };
  try {
    const asset = defineAsset({ key: 'marts/one', sql: 'select 1 as a' });
    const unpartitioned = { keys: [''], firstKey: '', lastKey: '', start: undefined, end: undefined };
    const missing = await createBigQueryEngine({ target: { ...d.target, dataset: 'nope', location: 'EU' }, store: d.store, accessToken: TOKEN });
    await assert.rejects(
      materialize(missing, asset, unpartitioned),
      (e: unknown) => isQuarryError(e, 'QUARRY_BIGQUERY_DATASET_MISSING') && e.message.includes('quarry-test.nope') && e.message.includes('bq mk --location=EU --dataset quarry-test:nope'),
    );
    // No token and no Application Default Credentials (a key file that is not there; no metadata server).
    delete process.env['QUARRY_GCP_ACCESS_TOKEN'];
    process.env['GOOGLE_APPLICATION_CREDENTIALS'] = join(d.dir, 'no-such-key.json');
    process.env['METADATA_SERVER_DETECTION'] = 'none';
    const anonymous = await createBigQueryEngine({ target: d.target, store: d.store });
    await assert.rejects(
      materialize(anonymous, asset, unpartitioned),
      (e: unknown) => isQuarryError(e, 'QUARRY_CLOUD_CREDENTIALS') && e.message.includes('gcloud auth application-default login') && e.message.includes('QUARRY_GCP_ACCESS_TOKEN'),
    );
    const byRegion = defineAsset({ key: 'marts/regions', partitions: staticPartitions(['us', 'eu']), sql: 'select 1 as a' });
    await assert.rejects(
      materialize(d.engine, byRegion, { keys: ['us'], firstKey: 'us', lastKey: 'us', start: undefined, end: undefined }),
      (e: unknown) => isQuarryError(e, 'QUARRY_BIGQUERY_UNSUPPORTED') && e.message.includes('marts/regions') && e.message.includes("engine: 'duckdb'"),
    );
    const compute = defineAsset({ key: 'marts/ts', compute: () => [{ a: 1 }] });
    await assert.rejects(materialize(d.engine, compute, unpartitioned), (e: unknown) => isQuarryError(e, 'QUARRY_BIGQUERY_UNSUPPORTED') && e.message.includes('marts/ts'));
  } finally {
    for (const [key, value] of [['QUARRY_GCP_ACCESS_TOKEN', saved.token], ['GOOGLE_APPLICATION_CREDENTIALS', saved.adc], ['METADATA_SERVER_DETECTION', saved.metadata]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await d.cleanup();
  }
});
