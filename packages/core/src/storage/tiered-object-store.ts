import { QuarryError } from '../errors.ts';
import { LocalObjectStore } from './local/local-object-store.ts';
import type { ObjectEntry, ObjectStat } from './object-store.ts';

/**
 * The first path segment that routes an object to the cold store: the catalog names a cold file
 * `@cold/<asset>/<partition>/<file>.parquet`, so every reader that resolves lake paths through the
 * instance's store finds it without knowing about tiers.
 */
export const COLD_STORE_PREFIX = '@cold/';

/** Options of `createTieredObjectStore`. */
export interface TieredObjectStoreConfig {
  /** The lake directory (hot and warm files). */
  readonly root: string;
  /** The cold store's directory, or `undefined` when the project configures none. */
  readonly coldRoot?: string | undefined;
}

/**
 * The lake as an instance sees it: a `LocalObjectStore` over the lake directory whose paths under
 * `@cold/` are objects of a second local store, the cold store (see docs/storage-tiers.md).
 *
 * Listing `''` yields both, in path order; a `@cold/` path when the project configures no cold store
 * throws `QUARRY_COLD_STORE_MISSING`.
 *
 * ```ts
 * const store = createTieredObjectStore({ root: '.quarry/lake', coldRoot: '/mnt/archive/tiktok' });
 * store.localPath('@cold/raw/videos/2025-01-01/t.parquet'); // /mnt/archive/tiktok/raw/videos/2025-01-01/t.parquet
 * ```
 */
export class TieredObjectStore extends LocalObjectStore {
  /** The cold store, when configured. */
  readonly cold: LocalObjectStore | undefined;

  constructor(config: TieredObjectStoreConfig) {
    super({ root: config.root });
    this.cold = config.coldRoot === undefined ? undefined : new LocalObjectStore({ root: config.coldRoot });
    if (this.cold !== undefined && (this.cold.root === this.root || this.cold.root.startsWith(`${this.root}/`) || this.root.startsWith(`${this.cold.root}/`))) {
      throw new QuarryError('QUARRY_BAD_CONFIG', `The cold store ${this.cold.root} overlaps the lake ${this.root}: give storage.coldStore a folder outside the lake (and the lake none inside it).`);
    }
  }

  /** The absolute directories holding this store's objects (the lake, and the cold store when configured), for sandboxes. */
  localRoots(): string[] {
    return this.cold === undefined ? [this.root] : [this.root, this.cold.root];
  }

  override put(path: string, data: Uint8Array | string): Promise<void> {
    const cold = this.#coldPath(path);
    return cold === undefined ? super.put(path, data) : this.#coldStore(path).put(cold, data);
  }

  override putFile(path: string, localFile: string): Promise<void> {
    const cold = this.#coldPath(path);
    return cold === undefined ? super.putFile(path, localFile) : this.#coldStore(path).putFile(cold, localFile);
  }

  override get(path: string): Promise<Uint8Array> {
    const cold = this.#coldPath(path);
    return cold === undefined ? super.get(path) : this.#coldStore(path).get(cold);
  }

  override stat(path: string): Promise<ObjectStat | undefined> {
    const cold = this.#coldPath(path);
    return cold === undefined ? super.stat(path) : this.#coldStore(path).stat(cold);
  }

  override delete(path: string): Promise<void> {
    const cold = this.#coldPath(path);
    return cold === undefined ? super.delete(path) : this.#coldStore(path).delete(cold);
  }

  override localPath(path: string): string {
    const cold = this.#coldPath(path);
    return cold === undefined ? super.localPath(path) : this.#coldStore(path).localPath(cold);
  }

  override uri(path: string): string {
    const cold = this.#coldPath(path);
    return cold === undefined ? super.uri(path) : this.#coldStore(path).uri(cold);
  }

  override async *list(prefix: string): AsyncIterable<ObjectEntry> {
    const cold = this.cold;
    const coldPrefix = prefix === '' ? '' : this.#coldPath(prefix);
    const wantsLake = !prefix.startsWith(COLD_STORE_PREFIX);
    const wantsCold = cold !== undefined && (coldPrefix !== undefined || COLD_STORE_PREFIX.startsWith(prefix));
    const lake = wantsLake ? super.list(prefix)[Symbol.asyncIterator]() : undefined;
    const coldEntries = wantsCold ? cold.list(coldPrefix ?? '')[Symbol.asyncIterator]() : undefined;
    // Merge the two ascending listings so the whole stays in path order.
    let a = lake === undefined ? undefined : await lake.next();
    let b = coldEntries === undefined ? undefined : await coldEntries.next();
    for (;;) {
      const left = a !== undefined && a.done !== true ? a.value : undefined;
      const right = b !== undefined && b.done !== true ? { ...b.value, path: `${COLD_STORE_PREFIX}${b.value.path}` } : undefined;
      if (left === undefined && right === undefined) return;
      if (right === undefined || (left !== undefined && left.path < right.path)) {
        yield left!;
        a = await lake!.next();
      } else {
        yield right;
        b = await coldEntries!.next();
      }
    }
  }

  override async sweepTemporary(olderThan: Date, options: { dryRun?: boolean; keep?: (path: string, modifiedAt: Date) => boolean } = {}): Promise<{ removed: string[]; bytes: number }> {
    const lake = await super.sweepTemporary(olderThan, options);
    if (this.cold === undefined) return lake;
    const keep = options.keep;
    const cold = await this.cold.sweepTemporary(olderThan, { ...(options.dryRun !== undefined ? { dryRun: options.dryRun } : {}), ...(keep !== undefined ? { keep: (path: string, at: Date) => keep(`${COLD_STORE_PREFIX}${path}`, at) } : {}) });
    return { removed: [...lake.removed, ...cold.removed.map((p) => `${COLD_STORE_PREFIX}${p}`)], bytes: lake.bytes + cold.bytes };
  }

  #coldPath(path: string): string | undefined {
    return path.startsWith(COLD_STORE_PREFIX) ? path.slice(COLD_STORE_PREFIX.length) : undefined;
  }

  #coldStore(path: string): LocalObjectStore {
    if (this.cold === undefined) {
      throw new QuarryError('QUARRY_COLD_STORE_MISSING', `Lake file ${JSON.stringify(path)} is in the cold store, but the project configures no storage.coldStore: add coldStore: local('…') naming the folder the cold files were moved to.`, { details: { path } });
    }
    return this.cold;
  }
}

/** Creates a `TieredObjectStore` over the lake `config.root` and the cold folder `config.coldRoot`. */
export function createTieredObjectStore(config: TieredObjectStoreConfig): TieredObjectStore {
  return new TieredObjectStore(config);
}
