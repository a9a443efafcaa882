// The mixed project of partition-targets.test.ts, also loaded by the CLI from a quarry.config.ts.
import { z } from 'zod';
import { notNull } from '../checks/index.ts';
import { defineAsset, defineProject } from '../definitions/index.ts';
import { customMapping, dailyPartitions, hourlyPartitions, multiPartitions, staticPartitions } from '../partitions/index.ts';

const hourlyUtc = hourlyPartitions({ start: '2026-03-01' });
const dailyNy = dailyPartitions({ start: '2026-03-01', timezone: 'America/New_York' });
const regions = staticPartitions(['eu', 'us', 'apac']);
const weekdays = staticPartitions(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']);
const weekdayOf = (day: string) => weekdays.keyAt(new Date(`${day}T00:00:00Z`).getUTCDay());

/** Hourly UTC orders, a daily New York rollup, static regions, date × region, weekday stats mapped from days, an unpartitioned config. */
export function mixedProject() {
  const orders = defineAsset({ key: 'raw/orders', partitions: hourlyUtc, schema: z.object({ hour: z.string() }), compute: (ctx) => [{ hour: ctx.partition.firstKey }] });
  const daily = defineAsset({ key: 'marts/daily_ny', deps: { orders }, partitions: dailyNy, sql: 'select count(*)::BIGINT as n from orders' });
  const regionList = defineAsset({ key: 'ref/regions', partitions: regions, schema: z.object({ region: z.string() }), checks: [notNull('region')], compute: (ctx) => [{ region: ctx.partition.firstKey }] });
  const byRegion = defineAsset({
    key: 'marts/by_region',
    partitions: multiPartitions({ date: dailyNy, region: regions }),
    schema: z.object({ key: z.string() }),
    checks: [notNull('key')],
    compute: (ctx) => [{ key: ctx.partition.firstKey }],
  });
  const byWeekday = defineAsset({
    key: 'marts/by_weekday',
    partitions: weekdays,
    deps: {
      daily: {
        asset: daily,
        mapping: customMapping({
          id: 'weekday-of-day-v1',
          upstreamFor: () => [], // not read by these tests
          downstreamFor: (keys) => keys.map(weekdayOf),
        }),
      },
    },
    sql: 'select sum(n)::BIGINT as n from daily',
  });
  const config = defineAsset({ key: 'meta/config', schema: z.object({ v: z.int() }), compute: () => [{ v: 1 }] });
  return defineProject({ name: 'mixed', assets: [orders, daily, regionList, byRegion, byWeekday, config] });
}

