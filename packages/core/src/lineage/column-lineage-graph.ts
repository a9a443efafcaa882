import type { ColumnLineage, ColumnTransformation } from './column-lineage-types.ts';

/** One column of one asset. */
export interface ColumnRef {
  readonly asset: string;
  readonly column: string;
}

/** One step of transitive column lineage: `from` (upstream) feeds `to` (downstream). */
export interface ColumnLineageEdge {
  readonly from: ColumnRef;
  readonly to: ColumnRef;
  readonly transformations: readonly ColumnTransformation[];
  /** 1 for an edge touching the start column, 2 for the next hop, … */
  readonly depth: number;
}

/** Options of `traceColumnLineage`. */
export interface TraceColumnLineageOptions {
  readonly direction: 'upstream' | 'downstream';
  /** Only DIRECT edges (values flowing), not the INDIRECT ones (filters, joins, groups). */
  readonly directOnly?: boolean;
}

/**
 * The transitive column lineage of `start` (one column, or every column of an asset when `column`
 * is absent): upstream, every column it derives from, hop by hop; downstream, every column derived
 * from it. `lineageOf` gives an asset's column lineage (undefined when unknown); `assets` lists
 * every asset, which the downstream walk needs. Each edge is listed once, at its smallest depth;
 * an asset reading its own earlier partitions does not loop.
 *
 * ```ts
 * traceColumnLineage({ asset: 'marts/creator_daily_metrics', column: 'followers' }, (a) => lineages.get(a), keys, { direction: 'upstream' });
 * ```
 */
export function traceColumnLineage(
  start: { readonly asset: string; readonly column?: string },
  lineageOf: (asset: string) => ColumnLineage | undefined,
  assets: readonly string[],
  options: TraceColumnLineageOptions,
): ColumnLineageEdge[] {
  const keep = (transformations: readonly ColumnTransformation[]) => (options.directOnly === true ? transformations.filter((t) => t.type === 'DIRECT') : transformations);
  const startColumns: ColumnRef[] =
    start.column !== undefined
      ? [{ asset: start.asset, column: start.column }]
      : options.direction === 'upstream'
        ? Object.keys(lineageOf(start.asset) ?? {}).map((column) => ({ asset: start.asset, column }))
        : [];
  const edges: ColumnLineageEdge[] = [];
  const seenEdges = new Set<string>();
  const visited = new Set<string>();
  const id = (c: ColumnRef) => `${c.asset}\0${c.column}`;

  // Downstream: every (input column) → the output columns that read it.
  let readers: Map<string, { to: ColumnRef; transformations: readonly ColumnTransformation[] }[]> | undefined;
  if (options.direction === 'downstream') {
    readers = new Map();
    for (const asset of assets) {
      for (const [column, inputs] of Object.entries(lineageOf(asset) ?? {})) {
        for (const input of inputs) {
          const key = id(input);
          const list = readers.get(key) ?? [];
          list.push({ to: { asset, column }, transformations: input.transformations });
          readers.set(key, list);
        }
      }
    }
    if (start.column === undefined) {
      for (const key of readers.keys()) {
        const [asset, column] = key.split('\0') as [string, string];
        if (asset === start.asset) startColumns.push({ asset, column });
      }
    }
  }

  let frontier = startColumns;
  for (const c of frontier) visited.add(id(c));
  for (let depth = 1; frontier.length > 0; depth++) {
    const next: ColumnRef[] = [];
    for (const current of frontier) {
      const hops =
        options.direction === 'upstream'
          ? (lineageOf(current.asset)?.[current.column] ?? []).map((i) => ({ from: { asset: i.asset, column: i.column }, to: current, transformations: i.transformations }))
          : (readers!.get(id(current)) ?? []).map((r) => ({ from: current, to: r.to, transformations: r.transformations }));
      for (const hop of hops) {
        const transformations = keep(hop.transformations);
        if (transformations.length === 0) continue;
        const edgeId = `${id(hop.from)}\0${id(hop.to)}`;
        if (seenEdges.has(edgeId)) continue;
        seenEdges.add(edgeId);
        edges.push({ from: hop.from, to: hop.to, transformations, depth });
        const onward = options.direction === 'upstream' ? hop.from : hop.to;
        if (!visited.has(id(onward))) {
          visited.add(id(onward));
          next.push(onward);
        }
      }
    }
    frontier = next;
  }
  return edges;
}
