// `npm run demo:bigquery`: the TikTok pipeline of `npm run demo` on the `prod` target of
// examples/tiktok — the BigQuery engine with its lake in a GCS bucket — against local stand-ins of
// BigQuery and GCS on loopback (test/doubles: REST doubles driven by the real Google client
// libraries; the BigQuery one runs the SQL it receives on DuckDB). No Google account is needed.
//
//   1. starts the two doubles and creates the dataset (what `bq mk` does once in real life),
//   2. runs `npm run demo`'s steps with QUARRY_TARGET=prod (same landing, same summary),
//   3. re-runs the last day forced, to compare the dry runs' bytes with what the jobs processed and billed,
//   4. prints the requests the doubles served per partition step.
//
// Options: those of `npm run demo` (--days, --creators, --seed, --start, --fresh, --concurrency); the
// defaults here are 2,000 creators × 7 days (the BigQuery double runs every job on one DuckDB connection).
// The doubles keep their data in memory, so the prod target's catalog starts empty every time.
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openInstance } from '@quarry/core';
import { startCloudDoubles } from '../test/doubles/cloud-doubles.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const projectDir = join(root, 'examples', 'tiktok');
const PROJECT = 'quarry-demo';
const BUCKET = 'quarry-demo-lake';
const DATASET = 'tiktok';
const out = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

for (const [option, value] of [['--creators', '2000'], ['--days', '7']] as const) {
  if (!process.argv.some((a) => a === option || a.startsWith(`${option}=`))) process.argv.push(option, value);
}

const started = performance.now();
const cloud = await startCloudDoubles({ projectId: PROJECT, datasets: [DATASET], buckets: [BUCKET] });
const { bq, gcs } = cloud;
try {
  const token = 'demo-token';
  Object.assign(process.env, {
    QUARRY_TARGET: 'prod',
    QUARRY_GCP_PROJECT: PROJECT,
    QUARRY_BQ_DATASET: DATASET,
    QUARRY_BQ_LOCATION: 'EU',
    QUARRY_GCS_BUCKET: BUCKET,
    QUARRY_BIGQUERY_ENDPOINT: bq.url,
    QUARRY_GCS_ENDPOINT: gcs.url,
    QUARRY_GCP_ACCESS_TOKEN: token,
  });
  out(`BigQuery double at ${bq.url} (project ${PROJECT}, dataset ${DATASET}), GCS double at ${gcs.url} (bucket ${BUCKET})`);
  // The doubles start empty: so does the prod target's catalog (the dev target's state is kept).
  rmSync(join(projectDir, '.quarry', 'targets', 'prod'), { recursive: true, force: true });

  // 2. The demo itself, unchanged, on the target QUARRY_TARGET names.
  await import('./demo.ts');
  const backfillRequests = { bigquery: bq.requests.length, gcs: gcs.requests.length };
  const instance = await openInstance({ projectDir, quarryHome: join(projectDir, '.quarry') });
  try {
    const runs = instance.listRuns({ limit: 10 });
    const backfill = runs.find((r) => r.status === 'succeeded');
    const partitionSteps = backfill === undefined ? 0 : instance.listSteps(backfill.id).reduce((n, s) => n + (Array.isArray(s.partitions) ? Math.max(1, s.partitions.length) : 1), 0);
    const totals = backfill === undefined ? undefined : instance.catalog.engineJobTotals(backfill.id);
    out();
    out('on the doubles:');
    if (totals !== undefined) {
      out(`  backfill ${backfill!.id}: ${fmt(totals.jobs)} BigQuery jobs, ${mib(totals.bytesProcessed)} processed, ${mib(totals.bytesBilled)} billed`);
    }
    out(
      `  requests: ${fmt(backfillRequests.bigquery)} to BigQuery and ${fmt(backfillRequests.gcs)} to GCS for ${fmt(partitionSteps)} asset partitions ` +
        `(${(backfillRequests.bigquery / Math.max(1, partitionSteps)).toFixed(1)} + ${(backfillRequests.gcs / Math.max(1, partitionSteps)).toFixed(1)} per partition, the summary's queries included)`,
    );

    // 3. Bytes estimated vs billed: the last day again, forced, after dry runs of every step.
    const lastDay = instance.partitionKeys('core/creator_snapshots', { offset: 0, limit: 1_000_000 }).keys.at(-1)!;
    const plan = await instance.plan({ partitions: { key: lastDay }, force: true });
    const estimate = await instance.estimatePlan(plan);
    const { runId } = await instance.startRun({ partitions: { key: lastDay }, force: true, tags: { source: 'demo:bigquery' } });
    const rerun = await instance.waitForRun(runId);
    const billed = instance.catalog.engineJobTotals(runId);
    const queries = bq.jobs.filter((j) => j.kind === 'query' && !j.dryRun && j.labels.quarry_run === runId.toLowerCase());
    out(
      `  ${lastDay} forced (${plan.steps.length} steps, run ${rerun.status}): dry runs estimated ${mib(estimate.totalBytes)} (${estimate.steps.filter((s) => s.bytesProcessed !== undefined).length} of ${estimate.steps.length} steps estimated, ` +
        `$${estimate.estimatedCost.toFixed(6)}); the jobs processed ${mib(billed.bytesProcessed)} and billed ${mib(billed.bytesBilled)} (${fmt(queries.length)} query jobs)`,
    );
  } finally {
    await instance.close();
  }
  out(`demo:bigquery: ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
} finally {
  await cloud.close();
}
