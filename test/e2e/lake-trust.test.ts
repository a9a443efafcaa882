// End-to-end: the lake and the catalog are trusted only as far as they are checked (issue 10).
// - vacuum walking the lake while a backfill commits keeps every committed file;
// - a lost or changed lake file makes its partition missing (plan/status say so), breaks only its own
//   view, and `quarry verify [--repair]` finds it and lets the next run write it again;
// - a deleted or emptied catalog.sqlite is an error naming both paths, never an empty new catalog
//   (which vacuum would then have used to delete the whole lake);
// - a damaged catalog is QUARRY_CATALOG_CORRUPT (not an internal error), a full disk QUARRY_DISK_FULL
//   (not retried for 21 minutes), and `quarry runs` still lists runs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { lakeFiles, readCatalogSnapshot } from './catalog-snapshot.ts';
import { CLOCK_TOO_EARLY, createE2eProject, describeResult, parseJson, runIdOf, type CliResult, type E2eProject } from './e2e-project.ts';
import { createFaultInjectableProject } from './fault-injection.ts';

const RANGE = ['--from', '2026-01-01', '--to', '2026-01-05'] as const;

function exit(result: CliResult, code: number): CliResult {
  assert.equal(result.code, code, describeResult(result));
  return result;
}

interface StatusRow {
  readonly assetKey: string;
  readonly counts: { fresh: number; stale: number; missing: number; failed: number };
  readonly ranges: { fresh: [number, number][]; stale: [number, number][]; missing: [number, number][]; failed: [number, number][] };
}

async function status(project: E2eProject): Promise<Record<string, StatusRow>> {
  const { assets } = parseJson<{ assets: StatusRow[] }>(exit(await project.quarry(['status', '--json']), 0));
  return Object.fromEntries(assets.map((r) => [r.assetKey, r]));
}

async function revenueRows(project: E2eProject): Promise<unknown[]> {
  return parseJson<{ rows: unknown[] }>(exit(await project.quarry(['query', 'select day, orders, revenue from marts__revenue_7d order by day', '--json']), 0)).rows;
}

/** The lake file of one partition's current version (exactly one). */
function partitionFile(project: E2eProject, asset: string, partition: string): string {
  const dir = join(project.lakeDir, asset, partition);
  const files = readdirSync(dir).filter((f) => f.endsWith('.parquet'));
  const snapshot = readCatalogSnapshot(project.catalogPath);
  const current = files.filter((f) => snapshot.referencedFiles.has(`${asset}/${partition}/${f}`));
  assert.equal(current.length, 1, `one referenced file in ${dir}: ${files.join(', ')}`);
  return join(dir, current[0]!);
}

describe('trusting the lake and the catalog', { skip: CLOCK_TOO_EARLY, concurrency: 2 }, () => {
  test('vacuum that is already walking the lake when a backfill commits deletes none of its files', async (t) => {
    const project = createFaultInjectableProject('trust-vacuum-race');
    t.after(() => project.cleanup());
    exit(await project.quarry(['backfill', '*', '--from', '2026-01-01', '--to', '2026-01-02']), 0);
    const gate = join(project.dir, 'gate');
    mkdirSync(gate);
    // Vacuum starts (reads the catalog) and stops right before walking the lake…
    const vacuum = project.start(['vacuum', '--json'], { env: { QUARRY_E2E_LIST_GATE: gate } });
    while (!existsSync(join(gate, 'listing'))) {
      await sleep(20);
      if (vacuum.child.exitCode !== null) break;
    }
    // …a backfill runs and commits meanwhile…
    exit(await project.quarry(['backfill', '*', ...RANGE]), 0);
    const committed = [...readCatalogSnapshot(project.catalogPath).referencedFiles].sort();
    assert.equal(committed.length, 15, '5 days × 3 assets');
    // …then vacuum walks a lake holding the backfill's files.
    writeFileSync(join(gate, 'go'), '');
    const result = exit(await vacuum.done, 0);
    assert.deepEqual(parseJson<{ removedFiles: string[] }>(result).removedFiles, [], 'nothing in the lake was unreferenced');
    assert.deepEqual(lakeFiles(project.lakeDir), committed, 'every committed file is still in the lake');
    assert.equal((await revenueRows(project)).length, 5, 'the data is queryable');
    exit(await project.quarry(['verify']), 0);
  });

  test('a lost lake file makes its partition missing ("file lost"), breaks only its own view, and verify --repair lets the next run rewrite it', async (t) => {
    const project = createE2eProject('trust-lost-file');
    t.after(() => project.cleanup());
    exit(await project.quarry(['backfill', '*', ...RANGE]), 0);
    const before = await revenueRows(project);
    unlinkSync(partitionFile(project, 'raw/orders', '2026-01-03'));

    const rows = await status(project);
    // Index 2 is 2026-01-03: missing now, not fresh (the partitions after the range are missing anyway).
    assert.deepEqual(rows['raw/orders']!.ranges.fresh, [[0, 2], [3, 5]]);
    assert.equal(rows['raw/orders']!.ranges.missing[0]![0], 2);
    assert.deepEqual(rows['staging/orders_clean']!.ranges.stale, [[2, 3]]);
    const plan = exit(await project.quarry(['plan', ...RANGE]), 0).stdout;
    assert.match(plan, /raw\/orders \[2026-01-03\]\s+missing \(file lost\)/);

    // Views over intact files still answer; the damaged view says what to do.
    assert.deepEqual(await revenueRows(project), before, 'marts__revenue_7d reads its own, intact files');
    const broken = exit(await project.quarry(['query', 'select count(*) from raw__orders']), 1);
    assert.match(broken.stderr, /raw__orders.*raw\/orders partition "2026-01-03".*quarry verify --repair.*\[QUARRY_LAKE_FILE_MISSING\]/s);

    const verify = exit(await project.quarry(['verify']), 1);
    assert.match(verify.stdout, /raw\/orders: 5 files, 1 damaged\n {2}2026-01-03 {2}file lost {2}raw\/orders\/2026-01-03\//);
    exit(await project.quarry(['verify', '--repair']), 0);
    assert.match(exit(await project.quarry(['plan', ...RANGE]), 0).stdout, /raw\/orders \[2026-01-03\]\s+missing \(file lost\)/, 'after repair the partition stays missing until rewritten');

    exit(await project.quarry(['materialize', ...RANGE]), 0);
    assert.match(exit(await project.quarry(['plan', ...RANGE]), 0).stdout, /^Nothing to do/);
    exit(await project.quarry(['verify']), 0);
    assert.deepEqual(await revenueRows(project), before);
  });

  test('without verify, the next run rewrites a lost file; a step reading a lost upstream file fails at once, naming it', async (t) => {
    const project = createE2eProject('trust-lost-rewrite');
    t.after(() => project.cleanup());
    exit(await project.quarry(['backfill', '*', ...RANGE]), 0);
    const before = await revenueRows(project);
    unlinkSync(partitionFile(project, 'raw/orders', '2026-01-02'));

    const forced = exit(await project.quarry(['materialize', 'staging/orders_clean', '--partition', '2026-01-02', '--force']), 1);
    assert.match(forced.stdout + forced.stderr, /reads "raw\/orders" \[2026-01-02\], whose lake file is missing .*quarry verify --repair/);
    assert.doesNotMatch(forced.stderr, /retrying/, 'a lost file is not retried');

    // The lost partition plans as missing and the run writes it again (same code and inputs: not "up to date").
    exit(await project.quarry(['materialize', ...RANGE]), 0);
    assert.match(exit(await project.quarry(['plan', ...RANGE]), 0).stdout, /^Nothing to do/);
    exit(await project.quarry(['verify']), 0);
    assert.deepEqual(await revenueRows(project), before);
  });

  test('a changed lake file is found by verify (checksum) and re-materialized after --repair', async (t) => {
    const project = createE2eProject('trust-changed-file');
    t.after(() => project.cleanup());
    exit(await project.quarry(['backfill', '*', ...RANGE]), 0);
    const before = await revenueRows(project);
    const file = partitionFile(project, 'staging/orders_clean', '2026-01-02');
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from('XXXX'), 0, 4, Math.floor(size / 2));
    closeSync(fd);
    assert.equal(statSync(file).size, size, 'same size: only the checksum can tell');

    exit(await project.quarry(['verify', '--quick']), 0);
    const verify = exit(await project.quarry(['verify', '--json']), 1);
    const report = parseJson<{ damaged: number; assets: { assetKey: string; damaged: { partitionKey: string; problem: string }[] }[] }>(verify);
    assert.equal(report.damaged, 1);
    assert.deepEqual(report.assets.find((a) => a.assetKey === 'staging/orders_clean')!.damaged.map((d) => [d.partitionKey, d.problem]), [['2026-01-02', 'file changed']]);
    exit(await project.quarry(['verify', '--repair']), 0);
    assert.match(exit(await project.quarry(['plan', ...RANGE]), 0).stdout, /staging\/orders_clean \[2026-01-02\]\s+missing \(file changed\)/);
    exit(await project.quarry(['materialize', ...RANGE]), 0);
    exit(await project.quarry(['verify']), 0);
    assert.deepEqual(await revenueRows(project), before);
  });

  for (const damage of ['deleted', 'emptied'] as const) {
    test(`a ${damage} catalog.sqlite is an error naming the catalog and the lake; status and vacuum change nothing`, async (t) => {
      const project = createE2eProject(`trust-catalog-${damage}`);
      t.after(() => project.cleanup());
      exit(await project.quarry(['backfill', '*', ...RANGE]), 0);
      const files = lakeFiles(project.lakeDir);
      assert.equal(files.length, 15);
      for (const suffix of ['-wal', '-shm']) rmSync(`${project.catalogPath}${suffix}`, { force: true });
      if (damage === 'deleted') unlinkSync(project.catalogPath);
      else truncateSync(project.catalogPath, 0);

      for (const command of [['status'], ['vacuum'], ['vacuum', '--dry-run'], ['plan'], ['backfill', '*', ...RANGE]]) {
        const result = exit(await project.quarry(command), 1);
        assert.ok(result.stderr.includes(project.catalogPath) && result.stderr.includes(project.lakeDir), `names both paths: ${result.stderr}`);
        assert.match(result.stderr, /Restore .* from a backup.*quarry init --force-new-catalog.*\[QUARRY_CATALOG_MISMATCH\]/s);
      }
      assert.deepEqual(lakeFiles(project.lakeDir), files, 'every lake file is intact');
      assert.equal(existsSync(project.catalogPath) ? statSync(project.catalogPath).size : 0, 0, 'no new catalog was started');

      // The documented way out starts over without deleting anything.
      const init = exit(await project.quarry(['init', '--force-new-catalog']), 0);
      const moved = /Moved the old lake to (\S+) /.exec(init.stdout)?.[1];
      assert.ok(moved !== undefined && existsSync(moved), init.stdout);
      assert.deepEqual(lakeFiles(moved), files, 'the old lake is kept whole, aside');
      assert.equal((await status(project))['raw/orders']!.counts.fresh, 0);
    });
  }

  test('a catalog with overwritten bytes is QUARRY_CATALOG_CORRUPT naming the file, not an internal error', async (t) => {
    const project = createE2eProject('trust-catalog-corrupt');
    t.after(() => project.cleanup());
    exit(await project.quarry(['backfill', '*', ...RANGE]), 0);
    exit(await project.quarry(['status']), 0); // checkpoints nothing; the WAL is folded in on close
    const files = lakeFiles(project.lakeDir);

    // The header: SQLite no longer recognizes the file (SQLITE_NOTADB).
    const header = openSync(project.catalogPath, 'r+');
    writeSync(header, Buffer.from('this is not sqlite'), 0, 18, 0);
    closeSync(header);
    for (const command of [['status'], ['runs'], ['vacuum']]) {
      const result = exit(await project.quarry(command), 1);
      assert.ok(result.stderr.includes(project.catalogPath), result.stderr);
      assert.match(result.stderr, /\[QUARRY_CATALOG_CORRUPT\]/);
      assert.doesNotMatch(result.stderr, /internal error/);
    }
    assert.deepEqual(lakeFiles(project.lakeDir), files);
  });

  test('a catalog whose pages are overwritten (SQLITE_CORRUPT) is QUARRY_CATALOG_CORRUPT naming the file', async (t) => {
    const project = createE2eProject('trust-catalog-pages');
    t.after(() => project.cleanup());
    exit(await project.quarry(['backfill', '*', ...RANGE]), 0);
    // Every page but the first (the header and schema stay readable, the tables do not).
    const size = statSync(project.catalogPath).size;
    const fd = openSync(project.catalogPath, 'r+');
    writeSync(fd, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);
    closeSync(fd);
    const result = exit(await project.quarry(['status']), 1);
    assert.ok(result.stderr.includes(project.catalogPath), result.stderr);
    assert.match(result.stderr, /is damaged .*Restore it from a backup.*\[QUARRY_CATALOG_CORRUPT\]/s);
  });
});

// Full disks are made real with a tiny tmpfs, which needs root (mount); elsewhere the test says why it skips.
const CAN_MOUNT = (() => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = join(process.env.TMPDIR ?? '/tmp', `quarry-mount-probe-${process.pid}`);
  try {
    mkdirSync(probe, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();

function mountTmpfs(dir: string, size: string): () => void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  return () => execFileSync('umount', ['-l', dir]);
}

/** Fills the filesystem holding `dir` to the last byte with `dir/filler`. */
function fillDisk(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return filler;
}

describe('a full disk', { skip: CLOCK_TOO_EARLY || (!CAN_MOUNT && 'needs root and mount(8) to make a real full disk (tmpfs)'), concurrency: 1 }, () => {
  test('a full lake fails the backfill at once with QUARRY_DISK_FULL naming the path and the resume command; runs still lists; resume finishes', async (t) => {
    const project = createE2eProject('trust-lake-full');
    const unmount = mountTmpfs(project.lakeDir, '2m');
    t.after(() => {
      unmount();
      project.cleanup();
    });
    exit(await project.quarry(['backfill', '*', '--from', '2026-01-01', '--to', '2026-01-02']), 0);
    const filler = fillDisk(project.lakeDir);

    const failed = exit(await project.quarry(['backfill', '*', ...RANGE], { timeoutMs: 90_000 }), 1);
    const runId = runIdOf(failed);
    assert.match(failed.stdout + failed.stderr, new RegExp(`disk full at ${project.lakeDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\S*: free space and run \`quarry backfill --resume ${runId}\``));
    assert.doesNotMatch(failed.stderr, /internal error|retrying/);
    const runs = exit(await project.quarry(['runs', '--json']), 0);
    assert.deepEqual(parseJson<{ runs: { id: string; status: string }[] }>(runs).runs.map((r) => [r.id, r.status])[0], [runId, 'failed']);
    exit(await project.quarry(['verify']), 0); // nothing half-committed

    unlinkSync(filler);
    exit(await project.quarry(['backfill', '--resume', runId]), 0);
    exit(await project.quarry(['verify']), 0);
    assert.equal((await revenueRows(project)).length, 5);
  });

  test('a full disk under the catalog is QUARRY_DISK_FULL, never an internal error; runs and status still read; the work finishes once there is room', async (t) => {
    const project = createE2eProject('trust-home-full');
    const unmount = mountTmpfs(project.home, '8m');
    t.after(() => {
      unmount();
      project.cleanup();
    });
    exit(await project.quarry(['backfill', '*', '--from', '2026-01-01', '--to', '2026-01-02']), 0);
    const filler = fillDisk(project.home);

    const failed = exit(await project.quarry(['backfill', '*', ...RANGE], { timeoutMs: 90_000 }), 1);
    assert.match(failed.stdout + failed.stderr, new RegExp(`disk full at ${project.home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\S*: free space and run `));
    assert.doesNotMatch(failed.stderr, /internal error/);
    exit(await project.quarry(['runs']), 0);
    exit(await project.quarry(['status']), 0);

    unlinkSync(filler);
    const created = /Run (r_\S+): \d+ steps/.exec(failed.stdout)?.[1];
    if (created !== undefined) exit(await project.quarry(['backfill', '--resume', created]), 0);
    else exit(await project.quarry(['backfill', '*', ...RANGE]), 0);
    exit(await project.quarry(['verify']), 0);
    assert.equal((await revenueRows(project)).length, 5);
  });
});
