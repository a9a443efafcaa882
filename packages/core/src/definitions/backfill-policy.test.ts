import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { isQuarryError } from '../errors.ts';
import { openInstance } from '../instance/index.ts';
import { formatPlan, planToJson } from '../cli/commands/plan-command.ts';
import { dailyPartitions, timeWindowMapping } from '../partitions/index.ts';
import { defineAsset, defineProject, self, type AssetConfig } from './index.ts';

const daily = dailyPartitions({ start: '2026-01-01' });
const schema = z.object({ day: z.string(), n: z.number() });
const base = { key: 'marts/daily', partitions: daily, schema, sql: 'select day, 1 as n from range(1) t(day)' } satisfies AssetConfig<typeof schema>;

function refusal(config: AssetConfig<typeof schema> | AssetConfig<undefined>, pattern: RegExp): void {
  assert.throws(
    () => defineAsset(config),
    (error: unknown) => isQuarryError(error, 'QUARRY_BAD_DEFINITION') && pattern.test(error.message),
  );
}

describe('backfill: { maxPartitionsPerStep, partitionColumn }', () => {
  it('normalizes the declared forms: none, N, all, and the older mode form', () => {
    assert.deepEqual(defineAsset(base).backfill, { maxPartitionsPerStep: 1, partitionColumn: undefined });
    assert.deepEqual(defineAsset({ ...base, backfill: { maxPartitionsPerStep: 1000, partitionColumn: 'day' } }).backfill, { maxPartitionsPerStep: 1000, partitionColumn: 'day' });
    assert.deepEqual(defineAsset({ ...base, backfill: { maxPartitionsPerStep: 'all', partitionColumn: 'day' } }).backfill, { maxPartitionsPerStep: 'all', partitionColumn: 'day' });
    assert.deepEqual(defineAsset({ ...base, backfill: { mode: 'single-run', partitionColumn: 'day' } }).backfill, { maxPartitionsPerStep: 'all', partitionColumn: 'day' });
    assert.deepEqual(defineAsset({ ...base, backfill: { mode: 'single-run', maxPartitionsPerStep: 7, partitionColumn: 'day' } }).backfill, { maxPartitionsPerStep: 7, partitionColumn: 'day' });
    assert.deepEqual(defineAsset({ ...base, backfill: { mode: 'per-partition' } }).backfill, { maxPartitionsPerStep: 1, partitionColumn: undefined });
  });

  it('refuses a bad maxPartitionsPerStep at definition time, naming the value', () => {
    for (const bad of [0, -3, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '100' as unknown as number]) {
      refusal({ ...base, backfill: { maxPartitionsPerStep: bad, partitionColumn: 'day' } }, /Asset "marts\/daily": backfill\.maxPartitionsPerStep is .+; use a whole number ≥ 1 \(1 = one step per partition\) or 'all'\./);
    }
    refusal({ ...base, backfill: { maxPartitionsPerStep: 0, partitionColumn: 'day' } }, /maxPartitionsPerStep is 0;/);
    refusal({ ...base, backfill: { maxPartitionsPerStep: '100' as unknown as number, partitionColumn: 'day' } }, /maxPartitionsPerStep is "100";/);
  });

  it('refuses range steps without a partition column, with a column outside the schema, on an unpartitioned asset, or with a bad mode', () => {
    refusal({ ...base, backfill: { maxPartitionsPerStep: 100 } }, /maxPartitionsPerStep is 100, so one step writes several partitions, but no partitionColumn says which partition a row belongs to\. Add partitionColumn/);
    refusal({ ...base, backfill: { mode: 'single-run' } }, /maxPartitionsPerStep is "all", so one step writes several partitions, but no partitionColumn/);
    refusal({ ...base, backfill: { maxPartitionsPerStep: 100, partitionColumn: 'date' } }, /partitionColumn "date" is not a column of the asset's schema \(day, n\)/);
    refusal({ ...base, backfill: { maxPartitionsPerStep: 100, partitionColumn: ' ' } }, /partitionColumn is " "; name the output column/);
    refusal({ key: 'marts/total', sql: 'select 1 as n', backfill: { maxPartitionsPerStep: 'all', partitionColumn: 'n' } }, /the asset has no partitions; range steps batch partitions/);
    refusal({ ...base, backfill: { mode: 'per-partition', maxPartitionsPerStep: 5, partitionColumn: 'day' } }, /says mode 'per-partition' with maxPartitionsPerStep 5/);
    refusal({ ...base, backfill: { mode: 'batched' as 'single-run' } }, /backfill\.mode is "batched"/);
  });
});

describe('the planner and range steps', () => {
  const range = { from: '2026-01-01', to: '2026-01-25' };
  const ranged = defineAsset({ ...base, key: 'marts/ranged', backfill: { maxPartitionsPerStep: 10, partitionColumn: 'day' } });
  const running = defineAsset({
    key: 'marts/running',
    partitions: daily,
    schema,
    deps: { previous: self(timeWindowMapping({ startOffset: -1, endOffset: -1, allowNonexistentUpstream: true })) },
    backfill: { maxPartitionsPerStep: 10, partitionColumn: 'day' },
    sql: 'select $partition_key as day, 1 as n',
  });

  it('groups contiguous stale partitions into steps of at most N; a self-dependent asset runs one partition per step and the plan says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quarry-range-plan-'));
    const instance = await openInstance({ project: defineProject({ name: 'ranges', assets: [ranged, running] }), projectDir: dir, quarryHome: join(dir, '.quarry'), now: new Date('2026-02-01T00:00:00Z') });
    try {
      const plan = await instance.plan({ partitions: range });
      const steps = (asset: string) => plan.steps.filter((s) => s.assetKey === asset);
      assert.deepEqual(steps('marts/ranged').map((s) => s.id), ['marts/ranged[2026-01-01..2026-01-10]', 'marts/ranged[2026-01-11..2026-01-20]', 'marts/ranged[2026-01-21..2026-01-25]']);
      assert.deepEqual(steps('marts/ranged').map((s) => s.unbatched), [undefined, undefined, undefined]);
      assert.equal(steps('marts/running').length, 25);
      const why = 'self-dependent (reads its own earlier partitions through "previous"), so each partition waits for the one before and is never batched';
      assert.ok(steps('marts/running').every((s) => s.partitionKeys.length === 1 && s.unbatched === why));
      assert.ok(formatPlan(plan).includes(`  marts/running [2026-01-02]  missing; not batched: ${why}`), formatPlan(plan).join('\n'));
      assert.ok(formatPlan(plan).includes('  marts/ranged [2026-01-11..2026-01-20]  missing'));
      const json = planToJson(plan).steps;
      assert.equal(json.find((s) => s.asset === 'marts/running' && s.partition === '2026-01-03')?.unbatched, why);
      assert.equal(json.find((s) => s.asset === 'marts/ranged' && s.partition === '2026-01-03')?.unbatched, undefined);
    } finally {
      await instance.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
