export type { LocalObjectStoreConfig } from './local-config.ts';
export { LocalObjectStore, createLocalObjectStore } from './local-object-store.ts';
