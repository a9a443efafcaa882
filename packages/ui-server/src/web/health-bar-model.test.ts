import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PARTITION_STATES,
  columnRuns,
  countsInView,
  indexAtX,
  mergeRanges,
  panView,
  pixelCoverage,
  stateAt,
  tickIndices,
  viewOfRange,
  zoomView,
} from './health-bar-model.ts';

const S = PARTITION_STATES.length;
const at = (state: (typeof PARTITION_STATES)[number]) => PARTITION_STATES.indexOf(state);

test('mergeRanges sorts segments of all states by start and stateAt finds them', () => {
  const segments = mergeRanges({ fresh: [[0, 10], [20, 30]], missing: [[10, 20]], failed: [[30, 31]] });
  assert.equal(segments.length, 4);
  assert.deepEqual([...segments.starts], [0, 10, 20, 30]);
  assert.equal(stateAt(segments, 0), 'fresh');
  assert.equal(stateAt(segments, 15), 'missing');
  assert.equal(stateAt(segments, 30), 'failed');
  assert.equal(stateAt(segments, 31), undefined);
});

test('pixelCoverage splits partitions over pixels exactly', () => {
  const segments = mergeRanges({ fresh: [[0, 3]], missing: [[3, 4]] });
  const coverage = pixelCoverage(segments, { start: 0, end: 4 }, 2);
  assert.equal(coverage[0 * S + at('fresh')], 2);
  assert.equal(coverage[1 * S + at('fresh')], 1);
  assert.equal(coverage[1 * S + at('missing')], 1);
  const total = coverage.reduce((a, b) => a + b, 0);
  assert.equal(total, 4);
});

test('pixelCoverage of 1,000,000 partitions in 100,000 ranges sums to the view', () => {
  const fresh: [number, number][] = [];
  const missing: [number, number][] = [];
  for (let i = 0; i < 1_000_000; i += 10) {
    fresh.push([i, i + 7]);
    missing.push([i + 7, i + 10]);
  }
  const segments = mergeRanges({ fresh, missing });
  const coverage = pixelCoverage(segments, { start: 0, end: 1_000_000 }, 1200);
  const runs = columnRuns(coverage, 1200, 40);
  const sum = coverage.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1_000_000) < 1e-3, `coverage sums to ${sum}`);
  assert.ok(Math.abs(coverage[5 * S + at('fresh')]! / (1_000_000 / 1200) - 0.7) < 0.02);
  assert.ok(runs.length >= 1 && runs.length <= 1200);
});

test('a zoomed-in view only visits the segments it shows', () => {
  const segments = mergeRanges({ fresh: [[0, 500_000]], stale: [[500_000, 500_001]], missing: [[500_001, 1_000_000]] });
  const coverage = pixelCoverage(segments, { start: 499_990, end: 500_010 }, 20);
  assert.equal(coverage[10 * S + at('stale')], 1);
  assert.equal(coverage[9 * S + at('fresh')], 1);
  assert.equal(coverage[11 * S + at('missing')], 1);
});

test('columnRuns keeps one failed partition among a million visible and merges equal columns', () => {
  const segments = mergeRanges({ fresh: [[0, 600_000], [600_001, 1_000_000]], failed: [[600_000, 600_001]] });
  const runs = columnRuns(pixelCoverage(segments, { start: 0, end: 1_000_000 }, 1000), 1000, 30);
  const failedRun = runs.find((r) => r.heights[at('failed')]! > 0)!;
  assert.ok(failedRun.heights[at('failed')]! >= 0.34 * 30 - 0.01);
  assert.equal(failedRun.x, 600);
  assert.equal(runs.length, 3);
  for (const run of runs) assert.ok(Math.abs(run.heights.reduce((a, b) => a + b, 0) - 30) < 0.05);
});

test('indexAtX, zoomView, panView and viewOfRange clamp to the partitions', () => {
  const view = { start: 0, end: 1_000_000 };
  assert.equal(indexAtX(500, 1000, view, 1_000_000), 500_000);
  assert.equal(indexAtX(5000, 1000, view, 1_000_000), 999_999);
  const zoomed = zoomView(view, 500_000, 0.5, 1_000_000);
  assert.deepEqual(zoomed, { start: 250_000, end: 750_000 });
  assert.deepEqual(zoomView({ start: 0, end: 10 }, 5, 0.01, 1_000_000), { start: 1, end: 9 });
  assert.deepEqual(zoomView(zoomed, 0, 100, 1_000_000), view);
  assert.deepEqual(panView(zoomed, 900_000, 1_000_000), { start: 500_000, end: 1_000_000 });
  assert.deepEqual(viewOfRange(7, 3, 100), { start: 3, end: 8 });
});

test('tickIndices spreads at most `count` whole indices over the view', () => {
  assert.deepEqual(tickIndices({ start: 0, end: 3 }, 3, 6), [0, 1, 2]);
  const ticks = tickIndices({ start: 0, end: 1_000_000 }, 1_000_000, 5);
  assert.deepEqual(ticks, [0, 249_999.75, 499_999.5, 749_999.25, 999_999].map(Math.round));
});

test('countsInView counts whole partitions per state inside the view', () => {
  const segments = mergeRanges({ fresh: [[0, 10]], missing: [[10, 20]] });
  assert.deepEqual(countsInView(segments, { start: 5, end: 15 }), { failed: 0, running: 0, stale: 0, missing: 5, fresh: 5, upstream_failed: 0 });
});
