// The lake with a cold store (storage tiers) is an ObjectStore like any other: the same suite, with
// a cold folder configured (its `@cold/` paths are covered in tiered-object-store.test.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTieredObjectStore } from '../../packages/core/src/storage/index.ts';
import { objectStoreSuite } from './object-store-suite.ts';

objectStoreSuite('tiered (lake + cold folder)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-tiered-store-'));
  return {
    store: createTieredObjectStore({ root: join(dir, 'lake'), coldRoot: join(dir, 'cold') }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
