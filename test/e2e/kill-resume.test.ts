// End-to-end: a backfill killed with SIGKILL (kill -9) at several points resumes with
// `quarry backfill --resume RUN_ID` to the same data an uninterrupted run writes, with no duplicate
// rows, no catalog row pointing at a missing file, and `quarry vacuum` removing the orphans
// (issue "Quarry foundation II", point 4).
//
// Kill points: from outside after N `✓` lines while steps sleep in compute (between and inside
// steps), and from inside the CLI process through fault-injection hooks appended to the temp copy's
// quarry.config.ts (it runs in the CLI process): in a compute function (before anything is written),
// in the object store's putFile (a staged file is on disk, not yet in place) and in the catalog
// commit (the file is in place, not committed). `process.kill(process.pid, 'SIGKILL')` is kill -9.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { lakeFiles, materializationCounts, readCatalogSnapshot, type CatalogSnapshot } from './catalog-snapshot.ts';
import { CLOCK_TOO_EARLY, describeResult, parseJson, runIdOf, type CliResult, type E2eProject } from './e2e-project.ts';
import { createFaultInjectableProject } from './fault-injection.ts';

const RANGE = ['--from', '2026-01-01', '--to', '2026-01-10'] as const;
const STEPS = 30;

/** Every row of every asset, as JSON lines sorted: what "the same data" means. */
const ALL_ROWS_SQL = `
  select 'raw' as t, to_json(r)::VARCHAR as j from raw__orders r
  union all select 'staging', to_json(s)::VARCHAR from staging__orders_clean s
  union all select 'revenue', to_json(v)::VARCHAR from marts__revenue_7d v
  order by t, j`;

/** Per asset: [rows, distinct keys] (order_id for orders, day for revenue), from ALL_ROWS_SQL's result. */
function countRows(rows: readonly { t: string; j: string }[]): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const t of ['raw', 'staging', 'revenue']) {
    const mine = rows.filter((r) => r.t === t).map((r) => JSON.parse(r.j) as { order_id?: string; day?: string });
    out[t] = [mine.length, new Set(mine.map((r) => r.order_id ?? r.day)).size];
  }
  return out;
}

interface Reference {
  readonly rows: unknown[];
  readonly dataVersions: ReadonlyMap<string, string>;
}

async function queryRows(project: E2eProject, sql: string): Promise<unknown[]> {
  const result = await project.quarry(['query', sql, '--json', '--limit', '10000']);
  assert.equal(result.code, 0, describeResult(result));
  return parseJson<{ rows: unknown[] }>(result).rows;
}

function assertExit(result: CliResult, code: number | null, signal: NodeJS.Signals | null = null): void {
  assert.equal(result.signal, signal, describeResult(result));
  assert.equal(result.code, code, describeResult(result));
}

/** Resumes `runId` and asserts it finishes, reporting the steps committed before. */
async function resume(project: E2eProject, runId: string, env: Record<string, string> = {}): Promise<CliResult> {
  const result = await project.quarry(['backfill', '--resume', runId], { env });
  if (env.QUARRY_E2E_KILL_AT) return result;
  assertExit(result, 0);
  const header = new RegExp(`^Run ${runId}: ${STEPS} steps \\((\\d+) already done\\)$`, 'm').exec(result.stdout);
  assert.ok(header, `resume prints how many steps were already done\n${describeResult(result)}`);
  assert.ok(Number(header[1]) > 0 && Number(header[1]) < STEPS, describeResult(result));
  assert.match(result.stdout, new RegExp(`^Run ${runId} succeeded$`, 'm'));
  return result;
}

/**
 * After a resumed run: nothing stale, the reference data and data versions, one materialization per
 * partition, no catalog row pointing at a missing file, and vacuum (dry run first) removing exactly
 * the files no version references.
 */
async function assertRecovered(project: E2eProject, reference: Reference, expectedOrphans: RegExp[]): Promise<void> {
  const planResult = await project.quarry(['plan', ...RANGE, '--json']);
  assertExit(planResult, 0);
  assert.equal(planResult.stdout, '{"steps":[]}\n', 'nothing left to do after the resume');

  const rows = (await queryRows(project, ALL_ROWS_SQL)) as { t: string; j: string }[];
  assert.deepEqual(countRows(rows), { raw: [200, 200], staging: [180, 180], revenue: [10, 10] }, 'no duplicate rows: [rows, distinct keys] per asset');
  assert.deepEqual(rows, reference.rows, 'the same rows as an uninterrupted run');

  const snapshot: CatalogSnapshot = readCatalogSnapshot(project.catalogPath);
  assert.deepEqual(new Map([...snapshot.currentDataVersions].sort()), new Map([...reference.dataVersions].sort()), 'the same data versions as an uninterrupted run');
  const counts = materializationCounts(snapshot);
  assert.equal(counts.size, STEPS);
  for (const [label, n] of counts) assert.equal(n, 1, `${label} committed once`);

  const files = lakeFiles(project.lakeDir);
  const missing = [...snapshot.referencedFiles].filter((f) => !files.includes(f));
  assert.deepEqual(missing, [], 'no catalog row points at a missing file');
  const orphans = files.filter((f) => !snapshot.referencedFiles.has(f));
  for (const pattern of expectedOrphans) assert.ok(orphans.some((f) => pattern.test(f)), `an orphan matching ${pattern} is left by the kill: ${orphans.join(', ')}`);

  const dryRun = await project.quarry(['vacuum', '--dry-run', '--json']);
  assertExit(dryRun, 0);
  assert.deepEqual([...parseJson<{ removedFiles: string[] }>(dryRun).removedFiles].sort(), orphans, 'vacuum --dry-run lists every unreferenced file in the lake');
  assert.deepEqual(lakeFiles(project.lakeDir), files, 'a dry run removes nothing');

  const vacuum = await project.quarry(['vacuum', '--json']);
  assertExit(vacuum, 0);
  assert.deepEqual([...parseJson<{ removedFiles: string[] }>(vacuum).removedFiles].sort(), orphans);
  assert.deepEqual(lakeFiles(project.lakeDir), [...snapshot.referencedFiles].sort(), 'after vacuum the lake holds exactly the referenced files');
}

describe('kill -9 during a backfill, then --resume', { skip: CLOCK_TOO_EARLY, concurrency: 2 }, () => {
  let reference: Reference;
  before(async () => {
    const project = createFaultInjectableProject('kill-reference');
    try {
      const result = await project.quarry(['backfill', '*', ...RANGE]);
      assertExit(result, 0);
      reference = { rows: await queryRows(project, ALL_ROWS_SQL), dataVersions: readCatalogSnapshot(project.catalogPath).currentDataVersions };
      assert.equal(reference.dataVersions.size, STEPS);
    } finally {
      project.cleanup();
    }
  });

  test('killed from outside after 4 steps while others sleep in compute, resumed, killed again, resumed', async (t) => {
    const project = createFaultInjectableProject('kill-outside');
    t.after(() => project.cleanup());
    const slow = { QUARRY_E2E_DELAY_MS: '300' };
    const first = project.start(['backfill', '*', ...RANGE], { env: slow });
    await first.waitForLines(/^✓ /, 4);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assertExit(killed, null, 'SIGKILL');
    const runId = runIdOf(killed);

    const second = project.start(['backfill', '--resume', runId], { env: slow });
    await second.waitForLines(/^✓ /, 3);
    second.child.kill('SIGKILL');
    assertExit(await second.done, null, 'SIGKILL');

    await resume(project, runId);
    await assertRecovered(project, reference, []);
  });

  test('Ctrl-C (SIGINT) cancels the run: resume refuses while it is alive; the cancelled partitions are missing, not failed; resume finishes', async (t) => {
    const project = createFaultInjectableProject('sigint');
    t.after(() => project.cleanup());
    const running = project.start(['backfill', '*', ...RANGE], { env: { QUARRY_E2E_DELAY_MS: '2000' } });
    await running.waitForLines(/^✓ /, 2);
    const runId = runIdOf(running.output());

    const refused = await project.quarry(['backfill', '--resume', runId]);
    assert.equal(refused.code, 1, describeResult(refused));
    assert.match(refused.stderr, new RegExp(`^quarry backfill: Run ${runId} is still running \\(pid ${running.child.pid}\\).*\\[QUARRY_RUN_NOT_RESUMABLE\\]\\n$`), describeResult(refused));

    running.child.kill('SIGINT');
    const cancelled = await running.done;
    assertExit(cancelled, 1);
    assert.match(cancelled.stdout, new RegExp(`^Run ${runId} cancelled`, 'm'), describeResult(cancelled));
    assert.match(cancelled.stderr, /^■ \S+ \[2026-01-\d\d\] cancelled$/m, 'steps in flight were cancelled');

    const status = await project.quarry(['status', '--json']);
    assertExit(status, 0);
    for (const s of parseJson<{ assets: { assetKey: string; counts: { failed: number } }[] }>(status).assets) {
      assert.equal(s.counts.failed, 0, `${s.assetKey}: a cancelled step is not a failed partition\n${status.stdout}`);
    }
    const plan = parseJson<{ steps: { asset: string; partition: string; reason: string }[] }>(await project.quarry(['plan', ...RANGE, '--json']));
    assert.deepEqual(plan.steps.filter((s) => s.reason === 'failed'), [], 'no partition is planned as failed after a cancel');

    await resume(project, runId);
    await assertRecovered(project, reference, []);
  });

  test('killed inside a compute step (before anything is written)', async (t) => {
    const project = createFaultInjectableProject('kill-compute');
    t.after(() => project.cleanup());
    const killed = await project.quarry(['backfill', '*', ...RANGE], { env: { QUARRY_E2E_KILL_AT: 'compute@raw/orders@2026-01-07' } });
    assertExit(killed, null, 'SIGKILL');
    await resume(project, runIdOf(killed));
    await assertRecovered(project, reference, []);
  });

  test('killed after a file is in place but before its commit: the file is an orphan vacuum removes', async (t) => {
    const project = createFaultInjectableProject('kill-commit');
    t.after(() => project.cleanup());
    const killed = await project.quarry(['backfill', '*', ...RANGE], { env: { QUARRY_E2E_KILL_AT: 'commit@staging/orders_clean@2026-01-05' } });
    assertExit(killed, null, 'SIGKILL');
    const runId = runIdOf(killed);
    // The resumed run is killed too, at another commit, before it finishes.
    const again = await resume(project, runId, { QUARRY_E2E_KILL_AT: 'commit@marts/revenue_7d@2026-01-08' });
    assertExit(again, null, 'SIGKILL');
    await resume(project, runId);

    const dryRun = await project.quarry(['vacuum', '--dry-run']);
    assertExit(dryRun, 0);
    assert.match(dryRun.stdout, /^would remove staging\/orders_clean\/2026-01-05\/r_\S+\.parquet$/m, describeResult(dryRun));
    assert.match(dryRun.stdout, /^would remove marts\/revenue_7d\/2026-01-08\/r_\S+\.parquet$/m, describeResult(dryRun));
    // The step running beside the killed one (concurrency 2) may have left a file too.
    assert.match(dryRun.stdout, /^Would remove [2-9] files \(\d+ bytes\)\.$/m, describeResult(dryRun));
    await assertRecovered(project, reference, [/^staging\/orders_clean\/2026-01-05\//, /^marts\/revenue_7d\/2026-01-08\//]);
  });

  test('killed while a step writes its file (staged, not yet moved in place): vacuum removes the staged file', async (t) => {
    const project = createFaultInjectableProject('kill-put');
    t.after(() => project.cleanup());
    const killed = await project.quarry(['backfill', '*', ...RANGE], { env: { QUARRY_E2E_KILL_AT: 'put@staging/orders_clean@2026-01-05' } });
    assertExit(killed, null, 'SIGKILL');
    await resume(project, runIdOf(killed));
    await assertRecovered(project, reference, [/^staging\/orders_clean\/2026-01-05\/\.quarry-tmp-/]);
  });
});
