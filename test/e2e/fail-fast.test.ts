// End-to-end: deterministic errors fail at once through the real `quarry` CLI (issue "Trust", point
// 10): a SQL binder error, the same binder error raised through a compute function's DuckDB
// connection, and a TypeError in a compute function each end their step after ONE attempt, with no
// retry event, while a healthy step of the same run succeeds. (Before, the compute errors were
// retried after 1 min → 5 min → 15 min: 21 minutes before the run ended.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLOCK_TOO_EARLY, createE2eProject, describeResult, parseJson, replaceOnce, runIdOf } from './e2e-project.ts';

const DAY = '2026-01-03';

interface RunJson {
  run: { status: string };
  steps: { stepId: string; status: string; attempt: number; error: string | null }[];
  events: { type: string; stepId: string | null }[];
}

test('a SQL binder error, a binder error inside compute and a TypeError each fail in one attempt', { skip: CLOCK_TOO_EARLY }, async (t) => {
  const project = createE2eProject('fail-fast');
  t.after(() => project.cleanup());
  project.editConfig((s) =>
    replaceOnce(
      s,
      "export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d] });",
      [
        "export const brokenSql = defineAsset({ key: 'marts/broken_sql', deps: { orders }, partitions: daily, sql: `select order_id, no_such_column from orders` });",
        'export const brokenCompute = defineAsset({',
        "  key: 'marts/broken_compute',",
        '  deps: { orders },',
        '  partitions: daily,',
        '  compute: async (ctx) => {',
        "    await (ctx.connection as { run(sql: string): Promise<unknown> }).run('select no_such_column from orders');",
        '    return [];',
        '  },',
        '});',
        'export const buggy = defineAsset({',
        "  key: 'marts/buggy',",
        '  deps: { orders },',
        '  partitions: daily,',
        '  compute: async (ctx) => (await ctx.query(`select order_id from orders`)).map((row) => ({ id: (row.missing as { id: string }).id })),',
        '});',
        '',
        "export default defineProject({ name: 'hello', assets: [orders, brokenSql, brokenCompute, buggy] });",
      ].join('\n'),
    ),
  );
  const result = await project.quarry(['materialize', '--partition', DAY]);
  const shown = describeResult(result);
  assert.equal(result.code, 1, shown);
  assert.doesNotMatch(result.stderr, /retrying|↻/, `nothing is retried\n${shown}`);
  for (const [asset, message] of [
    ['marts/broken_sql', 'SQL failed: Binder Error: Referenced column "no_such_column" not found'],
    ['marts/broken_compute', 'compute threw: Binder Error: Referenced column "no_such_column" not found'],
    ['marts/buggy', "compute threw: Cannot read properties of undefined (reading 'id')"],
  ] as const) {
    assert.ok(result.stderr.includes(`✗ ${asset}[${DAY}]: Asset "${asset}" partition "${DAY}": ${message}`), `${asset} fails naming asset, partition and the error\n${shown}`);
  }

  const run = parseJson<RunJson>(await project.quarry(['run', runIdOf(result), '--json', '--logs']));
  assert.equal(run.run.status, 'partially_failed');
  assert.deepEqual(
    run.steps.map((s) => [s.stepId, s.status, s.attempt]).sort(),
    [
      [`marts/broken_compute[${DAY}]`, 'failed', 1],
      [`marts/broken_sql[${DAY}]`, 'failed', 1],
      [`marts/buggy[${DAY}]`, 'failed', 1],
      [`raw/orders[${DAY}]`, 'succeeded', 1],
    ],
  );
  assert.deepEqual(run.events.filter((e) => e.type === 'step_retrying'), [], 'no step_retrying event');
  assert.equal(run.events.filter((e) => e.type === 'step_started').length, 4, 'four steps, one attempt each');
});
