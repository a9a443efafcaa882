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

/**
 * Brute force, Dagster's meaning: move each downstream window by the offsets (in downstream
 * windows), then take the upstream windows overlapping it.
 */
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
    const start = down.windowOf(d + startOffset).start;
    const end = down.windowOf(d + endOffset).end;
    for (let u = 0; u < upSize; u++) {
      const uw = up.windowOf(u);
      if (uw.start < end && uw.end > start) result.add(u);
    }
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
    // Offsets count downstream days: 2026-03-09 with the day before reads 23 + 24 hours.
    const dayBefore = timeWindowMapping({ startOffset: -1, endOffset: 0 });
    assert.equal(dayBefore.upstreamFor(nyDays.range('2026-03-09', '2026-03-09', c), nyDays, hours, c).count, 47);
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
        'timeWindowMapping offsets { startOffset: 1, endOffset: 0 } are not integers with startOffset <= endOffset: e.g. { startOffset: -6, endOffset: 0 } reads the window of the last 7 downstream partitions.',
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

/** Cases translated from Dagster's own tests of `TimeWindowPartitionMapping` (expected keys as Dagster gives them). */
describe("timeWindowMapping: Dagster's TimeWindowPartitionMapping cases", () => {
  const c = { now: new Date('2022-08-01T00:00:00Z') };
  const up = (m: ReturnType<typeof timeWindowMapping>, down: TimeWindowPartitionsDefinition, upDef: TimeWindowPartitionsDefinition, from: string, to = from, cc: PartitionsContext = c) =>
    keys(upDef, m.upstreamFor(down.range(from, to, cc), down, upDef, cc), cc);
  const downOf = (m: ReturnType<typeof timeWindowMapping>, upDef: TimeWindowPartitionsDefinition, down: TimeWindowPartitionsDefinition, from: string, to = from, cc: PartitionsContext = c) =>
    keys(down, m.downstreamFor(upDef.range(from, to, cc), upDef, down, cc), cc);

  it('same partitioning (test_get_upstream_partitions_for_partition_range_same_partitioning)', () => {
    const d = dailyPartitions({ start: '2021-05-05' });
    assert.deepEqual(up(timeWindowMapping(), d, d, '2021-05-07'), ['2021-05-07']);
    assert.deepEqual(up(timeWindowMapping(), d, d, '2021-05-07', '2021-05-09'), ['2021-05-07', '2021-05-08', '2021-05-09']);
  });

  it('hourly downstream, daily upstream (…_hourly_downstream_daily_upstream)', () => {
    const hours = hourlyPartitions({ start: '2021-05-05-00:00' });
    const d = dailyPartitions({ start: '2021-05-05' });
    assert.deepEqual(up(timeWindowMapping(), hours, d, '2021-05-07-05:00'), ['2021-05-07']);
    assert.deepEqual(up(timeWindowMapping(), hours, d, '2021-05-07-05:00', '2021-05-09-09:00'), ['2021-05-07', '2021-05-08', '2021-05-09']);
  });

  it('daily downstream, hourly upstream (…_daily_downstream_hourly_upstream)', () => {
    const hours = hourlyPartitions({ start: '2021-05-05-00:00' });
    const d = dailyPartitions({ start: '2021-05-05' });
    assert.deepEqual(up(timeWindowMapping(), d, hours, '2021-05-07'), [...hours.keysOf(hours.range('2021-05-07-00:00', '2021-05-07-23:00', c), c)]);
    assert.deepEqual(up(timeWindowMapping(), d, hours, '2021-05-07', '2021-05-09'), [...hours.keysOf(hours.range('2021-05-07-00:00', '2021-05-09-23:00', c), c)]);
  });

  it('monthly downstream, daily upstream (…_monthly_downstream_daily_upstream)', () => {
    const months = monthlyPartitions({ start: '2021-05-01' });
    const d = dailyPartitions({ start: '2021-05-01' });
    assert.deepEqual(up(timeWindowMapping(), months, d, '2021-05-01', '2021-07-01'), [...d.keysOf(d.range('2021-05-01', '2021-07-31', c), c)]);
  });

  it('daily to daily lag { -1, -1 } (test_daily_to_daily_lag)', () => {
    const d = dailyPartitions({ start: '2021-05-05' });
    const m = timeWindowMapping({ startOffset: -1, endOffset: -1 });
    assert.deepEqual(up(m, d, d, '2021-05-07'), ['2021-05-06']);
    assert.deepEqual(downOf(m, d, d, '2021-05-06'), ['2021-05-07']);
    assert.deepEqual(up(m, d, d, '2021-05-05'), []);
    assert.deepEqual(up(m, d, d, '2021-05-07', '2021-05-09'), ['2021-05-06', '2021-05-07', '2021-05-08']);
    assert.deepEqual(downOf(m, d, d, '2021-05-06', '2021-05-08'), ['2021-05-07', '2021-05-08', '2021-05-09']);
    assert.deepEqual(up(m, d, d, '2021-05-05', '2021-05-07'), ['2021-05-05', '2021-05-06']);
  });

  it('daily to daily lag with different start dates (test_daily_to_daily_lag_different_start_date)', () => {
    const upDef = dailyPartitions({ start: '2021-05-05' });
    const down = dailyPartitions({ start: '2021-05-06' });
    const m = timeWindowMapping({ startOffset: -1, endOffset: -1 });
    assert.deepEqual(up(m, down, upDef, '2021-05-06'), ['2021-05-05']);
    assert.deepEqual(downOf(m, upDef, down, '2021-05-05'), ['2021-05-06']);
  });

  it('daily to daily, many to one { -1, 0 } (test_daily_to_daily_many_to_one)', () => {
    const upDef = dailyPartitions({ start: '2021-05-05' });
    const down = dailyPartitions({ start: '2021-05-06' });
    const m = timeWindowMapping({ startOffset: -1 });
    assert.deepEqual(up(m, down, upDef, '2022-07-04'), ['2022-07-03', '2022-07-04']);
    assert.deepEqual(up(m, down, upDef, '2022-07-04', '2022-07-05'), ['2022-07-03', '2022-07-04', '2022-07-05']);
    assert.deepEqual(downOf(m, upDef, down, '2022-07-03', '2022-07-04'), ['2022-07-03', '2022-07-04', '2022-07-05']);
    assert.deepEqual(downOf(m, upDef, down, '2022-07-03'), ['2022-07-03', '2022-07-04']);
    assert.deepEqual(downOf(m, upDef, down, '2022-07-04'), ['2022-07-04', '2022-07-05']);
  });

  it('downstream of hourly upstream exists only for complete days (test_get_downstream_with_current_time)', () => {
    const hours = hourlyPartitions({ start: '2021-05-05-00:00' });
    const d = dailyPartitions({ start: '2021-05-05' });
    const m = timeWindowMapping();
    const early = { now: new Date('2021-05-05T01:00:00Z') };
    assert.deepEqual(downOf(m, hours, d, '2021-05-05-00:00', '2021-05-05-00:00', early), []);
    const next = { now: new Date('2021-05-06T01:00:00Z') };
    assert.deepEqual(downOf(m, hours, d, '2021-05-05-23:00', '2021-05-06-00:00', next), ['2021-05-05']);
  });

  it('daily lag across the America/New_York 2026 DST days (test_dst_transition_with_daily_partitions)', () => {
    const d = dailyPartitions({ start: '2026-03-01', timezone: 'America/New_York' });
    const m = timeWindowMapping({ startOffset: -1, endOffset: -1 });
    const cc = { now: new Date('2026-11-20T00:00:00Z') };
    for (const [key, before, after] of [
      ['2026-03-07', '2026-03-06', '2026-03-08'],
      ['2026-03-08', '2026-03-07', '2026-03-09'],
      ['2026-03-09', '2026-03-08', '2026-03-10'],
      ['2026-10-31', '2026-10-30', '2026-11-01'],
      ['2026-11-01', '2026-10-31', '2026-11-02'],
      ['2026-11-02', '2026-11-01', '2026-11-03'],
    ] as const) {
      assert.deepEqual(up(m, d, d, key, key, cc), [before]);
      assert.deepEqual(downOf(m, d, d, key, key, cc), [after]);
    }
  });

  it('hourly lag across the America/New_York 2026 DST changes (…_dst_transition_with_hourly_partitions)', () => {
    const h = hourlyPartitions({ start: '2026-03-01-00:00', timezone: 'America/New_York' });
    const m = timeWindowMapping({ startOffset: -1, endOffset: -1 });
    const cc = { now: new Date('2026-11-20T00:00:00Z') };
    assert.equal(h.isValidKey('2026-03-08-02:00', cc), false);
    assert.deepEqual(up(m, h, h, '2026-03-08-03:00', '2026-03-08-03:00', cc), ['2026-03-08-01:00']);
    assert.deepEqual(downOf(m, h, h, '2026-03-08-03:00', '2026-03-08-03:00', cc), ['2026-03-08-04:00']);
    const chain = ['2026-11-01-00:00', '2026-11-01-01:00-04:00', '2026-11-01-01:00-05:00', '2026-11-01-02:00'];
    for (let i = 0; i + 1 < chain.length; i++) {
      assert.deepEqual(up(m, h, h, chain[i + 1]!, chain[i + 1]!, cc), [chain[i]]);
      assert.deepEqual(downOf(m, h, h, chain[i]!, chain[i]!, cc), [chain[i + 1]]);
    }
  });

  it('offsets count downstream partitions: hourly upstream, daily downstream { -1, -1 } reads the previous day', () => {
    const hours = hourlyPartitions({ start: '2026-01-01-00:00' });
    const d = dailyPartitions({ start: '2026-01-01' });
    const m = timeWindowMapping({ startOffset: -1, endOffset: -1 });
    const cc = { now: new Date('2026-12-01T00:00:00Z') };
    const read = up(m, d, hours, '2026-01-05', '2026-01-05', cc);
    assert.deepEqual(read, [...hours.keysOf(hours.range('2026-01-04-00:00', '2026-01-04-23:00', cc), cc)]);
    assert.equal(read.length, 24);
    // And back: an hour of 2026-01-04 is read by 2026-01-05 only.
    assert.deepEqual(downOf(m, hours, d, '2026-01-04-13:00', '2026-01-04-13:00', cc), ['2026-01-05']);
    // In New York the previous day of 2026-03-09 is the 23-hour spring-forward day.
    const nyHours = hourlyPartitions({ start: '2026-03-01-00:00', timezone: 'America/New_York' });
    const nyDays = dailyPartitions({ start: '2026-03-01', timezone: 'America/New_York' });
    const ny = up(m, nyDays, nyHours, '2026-03-09', '2026-03-09', cc);
    assert.equal(ny.length, 23);
    assert.deepEqual([ny[0], ny.at(-1)], ['2026-03-08-00:00', '2026-03-08-23:00']);
    assert.equal(up(m, nyDays, nyHours, '2026-11-02', '2026-11-02', cc).length, 25);
  });

  it('offsets count downstream partitions: daily upstream, hourly downstream { -1, -1 } reads the day of the previous hour', () => {
    const hours = hourlyPartitions({ start: '2026-01-01-00:00' });
    const d = dailyPartitions({ start: '2026-01-01' });
    const m = timeWindowMapping({ startOffset: -1, endOffset: -1 });
    const cc = { now: new Date('2026-04-01T00:00:00Z') };
    assert.deepEqual(up(m, hours, d, '2026-01-05-00:00', '2026-01-05-00:00', cc), ['2026-01-04']);
    assert.deepEqual(up(m, hours, d, '2026-01-05-01:00', '2026-01-05-23:00', cc), ['2026-01-05']);
    // Day 2026-01-04 is read by the hours 2026-01-04-01:00 … 2026-01-05-00:00.
    const readers = downOf(m, d, hours, '2026-01-04', '2026-01-04', cc);
    assert.equal(readers.length, 24);
    assert.deepEqual([readers[0], readers.at(-1)], ['2026-01-04-01:00', '2026-01-05-00:00']);
  });

  it('offsets count downstream partitions: weekly and monthly', () => {
    const cc = { now: new Date('2026-06-01T00:00:00Z') };
    const d = dailyPartitions({ start: '2026-01-01' });
    const weeks = weeklyPartitions({ start: '2026-01-01' });
    const months = monthlyPartitions({ start: '2026-01-01' });
    // A week with the week before: 14 days.
    const twoWeeks = up(timeWindowMapping({ startOffset: -1 }), weeks, d, '2026-01-11', '2026-01-11', cc);
    assert.deepEqual([twoWeeks.length, twoWeeks[0], twoWeeks.at(-1)], [14, '2026-01-04', '2026-01-17']);
    // A month reading the previous month: March reads February's 28 days.
    const feb = up(timeWindowMapping({ startOffset: -1, endOffset: -1 }), months, d, '2026-03-01', '2026-03-01', cc);
    assert.deepEqual([feb.length, feb[0], feb.at(-1)], [28, '2026-02-01', '2026-02-28']);
    assert.deepEqual(downOf(timeWindowMapping({ startOffset: -1, endOffset: -1 }), d, months, '2026-02-10', '2026-02-10', cc), ['2026-03-01']);
    // A day reading the week of the previous day: Sunday 2026-01-11 reads the week of 2026-01-04.
    const prevDay = timeWindowMapping({ startOffset: -1, endOffset: -1 });
    assert.deepEqual(up(prevDay, d, weeks, '2026-01-11', '2026-01-11', cc), ['2026-01-04']);
    assert.deepEqual(up(prevDay, d, weeks, '2026-01-12', '2026-01-12', cc), ['2026-01-11']);
    // A month with the next month (endOffset 1) of weeks: January 2026 reads the weeks overlapping January–February.
    const janFeb = up(timeWindowMapping({ startOffset: 0, endOffset: 1 }), months, weeks, '2026-01-01', '2026-01-01', cc);
    assert.deepEqual([janFeb[0], janFeb.at(-1)], ['2026-01-04', '2026-02-22']);
  });
});

describe('timeWindowMapping: upstream partitions that do not exist (Dagster: required_but_nonexistent)', () => {
  type Case = [up: TimeWindowPartitionsDefinition, down: TimeWindowPartitionsDefinition, expectedUp: string[], downKeys: string[], now: string, nonexistent: string[]];
  // test_get_upstream_with_current_time and test_downstream_partition_has_valid_upstream_partitions.
  const cases: Case[] = [
    [dailyPartitions({ start: '2021-05-05' }), hourlyPartitions({ start: '2021-05-05-00:00' }), [], ['2021-06-01-00:00'], '2021-06-01T01:00:00Z', ['2021-06-01']],
    [dailyPartitions({ start: '2021-05-05' }), hourlyPartitions({ start: '2021-05-05-00:00' }), ['2021-05-05'], ['2021-05-05-23:00', '2021-05-06-00:00'], '2021-05-06T01:00:00Z', ['2021-05-06']],
    [dailyPartitions({ start: '2021-05-05' }), hourlyPartitions({ start: '2021-05-05-00:00' }), ['2021-05-05'], ['2021-05-05-23:00'], '2021-05-06T01:00:00Z', []],
    [dailyPartitions({ start: '2021-05-05', timezone: 'America/Chicago' }), hourlyPartitions({ start: '2021-05-05-00:00', timezone: 'America/Chicago' }), [], ['2021-05-05-22:00'], '2021-05-06T04:00:00Z', ['2021-05-05']],
    [dailyPartitions({ start: '2022-01-01' }), dailyPartitions({ start: '2021-01-01' }), [], ['2021-06-06'], '2022-01-06T01:00:00Z', ['2021-06-06']],
    [dailyPartitions({ start: '2022-01-01' }), dailyPartitions({ start: '2021-01-01' }), ['2022-01-01'], ['2022-01-01'], '2022-01-06T01:00:00Z', []],
    [dailyPartitions({ start: '2022-01-01' }), dailyPartitions({ start: '2021-01-01' }), [], ['2021-12-31'], '2022-01-06T01:00:00Z', ['2021-12-31']],
    [dailyPartitions({ start: '2023-06-01' }), dailyPartitions({ start: '2023-05-01' }), ['2023-06-01'], ['2023-05-10', '2023-05-30', '2023-06-01'], '2023-06-05T00:00:00Z', ['2023-05-10', '2023-05-30']],
    [dailyPartitions({ start: '2023-05-01', end: '2023-05-10' }), dailyPartitions({ start: '2023-05-01' }), ['2023-05-09'], ['2023-05-09', '2023-05-10'], '2023-05-12T00:00:00Z', ['2023-05-10']],
  ];

  it("reports Dagster's required-but-nonexistent keys and which downstream partitions need them", () => {
    for (const [upDef, down, expectedUp, downKeys, now, nonexistent] of cases) {
      const c = { now: new Date(now) };
      const m = timeWindowMapping();
      const subset = down.subsetOfKeys(downKeys, c);
      assert.deepEqual(keys(upDef, m.upstreamFor(subset, down, upDef, c), c), expectedUp, `${down.id} ${downKeys.join(',')}`);
      const result = m.nonexistentUpstreamFor!(subset, down, upDef, c);
      const expanded = result.ranges.flatMap((r) => (r.count === 1 ? [r.from] : [r.from, r.to]));
      assert.deepEqual(expanded, nonexistent, `${down.id} ${downKeys.join(',')}`);
      // The downstream partitions needing them: exactly those whose own upstream set is incomplete.
      const needing = downKeys.filter((k) => {
        const one = down.subsetOfKeys([k], c);
        return m.nonexistentUpstreamFor!(one, down, upDef, c).ranges.length > 0;
      });
      assert.deepEqual([...down.keysOf(result.downstream, c)], needing);
    }
  });

  it('names the days a 7-day window lacks at the start of history, and the days after the last', () => {
    const c = { now: new Date('2026-03-01T00:00:00Z') };
    const lastWeek = timeWindowMapping({ startOffset: -6, endOffset: 0 });
    const r = lastWeek.nonexistentUpstreamFor!(days.range('2026-01-01', '2026-01-10', c), days, days, c);
    assert.deepEqual(r.ranges, [{ from: '2025-12-26', to: '2025-12-31', count: 6 }]);
    assert.deepEqual(keys(days, r.downstream), ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05', '2026-01-06']);
    assert.deepEqual(lastWeek.nonexistentUpstreamFor!(days.range('2026-01-07', '2026-02-28', c), days, days, c).ranges, []);
    // Reading the next day: the last day needs 2026-03-01, which is not complete yet.
    const nextDay = timeWindowMapping({ startOffset: 1, endOffset: 1 });
    const n = nextDay.nonexistentUpstreamFor!(days.range('2026-02-27', '2026-02-28', c), days, days, c);
    assert.deepEqual([n.ranges, keys(days, n.downstream)], [[{ from: '2026-03-01', to: '2026-03-01', count: 1 }], ['2026-02-28']]);
    // Mixed grains: a day reading the previous day's hours, hourly upstream starting 2026-01-01 in New York.
    const hours = hourlyPartitions({ start: '2026-01-01-00:00', timezone: 'America/New_York' });
    const nyDays = dailyPartitions({ start: '2026-01-01', timezone: 'America/New_York' });
    const h = timeWindowMapping({ startOffset: -1, endOffset: -1 }).nonexistentUpstreamFor!(nyDays.range('2026-01-01', '2026-01-03', c), nyDays, hours, c);
    assert.deepEqual([h.ranges, keys(nyDays, h.downstream)], [[{ from: '2025-12-31-00:00', to: '2025-12-31-23:00', count: 24 }], ['2026-01-01']]);
    assert.equal(timeWindowMapping().allowNonexistentUpstream, false);
    assert.equal(timeWindowMapping({ allowNonexistentUpstream: true }).allowNonexistentUpstream, true);
  });
});
