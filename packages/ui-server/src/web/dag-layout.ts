/** Sizes and gaps of a DAG layout, in pixels. */
export interface DagLayoutConfig {
  readonly nodeWidth: number;
  readonly nodeHeight: number;
  /** Horizontal gap between layers. */
  readonly layerGap: number;
  /** Vertical gap between nodes of one layer. */
  readonly nodeGap: number;
  /** Vertical room an edge passing through a layer takes. */
  readonly edgeGap: number;
  /** Ordering sweeps (each a down and an up pass). */
  readonly sweeps: number;
}

/** A placed node: its layer, its order in the layer and its top-left corner. */
export interface PlacedNode {
  readonly id: string;
  readonly layer: number;
  readonly order: number;
  readonly x: number;
  readonly y: number;
}

/** A routed edge: points from the source's right side through the layers it crosses to the target's left side. */
export interface RoutedEdge {
  readonly from: string;
  readonly to: string;
  readonly points: readonly (readonly [number, number])[];
}

/** The result of `layoutDag`. */
export interface DagLayout {
  readonly nodes: ReadonlyMap<string, PlacedNode>;
  readonly edges: readonly RoutedEdge[];
  readonly layers: number;
  readonly width: number;
  readonly height: number;
  /** Edge crossings left after ordering (a quality measure). */
  readonly crossings: number;
}

/** The default sizes: nodes 200 × 56 with room for labels. */
export const DEFAULT_DAG_LAYOUT: DagLayoutConfig = { nodeWidth: 200, nodeHeight: 56, layerGap: 80, nodeGap: 18, edgeGap: 10, sweeps: 6 };

interface Vertex {
  readonly id: string;
  readonly real: boolean;
  layer: number;
  order: number;
  y: number;
  readonly up: number[];
  readonly down: number[];
}

/**
 * Lays out a directed acyclic graph left to right in layers (Sugiyama style): longest-path layering
 * (sources pulled next to their first consumer), virtual vertices on long edges, barycenter ordering
 * sweeps keeping the order with the fewest crossings, and vertical placement by isotonic regression
 * of each vertex towards its neighbours. Linear-ish in nodes + edges; 1,000 assets take milliseconds.
 *
 * ```ts
 * const layout = layoutDag(['a', 'b', 'c'], [{ from: 'a', to: 'b' }, { from: 'a', to: 'c' }]);
 * layout.nodes.get('b'); // { layer: 1, order: 0, x: 280, y: 0, … }
 * ```
 */
export function layoutDag(ids: readonly string[], edgeList: readonly { readonly from: string; readonly to: string }[], config: Partial<DagLayoutConfig> = {}): DagLayout {
  const c: DagLayoutConfig = { ...DEFAULT_DAG_LAYOUT, ...config };
  const index = new Map<string, number>();
  const vertices: Vertex[] = [];
  for (const id of ids) {
    if (index.has(id)) continue;
    index.set(id, vertices.length);
    vertices.push({ id, real: true, layer: 0, order: 0, y: 0, up: [], down: [] });
  }
  const seen = new Set<string>();
  const edges: [number, number][] = [];
  for (const { from, to } of edgeList) {
    const a = index.get(from);
    const b = index.get(to);
    const key = `${from}\u0000${to}`;
    if (a === undefined || b === undefined || a === b || seen.has(key)) continue;
    seen.add(key);
    edges.push([a, b]);
  }
  const realCount = vertices.length;
  const layerOf = assignLayers(realCount, edges);
  for (let i = 0; i < realCount; i++) vertices[i]!.layer = layerOf[i]!;

  // Long edges become chains of virtual vertices, one per layer crossed, so ordering sees them.
  const chains: { from: string; to: string; path: number[] }[] = [];
  for (const [a, b] of edges) {
    const path = [a];
    let previous = a;
    for (let layer = vertices[a]!.layer + 1; layer < vertices[b]!.layer; layer++) {
      const v = vertices.length;
      vertices.push({ id: `\u0000${a}-${b}-${layer}`, real: false, layer, order: 0, y: 0, up: [previous], down: [] });
      vertices[previous]!.down.push(v);
      path.push(v);
      previous = v;
    }
    vertices[previous]!.down.push(b);
    vertices[b]!.up.push(previous);
    path.push(b);
    chains.push({ from: vertices[a]!.id, to: vertices[b]!.id, path });
  }

  const layerCount = vertices.reduce((m, v) => Math.max(m, v.layer + 1), 0);
  const layers: number[][] = Array.from({ length: layerCount }, () => []);
  // Initial order: depth-first from sources keeps connected vertices together.
  const visited = new Uint8Array(vertices.length);
  const visit = (start: number) => {
    const stack = [start];
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (visited[v]) continue;
      visited[v] = 1;
      layers[vertices[v]!.layer]!.push(v);
      const next = vertices[v]!.down;
      for (let i = next.length - 1; i >= 0; i--) if (!visited[next[i]!]) stack.push(next[i]!);
    }
  };
  for (let v = 0; v < realCount; v++) if (vertices[v]!.up.length === 0) visit(v);
  for (let v = 0; v < vertices.length; v++) if (!visited[v]) visit(v);
  const setOrders = () => layers.forEach((layer) => layer.forEach((v, i) => (vertices[v]!.order = i)));
  setOrders();

  let best = layers.map((l) => [...l]);
  let bestCrossings = countAllCrossings(layers, vertices);
  const weight = new Float64Array(vertices.length);
  for (let sweep = 0; sweep < c.sweeps && bestCrossings > 0; sweep++) {
    for (let l = 1; l < layerCount; l++) reorder(layers[l]!, vertices, 'up', weight);
    for (let l = layerCount - 2; l >= 0; l--) reorder(layers[l]!, vertices, 'down', weight);
    const crossings = countAllCrossings(layers, vertices);
    if (crossings < bestCrossings) {
      bestCrossings = crossings;
      best = layers.map((l) => [...l]);
    }
  }
  for (let l = 0; l < layerCount; l++) layers[l] = best[l]!;
  setOrders();

  placeVertically(layers, vertices, c);

  let minY = Infinity;
  let maxY = -Infinity;
  for (const v of vertices) {
    minY = Math.min(minY, v.y);
    maxY = Math.max(maxY, v.y + (v.real ? c.nodeHeight : 0));
  }
  if (vertices.length === 0) minY = maxY = 0;
  const nodes = new Map<string, PlacedNode>();
  for (let i = 0; i < realCount; i++) {
    const v = vertices[i]!;
    nodes.set(v.id, { id: v.id, layer: v.layer, order: v.order, x: v.layer * (c.nodeWidth + c.layerGap), y: v.y - minY });
  }
  const routed: RoutedEdge[] = chains.map(({ from, to, path }) => ({
    from,
    to,
    points: path.map((v, i) => {
      const vertex = vertices[v]!;
      const x = vertex.layer * (c.nodeWidth + c.layerGap);
      if (i === 0) return [x + c.nodeWidth, vertex.y - minY + c.nodeHeight / 2] as const;
      if (i === path.length - 1) return [x, vertex.y - minY + c.nodeHeight / 2] as const;
      return [x + c.nodeWidth / 2, vertex.y - minY] as const;
    }),
  }));
  return {
    nodes,
    edges: routed,
    layers: layerCount,
    width: layerCount === 0 ? 0 : layerCount * c.nodeWidth + (layerCount - 1) * c.layerGap,
    height: maxY - minY,
    crossings: bestCrossings,
  };
}

/**
 * Longest-path layering: every vertex one layer right of its furthest parent; then each source moves
 * right to sit just left of its nearest child, which shortens its edges. Vertices on a cycle (not
 * expected in an asset graph) go to the layer after the last.
 */
export function assignLayers(count: number, edges: readonly (readonly [number, number])[]): number[] {
  const indegree = new Array<number>(count).fill(0);
  const children: number[][] = Array.from({ length: count }, () => []);
  const parents: number[][] = Array.from({ length: count }, () => []);
  for (const [a, b] of edges) {
    indegree[b]!++;
    children[a]!.push(b);
    parents[b]!.push(a);
  }
  const layer = new Array<number>(count).fill(0);
  const queue: number[] = [];
  for (let v = 0; v < count; v++) if (indegree[v] === 0) queue.push(v);
  const order: number[] = [];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    order.push(v);
    for (const child of children[v]!) {
      layer[child] = Math.max(layer[child]!, layer[v]! + 1);
      if (--indegree[child]! === 0) queue.push(child);
    }
  }
  if (order.length < count) {
    const last = order.reduce((m, v) => Math.max(m, layer[v]!), 0);
    for (let v = 0; v < count; v++) if (indegree[v]! > 0) layer[v] = last + 1;
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i]!;
    if (parents[v]!.length > 0 || children[v]!.length === 0) continue;
    let nearest = Infinity;
    for (const child of children[v]!) nearest = Math.min(nearest, layer[child]!);
    layer[v] = nearest - 1;
  }
  return layer;
}

function reorder(layer: number[], vertices: Vertex[], side: 'up' | 'down', weight: Float64Array): void {
  for (const v of layer) {
    const vertex = vertices[v]!;
    const neighbours = vertex[side];
    if (neighbours.length === 0) {
      weight[v] = vertex.order;
      continue;
    }
    let sum = 0;
    for (const n of neighbours) sum += vertices[n]!.order;
    weight[v] = sum / neighbours.length;
  }
  // Sort by barycenter; ties keep their current order, so sweeps converge.
  layer.sort((a, b) => weight[a]! - weight[b]! || vertices[a]!.order - vertices[b]!.order);
  for (let i = 0; i < layer.length; i++) vertices[layer[i]!]!.order = i;
}

/** Crossings between two adjacent layers, counted with a Fenwick tree over the lower layer's order (O(E log V)). */
export function countCrossings(upper: readonly number[], lowerSize: number, downOf: (v: number) => readonly number[], orderOf: (v: number) => number): number {
  const tree = new Int32Array(lowerSize + 1);
  const ends: number[] = [];
  let crossings = 0;
  let inserted = 0;
  for (const v of upper) {
    const down = downOf(v);
    ends.length = 0;
    for (const d of down) ends.push(orderOf(d));
    if (ends.length > 1) ends.sort((a, b) => a - b);
    for (const t of ends) {
      // Edges already inserted that end strictly right of t cross this one.
      let atMost = 0;
      for (let i = t + 1; i > 0; i -= i & -i) atMost += tree[i]!;
      crossings += inserted - atMost;
      for (let i = t + 1; i <= lowerSize; i += i & -i) tree[i]!++;
      inserted++;
    }
  }
  return crossings;
}

function countAllCrossings(layers: readonly number[][], vertices: readonly Vertex[]): number {
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    total += countCrossings(layers[l]!, layers[l + 1]!.length, (v) => vertices[v]!.down, (v) => vertices[v]!.order);
  }
  return total;
}

function sizeOf(v: Vertex, c: DagLayoutConfig): number {
  return v.real ? c.nodeHeight : 0;
}

/**
 * Vertical placement: each vertex wants the mean centre of its neighbours; within a layer the order
 * and the minimum gaps are kept, and the positions closest (least squares) to the wishes are found by
 * pool-adjacent-violators isotonic regression.
 */
function placeVertically(layers: readonly number[][], vertices: Vertex[], c: DagLayoutConfig): void {
  const gap = (a: Vertex, b: Vertex) => sizeOf(a, c) + (a.real && b.real ? c.nodeGap : c.edgeGap);
  for (const layer of layers) {
    let y = 0;
    for (let i = 0; i < layer.length; i++) {
      const v = vertices[layer[i]!]!;
      if (i > 0) y += gap(vertices[layer[i - 1]!]!, v);
      v.y = y;
    }
  }
  const centre = (v: Vertex) => v.y + sizeOf(v, c) / 2;
  const pass = (layer: number[], sides: ('up' | 'down')[]) => {
    if (layer.length === 0) return;
    const wish: number[] = [];
    const offset: number[] = [];
    let acc = 0;
    for (let i = 0; i < layer.length; i++) {
      const v = vertices[layer[i]!]!;
      if (i > 0) acc += gap(vertices[layer[i - 1]!]!, v);
      offset.push(acc);
      let sum = 0;
      let n = 0;
      for (const side of sides) for (const u of v[side]) (sum += centre(vertices[u]!)), n++;
      wish.push(n === 0 ? v.y : sum / n - sizeOf(v, c) / 2);
    }
    const fitted = isotonic(wish.map((w, i) => w - offset[i]!));
    for (let i = 0; i < layer.length; i++) vertices[layer[i]!]!.y = fitted[i]! + offset[i]!;
  };
  for (let round = 0; round < 4; round++) {
    for (let l = 1; l < layers.length; l++) pass(layers[l]!, ['up']);
    for (let l = layers.length - 2; l >= 0; l--) pass(layers[l]!, ['down']);
  }
  for (let l = 0; l < layers.length; l++) pass(layers[l]!, ['up', 'down']);
}

/** Least-squares non-decreasing fit of `values` (pool adjacent violators). */
export function isotonic(values: readonly number[]): number[] {
  const means: number[] = [];
  const sizes: number[] = [];
  for (const value of values) {
    means.push(value);
    sizes.push(1);
    while (means.length > 1 && means[means.length - 2]! > means[means.length - 1]!) {
      const m2 = means.pop()!;
      const s2 = sizes.pop()!;
      const m1 = means.pop()!;
      const s1 = sizes.pop()!;
      means.push((m1 * s1 + m2 * s2) / (s1 + s2));
      sizes.push(s1 + s2);
    }
  }
  const out: number[] = [];
  means.forEach((m, i) => {
    for (let k = 0; k < sizes[i]!; k++) out.push(m);
  });
  return out;
}
