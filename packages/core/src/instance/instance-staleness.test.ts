// Instance.status and Instance.plan answer for a partition the same whatever else is selected
// (issue 11, point 1): staleness is computed over the upstream closure of the selection.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { defineAsset, defineProject } from '../definitions/index.ts';
import { dailyPartitions, timeWindowMapping } from '../partitions/index.ts';
import { openInstance, type Instance } from './instance.ts';

const NOW = new Date('2026-01-11T12:00:00Z');
const daily = dailyPartitions({ start: '2026-01-01' });

/** Values raw/numbers writes per day (default 1), changed by tests without changing its code. */
const values = new Map<string, number>();

/** A three-asset chain raw → clean → weekly; `value` 2 is an edit of raw's code. */
function chain(value: number) {
  const raw = defineAsset({
    key: 'raw/numbers',
    partitions: daily,
    schema: z.object({ day: z.string(), n: z.int() }),
    compute: value === 1 ? (ctx) => [{ day: ctx.partition.firstKey, n: values.get(ctx.partition.firstKey) ?? 1 }] : (ctx) => [{ day: ctx.partition.firstKey, n: 2 }],
  });
  const clean = defineAsset({ key: 'staging/numbers', deps: { raw }, partitions: daily, sql: 'select day, n * 10 as n from raw' });
  const weekly = defineAsset({
    key: 'marts/weekly',
    // The first six days read days before history: they run on what exists, as a partial window.
    deps: { clean: { asset: clean, mapping: timeWindowMapping({ startOffset: -6, endOffset: 0, allowNonexistentUpstream: true }) } },
    partitions: daily,
    sql: 'select $partition_key as day, sum(n)::BIGINT as total from clean',
  });
  return defineProject({ name: 'chain', assets: [raw, clean, weekly] });
}

async function withHome(body: (home: string) => Promise<void>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'quarry-instance-'));
  try {
    await body(home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function open(home: string, value: number): Promise<Instance> {
  return openInstance({ project: chain(value), projectDir: home, quarryHome: join(home, '.quarry'), now: NOW });
}

async function run(instance: Instance, options: Parameters<Instance['startRun']>[0]): Promise<void> {
  const { runId } = await instance.startRun(options);
  const record = await instance.waitForRun(runId);
  assert.equal(record.status, 'succeeded', record.error ?? '');
}

test('status of one asset sees upstream staleness two levels up, as the whole graph does', async () => {
  await withHome(async (home) => {
    const first = await open(home, 1);
    await run(first, { partitions: { from: '2026-01-01', to: '2026-01-10' } });
    await first.close();
    // Only raw/numbers changed (its code), nothing downstream has run since.
    const second = await open(home, 2);
    try {
      const whole = new Map((await second.status()).map((s) => [s.assetKey, s.counts]));
      assert.deepEqual(whole.get('marts/weekly'), { fresh: 0, stale: 10, missing: 0, failed: 0, upstream_failed: 0 });
      const [alone] = await second.status('marts/weekly');
      assert.equal(alone?.assetKey, 'marts/weekly');
      assert.deepEqual(alone?.counts, whole.get('marts/weekly'), 'the asset alone has the same status as in the whole graph');
      const plan = await second.plan({ selection: 'marts/weekly', partitions: { key: '2026-01-05' } });
      assert.deepEqual(
        plan.steps.map((s) => [s.id, s.reason.cause, s.reason.upstream?.asset]),
        [['marts/weekly[2026-01-05]', 'upstream_stale', 'staging/numbers']],
      );
      // A one-day selection of the middle asset gives the same cause as the wide one.
      const narrow = await second.plan({ selection: 'staging/numbers', partitions: { key: '2026-01-05' } });
      assert.deepEqual(narrow.steps.map((s) => [s.id, s.reason.cause]), [['staging/numbers[2026-01-05]', 'upstream_stale']]);
    } finally {
      await second.close();
    }
  });
});

test('a narrow partition range gives each partition the answer of the wide range', async () => {
  await withHome(async (home) => {
    const first = await open(home, 1);
    await run(first, { partitions: { from: '2026-01-01', to: '2026-01-10' } });
    // New data for one raw day (same code): only the weekly partitions reading that day are stale.
    values.set('2026-01-03', 5);
    try {
      await run(first, { selection: 'raw/numbers', partitions: { key: '2026-01-03' }, force: true });
      const wide = await first.plan({ selection: 'marts/weekly', partitions: { from: '2026-01-01', to: '2026-01-10' } });
      assert.deepEqual(wide.steps.map((s) => s.partitionKeys[0]), ['2026-01-03', '2026-01-04', '2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09']);
      const narrow = await first.plan({ selection: 'marts/weekly', partitions: { key: '2026-01-09' } });
      assert.deepEqual(narrow.steps.map((s) => [s.id, s.reason.cause]), [['marts/weekly[2026-01-09]', 'upstream_stale']]);
      const untouched = await first.plan({ selection: 'marts/weekly', partitions: { key: '2026-01-10' } });
      assert.deepEqual(untouched.steps, []);
    } finally {
      values.clear();
      await first.close();
    }
  });
});

test('a long-lived instance (status and plan repeated over a kept catalog read) still sees a lake file lost since and a commit by another instance', async () => {
  await withHome(async (home) => {
    const first = await open(home, 1);
    const second = await open(home, 1);
    try {
      await run(first, { selection: 'raw/numbers', partitions: { from: '2026-01-01', to: '2026-01-03' } });
      const counts = async () => (await first.status('raw/numbers'))[0]?.counts;
      assert.deepEqual(await counts(), { fresh: 3, stale: 0, missing: 7, failed: 0, upstream_failed: 0 });
      assert.deepEqual(await counts(), { fresh: 3, stale: 0, missing: 7, failed: 0, upstream_failed: 0 });
      const [lost] = first.catalog.currentFiles('raw/numbers', ['2026-01-02']);
      rmSync(first.store.localPath(lost!.path)!);
      assert.deepEqual(await counts(), { fresh: 2, stale: 0, missing: 8, failed: 0, upstream_failed: 0 }, 'a lost file is not fresh');
      const plan = await first.plan({ selection: 'raw/numbers', partitions: { from: '2026-01-01', to: '2026-01-03' } });
      assert.deepEqual(plan.steps.map((s) => [s.id, s.reason.cause, s.reason.detail]), [['raw/numbers[2026-01-02]', 'missing', 'file lost']]);
      await run(second, { selection: 'raw/numbers', partitions: { key: '2026-01-04' } });
      assert.deepEqual(await counts(), { fresh: 3, stale: 0, missing: 7, failed: 0, upstream_failed: 0 }, 'the other instance committed 2026-01-04');
    } finally {
      await second.close();
      await first.close();
    }
  });
});
