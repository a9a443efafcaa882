import { QuarryError } from '../../errors.ts';
import { PartitionSubset } from '../partition-subset.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import type { NonexistentUpstream, PartitionMapping } from './partition-mapping.ts';
import { assertSubsetFits, isKeyOfSide, keysOfSide, noNonexistentUpstream, singleKeyRanges, subsetOfSideKeys } from './partition-mapping.ts';

/** A user function from the keys of one side of a mapping to the keys of the other. */
export type PartitionKeyMapper = (keys: readonly string[], ctx: PartitionsContext) => Iterable<string>;

/** The options of `customMapping`. */
export interface CustomMappingConfig {
  /** A stable name of the mapping and its version, part of code-version fingerprints: change it when the functions change. */
  readonly id: string;
  /**
   * The upstream keys the given downstream keys read. Keys the upstream does not have (yet) are
   * left out and reported in the plan; the planner blocks the partitions needing them unless
   * `allowNonexistentUpstream`.
   */
  readonly upstreamFor: PartitionKeyMapper;
  /** The downstream keys affected by the given upstream keys. */
  readonly downstreamFor: PartitionKeyMapper;
  /** Let downstream partitions run when upstream keys they read do not exist; default false. Dagster's `allow_nonexistent_upstream_partitions`. */
  readonly allowNonexistentUpstream?: boolean;
}

class CustomMapping implements PartitionMapping {
  readonly kind = 'custom';
  readonly id: string;
  readonly allowNonexistentUpstream: boolean;
  readonly #config: CustomMappingConfig;

  constructor(config: CustomMappingConfig) {
    if (typeof config?.id !== 'string' || config.id === '' || typeof config.upstreamFor !== 'function' || typeof config.downstreamFor !== 'function') {
      throw new QuarryError(
        'QUARRY_BAD_PARTITION_MAPPING',
        'customMapping needs { id, upstreamFor, downstreamFor }: a non-empty id and a function for each direction (keys in, keys out).',
      );
    }
    this.#config = config;
    this.id = `custom(${config.id})`;
    this.allowNonexistentUpstream = config.allowNonexistentUpstream === true;
    Object.freeze(this);
  }

  upstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    assertSubsetFits(downstream, downstreamDef, ctx, 'downstream');
    const keys = [...this.#config.upstreamFor(keysOfSide(downstreamDef, downstream, ctx), ctx ?? {})];
    return this.#toSubset(keys.filter((k) => isKeyOfSide(upstreamDef, k, ctx)), upstreamDef, ctx, 'upstreamFor');
  }

  nonexistentUpstreamFor(downstream: PartitionSubset, downstreamDef: PartitionsDefinition | undefined, upstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): NonexistentUpstream {
    assertSubsetFits(downstream, downstreamDef, ctx, 'downstream');
    const downKeys = keysOfSide(downstreamDef, downstream, ctx);
    const missingOf = (keys: readonly string[]): string[] => [...this.#config.upstreamFor(keys, ctx ?? {})].filter((k) => typeof k !== 'string' || !isKeyOfSide(upstreamDef, k, ctx));
    const missing = missingOf(downKeys);
    if (missing.length === 0) return noNonexistentUpstream();
    const bad = missing.find((k) => typeof k !== 'string');
    if (bad !== undefined) throw new QuarryError('QUARRY_BAD_PARTITION_MAPPING', `Custom mapping "${this.#config.id}" upstreamFor returned ${JSON.stringify(bad) ?? String(bad)}, not a partition key string.`);
    // Which downstream partitions need them: one call per key, only when some are missing.
    const needing: number[] = [];
    const indices = [...downstream.indices()];
    downKeys.forEach((key, i) => {
      if (missingOf([key]).length > 0) needing.push(indices[i]!);
    });
    return Object.freeze({ downstream: PartitionSubset.fromIndices(needing), ranges: singleKeyRanges(missing) });
  }

  downstreamFor(upstream: PartitionSubset, upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined, ctx?: PartitionsContext): PartitionSubset {
    assertSubsetFits(upstream, upstreamDef, ctx, 'upstream');
    const keys = this.#config.downstreamFor(keysOfSide(upstreamDef, upstream, ctx), ctx ?? {});
    return this.#toSubset(keys, downstreamDef, ctx, 'downstreamFor');
  }

  #toSubset(keys: Iterable<string>, def: PartitionsDefinition | undefined, ctx: PartitionsContext | undefined, fn: string): PartitionSubset {
    try {
      return subsetOfSideKeys(def, keys, ctx);
    } catch (error) {
      if (error instanceof QuarryError && error.code === 'QUARRY_BAD_PARTITION_KEY') {
        throw new QuarryError('QUARRY_BAD_PARTITION_MAPPING', `Custom mapping "${this.#config.id}" ${fn} returned a bad key. ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
}

/**
 * A mapping from user functions over keys, one per direction; Quarry turns the subsets into key
 * lists and the returned keys back into subsets. Costs one call per mapped key set, so prefer the
 * range-based mappings where they fit.
 *
 * ```ts
 * const sameMonth = customMapping({
 *   id: 'month-of-day@1',
 *   upstreamFor: (days) => days.map((d) => d.slice(0, 7)),
 *   downstreamFor: (months) => months.flatMap((m) => daysOfMonth(m)),
 * });
 * ```
 */
export function customMapping(config: CustomMappingConfig): PartitionMapping {
  return new CustomMapping(config);
}
