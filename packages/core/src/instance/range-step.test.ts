// Range steps (issue 12, point 1) through the real instance, DuckDB engine, lake and catalog: one
// execution per range, its output split into one version per partition by the asset's partition
// column, with the data versions a per-partition run writes for the same rows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { defineAsset, defineProject, type AssetConfig, type ProjectDefinition } from '../definitions/index.ts';
import { acceptedRange } from '../checks/index.ts';
import { dailyPartitions, staticPartitions, timeWindowMapping } from '../partitions/index.ts';
import { openInstance, type Instance } from './instance.ts';

const NOW = new Date('2026-05-01T00:00:00Z');
const JANUARY = { from: '2026-01-01', to: '2026-01-31' };

async function withInstance(project: ProjectDefinition, body: (instance: Instance) => Promise<void>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'quarry-range-step-'));
  const instance = await openInstance({ project, projectDir: home, quarryHome: join(home, '.quarry'), now: NOW });
  try {
    await body(instance);
  } finally {
    await instance.close();
    rmSync(home, { recursive: true, force: true });
  }
}

async function run(instance: Instance, options: Parameters<Instance['startRun']>[0]): Promise<{ status: string; error: string | null; runId: string }> {
  const { runId } = await instance.startRun(options);
  const record = await instance.waitForRun(runId);
  // The first failed step's error: what the user sees for the step.
  const failed = instance.catalog.listSteps(runId).find((s) => s.status === 'failed');
  return { status: record.status, error: failed?.error ?? record.error, runId };
}

/** Every current version of `asset` in January: key → [data version, rows]. */
function versions(instance: Instance, asset: string, keys: readonly string[]): Map<string, [string, number]> {
  const out = new Map<string, [string, number]>();
  // rowCount is null only for versions written before row counts were kept.
  for (const key of keys) {
    const m = instance.catalog.currentMaterialization(asset, key);
    if (m !== undefined) out.set(key, [m.dataVersion, m.rowCount ?? -1]);
  }
  return out;
}

const januaryKeys = Array.from({ length: 31 }, (_, i) => `2026-01-${String(i + 1).padStart(2, '0')}`);

/**
 * A daily asset in Berlin time whose SQL covers the whole step range: rows with a DATE column `day`,
 * a TIMESTAMPTZ `at` and a text `key`, none on 2026-01-13 (an empty partition).
 */
function events(backfill: AssetConfig<undefined>['backfill'], extra = ''): ReturnType<typeof defineAsset> {
  return defineAsset({
    key: 'raw/events',
    partitions: dailyPartitions({ start: '2026-01-01', timezone: 'Europe/Berlin' }),
    ...(backfill !== undefined ? { backfill } : {}),
    sql: `
      select d::DATE as day, strftime(d, '%Y-%m-%d') as key, timezone('Europe/Berlin', d + interval 23 hour) as at, n::BIGINT as n, (n * 0.1)::DOUBLE as x,
             (n * 1.25)::DECIMAL(18,3) as amount, n % 2 = 0 as even, [n, n + 1] as pair, {'k': n} as obj
      from range(timezone('Europe/Berlin', $partition_start)::DATE::TIMESTAMP, timezone('Europe/Berlin', $partition_end)::DATE::TIMESTAMP, interval 1 day) t(d),
           range(3) r(n)
      where strftime(d, '%Y-%m-%d') <> '2026-01-13' ${extra}`,
  });
}

describe('range steps', () => {
  for (const column of ['day', 'at', 'key']) {
    test(`placing rows by ${column}: 31 partitions in 4 steps of ≤ 10 give the data versions of 31 one-partition steps`, async () => {
      let perPartition: Map<string, [string, number]> = new Map();
      await withInstance(defineProject({ name: 'single', assets: [events(undefined)] }), async (instance) => {
        const r = await run(instance, { partitions: JANUARY });
        assert.equal(r.status, 'succeeded', r.error ?? '');
        perPartition = versions(instance, 'raw/events', januaryKeys);
      });
      assert.equal(perPartition.size, 31);
      assert.deepEqual(perPartition.get('2026-01-13')?.[1], 0, 'the empty day has a version with no rows');
      await withInstance(defineProject({ name: 'ranges', assets: [events({ maxPartitionsPerStep: 10, partitionColumn: column })] }), async (instance) => {
        const plan = await instance.plan({ partitions: JANUARY });
        assert.deepEqual(plan.steps.map((s) => s.partitionKeys.length), [10, 10, 10, 1]);
        const r = await run(instance, { partitions: JANUARY });
        assert.equal(r.status, 'succeeded', r.error ?? '');
        assert.deepEqual(versions(instance, 'raw/events', januaryKeys), perPartition);
        // One step wrote ten versions, each with its own files and the step's id.
        const first = instance.catalog.currentMaterialization('raw/events', '2026-01-01')!;
        const tenth = instance.catalog.currentMaterialization('raw/events', '2026-01-10')!;
        assert.equal(first.stepId, 'raw/events[2026-01-01..2026-01-10]');
        assert.equal(tenth.stepId, first.stepId);
        assert.notDeepEqual(first.files, tenth.files);
        const rows = await instance.query(`select count(*)::INTEGER as n, count(distinct day)::INTEGER as days from raw__events`);
        assert.deepEqual(rows.rows, [{ n: 90, days: 30 }]);
        assert.deepEqual((await instance.plan({ partitions: JANUARY })).steps, [], 'nothing stale after the range steps');
      });
    });
  }

  test('across the spring DST change in Berlin (a 23-hour day), DATE and TIMESTAMPTZ rows land in their own day', async () => {
    const spring = { from: '2026-03-25', to: '2026-04-03' };
    const springKeys = ['2026-03-25', '2026-03-26', '2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31', '2026-04-01', '2026-04-02', '2026-04-03'];
    let perPartition: Map<string, [string, number]> = new Map();
    await withInstance(defineProject({ name: 'single', assets: [events(undefined)] }), async (instance) => {
      const r = await run(instance, { partitions: spring });
      assert.equal(r.status, 'succeeded', r.error ?? '');
      perPartition = versions(instance, 'raw/events', springKeys);
    });
    assert.deepEqual([...perPartition.values()].map(([, rows]) => rows), Array(10).fill(3));
    for (const column of ['day', 'at']) {
      await withInstance(defineProject({ name: 'ranges', assets: [events({ maxPartitionsPerStep: 'all', partitionColumn: column })] }), async (instance) => {
        const r = await run(instance, { partitions: spring });
        assert.equal(r.status, 'succeeded', r.error ?? '');
        assert.deepEqual(versions(instance, 'raw/events', springKeys), perPartition, `placed by ${column}`);
      });
    }
  });

  test('a row outside the range fails the whole range with QUARRY_BAD_ROW_PLACEMENT naming the value; nothing of the range is committed', async () => {
    const leaky = defineAsset({
      key: 'raw/leaky',
      partitions: dailyPartitions({ start: '2026-01-01' }),
      backfill: { maxPartitionsPerStep: 5, partitionColumn: 'day' },
      sql: `select ($partition_start::DATE + i::INTEGER)::DATE as day from range(6) t(i)`,
    });
    await withInstance(defineProject({ name: 'leaky', assets: [leaky] }), async (instance) => {
      const r = await run(instance, { partitions: { from: '2026-01-01', to: '2026-01-05' } });
      assert.equal(r.status, 'failed');
      assert.match(
        r.error ?? '',
        /Asset "raw\/leaky" partitions "2026-01-01".."2026-01-05" \(5\): 1 row has partition column "day" outside the step's partitions "2026-01-01".."2026-01-05", such as "2026-01-06"\. Every row must fall in one partition/,
      );
      assert.equal(versions(instance, 'raw/leaky', januaryKeys).size, 0);
    });
  });

  test('a NULL partition column is refused too', async () => {
    const nulls = defineAsset({
      key: 'raw/nulls',
      partitions: dailyPartitions({ start: '2026-01-01' }),
      backfill: { maxPartitionsPerStep: 'all', partitionColumn: 'day' },
      sql: `select case when i = 2 then null else ($partition_start::DATE + i::INTEGER)::DATE end as day from range(3) t(i)`,
    });
    await withInstance(defineProject({ name: 'nulls', assets: [nulls] }), async (instance) => {
      const r = await run(instance, { partitions: { from: '2026-01-01', to: '2026-01-03' } });
      assert.equal(r.status, 'failed');
      assert.match(r.error ?? '', /1 row has NULL in partition column "day", which places it in no partition/);
    });
  });

  test('lineage, checks and blocking stay per partition: a 7-day window reads its own 7 days; a blocked partition is left out, the rest of the range is committed', async () => {
    const daily = dailyPartitions({ start: '2026-01-01' });
    const orders = defineAsset({ key: 'raw/orders', partitions: daily, sql: `select $partition_key as day, 10 as amount` });
    const weekly = defineAsset({
      key: 'marts/week',
      partitions: daily,
      deps: { orders: { asset: orders, mapping: timeWindowMapping({ startOffset: -6, endOffset: 0, allowNonexistentUpstream: true }) } },
      backfill: { maxPartitionsPerStep: 'all', partitionColumn: 'day' },
      checks: [acceptedRange('total', { max: 60, blocking: true })],
      sql: `select k.day, sum(o.amount)::BIGINT as total from (select unnest($partition_keys) as day) k
            join orders o on o.day::DATE between k.day::DATE - 6 and k.day::DATE group by k.day`,
    });
    await withInstance(defineProject({ name: 'window', assets: [orders, weekly] }), async (instance) => {
      const r = await run(instance, { partitions: { from: '2026-01-01', to: '2026-01-10' } });
      assert.equal(r.status, 'partially_failed', 'raw/orders succeeded, the range step is blocked');
      const steps = instance.catalog.listSteps(r.runId).filter((s) => s.assetKey === 'marts/week');
      assert.deepEqual(steps.map((s) => s.stepId), ['marts/week[2026-01-01..2026-01-10]']);
      assert.match(steps[0]!.error ?? '', /^marts\/week \[2026-01-07\]: blocking check failed: .*; marts\/week \[2026-01-10\]: blocking check failed/);
      // Totals reach 70 from the 7th day on: days 7..10 are blocked by the check, days 1..6 are published.
      const published = januaryKeys.slice(0, 10).filter((k) => instance.catalog.currentMaterialization('marts/week', k) !== undefined);
      assert.deepEqual(published, januaryKeys.slice(0, 6));
      const status = await instance.status('marts/week', { from: '2026-01-01', to: '2026-01-10' });
      assert.equal(status[0]!.counts.failed, 4, JSON.stringify(status[0]!.counts));
      // Each version's lineage is its own window, not the range's.
      const sixth = instance.catalog.currentMaterialization('marts/week', '2026-01-06')!;
      const edges = instance.catalog.listLineageEdges({ asset: 'marts/week', partition: '2026-01-06', direction: 'upstream', materializationId: sixth.id });
      assert.deepEqual(edges.map((e) => e.fromPartitionKey).sort(), januaryKeys.slice(0, 6));
      const second = instance.catalog.currentMaterialization('marts/week', '2026-01-02')!;
      assert.deepEqual(instance.catalog.listLineageEdges({ asset: 'marts/week', partition: '2026-01-02', direction: 'upstream', materializationId: second.id }).map((e) => e.fromPartitionKey).sort(), januaryKeys.slice(0, 2));
      // The published partitions' check results are recorded against their own versions.
      assert.deepEqual((await instance.plan({ partitions: { from: '2026-01-01', to: '2026-01-10' } })).steps.map((s) => s.partitionKeys), [januaryKeys.slice(6, 10)]);
    });
  });

  test('static partitions place rows by key, and a compute asset runs once per range with the whole scope', async () => {
    const regions = staticPartitions(['eu', 'us', 'apac', 'latam']);
    const calls: string[][] = [];
    const sales = defineAsset({
      key: 'raw/sales',
      partitions: regions,
      schema: z.object({ region: z.string(), amount: z.number() }),
      backfill: { maxPartitionsPerStep: 'all', partitionColumn: 'region' },
      compute: (ctx) => {
        calls.push([...ctx.partition.keys]);
        return ctx.partition.keys.flatMap((region, i) => Array.from({ length: i + 1 }, (_, n) => ({ region, amount: n + 0.5 })));
      },
    });
    await withInstance(defineProject({ name: 'static', assets: [sales] }), async (instance) => {
      const r = await run(instance, {});
      assert.equal(r.status, 'succeeded', r.error ?? '');
      assert.deepEqual(calls, [['eu', 'us', 'apac', 'latam']]);
      assert.deepEqual(
        ['eu', 'us', 'apac', 'latam'].map((k) => instance.catalog.currentMaterialization('raw/sales', k)!.rowCount),
        [1, 2, 3, 4],
      );
    });
  });
});
