// End-to-end: bad input to the run verbs fails with one line naming the bad value, and an SQL error
// in one asset fails that asset's steps (naming asset, partition and DuckDB's message) while the
// independent steps finish (issue "Quarry foundation II", point 4).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lakeFiles, readCatalogSnapshot } from './catalog-snapshot.ts';
import { CLOCK_TOO_EARLY, createE2eProject, dayKeys, describeResult, parseJson, replaceOnce, runIdOf, type CliResult, type E2eProject } from './e2e-project.ts';

/** Asserts a user error: exit 1, one stderr line naming `value` (with `code`), no stack trace, nothing run. */
function assertOneLineError(result: CliResult, value: string, code: string): void {
  const shown = describeResult(result);
  assert.equal(result.code, 1, shown);
  assert.equal(result.stdout, '', shown);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one stderr line expected\n${shown}`);
  assert.ok(lines[0]!.includes(value), `the error names ${JSON.stringify(value)}\n${shown}`);
  assert.ok(lines[0]!.includes(`[${code}]`), `error code ${code} expected\n${shown}`);
  assert.doesNotMatch(result.stderr, /\n\s+at |internal error/, shown);
}

describe('bad input to the run verbs', { skip: CLOCK_TOO_EARLY }, () => {
  let project: E2eProject;
  before(() => {
    project = createE2eProject('bad-input');
  });
  after(() => project.cleanup());

  const cases: [string, string[], string, string][] = [
    ['backfill of an unknown asset', ['backfill', 'raw/nope', '--from', '2026-01-01', '--to', '2026-01-02'], '"raw/nope"', 'QUARRY_UNKNOWN_ASSET'],
    ['materialize of an unknown asset', ['materialize', 'raw/nope', '--partition', '2026-01-01'], '"raw/nope"', 'QUARRY_UNKNOWN_ASSET'],
    ['plan of an unknown asset', ['plan', 'raw/nope'], '"raw/nope"', 'QUARRY_UNKNOWN_ASSET'],
    ['backfill with a bad partition key', ['backfill', '*', '--from', '2026-13-01', '--to', '2026-01-10'], '"2026-13-01"', 'QUARRY_BAD_PARTITION_KEY'],
    ['materialize with a bad partition key', ['materialize', 'raw/orders', '--partition', '2026-02-30'], '"2026-02-30"', 'QUARRY_BAD_PARTITION_KEY'],
    ['backfill with --from after --to', ['backfill', '*', '--from', '2026-01-10', '--to', '2026-01-01'], '"2026-01-10"', 'QUARRY_BAD_PARTITION_RANGE'],
    ['backfill with a half range', ['backfill', '*', '--from', '2026-01-01'], '--from 2026-01-01', 'QUARRY_BAD_ARGUMENT'],
    ['backfill with a bad selection', ['backfill', 'colour:red', '--from', '2026-01-01', '--to', '2026-01-02'], 'colour:red', 'QUARRY_BAD_SELECTION'],
    ['resume of an unknown run', ['backfill', '--resume', 'r_20260101T000000_000000'], '"r_20260101T000000_000000"', 'QUARRY_UNKNOWN_RUN'],
    ['run of an unknown run id', ['run', 'r_nope'], '"r_nope"', 'QUARRY_UNKNOWN_RUN'],
    ['query with a bad --as-of', ['query', 'select 1', '--as-of', 'yesterday-ish'], '"yesterday-ish"', 'QUARRY_BAD_AS_OF'],
  ];
  describe('exit 1 with one line naming the bad value', { concurrency: 2 }, () => {
    for (const [name, args, value, code] of cases) {
      test(`${name}: quarry ${args.join(' ')}`, async () => {
        assertOneLineError(await project.quarry(args), value, code);
      });
    }
  });

  test('nothing was run or written by the bad commands', async () => {
    const runs = await project.quarry(['runs', '--json']);
    assert.equal(runs.code, 0, describeResult(runs));
    assert.deepEqual(parseJson(runs), { runs: [] });
    assert.deepEqual(lakeFiles(project.lakeDir), []);
  });
});

describe('an SQL error in one asset', { skip: CLOCK_TOO_EARLY }, () => {
  test('fails its steps naming asset, partition and the DuckDB message; independent steps finish', async (t) => {
    const project = createE2eProject('sql-error');
    t.after(() => project.cleanup());
    project.editConfig((s) =>
      replaceOnce(
        s,
        "export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d] });",
        [
          'export const broken = defineAsset({',
          "  key: 'marts/broken',",
          '  deps: { orders },',
          '  partitions: daily,',
          '  sql: `select order_id, no_such_column from orders`,',
          '});',
          '',
          "export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d, broken] });",
        ].join('\n'),
      ),
    );
    const result = await project.quarry(['backfill', '*', '--from', '2026-01-01', '--to', '2026-01-03']);
    const shown = describeResult(result);
    assert.equal(result.code, 1, shown);
    assert.match(result.stdout, /^Run r_\S+: 12 steps$/m, shown);
    assert.match(result.stdout, /^Run r_\S+ partially_failed: 3 failed, 0 skipped, 0 blocked$/m, shown);
    assert.doesNotMatch(result.stderr, /internal error/, shown);
    for (const day of dayKeys('2026-01-01', '2026-01-03')) {
      assert.match(
        result.stderr,
        new RegExp(`^  ✗ marts/broken\\[${day}\\]: Asset "marts/broken" partition "${day}": SQL failed: Binder Error: Referenced column "no_such_column" not found`, 'm'),
        shown,
      );
      for (const asset of ['raw/orders', 'staging/orders_clean', 'marts/revenue_7d']) {
        assert.match(result.stderr, new RegExp(`^✓ ${asset.replace('/', '\\/')} \\[${day}\\]`, 'm'), `${asset} [${day}] succeeded\n${shown}`);
      }
    }

    const run = await project.quarry(['run', runIdOf(result), '--json']);
    assert.equal(run.code, 0, describeResult(run));
    const { run: record, steps } = parseJson<{ run: { status: string }; steps: { stepId: string; status: string; attempt: number; error: string | null }[] }>(run);
    assert.equal(record.status, 'partially_failed');
    assert.deepEqual(
      steps.map((s) => [s.stepId, s.status]).sort(),
      ['raw/orders', 'staging/orders_clean', 'marts/revenue_7d', 'marts/broken']
        .flatMap((a) => dayKeys('2026-01-01', '2026-01-03').map((d) => [`${a}[${d}]`, a === 'marts/broken' ? 'failed' : 'succeeded']))
        .sort(),
    );
    for (const s of steps.filter((x) => x.status === 'failed')) {
      assert.equal(s.attempt, 1, `${s.stepId}: an SQL error is not retried`);
      assert.match(s.error ?? '', /no_such_column/);
    }

    // The failed asset is planned again (reason failed); the rest is fresh and readable.
    const plan = await project.quarry(['plan', '--from', '2026-01-01', '--to', '2026-01-03', '--json']);
    assert.equal(plan.code, 0, describeResult(plan));
    assert.deepEqual(parseJson(plan), { steps: dayKeys('2026-01-01', '2026-01-03').map((d) => ({ asset: 'marts/broken', partition: d, reason: 'failed' })) });
    const query = await project.quarry(['query', 'select count(*)::INT as n from marts__revenue_7d', '--json']);
    assert.equal(query.code, 0, describeResult(query));
    assert.deepEqual(parseJson<{ rows: unknown[] }>(query).rows, [{ n: 3 }]);
    assert.equal(readCatalogSnapshot(project.catalogPath).materializations.filter((m) => m.asset === 'marts/broken').length, 0);
  });
});
