// The whole TikTok pipeline on the BigQuery engine and the GCS store (the loopback doubles, driven by
// the real client libraries), compared partition by partition with the same pipeline on DuckDB.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigquery, defineProject, gcs, openInstance, type Instance } from '@quarry/core';
import { defineTikTokPipelineFromLanding, generate } from '@quarry/assets';
import { canonicalRows, startCloudDoubles, type CloudDoubles } from '../doubles/cloud-doubles.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const PROJECT = 'quarry-e2e';
const BUCKET = 'quarry-e2e-lake';

describe('the TikTok pipeline on BigQuery + GCS (loopback doubles)', { timeout: 900_000 }, () => {
  const root = join(repoRoot, 'test-output', `tiktok-bigquery-${process.pid}-${Date.now().toString(36)}`);
  const landing = join(root, 'landing');
  let cloud: CloudDoubles;
  let dev: Instance;
  let prod: Instance;
  const savedToken = process.env.QUARRY_GCP_ACCESS_TOKEN;

  before(async () => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    await generate({ creators: 150, days: 4, start: '2026-01-01', seed: 7, out: landing });
    cloud = await startCloudDoubles({ projectId: PROJECT, datasets: ['tiktok'], buckets: [BUCKET] });
    process.env.QUARRY_GCP_ACCESS_TOKEN = 'test-token';
    const project = defineProject({
      name: 'tiktok-bq-e2e',
      assets: defineTikTokPipelineFromLanding(landing).assets,
      targets: {
        prod: {
          engine: bigquery({ projectId: PROJECT, dataset: 'tiktok', location: 'EU', apiEndpoint: cloud.bq.url }),
          store: gcs({ bucket: BUCKET, prefix: 'lake/', apiEndpoint: cloud.gcs.url }),
        },
      },
    });
    dev = await openInstance({ project, projectDir: root, quarryHome: join(root, '.quarry') });
    prod = await openInstance({ project, projectDir: root, quarryHome: join(root, '.quarry'), target: 'prod' });
  });

  after(async () => {
    await dev?.close();
    await prod?.close();
    await cloud?.close();
    if (savedToken === undefined) delete process.env.QUARRY_GCP_ACCESS_TOKEN;
    else process.env.QUARRY_GCP_ACCESS_TOKEN = savedToken;
    if (process.env.KEEP_TEST_OUTPUT !== '1') rmSync(root, { recursive: true, force: true });
  });

  test('every asset partition has the same rows on BigQuery + GCS as on DuckDB + the local lake', async () => {
    for (const instance of [dev, prod]) {
      const { runId } = await instance.startRun({ kind: 'backfill', concurrency: 2 });
      const run = await instance.waitForRun(runId);
      const failed = instance.listSteps(runId).filter((s) => s.status !== 'succeeded');
      assert.equal(run.status, 'succeeded', `${runId}: ${failed.map((s) => `${s.stepId}: ${s.error}`).join('; ')}`);
    }
    let compared = 0;
    const engines = new Set<string>();
    for (const asset of dev.listAssets()) {
      if (asset.type !== 'asset') continue;
      const keys = dev.partitionKeys(asset.key, { limit: 1_000 }).keys;
      for (const key of keys.length > 0 ? keys : ['']) {
        const devRows = (await dev.partitionRows(asset.key, key, { limit: 1_000_000 })).rows;
        const prodRows = (await prod.partitionRows(asset.key, key, { limit: 1_000_000 })).rows;
        assert.deepEqual(canonicalRows(prodRows), canonicalRows(devRows), `${asset.key} [${key}]: rows differ between BigQuery and DuckDB`);
        const current = prod.materializations(asset.key, { partition: key, limit: 1 })[0];
        if (current !== undefined) engines.add(`${String(current.metadata?.engine ?? '?')}:${current.files[0]?.startsWith('bigquery:') ? 'table' : 'file'}`);
        compared++;
      }
    }
    assert.ok(compared >= 40, `compared ${compared} partitions`);
    // SQL assets ran on BigQuery (native tables), TypeScript/landing assets on DuckDB (files in GCS).
    assert.ok(engines.has('bigquery:table'), [...engines].join(', '));
    assert.ok(engines.has('duckdb:file'), [...engines].join(', '));
    // Every BigQuery job carried Quarry's labels.
    assert.ok(cloud.bq.jobs.length > 0);
    for (const job of cloud.bq.jobs) assert.ok(job.labels?.quarry_run, `job ${job.id} has no quarry_run label`);
  });
});
