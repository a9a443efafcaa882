import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PartitionSubset } from '../partition-subset.ts';
import type { PartitionsContext } from '../partitions-definition.ts';
import { staticPartitions } from '../static-partitions.ts';
import type { TimeWindowPartitionsDefinition } from '../time-window-partitions.ts';
import { dailyPartitions, hourlyPartitions, monthlyPartitions, weeklyPartitions } from '../time-window-partitions.ts';
import { timeWindowMapping } from './time-window-mapping.ts';

const ctx: PartitionsContext = { now: new Date('2026-03-01T00:00:00Z') };
const days = dailyPartitions({ start: '2026-01-01' });
const keys = (def: TimeWindowPartitionsDefinition, subset: PartitionSubset, c = ctx): string[] => [...def.keysOf(subset, c)];

/** Brute force: the upstream windows overlapping each downstream window, widened by the offsets. */
function upstreamOracle(
  down: TimeWindowPartitionsDefinition,
  up: TimeWindowPartitionsDefinition,
  subset: PartitionSubset,
  startOffset: number,
  endOffset: number,
  c: PartitionsContext,
): number[] {
  const upSize = up.size(c);
  const result = new Set<number>();
  for (const d of subset.indices()) {
    const w = down.windowOf(d);
    const overlapping: number[] = [];
    for (let u = -100; u < upSize + 100; u++) {
      const uw = up.windowOf(u);
      if (uw.start < w.end && uw.end > w.start) overlapping.push(u);
    }
    for (let u = Math.min(...overlapping) + startOffset; u <= Math.max(...overlapping) + endOffset; u++) if (u >= 0 && u < upSize) result.add(u);
  }
  return [...result].sort((a, b) => a - b);
}

describe('timeWindowMapping', () => {
  it('reads the last 7 days including today', () => {
    const lastWeek = timeWindowMapping({ startOffset: -6, endOffset: 0 });
    assert.equal(lastWeek.id, 'time-window(startOffset=-6,endOffset=0)');
    assert.equal(lastWeek.kind, 'time-window');
    const up = lastWeek.upstreamFor(days.range('2026-02-10', '2026-02-10', ctx), days, days, ctx);
    assert.deepEqual(keys(days, up), ['2026-02-04', '2026-02-05', '2026-02-06', '2026-02-07', '2026-02-08', '2026-02-09', '2026-02-10']);
    assert.deepEqual(lastWeek.upstreamFor(days.range('2026-01-03', '2026-01-03', ctx), days, days, ctx).toJSON(), [0, 3]);
    const down = lastWeek.downstreamFor(days.range('2026-02-10', '2026-02-10', ctx), days, days, ctx);
    assert.deepEqual(down.toJSON(), [days.indexOf('2026-02-10', ctx), days.indexOf('2026-02-16', ctx) + 1]);
    assert.deepEqual(lastWeek.downstreamFor(days.range('2026-02-27', '2026-02-28', ctx), days, days, ctx).toJSON(), [57, 59]);
  });

  it('maps scattered ranges range by range', () => {
    const lastWeek = timeWindowMapping({ startOffset: -6, endOffset: 0 });
    const down = PartitionSubset.fromRanges([[10, 12], [30, 31], [50, 52]]);
    assert.deepEqual(lastWeek.upstreamFor(down, days, days, ctx).toJSON(), [4, 12, 24, 31, 44, 52]);
    assert.deepEqual(lastWeek.downstreamFor(down, days, days, ctx).toJSON(), [10, 18, 30, 37, 50, 58]);
  });

  it('lets a daily asset read its own previous day, clipping the first', () => {
    const previousDay = timeWindowMapping({ startOffset: -1, endOffset: -1 });
    assert.deepEqual(previousDay.upstreamFor(PartitionSubset.fromRange(0, 5), days, days, ctx).toJSON(), [0, 4]);
    assert.ok(previousDay.upstreamFor(PartitionSubset.fromRange(0, 1), days, days, ctx).isEmpty);
    assert.deepEqual(previousDay.downstreamFor(PartitionSubset.fromRange(0, 5), days, days, ctx).toJSON(), [1, 6]);
    assert.deepEqual(previousDay.downstreamFor(PartitionSubset.fromRange(58, 59), days, days, ctx).toJSON(), []);
  });

  it('maps hourly upstream to daily downstream and back, across DST', () => {
    const hours = hourlyPartitions({ start: '2026-03-01', timezone: 'America/New_York' });
    const nyDays = dailyPartitions({ start: '2026-03-01', timezone: 'America/New_York' });
    const c = { now: new Date('2026-04-01T04:00:00Z') };
    const sameWindows = timeWindowMapping();
    const up = sameWindows.upstreamFor(nyDays.range('2026-03-08', '2026-03-08', c), nyDays, hours, c);
    assert.equal(up.count, 23);
    assert.deepEqual(keys(hours, up, c)[0], '2026-03-08-00:00');
    assert.deepEqual(keys(hours, up, c).at(-1), '2026-03-08-23:00');
    assert.equal(sameWindows.upstreamFor(nyDays.range('2026-03-09', '2026-03-09', c), nyDays, hours, c).count, 24);
    const down = sameWindows.downstreamFor(hours.range('2026-03-08-23:00', '2026-03-09-01:00', c), hours, nyDays, c);
    assert.deepEqual(keys(nyDays, down, c), ['2026-03-08', '2026-03-09']);
    const dayBefore = timeWindowMapping({ startOffset: -1, endOffset: 0 });
    assert.equal(dayBefore.upstreamFor(nyDays.range('2026-03-09', '2026-03-09', c), nyDays, hours, c).count, 25);
  });

  it('maps daily upstream to hourly downstream and back', () => {
    const hours = hourlyPartitions({ start: '2026-01-01' });
    const m = timeWindowMapping();
    assert.deepEqual(keys(days, m.upstreamFor(hours.range('2026-01-05-13:00', '2026-01-05-13:00', ctx), hours, days, ctx)), ['2026-01-05']);
    const down = m.downstreamFor(days.range('2026-01-05', '2026-01-05', ctx), days, hours, ctx);
    assert.equal(down.count, 24);
    assert.deepEqual(keys(hours, down).slice(0, 2), ['2026-01-05-00:00', '2026-01-05-01:00']);
  });

  it('maps days to weeks and months', () => {
    const weeks = weeklyPartitions({ start: '2026-01-01' });
    const months = monthlyPartitions({ start: '2028-01-01' });
    const leapDays = dailyPartitions({ start: '2028-01-01' });
    const c = { now: new Date('2028-06-01T00:00:00Z') };
    const m = timeWindowMapping();
    assert.deepEqual(keys(days, m.upstreamFor(weeks.range('2026-01-11', '2026-01-11', ctx), weeks, days, ctx)), [
      '2026-01-11', '2026-01-12', '2026-01-13', '2026-01-14', '2026-01-15', '2026-01-16', '2026-01-17',
    ]);
    const february = m.upstreamFor(months.range('2028-02-01', '2028-02-01', c), months, leapDays, c);
    assert.equal(february.count, 29);
    assert.deepEqual(keys(months, m.downstreamFor(leapDays.range('2028-02-28', '2028-03-01', c), leapDays, months, c), c), ['2028-02-01', '2028-03-01']);
    // Week 2026-01-25 … 2026-01-31 lies in January; the week of 2026-02-01 starts February.
    const monthly2026 = monthlyPartitions({ start: '2026-01-01' });
    assert.deepEqual(keys(weeks, m.upstreamFor(monthly2026.range('2026-02-01', '2026-02-01', ctx), monthly2026, weeks, ctx)), [
      '2026-02-01', '2026-02-08', '2026-02-15', '2026-02-22',
    ]);
  });

  it('agrees with a brute-force window-overlap oracle', () => {
    const c = { now: new Date('2026-03-20T00:00:00Z') };
    const pairs: [TimeWindowPartitionsDefinition, TimeWindowPartitionsDefinition][] = [
      [dailyPartitions({ start: '2026-03-01', timezone: 'America/New_York' }), hourlyPartitions({ start: '2026-03-05', timezone: 'America/New_York' })],
      [hourlyPartitions({ start: '2026-03-07', timezone: 'America/New_York' }), dailyPartitions({ start: '2026-03-01', timezone: 'America/New_York' })],
      [weeklyPartitions({ start: '2026-01-01', weekStartsOn: 3 }), dailyPartitions({ start: '2026-01-10', timezone: 'Asia/Tokyo' })],
      [dailyPartitions({ start: '2026-01-01', timezone: 'Europe/Berlin' }), dailyPartitions({ start: '2026-01-05' })],
    ];
    for (const [down, up] of pairs) {
      const downSize = down.size(c);
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.integer({ min: 0, max: downSize - 1 }), { maxLength: 6 }),
          fc.integer({ min: -3, max: 1 }),
          fc.integer({ min: 0, max: 3 }),
          (indices, startOffset, width) => {
            const m = timeWindowMapping({ startOffset, endOffset: startOffset + width });
            const subset = PartitionSubset.fromIndices(indices);
            assert.deepEqual([...m.upstreamFor(subset, down, up, c).indices()], upstreamOracle(down, up, subset, startOffset, startOffset + width, c));
            // Downstream oracle: the partitions whose upstream set meets the given upstream subset.
            const upSubset = PartitionSubset.fromIndices(indices.map((i) => Math.min(i, up.size(c) - 1)));
            const expected: number[] = [];
            for (let d = 0; d < downSize; d++) {
              if (!m.upstreamFor(PartitionSubset.fromRange(d, d + 1), down, up, c).intersect(upSubset).isEmpty) expected.push(d);
            }
            assert.deepEqual([...m.downstreamFor(upSubset, up, down, c).indices()], expected);
          },
        ),
        { numRuns: 40 },
      );
    }
  });

  it('rejects bad offsets and definitions that are not time windows', () => {
    assert.throws(() => timeWindowMapping({ startOffset: 1, endOffset: 0 }), {
      code: 'QUARRY_BAD_PARTITION_MAPPING',
      message:
        'timeWindowMapping offsets { startOffset: 1, endOffset: 0 } are not integers with startOffset <= endOffset: e.g. { startOffset: -6, endOffset: 0 } reads the last 7 upstream windows.',
    });
    const genres = staticPartitions(['music']);
    assert.throws(() => timeWindowMapping().upstreamFor(PartitionSubset.fromRange(0, 1), days, genres, ctx), {
      code: 'QUARRY_BAD_PARTITION_MAPPING',
      message: `timeWindowMapping cannot map static(["music"]) (upstream) to ${days.id} (downstream): it needs time-window partitions on both sides; use allMapping, staticMapping or customMapping.`,
    });
    assert.throws(() => timeWindowMapping().downstreamFor(PartitionSubset.fromRange(0, 1), undefined, days, ctx), { code: 'QUARRY_BAD_PARTITION_MAPPING' });
    assert.throws(() => timeWindowMapping().upstreamFor(PartitionSubset.fromRange(0, 100), days, days, ctx), { code: 'QUARRY_BAD_SUBSET' });
  });
});
