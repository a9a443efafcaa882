// The TikTok creator/video analytics pipeline over a generated landing folder.
//   landing:  $TIKTOK_LANDING, or ./landing next to this file (gitignored); create it with
//             `npx quarry-tiktok generate --creators 10000 --days 30 --start 2026-01-01 --out examples/tiktok/landing`
//             or `npm run demo`.
//   partitions: daily, from the landing manifest's first day to its last, so they match the generated range.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigquery, defineProject, gcs, local } from '@quarry/core';
import { defineTikTokPipelineFromLanding } from '@quarry/assets';

const here = dirname(fileURLToPath(import.meta.url));
// Resolved here (not from the working directory) so `quarry … --project examples/tiktok` works from anywhere.
const landingDir = resolve(here, process.env.TIKTOK_LANDING || './landing');

// Automation (docs/automation.md, `quarry daemon --project examples/tiktok`): the landing sensor requests
// each new or changed landing day, the intraday branch runs every 15 minutes at high priority (30m
// freshness), the daily marts are eager (26h freshness).
const pipeline = defineTikTokPipelineFromLanding(landingDir, { automation: true });

// Storage tiers (docs/storage-tiers.md): days older than 30 days are rewritten warm (ZSTD 9, large row
// groups), older than a year moved to the cold folder; `quarry storage apply` (or the daemon) moves them.
export default defineProject({
  name: 'tiktok',
  assets: pipeline.assets,
  sensors: pipeline.sensors,
  concurrency: 2,
  // One daemon run at a time: a request's steps run in order (the intraday mart after its extracts),
  // and the 15-minute tier still starts within one step of a long backfill (it is queued first).
  automation: { maxConcurrentRuns: 1 },
  // Rows of these assets are anomalies: a version with rows raises a warning (docs/alerts.md). Add
  // `routes` to send warnings somewhere; without them alerts are only listed by `quarry alerts`.
  alerts: { anomalyAssets: ['quality/follower_spikes', 'quality/view_sum_mismatches'] },
  storage: { hot: '30d', warm: '365d', cold: 'after 365d', coldStore: local('.quarry/cold') },
  // `--target prod` (or QUARRY_TARGET=prod): BigQuery + GCS (docs/bigquery.md). Set QUARRY_GCP_PROJECT,
  // QUARRY_BQ_DATASET and QUARRY_GCS_BUCKET to yours; `npm run demo:bigquery` points the two endpoints
  // at local stand-ins of BigQuery and GCS instead.
  targets: {
    prod: {
      engine: bigquery({
        projectId: env('QUARRY_GCP_PROJECT') ?? 'my-gcp-project',
        dataset: env('QUARRY_BQ_DATASET') ?? 'tiktok',
        location: env('QUARRY_BQ_LOCATION') ?? 'EU',
        ...(env('QUARRY_BIGQUERY_ENDPOINT') !== undefined ? { apiEndpoint: env('QUARRY_BIGQUERY_ENDPOINT') } : {}),
      }),
      store: gcs({
        bucket: env('QUARRY_GCS_BUCKET') ?? 'my-tiktok-lake',
        prefix: 'lake/',
        ...(env('QUARRY_GCS_ENDPOINT') !== undefined ? { apiEndpoint: env('QUARRY_GCS_ENDPOINT') } : {}),
      }),
    },
  },
});

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}
