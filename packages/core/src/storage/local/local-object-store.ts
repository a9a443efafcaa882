import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, open, opendir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { QuarryError } from '../../errors.ts';
import { OBJECT_TEMP_PREFIX, validateObjectPath, validateObjectPrefix } from '../object-path.ts';
import type { ObjectEntry, ObjectStat, ObjectStore, ObjectStoreCapabilities } from '../object-store.ts';
import type { LocalObjectStoreConfig } from './local-config.ts';

/**
 * An `ObjectStore` that is a directory on this machine: each object is a plain file under `root`.
 *
 * Writes go to a temporary file in the target's own directory, are fsynced, then renamed over the
 * target, so readers (including other processes and DuckDB) see the old file or the whole new one.
 */
export class LocalObjectStore implements ObjectStore {
  readonly name = 'local';
  readonly capabilities: ObjectStoreCapabilities = { localPaths: true };
  /** The absolute root directory. */
  readonly root: string;

  constructor(config: LocalObjectStoreConfig) {
    if (typeof config.root !== 'string' || config.root === '') {
      throw new QuarryError('QUARRY_BAD_CONFIG', `Local object store root ${JSON.stringify(config.root)} is invalid: give a directory path.`);
    }
    this.root = resolve(config.root);
  }

  async put(path: string, data: Uint8Array | string): Promise<void> {
    const target = this.#file(path);
    await mkdir(dirname(target), { recursive: true });
    const temp = tempNameFor(target);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await syncDirectory(dirname(target));
  }

  async putFile(path: string, localFile: string): Promise<void> {
    const target = this.#file(path);
    const source = resolve(localFile);
    await mkdir(dirname(target), { recursive: true });
    // Flush the source first: whoever wrote it (DuckDB, say) may not have, and a rename only moves the name.
    await syncFile(source);
    try {
      await rename(source, target);
    } catch (error) {
      if (errorCode(error) !== 'EXDEV') throw error;
      // Another filesystem: copy next to the target, flush, then rename, so the target still appears atomically.
      const temp = tempNameFor(target);
      try {
        await copyFile(source, temp, fsConstants.COPYFILE_EXCL);
        await syncFile(temp);
        await rename(temp, target);
      } catch (copyError) {
        await unlink(temp).catch(() => undefined);
        throw copyError;
      }
      await unlink(source);
    }
    await syncDirectory(dirname(target));
  }

  async get(path: string): Promise<Uint8Array> {
    const file = this.#file(path);
    try {
      const buffer = await readFile(file);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') throw notFound(this, path);
      throw error;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  async stat(path: string): Promise<ObjectStat | undefined> {
    const file = this.#file(path);
    try {
      const info = await stat(file);
      return info.isFile() ? { size: info.size, modifiedAt: info.mtime } : undefined;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  async delete(path: string): Promise<void> {
    const file = this.#file(path);
    try {
      await unlink(file);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    validateObjectPrefix(prefix);
    // Start at the deepest directory the prefix names in full; the rest of the prefix filters names.
    const startDir = prefix.endsWith('/') ? prefix.slice(0, -1) : posix.dirname(prefix);
    const start = startDir === '.' || startDir === '' ? '' : startDir;
    yield* this.#walk(start, prefix);
  }

  localPath(path: string): string {
    return this.#file(path);
  }

  /**
   * Removes half-written temporary files (`.quarry-tmp-*`, left by a process killed mid-write) last
   * modified before `olderThan`, and returns their paths and total size; with `dryRun` it only lists
   * them. `keep`, asked right before each removal, spares a file (say, one a live run is writing).
   * `vacuum` calls it.
   */
  async sweepTemporary(olderThan: Date, options: { dryRun?: boolean; keep?: (path: string, modifiedAt: Date) => boolean } = {}): Promise<{ removed: string[]; bytes: number }> {
    const removed: string[] = [];
    let bytes = 0;
    const visit = async (dir: string): Promise<void> => {
      let handle;
      try {
        handle = await opendir(dir);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return;
        throw error;
      }
      for await (const entry of handle) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await visit(full);
        else if (entry.isFile() && entry.name.startsWith(OBJECT_TEMP_PREFIX)) {
          const info = await stat(full).catch(() => undefined);
          if (info === undefined || info.mtime >= olderThan) continue;
          const path = full.slice(this.root.length + 1).split(sep).join('/');
          if (options.keep?.(path, info.mtime) === true) continue;
          if (options.dryRun !== true) await rm(full, { force: true });
          removed.push(path);
          bytes += info.size;
        }
      }
    };
    await visit(this.root);
    return { removed, bytes };
  }

  uri(path: string): string {
    return pathToFileURL(this.#file(path)).href;
  }

  // Yields files below `relativeDir` in ascending path order: a directory sorts as `name/`, which
  // places its whole subtree exactly where its paths fall among its siblings.
  async *#walk(relativeDir: string, prefix: string): AsyncGenerator<ObjectEntry> {
    let dir;
    try {
      dir = await opendir(relativeDir === '' ? this.root : join(this.root, ...relativeDir.split('/')));
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw error;
    }
    const children: { sortKey: string; name: string; isDirectory: boolean }[] = [];
    for await (const entry of dir) {
      // Symlinks are never followed: they could point outside the root.
      if (entry.isDirectory()) children.push({ sortKey: `${entry.name}/`, name: entry.name, isDirectory: true });
      else if (entry.isFile() && !entry.name.startsWith(OBJECT_TEMP_PREFIX)) children.push({ sortKey: entry.name, name: entry.name, isDirectory: false });
    }
    children.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const child of children) {
      const path = relativeDir === '' ? child.name : `${relativeDir}/${child.name}`;
      if (child.isDirectory) {
        const subtree = `${path}/`;
        // Descend only when the subtree can hold a match: the prefix runs into it, or it lies inside the prefix.
        if (subtree.startsWith(prefix) || prefix.startsWith(subtree)) yield* this.#walk(path, prefix);
        continue;
      }
      if (!path.startsWith(prefix)) continue;
      try {
        const info = await stat(join(this.root, ...path.split('/')));
        if (info.isFile()) yield { path, size: info.size, modifiedAt: info.mtime };
      } catch (error) {
        // Deleted between readdir and stat: it simply is not there any more.
        if (errorCode(error) !== 'ENOENT') throw error;
      }
    }
  }

  #file(path: string): string {
    validateObjectPath(path);
    const file = join(this.root, ...path.split('/'));
    // Belt and braces: validation already rules out escaping, but the store must never touch outside its root.
    if (!file.startsWith(this.root + sep)) {
      throw new QuarryError('QUARRY_BAD_OBJECT_PATH', `Object path ${JSON.stringify(path)} resolves outside the store root ${this.root}. Use a relative path inside the store.`, { details: { path } });
    }
    return file;
  }
}

/** Creates a `LocalObjectStore` over the directory `config.root`. */
export function createLocalObjectStore(config: LocalObjectStoreConfig): LocalObjectStore {
  return new LocalObjectStore(config);
}

function tempNameFor(target: string): string {
  const base = target.slice(target.lastIndexOf(sep) + 1);
  return join(dirname(target), `${OBJECT_TEMP_PREFIX}${base}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// Makes the rename itself durable; some platforms refuse fsync on directories, which only costs durability.
async function syncDirectory(dir: string): Promise<void> {
  try {
    await syncFile(dir);
  } catch {
    // ignore: best effort
  }
}

function notFound(store: ObjectStore, path: string): QuarryError {
  return new QuarryError('QUARRY_OBJECT_NOT_FOUND', `Object ${JSON.stringify(path)} does not exist in the ${store.name} object store (${store.uri(path)}). Check the path, or re-materialize the partition that should have written it.`, { details: { path } });
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}
