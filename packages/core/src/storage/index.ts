export type { ObjectEntry, ObjectStat, ObjectStore, ObjectStoreCapabilities } from './object-store.ts';
export { OBJECT_TEMP_PREFIX, validateObjectPath, validateObjectPrefix } from './object-path.ts';
export { LocalObjectStore, createLocalObjectStore } from './local/index.ts';
export type { LocalObjectStoreConfig } from './local/index.ts';
export { MemoryObjectStore, createMemoryObjectStore } from './memory/index.ts';
export type { MemoryObjectStoreConfig } from './memory/index.ts';
export { COLD_STORE_PREFIX, TieredObjectStore, createTieredObjectStore } from './tiered-object-store.ts';
export type { TieredObjectStoreConfig } from './tiered-object-store.ts';
export type { LakeFileRewriter, ParquetRewriteOptions, ParquetRewriteResult, StartLakeFileRewriter } from './lake-file-rewriter.ts';
