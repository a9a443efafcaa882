import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineAsset, defineProject, self } from '../definitions/index.ts';
import { openInstance, type Instance } from '../instance/instance.ts';
import { isQuarryError } from '../errors.ts';
import { dailyPartitions, dynamicPartitions, multiPartitions, multiToSingleMapping, staticMapping, staticPartitions, timeWindowMapping } from '../partitions/index.ts';

const daily = dailyPartitions({ start: '2026-01-01' });
const NOW = new Date('2026-02-01T00:00:00Z');
const RANGE = { from: '2026-01-01', to: '2026-01-10' } as const;

/** raw/orders → marts/revenue_7d (7-day window) → marts/report (same day), and a running total reading its previous day. */
function project(allowNonexistentUpstream: boolean) {
  const orders = defineAsset({
    key: 'raw/orders',
    partitions: daily,
    schema: z.object({ day: z.string(), amount: z.number() }),
    compute: (ctx) => [{ day: ctx.partition.firstKey, amount: 10 }],
  });
  const revenue7d = defineAsset({
    key: 'marts/revenue_7d',
    partitions: daily,
    deps: { orders: { asset: orders, mapping: timeWindowMapping({ startOffset: -6, endOffset: 0, allowNonexistentUpstream }) } },
    schema: z.object({ days: z.number() }),
    sql: 'select count(distinct day)::DOUBLE as days from orders',
  });
  const report = defineAsset({
    key: 'marts/report',
    partitions: daily,
    deps: { revenue: revenue7d },
    schema: z.object({ days: z.number() }),
    sql: 'select days from revenue',
  });
  const running = defineAsset({
    key: 'marts/running_total',
    partitions: daily,
    deps: { previous: self(timeWindowMapping({ startOffset: -1, endOffset: -1, allowNonexistentUpstream })), orders },
    schema: z.object({ amount: z.number() }),
    sql: 'select coalesce((select sum(amount) from previous), 0) + (select sum(amount) from orders) as amount',
  });
  return defineProject({ name: 'blocking', assets: [orders, revenue7d, report, running] });
}

async function withInstance(allow: boolean, fn: (instance: Instance) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-planner-'));
  const instance = await openInstance({ project: project(allow), projectDir: dir, quarryHome: join(dir, '.quarry'), now: NOW });
  try {
    await fn(instance);
  } finally {
    await instance.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const days = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `2026-01-${String(from + i).padStart(2, '0')}`);

describe('createPlan: required upstream partitions that do not exist', () => {
  it('blocks partitions whose window reaches before the first upstream partition, naming the missing keys, and what reads them', async () => {
    await withInstance(false, async (instance) => {
      const plan = await instance.plan({ partitions: RANGE });
      const planned = (asset: string) => plan.steps.filter((s) => s.assetKey === asset).flatMap((s) => s.partitionKeys);
      assert.deepEqual(planned('raw/orders'), days(1, 10));
      assert.deepEqual(planned('marts/revenue_7d'), days(7, 10));
      assert.deepEqual(planned('marts/report'), days(7, 10));
      assert.deepEqual(planned('marts/running_total'), []);
      const blocked = plan.blocked!;
      const first = blocked.find((b) => b.id === 'marts/revenue_7d[2026-01-01]')!;
      assert.deepEqual(first.reason, {
        cause: 'upstream_nonexistent',
        detail: 'requires upstream partitions that do not exist: raw/orders 2025-12-26..2025-12-31',
      });
      assert.deepEqual(first.nonexistentUpstream, [{ asset: 'raw/orders', from: '2025-12-26', to: '2025-12-31', count: 6 }]);
      assert.equal(blocked.find((b) => b.id === 'marts/revenue_7d[2026-01-06]')!.reason.detail, 'requires upstream partitions that do not exist: raw/orders 2025-12-31');
      assert.deepEqual(
        blocked.filter((b) => b.assetKey === 'marts/report').map((b) => [b.partitionKeys[0], b.reason.cause, b.reason.upstream]),
        days(1, 6).map((d) => [d, 'upstream_blocked', { asset: 'marts/revenue_7d', partition: d }]),
      );
      // The running total's first day lacks its previous day; every later day reads a blocked one.
      const running = blocked.filter((b) => b.assetKey === 'marts/running_total');
      assert.deepEqual(running.map((b) => b.partitionKeys[0]), days(1, 10));
      assert.deepEqual(running[0]!.reason, { cause: 'upstream_nonexistent', detail: 'requires upstream partitions that do not exist: marts/running_total 2025-12-31' });
      assert.deepEqual(running[1]!.reason.upstream, { asset: 'marts/running_total', partition: '2026-01-01' });
      // Running it materializes only what was planned.
      const { runId } = await instance.startRun({ partitions: RANGE });
      assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
      const status = new Map((await instance.status()).map((s) => [s.assetKey, s]));
      assert.equal(status.get('marts/revenue_7d')!.counts.fresh, 4);
      assert.equal(status.get('marts/running_total')!.counts.fresh, 0);
      // Planning again: nothing to run, the same partitions still blocked.
      const again = await instance.plan({ partitions: RANGE });
      assert.deepEqual(again.steps, []);
      assert.equal(again.blocked!.length, 6 + 6 + 10);
    });
  });

  it('runs them on the partitions that exist with allowNonexistentUpstream, and lists the missing ones per step', async () => {
    await withInstance(true, async (instance) => {
      const plan = await instance.plan({ partitions: RANGE });
      assert.deepEqual(plan.blocked, []);
      assert.equal(plan.steps.length, 40);
      const step = plan.steps.find((s) => s.id === 'marts/revenue_7d[2026-01-03]')!;
      assert.equal(step.reason.cause, 'missing');
      assert.deepEqual(step.nonexistentUpstream, [{ asset: 'raw/orders', from: '2025-12-28', to: '2025-12-31', count: 4 }]);
      assert.equal(plan.steps.find((s) => s.id === 'marts/revenue_7d[2026-01-07]')!.nonexistentUpstream, undefined);
      const { runId } = await instance.startRun({ partitions: RANGE });
      assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
      const status = new Map((await instance.status()).map((s) => [s.assetKey, s]));
      assert.equal(status.get('marts/revenue_7d')!.counts.fresh, 10);
      assert.equal(status.get('marts/running_total')!.counts.fresh, 10);
    });
  });
});

describe('createPlan: upstream keys that do not exist yet, through a static mapping', () => {
  it('blocks the downstream partition a dynamic key not added yet feeds, and runs it once the key exists (or when allowed)', async () => {
    for (const allowNonexistentUpstream of [false, true]) {
      const merchants = dynamicPartitions({ name: 'merchants' });
      const regions = staticPartitions(['eu', 'us']);
      const sales = defineAsset({ key: 'raw/sales', partitions: merchants, schema: z.object({ n: z.number() }), compute: () => [{ n: 1 }] });
      const byRegion = defineAsset({
        key: 'marts/by_region',
        partitions: regions,
        deps: { sales: { asset: sales, mapping: staticMapping({ m1: 'eu', m2: 'us', m3: 'us' }, { allowNonexistentUpstream }) } },
        schema: z.object({ n: z.number() }),
        sql: 'select count(*)::DOUBLE as n from sales',
      });
      const dir = mkdtempSync(join(tmpdir(), 'quarry-planner-'));
      const instance = await openInstance({ project: defineProject({ name: 'merchants', assets: [sales, byRegion] }), projectDir: dir, quarryHome: join(dir, '.quarry'), now: NOW });
      try {
        instance.updateDynamicPartitions('merchants', { add: ['m1', 'm2'] });
        const plan = await instance.plan();
        if (allowNonexistentUpstream) {
          assert.deepEqual(plan.blocked, []);
          const us = plan.steps.find((s) => s.id === 'marts/by_region[us]')!;
          assert.deepEqual(us.nonexistentUpstream, [{ asset: 'raw/sales', from: 'm3', to: 'm3', count: 1 }]);
          continue;
        }
        assert.deepEqual(plan.steps.map((s) => s.id), ['raw/sales[m1]', 'raw/sales[m2]', 'marts/by_region[eu]']);
        assert.deepEqual(plan.blocked!.map((b) => [b.id, b.reason]), [
          ['marts/by_region[us]', { cause: 'upstream_nonexistent', detail: 'requires upstream partitions that do not exist: raw/sales m3' }],
        ]);
        instance.updateDynamicPartitions('merchants', { add: ['m3'] });
        const later = await instance.plan();
        assert.deepEqual(later.blocked, []);
        assert.ok(later.steps.some((s) => s.id === 'marts/by_region[us]'));
      } finally {
        await instance.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

describe('partition mappings are validated when the project loads', () => {
  const regions = staticPartitions(['eu', 'us']);
  const markets = staticPartitions(['emea', 'americas']);
  const sales = defineAsset({ key: 'raw/sales', partitions: regions, schema: z.object({ n: z.number() }), compute: () => [{ n: 1 }] });

  async function load(asset: ReturnType<typeof defineAsset>): Promise<unknown> {
    const dir = mkdtempSync(join(tmpdir(), 'quarry-planner-'));
    try {
      const instance = await openInstance({ project: defineProject({ name: 'mappings', assets: [sales, asset] }), projectDir: dir, quarryHome: join(dir, '.quarry'), now: NOW });
      await instance.close();
      return undefined;
    } catch (error) {
      return error;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('a static mapping naming a key that does not exist is an error naming the asset, the dependency and the key', async () => {
    const byMarket = defineAsset({
      key: 'marts/by_market',
      partitions: markets,
      deps: { sales: { asset: sales, mapping: staticMapping({ eu: 'emea', us: 'americas', mars: 'americas' }) } },
      schema: z.object({ n: z.number() }),
      sql: 'select count(*)::DOUBLE as n from sales',
    });
    const error = await load(byMarket);
    assert.ok(isQuarryError(error, 'QUARRY_BAD_PARTITION_MAPPING'), String(error));
    assert.equal(
      error.message,
      'Asset "marts/by_market", dependency "sales": staticMapping names upstream key "mars", which is not a key of static(["eu","us"]): fix the mapping or the partitions definition.',
    );
    const typo = defineAsset({ ...byMarketConfig('emae'), deps: { sales: { asset: sales, mapping: staticMapping({ eu: 'emae', us: 'americas' }) } } });
    assert.match(String((await load(typo) as Error).message), /^Asset "marts\/by_market", dependency "sales": staticMapping names downstream key "emae"/);
  });

  it('a time-window mapping between partitions that are not time windows is an error at load', async () => {
    const daily7 = defineAsset({
      key: 'marts/daily',
      partitions: daily,
      deps: { sales: { asset: sales, mapping: timeWindowMapping({ startOffset: -1 }) } },
      schema: z.object({ n: z.number() }),
      sql: 'select count(*)::DOUBLE as n from sales',
    });
    const error = (await load(daily7)) as Error;
    assert.equal(
      error.message,
      `Asset "marts/daily", dependency "sales": timeWindowMapping cannot map static(["eu","us"]) (upstream) to ${daily.id} (downstream): it needs time-window partitions on both sides; use allMapping, staticMapping or customMapping.`,
    );
  });

  function byMarketConfig(_key: string) {
    return {
      key: 'marts/by_market',
      partitions: markets,
      schema: z.object({ n: z.number() }),
      sql: 'select count(*)::DOUBLE as n from sales',
    } as const;
  }
});

describe("selecting one dimension of multi-partitioned assets ('region=eu')", () => {
  it('plans every partition of that dimension value, and the same key of assets partitioned like the dimension', async () => {
    const regions = staticPartitions(['eu', 'us']);
    const days = dailyPartitions({ start: '2026-01-01' });
    const byRegionDay = multiPartitions({ region: regions, day: days });
    const sales = defineAsset({ key: 'raw/sales', partitions: byRegionDay, schema: z.object({ n: z.number() }), compute: () => [{ n: 1 }] });
    const regionTotals = defineAsset({
      key: 'marts/region_totals',
      partitions: regions,
      deps: { sales: { asset: sales, mapping: multiToSingleMapping({ dimension: 'region' }) } },
      schema: z.object({ n: z.number() }),
      sql: 'select count(*)::DOUBLE as n from sales',
    });
    const dir = mkdtempSync(join(tmpdir(), 'quarry-planner-'));
    const instance = await openInstance({ project: defineProject({ name: 'dims', assets: [sales, regionTotals] }), projectDir: dir, quarryHome: join(dir, '.quarry'), now: new Date('2026-01-04T00:00:00Z') });
    try {
      const plan = await instance.plan({ partitions: { key: 'region=eu' } });
      assert.deepEqual(
        plan.steps.map((s) => s.id),
        ['raw/sales[eu|2026-01-01]', 'raw/sales[eu|2026-01-02]', 'raw/sales[eu|2026-01-03]', 'marts/region_totals[eu]'],
      );
      const day = await instance.plan({ selection: 'raw/sales', partitions: { key: 'day=2026-01-02' } });
      assert.deepEqual(day.steps.map((s) => s.id), ['raw/sales[eu|2026-01-02]', 'raw/sales[us|2026-01-02]']);
      await assert.rejects(instance.plan({ partitions: { key: 'region=asia' } }), {
        code: 'QUARRY_BAD_PARTITION_KEY',
        message: 'Partition key "asia" is not a key of static(["eu","us"]): expected one of "eu", "us".',
      });
      await assert.rejects(instance.plan({ partitions: { key: 'day=2026-01-02' } }), {
        code: 'QUARRY_BAD_PARTITION_KEY',
        message: 'Asset "marts/region_totals" has partitions static(["eu","us"]), which have no dimension "day" with key "2026-01-02": select it separately with its own keys.',
      });
      const { runId } = await instance.startRun({ partitions: { key: 'region=eu' } });
      assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
      assert.deepEqual((await instance.plan({ partitions: { key: 'region=eu' } })).steps, []);
    } finally {
      await instance.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
