/**
 * The conformance suite every `ObjectStore` backend passes; each backend's test file calls
 * `objectStoreSuite` with a fixture that builds a fresh, empty store.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile, access } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import { isQuarryError } from '../../packages/core/src/errors.ts';
import type { ObjectStore } from '../../packages/core/src/storage/index.ts';

/** What a backend's fixture returns: a fresh empty store and how to dispose of it. */
export interface ObjectStoreFixture {
  readonly store: ObjectStore;
  cleanup(): Promise<void>;
}

const decoder = new TextDecoder();

/** Paths every store must reject with `QUARRY_BAD_OBJECT_PATH`, traversal attempts first. */
export const BAD_OBJECT_PATHS: readonly string[] = [
  '../escape.txt',
  'a/../../escape.txt',
  'a/..',
  '..',
  '/etc/passwd',
  '/abs/path',
  'a\\..\\..\\escape.txt',
  'a/b\\c',
  'a\u0000b',
  'a/./b',
  '.',
  'a//b',
  'a/',
  '',
  'line\nbreak',
  'a/.quarry-tmp-x',
];

async function collect(iterable: AsyncIterable<{ path: string; size: number; modifiedAt: Date }>) {
  const out: { path: string; size: number; modifiedAt: Date }[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

function isBadPath(path: string) {
  return (error: unknown) => {
    assert.ok(isQuarryError(error, 'QUARRY_BAD_OBJECT_PATH'), `expected QUARRY_BAD_OBJECT_PATH for ${JSON.stringify(path)}, got ${String(error)}`);
    assert.ok(error.message.includes(JSON.stringify(path)), `message should name the path: ${error.message}`);
    return true;
  };
}

/** Registers the object-store conformance tests for one backend under `describe(name)`. */
export function objectStoreSuite(name: string, fixture: () => Promise<ObjectStoreFixture>): void {
  async function withStore(fn: (store: ObjectStore) => Promise<void>): Promise<void> {
    const { store, cleanup } = await fixture();
    try {
      await fn(store);
    } finally {
      await cleanup();
    }
  }

  describe(`object store conformance: ${name}`, () => {
    test('put then get returns the bytes; a string is stored as UTF-8', () => withStore(async (store) => {
      const bytes = new Uint8Array(256).map((_, i) => i);
      await store.put('asset/2026-01-15/v1.bin', bytes);
      assert.deepEqual(await store.get('asset/2026-01-15/v1.bin'), bytes);
      await store.put('asset/notes.txt', 'héllo ✓');
      assert.equal(decoder.decode(await store.get('asset/notes.txt')), 'héllo ✓');
      await store.put('unicode/créateurs/ünïcode.txt', 'u');
      assert.equal(decoder.decode(await store.get('unicode/créateurs/ünïcode.txt')), 'u');
    }));

    test('the stored object does not change when the caller mutates its buffer', () => withStore(async (store) => {
      const bytes = new Uint8Array([1, 2, 3]);
      await store.put('a.bin', bytes);
      bytes[0] = 9;
      const read = await store.get('a.bin');
      assert.deepEqual(read, new Uint8Array([1, 2, 3]));
      read[1] = 9;
      assert.deepEqual(await store.get('a.bin'), new Uint8Array([1, 2, 3]));
    }));

    test('put overwrites an existing object', () => withStore(async (store) => {
      await store.put('a/b.txt', 'first version, longer');
      await store.put('a/b.txt', 'second');
      assert.equal(decoder.decode(await store.get('a/b.txt')), 'second');
      assert.equal((await store.stat('a/b.txt'))?.size, 6);
    }));

    test('get of a missing object throws QUARRY_OBJECT_NOT_FOUND naming the path', () => withStore(async (store) => {
      await store.put('present/x.txt', 'x');
      for (const missing of ['missing.txt', 'present/y.txt', 'present']) {
        await assert.rejects(store.get(missing), (error: unknown) => {
          assert.ok(isQuarryError(error, 'QUARRY_OBJECT_NOT_FOUND'), String(error));
          assert.ok(error.message.includes(JSON.stringify(missing)), error.message);
          return true;
        });
      }
    }));

    test('exists and stat report objects and only objects', () => withStore(async (store) => {
      const before = Date.now();
      await store.put('dir/file.txt', '12345');
      assert.equal(await store.exists('dir/file.txt'), true);
      assert.equal(await store.exists('dir/other.txt'), false);
      assert.equal(await store.exists('dir'), false, 'a directory-like prefix is not an object');
      const stat = await store.stat('dir/file.txt');
      assert.ok(stat !== undefined);
      assert.equal(stat.size, 5);
      assert.ok(stat.modifiedAt instanceof Date);
      assert.ok(Math.abs(stat.modifiedAt.getTime() - before) < 60_000, 'modifiedAt is about now');
      assert.equal(await store.stat('dir/other.txt'), undefined);
      assert.equal(await store.stat('dir'), undefined);
    }));

    test('delete removes an object and is idempotent', () => withStore(async (store) => {
      await store.put('d/x.txt', 'x');
      await store.put('d/y.txt', 'y');
      await store.delete('d/x.txt');
      assert.equal(await store.exists('d/x.txt'), false);
      assert.equal(await store.exists('d/y.txt'), true);
      await store.delete('d/x.txt');
      await store.delete('never/existed.txt');
      assert.deepEqual((await collect(store.list(''))).map((e) => e.path), ['d/y.txt']);
    }));

    test('list yields the objects under a prefix in ascending path order with sizes', () => withStore(async (store) => {
      const paths = ['raw/creators/2026-01-16/v1.parquet', 'raw/creators/2026-01-15/v2.parquet', 'raw/creators/2026-01-15/v1.parquet', 'raw/creators-archive/x', 'raw/videos/2026-01-15/v1.parquet', 'raw/a-b', 'raw/a/b', 'top.txt'];
      for (const [i, path] of paths.entries()) await store.put(path, 'x'.repeat(i + 1));
      const all = await collect(store.list(''));
      assert.deepEqual(all.map((e) => e.path), [...paths].sort());
      assert.equal(all.find((e) => e.path === 'top.txt')?.size, 8);
      assert.ok(all.every((e) => e.modifiedAt instanceof Date));
      assert.deepEqual((await collect(store.list('raw/creators/'))).map((e) => e.path), [
        'raw/creators/2026-01-15/v1.parquet', 'raw/creators/2026-01-15/v2.parquet', 'raw/creators/2026-01-16/v1.parquet',
      ]);
      assert.deepEqual((await collect(store.list('raw/creators'))).map((e) => e.path), [
        'raw/creators-archive/x', 'raw/creators/2026-01-15/v1.parquet', 'raw/creators/2026-01-15/v2.parquet', 'raw/creators/2026-01-16/v1.parquet',
      ]);
      assert.deepEqual((await collect(store.list('raw/creators/2026-01-15/v'))).map((e) => e.path), [
        'raw/creators/2026-01-15/v1.parquet', 'raw/creators/2026-01-15/v2.parquet',
      ]);
      assert.deepEqual((await collect(store.list('raw/a'))).map((e) => e.path), ['raw/a-b', 'raw/a/b']);
      assert.deepEqual(await collect(store.list('nothing/here/')), []);
      assert.deepEqual(await collect(store.list('top.txt/')), []);
      assert.deepEqual((await collect(store.list('top.txt'))).map((e) => e.path), ['top.txt']);
    }));

    test('putFile moves a local file into the store', () => withStore(async (store) => {
      const dir = await mkdtemp(join(tmpdir(), 'quarry-putfile-'));
      try {
        const local = join(dir, 'staged.parquet');
        await writeFile(local, 'staged bytes');
        await store.putFile('asset/2026-01-15/v1.parquet', local);
        assert.equal(decoder.decode(await store.get('asset/2026-01-15/v1.parquet')), 'staged bytes');
        await assert.rejects(access(local), 'the store took ownership of the local file');
        const replacement = join(dir, 'replacement.parquet');
        await writeFile(replacement, 'new');
        await store.putFile('asset/2026-01-15/v1.parquet', replacement);
        assert.equal(decoder.decode(await store.get('asset/2026-01-15/v1.parquet')), 'new');
        await assert.rejects(store.putFile('asset/x', join(dir, 'does-not-exist')));
        assert.equal(await store.exists('asset/x'), false);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }));

    test('localPath and uri name the object', () => withStore(async (store) => {
      await store.put('asset/p/v1.txt', 'content');
      const local = store.localPath('asset/p/v1.txt');
      if (store.capabilities.localPaths) {
        assert.ok(local !== undefined && isAbsolute(local), `localPath must be absolute, got ${String(local)}`);
        assert.equal(await readFile(local, 'utf8'), 'content');
      } else {
        assert.equal(local, undefined);
      }
      const uri = store.uri('asset/p/v1.txt');
      assert.match(uri, /^[a-z][a-z0-9+.-]*:\/\//);
      assert.ok(uri.endsWith('asset/p/v1.txt'), uri);
    }));

    test('every operation rejects malformed and traversal paths with QUARRY_BAD_OBJECT_PATH', () => withStore(async (store) => {
      for (const path of BAD_OBJECT_PATHS) {
        await assert.rejects(store.put(path, 'evil'), isBadPath(path));
        await assert.rejects(store.putFile(path, '/nonexistent/file'), isBadPath(path));
        await assert.rejects(store.get(path), isBadPath(path));
        await assert.rejects(store.exists(path), isBadPath(path));
        await assert.rejects(store.stat(path), isBadPath(path));
        await assert.rejects(store.delete(path), isBadPath(path));
        assert.throws(() => store.localPath(path), isBadPath(path));
        assert.throws(() => store.uri(path), isBadPath(path));
      }
      for (const prefix of ['../', '/abs', 'a/../b', 'a\\b', 'a//']) {
        await assert.rejects(collect(store.list(prefix)), isBadPath(prefix));
      }
      assert.deepEqual(await collect(store.list('')), [], 'nothing was written');
    }));

    test('put is atomic: a concurrent reader sees the old or the new object, never part of one', () => withStore(async (store) => {
      const size = 4 * 1024 * 1024;
      const versions = [new Uint8Array(size).fill(0x61), new Uint8Array(size + 4096).fill(0x62)];
      await store.put('big/object.bin', versions[0]!);
      let writing = true;
      const writer = (async () => {
        try {
          for (let i = 1; i <= 24; i++) await store.put('big/object.bin', versions[i % 2]!);
        } finally {
          writing = false;
        }
      })();
      let reads = 0;
      while (writing) {
        const read = await store.get('big/object.bin');
        const first = read[0];
        const expected = first === 0x61 ? versions[0]! : versions[1]!;
        assert.equal(read.byteLength, expected.byteLength, `read ${read.byteLength} bytes: a partial object`);
        assert.ok(read.every((b) => b === first), 'read mixed bytes: a torn object');
        reads++;
      }
      await writer;
      assert.ok(reads > 0);
      assert.deepEqual((await collect(store.list('big/'))).map((e) => e.path), ['big/object.bin'], 'no temporary objects are listed');
    }));
  });
}
