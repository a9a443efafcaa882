import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignLayers, countCrossings, isotonic, layoutDag, DEFAULT_DAG_LAYOUT } from './dag-layout.ts';

test('assignLayers puts every node right of its furthest parent and pulls sources next to their child', () => {
  // 0 → 1 → 2 → 3, and source 4 → 3.
  const layers = assignLayers(5, [
    [0, 1],
    [1, 2],
    [2, 3],
    [4, 3],
  ]);
  assert.deepEqual(layers, [0, 1, 2, 3, 2]);
});

test('layoutDag keeps edges pointing right and nodes of a layer apart', () => {
  const ids = ['raw/a', 'raw/b', 'stg/a', 'stg/b', 'mart/x', 'mart/y'];
  const edges = [
    { from: 'raw/a', to: 'stg/a' },
    { from: 'raw/b', to: 'stg/b' },
    { from: 'stg/a', to: 'mart/x' },
    { from: 'stg/b', to: 'mart/x' },
    { from: 'stg/b', to: 'mart/y' },
    { from: 'raw/a', to: 'mart/y' },
  ];
  const layout = layoutDag(ids, edges);
  assert.equal(layout.nodes.size, 6);
  for (const e of edges) assert.ok(layout.nodes.get(e.from)!.layer < layout.nodes.get(e.to)!.layer, `${e.from} left of ${e.to}`);
  const byLayer = new Map<number, number[]>();
  for (const n of layout.nodes.values()) byLayer.set(n.layer, [...(byLayer.get(n.layer) ?? []), n.y]);
  for (const ys of byLayer.values()) {
    ys.sort((a, b) => a - b);
    for (let i = 1; i < ys.length; i++) assert.ok(ys[i]! - ys[i - 1]! >= DEFAULT_DAG_LAYOUT.nodeHeight + DEFAULT_DAG_LAYOUT.nodeGap - 1e-6);
  }
  assert.ok(layout.crossings <= 1);
  // raw/a → mart/y spans two layers, so it is routed through one virtual point.
  assert.equal(layout.edges.find((e) => e.from === 'raw/a' && e.to === 'mart/y')!.points.length, 3);
  assert.ok(layout.width > 0 && layout.height > 0);
});

test('layoutDag removes the crossing of a crossed bipartite pair', () => {
  const layout = layoutDag(['a', 'b', 'c', 'd'], [
    { from: 'a', to: 'd' },
    { from: 'b', to: 'c' },
  ]);
  assert.equal(layout.crossings, 0);
});

test('layoutDag ignores unknown endpoints, self loops and duplicate edges', () => {
  const layout = layoutDag(['a', 'b'], [
    { from: 'a', to: 'b' },
    { from: 'a', to: 'b' },
    { from: 'a', to: 'a' },
    { from: 'zz', to: 'a' },
  ]);
  assert.equal(layout.edges.length, 1);
});

test('layoutDag lays out 1,000 assets', () => {
  const ids: string[] = [];
  const edges: { from: string; to: string }[] = [];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 1000; i++) {
    ids.push(`g${i % 10}/asset_${i}`);
    const parents = i < 50 ? 0 : 1 + Math.floor(rand() * 3);
    for (let p = 0; p < parents; p++) edges.push({ from: ids[Math.floor(rand() * Math.min(i, 200 + i / 2)) + Math.max(0, i - 200 - Math.floor(i / 2))]!, to: ids[i]! });
  }
  const layout = layoutDag(ids, edges);
  assert.equal(layout.nodes.size, 1000);
});

test('countCrossings counts pairs of edges whose ends swap order', () => {
  // upper 0 → lower 1, upper 1 → lower 0: one crossing.
  const down = [[1], [0]];
  assert.equal(countCrossings([0, 1], 2, (v) => down[v]!, (v) => v), 1);
  assert.equal(countCrossings([1, 0], 2, (v) => down[v]!, (v) => v), 0);
});

test('isotonic returns the least-squares non-decreasing fit', () => {
  assert.deepEqual(isotonic([1, 3, 2, 4]), [1, 2.5, 2.5, 4]);
  assert.deepEqual(isotonic([5, 4, 3]), [4, 4, 4]);
  assert.deepEqual(isotonic([]), []);
});
