import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { NewMaterialization } from '../catalog.ts';
import { openSqliteCatalog } from './sqlite-catalog.ts';

const version = (partitionKey: string, dataVersion: string): NewMaterialization => ({
  assetKey: 'raw/orders',
  partitionKey,
  files: [`raw/orders/${partitionKey}/${dataVersion}.parquet`],
  dataVersion,
  codeVersion: 'code-1',
});

test('an unchanged catalog hands back its last bulk read; a write by this connection, another one or another library is seen at once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-read-cache-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'catalog.sqlite');
  const catalog = openSqliteCatalog({ path });
  const other = openSqliteCatalog({ path });
  t.after(() => {
    catalog.close();
    other.close();
  });
  catalog.commitMaterializations([version('2026-01-01', 'a')]);

  const first = catalog.currentPartitions('raw/orders');
  assert.equal(catalog.currentPartitions('raw/orders'), first, 'nothing changed: the same read');
  const files = catalog.currentFiles('raw/orders');
  assert.equal(catalog.currentFiles('raw/orders'), files);
  assert.deepEqual(catalog.currentPartitions('raw/orders', { columns: ['dataVersions'] }).dataVersions, ['a'], 'other columns are their own read');
  assert.equal(catalog.currentPartitions('raw/orders'), first, 'reading other columns changes nothing');

  // Another connection (any process) commits.
  other.commitMaterializations([version('2026-01-02', 'b')]);
  assert.deepEqual(catalog.currentPartitions('raw/orders').keys, ['2026-01-01', '2026-01-02']);
  assert.deepEqual(catalog.currentFiles('raw/orders').map((f) => f.path), ['raw/orders/2026-01-01/a.parquet', 'raw/orders/2026-01-02/b.parquet']);

  // This connection writes.
  catalog.commitMaterializations([version('2026-01-01', 'c')]);
  assert.deepEqual(catalog.currentPartitions('raw/orders', { columns: ['dataVersions'] }).dataVersions, ['c', 'b']);
  const current = catalog.currentFiles('raw/orders');
  assert.deepEqual(current.map((f) => f.path), ['raw/orders/2026-01-01/c.parquet', 'raw/orders/2026-01-02/b.parquet']);
  assert.equal(catalog.markVersionsLost([{ assetKey: 'raw/orders', partitionKey: '2026-01-02', materializationId: current[1]!.materializationId, detail: 'file lost' }]), 1);
  assert.deepEqual(catalog.currentPartitions('raw/orders').keys, ['2026-01-01'], 'a version marked lost is no longer current');
  assert.deepEqual(catalog.currentFiles('raw/orders').map((f) => f.path), ['raw/orders/2026-01-01/c.parquet']);

  // Another library on the file (no Quarry code at all).
  const raw = new Database(path);
  raw.prepare("UPDATE current_partitions SET data_seq = 99 WHERE partition_key = '2026-01-01'").run();
  raw.close();
  assert.deepEqual([...catalog.currentPartitions('raw/orders').dataSeqs], [99]);
});
