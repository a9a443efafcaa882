import { QuarryError } from '../errors.ts';
import { quoteKeys } from './base-partitions-definition.ts';
import type { DynamicPartitionsStore } from './dynamic-partitions-store.ts';
import { isDynamicPartitionsDefinition } from './dynamic-partitions.ts';
import { isMultiPartitionsDefinition } from './multi-partitions.ts';
import type { PartitionsDefinition } from './partitions-definition.ts';

/** The longest dynamic partition key accepted (characters): keys name lake folders and appear in URLs. */
export const MAX_DYNAMIC_PARTITION_KEY_LENGTH = 200;

/** Keys to add to and remove from one dynamic partitions definition, in one request. */
export interface DynamicPartitionsChange {
  /** Keys to append; keys already present keep their position and are reported as such. */
  readonly add?: readonly string[];
  /** Keys to delete; each must be a current key. */
  readonly remove?: readonly string[];
}

/** What `updateDynamicPartitions` did. */
export interface DynamicPartitionsUpdate {
  readonly name: string;
  /** Keys that were appended, in order. */
  readonly added: readonly string[];
  /** Keys asked for in `add` that were already present (nothing changed for them). */
  readonly alreadyPresent: readonly string[];
  /** Keys that were removed. */
  readonly removed: readonly string[];
  /** The current keys after the change, oldest first. */
  readonly keys: readonly string[];
}

/** The current keys of one dynamic partitions definition of a project and the assets it partitions. */
export interface DynamicPartitionsInfo {
  readonly name: string;
  /** The current keys, oldest first. */
  readonly keys: readonly string[];
  /** The assets partitioned by it (directly or as a dimension of multi-dimensional partitions), sorted. */
  readonly assets: readonly string[];
}

/** What `Instance.updateDynamicPartitions` did: the update, plus which removed keys had been materialized. */
export interface DynamicPartitionsChangeResult extends DynamicPartitionsUpdate {
  readonly assets: readonly string[];
  /**
   * Removed keys that had partition versions of an asset partitioned directly by this definition:
   * those versions stay in the history (`quarry runs`, materializations) but the partitions no longer exist.
   */
  readonly removedMaterialized: readonly { readonly key: string; readonly assets: readonly string[] }[];
}

// C0 and C1 control characters, DEL and the Unicode line/paragraph separators.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Throws `QUARRY_BAD_PARTITION_KEY` naming the first bad key: not a string, empty, over
 * `MAX_DYNAMIC_PARTITION_KEY_LENGTH` characters, with a control character or `|` (which joins the
 * keys of multi-dimensional partitions), or given twice in the same list.
 */
export function checkDynamicPartitionKeys(name: string, keys: readonly unknown[], action: 'add' | 'remove'): asserts keys is readonly string[] {
  const seen = new Set<string>();
  const where = `dynamic partitions "${name}"`;
  for (const key of keys) {
    const shown = quoteKey(key);
    if (typeof key !== 'string') throw bad(`The key ${shown} to ${action} for ${where} is not a string: give keys as strings.`);
    if (key === '') throw bad(`An empty key cannot be ${action === 'add' ? 'added to' : 'removed from'} ${where}: give non-empty keys.`);
    if (CONTROL_CHARACTER.test(key)) throw bad(`The key ${shown} to ${action} for ${where} contains a control character (tab, newline, …): give printable keys.`);
    if (key.includes('|')) throw bad(`The key ${shown} to ${action} for ${where} contains "|", which joins the keys of multi-dimensional partitions: use another separator.`);
    if (key.length > MAX_DYNAMIC_PARTITION_KEY_LENGTH) {
      throw bad(`The key ${shown} to ${action} for ${where} is ${key.length} characters long: keys may have at most ${MAX_DYNAMIC_PARTITION_KEY_LENGTH}.`);
    }
    if (seen.has(key)) throw bad(`The key ${shown} is given twice to ${action} for ${where}: give each key once.`);
    seen.add(key);
  }
}

/**
 * Adds and removes keys of the dynamic partitions `name` in `store`, after checking every key (all or
 * nothing: a bad key changes nothing). Removing a key that was materialized is allowed, as in Dagster:
 * its partition versions stay in the catalog's history, but the partition no longer exists (status and
 * plans skip it) until the key is added again, at the end of the key order.
 *
 * ```ts
 * updateDynamicPartitions(catalog.dynamicPartitions, 'creators', { add: ['alice'], remove: ['bob'] });
 * ```
 */
export function updateDynamicPartitions(store: DynamicPartitionsStore, name: string, change: DynamicPartitionsChange): DynamicPartitionsUpdate {
  const add = change.add ?? [];
  const remove = change.remove ?? [];
  if (!Array.isArray(add) || !Array.isArray(remove)) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `The keys to add to or remove from dynamic partitions "${name}" must be arrays of strings.`);
  }
  if (add.length === 0 && remove.length === 0) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `Nothing to change in dynamic partitions "${name}": give at least one key to add or remove.`);
  }
  checkDynamicPartitionKeys(name, add, 'add');
  checkDynamicPartitionKeys(name, remove, 'remove');
  const removing = new Set(remove);
  const both = add.find((key) => removing.has(key));
  if (both !== undefined) throw bad(`The key ${JSON.stringify(both)} is both added to and removed from dynamic partitions "${name}": give it once.`);
  const current = new Set(store.keys(name));
  const absent = remove.filter((key) => !current.has(key));
  if (absent.length > 0) {
    throw bad(
      `Cannot remove ${quoteKeys(absent)} from dynamic partitions "${name}": ${absent.length === 1 ? 'it is' : 'they are'} not ${current.size === 0 ? 'a key (there are no keys yet)' : `among its ${current.size} current keys (${quoteKeys([...current])})`}. Nothing was changed.`,
    );
  }
  const added = add.filter((key) => !current.has(key));
  const alreadyPresent = add.filter((key) => current.has(key));
  if (added.length > 0) store.add(name, added);
  if (remove.length > 0) store.remove(name, remove);
  return { name, added, alreadyPresent, removed: [...remove], keys: store.keys(name) };
}

/**
 * The names of the dynamic partitions definitions among `definitions`, also inside multi-dimensional
 * ones, each with the indices of the definitions that use it, in first-seen order.
 */
export function dynamicPartitionsNames(definitions: readonly (PartitionsDefinition | undefined)[]): Map<string, number[]> {
  const names = new Map<string, number[]>();
  const visit = (definition: PartitionsDefinition | undefined, index: number) => {
    if (isDynamicPartitionsDefinition(definition)) {
      const users = names.get(definition.name) ?? [];
      if (users.at(-1) !== index) users.push(index);
      names.set(definition.name, users);
    } else if (isMultiPartitionsDefinition(definition)) {
      for (const dimension of definition.dimensions) visit(dimension.definition, index);
    }
  };
  definitions.forEach(visit);
  return names;
}

// JSON.stringify escapes C0 controls but not DEL, C1 or U+2028/9: an error must show every one.
function quoteKey(key: unknown): string {
  const text = typeof key === 'string' && key.length > 60 ? `${JSON.stringify(key.slice(0, 57))}…` : (JSON.stringify(key) ?? String(key));
  return text.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function bad(message: string): QuarryError {
  return new QuarryError('QUARRY_BAD_PARTITION_KEY', message);
}
