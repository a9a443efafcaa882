import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPlanEstimate, formatUsd, planEstimateToJson } from './plan-command.ts';
import { formatRunCost } from './runs-command.ts';

const GiB = 2 ** 30;

test('quarry plan prints dry-run bytes and cost per step and the total; unestimated steps say why', () => {
  const estimate = {
    target: 'prod',
    pricePerTiB: 6.25,
    totalBytes: 3 * GiB,
    estimatedCost: (3 / 1024) * 6.25,
    estimated: true,
    steps: [
      { stepId: 'raw/videos[2026-01-01..2026-01-03]', assetKey: 'raw/videos', engine: 'bigquery', bytesProcessed: 3 * GiB, estimatedCost: (3 / 1024) * 6.25 },
      { stepId: 'marts/top[2026-01-03]', assetKey: 'marts/top', engine: 'bigquery', bytesProcessed: undefined, note: 'upstream raw/videos is not written yet' },
    ],
  };
  assert.deepEqual(formatPlanEstimate(estimate), [
    'Dry run on target prod (at $6.25 per TiB):',
    '  raw/videos[2026-01-01..2026-01-03]  3.00 GiB  $0.02',
    '  marts/top[2026-01-03]  not estimated: upstream raw/videos is not written yet',
    'Total: 3.00 GiB (3221225472 bytes), estimated $0.02; 1 step not estimated',
  ]);
  assert.deepEqual(planEstimateToJson(estimate).steps, [
    { step: 'raw/videos[2026-01-01..2026-01-03]', asset: 'raw/videos', engine: 'bigquery', bytes: 3 * GiB, cost: (3 / 1024) * 6.25 },
    { step: 'marts/top[2026-01-03]', asset: 'marts/top', engine: 'bigquery', bytes: null, note: 'upstream raw/videos is not written yet' },
  ]);
  assert.equal(formatUsd(12.345), '$12.35');
  assert.equal(formatUsd(0), '$0.00');
  assert.equal(formatUsd(0.00183), '$0.00183');
});

test('a run prints bytes billed and cost per step and in total, and nothing when it ran no engine jobs', () => {
  assert.deepEqual(formatRunCost({ pricePerTiB: 6.25, jobs: 0, bytesProcessed: 0, bytesBilled: 0, cost: 0, steps: [] }), []);
  const billed = 2 ** 40;
  assert.deepEqual(
    formatRunCost({ pricePerTiB: 5, jobs: 3, bytesProcessed: billed, bytesBilled: billed, cost: 5, steps: [{ stepId: 'raw/a[2026-01-02]', assetKey: 'raw/a', jobs: 3, bytesProcessed: billed, bytesBilled: billed, cost: 5 }] }),
    ['Billed: 1.00 TiB (1099511627776 bytes) in 3 jobs, $5.00 at $5.00 per TiB', '  raw/a[2026-01-02]  1.00 TiB billed (1.00 TiB processed)  $5.00'],
  );
});
