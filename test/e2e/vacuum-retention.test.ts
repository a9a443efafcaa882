// End-to-end: `quarry vacuum` with retention — the dry run lists what the real run removes, and a
// version superseded inside the retention window is kept, so `query --as-of` inside the window still
// reads it (architecture: "old versions kept for time travel until retention removes them").
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { lakeFiles, readCatalogSnapshot } from './catalog-snapshot.ts';
import { CLOCK_TOO_EARLY, createE2eProject, describeResult, parseJson, type CliResult, type E2eProject } from './e2e-project.ts';

const RANGE = ['--from', '2026-01-01', '--to', '2026-01-10'] as const;
const DAY_MS = 86_400_000;
const CSV_0103 = 'order_id,customer_id,amount,status,ordered_at\no-1,c-1,10.5,paid,2026-01-03T10:00:00Z\n';

interface VacuumJson {
  dryRun: boolean;
  removedFiles: string[];
  removedVersions: number;
  bytes: number;
  prunedLogs: { files: number; bytes: number };
  prunedAlerts: number;
}

function ok(result: CliResult): CliResult {
  assert.equal(result.code, 0, describeResult(result));
  return result;
}

async function rawRowCount(project: E2eProject, extra: readonly string[] = []): Promise<number> {
  const result = ok(await project.quarry(['query', 'select count(*)::INT as n from raw__orders', '--json', ...extra]));
  return parseJson<{ rows: { n: number }[] }>(result).rows[0]!.n;
}

/** Backfills 10 days, then replaces 2026-01-03's source and re-materializes: 9 versions get superseded. */
async function supersedeOneDay(project: E2eProject, pauseMs: number): Promise<{ between: number }> {
  ok(await project.quarry(['backfill', '*', ...RANGE]));
  await sleep(pauseMs);
  const between = Date.now();
  await sleep(50);
  project.writeFile('data/orders/2026-01-03.csv', CSV_0103);
  const run = ok(await project.quarry(['materialize', ...RANGE]));
  assert.match(run.stdout, /^Run r_\S+: 9 steps$/m);
  return { between };
}

describe('quarry vacuum and retention', { skip: CLOCK_TOO_EARLY, concurrency: 2 }, () => {
  test('vacuum --dry-run lists exactly what vacuum then removes, expired versions included', async (t) => {
    const project = createE2eProject('vacuum-dry-run');
    t.after(() => project.cleanup());
    await supersedeOneDay(project, 0);
    await sleep(20);
    const before = readCatalogSnapshot(project.catalogPath);
    assert.equal(before.materializations.length, 39, '30 first versions + 9 new ones');

    const logs = () => readdirSync(join(project.home, 'logs')).sort();
    assert.equal(logs().length, 2, 'a log file per run');
    const dryRun = parseJson<VacuumJson>(ok(await project.quarry(['vacuum', '--retention-days', '0', '--dry-run', '--json'])));
    assert.equal(readCatalogSnapshot(project.catalogPath).materializations.length, 39, 'a dry run deletes no version');
    assert.equal(dryRun.prunedLogs.files, 2, 'both finished runs are older than 0 days of retention');
    assert.equal(logs().length, 2, 'a dry run deletes no log file');
    const vacuum = parseJson<VacuumJson>(ok(await project.quarry(['vacuum', '--retention-days', '0', '--json'])));
    assert.deepEqual(vacuum.prunedLogs, dryRun.prunedLogs, 'the dry run announces the log files the real run removes');
    assert.ok(vacuum.prunedLogs.bytes > 0);
    assert.deepEqual(logs(), [], "the finished runs' log files are gone");
    assert.equal(vacuum.removedVersions, 9, 'the 9 superseded versions expire with 0 days of retention');
    assert.equal(vacuum.removedFiles.length, 9);
    assert.deepEqual(
      { files: [...dryRun.removedFiles].sort(), versions: dryRun.removedVersions, bytes: dryRun.bytes },
      { files: [...vacuum.removedFiles].sort(), versions: vacuum.removedVersions, bytes: vacuum.bytes },
      'the dry run announces what the real run removes',
    );

    const after = readCatalogSnapshot(project.catalogPath);
    assert.deepEqual(after.currentIds, before.currentIds, 'current versions are never expired');
    assert.deepEqual(lakeFiles(project.lakeDir), [...after.referencedFiles].sort());
    assert.equal(await rawRowCount(project), 181);
  });

  test('a version superseded inside the retention window is kept, so --as-of inside the window still reads it', async (t) => {
    const project = createE2eProject('vacuum-retention-window');
    t.after(() => project.cleanup());
    // The first versions are committed ≥ PAUSE before `between` and superseded just after it.
    // Wide enough that a slow vacuum start on a loaded machine still falls inside the window's margin.
    const PAUSE = 20_000;
    const { between } = await supersedeOneDay(project, PAUSE);
    assert.equal(await rawRowCount(project, ['--as-of', new Date(between).toISOString()]), 200, 'before vacuum, --as-of reads the old day');

    // Retention window [now - window, now] starts PAUSE/2 before `between`: it holds `between` and the
    // moment the first versions were superseded, but not the moment they were committed.
    const spawnedAt = Date.now();
    const windowMs = spawnedAt - between + PAUSE / 2;
    const result = ok(await project.quarry(['vacuum', '--retention-days', String(windowMs / DAY_MS), '--json']));
    const exitedAt = Date.now();
    assert.ok(exitedAt - windowMs < between, `the window must start before --as-of ${new Date(between).toISOString()} (vacuum took ${exitedAt - spawnedAt} ms; machine too slow?)`);
    const vacuum = parseJson<VacuumJson>(result);

    assert.equal(vacuum.removedVersions, 0, 'no version was superseded before the window started');
    assert.deepEqual(vacuum.removedFiles, []);
    assert.equal(await rawRowCount(project, ['--as-of', new Date(between).toISOString()]), 200, '--as-of inside the window still reads the superseded day');
  });
});
