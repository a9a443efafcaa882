import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQuarryError } from '../errors.ts';
import { onCron } from './automation-condition.ts';
import { createCronSchedule } from './cron-schedule.ts';

test('a 15-minute cron in Europe/Berlin fires every 15 real minutes through the repeated hour of the fall-back day (100 ticks in its 25 hours)', () => {
  // 2026-10-25 is the last Sunday of October: Berlin's local day runs 22:00Z (24th) .. 23:00Z (25th).
  const times = createCronSchedule('*/15 * * * *', 'Europe/Berlin').between(Date.parse('2026-10-24T22:00:00Z') - 1, Date.parse('2026-10-25T23:00:00Z') - 1);
  assert.equal(times.length, 100);
  for (let i = 1; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, 15 * 60_000);
  assert.equal(new Date(times[0]!).toISOString(), '2026-10-24T22:00:00.000Z');
});

test('a daily 02:30 Berlin cron fires once on the fall-back day and at 03:00 on the spring-forward day', () => {
  const daily = createCronSchedule('30 2 * * *', 'Europe/Berlin');
  assert.deepEqual(daily.between(Date.parse('2026-10-24T12:00:00Z'), Date.parse('2026-10-25T12:00:00Z')).map((t) => new Date(t).toISOString()), ['2026-10-25T00:30:00.000Z']);
  assert.deepEqual(daily.between(Date.parse('2026-03-28T12:00:00Z'), Date.parse('2026-03-29T12:00:00Z')).map((t) => new Date(t).toISOString()), ['2026-03-29T01:00:00.000Z']);
});

test('an invalid cron or time zone throws QUARRY_BAD_CRON naming it', () => {
  assert.throws(() => onCron('61 * * * *'), (e) => isQuarryError(e, 'QUARRY_BAD_CRON') && e.message.includes('"61 * * * *"'));
  assert.throws(() => onCron('*/15 * * * *', { timeZone: 'Mars/Olympus' }), (e) => isQuarryError(e, 'QUARRY_BAD_CRON') && e.message.includes('"Mars/Olympus"'));
  assert.throws(() => createCronSchedule('', 'UTC'), (e) => isQuarryError(e, 'QUARRY_BAD_CRON'));
});

test('latest() is the last cron instant at or before a time', () => {
  const quarter = createCronSchedule('*/15 * * * *', 'Europe/Berlin');
  assert.equal(new Date(quarter.latest(Date.parse('2026-10-25T01:07:00Z'))!).toISOString(), '2026-10-25T01:00:00.000Z');
  assert.equal(new Date(quarter.latest(Date.parse('2026-10-25T01:15:00Z'))!).toISOString(), '2026-10-25T01:15:00.000Z');
});
