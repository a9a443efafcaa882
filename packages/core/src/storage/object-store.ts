/** What an object store can do beyond the required operations, as flags callers test instead of names. */
export interface ObjectStoreCapabilities {
  /** True when every object is a plain file on this machine, so `localPath` returns its absolute path. */
  readonly localPaths: boolean;
}

/** The size and modification time of one stored object. */
export interface ObjectStat {
  readonly size: number;
  readonly modifiedAt: Date;
}

/** One object yielded by `ObjectStore.list`. */
export interface ObjectEntry extends ObjectStat {
  /** The object's store-relative POSIX path. */
  readonly path: string;
}

/**
 * A store of immutable-by-convention byte objects addressed by relative POSIX paths: the lake's files.
 *
 * Paths look like `raw/creators/2026-01-15/v3.parquet`: relative, `/`-separated, without empty, `.`
 * or `..` segments, backslashes or control characters; anything else is rejected with
 * `QUARRY_BAD_OBJECT_PATH` (see `validateObjectPath`), so no path can name something outside the store.
 *
 * Writes are atomic: a reader sees either the previous object or the complete new one, never a prefix.
 *
 * ```ts
 * const store = createLocalObjectStore({ root: '/srv/project/.quarry/lake' });
 * await store.put('raw/creators/2026-01-15/v1.parquet', bytes);
 * const path = store.localPath('raw/creators/2026-01-15/v1.parquet'); // DuckDB reads it directly
 * ```
 */
export interface ObjectStore {
  /** The backend's name (`local`, `memory`, `gcs`), for logs and errors. */
  readonly name: string;
  readonly capabilities: ObjectStoreCapabilities;
  /** Writes `data` (a string is stored as UTF-8) at `path`, replacing any object there, atomically. */
  put(path: string, data: Uint8Array | string): Promise<void>;
  /**
   * Moves the local file `localFile` into the store at `path`, atomically.
   *
   * The store takes ownership of `localFile`: after success it no longer exists at its old path (it
   * was renamed, or copied and then removed). On failure it is left where it was.
   */
  putFile(path: string, localFile: string): Promise<void>;
  /** Reads the whole object at `path`; a missing object throws `QUARRY_OBJECT_NOT_FOUND`. */
  get(path: string): Promise<Uint8Array>;
  /** True when an object exists at `path`. */
  exists(path: string): Promise<boolean>;
  /** The object's size and modification time, or `undefined` when it does not exist. */
  stat(path: string): Promise<ObjectStat | undefined>;
  /** Removes the object at `path`; removing a missing object is not an error. */
  delete(path: string): Promise<void>;
  /**
   * Yields every object whose path starts with `prefix` (a plain string prefix, `''` for all), in
   * ascending path order (JavaScript string order).
   */
  list(prefix: string): AsyncIterable<ObjectEntry>;
  /** The absolute local file path of `path` when the store is a local directory, else `undefined`. */
  localPath(path: string): string | undefined;
  /** A URI naming the object (`file:///abs/path`, `memory://path`, `gs://bucket/path`). */
  uri(path: string): string;
  /** The absolute local directories holding the objects, when there are several (a lake with a cold store); engines allow them in their sandbox. */
  localRoots?(): readonly string[];
}
