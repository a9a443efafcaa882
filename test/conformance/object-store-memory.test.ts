import { createMemoryObjectStore } from '../../packages/core/src/storage/index.ts';
import { objectStoreSuite } from './object-store-suite.ts';

objectStoreSuite('memory', async () => ({
  store: createMemoryObjectStore(),
  cleanup: async () => undefined,
}));
