import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QuarryError } from '../errors.ts';
import { cronPartitions } from './cron-partitions.ts';
import { timeWindowMapping } from './mapping/index.ts';
import { PartitionSubset } from './partition-subset.ts';
import { dailyPartitions } from './time-window-partitions.ts';
import { defineAsset } from '../definitions/index.ts';
import { codeVersionOf } from '../versioning/index.ts';

const ctx = { now: new Date('2026-12-01T00:00:00Z') };
const iso = (d: Date) => d.toISOString();

describe('cronPartitions', () => {
  test('every 6 hours: windows between ticks, keys by start tick, index ↔ key both ways', () => {
    const p = cronPartitions({ cron: '0 */6 * * *', start: '2026-01-01' });
    assert.equal(p.kind, 'time-window');
    assert.equal(p.keyAt(0, ctx), '2026-01-01-00:00');
    assert.equal(p.keyAt(5, ctx), '2026-01-02-06:00');
    assert.equal(p.indexOf('2026-03-31-18:00', ctx), (31 + 28 + 31) * 4 - 1);
    assert.deepEqual([iso(p.windowOf(1).start), iso(p.windowOf(1).end)], ['2026-01-01T06:00:00.000Z', '2026-01-01T12:00:00.000Z']);
    assert.equal(p.isValidKey('2026-01-01-03:00', ctx), false, 'not a tick');
    // 2026-01-01 to 2026-12-01 is 334 days of 4 windows.
    assert.equal(p.size(ctx), 334 * 4);
  });

  test('weekdays only in New York: Friday windows run to Monday, DST moves the UTC start', () => {
    const p = cronPartitions({ cron: '0 0 * * 1-5', start: '2026-03-04', timezone: 'America/New_York' });
    const keys = [0, 1, 2, 3, 4].map((i) => p.keyAt(i, ctx));
    assert.deepEqual(keys, ['2026-03-04', '2026-03-05', '2026-03-06', '2026-03-09', '2026-03-10']); // 7 and 8 are a weekend
    assert.deepEqual([iso(p.windowOf(2).start), iso(p.windowOf(2).end)], ['2026-03-06T05:00:00.000Z', '2026-03-09T04:00:00.000Z']); // EST → EDT
    assert.equal(p.isValidKey('2026-03-07', ctx), false);
    assert.throws(() => p.indexOf('2026-03-07', ctx), (e: unknown) => e instanceof QuarryError && e.code === 'QUARRY_BAD_PARTITION_KEY' && e.message.includes('0 0 * * 1-5'));
  });

  test('a 02:30 daily tick on spring-forward day fires at the jump; a 01:00 tick on fall-back day fires once', () => {
    const p = cronPartitions({ cron: '30 2 * * *', start: '2026-03-07', timezone: 'America/New_York' });
    assert.equal(p.keyAt(1, ctx), '2026-03-08-02:30');
    // 2026-03-07 02:30 EST = 07:30Z; 2026-03-08 02:30 does not exist: 03:00 EDT = 07:00Z; 2026-03-09 02:30 EDT = 06:30Z.
    assert.deepEqual([0, 1, 2].map((i) => iso(p.windowOf(i).start)), ['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
    assert.equal(p.indexAt(new Date('2026-03-08T06:59:00Z')), 0);
    assert.equal(p.indexAt(new Date('2026-03-08T07:00:00Z')), 1);
    const fall = cronPartitions({ cron: '0 1 * * *', start: '2026-10-31', timezone: 'America/New_York' });
    // 2026-11-01 01:00 happens at 05:00Z (EDT) and 06:00Z (EST): one tick, the first; that window lasts 25 hours.
    assert.deepEqual([iso(fall.windowOf(1).start), iso(fall.windowOf(1).end)], ['2026-11-01T05:00:00.000Z', '2026-11-02T06:00:00.000Z']);
    assert.equal(fall.indexAt(new Date('2026-11-01T06:30:00Z')), 1);
  });

  test('quarterly ticks, and a key centuries away found without walking there', () => {
    const q = cronPartitions({ cron: '0 0 1 */3 *', start: '2020-02-15' });
    assert.deepEqual([0, 1, 2, 3].map((i) => q.keyAt(i, ctx)), ['2020-04-01', '2020-07-01', '2020-10-01', '2021-01-01']);
    const minutes = cronPartitions({ cron: '* * * * *', start: '2000-01-01' });
    const far = { now: new Date('2399-12-31T23:59:00Z') };
    const index = (Date.UTC(2399, 11, 31, 23, 0) - Date.UTC(2000, 0, 1)) / 60_000;
    assert.equal(minutes.indexOf('2399-12-31-23:00', far), index);
    assert.equal(minutes.keyAt(index, far), '2399-12-31-23:00');
  });

  test('timeWindowMapping joins cron windows and New York days by overlap', () => {
    const sixHours = cronPartitions({ cron: '0 */6 * * *', start: '2026-03-01' });
    const days = dailyPartitions({ start: '2026-03-01', timezone: 'America/New_York' });
    const mapping = timeWindowMapping();
    const window = sixHours.indexOf('2026-03-02-00:00', ctx); // 00:00Z–06:00Z overlaps NY days 03-01 (to 05:00Z) and 03-02
    const up = mapping.upstreamFor(PartitionSubset.fromRange(window, window + 1), sixHours, days, ctx);
    assert.deepEqual([...days.keysOf(up, ctx)], ['2026-03-01', '2026-03-02']);
    const day = days.indexOf('2026-03-02', ctx); // 05:00Z on the 2nd to 05:00Z on the 3rd
    const down = mapping.downstreamFor(PartitionSubset.fromRange(day, day + 1), days, sixHours, ctx);
    assert.deepEqual([...sixHours.keysOf(down, ctx)], ['2026-03-02-00:00', '2026-03-02-06:00', '2026-03-02-12:00', '2026-03-02-18:00', '2026-03-03-00:00']);
  });

  test('a bad cron string, start or key format is a QuarryError naming it', () => {
    const bad = (config: Parameters<typeof cronPartitions>[0], text: string) =>
      assert.throws(() => cronPartitions(config), (e: unknown) => e instanceof QuarryError && e.code === 'QUARRY_BAD_PARTITIONS_DEFINITION' && e.message.includes(text));
    bad({ cron: '61 * * * *', start: '2026-01-01' }, '"61 * * * *"');
    bad({ cron: 'every day', start: '2026-01-01' }, '"every day"');
    bad({ cron: '0 0 30 2 *', start: '2026-01-01' }, 'never fires');
    bad({ cron: '0 */6 * * *', start: '2026-13-01' }, '"2026-13-01"');
    bad({ cron: '0 */6 * * *', start: '2026-01-01', fmt: 'yyyy-MM-dd' }, 'HH:mm');
    bad({ cron: '0 0 * * *', start: '2026-01-01', timezone: 'Mars/Olympus' }, 'Mars/Olympus');
  });

  test('the schedule is part of an asset code version: another cron with the same key format is new code', () => {
    const asset = (cron: string) => defineAsset({ key: 'x/ticks', partitions: cronPartitions({ cron, start: '2026-01-01' }), sql: 'select 1 as n' });
    assert.notEqual(codeVersionOf(asset('0 */6 * * *')), codeVersionOf(asset('0 */4 * * *')));
    assert.equal(codeVersionOf(asset('0 */6 * * *')), codeVersionOf(asset('0 */6 * * *')));
  });
});
