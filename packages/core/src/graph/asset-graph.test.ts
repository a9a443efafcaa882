import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineAsset, self, type AnyAssetDefinition } from '../definitions/index.ts';
import { isQuarryError } from '../errors.ts';
import { dailyPartitions, identityMapping, timeWindowMapping } from '../partitions/index.ts';
import { AssetGraph } from './asset-graph.ts';
import { parseSelection, resolveSelection } from './selection.ts';

const sql = 'select 1 as x';
const a = defineAsset({ key: 'raw/a', sql, group: 'raw', owners: ['ann'], tags: { tier: 'gold' } });
const b = defineAsset({ key: 'raw/b', sql, group: 'raw' });
const c = defineAsset({ key: 'stg/c', sql, deps: { a, b }, owners: ['bob'] });
const d = defineAsset({ key: 'marts/d', sql, deps: { c }, tags: { tier: 'gold', pii: 'yes' } });
const e = defineAsset({ key: 'marts/e', sql, deps: { c, a } });
const graph = AssetGraph.fromAssets([e, d, c, b, a]);

test('topological order puts upstream first and is deterministic', () => {
  assert.deepEqual(graph.topologicalOrder(), ['raw/a', 'raw/b', 'stg/c', 'marts/d', 'marts/e']);
  assert.deepEqual(AssetGraph.fromAssets([a, b, c, d, e]).topologicalOrder(), graph.topologicalOrder());
});

test('parents, children and closures', () => {
  assert.deepEqual(graph.parents('marts/e'), ['raw/a', 'stg/c']);
  assert.deepEqual(graph.children('raw/a'), ['marts/e', 'stg/c']);
  assert.deepEqual(graph.upstreamClosure(['marts/d']), ['raw/a', 'raw/b', 'stg/c', 'marts/d']);
  assert.deepEqual(graph.downstreamClosure(['raw/b']), ['raw/b', 'stg/c', 'marts/d', 'marts/e']);
  assert.deepEqual(graph.upstreamClosure(['marts/d'], 1), ['stg/c', 'marts/d']);
});

function cycleOf(assets: AnyAssetDefinition[]): string {
  try {
    AssetGraph.fromAssets(assets);
  } catch (error) {
    assert.ok(isQuarryError(error, 'QUARRY_ASSET_CYCLE'));
    return error.message;
  }
  assert.fail('expected a cycle error');
}

test('a cycle error names the cycle path', () => {
  // Build a cycle by mutating deps after definition (definitions are frozen, so copy objects).
  const x = { ...defineAsset({ key: 'x', sql }), deps: {} as Record<string, unknown> };
  const y = { ...defineAsset({ key: 'y', sql }), deps: { x: { asset: x } } };
  const z = { ...defineAsset({ key: 'z', sql }), deps: { y: { asset: y } } };
  x.deps = { z: { asset: z } };
  const message = cycleOf([x, y, z] as unknown as AnyAssetDefinition[]);
  assert.equal(message, 'The asset graph has a cycle: x -> y -> z -> x. Remove one of these dependencies.');
});

test('missing and duplicate keys are clear errors', () => {
  assert.throws(() => AssetGraph.fromAssets([c, a]), {
    code: 'QUARRY_MISSING_ASSET',
    message: 'Asset "stg/c" depends on "raw/b" (as "b"), which is not in the project: add it to defineProject({ assets }).',
  });
  assert.throws(() => AssetGraph.fromAssets([a, defineAsset({ key: 'raw/a', sql: 'select 2' })]), {
    code: 'QUARRY_DUPLICATE_ASSET',
    message: 'Two assets share the key "raw/a": rename one of them.',
  });
});

test('unknown asset suggests close keys', () => {
  assert.throws(() => graph.get('raw/aa'), { code: 'QUARRY_UNKNOWN_ASSET', message: 'Unknown asset "raw/aa". Did you mean "raw/a" or "raw/b"?' });
});

test('selection syntax: key, +key, key+, +key+, group, tag, owner, union, all', () => {
  const sel = (s: string) => resolveSelection(graph, s);
  assert.deepEqual(sel('stg/c'), ['stg/c']);
  assert.deepEqual(sel('+stg/c'), ['raw/a', 'raw/b', 'stg/c']);
  assert.deepEqual(sel('stg/c+'), ['stg/c', 'marts/d', 'marts/e']);
  assert.deepEqual(sel('+marts/d+'), ['raw/a', 'raw/b', 'stg/c', 'marts/d']);
  assert.deepEqual(sel('group:raw'), ['raw/a', 'raw/b']);
  assert.deepEqual(sel('tag:tier=gold'), ['raw/a', 'marts/d']);
  assert.deepEqual(sel('tag:pii'), ['marts/d']);
  assert.deepEqual(sel('owner:bob'), ['stg/c']);
  assert.deepEqual(sel('owner:bob, raw/b+'), ['raw/b', 'stg/c', 'marts/d', 'marts/e']);
  assert.deepEqual(sel('*'), graph.topologicalOrder());
  assert.deepEqual(sel('group:nothing'), []);
});

test('malformed selections are QUARRY_BAD_SELECTION naming the term', () => {
  assert.throws(() => parseSelection(''), { code: 'QUARRY_BAD_SELECTION' });
  assert.throws(() => parseSelection('a,,b'), /empty term/);
  assert.throws(() => parseSelection('++a'), /more than one \+/);
  assert.throws(() => parseSelection('colour:red'), /"colour:" is not a selection prefix/);
  assert.throws(() => parseSelection('raw/../etc'), /"raw\/..\/etc" is not an asset key/);
  assert.throws(() => resolveSelection(graph, 'nope+'), { code: 'QUARRY_UNKNOWN_ASSET' });
});

test('a self-dependency that reads its own or a later partition is rejected at load, naming the asset and the mapping', () => {
  const partitions = dailyPartitions({ start: '2026-01-01', end: '2026-01-11' });
  const snapshot = (mapping: Parameters<typeof self>[0]) => defineAsset({ key: 'core/snapshot', sql, partitions, deps: { previous: self(mapping) } });
  for (const [mapping, id] of [
    [timeWindowMapping({ startOffset: 0, endOffset: 0 }), 'time-window(startOffset=0,endOffset=0)'],
    [timeWindowMapping({ startOffset: -1, endOffset: 0 }), 'time-window(startOffset=-1,endOffset=0)'],
    [timeWindowMapping({ startOffset: 1, endOffset: 1 }), 'time-window(startOffset=1,endOffset=1)'],
    [identityMapping(), 'identity'],
  ] as const) {
    assert.throws(
      () => AssetGraph.fromAssets([snapshot(mapping)]),
      (error: unknown) =>
        isQuarryError(error, 'QUARRY_BAD_PARTITION_MAPPING') &&
        error.message.includes('Asset "core/snapshot"') &&
        error.message.includes('"previous"') &&
        error.message.includes(id) &&
        error.message.includes('strictly backward'),
      id,
    );
  }
  // Backward-looking windows load.
  for (const mapping of [timeWindowMapping({ startOffset: -1, endOffset: -1 }), timeWindowMapping({ startOffset: -7, endOffset: -1 })]) {
    assert.equal(AssetGraph.fromAssets([snapshot(mapping)]).size, 1);
  }
});
