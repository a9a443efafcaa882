export type { MemoryObjectStoreConfig } from './memory-config.ts';
export { MemoryObjectStore, createMemoryObjectStore } from './memory-object-store.ts';
