// Bad input on the BigQuery + GCS target (the loopback doubles): missing credentials, a missing
// dataset, a bucket without access and a BigQuery job error each fail the run with an error naming
// the asset, the partition, the job id (when a job ran) and what BigQuery or GCS said — and nothing is
// committed: no version of the failed partitions, no table left published for them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigquery, dailyPartitions, defineAsset, defineProject, gcs, openInstance, type Instance, type ProjectDefinition } from '@quarry/core';
import { ordersAndDailyMart } from './bigquery-orders-fixture.ts';
import { startCloudDoubles, type CloudDoubles } from '../doubles/cloud-doubles.ts';
import type { BigQueryDouble } from '../doubles/bigquery-double.ts';
import type { GcsDouble } from '../doubles/gcs-double.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const PROJECT = 'quarry-bad-input';

function projectOn(options: { dataset: string; bucket: string; bq: BigQueryDouble; gcs: GcsDouble }): ProjectDefinition {
  const days = dailyPartitions({ start: '2026-01-01', end: '2026-01-03' });
  const { orders, daily } = ordersAndDailyMart(days);
  const broken = defineAsset({
    key: 'marts/broken',
    partitions: days,
    deps: { orders },
    // Runs only on the failing day: a cast BigQuery refuses at run time (a dry run cannot see it).
    sql: "SELECT order_id, CAST(CASE WHEN day = '2026-01-02' THEN 'not a number' ELSE '1' END AS INTEGER) AS n FROM orders",
  });
  return defineProject({
    name: 'bad-input',
    assets: [orders, daily, broken],
    targets: {
      prod: {
        engine: bigquery({ projectId: PROJECT, dataset: options.dataset, location: 'EU', apiEndpoint: options.bq.url }),
        store: gcs({ bucket: options.bucket, apiEndpoint: options.gcs.url }),
      },
    },
  });
}

describe('bad input on the BigQuery + GCS target', { timeout: 600_000 }, () => {
  const root = join(repoRoot, 'test-output', `bigquery-bad-input-${process.pid}-${Date.now().toString(36)}`);
  let cloud: CloudDoubles;
  const saved = { ...process.env };
  let n = 0;

  const open = async (dataset: string, bucket: string): Promise<Instance> => {
    const dir = join(root, `p${n++}`);
    mkdirSync(dir, { recursive: true });
    return openInstance({ project: projectOn({ dataset, bucket, bq: cloud.bq, gcs: cloud.gcs }), projectDir: dir, quarryHome: join(dir, '.quarry'), target: 'prod' });
  };

  /** Runs `selection` for 2026-01-02 and returns the failed steps' errors. */
  const runFailing = async (instance: Instance, selection: string): Promise<string> => {
    const { runId } = await instance.startRun({ selection, partitions: { key: '2026-01-02' }, concurrency: 1 });
    const run = await instance.waitForRun(runId);
    assert.notEqual(run.status, 'succeeded', `run ${runId} should fail`);
    return instance
      .listSteps(runId)
      .filter((s) => s.status === 'failed')
      .map((s) => `${s.stepId}: ${s.error}`)
      .join('\n');
  };

  const nothingCommitted = (instance: Instance, keys: readonly string[]) => {
    for (const key of keys) assert.deepEqual(instance.materializations(key, { partition: '2026-01-02' }), [], `${key} [2026-01-02] has no version`);
  };

  before(async () => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    cloud = await startCloudDoubles({ projectId: PROJECT, datasets: ['shop'], buckets: ['lake'], forbiddenBuckets: ['locked'] });
    process.env.QUARRY_GCP_ACCESS_TOKEN = 'test-token';
  });

  after(async () => {
    await cloud?.close();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    if (process.env.KEEP_TEST_OUTPUT !== '1') rmSync(root, { recursive: true, force: true });
  });

  test('a BigQuery job error names the asset, the partition, the job id and BigQuery\'s message; the partition keeps no version and no table', async () => {
    const instance = await open('shop', 'lake');
    try {
      const errors = await runFailing(instance, '+marts/broken');
      assert.match(errors, /marts\/broken/);
      assert.match(errors, /2026-01-02/);
      const jobId = /job (quarry_[A-Za-z0-9_]+)/.exec(errors)?.[1];
      assert.ok(jobId, `the error names the job id:\n${errors}`);
      const job = cloud.bq.jobs.find((j) => j.id === jobId);
      assert.equal(job?.error, 'invalidQuery', `the double ran job ${jobId} and it failed`);
      // BigQuery's own message (the double's, here: the engine under it refused the cast).
      assert.match(errors, /failed: .*Could not convert string 'not a number'/);
      nothingCommitted(instance, ['marts/broken']);
      assert.equal(cloud.bq.tables('shop').includes('marts__broken'), false, 'nothing published for marts/broken');
      assert.deepEqual(cloud.bq.tables('shop').filter((t) => t.startsWith('_quarry_staging_marts__broken')), [], 'the failed staging table is dropped');
      // The upstream (DuckDB, in the bucket) did commit: the failure is the job's, not the run's.
      assert.equal(instance.materializations('raw/orders', { partition: '2026-01-02' }).length, 1);
    } finally {
      await instance.close();
    }
  });

  test('a missing dataset names the project.dataset and how to create it; nothing is committed', async () => {
    const instance = await open('nope', 'lake');
    try {
      const errors = await runFailing(instance, 'marts/daily');
      assert.match(errors, /marts\/daily/);
      assert.match(errors, new RegExp(`${PROJECT}\\.nope`));
      assert.match(errors, /bq mk/);
      nothingCommitted(instance, ['marts/daily']);
    } finally {
      await instance.close();
    }
  });

  test('a bucket without access names the bucket and the permission to grant; nothing is committed', async () => {
    const instance = await open('shop', 'locked');
    try {
      const errors = await runFailing(instance, 'raw/orders');
      assert.match(errors, /raw\/orders/);
      assert.match(errors, /2026-01-02/);
      assert.match(errors, /locked/);
      assert.match(errors, /roles\/storage\.objectAdmin|permission|access/i);
      nothingCommitted(instance, ['raw/orders']);
    } finally {
      await instance.close();
    }
  });

  test('missing credentials say how to log in; nothing is committed', async () => {
    const home = mkdtempSync(join(tmpdir(), 'quarry-no-adc-'));
    const token = process.env.QUARRY_GCP_ACCESS_TOKEN;
    delete process.env.QUARRY_GCP_ACCESS_TOKEN;
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    const savedHome = process.env.HOME;
    process.env.HOME = home;
    process.env.METADATA_SERVER_DETECTION = 'none';
    const instance = await open('shop', 'lake');
    try {
      const errors = await runFailing(instance, 'raw/orders');
      assert.match(errors, /raw\/orders/);
      assert.match(errors, /gcloud auth application-default login/);
      assert.match(errors, /QUARRY_GCP_ACCESS_TOKEN/);
      nothingCommitted(instance, ['raw/orders']);
    } finally {
      await instance.close();
      process.env.QUARRY_GCP_ACCESS_TOKEN = token;
      process.env.HOME = savedHome;
      delete process.env.METADATA_SERVER_DETECTION;
      rmSync(home, { recursive: true, force: true });
    }
  });
});
