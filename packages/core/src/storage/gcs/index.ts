/**
 * `@quarry/core/gcs`: the Google Cloud Storage object store. Its own entry point, so a project that
 * never names `gcs({ bucket })` never loads `@google-cloud/storage`.
 *
 * ```ts
 * import { createGcsObjectStore } from '@quarry/core/gcs';
 * const store = createGcsObjectStore({ bucket: 'acme-lake', prefix: 'tiktok/' });
 * ```
 */
export type { GcsObjectStoreConfig } from './gcs-config.ts';
export { ACCESS_TOKEN_ENV } from './gcs-credentials.ts';
export { DEFAULT_RESUMABLE_THRESHOLD, GcsObjectStore, createGcsObjectStore } from './gcs-object-store.ts';
export type { GcsObjectStat } from './gcs-object-store.ts';
