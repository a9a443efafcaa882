import { readFile, unlink } from 'node:fs/promises';
import { QuarryError } from '../../errors.ts';
import { validateObjectPath, validateObjectPrefix } from '../object-path.ts';
import type { ObjectEntry, ObjectStat, ObjectStore, ObjectStoreCapabilities } from '../object-store.ts';
import type { MemoryObjectStoreConfig } from './memory-config.ts';

interface StoredObject {
  readonly data: Uint8Array;
  readonly modifiedAt: Date;
}

const encoder = new TextEncoder();

/**
 * An `ObjectStore` held in this process's memory, for tests and throwaway runs; it has no local
 * paths, so engines must read its objects through `get`.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly name = 'memory';
  readonly capabilities: ObjectStoreCapabilities = { localPaths: false };
  readonly #objects = new Map<string, StoredObject>();
  readonly #now: () => Date;

  constructor(config: MemoryObjectStoreConfig = {}) {
    this.#now = config.now ?? (() => new Date());
  }

  async put(path: string, data: Uint8Array | string): Promise<void> {
    validateObjectPath(path);
    // Copy so a caller mutating its buffer later cannot change the stored object.
    const bytes = typeof data === 'string' ? encoder.encode(data) : data.slice();
    this.#objects.set(path, { data: bytes, modifiedAt: this.#now() });
  }

  async putFile(path: string, localFile: string): Promise<void> {
    validateObjectPath(path);
    const buffer = await readFile(localFile);
    this.#objects.set(path, { data: new Uint8Array(buffer), modifiedAt: this.#now() });
    await unlink(localFile);
  }

  async get(path: string): Promise<Uint8Array> {
    validateObjectPath(path);
    const object = this.#objects.get(path);
    if (object === undefined) {
      throw new QuarryError('QUARRY_OBJECT_NOT_FOUND', `Object ${JSON.stringify(path)} does not exist in the memory object store (${this.uri(path)}). Check the path, or re-materialize the partition that should have written it.`, { details: { path } });
    }
    return object.data.slice();
  }

  async exists(path: string): Promise<boolean> {
    validateObjectPath(path);
    return this.#objects.has(path);
  }

  async stat(path: string): Promise<ObjectStat | undefined> {
    validateObjectPath(path);
    const object = this.#objects.get(path);
    return object === undefined ? undefined : { size: object.data.byteLength, modifiedAt: object.modifiedAt };
  }

  async delete(path: string): Promise<void> {
    validateObjectPath(path);
    this.#objects.delete(path);
  }

  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    validateObjectPrefix(prefix);
    const paths = [...this.#objects.keys()].filter((path) => path.startsWith(prefix)).sort();
    for (const path of paths) {
      const object = this.#objects.get(path);
      // Deleted while the caller was consuming earlier entries.
      if (object !== undefined) yield { path, size: object.data.byteLength, modifiedAt: object.modifiedAt };
    }
  }

  localPath(path: string): undefined {
    validateObjectPath(path);
    return undefined;
  }

  uri(path: string): string {
    return `memory://${validateObjectPath(path)}`;
  }
}

/** Creates an empty `MemoryObjectStore`. */
export function createMemoryObjectStore(config: MemoryObjectStoreConfig = {}): MemoryObjectStore {
  return new MemoryObjectStore(config);
}
