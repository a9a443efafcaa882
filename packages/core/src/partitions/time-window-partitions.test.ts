import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isQuarryError } from '../errors.ts';
import type { PartitionsContext } from './partitions-definition.ts';
import type { TimeWindowPartitionsDefinition } from './time-window-partitions.ts';
import { timeWindowMapping } from './mapping/time-window-mapping.ts';
import {
  dailyPartitions,
  fifteenMinutePartitions,
  hourlyPartitions,
  monthlyPartitions,
  timeWindowPartitions,
  weeklyPartitions,
} from './time-window-partitions.ts';

const at = (iso: string): PartitionsContext => ({ now: new Date(iso) });
const HOUR = 3_600_000;

function keysOn(def: TimeWindowPartitionsDefinition, day: string, ctx: PartitionsContext): string[] {
  return [...def.keysOf(def.all(ctx), ctx)].filter((k) => k.startsWith(day));
}

/** Every window ends where the next starts, and key, index and instant agree both ways. */
function assertConsistent(def: TimeWindowPartitionsDefinition, ctx: PartitionsContext): void {
  const size = def.size(ctx);
  const keys = new Set<string>();
  for (let i = 0; i < size; i++) {
    const key = def.keyAt(i, ctx);
    keys.add(key);
    const w = def.windowOf(i);
    assert.equal(def.indexOf(key, ctx), i, key);
    assert.ok(w.end > w.start, key);
    assert.equal(def.indexAt(w.start), i, key);
    assert.equal(def.indexAt(w.end.getTime() - 1), i, key);
    if (i + 1 < size) assert.equal(def.windowOf(i + 1).start.getTime(), w.end.getTime(), key);
  }
  assert.equal(keys.size, size, 'keys are distinct');
}

describe('dailyPartitions', () => {
  const days = dailyPartitions({ start: '2026-01-01' });

  it('has a canonical id and Dagster-like keys', () => {
    assert.equal(days.id, 'daily(start=2026-01-01,tz=UTC,fmt=yyyy-MM-dd)');
    assert.equal(days.kind, 'time-window');
    assert.equal(days.grain, 'daily');
    assert.equal(days.keyAt(0, at('2026-02-01T00:00:00Z')), '2026-01-01');
    assert.equal(days.keyAt(14, at('2026-02-01T00:00:00Z')), '2026-01-15');
    assert.equal(days.indexOf('2026-01-31', at('2026-02-01T00:00:00Z')), 30);
    assert.deepEqual(days.windowOf(14), { start: new Date('2026-01-15T00:00:00Z'), end: new Date('2026-01-16T00:00:00Z') });
  });

  it('contains only complete windows before now', () => {
    assert.equal(days.size(at('2026-01-01T00:00:00Z')), 0);
    assert.equal(days.size(at('2025-06-01T00:00:00Z')), 0);
    assert.equal(days.size(at('2026-01-01T23:59:59Z')), 0);
    assert.equal(days.size(at('2026-01-02T00:00:00Z')), 1);
    assert.equal(days.size(at('2026-03-05T12:00:00Z')), 63);
    assert.ok(days.isValidKey('2026-03-04', at('2026-03-05T12:00:00Z')));
    assert.ok(!days.isValidKey('2026-03-05', at('2026-03-05T12:00:00Z')));
    assert.deepEqual(days.all(at('2026-01-04T01:00:00Z')).toJSON(), [0, 3]);
  });

  it('rejects bad keys with the key, the form and the range', () => {
    const ctx = at('2026-03-05T00:00:00Z');
    for (const key of ['2026-13-01', '2025-12-31', '2026-03-05', '2026-1-01', '2026-02-30', 'yesterday', '2026-01-01-00:00']) {
      assert.throws(() => days.indexOf(key, ctx), {
        name: 'QuarryError',
        code: 'QUARRY_BAD_PARTITION_KEY',
        message: `Partition key "${key}" is not a key of daily(start=2026-01-01,tz=UTC,fmt=yyyy-MM-dd): expected yyyy-MM-dd from 2026-01-01 to 2026-03-04.`,
      });
      assert.equal(days.isValidKey(key, ctx), false);
    }
    assert.throws(() => days.indexOf('2026-01-01', at('2026-01-01T12:00:00Z')), {
      message:
        'Partition key "2026-01-01" is not a key of daily(start=2026-01-01,tz=UTC,fmt=yyyy-MM-dd): expected yyyy-MM-dd, ' +
        'but no partition is complete yet (the first, 2026-01-01, ends at 2026-01-02T00:00:00.000Z).',
    });
  });

  it('builds inclusive ranges and rejects reversed ones', () => {
    const ctx = at('2026-03-01T00:00:00Z');
    assert.deepEqual(days.range('2026-01-10', '2026-01-16', ctx).toJSON(), [9, 16]);
    assert.equal(days.range('2026-01-10', '2026-01-10', ctx).count, 1);
    assert.throws(() => days.range('2026-02-01', '2026-01-01', ctx), {
      code: 'QUARRY_BAD_PARTITION_RANGE',
      message:
        'Partition range "2026-02-01" to "2026-01-01" is reversed: "2026-02-01" comes after "2026-01-01" in daily(start=2026-01-01,tz=UTC,fmt=yyyy-MM-dd); swap them.',
    });
  });

  it('converts key lists and subsets both ways', () => {
    const ctx = at('2026-03-01T00:00:00Z');
    const subset = days.subsetOfKeys(['2026-01-05', '2026-01-03', '2026-01-04', '2026-02-01'], ctx);
    assert.deepEqual(subset.toJSON(), [2, 5, 31, 32]);
    assert.deepEqual([...days.keysOf(subset, ctx)], ['2026-01-03', '2026-01-04', '2026-01-05', '2026-02-01']);
    assert.throws(() => days.keysOf(days.all(ctx).union(days.all(at('2026-04-01T00:00:00Z'))), ctx), (e) => isQuarryError(e, 'QUARRY_BAD_SUBSET'));
    assert.throws(() => days.keyAt(59, ctx), {
      code: 'QUARRY_BAD_SUBSET',
      message: 'Partition index 59 is outside daily(start=2026-01-01,tz=UTC,fmt=yyyy-MM-dd), which has 59 partitions: use 0 to 58.',
    });
  });

  it('honours an exclusive end bound', () => {
    const january = dailyPartitions({ start: '2026-01-01', end: '2026-02-01' });
    assert.equal(january.id, 'daily(start=2026-01-01,end=2026-02-01,tz=UTC,fmt=yyyy-MM-dd)');
    assert.equal(january.size(at('2030-01-01T00:00:00Z')), 31);
    assert.equal(january.size(at('2026-01-11T06:00:00Z')), 10);
    assert.deepEqual(january.end, new Date('2026-02-01T00:00:00Z'));
    assert.deepEqual(january.start, new Date('2026-01-01T00:00:00Z'));
    january.start.setTime(0);
    assert.deepEqual(january.start, new Date('2026-01-01T00:00:00Z'));
    assert.equal(days.end, undefined);
    assert.ok(Object.isFrozen(january));
    assert.equal(dailyPartitions({ start: '2026-01-01', end: '2026-02-01T12:00' }).id, january.id);
    assert.throws(() => dailyPartitions({ start: '2026-01-01', end: '2026-01-01T23:00' }), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message:
        'End "2026-01-01T23:00" of daily partitions leaves no complete window after the start 2026-01-01: end is exclusive, so pass an end at least one daily window later.',
    });
  });

  it('starts at the first window at or after start', () => {
    assert.equal(dailyPartitions({ start: '2026-01-01T06:00' }).id, 'daily(start=2026-01-02,tz=UTC,fmt=yyyy-MM-dd)');
    assert.equal(dailyPartitions({ start: new Date('2026-01-01T00:00:00Z') }).id, days.id);
    assert.equal(dailyPartitions({ start: '2026-01-01T00:00+01:00' }).id, 'daily(start=2026-01-01,tz=UTC,fmt=yyyy-MM-dd)');
    assert.deepEqual(dailyPartitions({ start: '2026-01-01', timezone: 'Asia/Tokyo' }).start, new Date('2025-12-31T15:00:00Z'));
  });

  it('accepts leap days only in leap years', () => {
    const ctx = at('2029-01-01T00:00:00Z');
    assert.equal(days.keyAt(days.indexOf('2028-02-28', ctx) + 1, ctx), '2028-02-29');
    assert.equal(days.keyAt(days.indexOf('2028-02-29', ctx) + 1, ctx), '2028-03-01');
    assert.equal(days.keyAt(days.indexOf('2027-02-28', ctx) + 1, ctx), '2027-03-01');
    assert.ok(!days.isValidKey('2027-02-29', ctx));
    assert.equal(days.range('2028-01-01', '2028-12-31', ctx).count, 366);
    assert.equal(days.range('2027-01-01', '2027-12-31', ctx).count, 365);
  });

  it('lays out local calendar days in a time zone, 23 and 25 hours long on DST days', () => {
    const ny = dailyPartitions({ start: '2026-01-01', timezone: 'America/New_York' });
    const ctx = at('2027-01-01T12:00:00Z');
    assert.equal(ny.id, 'daily(start=2026-01-01,tz=America/New_York,fmt=yyyy-MM-dd)');
    const length = (key: string): number => {
      const w = ny.windowOf(ny.indexOf(key, ctx));
      return (w.end.getTime() - w.start.getTime()) / HOUR;
    };
    assert.equal(length('2026-03-07'), 24);
    assert.equal(length('2026-03-08'), 23);
    assert.equal(length('2026-11-01'), 25);
    assert.deepEqual(ny.windowOf(ny.indexOf('2026-03-08', ctx)), {
      start: new Date('2026-03-08T05:00:00Z'),
      end: new Date('2026-03-09T04:00:00Z'),
    });
    assert.equal(ny.size(ctx), 365);
    // The New York day of 2026-06-01 ends at 04:00 UTC on 2026-06-02.
    assert.equal(ny.size(at('2026-06-02T03:59:59Z')), 151);
    assert.equal(ny.size(at('2026-06-02T04:00:00Z')), 152);
    assertConsistent(ny, ctx);
  });

  it('starts a day whose midnight is skipped at the jump (America/Santiago)', () => {
    const santiago = dailyPartitions({ start: '2026-09-01', timezone: 'America/Santiago' });
    const ctx = at('2026-10-01T00:00:00Z');
    // Chile springs forward at 00:00 on 2026-09-06, straight to 01:00 (-03:00).
    const w = santiago.windowOf(santiago.indexOf('2026-09-06', ctx));
    assert.deepEqual(w, { start: new Date('2026-09-06T04:00:00Z'), end: new Date('2026-09-07T03:00:00Z') });
    assertConsistent(santiago, ctx);
  });
});

describe('hourlyPartitions', () => {
  const ny = hourlyPartitions({ start: '2026-01-01', timezone: 'America/New_York' });
  // Midnight of 2027-01-01 in New York.
  const ctx = at('2027-01-01T05:00:00Z');

  it('has 23 hours on the spring-forward day and 25 on the fall-back day', () => {
    const spring = keysOn(ny, '2026-03-08', ctx);
    assert.equal(spring.length, 23);
    assert.ok(!spring.includes('2026-03-08-02:00'));
    assert.deepEqual(spring.slice(0, 3), ['2026-03-08-00:00', '2026-03-08-01:00', '2026-03-08-03:00']);
    const fall = keysOn(ny, '2026-11-01', ctx);
    assert.equal(fall.length, 25);
    assert.equal(new Set(fall).size, 25);
    assert.deepEqual(fall.slice(0, 4), ['2026-11-01-00:00', '2026-11-01-01:00-04:00', '2026-11-01-01:00-05:00', '2026-11-01-02:00']);
    assert.equal(keysOn(ny, '2026-03-07', ctx).length, 24);
  });

  it('keeps windows contiguous and one real hour long across DST', () => {
    const from = ny.indexOf('2026-11-01-00:00', ctx);
    for (let i = from; i < from + 4; i++) {
      const w = ny.windowOf(i);
      assert.equal(w.end.getTime() - w.start.getTime(), HOUR);
      assert.equal(ny.windowOf(i + 1).start.getTime(), w.end.getTime());
    }
    assert.deepEqual(ny.windowOf(ny.indexOf('2026-11-01-01:00-05:00', ctx)), {
      start: new Date('2026-11-01T06:00:00Z'),
      end: new Date('2026-11-01T07:00:00Z'),
    });
    assert.deepEqual(ny.windowOf(ny.indexOf('2026-03-08-03:00', ctx)).start, new Date('2026-03-08T07:00:00Z'));
    assert.equal(ny.size(ctx), 365 * 24);
  });

  it('explains keys that DST makes ambiguous or skips', () => {
    assert.throws(() => ny.indexOf('2026-11-01-01:00', ctx), {
      code: 'QUARRY_BAD_PARTITION_KEY',
      message:
        'Partition key "2026-11-01-01:00" is ambiguous in hourly(start=2026-01-01T00:00,tz=America/New_York,fmt=yyyy-MM-dd-HH:mm): ' +
        '2026-11-01 01:00 happens twice in America/New_York (clocks fall back); use "2026-11-01-01:00-04:00" or "2026-11-01-01:00-05:00".',
    });
    assert.throws(() => ny.indexOf('2026-03-08-02:00', ctx), {
      code: 'QUARRY_BAD_PARTITION_KEY',
      message:
        'Partition key "2026-03-08-02:00" is not a key of hourly(start=2026-01-01T00:00,tz=America/New_York,fmt=yyyy-MM-dd-HH:mm): ' +
        '2026-03-08 02:00 does not exist in America/New_York (clocks skip it); expected yyyy-MM-dd-HH:mm (on the hour) from 2026-01-01-00:00 to 2026-12-31-23:00.',
    });
    for (const key of ['2026-05-01-13:30', '2026-05-01-13:00-04:00', '2026-11-01-01:00-06:00', '2026-05-01-24:00']) {
      assert.equal(ny.isValidKey(key, ctx), false, key);
    }
  });

  it('names the repeated hour by its offset in eastern zones too (Europe/Berlin)', () => {
    const berlin = hourlyPartitions({ start: '2026-10-25', timezone: 'Europe/Berlin' });
    const c = at('2026-10-26T00:00:00Z');
    assert.deepEqual(keysOn(berlin, '2026-10-25', c).slice(1, 5), ['2026-10-25-01:00', '2026-10-25-02:00+02:00', '2026-10-25-02:00+01:00', '2026-10-25-03:00']);
    assert.equal(keysOn(berlin, '2026-10-25', c).length, 25);
  });

  it('cuts off at now, which may fall inside an hour', () => {
    assert.equal(ny.size(at('2026-01-01T05:00:00Z')), 0);
    assert.equal(ny.size(at('2026-01-01T06:59:59Z')), 1);
    assert.equal(ny.size(at('2026-01-01T07:00:00Z')), 2);
  });

  it('starts on the first hour at or after start', () => {
    const h = hourlyPartitions({ start: '2026-01-01T00:30' });
    assert.equal(h.id, 'hourly(start=2026-01-01T01:00,tz=UTC,fmt=yyyy-MM-dd-HH:mm)');
    assert.equal(h.keyAt(0, ctx), '2026-01-01-01:00');
  });

  it('agrees with itself over a year in zones with odd offsets and DST', () => {
    for (const timezone of ['America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe']) {
      assertConsistent(hourlyPartitions({ start: '2026-01-01', timezone }), ctx);
    }
  });

  it('survives a zone leaving local mean time (New York, 1883-11-18)', () => {
    const old = hourlyPartitions({ start: '1883-11-18', end: '1883-11-19', timezone: 'America/New_York' });
    const c = at('2000-01-01T00:00:00Z');
    // Clocks went back 3 min 58 s at noon, from -04:56:02 to -05:00: noon happened twice.
    assert.deepEqual(keysOn(old, '1883-11-18-12', c), ['1883-11-18-12:00-04:56:02', '1883-11-18-12:00-05:00']);
    const short = old.windowOf(old.indexOf('1883-11-18-12:00-04:56:02', c));
    assert.equal(short.end.getTime() - short.start.getTime(), 238_000);
    assertConsistent(old, c);
  });

  it('gives Lord Howe, whose DST shift is 30 minutes, one 90-minute hour at each change', () => {
    const lordHowe = hourlyPartitions({ start: '2026-04-05', timezone: 'Australia/Lord_Howe' });
    const c = at('2026-04-06T00:00:00Z');
    const w = lordHowe.windowOf(lordHowe.indexOf('2026-04-05-01:00', c));
    assert.equal(w.end.getTime() - w.start.getTime(), 1.5 * HOUR);
    assert.equal(keysOn(lordHowe, '2026-04-05', c).length, 24);
  });
});

describe('fifteenMinutePartitions', () => {
  it('has 92 quarters on the spring-forward day and 100 on the fall-back day', () => {
    const q = fifteenMinutePartitions({ start: '2026-03-01', timezone: 'America/New_York' });
    const ctx = at('2026-12-01T00:00:00Z');
    assert.equal(q.id, '15min(start=2026-03-01T00:00,tz=America/New_York,fmt=yyyy-MM-dd-HH:mm)');
    assert.equal(keysOn(q, '2026-03-08', ctx).length, 92);
    const fall = keysOn(q, '2026-11-01', ctx);
    assert.equal(fall.length, 100);
    assert.equal(new Set(fall).size, 100);
    assert.deepEqual(fall.slice(4, 6), ['2026-11-01-01:00-04:00', '2026-11-01-01:15-04:00']);
    assert.equal(q.keyAt(1, ctx), '2026-03-01-00:15');
    assert.throws(() => q.indexOf('2026-03-01-00:10', ctx), {
      message:
        'Partition key "2026-03-01-00:10" is not a key of 15min(start=2026-03-01T00:00,tz=America/New_York,fmt=yyyy-MM-dd-HH:mm): ' +
        'expected yyyy-MM-dd-HH:mm (at :00, :15, :30 or :45) from 2026-03-01-00:00 to 2026-11-30-18:45.',
    });
  });
});

describe('weeklyPartitions', () => {
  it('starts weeks on Sunday by default and names them by their first day', () => {
    const weeks = weeklyPartitions({ start: '2026-01-01' });
    const ctx = at('2026-03-01T00:00:00Z');
    assert.equal(weeks.id, 'weekly(start=2026-01-04,tz=UTC,fmt=yyyy-MM-dd)');
    assert.equal(weeks.weekStartsOn, 0);
    assert.equal(weeks.keyAt(0, ctx), '2026-01-04');
    assert.equal(weeks.keyAt(1, ctx), '2026-01-11');
    assert.deepEqual(weeks.windowOf(0), { start: new Date('2026-01-04T00:00:00Z'), end: new Date('2026-01-11T00:00:00Z') });
    // 2026-03-01 is a Sunday: the week of 2026-02-22 has just ended.
    assert.equal(weeks.size(ctx), 8);
    assert.throws(() => weeks.indexOf('2026-01-06', ctx), {
      message: 'Partition key "2026-01-06" is not a key of weekly(start=2026-01-04,tz=UTC,fmt=yyyy-MM-dd): expected yyyy-MM-dd (a Sunday) from 2026-01-04 to 2026-02-22.',
    });
  });

  it('honours weekStartsOn and local DST weeks', () => {
    const mondays = weeklyPartitions({ start: '2026-01-01', weekStartsOn: 1, timezone: 'America/New_York' });
    const ctx = at('2027-01-01T00:00:00Z');
    assert.equal(mondays.keyAt(0, ctx), '2026-01-05');
    const w = mondays.windowOf(mondays.indexOf('2026-03-02', ctx));
    assert.equal((w.end.getTime() - w.start.getTime()) / HOUR, 7 * 24 - 1);
    assert.throws(() => weeklyPartitions({ start: '2026-01-01', weekStartsOn: 7 as 0 }), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message: 'weekStartsOn 7 of weekly partitions is not a weekday: use 0 (Sunday) to 6 (Saturday).',
    });
  });
});

describe('monthlyPartitions', () => {
  it('names months by their first day and follows month lengths and leap years', () => {
    const months = monthlyPartitions({ start: '2028-01-01' });
    const ctx = at('2029-01-01T00:00:00Z');
    assert.equal(months.id, 'monthly(start=2028-01-01,tz=UTC,fmt=yyyy-MM-dd)');
    assert.equal(months.size(ctx), 12);
    assert.equal(months.keyAt(1, ctx), '2028-02-01');
    const days = (i: number): number => {
      const w = months.windowOf(i);
      return (w.end.getTime() - w.start.getTime()) / (24 * HOUR);
    };
    assert.deepEqual([0, 1, 2, 3, 11].map(days), [31, 29, 31, 30, 31]);
    assert.deepEqual(months.windowOf(1), { start: new Date('2028-02-01T00:00:00Z'), end: new Date('2028-03-01T00:00:00Z') });
    assert.equal(days(13), 28);
    assert.throws(() => months.indexOf('2028-02-15', ctx), {
      message:
        'Partition key "2028-02-15" is not a key of monthly(start=2028-01-01,tz=UTC,fmt=yyyy-MM-dd): expected yyyy-MM-dd (the first day of a month) from 2028-01-01 to 2028-12-01.',
    });
  });

  it('supports yyyy-MM keys, late starts and local month bounds', () => {
    const months = monthlyPartitions({ start: '2026-01-15', format: 'yyyy-MM', timezone: 'Europe/Berlin' });
    const ctx = at('2026-06-01T00:00:00Z');
    assert.equal(months.id, 'monthly(start=2026-02-01,tz=Europe/Berlin,fmt=yyyy-MM)');
    assert.equal(months.keyAt(0, ctx), '2026-02');
    assert.equal(months.indexOf('2026-04', ctx), 2);
    assert.deepEqual(months.windowOf(1), { start: new Date('2026-02-28T23:00:00Z'), end: new Date('2026-03-31T22:00:00Z') });
    // Berlin's May ends at 22:00 UTC on May 31.
    assert.equal(months.size(at('2026-05-31T21:59:00Z')), 3);
    assert.equal(months.size(at('2026-05-31T22:00:00Z')), 4);
  });
});

describe('timeWindowPartitions', () => {
  it('validates grain, time zone, format and start', () => {
    assert.throws(() => timeWindowPartitions({ grain: 'yearly' as 'daily', start: '2026-01-01' }), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message: 'Time grain "yearly" is not one of "15min", "hourly", "daily", "weekly", "monthly".',
    });
    assert.throws(() => dailyPartitions({ start: '2026-01-01', timezone: 'Mars/Olympus' }), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message: 'Time zone "Mars/Olympus" is not an IANA time zone name: use one such as "UTC", "America/New_York" or "Europe/Berlin".',
    });
    assert.throws(() => hourlyPartitions({ start: '2026-01-01', format: 'yyyy-MM-dd' }), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message: 'Key format "yyyy-MM-dd" of hourly partitions lacks HH: use tokens yyyy, MM, dd, HH, mm (e.g. "yyyy-MM-dd-HH").',
    });
    assert.throws(() => dailyPartitions({ start: '2026-01-01', format: 'yyyy-MM-d' }), (e) => isQuarryError(e, 'QUARRY_BAD_PARTITIONS_DEFINITION'));
    assert.throws(() => dailyPartitions({ start: '2026-02-30' }), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message: 'Start "2026-02-30" of daily partitions is not a date or time: expected "yyyy-MM-dd" or "yyyy-MM-ddTHH:mm" (wall-clock time in UTC) or a valid Date.',
    });
    assert.equal(dailyPartitions({ start: '2026-01-01', timezone: 'utc' }).timezone, 'UTC');
  });

  it('supports custom key formats', () => {
    const days = dailyPartitions({ start: '2026-01-01', format: 'yyyyMMdd' });
    const ctx = at('2026-02-01T00:00:00Z');
    assert.equal(days.keyAt(9, ctx), '20260110');
    assert.equal(days.indexOf('20260110', ctx), 9);
    assert.ok(!days.isValidKey('2026-01-10', ctx));
  });

  it('indexes far-away windows by arithmetic', () => {
    const days = dailyPartitions({ start: '1000-01-01' });
    const ctx = at('3800-01-01T00:00:00Z');
    const index = days.indexOf('3737-11-27', ctx);
    assert.equal(days.keyAt(index, ctx), '3737-11-27');
    assert.equal(days.windowOf(-1).start.toISOString().slice(0, 10), '0999-12-31');
  });

  it("reads Dagster's hourly start form yyyy-MM-dd-HH:mm as local time, not as a UTC offset", () => {
    const c = { now: new Date('2026-02-01T00:00:00Z') };
    const ny = hourlyPartitions({ start: '2026-01-01-00:00', timezone: 'America/New_York' });
    assert.equal(ny.keyAt(0, c), '2026-01-01-00:00');
    assert.equal(ny.start.toISOString(), '2026-01-01T05:00:00.000Z');
    assert.equal(hourlyPartitions({ start: '2026-01-01-06:00', timezone: 'America/New_York' }).keyAt(0, c), '2026-01-01-06:00');
    assert.equal(hourlyPartitions({ start: '2026-01-01T06:00-05:00', timezone: 'UTC' }).keyAt(0, c), '2026-01-01-11:00');
  });
});

describe('time partitions: endOffset (Dagster end_offset)', () => {
  it('1 includes the current, incomplete window; -1 holds back the last complete one', () => {
    const c = { now: new Date('2026-01-10T05:00:00Z') };
    assert.equal(dailyPartitions({ start: '2026-01-01' }).size(c), 9);
    const current = dailyPartitions({ start: '2026-01-01', endOffset: 1 });
    assert.equal(current.size(c), 10);
    assert.equal(current.keyAt(9, c), '2026-01-10');
    assert.equal(current.id, 'daily(start=2026-01-01,tz=UTC,fmt=yyyy-MM-dd,endOffset=1)');
    const late = dailyPartitions({ start: '2026-01-01', endOffset: -1 });
    assert.equal(late.size(c), 8);
    assert.equal(late.isValidKey('2026-01-09', c), false);
    assert.equal(dailyPartitions({ start: '2026-01-01', endOffset: -20 }).size(c), 0);
    // A declared end still bounds it.
    assert.equal(dailyPartitions({ start: '2026-01-01', end: '2026-01-05', endOffset: 1 }).size(c), 4);
    assert.throws(() => dailyPartitions({ start: '2026-01-01', endOffset: 0.5 }), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message: 'endOffset 0.5 of daily partitions is not allowed: use an integer number of windows (1 includes the current window).',
    });
  });

  it("maps across it as Dagster's tests do (test_get_downstream_with_current_time, test_get_upstream_with_current_time)", () => {
    const c = { now: new Date('2021-05-06T01:00:00Z') };
    const hours = hourlyPartitions({ start: '2021-05-05-00:00' });
    const current = dailyPartitions({ start: '2021-05-05', endOffset: 1 });
    const m = timeWindowMapping();
    const upKeys = hours.subsetOfKeys(['2021-05-05-23:00', '2021-05-06-00:00'], c);
    assert.deepEqual([...current.keysOf(m.downstreamFor(upKeys, hours, current, c), c)], ['2021-05-05', '2021-05-06']);
    const downKeys = hours.subsetOfKeys(['2021-05-05-23:00', '2021-05-06-00:00'], c);
    assert.deepEqual([...current.keysOf(m.upstreamFor(downKeys, hours, current, c), c)], ['2021-05-05', '2021-05-06']);
    assert.deepEqual(m.nonexistentUpstreamFor!(downKeys, hours, current, c).ranges, []);
  });
});

describe('time partitions: hourOffset, minuteOffset, dayOffset (Dagster hour_offset, minute_offset, day_offset)', () => {
  const c = { now: new Date('2026-12-31T00:00:00Z') };

  it('daily windows starting 06:00 in New York: the windows holding the 2026 DST changes are 23 and 25 hours long', () => {
    const days = dailyPartitions({ start: '2026-01-01', timezone: 'America/New_York', hourOffset: 6 });
    assert.equal(days.id, 'daily(start=2026-01-01,tz=America/New_York,fmt=yyyy-MM-dd,hourOffset=6)');
    assert.equal(days.keyAt(0, c), '2026-01-01');
    assert.deepEqual(days.windowOf(0), { start: new Date('2026-01-01T11:00:00Z'), end: new Date('2026-01-02T11:00:00Z') });
    const hoursOf = (key: string) => {
      const w = days.windowOf(days.indexOf(key, c));
      return (w.end.getTime() - w.start.getTime()) / 3_600_000;
    };
    // The clocks change at 02:00, inside the window that starts at 06:00 the day before.
    assert.deepEqual([hoursOf('2026-03-06'), hoursOf('2026-03-07'), hoursOf('2026-03-08')], [24, 23, 24]);
    assert.deepEqual([hoursOf('2026-10-30'), hoursOf('2026-10-31'), hoursOf('2026-11-01')], [24, 25, 24]);
    assert.equal(days.windowOf(days.indexOf('2026-03-08', c)).end.toISOString(), '2026-03-09T10:00:00.000Z');
    // 05:59 local belongs to the previous day's window, 06:00 starts the next.
    assert.equal(days.keyAt(days.indexAt(new Date('2026-03-09T09:59:00Z')), c), '2026-03-08');
    assert.equal(days.keyAt(days.indexAt(new Date('2026-03-09T10:00:00Z')), c), '2026-03-09');
    // The first window is the first starting at or after start: 2026-01-01T03:00 local → 2026-01-01 06:00.
    assert.equal(dailyPartitions({ start: '2026-01-01T07:00', timezone: 'America/New_York', hourOffset: 6 }).keyAt(0, c), '2026-01-02');
    // Only complete windows exist: 2026-01-02 06:00 has not passed at 10:59Z.
    assert.equal(days.size({ now: new Date('2026-01-02T10:59:00Z') }), 0);
    assert.equal(days.size({ now: new Date('2026-01-02T11:00:00Z') }), 1);
  });

  it('a start inside the repeated hour of fall-back day (01:30) starts at its first occurrence', () => {
    const days = dailyPartitions({ start: '2026-10-01', timezone: 'America/New_York', hourOffset: 1, minuteOffset: 30 });
    const nov1 = days.indexOf('2026-11-01', c);
    assert.equal(days.windowOf(nov1).start.toISOString(), '2026-11-01T05:30:00.000Z');
    // 01:15 EST (the second 01:15) is after 01:30 EDT: inside 2026-11-01's window.
    assert.equal(days.indexAt(new Date('2026-11-01T06:15:00Z')), nov1);
    assert.equal(days.indexAt(new Date('2026-11-01T05:29:00Z')), nov1 - 1);
    assert.equal(days.windowOf(nov1).end.toISOString(), '2026-11-02T06:30:00.000Z');
  });

  it('monthly windows starting on the 12th, and weekly windows at 06:00', () => {
    const months = monthlyPartitions({ start: '2026-01-01', dayOffset: 12 });
    assert.deepEqual([months.keyAt(0, c), months.keyAt(1, c)], ['2026-01-12', '2026-02-12']);
    assert.deepEqual(months.windowOf(1), { start: new Date('2026-02-12T00:00:00Z'), end: new Date('2026-03-12T00:00:00Z') });
    assert.equal(months.indexOf('2026-02-12', c), 1);
    assert.equal(months.isValidKey('2026-02-01', c), false);
    const short = monthlyPartitions({ start: '2026-01-01', dayOffset: 12, hourOffset: 6, format: 'yyyy-MM' });
    assert.equal(short.indexOf('2026-02', c), 1);
    assert.equal(short.windowOf(1).start.toISOString(), '2026-02-12T06:00:00.000Z');
    const weeks = weeklyPartitions({ start: '2026-01-01', weekStartsOn: 1, hourOffset: 6, timezone: 'America/New_York' });
    assert.equal(weeks.keyAt(0, c), '2026-01-05');
    assert.equal(weeks.windowOf(0).start.toISOString(), '2026-01-05T11:00:00.000Z');
    // Days starting 06:00 read the hours 06:00 … 05:00 of the next day.
    const hours = hourlyPartitions({ start: '2026-01-01-00:00' });
    const days = dailyPartitions({ start: '2026-01-01', hourOffset: 6 });
    const read = [...hours.keysOf(timeWindowMapping().upstreamFor(days.range('2026-01-05', '2026-01-05', c), days, hours, c), c)];
    assert.deepEqual([read.length, read[0], read.at(-1)], [24, '2026-01-05-06:00', '2026-01-06-05:00']);
  });

  it('rejects offsets out of range or on grains that do not take them', () => {
    assert.throws(() => dailyPartitions({ start: '2026-01-01', hourOffset: 24 }), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message: 'hourOffset 24 of daily partitions is not allowed: use an hour from 0 to 23.',
    });
    assert.throws(() => hourlyPartitions({ start: '2026-01-01', minuteOffset: 15 }), {
      message: 'minuteOffset 15 of hourly partitions is not allowed: use a minute from 0 to 59 (only daily, weekly and monthly partitions take it).',
    });
    assert.throws(() => monthlyPartitions({ start: '2026-01-01', dayOffset: 29 }), {
      message: 'dayOffset 29 of monthly partitions is not allowed: use a day of the month from 1 to 28 (only monthly partitions take it; weekly ones take weekStartsOn).',
    });
    assert.throws(() => dailyPartitions({ start: '2026-01-01', dayOffset: 2 }), { code: 'QUARRY_BAD_PARTITIONS_DEFINITION' });
  });
});

