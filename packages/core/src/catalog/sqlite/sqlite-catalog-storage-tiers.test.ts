import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteCatalog } from './sqlite-catalog.ts';

function catalogWithTwoVersions() {
  const catalog = openSqliteCatalog({ path: ':memory:' });
  const base = { assetKey: 'raw/a', partitionKey: '2026-01-01', codeVersion: 'c1' };
  const [v1] = catalog.commitMaterializations([{ ...base, files: ['raw/a/2026-01-01/v1.parquet'], dataVersion: 'd1', fileChecksums: [{ path: 'raw/a/2026-01-01/v1.parquet', size: 100, sha256: 'aa' }] }]);
  const [v2] = catalog.commitMaterializations([{ ...base, files: ['raw/a/2026-01-01/v2.parquet'], dataVersion: 'd2', fileChecksums: [{ path: 'raw/a/2026-01-01/v2.parquet', size: 120, sha256: 'bb' }] }]);
  return { catalog, v1: v1!, v2: v2! };
}

test('a committed move renames the file in every version naming it, keeps data versions and seqs, and records tier, store and hot size', () => {
  const { catalog, v1, v2 } = catalogWithTwoVersions();
  try {
    assert.deepEqual(catalog.storageTierSummary(), [{ tier: 'hot', store: 'lake', files: 2, bytes: 220, hotBytes: 220 }]);
    const warm = catalog.beginStorageMove({ fromPath: 'raw/a/2026-01-01/v1.parquet', toPath: 'raw/a/2026-01-01/t_w.parquet', toStore: 'lake', tier: 'warm', pid: process.pid });
    assert.equal(warm.state, 'copying');
    assert.equal(warm.orphaned, false, 'this process is alive');
    assert.equal(catalog.commitStorageMove(warm.id, { size: 60, sha256: 'cc' }), true);
    catalog.finishStorageMove(warm.id);
    const cold = catalog.beginStorageMove({ fromPath: 'raw/a/2026-01-01/t_w.parquet', toPath: '@cold/raw/a/2026-01-01/t_w.parquet', toStore: 'cold', tier: 'cold', pid: process.pid });
    assert.equal(catalog.commitStorageMove(cold.id, { size: 60, sha256: 'cc' }), true);
    assert.deepEqual(catalog.storageMoves().map((m) => m.state), ['committed'], 'committed until its old file is deleted');
    catalog.finishStorageMove(cold.id);
    assert.deepEqual(catalog.storageMoves(), []);

    const moved = catalog.getMaterialization(v1.id)!;
    assert.deepEqual(moved.files, ['@cold/raw/a/2026-01-01/t_w.parquet']);
    assert.equal(moved.dataVersion, 'd1');
    assert.equal(moved.seq, v1.seq);
    assert.deepEqual(catalog.materializationHistory('raw/a', '2026-01-01').map((m) => m.files), [['raw/a/2026-01-01/v2.parquet'], ['@cold/raw/a/2026-01-01/t_w.parquet']], 'history (and so as-of) reads the moved file');
    assert.deepEqual(catalog.currentFiles('raw/a').map((f) => f.path), ['raw/a/2026-01-01/v2.parquet']);
    const files = catalog.storageFiles();
    assert.deepEqual(files.map((f) => [f.path, f.tier, f.store, f.size, f.sha256, f.hotSize]), [
      ['@cold/raw/a/2026-01-01/t_w.parquet', 'cold', 'cold', 60, 'cc', 100],
      ['raw/a/2026-01-01/v2.parquet', 'hot', 'lake', 120, 'bb', null],
    ]);
    assert.deepEqual(catalog.storageTierSummary(), [
      { tier: 'hot', store: 'lake', files: 1, bytes: 120, hotBytes: 120 },
      { tier: 'cold', store: 'cold', files: 1, bytes: 60, hotBytes: 100 },
    ]);
    assert.deepEqual(catalog.currentPartitions('raw/a').keys, ['2026-01-01']);
    assert.equal(catalog.currentMaterialization('raw/a', '2026-01-01')!.id, v2.id);
  } finally {
    catalog.close();
  }
});

test('a move whose file no version names any more is abandoned; vacuum keeps the copy of a move in flight', () => {
  const { catalog } = catalogWithTwoVersions();
  try {
    const move = catalog.beginStorageMove({ fromPath: 'raw/a/2026-01-01/gone.parquet', toPath: 'raw/a/2026-01-01/t_x.parquet', toStore: 'lake', tier: 'warm', pid: process.pid });
    const removed: string[] = [];
    const kept = catalog.removeUnreferencedFiles([{ path: 'raw/a/2026-01-01/t_x.parquet', modifiedAt: new Date(0) }, { path: 'raw/a/2026-01-01/orphan.parquet', modifiedAt: new Date(0) }], {
      runIdOf: () => undefined, graceCutoff: new Date(), remove: (p) => removed.push(p),
    });
    assert.deepEqual(kept, ['raw/a/2026-01-01/orphan.parquet']);
    assert.deepEqual(removed, ['raw/a/2026-01-01/orphan.parquet'], 'the copy of the move in flight is kept');
    assert.equal(catalog.commitStorageMove(move.id, { size: 1, sha256: 'x' }), false);
    assert.deepEqual(catalog.storageMoves().map((m) => m.state), ['abandoned']);
    assert.throws(() => catalog.commitStorageMove(move.id, { size: 1, sha256: 'x' }), /not in flight/);
  } finally {
    catalog.close();
  }
});
