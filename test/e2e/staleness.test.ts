// End-to-end: planning after a backfill, a code edit and a source change, early cut-off and time
// travel, through the real `quarry` CLI on a copy of examples/hello (issue "Quarry foundation II", point 4).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { materializationCounts, partitionLabel, readCatalogSnapshot } from './catalog-snapshot.ts';
import { CLOCK_TOO_EARLY, createE2eProject, dayKeys, describeResult, parseJson, replaceOnce, runIdOf, type CliResult, type E2eProject } from './e2e-project.ts';

const RANGE = ['--from', '2026-01-01', '--to', '2026-01-10'] as const;
const HEADER = 'order_id,customer_id,amount,status,ordered_at';

interface PlanJson {
  steps: { asset: string; partition: string; reason: string; upstream?: { asset: string; partition: string } }[];
}

interface RunJson {
  run: { id: string; status: string };
  steps: { stepId: string; assetKey: string; status: string }[];
  events?: { stepId: string | null; type: string; data: Record<string, unknown> | null }[];
}

function assertOk(result: CliResult): void {
  assert.equal(result.code, 0, describeResult(result));
}

async function backfillTenDays(project: E2eProject): Promise<string> {
  const result = await project.quarry(['backfill', '*', ...RANGE]);
  assertOk(result);
  assert.match(result.stdout, /^Run r_\S+: 30 steps$/m, describeResult(result));
  return runIdOf(result);
}

async function plan(project: E2eProject, args: readonly string[] = RANGE): Promise<PlanJson> {
  const result = await project.quarry(['plan', ...args, '--json']);
  assertOk(result);
  return parseJson<PlanJson>(result);
}

async function query<Row>(project: E2eProject, sql: string, extra: readonly string[] = []): Promise<Row[]> {
  const result = await project.quarry(['query', sql, '--json', ...extra]);
  assertOk(result);
  return parseJson<{ rows: Row[] }>(result).rows;
}

/** The `step_succeeded` metadata of every step of a run, by step id (from `quarry run ID --logs --json`). */
async function stepMetadata(project: E2eProject, runId: string): Promise<Map<string, Record<string, unknown>>> {
  const result = await project.quarry(['run', runId, '--logs', '--json']);
  assertOk(result);
  const { events } = parseJson<RunJson>(result);
  assert.ok(events, 'quarry run --logs --json prints the events');
  return new Map(events.filter((e) => e.type === 'step_succeeded' && e.stepId !== null).map((e) => [e.stepId!, e.data ?? {}]));
}

function csv(rows: readonly string[]): string {
  return [HEADER, ...rows, ''].join('\n');
}

const ORDERS_0103 = ['o-1,c-1,10.5,paid,2026-01-03T10:00:00Z', 'o-2,c-2,20,paid,2026-01-03T11:00:00Z', 'o-3,c-3,5,cancelled,2026-01-03T12:00:00Z'];

describe('planning and early cut-off on examples/hello', { skip: CLOCK_TOO_EARLY, concurrency: 2 }, () => {
  test('after backfilling 10 days, plan over those days has 0 steps', async (t) => {
    const project = createE2eProject('plan-after-backfill');
    t.after(() => project.cleanup());
    const runId = await backfillTenDays(project);
    const result = await project.quarry(['plan', ...RANGE, '--json']);
    assertOk(result);
    assert.equal(result.stdout, '{"steps":[]}\n');
    const again = await project.quarry(['backfill', '*', ...RANGE]);
    assertOk(again);
    assert.equal(again.stdout, 'Nothing to do: every selected partition is up to date.\n', 'a second backfill runs nothing');
    const runs = await project.quarry(['runs']);
    assertOk(runs);
    assert.match(runs.stdout, new RegExp(`^${runId} +backfill +succeeded +\\* +\\{"from":"2026-01-01","to":"2026-01-10"\\} +20`, 'm'), describeResult(runs));
    const resumed = await project.quarry(['backfill', '--resume', runId]);
    assert.equal(resumed.code, 1, describeResult(resumed));
    assert.equal(resumed.stderr, `quarry backfill: Run ${runId} already succeeded; there is nothing to resume. [QUARRY_RUN_NOT_RESUMABLE]\n`);
  });

  test('an SQL edit plans that asset (code_changed) and its downstream (upstream_stale), all 10 days; a whitespace/comment edit plans nothing', async (t) => {
    const project = createE2eProject('plan-code-edit');
    t.after(() => project.cleanup());
    await backfillTenDays(project);

    // Only layout and a comment change: the normalized SQL is the same.
    project.editConfig((s) =>
      replaceOnce(
        s,
        `    where status = 'paid'\n    group by order_id\n`,
        `    -- paid orders only\n    where   status = 'paid'\n\n\tgroup by order_id   /* one row per order */\n`,
      ),
    );
    assert.deepEqual(await plan(project), { steps: [] }, 'a whitespace/comment-only edit plans nothing');

    project.editConfig((s) => replaceOnce(s, 'max(amount) as amount', 'max(amount) * 2 as amount'));
    const days = dayKeys('2026-01-01', '2026-01-10');
    const { steps } = await plan(project);
    assert.deepEqual(
      steps.map((s) => [s.asset, s.partition, s.reason]),
      [
        ...days.map((d) => ['staging/orders_clean', d, 'code_changed']),
        ...days.map((d) => ['marts/revenue_7d', d, 'upstream_stale']),
      ],
    );
    for (const s of steps.filter((x) => x.asset === 'marts/revenue_7d')) {
      assert.equal(s.upstream?.asset, 'staging/orders_clean', `revenue ${s.partition} names its stale upstream`);
    }

    // Running the plan brings everything up to date with the doubled amounts.
    const before = await query<{ revenue: number }>(project, "select revenue from marts__revenue_7d where day = '2026-01-10'");
    const run = await project.quarry(['materialize', ...RANGE]);
    assertOk(run);
    assert.match(run.stdout, /^Run r_\S+: 20 steps$/m);
    assert.deepEqual(await plan(project), { steps: [] });
    const afterRun = await query<{ revenue: number }>(project, "select revenue from marts__revenue_7d where day = '2026-01-10'");
    assert.equal(afterRun[0]!.revenue, before[0]!.revenue * 2);
  });

  test('a source change of one day plans raw/orders [2026-01-03] and only the downstream partitions its mappings reach', async (t) => {
    const project = createE2eProject('plan-source-change');
    t.after(() => project.cleanup());
    await backfillTenDays(project);
    project.writeFile('data/orders/2026-01-03.csv', csv(ORDERS_0103));

    const { steps } = await plan(project);
    assert.deepEqual(steps, [
      { asset: 'raw/orders', partition: '2026-01-03', reason: 'source_changed' },
      { asset: 'staging/orders_clean', partition: '2026-01-03', reason: 'upstream_stale', upstream: { asset: 'raw/orders', partition: '2026-01-03' } },
      ...dayKeys('2026-01-03', '2026-01-09').map((d) => ({
        asset: 'marts/revenue_7d',
        partition: d,
        reason: 'upstream_stale',
        upstream: { asset: 'staging/orders_clean', partition: '2026-01-03' },
      })),
    ]);

    // status sees the same: the changed day and what reads it are stale, the rest of the 10 days fresh.
    const status = await project.quarry(['status', '--json']);
    assertOk(status);
    const byAsset = new Map(parseJson<{ assets: { assetKey: string; ranges: { stale: number[][] }; counts: { fresh: number; stale: number } }[] }>(status).assets.map((a) => [a.assetKey, a]));
    assert.deepEqual(byAsset.get('raw/orders')?.ranges.stale, [[2, 3]], 'raw/orders [2026-01-03] stale');
    assert.deepEqual(byAsset.get('staging/orders_clean')?.ranges.stale, [[2, 3]], 'staging [2026-01-03] stale');
    assert.deepEqual(byAsset.get('marts/revenue_7d')?.ranges.stale, [[2, 9]], 'revenue [2026-01-03..2026-01-09] stale');
    assert.deepEqual([...byAsset.values()].map((a) => a.counts.fresh), [9, 9, 3]);

    const run = await project.quarry(['materialize', ...RANGE]);
    assertOk(run);
    assert.match(run.stdout, /^Run r_\S+: 9 steps$/m);
    assert.deepEqual(await plan(project), { steps: [] }, 'after materializing, nothing is stale');
    const rows = await query<{ n: number; paid: number }>(
      project,
      "select count(*)::INT as n, (select count(*)::INT from staging__orders_clean where day = '2026-01-03') as paid from raw__orders",
    );
    assert.deepEqual(rows, [{ n: 183, paid: 2 }], '2026-01-03 now holds the 3 orders of the CSV, 2 of them paid');
  });

  test('a source change with identical output: raw/orders and staging re-run, staging keeps its data version and revenue_7d is cut off', async (t) => {
    const project = createE2eProject('plan-cutoff');
    t.after(() => project.cleanup());
    await backfillTenDays(project);
    project.writeFile('data/orders/2026-01-03.csv', csv(ORDERS_0103));
    assertOk(await project.quarry(['materialize', ...RANGE]));
    const revenueBefore = await query<Record<string, unknown>>(project, 'select * from marts__revenue_7d order by day');
    const before = readCatalogSnapshot(project.catalogPath);

    // One more order, cancelled: raw/orders changes, staging (paid orders only) does not.
    project.writeFile('data/orders/2026-01-03.csv', csv([...ORDERS_0103, 'o-4,c-4,7,cancelled,2026-01-03T13:00:00Z']));
    const planned = await plan(project);
    assert.deepEqual(
      planned.steps.map((s) => `${s.asset} [${s.partition}] ${s.reason}`),
      [
        'raw/orders [2026-01-03] source_changed',
        'staging/orders_clean [2026-01-03] upstream_stale',
        ...dayKeys('2026-01-03', '2026-01-09').map((d) => `marts/revenue_7d [${d}] upstream_stale`),
      ],
    );
    const run = await project.quarry(['materialize', ...RANGE]);
    assertOk(run);
    const runId = runIdOf(run);

    const metadata = await stepMetadata(project, runId);
    assert.equal(metadata.get('raw/orders[2026-01-03]')?.written, 1, 'raw/orders [2026-01-03] re-ran');
    assert.equal(metadata.get('raw/orders[2026-01-03]')?.dataChanged, true, 'raw/orders [2026-01-03] has a new data version');
    assert.equal(metadata.get('staging/orders_clean[2026-01-03]')?.written, 1, 'staging [2026-01-03] re-ran');
    assert.equal(metadata.get('staging/orders_clean[2026-01-03]')?.dataChanged, false, 'staging [2026-01-03] kept its data version');
    for (const day of dayKeys('2026-01-03', '2026-01-09')) {
      const m = metadata.get(`marts/revenue_7d[${day}]`);
      assert.ok(m, `revenue_7d [${day}] step finished`);
      assert.equal(m.written, 0, `revenue_7d [${day}] was cut off, not rewritten`);
      assert.equal(m.upToDate, 1, `revenue_7d [${day}] was found up to date`);
    }

    const after = readCatalogSnapshot(project.catalogPath);
    const staging = partitionLabel('staging/orders_clean', '2026-01-03');
    assert.equal(after.currentDataVersions.get(staging), before.currentDataVersions.get(staging), 'same staging data version');
    assert.notEqual(after.currentIds.get(staging), before.currentIds.get(staging), 'staging was committed again');
    for (const day of dayKeys('2026-01-01', '2026-01-10')) {
      const label = partitionLabel('marts/revenue_7d', day);
      assert.equal(after.currentIds.get(label), before.currentIds.get(label), `${label}: same materialization as before`);
      assert.equal(materializationCounts(after).get(label), materializationCounts(before).get(label), `${label}: no new materialization`);
    }
    assert.deepEqual(await query(project, 'select * from marts__revenue_7d order by day'), revenueBefore);
    assert.deepEqual(await plan(project), { steps: [] });

    // The same rows in another order: raw/orders re-runs (the file changed) but its data version
    // does not, so staging is cut off too.
    project.writeFile('data/orders/2026-01-03.csv', csv(['o-4,c-4,7,cancelled,2026-01-03T13:00:00Z', ...[...ORDERS_0103].reverse()]));
    const reordered = await project.quarry(['materialize', ...RANGE]);
    assertOk(reordered);
    const reorderedMeta = await stepMetadata(project, runIdOf(reordered));
    assert.equal(reorderedMeta.get('raw/orders[2026-01-03]')?.dataChanged, false, 'reordered rows: same raw data version');
    assert.equal(reorderedMeta.get('staging/orders_clean[2026-01-03]')?.written, 0, 'staging cut off');
    const final = readCatalogSnapshot(project.catalogPath);
    assert.equal(final.currentIds.get(staging), after.currentIds.get(staging), 'staging not rewritten after a reorder');
    assert.deepEqual(await plan(project), { steps: [] });
  });

  test('query --as-of a time between two runs reads the versions of the first run', async (t) => {
    const project = createE2eProject('query-as-of');
    t.after(() => project.cleanup());
    const beforeAll = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await backfillTenDays(project);
    const sql = "select (select count(*)::INT from raw__orders) as raw_rows, (select orders::INT from marts__revenue_7d where day = '2026-01-03') as orders_0103";
    const first = await query<{ raw_rows: number; orders_0103: number }>(project, sql);
    assert.equal(first[0]!.raw_rows, 200);
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));

    project.writeFile('data/orders/2026-01-03.csv', csv(ORDERS_0103));
    assertOk(await project.quarry(['materialize', ...RANGE]));
    const now = await query<{ raw_rows: number; orders_0103: number }>(project, sql);
    assert.equal(now[0]!.raw_rows, 183, 'the current version of 2026-01-03 has the CSV rows');
    assert.notEqual(now[0]!.orders_0103, first[0]!.orders_0103);

    assert.deepEqual(await query(project, sql, ['--as-of', between]), first, '--as-of between the runs reads the old versions');
    assert.deepEqual(
      await query(project, 'select order_id from raw__orders where ordered_at like $$2026-01-03%$$ order by order_id', ['--as-of', between]),
      Array.from({ length: 20 }, (_, i) => ({ order_id: `2026-01-03-${String(i).padStart(3, '0')}` })),
      'the generated orders of 2026-01-03, not the CSV ones',
    );
    assert.deepEqual(await query(project, 'select count(*)::INT as n from raw__orders', ['--as-of', beforeAll]), [{ n: 0 }], 'before the first run there are no rows');
  });
});
