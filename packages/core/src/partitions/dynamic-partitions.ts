import { QuarryError } from '../errors.ts';
import { BasePartitionsDefinition, quoteKeys } from './base-partitions-definition.ts';
import type { PartitionSubset } from './partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from './partitions-definition.ts';

/** Partitions whose keys are added and removed at run time, read through `ctx.dynamicKeys(name)`. */
export interface DynamicPartitionsDefinition extends PartitionsDefinition {
  readonly kind: 'dynamic';
  /** The name the keys are stored under. */
  readonly name: string;
}

/** The options of `dynamicPartitions`. */
export interface DynamicPartitionsConfig {
  /** The name the keys are stored under in the `DynamicPartitionsStore`. */
  readonly name: string;
}

// Index maps are cached per key array: stores hand out the same frozen array until keys change.
const indexCache = new WeakMap<readonly string[], ReadonlyMap<string, number>>();

class DynamicPartitions extends BasePartitionsDefinition implements DynamicPartitionsDefinition {
  readonly kind = 'dynamic' as const;
  readonly id: string;
  readonly name: string;

  constructor(config: DynamicPartitionsConfig) {
    super();
    const name = config?.name;
    if (typeof name !== 'string' || name.trim() === '') {
      throw new QuarryError('QUARRY_BAD_PARTITIONS_DEFINITION', `dynamicPartitions needs a non-empty name, got ${JSON.stringify(name) ?? String(name)}: pass { name: 'creators' }.`);
    }
    this.name = name;
    this.id = `dynamic(name=${name})`;
    Object.freeze(this);
  }

  size(ctx?: PartitionsContext): number {
    return this.#keys(ctx).length;
  }

  protected keyAtUnchecked(index: number, ctx: PartitionsContext | undefined): string {
    return this.#keys(ctx)[index]!;
  }

  protected lookup(key: string, ctx: PartitionsContext | undefined): number {
    const keys = this.#keys(ctx);
    let index = indexCache.get(keys);
    if (index === undefined) {
      index = new Map(keys.map((k, i) => [k, i]));
      indexCache.set(keys, index);
    }
    return index.get(key) ?? -1;
  }

  protected badKeyMessage(key: string, ctx: PartitionsContext | undefined): string {
    const keys = this.#keys(ctx);
    const current = keys.length === 0 ? 'there are no keys yet' : `expected one of the ${keys.length} current keys (${quoteKeys(keys)})`;
    return `Partition key "${key}" is not a key of ${this.id}: ${current}; add it with DynamicPartitionsStore.add(${JSON.stringify(this.name)}, [${JSON.stringify(key)}]).`;
  }

  protected override *keysOfChecked(subset: PartitionSubset, ctx: PartitionsContext | undefined): Generator<string> {
    const keys = this.#keys(ctx);
    for (const index of subset.indices()) yield keys[index]!;
  }

  #keys(ctx: PartitionsContext | undefined): readonly string[] {
    if (ctx?.dynamicKeys === undefined) {
      throw new QuarryError(
        'QUARRY_NO_DYNAMIC_PARTITIONS',
        `Dynamic partitions "${this.name}" need their current keys: pass a context with dynamicKeys, e.g. { dynamicKeys: store.keys } for a DynamicPartitionsStore.`,
      );
    }
    return ctx.dynamicKeys(this.name);
  }
}

/**
 * Declares partitions whose keys come and go at run time (one per creator, say); the keys live in a
 * `DynamicPartitionsStore` and reach the definition through `ctx.dynamicKeys`.
 *
 * ```ts
 * const creators = dynamicPartitions({ name: 'creators' });
 * store.add('creators', ['alice']);
 * creators.keyAt(0, { dynamicKeys: store.keys }); // 'alice'
 * ```
 */
export function dynamicPartitions(config: DynamicPartitionsConfig): DynamicPartitionsDefinition {
  return new DynamicPartitions(config);
}

/** True when `def` is a dynamic partitions definition. */
export function isDynamicPartitionsDefinition(def: PartitionsDefinition | undefined): def is DynamicPartitionsDefinition {
  return def?.kind === 'dynamic';
}
