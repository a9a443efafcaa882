import type { AssetGraphResponse, GraphNode } from '../api-schemas.ts';
import { layoutDag, type DagLayout } from './dag-layout.ts';
import { s } from './dom-builder.ts';
import { formatCount } from './formatters.ts';
import { freshnessText, type FreshnessInfo } from './automation-data.ts';

const NODE_WIDTH = 210;
const NODE_HEIGHT = 58;

/** What the graph view calls back with. */
export interface GraphViewOptions {
  /** An asset was clicked (or chosen with Enter). */
  readonly onOpen: (key: string) => void;
}

/** A rendered graph: refit it to its box, refresh node states in place, or remove it. */
export interface GraphView {
  readonly layout: DagLayout;
  fit(): void;
  /** Redraws the nodes whose state or counts changed, keeping layout, zoom and pan. */
  updateNodes(nodes: readonly GraphNode[]): void;
  /** Shows each asset's freshness (fresh, or overdue with the lag) above its node; assets without a freshness policy show none. */
  setFreshness(freshness: ReadonlyMap<string, FreshnessInfo>): void;
  destroy(): void;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The path of an edge through its points: horizontal-tangent cubic curves, smooth at each layer. */
function edgePath(points: readonly (readonly [number, number])[]): string {
  const [first] = points;
  if (!first) return '';
  let d = `M${first[0]},${first[1]}`;
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1]!;
    const [x1, y1] = points[i]!;
    const dx = (x1 - x0) / 2;
    d += ` C${x0 + dx},${y0} ${x1 - dx},${y1} ${x1},${y1}`;
  }
  return d;
}

function statusLine(node: GraphNode): string {
  if (!node.partitioned) return node.state === 'fresh' ? 'materialized' : node.state;
  const { fresh } = node.counts;
  return `${formatCount(fresh)} / ${formatCount(node.total)} fresh`;
}

/** The parts of a node drawn at every zoom: its group (with key and state), tooltip and box. */
function nodeShell(node: GraphNode, x: number, y: number): SVGGElement {
  return s(
    'g',
    {
      class: `node state-${node.state}`,
      transform: `translate(${x},${y})`,
      'data-key': node.key,
      'data-state': node.state,
      'data-stale': node.counts.stale,
      'data-fresh': node.counts.fresh,
      tabindex: 0,
      role: 'link',
      'aria-label': `${node.key}: ${node.state}`,
    },
    s('title', {}, `${node.key} — ${node.state}${node.description ? `\n${node.description}` : ''}`),
    s('rect', { class: 'node-box', width: NODE_WIDTH, height: NODE_HEIGHT, rx: 8 }),
  );
}

/** Marks a node with its freshness: `data-freshness`, a label above the box and a line in its tooltip. */
function decorateFreshness(g: Element, f: FreshnessInfo | undefined): void {
  g.querySelector(':scope > .node-freshness')?.remove();
  const title = g.querySelector(':scope > title');
  if (title) title.textContent = (title.textContent ?? '').replace(/\nFreshness: .*$/s, '');
  if (f === undefined) {
    g.removeAttribute('data-freshness');
    return;
  }
  const text = f.state === 'fresh' ? `fresh · ${freshnessText(f)}` : `overdue · ${freshnessText(f)}`;
  g.setAttribute('data-freshness', f.state);
  if (title) title.textContent += `\nFreshness: ${text}`;
  g.appendChild(s('text', { class: `node-freshness freshness-${f.state}`, x: NODE_WIDTH - 6, y: -5, 'text-anchor': 'end' }, truncate(text, 40)));
}

/** The parts of a node only worth drawing when zoomed in: labels, state stripe and partition bar. */
function nodeDetail(node: GraphNode): SVGElement[] {
  const slash = node.key.lastIndexOf('/');
  const name = slash === -1 ? node.key : node.key.slice(slash + 1);
  const prefix = slash === -1 ? node.group : node.key.slice(0, slash);
  const barWidth = NODE_WIDTH - 20;
  const bar: SVGElement[] = [];
  const total = Math.max(1, node.counts.fresh + node.counts.stale + node.counts.missing + node.counts.failed + (node.counts.upstream_failed ?? 0));
  let offset = 0;
  for (const state of ['fresh', 'stale', 'failed', 'upstream_failed', 'missing'] as const) {
    const count = node.counts[state] ?? 0;
    if (count <= 0) continue;
    const w = Math.max(2, (count / total) * barWidth);
    bar.push(s('rect', { class: `bar bar-${state}`, x: 10 + offset, y: NODE_HEIGHT - 12, width: Math.min(w, barWidth - offset), height: 5, rx: 1.5 }));
    offset += w;
  }
  return [
    s('rect', { class: 'node-stripe', width: 5, height: NODE_HEIGHT - 2, x: 1, y: 1, rx: 2 }),
    s('text', { class: 'node-name', x: 14, y: 20 }, truncate(name, 24)),
    s('text', { class: 'node-meta', x: 14, y: 36 }, truncate(`${prefix} · ${node.kind}`, 22)),
    s('text', { class: 'node-status', x: NODE_WIDTH - 10, y: 36, 'text-anchor': 'end' }, statusLine(node)),
    s('rect', { class: 'bar-track', x: 10, y: NODE_HEIGHT - 12, width: barWidth, height: 5, rx: 1.5 }),
    ...bar,
  ];
}

/** An arrowhead ending at the last point of an edge, as a closed subpath. */
function arrowPath(points: readonly (readonly [number, number])[]): string {
  const last = points[points.length - 1];
  if (!last) return '';
  const [x, y] = last;
  return `M${x - 8},${y - 4}L${x},${y}L${x - 8},${y + 4}Z`;
}

/** Zoom level below which nodes are drawn as plain state-coloured blocks. */
const DETAIL_ZOOM = 0.45;

/**
 * Draws the asset graph as SVG in `container`: layered left-to-right layout, nodes coloured by
 * state with a partition bar, curved edges; wheel zooms, dragging pans, clicking opens an asset.
 */
export function renderGraphView(container: HTMLElement, graph: AssetGraphResponse, options: GraphViewOptions): GraphView {
  const layout = layoutDag(
    graph.nodes.map((n) => n.key),
    graph.edges,
    { nodeWidth: NODE_WIDTH, nodeHeight: NODE_HEIGHT, layerGap: 90, nodeGap: 20 },
  );
  performance.mark('quarry:graph-laid-out');
  // All edges are one path (and all arrowheads another): thousands of edges cost two elements.
  // Hovering a node draws its own edges again on top, highlighted.
  const edgePaths = layout.edges.map((edge) => edgePath(edge.points));
  const edgeLayer = s('g', { class: 'edges' }, s('path', { class: 'edge', d: edgePaths.join('') }), s('path', { class: 'arrow', d: layout.edges.map((e) => arrowPath(e.points)).join('') }));
  const litLayer = s('g', { class: 'lit-edges' });
  const nodeLayer = s('g', { class: 'nodes' });
  const nodesByKey = new Map(graph.nodes.map((n) => [n.key, n]));
  for (const node of graph.nodes) {
    const placed = layout.nodes.get(node.key);
    if (placed) nodeLayer.appendChild(nodeShell(node, placed.x, placed.y));
  }
  const viewport = s('g', { class: 'viewport' }, edgeLayer, litLayer, nodeLayer);
  const svg = s('svg', { class: 'graph-svg', role: 'img', 'aria-label': `Asset graph of ${graph.nodes.length} assets`, 'data-nodes': graph.nodes.length, 'data-edges': layout.edges.length }, viewport);
  container.appendChild(svg);
  performance.mark('quarry:graph-built');

  // Labels and bars are built the first time the view is zoomed in enough to read them, so a
  // 1,000-asset overview draws 1,000 boxes rather than 10,000 elements.
  let detailed = false;
  const addDetail = () => {
    detailed = true;
    for (const element of nodeLayer.children) {
      const node = nodesByKey.get(element.getAttribute('data-key') ?? '');
      if (node) element.append(...nodeDetail(node));
    }
  };

  let k = 1;
  let tx = 0;
  let ty = 0;
  const apply = () => {
    viewport.setAttribute('transform', `translate(${tx},${ty}) scale(${k})`);
    // Zoomed far out, labels are unreadable: nodes become solid state-coloured blocks instead
    // (and the browser skips laying out thousands of text runs).
    svg.classList.toggle('far', k < DETAIL_ZOOM);
    if (!detailed && k >= DETAIL_ZOOM) addDetail();
  };
  const fit = () => {
    const box = container.getBoundingClientRect();
    const pad = 32;
    const width = Math.max(1, layout.width);
    const height = Math.max(1, layout.height);
    k = Math.max(0.04, Math.min(1.1, (box.width - 2 * pad) / width, (box.height - 2 * pad) / height));
    tx = (box.width - width * k) / 2;
    ty = Math.max(pad, (box.height - height * k) / 2);
    apply();
  };
  fit();

  const onWheel = (event: WheelEvent) => {
    event.preventDefault();
    const rect = svg.getBoundingClientRect();
    const mx = event.clientX - rect.left;
    const my = event.clientY - rect.top;
    const factor = Math.exp(-event.deltaY * 0.0015);
    const next = Math.max(0.03, Math.min(3, k * factor));
    tx = mx - ((mx - tx) / k) * next;
    ty = my - ((my - ty) / k) * next;
    k = next;
    apply();
  };
  let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | undefined;
  const onDown = (event: PointerEvent) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, tx, ty, moved: false };
  };
  const onMove = (event: PointerEvent) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) svg.setPointerCapture(event.pointerId);
    drag.moved = true;
    svg.classList.add('panning');
    tx = drag.tx + dx;
    ty = drag.ty + dy;
    apply();
  };
  const onUp = (event: PointerEvent) => {
    const wasDrag = drag?.moved === true;
    drag = undefined;
    svg.classList.remove('panning');
    if (wasDrag) return;
    const node = (event.target as Element).closest?.('g.node');
    const key = node?.getAttribute('data-key');
    if (key) options.onOpen(key);
  };
  const onKey = (event: KeyboardEvent) => {
    const key = (event.target as Element).closest?.('g.node')?.getAttribute('data-key');
    if (key && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      options.onOpen(key);
    }
  };
  // Hovering a node lights up its edges, which shows lineage at a glance in a dense graph.
  let litKey: string | undefined;
  const onOver = (event: PointerEvent) => {
    const key = (event.target as Element).closest?.('g.node')?.getAttribute('data-key') ?? undefined;
    if (key === litKey) return;
    litKey = key;
    litLayer.textContent = '';
    if (!key) return;
    layout.edges.forEach((edge, i) => {
      if (edge.from === key || edge.to === key) litLayer.appendChild(s('path', { class: 'edge lit', d: edgePaths[i]!, 'data-from': edge.from, 'data-to': edge.to }));
    });
  };
  svg.addEventListener('wheel', onWheel, { passive: false });
  svg.addEventListener('pointerdown', onDown);
  svg.addEventListener('pointermove', onMove);
  svg.addEventListener('pointerup', onUp);
  svg.addEventListener('keydown', onKey);
  svg.addEventListener('pointerover', onOver);
  const shown = new Map(graph.nodes.map((n) => [n.key, JSON.stringify(n)]));
  let freshnessByKey: ReadonlyMap<string, FreshnessInfo> = new Map();
  const shownFreshness = new Map<string, string>();
  return {
    layout,
    fit,
    updateNodes(nodes) {
      for (const node of nodes) {
        const text = JSON.stringify(node);
        const placed = layout.nodes.get(node.key);
        if (shown.get(node.key) === text || placed === undefined) continue;
        shown.set(node.key, text);
        nodesByKey.set(node.key, node);
        const old = nodeLayer.querySelector(`g.node[data-key="${CSS.escape(node.key)}"]`);
        const next = nodeShell(node, placed.x, placed.y);
        if (detailed) next.append(...nodeDetail(node));
        decorateFreshness(next, freshnessByKey.get(node.key));
        if (old) old.replaceWith(next);
        else nodeLayer.appendChild(next);
      }
    },
    setFreshness(freshness) {
      freshnessByKey = freshness;
      for (const element of nodeLayer.children) {
        const key = element.getAttribute('data-key') ?? '';
        const f = freshness.get(key);
        const text = f === undefined ? '' : JSON.stringify([f.state, f.lagMs === null ? null : Math.floor(f.lagMs / 60_000), f.maxLag]);
        if ((shownFreshness.get(key) ?? '') === text) continue;
        shownFreshness.set(key, text);
        decorateFreshness(element, f);
      }
    },
    destroy: () => svg.remove(),
  };
}
