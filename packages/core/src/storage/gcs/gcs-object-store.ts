import { stat as statFile, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Storage } from '@google-cloud/storage';
import type { Bucket, File, StorageOptions } from '@google-cloud/storage';
import { QuarryError } from '../../errors.ts';
import { OBJECT_TEMP_PREFIX, validateObjectPath, validateObjectPrefix } from '../object-path.ts';
import type { ObjectEntry, ObjectStat, ObjectStore, ObjectStoreCapabilities } from '../object-store.ts';
import type { GcsObjectStoreConfig } from './gcs-config.ts';
import { ACCESS_TOKEN_ENV, staticTokenAuthClient } from './gcs-credentials.ts';

/** Default size from which uploads use a resumable session: 8 MiB. */
export const DEFAULT_RESUMABLE_THRESHOLD = 8 * 1024 * 1024;

// Overwrites race with other writers: each attempt re-reads the generation it replaces.
const MAX_PRECONDITION_ATTEMPTS = 8;

// GCS bucket names: lowercase letters, digits, '-', '_' and '.', starting and ending with a letter or digit.
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** What `GcsObjectStore.stat` returns: the portable fields plus GCS's own. */
export interface GcsObjectStat extends ObjectStat {
  /** The object's generation (a decimal string): it changes on every write. */
  readonly generation: string;
  /** Base64 CRC32C of the content, as GCS reports it. */
  readonly crc32c: string | undefined;
  /** Base64 MD5 of the content (absent for composite objects). */
  readonly md5Hash: string | undefined;
}

interface GcsFileMetadata {
  name?: string;
  size?: string | number;
  updated?: string;
  generation?: string | number;
  crc32c?: string;
  md5Hash?: string;
}

/**
 * An `ObjectStore` in a Google Cloud Storage bucket, through `@google-cloud/storage`: each object is
 * `gs://bucket/<prefix><path>`.
 *
 * A put uploads straight to the final name: GCS makes an object visible only once its upload is
 * finalized, so readers see the previous generation or the complete new one. The first attempt is
 * create-only (`ifGenerationMatch: 0`); replacing an object re-reads its generation and makes the
 * upload conditional on it, so every upload carries a precondition and the client may retry it
 * safely. Objects from `resumableThreshold` (8 MiB) up go through a resumable session.
 *
 * ```ts
 * import { createGcsObjectStore } from '@quarry/core/gcs';
 * const store = createGcsObjectStore({ bucket: 'acme-lake', prefix: 'tiktok/' });
 * await store.put('raw/videos/2026-01-15/v1.parquet', bytes);
 * store.uri('raw/videos/2026-01-15/v1.parquet'); // gs://acme-lake/tiktok/raw/videos/2026-01-15/v1.parquet
 * ```
 */
export class GcsObjectStore implements ObjectStore {
  readonly name = 'gcs';
  readonly capabilities: ObjectStoreCapabilities = { localPaths: false };
  /** The bucket's name (`acme-lake`). */
  readonly bucketName: string;
  /** The object name prefix, `''` or ending in `/`. */
  readonly prefix: string;
  readonly #bucket: Bucket;
  // The same bucket through a client that never retries by itself: downloads and deletes retry in
  // `#retrying` instead.
  readonly #plainBucket: Bucket;
  readonly #retry: Storage['retryOptions'];
  readonly #resumableThreshold: number;
  readonly #listPageSize: number;
  readonly #tokenFromEnv: boolean;

  constructor(config: GcsObjectStoreConfig) {
    if (typeof config.bucket !== 'string' || !BUCKET_NAME.test(config.bucket)) {
      throw new QuarryError('QUARRY_BAD_CONFIG', `GCS bucket name ${JSON.stringify(config.bucket)} is invalid: give the bare bucket name (3-222 lowercase letters, digits, '-', '_' or '.'), such as gcs({ bucket: 'acme-lake' }), without gs://.`);
    }
    const prefix = config.prefix ?? '';
    if (prefix !== '') {
      try {
        validateObjectPrefix(prefix);
      } catch {
        throw new QuarryError('QUARRY_BAD_CONFIG', `GCS prefix ${JSON.stringify(prefix)} is invalid: use a relative path of '/'-separated names, such as 'lake/'.`);
      }
    }
    const threshold = config.resumableThreshold ?? DEFAULT_RESUMABLE_THRESHOLD;
    const pageSize = config.listPageSize ?? 1000;
    if (!Number.isInteger(threshold) || threshold < 0) throw new QuarryError('QUARRY_BAD_CONFIG', `GCS resumableThreshold ${JSON.stringify(threshold)} is invalid: give a byte count (a non-negative integer).`);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new QuarryError('QUARRY_BAD_CONFIG', `GCS listPageSize ${JSON.stringify(pageSize)} is invalid: give an integer from 1 to 1000.`);
    this.bucketName = config.bucket;
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.#resumableThreshold = threshold;
    this.#listPageSize = pageSize;
    this.#tokenFromEnv = config.accessToken === undefined && (process.env[ACCESS_TOKEN_ENV] ?? '').trim() !== '';
    const authClient = staticTokenAuthClient(config.accessToken);
    const options: StorageOptions = {
      ...(config.projectId !== undefined ? { projectId: config.projectId } : {}),
      ...(config.apiEndpoint !== undefined ? { apiEndpoint: config.apiEndpoint, useAuthWithCustomEndpoint: true } : {}),
      ...(authClient !== undefined ? { authClient: authClient as StorageOptions['authClient'] } : {}),
    };
    const storage = new Storage(options);
    this.#bucket = storage.bucket(config.bucket);
    this.#retry = storage.retryOptions;
    this.#plainBucket = new Storage({ ...options, retryOptions: { autoRetry: false } }).bucket(config.bucket);
  }

  async put(path: string, data: Uint8Array | string): Promise<void> {
    const file = this.#file(path);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    // Copy: the upload reads the buffer asynchronously (and again on a retry), after the caller may have changed it.
    const owned = Buffer.from(bytes);
    await this.#conditionally(path, file, async (ifGenerationMatch) => {
      if (owned.byteLength < this.#resumableThreshold) {
        await file.save(owned, { resumable: false, validation: 'crc32c', preconditionOpts: { ifGenerationMatch } });
      } else {
        await file.save(owned, { resumable: true, uri: await this.#session(file, ifGenerationMatch), validation: 'crc32c', preconditionOpts: { ifGenerationMatch } });
      }
    });
  }

  async putFile(path: string, localFile: string): Promise<void> {
    const file = this.#file(path);
    const info = await statFile(localFile);
    await this.#conditionally(path, file, async (ifGenerationMatch) => {
      if (info.size < this.#resumableThreshold) {
        await this.#bucket.upload(localFile, { destination: file, resumable: false, validation: 'crc32c', preconditionOpts: { ifGenerationMatch } });
      } else {
        await this.#bucket.upload(localFile, { destination: file, resumable: true, uri: await this.#session(file, ifGenerationMatch), validation: 'crc32c', preconditionOpts: { ifGenerationMatch } });
      }
    });
    await unlink(localFile);
  }

  /**
   * Downloads the object. Transient failures are retried by the store (`#retrying`), not by the
   * client library: its streaming download retry pipes into the aborted first response, which Node 24
   * throws as an uncaught ERR_STREAM_UNABLE_TO_PIPE that would end the process.
   */
  async get(path: string): Promise<Uint8Array> {
    const file = this.#plainBucket.file(this.prefix + validateObjectPath(path));
    try {
      const [buffer] = await this.#retrying(() => file.download());
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if (isObjectNotFound(error)) {
        throw new QuarryError('QUARRY_OBJECT_NOT_FOUND', `Object ${JSON.stringify(path)} does not exist in the gcs object store (${this.uri(path)}). Check the path, or re-materialize the partition that should have written it.`, { details: { path } });
      }
      throw this.#error(error, 'read', path);
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  async stat(path: string): Promise<GcsObjectStat | undefined> {
    const metadata = await this.#metadata(path, this.#file(path));
    return metadata === undefined ? undefined : toStat(metadata);
  }

  /**
   * Deletes the object; an absent one is already deleted. Transient failures are retried by the store:
   * the client library retries a delete only under a generation precondition, and deleting twice is
   * harmless here.
   */
  async delete(path: string): Promise<void> {
    const file = this.#plainBucket.file(this.prefix + validateObjectPath(path));
    try {
      await this.#retrying(() => file.delete());
    } catch (error) {
      if (isObjectNotFound(error)) return;
      throw this.#error(error, 'delete', path);
    }
  }

  /**
   * Yields the objects under `prefix` page by page (`listPageSize` per request). GCS lists in
   * UTF-8 byte order, which is JavaScript string order except for characters above U+FFFF placed
   * against U+E000–U+FFFF; lake paths never mix those.
   */
  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    validateObjectPrefix(prefix);
    let pageToken: string | undefined;
    do {
      let files: File[];
      let next: { pageToken?: string } | null | undefined;
      try {
        [files, next] = await this.#bucket.getFiles({
          prefix: this.prefix + prefix,
          maxResults: this.#listPageSize,
          autoPaginate: false,
          ...(pageToken !== undefined ? { pageToken } : {}),
        }) as [File[], { pageToken?: string } | null, unknown];
      } catch (error) {
        throw this.#error(error, 'list', prefix === '' ? undefined : `${prefix}*`);
      }
      for (const file of files) {
        const path = file.name.slice(this.prefix.length);
        // Objects other tools put in the bucket ("folder" placeholders ending in '/', odd names) are not lake files.
        if (!isLakePath(path)) continue;
        const stat = toStat(file.metadata as GcsFileMetadata);
        yield { path, size: stat.size, modifiedAt: stat.modifiedAt };
      }
      pageToken = next?.pageToken ?? undefined;
    } while (pageToken !== undefined && pageToken !== '');
  }

  /**
   * Checks, with one cheap request (a one-object listing under the prefix, which needs only
   * `storage.objects.list`, unlike a bucket GET), that the bucket exists and the credentials may use
   * it; throws the same clear errors as every operation (`QUARRY_CLOUD_CREDENTIALS`,
   * `QUARRY_STORE_ACCESS_DENIED`, `QUARRY_STORE_BUCKET_NOT_FOUND`). For failing early, before a run starts.
   */
  async checkAccess(): Promise<void> {
    try {
      await this.#bucket.getFiles({ prefix: this.prefix, maxResults: 1, autoPaginate: false });
    } catch (error) {
      throw this.#error(error, 'list', undefined);
    }
  }

  /**
   * What `vacuum` calls to remove half-written temporaries (the local store's `sweepTemporary`):
   * on GCS there are none to remove — an upload is invisible until finalized, and an abandoned
   * resumable session expires by itself — so nothing is ever removed. Same signature as the local store's.
   */
  async sweepTemporary(_olderThan: Date, _options: { dryRun?: boolean; keep?: (path: string, modifiedAt: Date) => boolean } = {}): Promise<{ removed: string[]; bytes: number }> {
    return { removed: [], bytes: 0 };
  }

  localPath(path: string): undefined {
    validateObjectPath(path);
    return undefined;
  }

  uri(path: string): string {
    return `gs://${this.bucketName}/${this.prefix}${validateObjectPath(path)}`;
  }

  // Runs an idempotent request, retrying what the client library deems transient (408, 429, 5xx,
  // dropped connections) with its limits and backoff: multiplier^n seconds plus up to 1 s of jitter,
  // capped, within the total timeout.
  async #retrying<T>(request: () => Promise<T>): Promise<T> {
    const { autoRetry, maxRetries, retryDelayMultiplier, maxRetryDelay, totalTimeout, retryableErrorFn } = this.#retry;
    const started = Date.now();
    for (let retries = 0; ; retries++) {
      try {
        return await request();
      } catch (error) {
        const transient = autoRetry !== false && retries < (maxRetries ?? 3) && (retryableErrorFn?.(error as Parameters<NonNullable<typeof retryableErrorFn>>[0]) ?? false);
        const delay = Math.min(Math.pow(retryDelayMultiplier ?? 2, retries) * 1000 + Math.floor(Math.random() * 1000), (maxRetryDelay ?? 64) * 1000);
        if (!transient || Date.now() - started + delay > (totalTimeout ?? 600) * 1000) throw error;
        await sleep(delay);
      }
    }
  }

  // Uploads with a generation precondition: create-only first, then "replace exactly the generation
  // just read" until no other writer slips in between.
  async #conditionally(path: string, file: File, upload: (ifGenerationMatch: number | string) => Promise<unknown>): Promise<void> {
    let generation: number | string = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await upload(generation);
        return;
      } catch (error) {
        if (statusOf(error) !== 412) throw this.#error(error, 'write', path);
        if (attempt >= MAX_PRECONDITION_ATTEMPTS) {
          throw new QuarryError('QUARRY_STORE_ERROR', `Writing ${this.uri(path)} failed ${attempt} times because other writers replaced the object meanwhile (GCS precondition failed). Make sure one run writes each lake path, then retry.`, { details: { bucket: this.bucketName, path }, cause: error });
        }
        generation = (await this.#metadata(path, file))?.generation ?? 0;
      }
    }
  }

  // Opens a resumable upload session carrying the precondition (the upload repeats it only so the
  // client library knows the upload is idempotent and may retry it). The session is opened apart (rather
  // than by save/upload themselves) because @google-cloud/storage 7.x drops `useAuthWithCustomEndpoint`
  // on that inner path and would open it unauthenticated against a custom apiEndpoint; the session
  // URI itself needs no credentials.
  async #session(file: File, ifGenerationMatch: number | string): Promise<string> {
    const [uri] = await file.createResumableUpload({ preconditionOpts: { ifGenerationMatch: Number(ifGenerationMatch) } });
    return uri;
  }

  async #metadata(path: string, file: File): Promise<GcsFileMetadata | undefined> {
    try {
      const [metadata] = await file.getMetadata();
      return metadata as GcsFileMetadata;
    } catch (error) {
      if (isObjectNotFound(error)) return undefined;
      throw this.#error(error, 'stat', path);
    }
  }

  #file(path: string): File {
    return this.#bucket.file(this.prefix + validateObjectPath(path));
  }

  // Turns a client error into a QuarryError naming the bucket, the object, GCS's message and what to do.
  #error(error: unknown, operation: 'read' | 'write' | 'stat' | 'delete' | 'list', path: string | undefined): QuarryError {
    const target = path === undefined ? `gs://${this.bucketName}/${this.prefix}` : `gs://${this.bucketName}/${this.prefix}${path}`;
    const status = statusOf(error);
    const message = gcsMessage(error);
    const details = { bucket: this.bucketName, ...(path !== undefined ? { path } : {}), ...(status !== undefined ? { status } : {}), gcsMessage: message };
    if (status === 401 || isMissingCredentials(message)) {
      const how = this.#tokenFromEnv
        ? `the access token in ${ACCESS_TOKEN_ENV} was refused: print a fresh one with \`gcloud auth print-access-token\`, or unset ${ACCESS_TOKEN_ENV} to use Application Default Credentials`
        : `run \`gcloud auth application-default login\` (or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file, or ${ACCESS_TOKEN_ENV} to an access token)`;
      return new QuarryError('QUARRY_CLOUD_CREDENTIALS', `Cannot ${operation} ${target}: no usable Google Cloud credentials (${status === 401 ? 'GCS said' : 'the auth library said'}: ${message}). To fix, ${how}.`, { details, cause: error });
    }
    if (status === 403) {
      return new QuarryError('QUARRY_STORE_ACCESS_DENIED', `Cannot ${operation} ${target}: access to bucket "${this.bucketName}" was denied (GCS said: ${message}). Grant the credentials' principal roles/storage.objectAdmin on the bucket (gcloud storage buckets add-iam-policy-binding gs://${this.bucketName} --member=… --role=roles/storage.objectAdmin), or point the target at a bucket it may use.`, { details, cause: error });
    }
    if (status === 404) {
      return new QuarryError('QUARRY_STORE_BUCKET_NOT_FOUND', `Cannot ${operation} ${target}: bucket "${this.bucketName}" does not exist (GCS said: ${message}). Create it (gcloud storage buckets create gs://${this.bucketName} --location=…) or fix the bucket name in gcs({ bucket }).`, { details, cause: error });
    }
    return new QuarryError('QUARRY_STORE_ERROR', `Cannot ${operation} ${target}: GCS failed${status !== undefined ? ` with HTTP ${status}` : ''} (${message}). Retry; if it persists, check the bucket in the Cloud Console.`, { details, cause: error });
  }
}

/** Creates a `GcsObjectStore` over `gs://config.bucket/config.prefix`. */
export function createGcsObjectStore(config: GcsObjectStoreConfig): GcsObjectStore {
  return new GcsObjectStore(config);
}

function toStat(metadata: GcsFileMetadata): GcsObjectStat {
  return {
    size: Number(metadata.size ?? 0),
    modifiedAt: new Date(metadata.updated ?? 0),
    generation: String(metadata.generation ?? ''),
    crc32c: metadata.crc32c,
    md5Hash: metadata.md5Hash,
  };
}

function isLakePath(path: string): boolean {
  try {
    validateObjectPath(path);
    return !path.split('/').pop()!.startsWith(OBJECT_TEMP_PREFIX);
  } catch {
    return false;
  }
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; status?: unknown; response?: { status?: unknown } };
  for (const candidate of [e.code, e.status, e.response?.status]) {
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
    if (typeof candidate === 'string' && /^[1-5]\d\d$/.test(candidate)) return Number(candidate);
  }
  return undefined;
}

function gcsMessage(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as { message?: unknown; errors?: { message?: unknown }[]; response?: { data?: { error?: { message?: unknown } } } };
  const fromBody = e.response?.data?.error?.message ?? e.errors?.[0]?.message;
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
  // Downloads report the raw JSON error body as their message.
  if (message.startsWith('{')) {
    try {
      const parsed = JSON.parse(message) as { error?: { message?: unknown } };
      if (typeof parsed.error?.message === 'string') return parsed.error.message;
    } catch {
      // not JSON after all
    }
  }
  return message;
}

function isMissingCredentials(message: string): boolean {
  return /Could not load the default credentials|No refresh token is set|invalid_grant|Unable to detect a Project Id/i.test(message);
}

// A 404 for the object itself; a 404 for a missing bucket is an error worth reporting, not "absent".
function isObjectNotFound(error: unknown): boolean {
  return statusOf(error) === 404 && !/bucket does not exist/i.test(gcsMessage(error));
}
