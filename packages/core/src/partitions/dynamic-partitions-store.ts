import { assertPartitionKeyText } from './base-partitions-definition.ts';

/**
 * Where the current keys of dynamic partitions live: each name maps to its keys in the order they
 * were added (that order is their index order). The catalog implements it durably; tests use
 * `InMemoryDynamicPartitionsStore`.
 */
export interface DynamicPartitionsStore {
  /** The current keys of `name`, oldest first; empty for an unknown name. */
  keys(name: string): readonly string[];
  /** Appends the keys not already present, in the order given. */
  add(name: string, keys: readonly string[]): void;
  /** Removes the given keys; unknown keys are ignored. Later keys move down one index per removal. */
  remove(name: string, keys: readonly string[]): void;
}

/**
 * A `DynamicPartitionsStore` in memory. `keys` is a bound arrow function and returns the same
 * frozen array until the keys change, so `{ dynamicKeys: store.keys }` is a ready context.
 *
 * ```ts
 * const store = new InMemoryDynamicPartitionsStore();
 * store.add('creators', ['alice', 'bob']);
 * creators.size({ dynamicKeys: store.keys }); // 2
 * ```
 */
export class InMemoryDynamicPartitionsStore implements DynamicPartitionsStore {
  readonly #keys = new Map<string, readonly string[]>();

  constructor(initial?: Readonly<Record<string, readonly string[]>>) {
    for (const [name, keys] of Object.entries(initial ?? {})) this.add(name, keys);
  }

  readonly keys = (name: string): readonly string[] => this.#keys.get(name) ?? EMPTY;

  add(name: string, keys: readonly string[]): void {
    const current = this.keys(name);
    const present = new Set(current);
    const added: string[] = [];
    for (const key of keys) {
      assertPartitionKeyText(key, `dynamic partitions "${name}"`);
      if (present.has(key)) continue;
      present.add(key);
      added.push(key);
    }
    if (added.length > 0) this.#keys.set(name, Object.freeze([...current, ...added]));
  }

  remove(name: string, keys: readonly string[]): void {
    const current = this.keys(name);
    const removed = new Set(keys);
    const kept = current.filter((key) => !removed.has(key));
    if (kept.length !== current.length) this.#keys.set(name, Object.freeze(kept));
  }
}

const EMPTY: readonly string[] = Object.freeze([]);
