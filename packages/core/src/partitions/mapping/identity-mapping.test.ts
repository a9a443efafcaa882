import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionSubset } from '../partition-subset.ts';
import { staticPartitions } from '../static-partitions.ts';
import { dailyPartitions } from '../time-window-partitions.ts';
import { identityMapping } from './identity-mapping.ts';

const ctx = { now: new Date('2026-02-01T00:00:00Z') };

describe('identityMapping', () => {
  const identity = identityMapping();
  const days = dailyPartitions({ start: '2026-01-01' });

  it('passes subsets through between equal definitions', () => {
    assert.equal(identity.id, 'identity');
    const subset = PartitionSubset.fromRanges([[0, 3], [10, 12]]);
    assert.ok(identity.upstreamFor(subset, days, days, ctx).equals(subset));
    assert.ok(identity.downstreamFor(subset, days, dailyPartitions({ start: '2026-01-01' }), ctx).equals(subset));
  });

  it('matches windows between time windows of the same grain that start apart', () => {
    const later = dailyPartitions({ start: '2026-01-10', format: 'yyyyMMdd' });
    assert.deepEqual(identity.upstreamFor(PartitionSubset.fromRange(0, 3), later, days, ctx).toJSON(), [9, 12]);
    assert.deepEqual(identity.downstreamFor(PartitionSubset.fromRange(5, 12), days, later, ctx).toJSON(), [0, 3]);
  });

  it('matches keys between other definitions, dropping keys the other side lacks', () => {
    const a = staticPartitions(['x', 'y', 'z']);
    const b = staticPartitions(['z', 'x']);
    assert.deepEqual(identity.upstreamFor(PartitionSubset.fromRange(0, 2), b, a, ctx).toJSON(), [0, 1, 2, 3]);
    assert.deepEqual(identity.downstreamFor(PartitionSubset.fromRange(0, 2), a, b, ctx).toJSON(), [1, 2]);
  });

  it('maps unpartitioned to unpartitioned and refuses a partitioned side', () => {
    assert.deepEqual(identity.upstreamFor(PartitionSubset.fromRange(0, 1), undefined, undefined).toJSON(), [0, 1]);
    assert.throws(() => identity.upstreamFor(PartitionSubset.fromRange(0, 1), days, undefined, ctx), {
      code: 'QUARRY_BAD_PARTITION_MAPPING',
      message: `identityMapping cannot map unpartitioned (upstream) to ${days.id} (downstream): it needs both sides partitioned or both unpartitioned; use allMapping.`,
    });
  });
});
