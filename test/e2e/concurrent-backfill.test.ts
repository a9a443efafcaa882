// End-to-end: two `quarry backfill` processes over overlapping ranges at once both finish, with no
// lock error, and every partition committed once (issue "Quarry foundation II", point 4).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { materializationCounts, partitionLabel, readCatalogSnapshot } from './catalog-snapshot.ts';
import { CLOCK_TOO_EARLY, createE2eProject, dayKeys, describeResult, parseJson, type CliResult, type E2eProject } from './e2e-project.ts';
import { createFaultInjectableProject } from './fault-injection.ts';

const ASSETS = ['raw/orders', 'staging/orders_clean', 'marts/revenue_7d'];
// What SQLite, DuckDB or the catalog would print if two writers collided.
const LOCK_ERROR = /database is locked|SQLITE_BUSY|Could not set lock|lock on file|Conflicting lock|deadlock/i;

function assertCleanSuccess(result: CliResult, name: string): void {
  const shown = `${name}: ${describeResult(result)}`;
  assert.equal(result.code, 0, shown);
  assert.match(result.stdout, /^Run r_\S+ succeeded$/m, shown);
  assert.doesNotMatch(result.stdout + result.stderr, LOCK_ERROR, shown);
  assert.doesNotMatch(result.stderr, /^✗ /m, shown);
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /, shown);
}

/** Runs two backfills at once and checks both succeed, each partition committed once, data complete. */
async function backfillBothAndCheck(
  project: E2eProject,
  a: readonly [string, string],
  b: readonly [string, string],
  envA: Record<string, string>,
  envB: Record<string, string>,
): Promise<void> {
  const first = project.start(['backfill', '*', '--from', a[0], '--to', a[1]], { env: envA });
  const second = project.start(['backfill', '*', '--from', b[0], '--to', b[1]], { env: envB });
  const [one, two] = await Promise.all([first.done, second.done]);
  assertCleanSuccess(one, 'first backfill');
  assertCleanSuccess(two, 'second backfill');

  const days = dayKeys(a[0] < b[0] ? a[0] : b[0], a[1] > b[1] ? a[1] : b[1]);
  const counts = materializationCounts(readCatalogSnapshot(project.catalogPath));
  assert.deepEqual(
    [...counts].filter(([, n]) => n !== 1),
    [],
    'every partition of the union committed exactly once (a second commit means one was written from incomplete inputs)',
  );
  assert.deepEqual([...counts.keys()].sort(), ASSETS.flatMap((asset) => days.map((d) => partitionLabel(asset, d))).sort());

  const plan = await project.quarry(['plan', '--from', days[0]!, '--to', days[days.length - 1]!, '--json']);
  assert.equal(plan.code, 0, describeResult(plan));
  assert.equal(plan.stdout, '{"steps":[]}\n');
  const query = await project.quarry([
    'query',
    'select count(*)::INT as raw_rows, count(distinct order_id)::INT as orders, (select count(*)::INT from marts__revenue_7d) as revenue_rows, (select min(days_covered)::INT from marts__revenue_7d where day >= $$2026-01-07$$) as min_days from raw__orders',
    '--json',
  ]);
  assert.equal(query.code, 0, describeResult(query));
  assert.deepEqual(parseJson<{ rows: unknown[] }>(query).rows, [{ raw_rows: 20 * days.length, orders: 20 * days.length, revenue_rows: days.length, min_days: 7 }]);
}

describe('two backfills at once', { skip: CLOCK_TOO_EARLY, concurrency: 3 }, () => {
  for (const [name, a, b] of [
    ['overlapping ranges', ['2026-01-01', '2026-01-10'], ['2026-01-05', '2026-01-15']],
    ['the same range', ['2026-01-01', '2026-01-08'], ['2026-01-01', '2026-01-08']],
  ] as const) {
    test(`${name}: ${a.join('..')} and ${b.join('..')} both finish and commit each partition once`, async (t) => {
      const project = createE2eProject(`concurrent-${a[1]}-${b[1]}`);
      t.after(() => project.cleanup());
      await backfillBothAndCheck(project, a, b, {}, {});
    });
  }

  test('a slow and a fast backfill over overlapping ranges: the fast one does not commit 7-day windows the slow one is still filling', async (t) => {
    // The first backfill's raw/orders steps sleep 800 ms, so the second reaches marts/revenue_7d
    // [2026-01-05..2026-01-10] while staging [2026-01-01..2026-01-04] (planned by the first) is still missing.
    const project = createFaultInjectableProject('concurrent-staggered');
    t.after(() => project.cleanup());
    await backfillBothAndCheck(project, ['2026-01-01', '2026-01-10'], ['2026-01-05', '2026-01-15'], { QUARRY_E2E_DELAY_MS: '800' }, {});
  });
});
