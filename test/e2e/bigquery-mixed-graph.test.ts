// A mixed graph on the BigQuery + GCS target (the loopback doubles): a TypeScript asset (DuckDB, files in
// the bucket) → BigQuery SQL → an SQL asset pinned to DuckDB (it reads BigQuery partitions exported to
// the bucket) → BigQuery SQL again. The rows equal the DuckDB target's, staleness sees across the
// boundary (nothing left to plan; a changed upstream makes the downstream stale on both sides), lineage
// links the partitions, and --as-of reads the current versions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigquery, dailyPartitions, defineAsset, defineProject, gcs, openInstance, type Instance, type ProjectDefinition } from '@quarry/core';
import { startCloudDoubles, type CloudDoubles } from '../doubles/cloud-doubles.ts';
import type { BigQueryDouble } from '../doubles/bigquery-double.ts';
import type { GcsDouble } from '../doubles/gcs-double.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const PROJECT = 'quarry-mixed';
const DAYS = ['2026-01-01', '2026-01-02', '2026-01-03'];

function mixedProject(bq: BigQueryDouble, store: GcsDouble, multiplier: number): ProjectDefinition {
  const days = dailyPartitions({ start: '2026-01-01', end: '2026-01-04' });
  const orders = defineAsset({
    key: 'raw/orders',
    partitions: days,
    config: { multiplier },
    compute: ({ partition }) => [1, 2, 3, 4].map((i) => ({ order_id: `${partition.firstKey}-${i}`, day: partition.firstKey, amount: i * multiplier })),
  });
  const daily = defineAsset({ key: 'marts/daily', partitions: days, deps: { orders }, sql: 'SELECT day, count(*) AS orders, sum(amount) AS amount FROM orders GROUP BY day' });
  const doubled = defineAsset({ key: 'report/doubled', partitions: days, deps: { daily }, engine: 'duckdb', sql: 'SELECT *, amount * 2 AS doubled FROM daily' });
  const final = defineAsset({ key: 'marts/final', partitions: days, deps: { doubled }, sql: 'SELECT day, doubled + orders AS score FROM doubled' });
  return defineProject({
    name: 'mixed',
    assets: [orders, daily, doubled, final],
    targets: {
      prod: {
        engine: bigquery({ projectId: PROJECT, dataset: 'mixed', location: 'EU', apiEndpoint: bq.url }),
        store: gcs({ bucket: 'lake', prefix: 'mixed/', apiEndpoint: store.url }),
      },
    },
  });
}

describe('a mixed graph on BigQuery + GCS', { timeout: 600_000 }, () => {
  const root = join(repoRoot, 'test-output', `bigquery-mixed-${process.pid}-${Date.now().toString(36)}`);
  let cloud: CloudDoubles;
  const saved = process.env.QUARRY_GCP_ACCESS_TOKEN;

  const open = (multiplier: number, target?: string): Promise<Instance> =>
    openInstance({ project: mixedProject(cloud.bq, cloud.gcs, multiplier), projectDir: root, quarryHome: join(root, '.quarry'), ...(target ? { target } : {}) });

  const run = async (instance: Instance) => {
    const { runId } = await instance.startRun({ concurrency: 2 });
    const record = await instance.waitForRun(runId);
    const failed = instance.listSteps(runId).filter((s) => s.status !== 'succeeded');
    assert.equal(record.status, 'succeeded', failed.map((s) => `${s.stepId}: ${s.error}`).join('\n'));
  };

  const rows = async (instance: Instance, key: string, day: string) =>
    (await instance.partitionRows(key, day, { limit: 1000 })).rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.toISOString() : v])))).sort();

  before(async () => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    cloud = await startCloudDoubles({ projectId: PROJECT, datasets: ['mixed'], buckets: ['lake'] });
    process.env.QUARRY_GCP_ACCESS_TOKEN = 'test-token';
  });

  after(async () => {
    await cloud?.close();
    if (saved === undefined) delete process.env.QUARRY_GCP_ACCESS_TOKEN;
    else process.env.QUARRY_GCP_ACCESS_TOKEN = saved;
    if (process.env.KEEP_TEST_OUTPUT !== '1') rmSync(root, { recursive: true, force: true });
  });

  test('rows, staleness, lineage and --as-of across the DuckDB/BigQuery boundary', async () => {
    let dev = await open(10);
    let prod = await open(10, 'prod');
    try {
      await run(dev);
      await run(prod);
      const where = (instance: Instance, key: string) => instance.materializations(key, { partition: DAYS[0]!, limit: 1 })[0]!.files[0]!;
      assert.match(where(prod, 'raw/orders'), /^raw\/orders\//, 'the TypeScript asset wrote a lake file in the bucket');
      assert.match(where(prod, 'marts/daily'), /^bigquery:quarry-mixed\.mixed\.marts__daily\$20260101$/);
      assert.match(where(prod, 'report/doubled'), /^report\/doubled\//, 'the pinned asset ran on DuckDB');
      assert.match(where(prod, 'marts/final'), /^bigquery:/);
      for (const key of ['raw/orders', 'marts/daily', 'report/doubled', 'marts/final']) {
        for (const day of DAYS) assert.deepEqual(await rows(prod, key, day), await rows(dev, key, day), `${key} [${day}]`);
      }
      // The DuckDB step read the exported BigQuery partition: the asset's columns, not Quarry's partition column.
      assert.deepEqual((await prod.partitionRows('report/doubled', DAYS[1]!)).columns.map((c) => c.name), ['day', 'orders', 'amount', 'doubled']);
      // Lineage links partitions across the boundary.
      const lineage = prod.lineage('marts/final', { partition: DAYS[2] });
      assert.ok(JSON.stringify(lineage).includes('report/doubled'), JSON.stringify(lineage));
      // Nothing stale after the run; --as-of now reads the current versions.
      assert.equal((await prod.plan()).steps.length, 0);
      const asOf = await prod.query('SELECT sum(score) AS s FROM marts__final', { asOf: new Date() });
      const current = await dev.query('SELECT sum(score) AS s FROM marts__final');
      assert.equal(Number(asOf.rows[0]!.s), Number(current.rows[0]!.s));
    } finally {
      await dev.close();
      await prod.close();
    }

    const between = new Date();
    await new Promise((r) => setTimeout(r, 20));
    // A changed TypeScript upstream makes every downstream stale on the BigQuery target too.
    dev = await open(11);
    prod = await open(11, 'prod');
    try {
      const stale = (await prod.plan()).steps.map((s) => s.assetKey);
      for (const key of ['raw/orders', 'marts/daily', 'report/doubled', 'marts/final']) assert.ok(stale.includes(key), `${key} is stale: ${stale.join(', ')}`);
      await run(dev);
      await run(prod);
      for (const day of DAYS) assert.deepEqual(await rows(prod, 'marts/final', day), await rows(dev, 'marts/final', day), `marts/final [${day}] after the change`);
      // --as-of before the change: the lake keeps old versions; a BigQuery table only its current one, which is said, not read wrong.
      const before = await dev.query('SELECT sum(score) AS s FROM marts__final', { asOf: between });
      assert.equal(Number(before.rows[0]!.s), 3 * (2 * 100 + 4));
      await assert.rejects(prod.query('SELECT sum(score) AS s FROM marts__final', { asOf: between }), (error: Error & { code?: string }) =>
        error.code === 'QUARRY_AS_OF_UNAVAILABLE' && error.message.includes('"marts/final"') && error.message.includes('2026-01-01') && /Ask for a time at or after \d{4}-/.test(error.message));
      // A BigQuery asset whose data did not change reads fine at the older time (raw/orders is a lake asset, also fine).
      await prod.query('SELECT count(*) AS n FROM raw__orders', { asOf: between });
    } finally {
      await dev.close();
      await prod.close();
    }
  });
});
