import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summaryPeriod } from './alert-summary.ts';

const iso = (p: { from: Date; to: Date }) => [p.from.toISOString(), p.to.toISOString()];

test('summary periods: the latest daily / weekly (Monday) / monthly (1st) period ended by now, in the summary time zone', () => {
  const now = new Date('2026-12-03T07:30:00Z'); // a Thursday, 08:30 in Berlin
  assert.deepEqual(iso(summaryPeriod({ every: 'daily', at: '08:00', timeZone: 'Europe/Berlin' }, now)), ['2026-12-02T07:00:00.000Z', '2026-12-03T07:00:00.000Z']);
  assert.deepEqual(iso(summaryPeriod({ every: 'daily', at: '08:00', timeZone: 'UTC' }, now)), ['2026-12-01T08:00:00.000Z', '2026-12-02T08:00:00.000Z'], 'not yet 08:00 UTC: yesterday’s period');
  assert.deepEqual(iso(summaryPeriod({ every: 'daily', at: '07:30', timeZone: 'UTC' }, now)), ['2026-12-02T07:30:00.000Z', '2026-12-03T07:30:00.000Z'], 'due exactly at its time');
  assert.deepEqual(iso(summaryPeriod({ every: 'weekly', at: '08:00', timeZone: 'UTC' }, now)), ['2026-11-23T08:00:00.000Z', '2026-11-30T08:00:00.000Z']);
  assert.deepEqual(iso(summaryPeriod({ every: 'monthly', at: '08:00', timeZone: 'UTC' }, now)), ['2026-11-01T08:00:00.000Z', '2026-12-01T08:00:00.000Z']);
});

test('a daily summary across the spring DST change covers the 23-hour day, sent at 08:00 local time both days', () => {
  const period = summaryPeriod({ every: 'daily', at: '08:00', timeZone: 'Europe/Berlin' }, new Date('2026-03-29T07:00:00Z'));
  assert.deepEqual(iso(period), ['2026-03-28T07:00:00.000Z', '2026-03-29T06:00:00.000Z']);
});
