import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionSubset } from '../partition-subset.ts';
import { dailyPartitions, monthlyPartitions } from '../time-window-partitions.ts';
import { customMapping } from './custom-mapping.ts';

describe('customMapping', () => {
  const ctx = { now: new Date('2026-04-01T00:00:00Z') };
  const days = dailyPartitions({ start: '2026-01-01' });
  const months = monthlyPartitions({ start: '2026-01-01', format: 'yyyy-MM' });
  const monthOfDay = customMapping({
    id: 'month-of-day@1',
    upstreamFor: (dayKeys) => dayKeys.map((d) => d.slice(0, 7)),
    downstreamFor: (monthKeys, c) => [...days.keysOf(days.all(c), c)].filter((d) => monthKeys.includes(d.slice(0, 7))),
  });

  it('runs the user functions on keys in both directions', () => {
    assert.equal(monthOfDay.id, 'custom(month-of-day@1)');
    assert.equal(monthOfDay.kind, 'custom');
    const up = monthOfDay.upstreamFor(days.range('2026-01-30', '2026-02-02', ctx), days, months, ctx);
    assert.deepEqual([...months.keysOf(up, ctx)], ['2026-01', '2026-02']);
    const down = monthOfDay.downstreamFor(months.subsetOfKeys(['2026-02'], ctx), months, days, ctx);
    assert.deepEqual(down.toJSON(), [31, 59]);
  });

  it('passes the unpartitioned side as the key ""', () => {
    const seen: string[][] = [];
    const m = customMapping({
      id: 'spy',
      upstreamFor: (keys) => {
        seen.push([...keys]);
        return ['2026-01-01'];
      },
      downstreamFor: () => [''],
    });
    assert.deepEqual(m.upstreamFor(PartitionSubset.fromRange(0, 1), undefined, days, ctx).toJSON(), [0, 1]);
    assert.deepEqual(seen, [['']]);
    assert.deepEqual(m.downstreamFor(PartitionSubset.fromRange(0, 1), days, undefined, ctx).toJSON(), [0, 1]);
  });

  it('reports keys the functions return that do not exist', () => {
    // Upstream keys that do not exist (yet) are left out and reported for the planner to block on.
    const future = customMapping({ id: 'future', upstreamFor: () => ['2027-01'], downstreamFor: () => [] });
    assert.ok(future.upstreamFor(PartitionSubset.fromRange(0, 1), days, months, ctx).isEmpty);
    assert.deepEqual(future.nonexistentUpstreamFor!(PartitionSubset.fromRange(0, 1), days, months, ctx).ranges, [{ from: '2027-01', to: '2027-01', count: 1 }]);
    // Downstream keys must exist.
    const bad = customMapping({ id: 'bad', upstreamFor: () => [], downstreamFor: () => ['2027-01-01'] });
    assert.throws(() => bad.downstreamFor(PartitionSubset.fromRange(0, 1), months, days, ctx), {
      code: 'QUARRY_BAD_PARTITION_MAPPING',
      message: `Custom mapping "bad" downstreamFor returned a bad key. Partition key "2027-01-01" is not a key of ${days.id}: expected yyyy-MM-dd from 2026-01-01 to 2026-03-31.`,
    });
    assert.throws(() => customMapping({ id: '', upstreamFor: () => [], downstreamFor: () => [] }), { code: 'QUARRY_BAD_PARTITION_MAPPING' });
  });
});
