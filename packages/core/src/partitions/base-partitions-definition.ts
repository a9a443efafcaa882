import { QuarryError } from '../errors.ts';
import { PartitionSubset } from './partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition, PartitionsKind } from './partitions-definition.ts';

/**
 * The shared half of every partitions definition: range checks, key lists and subsets built on a
 * definition's `size`, `keyAtUnchecked`, `lookup` and `badKeyMessage`.
 */
export abstract class BasePartitionsDefinition implements PartitionsDefinition {
  abstract readonly kind: PartitionsKind;
  abstract readonly id: string;

  abstract size(ctx?: PartitionsContext): number;

  /** The key of an index already checked to be in [0, size). */
  protected abstract keyAtUnchecked(index: number, ctx: PartitionsContext | undefined): string;

  /** The index of a key, or -1 when it is not a key of this definition now. */
  protected abstract lookup(key: string, ctx: PartitionsContext | undefined): number;

  /** The full `QUARRY_BAD_PARTITION_KEY` message for a key `lookup` rejected. */
  protected abstract badKeyMessage(key: string, ctx: PartitionsContext | undefined): string;

  keyAt(index: number, ctx?: PartitionsContext): string {
    const size = this.size(ctx);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new QuarryError(
        'QUARRY_BAD_SUBSET',
        `Partition index ${String(index)} is outside ${this.id}, which has ${size} partition${size === 1 ? '' : 's'}` +
          (size > 0 ? `: use 0 to ${size - 1}.` : '.'),
      );
    }
    return this.keyAtUnchecked(index, ctx);
  }

  indexOf(key: string, ctx?: PartitionsContext): number {
    const index = typeof key === 'string' ? this.lookup(key, ctx) : -1;
    if (index < 0) throw new QuarryError('QUARRY_BAD_PARTITION_KEY', this.badKeyMessage(String(key), ctx), { details: { key, partitions: this.id } });
    return index;
  }

  isValidKey(key: string, ctx?: PartitionsContext): boolean {
    return typeof key === 'string' && this.lookup(key, ctx) >= 0;
  }

  all(ctx?: PartitionsContext): PartitionSubset {
    return PartitionSubset.fromRange(0, this.size(ctx));
  }

  range(fromKey: string, toKey: string, ctx?: PartitionsContext): PartitionSubset {
    const from = this.indexOf(fromKey, ctx);
    const to = this.indexOf(toKey, ctx);
    if (from > to) {
      throw new QuarryError(
        'QUARRY_BAD_PARTITION_RANGE',
        `Partition range "${fromKey}" to "${toKey}" is reversed: "${fromKey}" comes after "${toKey}" in ${this.id}; swap them.`,
      );
    }
    return PartitionSubset.fromRange(from, to + 1);
  }

  subsetOfKeys(keys: Iterable<string>, ctx?: PartitionsContext): PartitionSubset {
    const indices: number[] = [];
    for (const key of keys) indices.push(this.indexOf(key, ctx));
    return PartitionSubset.fromIndices(indices);
  }

  keysOf(subset: PartitionSubset, ctx?: PartitionsContext): Iterable<string> {
    const size = this.size(ctx);
    if (subset.last !== undefined && subset.last >= size) {
      throw new QuarryError(
        'QUARRY_BAD_SUBSET',
        `Partition subset ${subsetPreview(subset)} reaches index ${subset.last}, past the end of ${this.id}, which has ${size} partition${size === 1 ? '' : 's'}.`,
      );
    }
    return this.keysOfChecked(subset, ctx);
  }

  /** The keys of a subset already checked to lie in [0, size). */
  protected *keysOfChecked(subset: PartitionSubset, ctx: PartitionsContext | undefined): Generator<string> {
    for (const index of subset.indices()) yield this.keyAtUnchecked(index, ctx);
  }

  toString(): string {
    return this.id;
  }
}

// C0 and C1 control characters and DEL: invisible in keys, paths and logs.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** Throws `QUARRY_BAD_PARTITIONS_DEFINITION` unless `key` can be a static or dynamic partition key (non-empty, no "|", no control characters). */
export function assertPartitionKeyText(key: unknown, where: string): asserts key is string {
  const control = typeof key === 'string' ? CONTROL_CHARACTER.exec(key) : null;
  if (control !== null) {
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new QuarryError(
      'QUARRY_BAD_PARTITIONS_DEFINITION',
      `Partition key ${JSON.stringify(key)} of ${where} has a control character (${code}): keys are printable text; remove it (a stray newline or tab from a file?).`,
    );
  }
  if (typeof key !== 'string' || key === '' || key.includes('|')) {
    throw new QuarryError(
      'QUARRY_BAD_PARTITIONS_DEFINITION',
      `Partition key ${JSON.stringify(key) ?? String(key)} of ${where} is not allowed: keys are non-empty strings without "|" ("|" joins the keys of multi-dimensional partitions).`,
    );
  }
}

/** Up to `max` keys quoted and comma-separated, with a count when there are more. */
export function quoteKeys(keys: readonly string[], max = 10): string {
  const shown = keys.slice(0, max).map((k) => JSON.stringify(k));
  return keys.length > max ? `${shown.join(', ')}, … (${keys.length} keys)` : shown.join(', ');
}

function subsetPreview(subset: PartitionSubset): string {
  const text = subset.toString();
  return text.length > 80 ? `${text.slice(0, 77)}...}` : text;
}
