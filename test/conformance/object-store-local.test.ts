import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLocalObjectStore } from '../../packages/core/src/storage/index.ts';
import { BAD_OBJECT_PATHS, objectStoreSuite } from './object-store-suite.ts';

objectStoreSuite('local', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-local-store-'));
  return {
    store: createLocalObjectStore({ root: join(dir, 'lake') }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

test('local store: traversal attempts touch nothing outside the root', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-local-escape-'));
  try {
    await writeFile(join(dir, 'escape.txt'), 'outside');
    const store = createLocalObjectStore({ root: join(dir, 'lake') });
    await store.put('inside.txt', 'inside');
    for (const path of BAD_OBJECT_PATHS) {
      await assert.rejects(store.put(path, 'evil'));
      await assert.rejects(store.delete(path));
    }
    assert.deepEqual((await readdir(dir)).sort(), ['escape.txt', 'lake']);
    assert.deepEqual(await readdir(join(dir, 'lake')), ['inside.txt']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('local store: list ignores temporary files of writes in progress', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-local-tmp-'));
  try {
    const store = createLocalObjectStore({ root: dir });
    await store.put('a/v1.parquet', 'x');
    await writeFile(join(dir, 'a', '.quarry-tmp-v2.parquet-123-abc'), 'half');
    const paths: string[] = [];
    for await (const entry of store.list('')) paths.push(entry.path);
    assert.deepEqual(paths, ['a/v1.parquet']);
    assert.equal(store.localPath('a/v1.parquet'), join(dir, 'a', 'v1.parquet'));
    assert.equal(store.uri('a/v1.parquet'), new URL(`file://${join(dir, 'a', 'v1.parquet')}`).href);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
