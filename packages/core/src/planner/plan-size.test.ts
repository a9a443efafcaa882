import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineAsset, defineProject } from '../definitions/index.ts';
import { isQuarryError } from '../errors.ts';
import { openInstance } from '../instance/index.ts';
import { fifteenMinutePartitions } from '../partitions/index.ts';

// Ten million fifteen-minute partitions (1726–2026): the bound is checked on planned ranges, before
// a single step is built, so refusing costs nothing.
const fifteen = fifteenMinutePartitions({ start: '1726-01-01', end: '2026-01-01' });
const ticks = defineAsset({ key: 'raw/ticks', partitions: fifteen, compute: () => [] });
const chunked = defineAsset({ key: 'raw/chunked', partitions: fifteen, backfill: { maxPartitionsPerStep: 10, partitionColumn: 'at' }, compute: () => [] });

test('Instance.plan refuses a plan over maxPartitions or maxSteps with QUARRY_PLAN_TOO_LARGE, and plans within them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-plan-size-'));
  const instance = await openInstance({ project: defineProject({ name: 'huge', assets: [ticks, chunked] }), projectDir: dir, quarryHome: join(dir, '.quarry') });
  try {
    await assert.rejects(
      instance.plan({ selection: 'raw/ticks', maxPartitions: 100_000 }),
      (error: unknown) => isQuarryError(error, 'QUARRY_PLAN_TOO_LARGE') && /10,519,008 asset partitions \(the limit is 100,000\); largest: raw\/ticks: 10,519,008\. Narrow it/.test(error.message),
    );
    const day = { from: '2000-01-01-00:00', to: '2000-01-01-23:45' };
    assert.equal((await instance.plan({ selection: 'raw/ticks', partitions: day, maxSteps: 96, maxPartitions: 96 })).steps.length, 96);
    await assert.rejects(instance.plan({ selection: 'raw/ticks', partitions: day, maxSteps: 95 }), /96 steps \(the limit is 95\)/);
    // Range steps of at most 10 partitions: 96 partitions are 10 steps.
    assert.equal((await instance.plan({ selection: 'raw/chunked', partitions: day, maxSteps: 10 })).steps.length, 10);
    await assert.rejects(instance.plan({ selection: 'raw/chunked', partitions: day, maxSteps: 9 }), /10 steps \(the limit is 9\)/);
  } finally {
    await instance.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
