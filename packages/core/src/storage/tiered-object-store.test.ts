import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isQuarryError } from '../errors.ts';
import { createTieredObjectStore } from './tiered-object-store.ts';

function withDirs(fn: (lake: string, cold: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quarry-tiered-'));
    try {
      await fn(join(dir, 'lake'), join(dir, 'cold'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('@cold/ paths live in the cold folder; listing merges both stores in path order', withDirs(async (lake, cold) => {
  const store = createTieredObjectStore({ root: lake, coldRoot: cold });
  await store.put('a/1.parquet', 'hot');
  await store.put('@cold/a/0.parquet', 'cold');
  await store.put('B/2.parquet', 'hot2');
  assert.equal(store.localPath('@cold/a/0.parquet'), join(cold, 'a', '0.parquet'));
  assert.equal(store.localPath('a/1.parquet'), join(lake, 'a', '1.parquet'));
  assert.equal(new TextDecoder().decode(await store.get('@cold/a/0.parquet')), 'cold');
  assert.equal(await store.exists('@cold/a/1.parquet'), false);
  const all: string[] = [];
  for await (const entry of store.list('')) all.push(entry.path);
  assert.deepEqual(all, ['@cold/a/0.parquet', 'B/2.parquet', 'a/1.parquet'], 'JavaScript string order across both stores');
  const coldOnly: string[] = [];
  for await (const entry of store.list('@cold/')) coldOnly.push(entry.path);
  assert.deepEqual(coldOnly, ['@cold/a/0.parquet']);
  assert.deepEqual(store.localRoots(), [lake, cold]);
  await store.delete('@cold/a/0.parquet');
  assert.equal(await store.exists('@cold/a/0.parquet'), false);
}));

test('a @cold/ path without a configured cold store, and a cold store inside the lake, are clear errors', withDirs(async (lake) => {
  const store = createTieredObjectStore({ root: lake });
  assert.throws(() => store.localPath('@cold/a/0.parquet'), (e: unknown) => isQuarryError(e, 'QUARRY_COLD_STORE_MISSING') && /configures no storage\.coldStore/.test(e.message));
  assert.throws(() => createTieredObjectStore({ root: lake, coldRoot: join(lake, 'cold') }), (e: unknown) => isQuarryError(e, 'QUARRY_BAD_CONFIG') && /overlaps the lake/.test(e.message));
}));
