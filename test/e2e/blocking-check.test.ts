// End-to-end: a blocking quality check follows write–audit–publish, through the real `quarry` CLI on a
// copy of examples/hello (issue "Data quality", point 2): a failing day keeps its previous version,
// its downstream is skipped with blocked_by_check, other days proceed, and fixing the data publishes it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CLOCK_TOO_EARLY, createE2eProject, describeResult, parseJson, replaceOnce, runIdOf, type E2eProject } from './e2e-project.ts';

const HEADER = 'order_id,customer_id,amount,status,ordered_at';
const GOOD = ['o-1,c-1,10,paid,2026-01-03T10:00:00Z', 'o-2,c-2,20,paid,2026-01-03T11:00:00Z'];
const NEGATIVE = ['o-1,c-1,10,paid,2026-01-03T10:00:00Z', 'o-2,c-2,-5,paid,2026-01-03T11:00:00Z'];
const csv = (rows: readonly string[]) => `${HEADER}\n${rows.join('\n')}\n`;

interface RunJson {
  run: { id: string; status: string };
  steps: { stepId: string; status: string; reason: string | null; error: string | null }[];
}

let project: E2eProject;

before(() => {
  project = createE2eProject('blocking-check');
  project.editConfig((source) =>
    replaceOnce(
      replaceOnce(source, "import { z } from 'zod';", "import { z } from 'zod';\nimport { acceptedRange, notNull, unique } from '@quarry/core';"),
      "  description: 'Paid orders, one row per order id.',",
      "  description: 'Paid orders, one row per order id.',\n  checks: [acceptedRange('amount', { min: 0, blocking: true }), unique('order_id'), notNull(['order_id', 'customer_id'])],",
    ),
  );
});

after(() => project?.cleanup());

test('a blocking check keeps the previous version, skips downstream, lets other days run; a fix publishes', { skip: CLOCK_TOO_EARLY }, async () => {
  project.writeFile('data/orders/2026-01-03.csv', csv(GOOD));
  const first = await project.quarry(['backfill', '*', '--from', '2026-01-01', '--to', '2026-01-05']);
  assert.equal(first.code, 0, describeResult(first));
  const checks = parseJson<{ assets: { asset: string; score: number | null; results: { partitionKey: string; checkName: string; passed: boolean }[] }[] }>(
    await project.quarry(['checks', 'staging/orders_clean', '--json']),
  );
  assert.equal(checks.assets[0]!.results.length, 15, 'three checks on five days');
  assert.ok(checks.assets[0]!.results.every((r) => r.passed), 'every check passes on good data');
  assert.equal(checks.assets[0]!.score, 100);

  // Day 3 now holds a negative amount: staging day 3 must not be published.
  project.writeFile('data/orders/2026-01-03.csv', csv(NEGATIVE));
  const second = await project.quarry(['materialize', '--from', '2026-01-01', '--to', '2026-01-05']);
  assert.equal(second.code, 1, describeResult(second));
  const runId = runIdOf(second);
  const run = parseJson<RunJson>(await project.quarry(['run', runId, '--json']));
  const byId = new Map(run.steps.map((s) => [s.stepId, s]));
  assert.equal(byId.get('raw/orders[2026-01-03]')?.status, 'succeeded');
  assert.equal(byId.get('staging/orders_clean[2026-01-03]')?.reason, 'blocked_by_check');
  assert.match(byId.get('staging/orders_clean[2026-01-03]')?.error ?? '', /amount_range|amount/);
  for (const day of ['2026-01-03', '2026-01-04', '2026-01-05']) {
    assert.equal(byId.get(`marts/revenue_7d[${day}]`)?.status, 'skipped', `revenue ${day} is skipped`);
  }
  // The previous good version of staging day 3 is still the current one.
  const rows = parseJson<{ rows: { order_id: string; amount: number }[] }>(
    await project.quarry(['query', "select order_id, amount from staging__orders_clean where day = '2026-01-03' order by order_id", '--json']),
  );
  assert.deepEqual(rows.rows, [{ order_id: 'o-1', amount: 10 }, { order_id: 'o-2', amount: 20 }]);
  const status = parseJson<{ assets: { assetKey: string; counts: { failed: number; stale: number } }[] }>(
    await project.quarry(['status', 'staging/orders_clean', '--json']),
  );
  assert.ok(status.assets[0]!.counts.stale >= 1, 'staging day 3 stays stale until it is published');

  // Fix the data: day 3 publishes, then its downstream runs.
  project.writeFile('data/orders/2026-01-03.csv', csv([...GOOD, 'o-3,c-3,30,paid,2026-01-03T12:00:00Z']));
  const third = await project.quarry(['materialize', '--from', '2026-01-01', '--to', '2026-01-05']);
  assert.equal(third.code, 0, describeResult(third));
  const fixed = parseJson<{ rows: { n: number; total: number }[] }>(
    await project.quarry(['query', "select count(*)::INT as n, sum(amount)::INT as total from staging__orders_clean where day = '2026-01-03'", '--json']),
  );
  assert.deepEqual(fixed.rows, [{ n: 3, total: 60 }]);
  const plan = parseJson<{ steps: unknown[] }>(await project.quarry(['plan', '--from', '2026-01-01', '--to', '2026-01-05', '--json']));
  assert.deepEqual(plan.steps, []);
});
