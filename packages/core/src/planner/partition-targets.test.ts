// A date range over a selection mixing time, static, multi and unpartitioned assets (issue 11, point 10).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { defineAsset, defineProject } from '../definitions/index.ts';
import { openInstance, type Instance } from '../instance/instance.ts';
import { customMapping, dailyPartitions, hourlyPartitions, multiPartitions, staticPartitions } from '../partitions/index.ts';

const NOW = new Date('2026-03-10T12:00:00Z');
const hourlyUtc = hourlyPartitions({ start: '2026-03-01' });
const dailyNy = dailyPartitions({ start: '2026-03-01', timezone: 'America/New_York' });
const regions = staticPartitions(['eu', 'us', 'apac']);
const weekdays = staticPartitions(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']);
const weekdayOf = (day: string) => weekdays.keyAt(new Date(`${day}T00:00:00Z`).getUTCDay());

/** Hourly UTC orders, a daily New York rollup, static regions, date × region, weekday stats mapped from days, an unpartitioned config. */
export function mixedProject() {
  const orders = defineAsset({ key: 'raw/orders', partitions: hourlyUtc, schema: z.object({ hour: z.string() }), compute: (ctx) => [{ hour: ctx.partition.firstKey }] });
  const daily = defineAsset({ key: 'marts/daily_ny', deps: { orders }, partitions: dailyNy, sql: 'select count(*)::BIGINT as n from orders' });
  const regionList = defineAsset({ key: 'ref/regions', partitions: regions, schema: z.object({ region: z.string() }), compute: (ctx) => [{ region: ctx.partition.firstKey }] });
  const byRegion = defineAsset({
    key: 'marts/by_region',
    partitions: multiPartitions({ date: dailyNy, region: regions }),
    schema: z.object({ key: z.string() }),
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

async function withInstance(body: (instance: Instance) => Promise<void>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'quarry-ranges-'));
  try {
    const instance = await openInstance({ project: mixedProject(), projectDir: home, quarryHome: join(home, '.quarry'), now: NOW });
    await body(instance);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Per asset, the partition keys the plan materializes. */
async function planned(instance: Instance, selection: string, from: string, to: string): Promise<Map<string, string[]>> {
  const plan = await instance.plan({ selection, partitions: { from, to } });
  const out = new Map<string, string[]>();
  for (const step of plan.steps) out.set(step.assetKey, [...(out.get(step.assetKey) ?? []), ...step.partitionKeys]);
  return out;
}

const hoursFrom = (startUtcMs: number, count: number) =>
  Array.from({ length: count }, (_, i) => new Date(startUtcMs + i * 3_600_000).toISOString().replace(/T(\d\d):(\d\d).*$/, '-$1:$2'));

test('a day range over a mixed selection gives each asset the partitions of the range that apply to it', async () => {
  await withInstance(async (instance) => {
    const keys = await planned(instance, '*', '2026-03-02', '2026-03-03');
    // New York days 2026-03-02 and 03 (EST, UTC-5) are 05:00Z on the 2nd to 05:00Z on the 4th: 48 UTC hours.
    assert.deepEqual(keys.get('raw/orders'), hoursFrom(Date.parse('2026-03-02T05:00:00Z'), 48));
    assert.deepEqual(keys.get('marts/daily_ny'), ['2026-03-02', '2026-03-03']);
    assert.deepEqual(keys.get('ref/regions')?.sort(), ['apac', 'eu', 'us']);
    assert.deepEqual(keys.get('marts/by_region')?.sort(), ['2026-03-02|apac', '2026-03-02|eu', '2026-03-02|us', '2026-03-03|apac', '2026-03-03|eu', '2026-03-03|us']);
    // 2026-03-02 is a Monday: the days' weekdays through the dependency's mapping, not all seven.
    assert.deepEqual(keys.get('marts/by_weekday')?.sort(), ['mon', 'tue']);
    assert.deepEqual(keys.get('meta/config'), ['']);
  });
});

test('a day range means the same for an asset selected alone as within the whole selection', async () => {
  await withInstance(async (instance) => {
    const whole = await planned(instance, '*', '2026-03-02', '2026-03-03');
    for (const key of ['raw/orders', 'marts/by_region', 'ref/regions']) {
      const alone = await planned(instance, key, '2026-03-02', '2026-03-03');
      assert.deepEqual(alone.get(key)?.sort(), whole.get(key)?.sort(), key);
    }
  });
});
