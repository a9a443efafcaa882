import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLocalObjectStore } from './local-object-store.ts';

test('sweepTemporary asks `keep` right before each removal, so a file a live run is writing survives the sweep', async () => {
  const root = await mkdtemp(join(tmpdir(), 'quarry-sweep-'));
  try {
    mkdirSync(join(root, 'raw/a/p1'), { recursive: true });
    const live = 'raw/a/p1/.quarry-tmp-r_live.1.aa.parquet-1';
    const dead = 'raw/a/p1/.quarry-tmp-r_dead.1.bb.parquet-2';
    const fresh = 'raw/a/p1/.quarry-tmp-r_dead.1.cc.parquet-3';
    for (const path of [live, dead, fresh]) writeFileSync(join(root, path), 'x');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(root, live), old, old);
    utimesSync(join(root, dead), old, old);
    const store = createLocalObjectStore({ root });
    const asked: string[] = [];
    const swept = await store.sweepTemporary(new Date(Date.now() - 30_000), { keep: (path) => (asked.push(path), path.includes('r_live')) });
    assert.deepEqual(swept.removed, [dead]);
    assert.deepEqual(asked.sort(), [dead, live].sort(), 'asked only about files past the cutoff');
    assert.equal(existsSync(join(root, live)), true);
    assert.equal(existsSync(join(root, fresh)), true, 'younger than the cutoff');
    assert.equal(existsSync(join(root, dead)), false);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
