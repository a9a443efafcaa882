// End-to-end: `quarry storage apply` moves old partitions to the warm and cold tiers without changing
// anything a user reads — every query and `--as-of` result, status, plans and data versions stay the
// same — reports bytes per tier, and survives kill -9 at every point of a move (issue 14, point 5).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { lakeFiles, readCatalogSnapshot } from './catalog-snapshot.ts';
import { CLOCK_TOO_EARLY, createE2eProject, describeResult, parseJson, replaceOnce, type CliResult, type E2eProject } from './e2e-project.ts';

const RANGE = ['--from', '2026-01-01', '--to', '2026-01-10'] as const;
const CSV_0103 = 'order_id,customer_id,amount,status,ordered_at\no-1,c-1,10.5,paid,2026-01-03T10:00:00Z\n';
// Windows ending on or before 2026-01-06 (keys 01-01 … 01-05) are over 365 days old then: cold; the rest warm.
const NOW = '2027-01-06T00:00:00Z';
const TIERS = "storage: { hot: '30d', warm: '365d', cold: 'after 365d', coldStore: local('cold-archive') }";

interface TierJson { tier: string; store: string; files: number; bytes: number; monthlyCost: number }
interface StorageJson { configured: boolean; tiers: TierJson[]; files: number; bytes: number; allHotBytes: number; monthlyCost: number; allHotMonthlyCost: number; saving: number; movesInFlight: number }
interface ApplyJson { dryRun: boolean; moves: { fromPath: string; toPath: string | null; from: string; to: string; assetKey: string; partitionKey: string }[]; skipped: unknown[]; recovered: number; storage: StorageJson }

function ok(result: CliResult): CliResult {
  assert.equal(result.code, 0, describeResult(result));
  return result;
}

function withTiers(project: E2eProject, tiers = TIERS): void {
  project.editConfig((source) => {
    const withImport = replaceOnce(source, "import { dailyPartitions, defineAsset, defineProject, timeWindowMapping } from '@quarry/core';", "import { dailyPartitions, defineAsset, defineProject, local, timeWindowMapping } from '@quarry/core';");
    return replaceOnce(withImport, "defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d] })", `defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d], ${tiers} })`);
  });
}

/** Backfills 10 days, then replaces 2026-01-03's orders: 9 versions superseded, so `--as-of` has history to read. */
async function lakeWithHistory(project: E2eProject): Promise<{ between: string }> {
  ok(await project.quarry(['backfill', '*', ...RANGE]));
  await sleep(30);
  const between = new Date().toISOString();
  await sleep(30);
  project.writeFile('data/orders/2026-01-03.csv', CSV_0103);
  ok(await project.quarry(['materialize', ...RANGE]));
  return { between };
}

/** Everything a user can read: every asset's rows now and as of `between`, status and the plan. */
async function observable(project: E2eProject, between: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const view of ['raw__orders', 'staging__orders_clean', 'marts__revenue_7d']) {
    out[view] = ok(await project.quarry(['query', `select * from ${view} order by all`, '--json'])).stdout;
    out[`${view} as of`] = ok(await project.quarry(['query', `select * from ${view} order by all`, '--as-of', between, '--json'])).stdout;
  }
  out['status'] = ok(await project.quarry(['status', '--json'])).stdout;
  out['plan'] = ok(await project.quarry(['plan', ...RANGE])).stdout;
  return out;
}

function versions(project: E2eProject): unknown {
  const snapshot = readCatalogSnapshot(project.catalogPath);
  return { all: snapshot.materializations.map((m) => [m.id, m.asset, m.partition, m.dataVersion, m.rowCount]), current: [...snapshot.currentDataVersions].sort() };
}

/** Files in the lake and the cold store (cold ones as `@cold/…`), against what the catalog references. */
function filesOnDisk(project: E2eProject): string[] {
  return [...lakeFiles(project.lakeDir), ...lakeFiles(join(project.dir, 'cold-archive')).map((f) => `@cold/${f}`)].sort();
}

function movesInFlight(project: E2eProject): { to_path: string; state: string }[] {
  const db = new Database(project.catalogPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('select to_path, state from storage_moves').all() as { to_path: string; state: string }[];
  } finally {
    db.close();
  }
}

function tierCounts(storage: StorageJson): Record<string, number> {
  return Object.fromEntries(storage.tiers.map((t) => [`${t.tier}/${t.store}`, t.files]));
}

describe('quarry storage tiers', { skip: CLOCK_TOO_EARLY, concurrency: 2 }, () => {
  test('after apply every query, --as-of result, status, plan and data version is identical; bytes per tier are reported', async (t) => {
    const project = createE2eProject('storage-tiers');
    t.after(() => project.cleanup());
    withTiers(project);
    const { between } = await lakeWithHistory(project);
    const before = await observable(project, between);
    assert.match(before['plan']!, /nothing to do|0 steps/i, 'everything is up to date before the apply');
    const versionsBefore = versions(project);
    const hot = parseJson<StorageJson>(ok(await project.quarry(['storage', '--json'])));
    assert.deepEqual(tierCounts(hot), { 'hot/lake': 39 }, '30 current versions and 9 superseded ones, all hot');

    const dryRun = parseJson<ApplyJson>(ok(await project.quarry(['storage', 'apply', '--dry-run', '--now', NOW, '--json'])));
    assert.equal(dryRun.moves.length, 39);
    assert.deepEqual(filesOnDisk(project), [...readCatalogSnapshot(project.catalogPath).referencedFiles].sort(), 'a dry run moves nothing');

    const applied = parseJson<ApplyJson>(ok(await project.quarry(['storage', 'apply', '--now', NOW, '--json'])));
    assert.deepEqual(applied.moves.map((m) => [m.fromPath, m.to]).sort(), dryRun.moves.map((m) => [m.fromPath, m.to]).sort(), 'the dry run announced exactly these moves');
    const cold = applied.moves.filter((m) => m.to === 'cold').map((m) => m.partitionKey);
    assert.deepEqual([...new Set(cold)].sort(), ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05']);
    assert.ok(applied.moves.filter((m) => m.to === 'cold').every((m) => m.toPath!.startsWith('@cold/')));
    assert.deepEqual(tierCounts(applied.storage), { 'warm/lake': 19, 'cold/cold': 20 }, 'cold: 5 days × 3 assets + 5 superseded (01-03 of each asset, revenue 01-04 and 01-05); warm: 5 days × 3 + 4 superseded revenue days');

    assert.deepEqual(await observable(project, between), before, 'queries, as-of reads, status and plan are unchanged');
    assert.deepEqual(versions(project), versionsBefore, 'data versions are content, not files: unchanged');
    assert.deepEqual(filesOnDisk(project), [...readCatalogSnapshot(project.catalogPath).referencedFiles].sort(), 'old files are gone, new ones are all referenced');
    assert.equal(lakeFiles(join(project.dir, 'cold-archive')).length, 20);

    const report = parseJson<StorageJson>(ok(await project.quarry(['storage', '--json'])));
    assert.equal(report.files, 39);
    assert.equal(report.bytes, report.tiers.reduce((n, t) => n + t.bytes, 0));
    assert.equal(report.allHotBytes, hot.bytes, 'all-hot is what the files took as first written');
    // At the default prices (GCS Standard $0.020, Archive $0.0012 per GiB-month): cost is bytes × tier price.
    const gib = 1024 ** 3;
    const bytesOf = (tier: string) => report.tiers.find((x) => x.tier === tier)!.bytes;
    const expectedCost = (bytesOf('warm') / gib) * 0.02 + (bytesOf('cold') / gib) * 0.0012;
    assert.ok(Math.abs(report.monthlyCost - expectedCost) < 1e-12, JSON.stringify(report));
    assert.ok(Math.abs(report.allHotMonthlyCost - (hot.bytes / gib) * 0.02) < 1e-12);
    assert.ok(Math.abs(report.saving - (1 - expectedCost / report.allHotMonthlyCost)) < 1e-9);
    assert.ok(report.saving > 0.4, `half the files are cold: ${JSON.stringify(report)}`);
    const text = ok(await project.quarry(['storage'])).stdout;
    assert.match(text, /^warm\s+lake\s+19\s/m);
    assert.match(text, /^cold\s+cold\s+20\s/m);
    assert.match(text, /All hot: .*saving \d+\.\d%/);

    // Every moved file carries its new size and checksum; vacuum keeps them; a second apply has nothing to do.
    ok(await project.quarry(['verify']));
    const vacuum = parseJson<{ removedFiles: string[] }>(ok(await project.quarry(['vacuum', '--retention-days', '3650', '--grace-minutes', '0', '--json'])));
    assert.deepEqual(vacuum.removedFiles, []);
    const again = parseJson<ApplyJson>(ok(await project.quarry(['storage', 'apply', '--now', NOW, '--json'])));
    assert.equal(again.moves.length, 0);
    assert.deepEqual(await observable(project, between), before);

    // A re-materialized old partition writes a new hot file; its old (cold) version stays readable as of before.
    project.writeFile('data/orders/2026-01-02.csv', CSV_0103.replace('10.5', '99.5'));
    ok(await project.quarry(['materialize', '--partition', '2026-01-02']));
    const afterChange = parseJson<StorageJson>(ok(await project.quarry(['storage', '--json'])));
    assert.ok((tierCounts(afterChange)['hot/lake'] ?? 0) >= 1);
    assert.equal(ok(await project.quarry(['query', 'select * from raw__orders order by all', '--as-of', between, '--json'])).stdout, before['raw__orders as of']);
  });

  test('kill -9 of apply at every point of a move loses nothing, and a rerun finishes', async (t) => {
    const project = createE2eProject('storage-tiers-kill');
    t.after(() => project.cleanup());
    withTiers(project);
    const { between } = await lakeWithHistory(project);
    const before = await observable(project, between);
    const versionsBefore = versions(project);
    // Every point of a move, at the first, second or third file of a run (moves to warm and to cold are both cut).
    const points = ['begun:1', 'copied:2', 'committed:3', 'deleted:2'];
    const rawNow = before['raw__orders']!;
    const rawAsOf = before['raw__orders as of']!;
    for (const point of points) {
      const killed = await project.quarry(['storage', 'apply', '--now', NOW], { env: { QUARRY_TEST_STORAGE_KILL_AT: point } });
      assert.equal(killed.signal, 'SIGKILL', `apply killed at ${point}: ${describeResult(killed)}`);
      assert.equal(ok(await project.quarry(['query', 'select * from raw__orders order by all', '--json'])).stdout, rawNow, `rows unchanged after a kill at ${point}`);
      assert.deepEqual(versions(project), versionsBefore);
      const referenced = readCatalogSnapshot(project.catalogPath).referencedFiles;
      for (const path of referenced) assert.ok(filesOnDisk(project).includes(path), `${path} (referenced) exists after a kill at ${point}`);
      // Vacuum keeps every file the catalog or a move in flight names: a copy not yet committed too
      // (a live apply would commit it next).
      const inFlight = movesInFlight(project);
      ok(await project.quarry(['vacuum', '--retention-days', '3650', '--grace-minutes', '0']));
      for (const move of inFlight) {
        if (move.state === 'copying' && point.startsWith('copied')) assert.ok(filesOnDisk(project).includes(move.to_path), `vacuum kept the uncommitted copy ${move.to_path}`);
      }
      if (point.startsWith('copied')) assert.equal(inFlight.filter((m) => m.state === 'copying').length, 1, 'the killed move is recorded in flight');
      assert.equal(ok(await project.quarry(['query', 'select * from raw__orders order by all', '--as-of', between, '--json'])).stdout, rawAsOf, `vacuum after a kill at ${point} removed nothing needed`);
    }
    const finished = parseJson<ApplyJson>(ok(await project.quarry(['storage', 'apply', '--now', NOW, '--json'])));
    assert.deepEqual(finished.skipped, []);
    assert.deepEqual(tierCounts(finished.storage), { 'warm/lake': 19, 'cold/cold': 20 }, 'the rerun finished every move');
    assert.equal(finished.storage.movesInFlight, 0);
    assert.deepEqual(filesOnDisk(project), [...readCatalogSnapshot(project.catalogPath).referencedFiles].sort(), 'no copy or old file is left over');
    assert.deepEqual(await observable(project, between), before);
    assert.deepEqual(versions(project), versionsBefore);
    ok(await project.quarry(['verify']));
  });

  test('bad input: bad ages, a cold tier without a cold store, a missing cold folder, no tiers, a bad --now', async (t) => {
    const project = createE2eProject('storage-tiers-bad');
    t.after(() => project.cleanup());
    const noTiers = await project.quarry(['storage', 'apply']);
    assert.equal(noTiers.code, 1, describeResult(noTiers));
    assert.match(noTiers.stderr, /QUARRY_STORAGE_TIERS_NOT_CONFIGURED/);
    assert.match(noTiers.stderr, /storage: \{ hot: '30d'/);

    withTiers(project, "storage: { hot: '30 days' }");
    const badAge = await project.quarry(['storage']);
    assert.equal(badAge.code, 1, describeResult(badAge));
    assert.match(badAge.stderr, /storage\.hot is "30 days": write an age above zero as a whole number and a unit \(m, h, d or w\), such as '30d'/);

    project.editConfig((s) => s.replace("storage: { hot: '30 days' }", "storage: { hot: '30d', warm: '365d' }"));
    const noColdStore = await project.quarry(['storage']);
    assert.equal(noColdStore.code, 1, describeResult(noColdStore));
    assert.match(noColdStore.stderr, /has a cold tier \(files go cold after 365d\) but no cold store: add coldStore: local\('path\/to\/folder'\)/);

    project.editConfig((s) => s.replace("storage: { hot: '30d', warm: '365d' }", TIERS));
    const badNow = await project.quarry(['storage', 'apply', '--now', 'yesterday']);
    assert.equal(badNow.code, 1, describeResult(badNow));
    assert.match(badNow.stderr, /--now "yesterday" is not an ISO date or time/);

    ok(await project.quarry(['backfill', '*', '--from', '2026-01-01', '--to', '2026-01-02']));
    ok(await project.quarry(['storage', 'apply', '--now', NOW]));
    const { rmSync } = await import('node:fs');
    rmSync(join(project.dir, 'cold-archive'), { recursive: true });
    const gone = await project.quarry(['storage', 'apply', '--now', NOW]);
    assert.equal(gone.code, 1, describeResult(gone));
    assert.match(gone.stderr, /QUARRY_COLD_STORE_MISSING/);
    assert.match(gone.stderr, /cold-archive is missing, but the catalog records 6 files in it: mount or restore it/);
    // verify --repair must not take an unmounted cold store for lost data.
    const repair = await project.quarry(['verify', '--repair']);
    assert.equal(repair.code, 1, describeResult(repair));
    assert.match(repair.stderr, /cold-archive is missing: mount or restore it \(or fix storage.coldStore\) before verifying. \[QUARRY_COLD_STORE_MISSING\]/);
    const db = new Database(project.catalogPath, { readonly: true, fileMustExist: true });
    try {
      assert.deepEqual(db.prepare('select count(*) as n from lost_versions').get(), { n: 0 }, 'no version was marked lost');
    } finally {
      db.close();
    }
  });
});
