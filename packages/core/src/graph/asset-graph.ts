import { DirectedGraph } from 'graphology';
import type { AnyAssetDefinition, AssetDependency, AssetKey, ProjectDefinition } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
import { PartitionSubset, validateDependencyMapping } from '../partitions/index.ts';

/** One upstream edge of an asset: which asset it reads, under which name, with which mapping. */
export interface AssetEdge {
  readonly name: string;
  readonly upstream: AssetKey;
  readonly dependency: AssetDependency;
}

/** How many partitions at each end of an asset's range a self-dependency's mapping is probed on. */
const SELF_PROBES = 8;

/**
 * Throws `QUARRY_BAD_PARTITION_MAPPING` when an asset's self-dependency reads its own partition or a
 * later one: partition d would then wait for itself (or for d + 1, which waits for d + 2, …), so it
 * never converges. A time-window mapping must end at offset -1 or earlier; any other mapping is
 * probed on the first and last partitions of the range and must map each strictly backward.
 */
function assertSelfDependencyLooksBack(asset: Extract<AnyAssetDefinition, { type: 'asset' }>): void {
  const self = asset.selfDependency;
  if (self === undefined || asset.partitions === undefined) return;
  const { mapping } = self;
  const reject = (why: string): never => {
    throw new QuarryError(
      'QUARRY_BAD_PARTITION_MAPPING',
      `Asset "${asset.key}": its self-dependency "${self.name}" uses ${mapping.id}, which ${why}; a self-dependency must look strictly ` +
        'backward (e.g. self(timeWindowMapping({ startOffset: -1, endOffset: -1 })) reads the previous partition), otherwise a partition waits for itself and never converges.',
    );
  };
  const endOffset = (mapping as { endOffset?: unknown }).endOffset;
  if (mapping.kind === 'time-window' && typeof endOffset === 'number') {
    if (endOffset > -1) reject(`ends at offset ${endOffset} (the partition itself${endOffset > 0 ? ' and later ones' : ''})`);
    return;
  }
  let size: number;
  try {
    size = asset.partitions.size();
  } catch {
    // Dynamic partitions have no keys before the catalog is read: nothing to probe at load time.
    return;
  }
  const probes = new Set<number>();
  for (let i = 0; i < Math.min(size, SELF_PROBES); i++) probes.add(i);
  for (let i = Math.max(0, size - SELF_PROBES); i < size; i++) probes.add(i);
  for (const index of probes) {
    let upstream: PartitionSubset;
    try {
      upstream = mapping.upstreamFor(PartitionSubset.fromRange(index, index + 1), asset.partitions, asset.partitions);
    } catch {
      // A mapping that needs the catalog's context (or does not fit these partitions) is checked when planned.
      return;
    }
    const ranges = [...upstream.ranges()];
    const last = ranges.length === 0 ? -1 : ranges[ranges.length - 1]![1] - 1;
    if (last >= index) {
      reject(`maps partition "${asset.partitions.keyAt(index)}" to itself${last > index ? ' or a later one' : ''}`);
    }
  }
}

/**
 * The asset graph of a project: nodes are assets, edges point from upstream to downstream.
 *
 * Built once per project load; validates keys, dependencies and acyclicity, and answers order and
 * closure questions in O(nodes + edges).
 *
 * ```ts
 * const graph = AssetGraph.fromProject(project);
 * graph.topologicalOrder(); // ['raw/orders', 'marts/revenue']
 * graph.upstreamClosure(['marts/revenue']);
 * ```
 */
export class AssetGraph {
  readonly #graph: DirectedGraph;
  readonly #assets: ReadonlyMap<AssetKey, AnyAssetDefinition>;
  readonly #order: readonly AssetKey[];

  private constructor(graph: DirectedGraph, assets: ReadonlyMap<AssetKey, AnyAssetDefinition>, order: readonly AssetKey[]) {
    this.#graph = graph;
    this.#assets = assets;
    this.#order = order;
  }

  /** Builds and validates the graph of a project's assets. */
  static fromProject(project: Pick<ProjectDefinition, 'assets'>): AssetGraph {
    return AssetGraph.fromAssets(project.assets);
  }

  /** Builds and validates the graph of a list of assets (duplicate keys, missing deps, cycles). */
  static fromAssets(assets: readonly AnyAssetDefinition[]): AssetGraph {
    const byKey = new Map<AssetKey, AnyAssetDefinition>();
    for (const asset of assets) {
      const existing = byKey.get(asset.key);
      if (existing !== undefined && existing !== asset) {
        throw new QuarryError('QUARRY_DUPLICATE_ASSET', `Two assets share the key "${asset.key}": rename one of them.`);
      }
      byKey.set(asset.key, asset);
    }
    const graph = new DirectedGraph();
    for (const key of [...byKey.keys()].sort()) graph.addNode(key);
    for (const asset of byKey.values()) {
      if (asset.type !== 'asset') continue;
      assertSelfDependencyLooksBack(asset);
      for (const [name, dep] of Object.entries(asset.deps)) {
        const upstream = byKey.get(dep.asset.key);
        if (upstream === undefined) {
          throw new QuarryError(
            'QUARRY_MISSING_ASSET',
            `Asset "${asset.key}" depends on "${dep.asset.key}" (as "${name}"), which is not in the project: add it to defineProject({ assets }).`,
          );
        }
        if (upstream !== dep.asset) {
          throw new QuarryError(
            'QUARRY_DUPLICATE_ASSET',
            `Asset "${asset.key}" depends on a different definition of "${dep.asset.key}" than the project holds: import the asset from one module.`,
          );
        }
        if (dep.asset.key === asset.key) {
          throw new QuarryError(
            'QUARRY_ASSET_CYCLE',
            `Asset "${asset.key}" lists itself in deps as "${name}": use self(mapping) with a backward-looking mapping to read its earlier partitions.`,
          );
        }
        if (dep.mapping !== undefined) validateDependencyMapping(asset.key, name, dep.mapping, dep.asset.partitions, asset.partitions);
        graph.mergeEdgeWithKey(`${dep.asset.key}->${asset.key}`, dep.asset.key, asset.key, { names: [] as string[] });
        (graph.getEdgeAttribute(`${dep.asset.key}->${asset.key}`, 'names') as string[]).push(name);
      }
    }
    for (const asset of byKey.values()) {
      if (asset.type === 'asset' && asset.selfDependency) {
        validateDependencyMapping(asset.key, asset.selfDependency.name, asset.selfDependency.mapping, asset.partitions, asset.partitions);
      }
    }
    const order = topologicalOrder(graph);
    return new AssetGraph(graph, byKey, order);
  }

  /** Every asset key, in topological order (ties broken by key). */
  get keys(): readonly AssetKey[] {
    return this.#order;
  }

  /** Number of assets. */
  get size(): number {
    return this.#order.length;
  }

  /** True when the project has an asset with this key. */
  has(key: string): boolean {
    return this.#assets.has(key);
  }

  /** The asset with this key; throws `QUARRY_UNKNOWN_ASSET` naming it (and close matches) otherwise. */
  get(key: string): AnyAssetDefinition {
    const asset = this.#assets.get(key);
    if (asset === undefined) throw unknownAsset(key, this.#order);
    return asset;
  }

  /** All assets in topological order. */
  assets(): AnyAssetDefinition[] {
    return this.#order.map((k) => this.#assets.get(k)!);
  }

  /** Topological order of all assets (upstream first), deterministic. */
  topologicalOrder(): readonly AssetKey[] {
    return this.#order;
  }

  /** Direct upstream keys of an asset (sorted). */
  parents(key: AssetKey): AssetKey[] {
    this.get(key);
    return this.#graph.inNeighbors(key).sort();
  }

  /** Direct downstream keys of an asset (sorted). */
  children(key: AssetKey): AssetKey[] {
    this.get(key);
    return this.#graph.outNeighbors(key).sort();
  }

  /** Upstream edges of an asset, one per dependency name. */
  edgesInto(key: AssetKey): AssetEdge[] {
    const asset = this.get(key);
    if (asset.type !== 'asset') return [];
    return Object.entries(asset.deps).map(([name, dependency]) => ({ name, upstream: dependency.asset.key, dependency }));
  }

  /** The given keys and everything upstream of them, in topological order. */
  upstreamClosure(keys: Iterable<AssetKey>, depth = Infinity): AssetKey[] {
    return this.#closure(keys, depth, (k) => this.#graph.inNeighbors(k));
  }

  /** The given keys and everything downstream of them, in topological order. */
  downstreamClosure(keys: Iterable<AssetKey>, depth = Infinity): AssetKey[] {
    return this.#closure(keys, depth, (k) => this.#graph.outNeighbors(k));
  }

  /** Restricts `keys` to topological order, dropping duplicates. */
  ordered(keys: Iterable<AssetKey>): AssetKey[] {
    const set = new Set(keys);
    return this.#order.filter((k) => set.has(k));
  }

  #closure(keys: Iterable<AssetKey>, depth: number, next: (key: AssetKey) => string[]): AssetKey[] {
    const seen = new Set<AssetKey>();
    let frontier: AssetKey[] = [];
    for (const key of keys) {
      this.get(key);
      if (!seen.has(key)) {
        seen.add(key);
        frontier.push(key);
      }
    }
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const following: AssetKey[] = [];
      for (const key of frontier) {
        for (const n of next(key)) {
          if (!seen.has(n)) {
            seen.add(n);
            following.push(n);
          }
        }
      }
      frontier = following;
    }
    return this.ordered(seen);
  }
}

function topologicalOrder(graph: DirectedGraph): AssetKey[] {
  const indegree = new Map<string, number>();
  graph.forEachNode((node) => indegree.set(node, graph.inDegree(node)));
  // A sorted ready list keeps the order deterministic (ties by key), which keeps plans stable.
  const ready = [...indegree].filter(([, d]) => d === 0).map(([n]) => n).sort();
  const order: string[] = [];
  while (ready.length > 0) {
    const node = ready.shift()!;
    order.push(node);
    const released: string[] = [];
    for (const child of graph.outNeighbors(node)) {
      const d = indegree.get(child)! - 1;
      indegree.set(child, d);
      if (d === 0) released.push(child);
    }
    if (released.length > 0) {
      ready.push(...released);
      ready.sort();
    }
  }
  if (order.length < graph.order) throw cycleError(graph, new Set(order));
  return order;
}

function cycleError(graph: DirectedGraph, done: ReadonlySet<string>): QuarryError {
  // Walk from a node left over by Kahn's algorithm; every such node reaches a cycle.
  const state = new Map<string, 'open' | 'closed'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.outNeighbors(node).sort()) {
      if (done.has(next)) continue;
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'closed');
    return undefined;
  };
  for (const node of graph.nodes().sort()) {
    if (done.has(node) || state.has(node)) continue;
    const cycle = visit(node);
    if (cycle) {
      return new QuarryError('QUARRY_ASSET_CYCLE', `The asset graph has a cycle: ${cycle.join(' -> ')}. Remove one of these dependencies.`, {
        details: { cycle },
      });
    }
  }
  return new QuarryError('QUARRY_ASSET_CYCLE', 'The asset graph has a cycle.');
}

/** The error for an unknown asset key, suggesting the closest known keys. */
export function unknownAsset(key: string, known: readonly string[]): QuarryError {
  const close = known
    .map((k) => [k, editDistance(k, key)] as const)
    .filter(([, d]) => d <= Math.max(2, Math.floor(key.length / 3)))
    .sort((a, b) => a[1] - b[1])
    .slice(0, 3)
    .map(([k]) => `"${k}"`);
  const hint = close.length > 0 ? ` Did you mean ${close.join(' or ')}?` : ' Run `quarry list` to see the assets.';
  return new QuarryError('QUARRY_UNKNOWN_ASSET', `Unknown asset "${key}".${hint}`);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
