import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionSubset } from '../partition-subset.ts';
import { staticPartitions } from '../static-partitions.ts';
import { dailyPartitions } from '../time-window-partitions.ts';
import { allMapping } from './all-mapping.ts';

describe('allMapping', () => {
  const ctx = { now: new Date('2026-01-11T00:00:00Z') };
  const days = dailyPartitions({ start: '2026-01-01' });
  const genres = staticPartitions(['music', 'sports', 'comedy']);
  const all = allMapping();

  it('makes every downstream partition read every upstream partition', () => {
    assert.equal(all.id, 'all');
    assert.deepEqual(all.upstreamFor(PartitionSubset.fromRange(3, 4), days, genres, ctx).toJSON(), [0, 3]);
    assert.deepEqual(all.downstreamFor(PartitionSubset.fromRange(1, 2), genres, days, ctx).toJSON(), [0, 10]);
    assert.ok(all.upstreamFor(PartitionSubset.empty(), days, genres, ctx).isEmpty);
    assert.ok(all.downstreamFor(PartitionSubset.empty(), genres, days, ctx).isEmpty);
  });

  it('treats an unpartitioned side as one partition', () => {
    assert.deepEqual(all.upstreamFor(PartitionSubset.fromRange(0, 1), undefined, days, ctx).toJSON(), [0, 10]);
    assert.deepEqual(all.upstreamFor(PartitionSubset.fromRange(4, 6), days, undefined, ctx).toJSON(), [0, 1]);
    assert.deepEqual(all.downstreamFor(PartitionSubset.fromRange(0, 1), undefined, days, ctx).toJSON(), [0, 10]);
    assert.deepEqual(all.downstreamFor(PartitionSubset.fromRange(2, 3), days, undefined, ctx).toJSON(), [0, 1]);
  });
});
