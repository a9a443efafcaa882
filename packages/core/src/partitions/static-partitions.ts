import { QuarryError } from '../errors.ts';
import { BasePartitionsDefinition, assertPartitionKeyText, quoteKeys } from './base-partitions-definition.ts';
import type { PartitionsDefinition } from './partitions-definition.ts';

/** A fixed list of partition keys, indexed in declaration order. */
export interface StaticPartitionsDefinition extends PartitionsDefinition {
  readonly kind: 'static';
  /** The keys in declaration (and index) order. */
  readonly keys: readonly string[];
}

class StaticPartitions extends BasePartitionsDefinition implements StaticPartitionsDefinition {
  readonly kind = 'static' as const;
  readonly id: string;
  readonly keys: readonly string[];
  readonly #indexByKey: ReadonlyMap<string, number>;

  constructor(keys: readonly string[]) {
    super();
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new QuarryError('QUARRY_BAD_PARTITIONS_DEFINITION', `staticPartitions needs a non-empty array of keys, got ${JSON.stringify(keys) ?? String(keys)}.`);
    }
    const indexByKey = new Map<string, number>();
    keys.forEach((key, i) => {
      assertPartitionKeyText(key, 'static partitions');
      if (indexByKey.has(key)) {
        throw new QuarryError('QUARRY_BAD_PARTITIONS_DEFINITION', `Static partitions list key "${key}" twice: each key must appear once.`);
      }
      indexByKey.set(key, i);
    });
    this.keys = Object.freeze([...keys]);
    this.#indexByKey = indexByKey;
    this.id = `static(${JSON.stringify(this.keys)})`;
    Object.freeze(this);
  }

  size(): number {
    return this.keys.length;
  }

  protected keyAtUnchecked(index: number): string {
    return this.keys[index]!;
  }

  protected lookup(key: string): number {
    return this.#indexByKey.get(key) ?? -1;
  }

  protected badKeyMessage(key: string): string {
    return `Partition key "${key}" is not a key of ${this.id}: expected one of ${quoteKeys(this.keys)}.`;
  }
}

/**
 * Declares a fixed list of partition keys, indexed in the order given.
 *
 * @param keys The partition keys, unique, in the order they are indexed.
 *
 * ```ts
 * const genres = staticPartitions(['music', 'sports', 'comedy']);
 * genres.indexOf('sports'); // 1
 * ```
 */
export function staticPartitions(keys: readonly string[]): StaticPartitionsDefinition {
  return new StaticPartitions(keys);
}

/** True when `def` is a static partitions definition. */
export function isStaticPartitionsDefinition(def: PartitionsDefinition | undefined): def is StaticPartitionsDefinition {
  return def?.kind === 'static';
}
