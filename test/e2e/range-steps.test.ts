// End-to-end: range steps (issue 12, point 1) through the real `quarry` CLI, DuckDB, lake and catalog.
// The hello project's staging/orders_clean and marts/revenue_7d get range-aware SQL (the rows of
// every day of the step, each carrying its day); one copy runs them one partition per step, the other
// in range steps of 10. Acceptance: identical data versions per partition, also after kill -9 inside a
// range step and --resume; a range whose 7th partition fails commits none of its 10, names the
// range and the message, and the next run retries exactly those 10.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { readCatalogSnapshot } from './catalog-snapshot.ts';
import { CLOCK_TOO_EARLY, describeResult, parseJson, replaceOnce, runIdOf, type CliResult, type E2eProject } from './e2e-project.ts';
import { createFaultInjectableProject } from './fault-injection.ts';

const RANGE = ['--from', '2026-01-01', '--to', '2026-01-10'] as const;
const DAYS = Array.from({ length: 10 }, (_, i) => `2026-01-${String(i + 1).padStart(2, '0')}`);

/** The SQL of both assets over a whole step range: each row carries its own day. */
function rangeAwareSql(source: string, failOn?: string): string {
  let s = replaceOnce(source, `max(amount) as amount, $partition_key as day`, `max(amount) as amount, substr(any_value(ordered_at), 1, 10) as day`);
  s = replaceOnce(
    s,
    `select $partition_key as day, count(*)::BIGINT as orders, coalesce(sum(amount), 0)::DOUBLE as revenue,
           count(distinct day)::BIGINT as days_covered
    from clean`,
    `select k.day, ${failOn === undefined ? '' : `case when k.day = '${failOn}' then error('boom on ' || k.day) else 0 end + `}count(c.order_id)::BIGINT as orders,
           coalesce(sum(c.amount), 0)::DOUBLE as revenue, count(distinct c.day)::BIGINT as days_covered
    from (select unnest($partition_keys) as day) k
    left join clean c on c.day::DATE between k.day::DATE - 6 and k.day::DATE
    group by k.day`,
  );
  return s;
}

/** Range steps of 10 for both SQL assets. */
function withRangeSteps(source: string): string {
  let s = replaceOnce(source, `deps: { orders },\n  partitions: daily,`, `deps: { orders },\n  partitions: daily,\n  backfill: { maxPartitionsPerStep: 10, partitionColumn: 'day' },`);
  s = replaceOnce(s, `allowNonexistentUpstream: true }) } },\n  partitions: daily,`, `allowNonexistentUpstream: true }) } },\n  partitions: daily,\n  backfill: { maxPartitionsPerStep: 10, partitionColumn: 'day' },`);
  return s;
}

function assertExit(result: CliResult, code: number | null, signal: NodeJS.Signals | null = null): void {
  assert.equal(result.signal, signal, describeResult(result));
  assert.equal(result.code, code, describeResult(result));
}

/** Current data versions of one asset, by partition. */
function versionsOf(project: E2eProject, asset: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [label, version] of readCatalogSnapshot(project.catalogPath).currentDataVersions) {
    if (label.startsWith(`${asset} [`)) out.set(label, version);
  }
  return out;
}

function allVersions(project: E2eProject): Map<string, string> {
  return new Map([...readCatalogSnapshot(project.catalogPath).currentDataVersions].sort());
}

describe('range steps end to end', { skip: CLOCK_TOO_EARLY, concurrency: 2 }, () => {
  let reference: Map<string, string>;
  before(async () => {
    const project = createFaultInjectableProject('range-reference');
    try {
      project.editConfig((s) => rangeAwareSql(s));
      const result = await project.quarry(['backfill', '*', ...RANGE]);
      assertExit(result, 0);
      assert.match(result.stdout, /^Run r_\S+: 30 steps/m, 'one step per partition');
      reference = allVersions(project);
      assert.equal(reference.size, 30);
    } finally {
      project.cleanup();
    }
  });

  test('range steps of 10 give the data versions of one-partition steps; killed inside a range step (twice), --resume gives them again', async (t) => {
    const ranged = createFaultInjectableProject('range-steps');
    t.after(() => ranged.cleanup());
    ranged.editConfig((s) => withRangeSteps(rangeAwareSql(s)));

    const plan = await ranged.quarry(['plan', ...RANGE]);
    assertExit(plan, 0);
    assert.match(plan.stdout, /^Plan: 12 steps$/m, describeResult(plan));
    assert.match(plan.stdout, /^ {2}staging\/orders_clean \[2026-01-01\.\.2026-01-10\] {2}missing$/m);
    assert.match(plan.stdout, /^ {2}marts\/revenue_7d \[2026-01-01\.\.2026-01-10\] {2}missing/m);

    // Killed while the split files of staging/orders_clean's range move into place: the partitions
    // before 2026-01-05 have their file in the lake, but no partition of the range is committed.
    const killed = await ranged.quarry(['backfill', '*', ...RANGE], { env: { QUARRY_E2E_KILL_AT: 'put@staging/orders_clean@2026-01-05' } });
    assertExit(killed, null, 'SIGKILL');
    const runId = runIdOf(killed);
    assert.equal(versionsOf(ranged, 'staging/orders_clean').size, 0, 'nothing of the range is committed');
    assert.equal(versionsOf(ranged, 'raw/orders').size, 10);

    // Resumed and killed again, in the catalog commit of marts/revenue_7d's range (every file in place).
    const again = await ranged.quarry(['backfill', '--resume', runId], { env: { QUARRY_E2E_KILL_AT: 'commit@marts/revenue_7d@2026-01-08' } });
    assertExit(again, null, 'SIGKILL');
    assert.equal(versionsOf(ranged, 'staging/orders_clean').size, 10, 'the resumed run committed the whole orders_clean range');
    assert.equal(versionsOf(ranged, 'marts/revenue_7d').size, 0, 'a kill in the commit of a range commits none of it');

    const resumed = await ranged.quarry(['backfill', '--resume', runId]);
    assertExit(resumed, 0);
    assert.match(resumed.stdout, new RegExp(`^Run ${runId}: 12 steps \\(11 already done\\)$`, 'm'), describeResult(resumed));
    assert.match(resumed.stdout, new RegExp(`^Run ${runId} succeeded$`, 'm'));

    assert.deepEqual(allVersions(ranged), reference, 'the same data version for every partition as one step per partition');
    const after = await ranged.quarry(['plan', ...RANGE, '--json']);
    assertExit(after, 0);
    assert.equal(after.stdout, '{"steps":[]}\n', 'nothing left to do');
    // The kills left files no version references; vacuum removes them and keeps every current file.
    const vacuum = await ranged.quarry(['vacuum', '--json']);
    assertExit(vacuum, 0);
    assert.ok(parseJson<{ removedFiles: string[] }>(vacuum).removedFiles.some((f) => f.startsWith('staging/orders_clean/2026-01-0')), vacuum.stdout);
    const verify = await ranged.quarry(['verify']);
    assertExit(verify, 0);
  });

  test("a range whose 7th partition's SQL fails commits none of its 10, names the range and the message; the next run retries exactly those 10", async (t) => {
    const project = createFaultInjectableProject('range-failure');
    t.after(() => project.cleanup());
    project.editConfig((s) => withRangeSteps(rangeAwareSql(s, '2026-01-07')));

    const failed = await project.quarry(['backfill', '*', ...RANGE]);
    assertExit(failed, 1);
    assert.match(
      failed.stderr,
      /✗ marts\/revenue_7d\[2026-01-01\.\.2026-01-10\]: Asset "marts\/revenue_7d" partitions "2026-01-01".."2026-01-10" \(10\): SQL failed: .*boom on 2026-01-07/,
      describeResult(failed),
    );
    assert.equal(versionsOf(project, 'marts/revenue_7d').size, 0, 'none of the 10 is committed');
    assert.equal(versionsOf(project, 'staging/orders_clean').size, 10);

    const status = await project.quarry(['status', 'marts/revenue_7d', ...RANGE, '--json']);
    assertExit(status, 0);
    const counts = parseJson<{ assets: { assetKey: string; counts: { failed: number } }[] }>(status).assets.find((a) => a.assetKey === 'marts/revenue_7d')!.counts;
    assert.equal(counts.failed, 10, `every partition of the range is failed\n${status.stdout}`);

    const plan = parseJson<{ steps: { asset: string; partition: string }[] }>(await project.quarry(['plan', ...RANGE, '--json']));
    assert.deepEqual(
      plan.steps.map((s) => `${s.asset} ${s.partition}`),
      DAYS.map((d) => `marts/revenue_7d ${d}`),
      'the next run plans exactly the 10 partitions of the failed range',
    );

    // The SQL fixed: the next run is one range step over exactly those 10.
    project.editConfig((s) => s.replace(`case when k.day = '2026-01-07' then error('boom on ' || k.day) else 0 end + `, ''));
    const retried = await project.quarry(['backfill', '*', ...RANGE]);
    assertExit(retried, 0);
    assert.match(retried.stdout, /^Run r_\S+: 1 step\b/m, describeResult(retried));
    assert.match(retried.stderr, /marts\/revenue_7d \[2026-01-01\.\.2026-01-10\]/, describeResult(retried));
    assert.deepEqual(allVersions(project), reference);
  });
});
