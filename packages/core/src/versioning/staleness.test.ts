import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { defineAsset, type AssetKey } from '../definitions/index.ts';
import { AssetGraph } from '../graph/index.ts';
import { allMapping, dailyPartitions, PartitionSubset, timeWindowMapping, type PartitionMapping, type PartitionsContext } from '../partitions/index.ts';
import { AssetState, type CurrentPartitionColumns } from './asset-state.ts';
import { inputFingerprint, sourceVersionOf } from './input-fingerprint.ts';
import { computeStaleness, currentInputs, resolvedDependencies, upstreamSubset } from './staleness.ts';

const ctx: PartitionsContext = { now: new Date('2026-03-01T00:00:00Z') };
const daily = dailyPartitions({ start: '2026-01-01', end: '2026-01-31' });
const SIZE = daily.size(ctx);

/** One partition's current version as a random history leaves it (undefined: never materialized). */
interface Row {
  readonly codeVersion: string;
  readonly dataSeq: number;
  readonly dataVersion: string;
  readonly inputSeq: number;
  /** Keep the fingerprint of the inputs read now (fresh), or record another one. */
  readonly freshInputs: boolean;
}

const rowArb: fc.Arbitrary<Row | undefined> = fc.option(
  fc.record({
    codeVersion: fc.constantFrom('c1', 'c1', 'c1', 'c0'),
    dataSeq: fc.integer({ min: 1, max: 40 }),
    dataVersion: fc.constantFrom('v1', 'v2'),
    inputSeq: fc.integer({ min: 0, max: 40 }),
    freshInputs: fc.boolean(),
  }),
  { freq: 5, nil: undefined },
);

const MAPPINGS: Readonly<Record<string, PartitionMapping | undefined>> = {
  identity: undefined,
  all: allMapping(),
  lookback: timeWindowMapping({ startOffset: -2, endOffset: 0 }),
  previous: timeWindowMapping({ startOffset: -1, endOffset: -1, allowNonexistentUpstream: true }),
};

/** A state built the way the instance builds it: columns of the materialized rows, keys mapped by the definition. */
function stateOf(key: AssetKey, partitioned: boolean, rows: readonly (Row | undefined)[], fingerprintOf: (index: number, row: Row) => string | null): AssetState {
  const keys: string[] = [];
  const codeVersions: string[] = [];
  const dataSeqs: number[] = [];
  const maxInputSeqs: number[] = [];
  const dataVersions: string[] = [];
  const fingerprints: (string | null)[] = [];
  rows.forEach((row, index) => {
    if (row === undefined) return;
    keys.push(partitioned ? daily.keyAt(index, ctx) : '');
    codeVersions.push(row.codeVersion);
    dataSeqs.push(row.dataSeq);
    maxInputSeqs.push(row.inputSeq);
    dataVersions.push(row.dataVersion);
    fingerprints.push(fingerprintOf(index, row));
  });
  return AssetState.fromColumns(key, partitioned ? daily : undefined, { keys, codeVersions, dataSeqs, maxInputSeqs }, [], ctx, () => ({ keys, dataVersions, inputFingerprints: fingerprints }));
}

/**
 * The straightforward per-partition answer (the computation before range-based staleness): each
 * materialized target partition compares its code version, then each dependency's upstream
 * sequences, then confirms with a freshly computed fingerprint.
 */
function referenceDirect(graph: AssetGraph, key: AssetKey, target: PartitionSubset, state: (k: AssetKey) => AssetState, codeVersion: string) {
  const asset = graph.get(key);
  if (asset.type !== 'asset') throw new Error('not an asset');
  const own = state(key);
  const codeChanged: number[] = [];
  const upstreamChanged = new Map<number, { asset: AssetKey; partition: string }>();
  for (const i of target.intersect(own.materialized).indices()) {
    if (own.codeVersionAt(i) !== codeVersion) {
      codeChanged.push(i);
      continue;
    }
    const inputSeq = own.inputSeqAt(i);
    let culprit: { asset: AssetKey; partition: string } | undefined;
    for (const dep of resolvedDependencies(asset)) {
      const up = upstreamSubset(asset, dep, PartitionSubset.fromRange(i, i + 1), ctx);
      const upState = state(dep.upstream);
      if (upState.maxDataSeq(up) <= inputSeq) continue;
      for (const j of up.indices()) {
        if (upState.dataSeqAt(j) > inputSeq) {
          culprit = { asset: dep.upstream, partition: dep.upstreamDefinition ? dep.upstreamDefinition.keyAt(j, ctx) : '' };
          break;
        }
      }
      break;
    }
    if (culprit === undefined) continue;
    const fingerprint = own.fingerprintAt(i);
    const now = inputFingerprint(currentInputs(asset, PartitionSubset.fromRange(i, i + 1), state, ctx), sourceVersionOf(fingerprint));
    if (now !== fingerprint) upstreamChanged.set(i, culprit);
  }
  return { codeChanged, upstreamChanged };
}

describe('computeStaleness over ranges', () => {
  it('gives, on random histories and mappings, exactly the per-partition answer of the straightforward computation', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(MAPPINGS)),
        fc.boolean(),
        fc.array(rowArb, { minLength: SIZE, maxLength: SIZE }),
        fc.array(rowArb, { minLength: SIZE, maxLength: SIZE }),
        rowArb,
        fc.integer({ min: 0, max: SIZE - 1 }),
        fc.integer({ min: 1, max: SIZE }),
        (mappingName, withConfig, upRows, downRows, configRow, from, length) => {
          const up = defineAsset({ key: 'up', partitions: daily, sql: 'select 1 as x' });
          const config = defineAsset({ key: 'config', sql: 'select 1 as x' });
          const mapping = MAPPINGS[mappingName];
          const down = defineAsset({
            key: 'down',
            partitions: daily,
            deps: { up: mapping === undefined ? up : { asset: up, mapping }, ...(withConfig ? { config } : {}) },
            sql: 'select 1 as x',
          });
          const graph = AssetGraph.fromAssets([up, config, down]);
          const states = new Map<AssetKey, AssetState>();
          const state = (k: AssetKey): AssetState => states.get(k)!;
          states.set('up', stateOf('up', true, upRows, () => null));
          states.set('config', stateOf('config', false, [configRow], () => null));
          // The fingerprint a fresh row recorded: that of the inputs it reads now.
          states.set('down', stateOf('down', true, downRows, (index, row) =>
            row.freshInputs ? inputFingerprint(currentInputs(down, PartitionSubset.fromRange(index, index + 1), state, ctx), undefined) : `other-${index}`));
          const target = PartitionSubset.fromRange(from, Math.min(SIZE, from + length));
          const result = computeStaleness({
            graph,
            selected: ['up', 'config', 'down'],
            targets: new Map([['up', daily.all(ctx)], ['config', PartitionSubset.fromRange(0, 1)], ['down', target]]),
            state,
            codeVersion: () => 'c1',
            ctx,
          }).get('down')!;
          const expected = referenceDirect(graph, 'down', target, state, 'c1');
          assert.deepEqual([...result.codeChanged.indices()], expected.codeChanged);
          assert.deepEqual([...result.upstreamChanged.indices()], [...expected.upstreamChanged.keys()]);
          for (const [i, culprit] of expected.upstreamChanged) assert.deepEqual(result.reasonAt(i), { cause: 'upstream_changed', upstream: culprit });
          for (const i of expected.codeChanged) assert.equal(result.reasonAt(i)?.cause, 'code_changed');
          assert.deepEqual([...result.missing.indices()], [...target.difference(state('down').materialized).indices()]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('AssetState', () => {
  it('withCodeVersion holds exactly the materialized partitions of that code version', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: SIZE, maxLength: SIZE }), (rows) => {
        const state = stateOf('a', true, rows, () => null);
        for (const version of ['c0', 'c1', 'c9']) {
          const expected = rows.flatMap((row, i) => (row?.codeVersion === version ? [i] : []));
          assert.deepEqual([...state.withCodeVersion(version).indices()], expected);
        }
        assert.deepEqual([...state.materialized.indices()], rows.flatMap((row, i) => (row === undefined ? [] : [i])));
      }),
      { numRuns: 200 },
    );
  });

  it('reuses the key layout of the same columns only for the same definition and size', () => {
    const columns: CurrentPartitionColumns = { keys: ['2026-01-02', '2026-01-05'], codeVersions: ['c1', 'c0'], dataSeqs: [3, 4], maxInputSeqs: [0, 0] };
    const load = () => ({ keys: columns.keys, dataVersions: ['v1', 'v2'], inputFingerprints: [null, null] });
    const first = AssetState.fromColumns('a', daily, columns, ['2026-01-03'], ctx, load);
    const again = AssetState.fromColumns('a', daily, columns, [], ctx, load);
    assert.deepEqual([...again.materialized.indices()], [1, 4]);
    assert.deepEqual([...first.failed.indices()], [2]);
    assert.deepEqual([...again.failed.indices()], [], 'failures are not part of the layout');
    // Fewer partitions (an earlier clock): the key beyond the end is not materialized.
    const shorter = AssetState.fromColumns('a', daily, columns, [], { now: new Date('2026-01-04T00:00:00Z') }, load);
    assert.equal(shorter.size, 3);
    assert.deepEqual([...shorter.materialized.indices()], [1]);
    // Another definition maps the same keys to other indices.
    const later = dailyPartitions({ start: '2026-01-02', end: '2026-01-31' });
    assert.deepEqual([...AssetState.fromColumns('a', later, columns, [], ctx, load).materialized.indices()], [0, 3]);
  });
});
