// `quarry … --target prod` on examples/tiktok, as a user runs it, against the BigQuery and GCS doubles
// (this process serves them on loopback; the CLI child reaches them through the endpoints its project
// reads from the environment): plan with dry-run bytes and cost, a run refused by --max-bytes-billed
// before any job, and a backfill killed with SIGKILL, resumed, compared with DuckDB partition by
// partition, and vacuumed until no staging table is left.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openInstance, type Instance } from '@quarry/core';
import { generate } from '@quarry/assets';
import { canonicalRows, startCloudDoubles, type CloudDoubles } from '../doubles/cloud-doubles.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const QUARRY_BIN = join(repoRoot, 'packages/core/bin/quarry.mjs');
const PROJECT_DIR = join(repoRoot, 'examples/tiktok');
const PROJECT = 'quarry-cli-e2e';
const BUCKET = 'quarry-cli-e2e-lake';

interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function describeResult(r: CliResult): string {
  return `exit ${r.code} ${r.signal ?? ''}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

describe('quarry --target prod on examples/tiktok (BigQuery and GCS doubles)', { timeout: 1_200_000 }, () => {
  const root = join(repoRoot, 'test-output', `tiktok-bigquery-cli-${process.pid}-${Date.now().toString(36)}`);
  const landing = join(root, 'landing');
  const home = join(root, 'home');
  let cloud: CloudDoubles;
  let env: Record<string, string>;
  const saved = { ...process.env };

  /** Runs `quarry ARGS --project examples/tiktok` with the target's environment; `killWhen` may kill it. */
  const quarry = (args: readonly string[], killWhen?: () => boolean): Promise<CliResult> =>
    new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [QUARRY_BIN, ...args, '--project', PROJECT_DIR], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const watch = killWhen === undefined ? undefined : setInterval(() => {
        if (killWhen()) child.kill('SIGKILL');
      }, 20);
      const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (watch) clearInterval(watch);
        resolvePromise({ code, signal, stdout, stderr });
      });
    });

  const openProd = () => openInstance({ projectDir: PROJECT_DIR, quarryHome: home, target: 'prod' });

  before(async () => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    await generate({ creators: 120, days: 4, start: '2026-01-01', seed: 11, out: landing });
    cloud = await startCloudDoubles({ projectId: PROJECT, datasets: ['tiktok'], buckets: [BUCKET] });
    env = {
      TIKTOK_LANDING: landing,
      QUARRY_HOME: home,
      QUARRY_GCP_PROJECT: PROJECT,
      QUARRY_BQ_DATASET: 'tiktok',
      QUARRY_BQ_LOCATION: 'EU',
      QUARRY_GCS_BUCKET: BUCKET,
      QUARRY_BIGQUERY_ENDPOINT: cloud.bq.url,
      QUARRY_GCS_ENDPOINT: cloud.gcs.url,
      QUARRY_GCP_ACCESS_TOKEN: 'test-token',
      NO_COLOR: '1',
    };
    // The in-process instances (the DuckDB reference, reading prod back) see the same environment.
    Object.assign(process.env, env);
  });

  after(async () => {
    await cloud?.close();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    if (process.env.KEEP_TEST_OUTPUT !== '1') rmSync(root, { recursive: true, force: true });
  });

  test('kill -9 during a BigQuery backfill, then --resume: no partition half-published, the rows of DuckDB, no staging table after vacuum', async () => {
    const copies = () => cloud.bq.jobs.filter((j) => j.kind === 'copy').length;
    const killed = await quarry(['backfill', '*', '--from', '2026-01-01', '--to', '2026-01-04', '--target', 'prod', '--concurrency', '2'], () => copies() >= 10);
    assert.equal(killed.signal, 'SIGKILL', describeResult(killed));
    const runId = /\br_\d{8}T\d{6}_[0-9a-f]{6}\b/.exec(killed.stdout + killed.stderr)?.[0];
    assert.ok(runId, `the killed run printed its id\n${describeResult(killed)}`);

    // Every partition a version names is whole: its rows in the native table are the committed count.
    const checkPublished = async (instance: Instance) => {
      for (const asset of instance.listAssets()) {
        if (asset.type !== 'asset') continue;
        for (const key of instance.partitionKeys(asset.key, { limit: 100 }).keys) {
          const current = instance.materializations(asset.key, { partition: key, limit: 1 })[0];
          if (current === undefined || !current.files[0]?.startsWith('bigquery:')) continue;
          const rows = (await instance.partitionRows(asset.key, key, { limit: 1_000_000 })).rows;
          assert.equal(rows.length, current.rowCount, `${asset.key} [${key}] holds ${rows.length} rows, its committed version ${current.rowCount}`);
        }
      }
    };
    let prod = await openProd();
    try {
      await checkPublished(prod);
    } finally {
      await prod.close();
    }

    const resumed = await quarry(['backfill', '--resume', runId, '--target', 'prod']);
    assert.equal(resumed.code, 0, describeResult(resumed));
    assert.match(resumed.stdout, new RegExp(`Run ${runId} succeeded`));

    const dev = await openInstance({ projectDir: PROJECT_DIR, quarryHome: home });
    prod = await openProd();
    try {
      const { runId: devRun } = await dev.startRun({ kind: 'backfill', concurrency: 2 });
      assert.equal((await dev.waitForRun(devRun)).status, 'succeeded');
      await checkPublished(prod);
      let compared = 0;
      for (const asset of dev.listAssets()) {
        if (asset.type !== 'asset') continue;
        for (const key of dev.partitionKeys(asset.key, { limit: 100 }).keys) {
          const devRows = (await dev.partitionRows(asset.key, key, { limit: 1_000_000 })).rows;
          const prodRows = (await prod.partitionRows(asset.key, key, { limit: 1_000_000 })).rows;
          assert.deepEqual(canonicalRows(prodRows), canonicalRows(devRows), `${asset.key} [${key}] after the resume`);
          compared++;
        }
      }
      assert.ok(compared >= 40, `compared ${compared} partitions`);
    } finally {
      await dev.close();
      await prod.close();
    }

    const vacuumed = await quarry(['vacuum', '--target', 'prod']);
    assert.equal(vacuumed.code, 0, describeResult(vacuumed));
    const left = cloud.bq.tables('tiktok').filter((t) => t.startsWith('_quarry_staging'));
    assert.deepEqual(left, [], `staging tables left after vacuum:\n${describeResult(vacuumed)}`);
  });

  test('quarry plan --target prod prints dry-run bytes and cost per step and in total; --max-bytes-billed refuses a run before any job', async () => {
    const plan = await quarry(['plan', '*', '--partition', '2026-01-04', '--force', '--target', 'prod']);
    assert.equal(plan.code, 0, describeResult(plan));
    assert.match(plan.stdout, /marts\/creator_daily_metrics.*\d+(\.\d+)? ?(B|KiB|MiB|GiB).*\$\d/, describeResult(plan));
    assert.match(plan.stdout, /total.*\d+(\.\d+)? ?(B|KiB|MiB|GiB).*\$\d/i, describeResult(plan));

    const jobsBefore = cloud.bq.jobs.filter((j) => !j.dryRun).length;
    const refused = await quarry(['materialize', '*', '--partition', '2026-01-04', '--force', '--target', 'prod', '--max-bytes-billed', '1000']);
    assert.notEqual(refused.code, 0, describeResult(refused));
    assert.match(refused.stderr + refused.stdout, /over the limit of .*1000 bytes/, describeResult(refused));
    assert.equal(cloud.bq.jobs.filter((j) => !j.dryRun).length, jobsBefore, 'no job ran');
  });
});
