// A date range over a selection that includes dynamically partitioned assets (found while writing
// examples/shop): the dynamic asset gets all of its current keys, as a static one does, instead of
// `QUARRY_BAD_PARTITION_KEY` telling the user to select it separately.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { defineAsset, defineProject } from '../definitions/index.ts';
import { openInstance } from '../instance/instance.ts';
import { dailyPartitions, dynamicPartitions } from '../partitions/index.ts';

const NOW = new Date('2026-03-10T12:00:00Z');

test('a day range over a selection with a dynamic asset plans every current key of it', async () => {
  const orders = defineAsset({
    key: 'raw/orders',
    partitions: dailyPartitions({ start: '2026-03-01' }),
    schema: z.object({ day: z.string() }),
    compute: (ctx) => [{ day: ctx.partition.firstKey }],
  });
  const merchants = defineAsset({
    key: 'ref/merchants',
    partitions: dynamicPartitions({ name: 'merchants' }),
    schema: z.object({ merchant_id: z.string() }),
    compute: (ctx) => [{ merchant_id: ctx.partition.firstKey }],
  });
  const home = mkdtempSync(join(tmpdir(), 'quarry-dynamic-range-'));
  try {
    const instance = await openInstance({ project: defineProject({ name: 'dyn', assets: [orders, merchants] }), projectDir: home, quarryHome: join(home, '.quarry'), now: NOW });
    try {
      instance.updateDynamicPartitions('merchants', { add: ['na-acme', 'eu-bolt'] });
      for (const selection of ['*', 'ref/merchants']) {
        const plan = await instance.plan({ selection, partitions: { from: '2026-03-02', to: '2026-03-03' } });
        const keysOf = (asset: string) => plan.steps.filter((s) => s.assetKey === asset).flatMap((s) => s.partitionKeys).sort();
        assert.deepEqual(keysOf('ref/merchants'), ['eu-bolt', 'na-acme'], selection);
        if (selection === '*') assert.deepEqual(keysOf('raw/orders'), ['2026-03-02', '2026-03-03']);
      }
    } finally {
      await instance.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
