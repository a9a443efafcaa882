import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionSubset } from '../partition-subset.ts';
import { staticPartitions } from '../static-partitions.ts';
import { dailyPartitions } from '../time-window-partitions.ts';
import { lastMapping } from './last-mapping.ts';

describe('lastMapping', () => {
  const ctx = { now: new Date('2026-01-11T00:00:00Z') };
  const days = dailyPartitions({ start: '2026-01-01' });
  const genres = staticPartitions(['music', 'sports', 'comedy']);
  const last = lastMapping();

  it('reads only the latest upstream partition', () => {
    assert.equal(last.id, 'last');
    assert.deepEqual(last.upstreamFor(PartitionSubset.fromRange(0, 3), genres, days, ctx).toJSON(), [9, 10]);
    assert.deepEqual([...days.keysOf(last.upstreamFor(PartitionSubset.fromRange(0, 1), genres, days, ctx), ctx)], ['2026-01-10']);
    assert.ok(last.upstreamFor(PartitionSubset.empty(), genres, days, ctx).isEmpty);
    assert.ok(last.upstreamFor(PartitionSubset.fromRange(0, 1), genres, days, { now: new Date('2025-12-01T00:00:00Z') }).isEmpty);
  });

  it('affects every downstream partition only when the latest upstream one changes', () => {
    assert.deepEqual(last.downstreamFor(PartitionSubset.fromRange(8, 10), days, genres, ctx).toJSON(), [0, 3]);
    assert.ok(last.downstreamFor(PartitionSubset.fromRange(0, 9), days, genres, ctx).isEmpty);
    assert.deepEqual(last.downstreamFor(PartitionSubset.fromRange(0, 1), undefined, genres, ctx).toJSON(), [0, 3]);
    assert.deepEqual(last.upstreamFor(PartitionSubset.fromRange(0, 1), genres, undefined, ctx).toJSON(), [0, 1]);
  });
});
