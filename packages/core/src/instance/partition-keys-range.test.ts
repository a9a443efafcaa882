// `quarry partitions ASSET --from D --to D` with one day over an hourly asset (found while writing
// examples/shop): it lists the day's hours, as `plan ASSET --from D --to D` targets them, instead of
// rejecting the day as a bad hourly key.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { defineAsset, defineProject } from '../definitions/index.ts';
import { dailyPartitions, hourlyPartitions } from '../partitions/index.ts';
import { openInstance } from './instance.ts';

test('partitionKeys reads a one-day range over an hourly asset as plan does (23 hours on spring-forward day in New York)', async () => {
  const hourly = defineAsset({
    key: 'raw/orders',
    partitions: hourlyPartitions({ start: '2026-03-01' }),
    schema: z.object({ hour: z.string() }),
    compute: (ctx) => [{ hour: ctx.partition.firstKey }],
  });
  const daily = defineAsset({
    key: 'marts/daily',
    deps: { hourly },
    partitions: dailyPartitions({ start: '2026-03-01', timezone: 'America/New_York' }),
    sql: 'select count(*) as hours from hourly',
  });
  const home = mkdtempSync(join(tmpdir(), 'quarry-partition-keys-'));
  try {
    const instance = await openInstance({ project: defineProject({ name: 'keys', assets: [hourly, daily] }), projectDir: home, quarryHome: join(home, '.quarry'), now: new Date('2026-03-12T00:00:00Z') });
    try {
      const listed = instance.partitionKeys('raw/orders', { from: '2026-03-08', to: '2026-03-08' });
      const plan = await instance.plan({ selection: 'raw/orders', partitions: { from: '2026-03-08', to: '2026-03-08' } });
      assert.equal(listed.total, 23);
      assert.deepEqual([listed.keys[0], listed.keys.at(-1)], ['2026-03-08-05:00', '2026-03-09-03:00']);
      assert.deepEqual(listed.keys, plan.steps.flatMap((s) => s.partitionKeys));
      // The asset's own keys keep their exact meaning.
      assert.deepEqual(instance.partitionKeys('raw/orders', { from: '2026-03-08-05:00', to: '2026-03-08-05:00' }).keys, ['2026-03-08-05:00']);
    } finally {
      await instance.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
