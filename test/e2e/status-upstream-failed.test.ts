// `quarry status` counts partitions that a run skipped because an upstream failed as upstream_failed,
// not missing (issue 11, point 15), on a copy of examples/hello.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLOCK_TOO_EARLY, createE2eProject, describeResult, parseJson } from './e2e-project.ts';

interface StatusJson {
  assets: { assetKey: string; counts: { missing: number; failed: number; upstream_failed: number }; ranges: { failed: number[][]; upstream_failed: number[][] } }[];
}

test('a failed day of raw/orders makes the never-materialized days below it upstream_failed in quarry status', { skip: CLOCK_TOO_EARLY }, async (t) => {
  const project = createE2eProject('status-upstream-failed');
  t.after(() => project.cleanup());
  // A directory where the day's CSV should be: reading it throws, so raw/orders fails on 2026-01-02.
  mkdirSync(join(project.dir, 'data', 'orders', '2026-01-02.csv'), { recursive: true });
  const backfill = await project.quarry(['backfill', '*', '--from', '2026-01-01', '--to', '2026-01-03']);
  assert.notEqual(backfill.code, 0, describeResult(backfill));
  const status = await project.quarry(['status', '--json']);
  assert.equal(status.code, 0, describeResult(status));
  const byKey = new Map(parseJson<StatusJson>(status).assets.map((a) => [a.assetKey, a]));
  assert.deepEqual(byKey.get('raw/orders')?.ranges.failed, [[1, 2]]);
  assert.equal(byKey.get('raw/orders')?.counts.upstream_failed, 0);
  assert.deepEqual(byKey.get('staging/orders_clean')?.ranges.upstream_failed, [[1, 2]], describeResult(status));
  // revenue_7d of days 2..8 reads day 2 (7-day window): the run skipped days 2 and 3, the others were never tried.
  assert.deepEqual(byKey.get('marts/revenue_7d')?.ranges.upstream_failed, [[1, 8]], describeResult(status));
  const table = await project.quarry(['status']);
  assert.match(table.stdout, /UPSTREAM FAILED/);
  assert.match(table.stdout, /staging\/orders_clean.*1 \(2026-01-02\)\s*$/m);
});
