import type { AnyAssetDefinition, AssetKey } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
import type { AssetGraph } from '../graph/index.ts';
import { isMultiPartitionsDefinition, PartitionSubset, type PartitionSelection, type PartitionsContext, type PartitionsDefinition } from '../partitions/index.ts';
import { lowerBound } from '../partitions/lower-bound.ts';
import { resolvedDependencies } from '../versioning/index.ts';

interface TimeWindowed {
  windowOf(index: number): { start: Date; end: Date };
}

function isTimeWindowed(definition: PartitionsDefinition): definition is PartitionsDefinition & TimeWindowed {
  return definition.kind === 'time-window' && typeof (definition as Partial<TimeWindowed>).windowOf === 'function';
}

/**
 * Resolves a partition selection into the partitions (index subsets) of each selected asset.
 *
 * Keys are read in each asset's own partitions definition. Where an asset's time grain differs from
 * the keys' (a daily range over an hourly asset), the range's time window selects the partitions it
 * overlaps. A time range over a mixed selection means, per asset: the windows overlapping it for a
 * time-partitioned asset; the time dimension's overlapping windows × every key of the other
 * dimensions for a multi-partitioned one; for a static (or other non-time) asset, the partitions its
 * time-partitioned upstream's overlapping windows map to when a dependency maps time to its keys,
 * otherwise all of its keys. A key `name=value` that no selected asset has as it is selects one dimension of
 * multi-partitioned assets (`region=eu`: every partition whose region is `eu`). An unpartitioned asset always has its single partition. A key no selected asset accepts
 * is `QUARRY_BAD_PARTITION_KEY`; `from` after `to` is `QUARRY_BAD_PARTITION_RANGE`.
 */
export function resolvePartitionTargets(
  graph: AssetGraph,
  selected: readonly AssetKey[],
  selection: PartitionSelection | undefined,
  ctx: PartitionsContext,
): Map<AssetKey, PartitionSubset> {
  const targets = new Map<AssetKey, PartitionSubset>();
  const assets = selected.map((k) => graph.get(k));
  if (selection === undefined) {
    for (const asset of assets) targets.set(asset.key, asset.partitions ? asset.partitions.all(ctx) : PartitionSubset.fromRange(0, 1));
    return targets;
  }
  const keys = 'key' in selection ? [selection.key, selection.key] : 'from' in selection ? [selection.from, selection.to] : undefined;
  const partitioned = assets.filter((a) => a.partitions !== undefined);
  if (partitioned.length === 0 && assets.length > 0) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `None of the selected assets is partitioned, so a partition (${describe(selection)}) does not apply.`);
  }
  const dimensionSelection = 'key' in selection ? dimensionKeyOf(selection.key, partitioned, ctx) : undefined;
  if (dimensionSelection !== undefined) {
    for (const asset of assets) targets.set(asset.key, dimensionTarget(asset, dimensionSelection, ctx));
    return targets;
  }
  // The window of a range, from the first selected definition that accepts its keys.
  let window: { start: Date; end: Date } | undefined;
  if (keys !== undefined) {
    const accepts = (p: PartitionsDefinition) => p.isValidKey(keys[0]!, ctx) && p.isValidKey(keys[1]!, ctx);
    const candidates = (list: readonly AnyAssetDefinition[]) => list.filter((a) => a.partitions !== undefined).flatMap((a) => [a.partitions!, ...timeDimensionsOf(a.partitions!)]);
    // A selected definition first; else a time window of the project whose keys these are (a daily
    // range over an hourly asset selected alone), so a range means the same whatever is selected.
    const anchor = candidates(partitioned).find(accepts) ?? candidates(graph.assets()).find((p) => isTimeWindowed(p) && accepts(p));
    if (anchor === undefined) {
      // Let the first partitioned asset's definition explain what a valid key is.
      const first = partitioned[0]!.partitions!;
      first.indexOf(first.isValidKey(keys[0]!, ctx) ? keys[1]! : keys[0]!, ctx);
      throw new QuarryError('QUARRY_BAD_PARTITION_KEY', `Partition keys "${keys[0]}" and "${keys[1]}" fit none of the selected assets.`);
    }
    const range = anchor.range(keys[0]!, keys[1]!, ctx); // throws QUARRY_BAD_PARTITION_RANGE when reversed
    if (isTimeWindowed(anchor) && !range.isEmpty) {
      window = { start: anchor.windowOf(range.first!).start, end: anchor.windowOf(range.last!).end };
    }
  }
  for (const asset of assets) targets.set(asset.key, targetOf(graph, asset, selection, keys, window, ctx));
  return targets;
}

/** The time-window dimensions of a multi-partitions definition (none for other definitions). */
function timeDimensionsOf(definition: PartitionsDefinition): (PartitionsDefinition & TimeWindowed)[] {
  if (!isMultiPartitionsDefinition(definition)) return [];
  return definition.dimensions.map((d) => d.definition).filter(isTimeWindowed);
}

function targetOf(
  graph: AssetGraph,
  asset: AnyAssetDefinition,
  selection: PartitionSelection,
  keys: string[] | undefined,
  window: { start: Date; end: Date } | undefined,
  ctx: PartitionsContext,
): PartitionSubset {
  const definition = asset.partitions;
  if (definition === undefined) return PartitionSubset.fromRange(0, 1);
  if (keys === undefined) {
    const list = (selection as { keys: readonly string[] }).keys;
    return definition.subsetOfKeys(list, ctx);
  }
  if (definition.isValidKey(keys[0]!, ctx) && definition.isValidKey(keys[1]!, ctx)) return definition.range(keys[0]!, keys[1]!, ctx);
  if (window !== undefined) {
    if (isTimeWindowed(definition)) return overlapping(definition, window, ctx);
    if (isMultiPartitionsDefinition(definition)) {
      const time = definition.dimensions.find((d) => isTimeWindowed(d.definition));
      if (time !== undefined) return definition.expandSubset(overlapping(time.definition as PartitionsDefinition & TimeWindowed, window, ctx), time.name, ctx);
    } else if (definition.kind === 'static' || definition.kind === 'dynamic') {
      return mappedFromTime(graph, asset, window, ctx) ?? definition.all(ctx);
    }
  }
  throw new QuarryError(
    'QUARRY_BAD_PARTITION_KEY',
    `Asset "${asset.key}" has partitions ${definition.id}, which do not include ${describe(selection)}: select it separately with its own keys.`,
  );
}

/**
 * The partitions of a non-time asset that the windows of its time-partitioned upstreams overlapping
 * `window` map to, through dependencies whose mapping relates keys (not `all`/`last`); undefined when
 * no dependency maps time to this asset's keys.
 */
function mappedFromTime(graph: AssetGraph, asset: AnyAssetDefinition, window: { start: Date; end: Date }, ctx: PartitionsContext): PartitionSubset | undefined {
  if (asset.type !== 'asset') return undefined;
  let mapped: PartitionSubset | undefined;
  for (const dep of resolvedDependencies(asset)) {
    const up = dep.upstreamDefinition;
    if (up === undefined || dep.upstream === asset.key || !isTimeWindowed(up) || dep.mapping.kind === 'all' || dep.mapping.kind === 'last') continue;
    if (!graph.has(dep.upstream)) continue;
    const subset = dep.mapping.downstreamFor(overlapping(up, window, ctx), up, asset.partitions, ctx);
    mapped = mapped === undefined ? subset : mapped.union(subset);
  }
  return mapped;
}

const DIMENSION_KEY_RE = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/;

/** `region=eu` as a selection of one dimension, when no selected asset has the key as it is and some multi-partitioned asset has that dimension. */
function dimensionKeyOf(key: string, partitioned: readonly AnyAssetDefinition[], ctx: PartitionsContext): { name: string; value: string } | undefined {
  const match = DIMENSION_KEY_RE.exec(key);
  if (match === null || partitioned.some((a) => a.partitions!.isValidKey(key, ctx))) return undefined;
  const name = match[1]!;
  const multis = partitioned.map((a) => a.partitions!).filter(isMultiPartitionsDefinition);
  if (!multis.some((m) => m.dimensions.some((d) => d.name === name))) return undefined;
  return { name, value: match[2]! };
}

/**
 * The partitions of one asset with dimension `name` equal to `value`: every key of the other
 * dimensions for a multi-partitioned asset, the key itself for an asset partitioned like that
 * dimension, the single partition of an unpartitioned asset.
 */
function dimensionTarget(asset: AnyAssetDefinition, selection: { name: string; value: string }, ctx: PartitionsContext): PartitionSubset {
  const definition = asset.partitions;
  if (definition === undefined) return PartitionSubset.fromRange(0, 1);
  if (isMultiPartitionsDefinition(definition)) {
    const dimension = definition.dimensions.find((d) => d.name === selection.name);
    if (dimension !== undefined) {
      const index = dimension.definition.indexOf(selection.value, ctx); // names the dimension's valid keys
      return definition.expandSubset(PartitionSubset.fromRange(index, index + 1), selection.name, ctx);
    }
  } else if (definition.isValidKey(selection.value, ctx)) {
    const index = definition.indexOf(selection.value, ctx);
    return PartitionSubset.fromRange(index, index + 1);
  }
  throw new QuarryError(
    'QUARRY_BAD_PARTITION_KEY',
    `Asset "${asset.key}" has partitions ${definition.id}, which have no dimension "${selection.name}" with key "${selection.value}": select it separately with its own keys.`,
  );
}

/** The partitions of a time-window definition whose windows overlap [start, end), by binary search. */
function overlapping(definition: PartitionsDefinition & TimeWindowed, window: { start: Date; end: Date }, ctx: PartitionsContext): PartitionSubset {
  const size = definition.size(ctx);
  const firstEndingAfter = lowerBound(size, (i) => definition.windowOf(i).end.getTime() > window.start.getTime());
  const firstStartingAtOrAfterEnd = lowerBound(size, (i) => definition.windowOf(i).start.getTime() >= window.end.getTime());
  return firstEndingAfter < firstStartingAtOrAfterEnd ? PartitionSubset.fromRange(firstEndingAfter, firstStartingAtOrAfterEnd) : PartitionSubset.empty();
}

function describe(selection: PartitionSelection): string {
  if ('key' in selection) return `partition "${selection.key}"`;
  if ('from' in selection) return `partitions "${selection.from}" to "${selection.to}"`;
  return `partitions ${selection.keys.map((k) => `"${k}"`).join(', ')}`;
}
