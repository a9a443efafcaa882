// Transient failures on the BigQuery + GCS target (the loopback doubles): a 503 on a job insert, on
// a job poll or on a result page, and a job insert whose answer is lost after BigQuery accepted the
// job, are retried — by the client library, and for the lost answer by the engine, which takes the
// client's 409 "already exists" as its own job. Each run succeeds with the rows of an undisturbed run
// and runs no job twice. GCS's transient failures are tested with the store (test/gcs/).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigquery, dailyPartitions, defineProject, gcs, openInstance, type Instance, type ProjectDefinition } from '@quarry/core';
import { ordersAndDailyMart } from './bigquery-orders-fixture.ts';
import { startCloudDoubles, type CloudDoubles } from '../doubles/cloud-doubles.ts';
import type { BigQueryDoubleFailure } from '../doubles/bigquery-double.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const PROJECT = 'quarry-transient';
const SCENARIOS = ['clean', 'insert', 'lost', 'poll'] as const;
type Scenario = (typeof SCENARIOS)[number];

const JOB_INSERT = (method: string, path: string) => method === 'POST' && path === `/bigquery/v2/projects/${PROJECT}/jobs`;
const JOB_READ = (method: string, path: string) => method === 'GET' && (path.startsWith(`/bigquery/v2/projects/${PROJECT}/jobs/`) || path.startsWith(`/bigquery/v2/projects/${PROJECT}/queries/`));

function projectOn(scenario: Scenario, cloud: CloudDoubles): ProjectDefinition {
  const days = dailyPartitions({ start: '2026-01-01', end: '2026-01-04' }); // three days: the end is exclusive
  const { orders, daily } = ordersAndDailyMart(days);
  return defineProject({
    name: `transient-${scenario}`,
    assets: [orders, daily],
    targets: {
      prod: {
        engine: bigquery({ projectId: PROJECT, dataset: scenario, location: 'EU', apiEndpoint: cloud.bq.url }),
        store: gcs({ bucket: `lake-${scenario}`, apiEndpoint: cloud.gcs.url }),
      },
    },
  });
}

describe('transient failures on the BigQuery + GCS target', { timeout: 600_000 }, () => {
  const root = join(repoRoot, 'test-output', `bigquery-transient-${process.pid}-${Date.now().toString(36)}`);
  let cloud: CloudDoubles;
  const saved = { ...process.env };
  let reference: Record<string, unknown>[] = [];
  let referenceJobs = 0;

  /** Runs every asset's three days in a fresh project on `scenario`'s dataset; returns the rows of marts/daily and the jobs it ran. */
  const runAll = async (scenario: Scenario, failure?: { count: number } & BigQueryDoubleFailure): Promise<{ rows: Record<string, unknown>[]; jobs: string[]; instance: Instance }> => {
    const dir = join(root, scenario);
    mkdirSync(dir, { recursive: true });
    const instance = await openInstance({ project: projectOn(scenario, cloud), projectDir: dir, quarryHome: join(dir, '.quarry'), target: 'prod' });
    const jobsBefore = cloud.bq.jobs.length;
    if (failure !== undefined) cloud.bq.failNext(failure.count, failure);
    try {
      const { runId } = await instance.startRun({ concurrency: 1 });
      const run = await instance.waitForRun(runId);
      const failed = instance.listSteps(runId).filter((s) => s.status === 'failed').map((s) => `${s.stepId}: ${s.error}`);
      assert.equal(run.status, 'succeeded', `run ${runId} on ${scenario}:\n${failed.join('\n')}`);
    } finally {
      cloud.bq.failNext(0);
    }
    const rows = await cloud.bq.rows(`${scenario}.marts__daily`);
    const jobs = cloud.bq.jobs.slice(jobsBefore).filter((j) => !j.dryRun).map((j) => j.id);
    return { rows: rows.sort((a, b) => String(a.day).localeCompare(String(b.day))), jobs, instance };
  };

  before(async () => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    cloud = await startCloudDoubles({ projectId: PROJECT, datasets: [...SCENARIOS], buckets: SCENARIOS.map((s) => `lake-${s}`) });
    process.env.QUARRY_GCP_ACCESS_TOKEN = 'test-token';
    const clean = await runAll('clean');
    await clean.instance.close();
    reference = clean.rows;
    referenceJobs = clean.jobs.length;
    assert.equal(reference.length, 3, 'the undisturbed run has a row per day');
  });

  after(async () => {
    await cloud?.close();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    if (process.env.KEEP_TEST_OUTPUT !== '1') rmSync(root, { recursive: true, force: true });
  });

  test('a 503 on two job inserts is retried: the run succeeds with the same rows and the same jobs', async () => {
    const { rows, jobs, instance } = await runAll('insert', { count: 2, match: JOB_INSERT });
    try {
      assert.deepEqual(rows, reference);
      assert.equal(jobs.length, referenceJobs, 'each job ran once');
      assert.equal(new Set(jobs).size, jobs.length);
    } finally {
      await instance.close();
    }
  });

  test('a job insert whose answer is lost after BigQuery took the job: the retry meets 409 and the engine follows its own job, run once', async () => {
    const inserts = cloud.bq.requests.length;
    const { rows, jobs, instance } = await runAll('lost', { count: 1, match: JOB_INSERT, afterExecuting: true });
    try {
      assert.deepEqual(rows, reference);
      assert.equal(jobs.length, referenceJobs, 'the job whose answer was lost is not run again');
      const posts = cloud.bq.requests.slice(inserts).filter((r) => JOB_INSERT(r.method, r.path)).map((r) => (r.body as { jobReference?: { jobId?: string } }).jobReference?.jobId);
      const repeated = posts.filter((id, i) => posts.indexOf(id) !== i);
      assert.equal(repeated.length, 1, `one insert was sent again with its job id: ${posts.join(', ')}`);
      assert.ok(jobs.includes(repeated[0]!), 'the repeated job is one of the run\'s jobs');
    } finally {
      await instance.close();
    }
  });

  test('a 503 on job polls and result pages is retried: the run succeeds with the same rows', async () => {
    const { rows, jobs, instance } = await runAll('poll', { count: 2, match: JOB_READ });
    try {
      assert.deepEqual(rows, reference);
      assert.equal(jobs.length, referenceJobs);
    } finally {
      await instance.close();
    }
  });
});
