import { QuarryError } from '../errors.ts';
import { BasePartitionsDefinition } from './base-partitions-definition.ts';
import { PartitionSubset, PartitionSubsetBuilder } from './partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from './partitions-definition.ts';

/** One named dimension of multi-dimensional partitions. */
export interface PartitionDimension<N extends string = string> {
  readonly name: N;
  readonly definition: PartitionsDefinition;
}

/**
 * The cross product of several partitions definitions. A key joins the dimension keys with `|` in
 * declaration order (`2026-01-15|music`); the index is mixed-radix, row-major, first dimension most
 * significant. Declare a growing dimension (time, dynamic) first: then new partitions append and
 * existing indices stay put.
 */
export interface MultiPartitionsDefinition<N extends string = string> extends PartitionsDefinition {
  readonly kind: 'multi';
  /** The dimensions in declaration order. */
  readonly dimensions: readonly PartitionDimension<N>[];
  /** The definition of one dimension; throws `QUARRY_BAD_ARGUMENT` for an unknown name. */
  dimension(name: N): PartitionsDefinition;
  /** A key's part per dimension; throws `QUARRY_BAD_PARTITION_KEY` when the number of parts is wrong. */
  splitKey(key: string): Readonly<Record<N, string>>;
  /** The key of one part per dimension, given by name or in declaration order. */
  joinKey(parts: Readonly<Record<N, string>> | readonly string[]): string;
  /** The indices of one dimension that occur in a subset of this definition (range arithmetic, no key loop). */
  projectSubset(subset: PartitionSubset, dimension: N, ctx?: PartitionsContext): PartitionSubset;
  /** Every partition whose `dimension` index is in `dimensionSubset`, any value of the other dimensions. */
  expandSubset(dimensionSubset: PartitionSubset, dimension: N, ctx?: PartitionsContext): PartitionSubset;
}

const DIMENSION_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

class MultiPartitions<N extends string> extends BasePartitionsDefinition implements MultiPartitionsDefinition<N> {
  readonly kind = 'multi' as const;
  readonly id: string;
  readonly dimensions: readonly PartitionDimension<N>[];

  constructor(dimensions: Readonly<Record<N, PartitionsDefinition>>) {
    super();
    const entries = Object.entries(dimensions ?? {}) as [N, PartitionsDefinition][];
    if (entries.length < 2) {
      throw new QuarryError(
        'QUARRY_BAD_PARTITIONS_DEFINITION',
        `multiPartitions needs at least two dimensions, got ${entries.length}: with one, use its definition directly.`,
      );
    }
    for (const [name, definition] of entries) {
      if (!DIMENSION_NAME_RE.test(name)) {
        throw new QuarryError('QUARRY_BAD_PARTITIONS_DEFINITION', `Dimension name "${name}" of multi partitions is not an identifier: use letters, digits and _ (e.g. "date", "genre").`);
      }
      if (definition === null || typeof definition !== 'object' || typeof definition.kind !== 'string') {
        throw new QuarryError('QUARRY_BAD_PARTITIONS_DEFINITION', `Dimension "${name}" of multi partitions is not a partitions definition.`);
      }
      if (definition.kind === 'multi') {
        throw new QuarryError('QUARRY_BAD_PARTITIONS_DEFINITION', `Dimension "${name}" of multi partitions is itself multi-dimensional: list its dimensions directly instead.`);
      }
      if ('format' in definition && typeof definition.format === 'string' && definition.format.includes('|')) {
        throw new QuarryError('QUARRY_BAD_PARTITIONS_DEFINITION', `Dimension "${name}" of multi partitions has key format "${definition.format}" with "|", which joins dimension keys: choose another separator.`);
      }
    }
    this.dimensions = Object.freeze(entries.map(([name, definition]) => Object.freeze({ name, definition })));
    this.id = `multi(${entries.map(([name, d]) => `${name}=${d.id}`).join(',')})`;
    Object.freeze(this);
  }

  size(ctx?: PartitionsContext): number {
    let total = 1;
    for (const d of this.dimensions) total *= d.definition.size(ctx);
    return total;
  }

  dimension(name: N): PartitionsDefinition {
    return this.dimensions[this.#position(name)]!.definition;
  }

  splitKey(key: string): Readonly<Record<N, string>> {
    const parts = typeof key === 'string' ? key.split('|') : [];
    if (parts.length !== this.dimensions.length) {
      throw new QuarryError('QUARRY_BAD_PARTITION_KEY', this.#shapeMessage(key), { details: { key, partitions: this.id } });
    }
    const record = {} as Record<N, string>;
    this.dimensions.forEach((d, i) => {
      record[d.name] = parts[i]!;
    });
    return Object.freeze(record);
  }

  joinKey(parts: Readonly<Record<N, string>> | readonly string[]): string {
    const list: unknown[] = Array.isArray(parts) ? parts : this.dimensions.map((d) => (parts as Record<N, string>)[d.name]);
    if (list.length !== this.dimensions.length || list.some((p) => typeof p !== 'string' || p.includes('|'))) {
      throw new QuarryError(
        'QUARRY_BAD_PARTITION_KEY',
        `Key parts ${JSON.stringify(parts)} do not fit ${this.id}: give one key without "|" for each of ${this.dimensions.map((d) => d.name).join(', ')}.`,
      );
    }
    return list.join('|');
  }

  projectSubset(subset: PartitionSubset, dimension: N, ctx?: PartitionsContext): PartitionSubset {
    const k = this.#position(dimension);
    const sizes = this.#sizes(ctx);
    const radix = sizes[k]!;
    const stride = product(sizes, k + 1);
    const block = radix * stride;
    if (subset.isEmpty || block === 0) return PartitionSubset.empty();
    const builder = new PartitionSubsetBuilder();
    const digit = (i: number): number => Math.floor((i % block) / stride);
    for (const [start, end] of subset.ranges()) {
      const last = end - 1;
      const firstBlock = Math.floor(start / block);
      const lastBlock = Math.floor(last / block);
      if (lastBlock - firstBlock >= 2 || end - start >= block) return PartitionSubset.fromRange(0, radix);
      if (firstBlock === lastBlock) {
        builder.add(digit(start), digit(last) + 1);
      } else {
        builder.add(digit(start), radix);
        builder.add(0, digit(last) + 1);
      }
    }
    return builder.build();
  }

  expandSubset(dimensionSubset: PartitionSubset, dimension: N, ctx?: PartitionsContext): PartitionSubset {
    const k = this.#position(dimension);
    const sizes = this.#sizes(ctx);
    const radix = sizes[k]!;
    const stride = product(sizes, k + 1);
    const outer = product(sizes, 0, k);
    const block = radix * stride;
    const within = dimensionSubset.clamp(0, radix);
    if (within.isEmpty || stride === 0 || outer === 0) return PartitionSubset.empty();
    if (within.count === radix) return PartitionSubset.fromRange(0, outer * block);
    const builder = new PartitionSubsetBuilder();
    const ranges = [...within.ranges()];
    for (let high = 0; high < outer; high++) {
      const base = high * block;
      for (const [start, end] of ranges) builder.add(base + start * stride, base + end * stride);
    }
    return builder.build();
  }

  protected keyAtUnchecked(index: number, ctx: PartitionsContext | undefined): string {
    return this.#keyOf(index, this.#sizes(ctx), ctx);
  }

  protected override *keysOfChecked(subset: PartitionSubset, ctx: PartitionsContext | undefined): Generator<string> {
    const sizes = this.#sizes(ctx);
    for (const index of subset.indices()) yield this.#keyOf(index, sizes, ctx);
  }

  protected lookup(key: string, ctx: PartitionsContext | undefined): number {
    const parts = key.split('|');
    if (parts.length !== this.dimensions.length) return -1;
    let index = 0;
    for (let i = 0; i < parts.length; i++) {
      const def = this.dimensions[i]!.definition;
      if (!def.isValidKey(parts[i]!, ctx)) return -1;
      index = index * def.size(ctx) + def.indexOf(parts[i]!, ctx);
    }
    return index;
  }

  protected badKeyMessage(key: string, ctx: PartitionsContext | undefined): string {
    const parts = key.split('|');
    if (parts.length !== this.dimensions.length) return this.#shapeMessage(key, ctx);
    for (let i = 0; i < parts.length; i++) {
      const { name, definition } = this.dimensions[i]!;
      try {
        definition.indexOf(parts[i]!, ctx);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        return `Partition key "${key}" is not a key of ${this.id}: its ${name} part is bad. ${why}`;
      }
    }
    return this.#shapeMessage(key, ctx);
  }

  #shapeMessage(key: string, ctx?: PartitionsContext): string {
    const shape = this.dimensions.map((d) => `<${d.name}>`).join('|');
    let example = '';
    try {
      example = this.size(ctx) > 0 ? `, e.g. "${this.keyAtUnchecked(0, ctx)}"` : '';
    } catch {
      // A dynamic dimension without a context has no example to give.
    }
    return `Partition key "${key}" is not a key of ${this.id}: expected ${shape}${example}.`;
  }

  #keyOf(index: number, sizes: readonly number[], ctx: PartitionsContext | undefined): string {
    const parts = new Array<string>(sizes.length);
    let rest = index;
    for (let i = sizes.length - 1; i >= 0; i--) {
      const size = sizes[i]!;
      parts[i] = this.dimensions[i]!.definition.keyAt(rest % size, ctx);
      rest = Math.floor(rest / size);
    }
    return parts.join('|');
  }

  #sizes(ctx: PartitionsContext | undefined): number[] {
    return this.dimensions.map((d) => d.definition.size(ctx));
  }

  #position(name: N): number {
    const at = this.dimensions.findIndex((d) => d.name === name);
    if (at < 0) {
      throw new QuarryError(
        'QUARRY_BAD_ARGUMENT',
        `Dimension "${String(name)}" is not a dimension of ${this.id}: use one of ${this.dimensions.map((d) => `"${d.name}"`).join(', ')}.`,
      );
    }
    return at;
  }
}

function product(values: readonly number[], from: number, to = values.length): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= values[i]!;
  return p;
}

/**
 * Declares multi-dimensional partitions: the cross product of the given definitions, keyed by
 * their keys joined with `|` in declaration order.
 *
 * @param dimensions The definition of each dimension by its name (letters, digits, _): at least two, none itself multi-dimensional; key parts follow this order.
 *
 * ```ts
 * const dateGenre = multiPartitions({ date: dailyPartitions({ start: '2026-01-01' }), genre: staticPartitions(['music', 'sports']) });
 * dateGenre.indexOf('2026-01-02|sports', ctx); // 3 (= 1 * 2 + 1)
 * dateGenre.splitKey('2026-01-02|sports'); // { date: '2026-01-02', genre: 'sports' }
 * ```
 */
export function multiPartitions<D extends Readonly<Record<string, PartitionsDefinition>>>(dimensions: D): MultiPartitionsDefinition<keyof D & string> {
  return new MultiPartitions<keyof D & string>(dimensions as Readonly<Record<keyof D & string, PartitionsDefinition>>);
}

/** True when `def` is a multi-dimensional partitions definition. */
export function isMultiPartitionsDefinition(def: PartitionsDefinition | undefined): def is MultiPartitionsDefinition {
  return def?.kind === 'multi';
}
