// The BigQuery double, driven by the real @google-cloud/bigquery client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BigQuery, type Table } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBigQueryDouble, type BigQueryDouble } from './bigquery-double.ts';
import { memoryBlobAccess } from './blob-access.ts';
import { checkRequestShapes } from './bigquery-double-fixture.ts';

const PROJECT = 'quarry-test';
let double: BigQueryDouble;
let bigquery: BigQuery;

function client(url: string): BigQuery {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'test-token' });
  return new BigQuery({ projectId: PROJECT, apiEndpoint: url, authClient, location: 'EU' });
}

before(async () => {
  double = await startBigQueryDouble({ projectId: PROJECT, location: 'EU', objects: memoryBlobAccess() });
  bigquery = client(double.url);
});

after(async () => {
  await double?.close();
});

const DAILY_SCHEMA = [
  { name: 'video_id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'views', type: 'INT64' },
  { name: '_quarry_partition_time', type: 'TIMESTAMP' },
];

async function dailyTable(dataset: string, name: string): Promise<Table> {
  const [table] = await bigquery.dataset(dataset).createTable(name, {
    schema: DAILY_SCHEMA,
    timePartitioning: { type: 'DAY', field: '_quarry_partition_time' },
    clustering: { fields: ['video_id'] },
  });
  return table;
}

const SOURCE_SQL = `
  SELECT video_id, views, TIMESTAMP_TRUNC(TIMESTAMP(day), DAY) AS _quarry_partition_time
  FROM UNNEST([
    STRUCT('v1' AS video_id, 10 AS views, '2024-01-01' AS day),
    STRUCT('v2' AS video_id, 20 AS views, '2024-01-01' AS day),
    STRUCT('v3' AS video_id, 30 AS views, '2024-01-02' AS day)
  ])`;

test('a request without a bearer token is 401, BigQuery-shaped', async () => {
  const response = await fetch(`${double.url}/bigquery/v2/projects/${PROJECT}/datasets`);
  assert.equal(response.status, 401);
  const body = (await response.json()) as { error: { code: number; errors: Array<{ reason: string }> } };
  assert.equal(body.error.code, 401);
  assert.equal(body.error.errors[0]!.reason, 'required');
});

test('datasets: create, get, list, delete', async () => {
  const [dataset] = await bigquery.createDataset('ds_life', { location: 'EU' });
  const [metadata] = await dataset.getMetadata();
  assert.equal(metadata.location, 'EU');
  assert.equal(metadata.datasetReference.datasetId, 'ds_life');
  const [datasets] = await bigquery.getDatasets();
  assert.ok(datasets.some((d) => d.id === 'ds_life'));
  await assert.rejects(bigquery.createDataset('ds_life'), (e: { code?: number }) => e.code === 409);
  await dataset.delete({ force: true });
  const [exists] = await bigquery.dataset('ds_life').exists();
  assert.equal(exists, false);
});

test('tables: create with schema, partitioning and clustering; get; list with page tokens; delete', async () => {
  await bigquery.createDataset('tables_ds');
  await dailyTable('tables_ds', 'videos');
  for (const name of ['b', 'c', 'd']) await bigquery.dataset('tables_ds').createTable(name, { schema: [{ name: 'x', type: 'STRING' }] });
  const [metadata] = await bigquery.dataset('tables_ds').table('videos').getMetadata();
  assert.deepEqual(metadata.timePartitioning, { type: 'DAY', field: '_quarry_partition_time' });
  assert.deepEqual(metadata.clustering, { fields: ['video_id'] });
  assert.deepEqual(
    metadata.schema.fields.map((f: { name: string; type: string; mode: string }) => [f.name, f.type, f.mode]),
    [
      ['video_id', 'STRING', 'REQUIRED'],
      ['views', 'INTEGER', 'NULLABLE'],
      ['_quarry_partition_time', 'TIMESTAMP', 'NULLABLE'],
    ],
  );
  assert.equal(metadata.numRows, '0');
  const [page1, next] = await bigquery.dataset('tables_ds').getTables({ maxResults: 3, autoPaginate: false });
  assert.deepEqual(page1.map((t) => t.id), ['b', 'c', 'd']);
  assert.ok(next !== null && next !== undefined && typeof (next as { pageToken?: string }).pageToken === 'string');
  const [page2] = await bigquery.dataset('tables_ds').getTables({ ...(next as object), autoPaginate: false });
  assert.deepEqual(page2.map((t) => t.id), ['videos']);
  await bigquery.dataset('tables_ds').table('b').delete();
  assert.deepEqual(double.tables('tables_ds'), ['c', 'd', 'videos']);
});

test('a query job writes a partitioned, clustered destination; jobs.get has its statistics and labels', async () => {
  await bigquery.createDataset('q_ds');
  const [job] = await bigquery.createQueryJob({
    query: SOURCE_SQL,
    destination: bigquery.dataset('q_ds').table('videos'),
    writeDisposition: 'WRITE_TRUNCATE',
    timePartitioning: { type: 'DAY', field: '_quarry_partition_time' },
    clustering: { fields: ['video_id'] },
    jobId: 'quarry_run1_abc',
    labels: { quarry_run: 'run1', quarry_asset: 'raw__videos', quarry_partition: '2024-01-01' },
  });
  const [metadata] = await job.getMetadata();
  assert.equal(metadata.status.state, 'DONE');
  assert.equal(metadata.status.errorResult, undefined);
  assert.equal(metadata.jobReference.jobId, 'quarry_run1_abc');
  assert.equal(metadata.configuration.labels.quarry_asset, 'raw__videos');
  assert.ok(Number(metadata.statistics.query.totalBytesBilled) >= 0);
  assert.deepEqual(await double.partitions('q_ds.videos'), { '20240101': 2, '20240102': 1 });
  const [table] = await bigquery.dataset('q_ds').table('videos').getMetadata();
  assert.deepEqual(table.timePartitioning, { type: 'DAY', field: '_quarry_partition_time' });
  assert.deepEqual(table.clustering, { fields: ['video_id'] });
  assert.equal(table.numRows, '3');
  // STRING 2+2 bytes ×3, INT64 8 ×3, TIMESTAMP 8 ×3
  assert.equal(table.numBytes, String(3 * 4 + 3 * 8 + 3 * 8));
  const recorded = double.jobs.find((j) => j.id === 'quarry_run1_abc');
  assert.deepEqual(recorded?.labels, { quarry_run: 'run1', quarry_asset: 'raw__videos', quarry_partition: '2024-01-01' });
  assert.equal(recorded?.kind, 'query');
});

test('query parameters (named, typed) and results through bigquery.query', async () => {
  await bigquery.createDataset('p_ds');
  await bigquery.createQueryJob({ query: SOURCE_SQL, destination: bigquery.dataset('p_ds').table('videos'), timePartitioning: { type: 'DAY', field: '_quarry_partition_time' } }).then(([j]) => j.promise());
  const [rows] = await bigquery.query({
    query: `SELECT video_id, views, _quarry_partition_time AS t, DATE(_quarry_partition_time) AS d, @flag AS flag, @ratio AS ratio
            FROM \`${PROJECT}.p_ds.videos\`
            WHERE _quarry_partition_time IN UNNEST(@times) AND video_id IN UNNEST(@ids) AND views >= @min AND DATE(_quarry_partition_time) = @day AND video_id != @quote
            ORDER BY video_id`,
    params: {
      times: [bigquery.timestamp('2024-01-01T00:00:00Z')],
      ids: ['v1', 'v2', 'v3'],
      min: 15,
      day: bigquery.date('2024-01-01'),
      flag: true,
      ratio: 0.5,
      quote: "it's a \\ backslash",
    },
  });
  assert.equal(rows.length, 1);
  const row = rows[0] as { video_id: string; views: number; t: { value: string }; d: { value: string }; flag: boolean; ratio: number };
  assert.equal(row.video_id, 'v2');
  assert.equal(row.views, 20);
  assert.equal(row.t.value, '2024-01-01T00:00:00.000Z');
  assert.equal(row.d.value, '2024-01-01');
  assert.equal(row.flag, true);
  assert.equal(row.ratio, 0.5);
});

test('dry run bytes equal the run bytes, pruned by the partition filter; totalBytesBilled has the 10 MiB minimum', async () => {
  await bigquery.createDataset('dry_ds');
  await bigquery.createQueryJob({ query: SOURCE_SQL, destination: bigquery.dataset('dry_ds').table('videos'), timePartitioning: { type: 'DAY', field: '_quarry_partition_time' } }).then(([j]) => j.promise());
  const query = `SELECT video_id, views FROM dry_ds.videos WHERE _quarry_partition_time = TIMESTAMP '2024-01-01'`;
  const [dry] = await bigquery.createQueryJob({ query, dryRun: true });
  const dryBytes = Number(dry.metadata.statistics.totalBytesProcessed);
  // two rows of partition 20240101: video_id (2+2)×2 + views 8×2 (the partition column is only filtered: still read)
  assert.equal(dryBytes, 2 * 4 + 2 * 8 + 2 * 8);
  const [job] = await bigquery.createQueryJob({ query });
  const [metadata] = await job.getMetadata();
  assert.equal(Number(metadata.statistics.query.totalBytesProcessed), dryBytes);
  assert.equal(Number(metadata.statistics.query.totalBytesBilled), 10 * 1024 * 1024);
  const whole = await bigquery.createQueryJob({ query: 'SELECT video_id, views FROM dry_ds.videos', dryRun: true });
  assert.equal(Number(whole[0].metadata.statistics.totalBytesProcessed), 3 * 4 + 3 * 8);
});

test('maximumBytesBilled below the bill fails the job with bytesBilledLimitExceeded', async () => {
  await bigquery.createDataset('limit_ds');
  await bigquery.createQueryJob({ query: SOURCE_SQL, destination: bigquery.dataset('limit_ds').table('videos') }).then(([j]) => j.promise());
  await assert.rejects(
    bigquery.createQueryJob({ query: 'SELECT * FROM limit_ds.videos', maximumBytesBilled: '1000', jobId: 'limited_1' }),
    (e: { errors?: Array<{ reason: string }>; message: string }) => e.errors?.[0]?.reason === 'bytesBilledLimitExceeded' && /bytes billed/.test(e.message),
  );
  const [metadata] = await bigquery.job('limited_1', { location: 'EU' }).getMetadata();
  assert.equal(metadata.status.errorResult.reason, 'bytesBilledLimitExceeded');
});

test('getQueryResults pages with maxResults and pageToken', async () => {
  const [job] = await bigquery.createQueryJob({ query: 'SELECT x, CAST(x AS STRING) AS s FROM UNNEST(GENERATE_ARRAY(1, 25)) AS x ORDER BY x' });
  const [page1, next1, response1] = await job.getQueryResults({ maxResults: 10, autoPaginate: false });
  assert.deepEqual(page1.map((r) => (r as { x: number }).x), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal((response1 as { totalRows: string }).totalRows, '25');
  assert.ok(next1?.pageToken);
  const [page2, next2] = await job.getQueryResults({ ...next1, autoPaginate: false });
  assert.deepEqual(page2.map((r) => (r as { x: number }).x), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  const [page3, next3] = await job.getQueryResults({ ...next2, autoPaginate: false });
  assert.deepEqual(page3.map((r) => (r as { s: string }).s), ['21', '22', '23', '24', '25']);
  assert.equal(next3, null);
  const [all] = await job.getQueryResults();
  assert.equal(all.length, 25);
});

test('copy into a partition decorator replaces only that partition (WRITE_TRUNCATE)', async () => {
  await bigquery.createDataset('copy_ds');
  const target = await dailyTable('copy_ds', 'videos');
  await bigquery.createQueryJob({ query: SOURCE_SQL, destination: target, writeDisposition: 'WRITE_APPEND' }).then(([j]) => j.promise());
  const staging = await dailyTable('copy_ds', '_quarry_staging_videos_run2_x');
  await bigquery
    .createQueryJob({
      query: `SELECT 'v9' AS video_id, 99 AS views, TIMESTAMP '2024-01-01' AS _quarry_partition_time`,
      destination: staging,
      writeDisposition: 'WRITE_APPEND',
    })
    .then(([j]) => j.promise());
  // Labels go in configuration.labels: Table#createCopyJob would put them in configuration.copy, where
  // BigQuery ignores them, so a job with labels is made with createJob.
  const [job] = await bigquery.createJob({
    configuration: {
      copy: {
        sourceTables: [{ projectId: PROJECT, datasetId: 'copy_ds', tableId: '_quarry_staging_videos_run2_x$20240101' }],
        destinationTable: { projectId: PROJECT, datasetId: 'copy_ds', tableId: 'videos$20240101' },
        writeDisposition: 'WRITE_TRUNCATE',
      },
      labels: { quarry_run: 'run2' },
    },
    jobId: 'quarry_run2_copy',
  });
  await job.promise();
  const [metadata] = await job.getMetadata();
  assert.equal(metadata.statistics.copy.copiedRows, '1');
  const day1 = await double.rows('copy_ds.videos', '20240101');
  assert.deepEqual(day1.map((r) => [r.video_id, r.views]), [['v9', 99n]]);
  const day2 = await double.rows('copy_ds.videos', '20240102');
  assert.deepEqual(day2.map((r) => r.video_id), ['v3']);
  assert.equal(double.jobs.find((j) => j.id === 'quarry_run2_copy')?.kind, 'copy');
});

test('copy of rows outside the decorator partition fails the job', async () => {
  await bigquery.createDataset('copy_bad_ds');
  const source = await dailyTable('copy_bad_ds', 'src');
  await dailyTable('copy_bad_ds', 'dst');
  await bigquery.createQueryJob({ query: SOURCE_SQL, destination: source, writeDisposition: 'WRITE_APPEND' }).then(([j]) => j.promise());
  await assert.rejects(
    bigquery.dataset('copy_bad_ds').table('src').createCopyJob(bigquery.dataset('copy_bad_ds').table('dst$20240101'), { writeDisposition: 'WRITE_TRUNCATE' }),
    (e: { errors?: Array<{ reason: string }>; message: string }) => e.errors?.[0]?.reason === 'invalid' && /different partitions/.test(e.message),
  );
  assert.deepEqual(await double.partitions('copy_bad_ds.dst'), {});
});

test('a bad partition decorator is 400 invalid', async () => {
  await bigquery.createDataset('deco_ds');
  await dailyTable('deco_ds', 'a');
  await dailyTable('deco_ds', 'b');
  for (const decorator of ['20241301', '2024010', '2024-01-01', '2024010100']) {
    await assert.rejects(
      bigquery.dataset('deco_ds').table('a').createCopyJob(bigquery.dataset('deco_ds').table(`b$${decorator}`), { writeDisposition: 'WRITE_TRUNCATE' }),
      (e: { code?: number; errors?: Array<{ reason: string }> }) => e.code === 400 && e.errors?.[0]?.reason === 'invalid',
      decorator,
    );
  }
});

test('a duplicate job id is 409 duplicate', async () => {
  await bigquery.createQueryJob({ query: 'SELECT 1 AS x', jobId: 'dup_job_1' });
  await assert.rejects(bigquery.createQueryJob({ query: 'SELECT 2 AS x', jobId: 'dup_job_1' }), (e: { code?: number; errors?: Array<{ reason: string }> }) => e.code === 409 && e.errors?.[0]?.reason === 'duplicate');
});

test('writing to a missing dataset is 404 notFound; a missing table in a query is 404; SQL errors are 400 invalidQuery', async () => {
  await assert.rejects(
    bigquery.createQueryJob({ query: 'SELECT 1 AS x', destination: bigquery.dataset('no_such_ds').table('t') }),
    (e: { code?: number; errors?: Array<{ reason: string }>; message: string }) => e.code === 404 && e.errors?.[0]?.reason === 'notFound' && /no_such_ds/.test(e.message),
  );
  await assert.rejects(bigquery.dataset('no_such_ds').createTable('t', { schema: [{ name: 'x', type: 'STRING' }] }), (e: { code?: number }) => e.code === 404);
  await bigquery.createDataset('err_ds');
  await assert.rejects(bigquery.createQueryJob({ query: 'SELECT * FROM err_ds.missing' }), (e: { code?: number; message: string }) => e.code === 404 && /err_ds\.missing/.test(e.message));
  await assert.rejects(bigquery.createQueryJob({ query: 'SELECT nope FROM UNNEST([1]) AS x' }), (e: { code?: number; errors?: Array<{ reason: string }> }) => e.code === 400 && e.errors?.[0]?.reason === 'invalidQuery');
  await assert.rejects(bigquery.createQueryJob({ query: 'SELEC 1' }), (e: { code?: number; errors?: Array<{ reason: string }> }) => e.code === 400 && e.errors?.[0]?.reason === 'invalidQuery');
});

test('load from and extract to gs:// Parquet through the BlobAccess', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bq-double-test-'));
  try {
    // A Parquet file as a DuckDB step would write it, placed in the "bucket".
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const file = join(dir, 'in.parquet');
    await connection.run(`SET TimeZone = 'UTC'`);
    await connection.run(`COPY (SELECT * FROM (VALUES ('c1', 5::BIGINT, TIMESTAMPTZ '2024-02-01 00:00:00+00'), ('c2', 7::BIGINT, TIMESTAMPTZ '2024-02-02 00:00:00+00')) AS t(creator_id, n, _quarry_partition_time)) TO '${file}' (FORMAT PARQUET)`);
    connection.closeSync();
    instance.closeSync();
    await double.objects.write('lake', 'prefix/raw/creators/part-1.parquet', new Uint8Array(await readFile(file)));
    await bigquery.createDataset('load_ds');
    const [load] = await bigquery.createJob({
      configuration: {
        load: {
          sourceUris: ['gs://lake/prefix/raw/creators/*.parquet'],
          sourceFormat: 'PARQUET',
          destinationTable: { projectId: PROJECT, datasetId: 'load_ds', tableId: '_quarry_input_abc' },
          writeDisposition: 'WRITE_TRUNCATE',
          timePartitioning: { type: 'DAY', field: '_quarry_partition_time' },
        },
        labels: { quarry_run: 'run3' },
      },
      jobId: 'quarry_run3_load',
    });
    await load.promise();
    const [loadMeta] = await load.getMetadata();
    assert.equal(loadMeta.statistics.load.outputRows, '2');
    assert.equal(loadMeta.statistics.load.inputFiles, '1');
    const [table] = await bigquery.dataset('load_ds').table('_quarry_input_abc').getMetadata();
    assert.deepEqual(table.schema.fields.map((f: { name: string; type: string }) => [f.name, f.type]), [
      ['creator_id', 'STRING'],
      ['n', 'INTEGER'],
      ['_quarry_partition_time', 'TIMESTAMP'],
    ]);
    assert.deepEqual(await double.partitions('load_ds._quarry_input_abc'), { '20240201': 1, '20240202': 1 });

    const [extract] = await bigquery.createJob({
      configuration: {
        extract: {
          sourceTable: { projectId: PROJECT, datasetId: 'load_ds', tableId: '_quarry_input_abc$20240202' },
          destinationUris: ['gs://lake/export/creators/20240202/*.parquet'],
          destinationFormat: 'PARQUET',
        },
      },
    });
    await extract.promise();
    const names = await double.objects.list('lake', 'export/');
    assert.deepEqual(names, ['export/creators/20240202/000000000000.parquet']);
    const exported = join(dir, 'out.parquet');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(exported, (await double.objects.read('lake', names[0]!))!);
    const reader = await DuckDBInstance.create(':memory:');
    const c2 = await reader.connect();
    const rows = (await c2.runAndReadAll(`SELECT creator_id, n FROM read_parquet('${exported}')`)).getRowObjectsJS();
    c2.closeSync();
    reader.closeSync();
    assert.deepEqual(rows, [{ creator_id: 'c2', n: 7n }]);
    assert.equal(double.jobs.find((j) => j.id === 'quarry_run3_load')?.labels.quarry_run, 'run3');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the data version SQL the engine uses runs: FARM_FINGERPRINT over TO_JSON_STRING, NUMERIC sums mod 2^64', async () => {
  await bigquery.createDataset('dv_ds');
  await bigquery.createQueryJob({ query: SOURCE_SQL, destination: bigquery.dataset('dv_ds').table('videos') }).then(([j]) => j.promise());
  const sql = `SELECT COUNT(*) AS n, CAST(MOD(SUM(CAST(FARM_FINGERPRINT(TO_JSON_STRING(t)) AS BIGNUMERIC)), 18446744073709551616) AS STRING) AS h FROM dv_ds.videos AS t`;
  const [a] = await bigquery.query(sql);
  const [b] = await bigquery.query(`${sql} WHERE TRUE`);
  assert.equal((a[0] as { n: number }).n, 3);
  assert.equal((a[0] as { h: string }).h, (b[0] as { h: string }).h);
});

test('DDL: CREATE TABLE … PARTITION BY … CLUSTER BY AS SELECT, DROP TABLE IF EXISTS; INFORMATION_SCHEMA.PARTITIONS', async () => {
  await bigquery.createDataset('ddl_ds');
  await bigquery.query(`CREATE TABLE ddl_ds.t PARTITION BY TIMESTAMP_TRUNC(_quarry_partition_time, DAY) CLUSTER BY video_id AS ${SOURCE_SQL}`);
  assert.deepEqual(double.table('ddl_ds', 't')?.timePartitioning, { type: 'DAY', field: '_quarry_partition_time' });
  assert.deepEqual(double.table('ddl_ds', 't')?.clustering, { fields: ['video_id'] });
  assert.equal(double.table('ddl_ds', 't')?.schema.find((f) => f.name === '_quarry_partition_time')?.type, 'TIMESTAMP');
  await assert.rejects(bigquery.query(`CREATE TABLE ddl_ds.t AS SELECT 1 AS x`), (e: { code?: number }) => e.code === 409);
  await bigquery.query(`CREATE TABLE IF NOT EXISTS ddl_ds.empty (a STRING, ts TIMESTAMP) PARTITION BY DATE(ts)`);
  assert.deepEqual(double.table('ddl_ds', 'empty')?.timePartitioning, { type: 'DAY', field: 'ts' });
  const [partitions] = await bigquery.query(`SELECT table_name, partition_id, total_rows FROM \`${PROJECT}.ddl_ds.INFORMATION_SCHEMA.PARTITIONS\` WHERE table_name = 't' ORDER BY partition_id`);
  assert.deepEqual(partitions, [
    { table_name: 't', partition_id: '20240101', total_rows: 2 },
    { table_name: 't', partition_id: '20240102', total_rows: 1 },
  ]);
  const [inserted] = await bigquery.createQueryJob({ query: `INSERT INTO ddl_ds.t (video_id, views, _quarry_partition_time) VALUES ('v4', 1, TIMESTAMP '2024-01-03')` });
  const [insertMeta] = await inserted.getMetadata();
  assert.equal(insertMeta.statistics.query.numDmlAffectedRows, '1');
  await bigquery.query('DROP TABLE IF EXISTS ddl_ds.t');
  await bigquery.query('DROP TABLE IF EXISTS ddl_ds.t');
  await assert.rejects(bigquery.query('DROP TABLE ddl_ds.t'), (e: { code?: number }) => e.code === 404);
  assert.deepEqual(double.tables('ddl_ds'), ['empty']);
});

test('hourly and monthly decorators; WRITE_EMPTY into a non-empty partition is an error', async () => {
  await bigquery.createDataset('hour_ds');
  for (const [name, type] of [['h', 'HOUR'], ['m', 'MONTH']] as const) {
    await bigquery.dataset('hour_ds').createTable(name, { schema: DAILY_SCHEMA, timePartitioning: { type, field: '_quarry_partition_time' } });
  }
  const write = (table: string, ts: string, writeDisposition: string) =>
    bigquery
      .createQueryJob({ query: `SELECT 'v' AS video_id, 1 AS views, TIMESTAMP '${ts}' AS _quarry_partition_time`, destination: bigquery.dataset('hour_ds').table(table), writeDisposition })
      .then(([j]) => j.promise());
  await write('h$2024010105', '2024-01-01 05:00:00', 'WRITE_TRUNCATE');
  await write('m$202401', '2024-01-20 00:00:00', 'WRITE_TRUNCATE');
  assert.deepEqual(await double.partitions('hour_ds.h'), { '2024010105': 1 });
  assert.deepEqual(await double.partitions('hour_ds.m'), { '202401': 1 });
  await assert.rejects(write('h$2024010106', '2024-01-01 05:00:00', 'WRITE_TRUNCATE'), /different partitions/);
  await assert.rejects(write('h$20240101', '2024-01-01 05:00:00', 'WRITE_TRUNCATE'), (e: { code?: number }) => e.code === 400);
  await assert.rejects(write('m$2024010105', '2024-01-01 05:00:00', 'WRITE_TRUNCATE'), (e: { code?: number }) => e.code === 400);
  await assert.rejects(write('h$2024010105', '2024-01-01 05:00:00', 'WRITE_EMPTY'), (e: { errors?: Array<{ reason: string }> }) => e.errors?.[0]?.reason === 'duplicate');
  await write('h$2024010107', '2024-01-01 07:00:00', 'WRITE_EMPTY');
  assert.deepEqual(await double.partitions('hour_ds.h'), { '2024010105': 1, '2024010107': 1 });
});

test('insertAll and tabledata.list (table.insert / table.getRows)', async () => {
  await bigquery.createDataset('rows_ds');
  const table = await dailyTable('rows_ds', 't');
  await table.insert([
    { video_id: 'a', views: 1, _quarry_partition_time: '2024-03-01T00:00:00Z' },
    { video_id: 'b', views: null, _quarry_partition_time: bigquery.timestamp('2024-03-02T00:00:00Z') },
  ]);
  const [rows] = await table.getRows();
  assert.deepEqual(
    rows.map((r) => [r.video_id, r.views, (r._quarry_partition_time as { value: string }).value]),
    [
      ['a', 1, '2024-03-01T00:00:00.000Z'],
      ['b', null, '2024-03-02T00:00:00.000Z'],
    ],
  );
  const [page, next] = await table.getRows({ maxResults: 1, autoPaginate: false });
  assert.equal(page.length, 1);
  assert.ok(next);
});

test('SQL shapes the BigQuery engine sends run: staging query, per-partition digest, partition ranges (pruned), split placement, masks, time zones', async () => {
  await bigquery.createDataset('eng_ds');
  const rowsOf = async (query: string) => {
    const [job] = await bigquery.createJob({ configuration: { query: { query, useLegacySql: false } } });
    const [rows] = await job.getQueryResults({ skipParsing: true, autoPaginate: false, maxResults: 100 } as never);
    return (rows as Array<{ f: Array<{ v: unknown }> }>).map((r) => r.f.map((c) => c.v));
  };
  const staging = (day: string) =>
    bigquery
      .createJob({
        configuration: {
          query: {
            query: `WITH \`videos\` AS (SELECT 'v1' AS video_id, 'c1' AS creator_id, 10 AS views UNION ALL SELECT 'v2', 'c1', 5 UNION ALL SELECT 'v3', 'c2', 1)
                    SELECT q.*, TIMESTAMP '${day} 00:00:00+00' AS \`_quarry_partition_time\` FROM (select creator_id, count(*) as n, sum(views) as views from videos group by creator_id) AS q`,
            useLegacySql: false,
            destinationTable: { projectId: PROJECT, datasetId: 'eng_ds', tableId: 'creators' },
            writeDisposition: 'WRITE_APPEND',
            createDisposition: 'CREATE_IF_NEEDED',
            timePartitioning: { type: 'DAY', field: '_quarry_partition_time' },
            clustering: { fields: ['creator_id'] },
          },
          labels: { quarry_run: 'eng' },
        },
      })
      .then(([j]) => j.promise());
  for (const day of ['2026-01-15', '2026-01-16', '2026-01-18']) await staging(day);
  const digest = await rowsOf(
    `SELECT s.\`_quarry_partition_time\` AS part, COUNT(*) AS row_count, CAST(MOD(SUM(CAST(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(s.\`creator_id\`, s.\`n\`, s.\`views\`))) AS BIGNUMERIC)), 18446744073709551616) AS STRING) AS digest
     FROM \`${PROJECT}.eng_ds.creators\` AS s GROUP BY part ORDER BY part`,
  );
  assert.equal(digest.length, 3);
  assert.deepEqual(digest.map((r) => r[1]), ['2', '2', '2']);
  assert.equal(new Set(digest.map((r) => r[2])).size, 1, 'equal rows give equal digests');
  const ranges = `SELECT * EXCEPT(\`_quarry_partition_time\`) FROM \`${PROJECT}.eng_ds.creators\`
    WHERE (\`_quarry_partition_time\` >= TIMESTAMP '2026-01-15 00:00:00.000+00' AND \`_quarry_partition_time\` < TIMESTAMP '2026-01-16 00:00:00.000+00')
       OR (\`_quarry_partition_time\` >= TIMESTAMP '2026-01-18 00:00:00.000+00' AND \`_quarry_partition_time\` < TIMESTAMP '2026-01-19 00:00:00.000+00')`;
  assert.equal((await rowsOf(ranges)).length, 4);
  const [dry] = await bigquery.createQueryJob({ query: ranges, dryRun: true });
  const [dryAll] = await bigquery.createQueryJob({ query: `SELECT * FROM eng_ds.creators`, dryRun: true });
  assert.equal(Number(dry.metadata.statistics.totalBytesProcessed) * 3, Number(dryAll.metadata.statistics.totalBytesProcessed) * 2, 'two of three equal partitions are read');
  const split = await rowsOf(`WITH src AS (SELECT DATE '2026-01-15' AS day, 1 AS x UNION ALL SELECT DATE '2026-01-16', 2)
    SELECT q.*, (SELECT w.s FROM UNNEST([STRUCT(TIMESTAMP '2026-01-15 00:00:00+00' AS s, TIMESTAMP '2026-01-16 00:00:00+00' AS e), STRUCT(TIMESTAMP '2026-01-16 00:00:00+00' AS s, TIMESTAMP '2026-01-17 00:00:00+00' AS e)]) AS w
      WHERE TIMESTAMP(DATETIME(q.\`day\`), 'UTC') >= w.s AND TIMESTAMP(DATETIME(q.\`day\`), 'UTC') < w.e) AS \`_quarry_partition_time\`
    FROM (select * from src) AS q ORDER BY x`);
  assert.deepEqual(split, [
    ['2026-01-15', '1', String(Date.UTC(2026, 0, 15) * 1000)],
    ['2026-01-16', '2', String(Date.UTC(2026, 0, 16) * 1000)],
  ]);
  const masked = await rowsOf(`SELECT * REPLACE (IF(\`creator_id\` IS NULL, NULL, '***') AS \`creator_id\`) FROM (SELECT creator_id FROM eng_ds.creators LIMIT 1)`);
  assert.deepEqual(masked, [['***']]);
  assert.deepEqual(await rowsOf(`SELECT * FROM UNNEST(ARRAY<STRUCT<\`a\` STRING, \`t\` TIMESTAMP>>[])`), []);
  const zones = await rowsOf(`SELECT TIMESTAMP('2026-01-15 00:00:00', 'Europe/Paris') AS t, DATETIME(TIMESTAMP '2026-01-15 00:00:00+00', 'Asia/Tokyo') AS dt, DATE(TIMESTAMP '2026-01-15 23:00:00+00', 'Asia/Tokyo') AS d, 'a\\\\b' AS s`);
  assert.deepEqual(zones, [[String(Date.UTC(2026, 0, 14, 23) * 1000), '2026-01-15T09:00:00.000000', '2026-01-16', 'a\\b']]);
});

test('labels are recorded on every job', () => {
  const labelled = double.jobs.filter((j) => Object.keys(j.labels).length > 0).map((j) => j.id);
  assert.ok(labelled.includes('quarry_run1_abc') && labelled.includes('quarry_run2_copy') && labelled.includes('quarry_run3_load'), labelled.join(','));
});

test('the request shapes the client sends match test/fixtures/bigquery-requests.json (QUARRY_RECORD_FIXTURES=1 regenerates)', async () => {
  await checkRequestShapes(double.requests);
});
