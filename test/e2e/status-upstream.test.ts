// `quarry status ASSET` and `quarry plan ASSET` see upstream staleness: the answer for a partition
// does not depend on what else is selected (issue 11, point 1), on a copy of examples/hello.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLOCK_TOO_EARLY, createE2eProject, describeResult, parseJson } from './e2e-project.ts';

interface StatusJson {
  assets: { assetKey: string; counts: { fresh: number; stale: number; missing: number; failed: number }; ranges: { stale: number[][] } }[];
}

test('after a source change of raw/orders, `quarry status marts/revenue_7d` shows the 7 stale days the whole graph shows', { skip: CLOCK_TOO_EARLY }, async (t) => {
  const project = createE2eProject('status-upstream');
  t.after(() => project.cleanup());
  const backfill = await project.quarry(['backfill', '*', '--from', '2026-01-01', '--to', '2026-01-10']);
  assert.equal(backfill.code, 0, describeResult(backfill));
  project.writeFile('data/orders/2026-01-03.csv', 'order_id,customer_id,amount,status,ordered_at\no-1,c-1,10.5,paid,2026-01-03T10:00:00Z\n');
  const whole = await project.quarry(['status', '--json']);
  assert.equal(whole.code, 0, describeResult(whole));
  const inGraph = parseJson<StatusJson>(whole).assets.find((a) => a.assetKey === 'marts/revenue_7d')!;
  // Day 3 changed: revenue_7d of days 3..9 reads it (7-day window).
  assert.equal(inGraph.counts.stale, 7, describeResult(whole));
  const alone = await project.quarry(['status', 'marts/revenue_7d', '--json']);
  assert.equal(alone.code, 0, describeResult(alone));
  const [asset] = parseJson<StatusJson>(alone).assets;
  assert.deepEqual(asset, inGraph, 'the asset alone has the status it has in the whole graph');
  assert.deepEqual(asset?.ranges.stale, [[2, 9]]);
  const plan = await project.quarry(['plan', 'marts/revenue_7d', '--from', '2026-01-01', '--to', '2026-01-10', '--json']);
  assert.equal(plan.code, 0, describeResult(plan));
  const steps = parseJson<{ steps: { partition: string; reason: string }[] }>(plan).steps;
  assert.deepEqual(steps.map((s) => [s.partition, s.reason]), ['03', '04', '05', '06', '07', '08', '09'].map((d) => [`2026-01-${d}`, 'upstream_stale']));
});
