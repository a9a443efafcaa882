import assert from 'node:assert/strict';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { isQuarryError } from '../../errors.ts';
import { migrateSqliteCatalog, SQLITE_MIGRATIONS } from './migrations.ts';
import { openSqliteCatalog } from './sqlite-catalog.ts';

async function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-integrity-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const runIdOf = (path: string) => /\/(r_[A-Za-z0-9_]+)\.\d+\.[^/]*$/.exec(path)?.[1];
const HOUR = 3_600_000;

test('a catalog migrated from schema 2 keeps its versions with unknown sizes, and gets an instance id', () => withDir((dir) => {
  const path = join(dir, 'catalog.sqlite');
  const db = new Database(path);
  migrateSqliteCatalog(db, path, SQLITE_MIGRATIONS, 2);
  db.exec(`INSERT INTO assets (id, asset_key) VALUES (1, 'raw/a');
    INSERT INTO code_versions (id, code_version) VALUES (1, 'c1');
    INSERT INTO materializations (id, asset_id, partition_key, created_at, files, data_version, code_version_id, input_seqs, metadata, seq, data_seq)
      VALUES (1, 1, 'p1', 0, '["raw/a/p1/old.parquet"]', 'd1', 1, '{}', '{}', 1, 1);
    INSERT INTO materialization_files (materialization_id, path) VALUES (1, 'raw/a/p1/old.parquet');
    INSERT INTO current_partitions VALUES ('1', 'p1', 1, 1, 1, 1, 0, 0);
    INSERT INTO current_versions VALUES (1, 'p1', 'd1', NULL);
    UPDATE catalog_state SET seq = 1;`);
  db.close();
  const catalog = openSqliteCatalog({ path });
  try {
    assert.match(catalog.instanceId(), /^qi_[0-9a-f]{24}$/);
    assert.equal(catalog.isEmpty(), false);
    assert.deepEqual(catalog.currentFiles('raw/a'), [{ partitionKey: 'p1', materializationId: 1, path: 'raw/a/p1/old.parquet', size: null, sha256: null }]);
    catalog.commitMaterializations([{ assetKey: 'raw/a', partitionKey: 'p2', files: ['raw/a/p2/new.parquet'], dataVersion: 'd2', codeVersion: 'c1', fileChecksums: [{ path: 'raw/a/p2/new.parquet', size: 42, sha256: 'ab'.repeat(32) }] }]);
    assert.deepEqual(catalog.currentFiles('raw/a').map((f) => [f.partitionKey, f.size, f.sha256]), [['p1', null, null], ['p2', 42, 'ab'.repeat(32)]]);
  } finally {
    catalog.close();
  }
  // The id is made once: reopening (another process) sees the same one.
  const again = openSqliteCatalog({ path });
  const fresh = openSqliteCatalog({ path: join(dir, 'other.sqlite') });
  try {
    assert.notEqual(again.instanceId(), fresh.instanceId());
    assert.equal(fresh.isEmpty(), true);
  } finally {
    again.close();
    fresh.close();
  }
}));

test('removeUnreferencedFiles decides at removal time: a file committed after the lake was listed, or of a live run, is kept', () => withDir((dir) => {
  const catalog = openSqliteCatalog({ path: join(dir, 'catalog.sqlite') });
  try {
    const old = new Date(Date.now() - 2 * HOUR);
    const now = new Date();
    const deadHere = catalog.createRun({ kind: 'backfill', selection: '*', status: 'running', pid: 2 ** 30, host: hostname() });
    const live = catalog.createRun({ kind: 'backfill', selection: '*', status: 'running', pid: process.pid, host: hostname() });
    const backfill = catalog.createRun({ kind: 'backfill', selection: '*', status: 'running', pid: process.pid, host: hostname() });
    // The lake as vacuum listed it, before the backfill committed its file.
    const listing = [
      { path: `raw/a/p1/${deadHere.id}.1.aa.parquet`, modifiedAt: now },
      { path: `raw/a/p1/${backfill.id}.1.bb.parquet`, modifiedAt: now },
      { path: `raw/a/p2/${live.id}.1.cc.parquet`, modifiedAt: old },
      { path: 'raw/a/p3/foreign-new.parquet', modifiedAt: now },
      { path: 'raw/a/p3/foreign-old.parquet', modifiedAt: old },
    ];
    catalog.commitMaterializations([{ assetKey: 'raw/a', partitionKey: 'p1', runId: backfill.id, files: [listing[1]!.path], dataVersion: 'd', codeVersion: 'c' }]);
    catalog.updateRun(backfill.id, { status: 'succeeded' });
    const removed: string[] = [];
    const result = catalog.removeUnreferencedFiles(listing, { runIdOf, graceCutoff: new Date(Date.now() - HOUR), remove: (path) => removed.push(path) });
    assert.deepEqual(result, [listing[0]!.path, listing[4]!.path], 'the dead run\'s orphan and the old foreign file only');
    assert.deepEqual(removed, result);
    const dry = catalog.removeUnreferencedFiles(listing, { runIdOf, graceCutoff: new Date(Date.now() - HOUR), treatAsUnreferenced: new Set([listing[1]!.path]) });
    assert.deepEqual(dry, [listing[0]!.path, listing[1]!.path, listing[4]!.path], 'a dry run can count expiring versions\' files as unreferenced');
  } finally {
    catalog.close();
  }
}));

test('markVersionsLost turns current versions into missing partitions until they are committed again', () => withDir((dir) => {
  const catalog = openSqliteCatalog({ path: join(dir, 'catalog.sqlite') });
  try {
    const [v1, v2] = catalog.commitMaterializations([
      { assetKey: 'raw/a', partitionKey: 'p1', files: ['raw/a/p1/x.parquet'], dataVersion: 'd1', codeVersion: 'c' },
      { assetKey: 'raw/a', partitionKey: 'p2', files: ['raw/a/p2/x.parquet'], dataVersion: 'd2', codeVersion: 'c' },
    ]);
    assert.equal(catalog.markVersionsLost([{ assetKey: 'raw/a', partitionKey: 'p1', materializationId: v1!.id, detail: 'file lost' }, { assetKey: 'raw/a', partitionKey: 'p2', materializationId: 999, detail: 'file changed' }]), 1, 'a version that is not current is ignored');
    assert.deepEqual(catalog.currentPartitions('raw/a').keys, ['p2']);
    assert.equal(catalog.currentMaterialization('raw/a', 'p1'), undefined);
    assert.deepEqual(catalog.lostPartitions('raw/a').map((l) => [l.partitionKey, l.materializationId, l.detail]), [['p1', v1!.id, 'file lost']]);
    assert.equal(catalog.getMaterialization(v1!.id)?.current, false, 'the version stays in history');
    catalog.commitMaterializations([{ assetKey: 'raw/a', partitionKey: 'p1', files: ['raw/a/p1/y.parquet'], dataVersion: 'd1', codeVersion: 'c' }]);
    assert.deepEqual(catalog.lostPartitions('raw/a'), []);
    assert.equal(catalog.currentMaterialization('raw/a', 'p2')?.id, v2!.id);
  } finally {
    catalog.close();
  }
}));

test('a catalog damaged after it was opened fails with QUARRY_CATALOG_CORRUPT naming the file, on reads and writes', () => withDir((dir) => {
  const path = join(dir, 'catalog.sqlite');
  const setup = openSqliteCatalog({ path });
  for (let i = 0; i < 200; i++) setup.createRun({ kind: 'backfill', selection: `asset_${i}_${'x'.repeat(200)}` });
  setup.close();
  const catalog = openSqliteCatalog({ path });
  try {
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);
    closeSync(fd);
    const corrupt = (error: unknown) => isQuarryError(error, 'QUARRY_CATALOG_CORRUPT') && error.message.includes(path) && /Restore it from a backup/.test(error.message);
    assert.throws(() => catalog.listRuns({ limit: 500 }), corrupt);
    assert.throws(() => catalog.createRun({ kind: 'backfill', selection: 'y' }), corrupt);
  } finally {
    catalog.close();
  }
}));

test('currentFiles with partition keys returns only those partitions\' current files (unknown and repeated keys ignored)', () => withDir((dir) => {
  const catalog = openSqliteCatalog({ path: join(dir, 'catalog.sqlite') });
  try {
    const commit = (partitionKey: string, files: string[]) => catalog.commitMaterializations([{ assetKey: 'raw/a', partitionKey, files, dataVersion: `d-${partitionKey}-${files.length}`, codeVersion: 'c1' }]);
    commit('p1', ['raw/a/p1/a.parquet']);
    commit('p2', ['raw/a/p2/b.parquet', 'raw/a/p2/a.parquet']);
    commit('p3', ['raw/a/p3/a.parquet']);
    commit('p1', ['raw/a/p1/new.parquet']);
    const of = (keys?: string[]) => catalog.currentFiles('raw/a', keys).map((f) => [f.partitionKey, f.path]);
    assert.deepEqual(of(['p2', 'p1', 'nope', 'p1']), [['p1', 'raw/a/p1/new.parquet'], ['p2', 'raw/a/p2/a.parquet'], ['p2', 'raw/a/p2/b.parquet']]);
    assert.deepEqual(of([]), []);
    assert.deepEqual(of(['p1', 'p2', 'p3']), of(), 'all keys give what no keys give');
    assert.deepEqual(catalog.currentFiles('raw/unknown', ['p1']), []);
  } finally {
    catalog.close();
  }
}));
