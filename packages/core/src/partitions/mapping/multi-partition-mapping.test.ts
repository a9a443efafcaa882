import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { multiPartitions } from '../multi-partitions.ts';
import { PartitionSubset } from '../partition-subset.ts';
import { staticPartitions } from '../static-partitions.ts';
import { dailyPartitions, weeklyPartitions } from '../time-window-partitions.ts';
import { multiPartitionMapping } from './multi-partition-mapping.ts';
import { staticMapping } from './static-mapping.ts';
import { timeWindowMapping } from './time-window-mapping.ts';

const ctx = { now: new Date('2026-02-01T00:00:00Z') };
const regions = staticPartitions(['eu', 'jp', 'us']);
const days = dailyPartitions({ start: '2026-01-01' });
const weeks = weeklyPartitions({ start: '2026-01-01' });
const regionDay = multiPartitions({ region: regions, date: days });
const regionWeek = multiPartitions({ region: regions, date: weeks });
const weekRegion = multiPartitions({ date: weeks, region: regions });

describe('multiPartitionMapping (a mapping per dimension)', () => {
  it('region × day → region × week: a week of a region reads the 7 days of that region', () => {
    const m = multiPartitionMapping({ date: timeWindowMapping() });
    assert.equal(m.id, 'multi(date=time-window(startOffset=0,endOffset=0))');
    const up = m.upstreamFor(regionWeek.subsetOfKeys(['eu|2026-01-11'], ctx), regionWeek, regionDay, ctx);
    assert.deepEqual([...regionDay.keysOf(up, ctx)], ['2026-01-11', '2026-01-12', '2026-01-13', '2026-01-14', '2026-01-15', '2026-01-16', '2026-01-17'].map((d) => `eu|${d}`));
    const down = m.downstreamFor(regionDay.subsetOfKeys(['us|2026-01-12', 'jp|2026-01-20'], ctx), regionDay, regionWeek, ctx);
    assert.deepEqual([...regionWeek.keysOf(down, ctx)], ['jp|2026-01-18', 'us|2026-01-11']);
    // With offsets in the date dimension: a week with the week before.
    const twoWeeks = multiPartitionMapping({ date: timeWindowMapping({ startOffset: -1 }) });
    assert.equal(twoWeeks.upstreamFor(regionWeek.subsetOfKeys(['jp|2026-01-18'], ctx), regionWeek, regionDay, ctx).count, 14);
  });

  it('agrees with a per-key oracle, in both directions and with dimensions in another order', () => {
    const regionMap = staticMapping({ eu: ['eu', 'us'], jp: 'jp', us: 'us' });
    const m = multiPartitionMapping({ date: timeWindowMapping({ startOffset: -1, endOffset: 0 }), region: regionMap });
    for (const down of [regionWeek, weekRegion]) {
      const downSize = down.size(ctx);
      const upSize = regionDay.size(ctx);
      const upstreamOf = (d: number): Set<string> => {
        const parts = down.splitKey(down.keyAt(d, ctx)) as Record<'region' | 'date', string>;
        const r = regionMap.upstreamFor(regions.subsetOfKeys([parts.region]), regions, regions, ctx);
        const t = timeWindowMapping({ startOffset: -1, endOffset: 0 }).upstreamFor(weeks.subsetOfKeys([parts.date], ctx), weeks, days, ctx);
        const out = new Set<string>();
        for (const rk of regions.keysOf(r)) for (const dk of days.keysOf(t, ctx)) out.add(regionDay.joinKey({ region: rk, date: dk }));
        return out;
      };
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 0, max: downSize - 1 }), { maxLength: 5 }), fc.uniqueArray(fc.integer({ min: 0, max: upSize - 1 }), { maxLength: 5 }), (downIdx, upIdx) => {
          const expected = new Set<string>();
          for (const d of downIdx) for (const k of upstreamOf(d)) expected.add(k);
          const got = m.upstreamFor(PartitionSubset.fromIndices(downIdx), down, regionDay, ctx);
          assert.deepEqual(new Set(regionDay.keysOf(got, ctx)), expected);
          const upKeys = new Set(upIdx.map((u) => regionDay.keyAt(u, ctx)));
          const readers: string[] = [];
          for (let d = 0; d < downSize; d++) if ([...upstreamOf(d)].some((k) => upKeys.has(k))) readers.push(down.keyAt(d, ctx));
          assert.deepEqual(new Set(down.keysOf(m.downstreamFor(PartitionSubset.fromIndices(upIdx), regionDay, down, ctx), ctx)), new Set(readers));
        }),
        { numRuns: 60 },
      );
    }
  });

  it('rejects sides that are not multi-partitioned or whose dimensions differ, and validates per dimension', () => {
    const m = multiPartitionMapping({ date: timeWindowMapping() });
    assert.throws(() => m.upstreamFor(PartitionSubset.fromRange(0, 1), weeks, regionDay, ctx), { code: 'QUARRY_BAD_PARTITION_MAPPING' });
    const other = multiPartitions({ country: regions, date: days });
    assert.throws(() => m.validate!(other, regionWeek), {
      code: 'QUARRY_BAD_PARTITION_MAPPING',
      message: `multiPartitionMapping cannot map ${other.id} (upstream) to ${regionWeek.id} (downstream): it needs the same dimension names on both sides (upstream country, date; downstream date, region).`,
    });
    assert.throws(() => multiPartitionMapping({ region: staticMapping({ mars: 'eu' }) }).validate!(regionDay, regionWeek), {
      message: 'staticMapping names upstream key "mars", which is not a key of static(["eu","jp","us"]): fix the mapping or the partitions definition.',
    });
    multiPartitionMapping({ date: timeWindowMapping() }).validate!(regionDay, regionWeek);
  });
});
