// Identical inputs give one data version even for floating-point sums that DuckDB computes in
// parallel, so early cut-off fires; schemas can ask for exact DECIMAL and BIGINT columns (issue 11, point 4).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { decimal, defineAsset, defineProject, type ProjectDefinition } from '../definitions/index.ts';
import { openInstance, type Instance } from './instance.ts';

async function withInstance(project: ProjectDefinition, body: (instance: Instance) => Promise<void>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'quarry-data-version-'));
  const instance = await openInstance({ project, projectDir: home, quarryHome: join(home, '.quarry') });
  try {
    await body(instance);
  } finally {
    await instance.close();
    rmSync(home, { recursive: true, force: true });
  }
}

async function run(instance: Instance, options: Parameters<Instance['startRun']>[0]): Promise<void> {
  const { runId } = await instance.startRun(options);
  const record = await instance.waitForRun(runId);
  assert.equal(record.status, 'succeeded', record.error ?? '');
}

test('a parallel DOUBLE sum over 300,000 rows rerun 20 times has one data version, and its downstream is never stale', async () => {
  const readings = defineAsset({
    key: 'raw/readings',
    sql: 'select (i % 50)::BIGINT as sensor, (i * 0.1) / 7.0 + 1e6 / (i + 1) as value from range(300000) t(i)',
  });
  const sums = defineAsset({ key: 'staging/sums', deps: { readings }, sql: 'select sensor, sum(value) as total from readings group by sensor' });
  const report = defineAsset({ key: 'marts/report', deps: { sums }, sql: 'select count(*) as sensors, max(total) as top from sums' });
  await withInstance(defineProject({ name: 'sums', assets: [readings, sums, report] }), async (instance) => {
    await run(instance, {});
    const reportVersion = instance.catalog.currentMaterialization('marts/report', '')!;
    const versions = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await run(instance, { selection: 'staging/sums', force: true });
      versions.add(instance.catalog.currentMaterialization('staging/sums', '')!.dataVersion);
      // Early cut-off: the rerun wrote the same data version, so nothing downstream is stale.
      assert.deepEqual((await instance.plan()).steps, [], `rerun ${i + 1} left the downstream fresh`);
    }
    assert.equal(versions.size, 1, `20 reruns gave ${versions.size} data versions`);
    assert.equal(instance.catalog.currentMaterialization('marts/report', '')!.id, reportVersion.id, 'marts/report was never re-materialized');
    // A real change of the values is still a new data version.
    const before = [...versions][0];
    await run(instance, { selection: 'raw/readings', force: true });
    assert.equal(instance.catalog.currentMaterialization('staging/sums', '')!.dataVersion, before, 'same readings, same sums');
  });
});

test('decimal(18, 2) and z.int() columns are written as DECIMAL(18,2) and BIGINT, and their sums are exact', async () => {
  const orders = defineAsset({
    key: 'raw/orders',
    schema: z.object({ id: z.int(), qty: z.number().int(), amount: decimal(18, 2), note: decimal(10, 4).optional() }),
    compute: () => Array.from({ length: 1000 }, (_, i) => ({ id: i, qty: i % 3, amount: 0.1 + (i % 7) / 100, note: null })),
  });
  const totals = defineAsset({ key: 'marts/totals', deps: { orders }, sql: 'select sum(amount) as amount, sum(qty) as qty from orders' });
  await withInstance(defineProject({ name: 'decimals', assets: [orders, totals] }), async (instance) => {
    await run(instance, {});
    const written = instance.catalog.currentMaterialization('raw/orders', '')!;
    assert.deepEqual(written.outputSchema, [
      { name: 'id', type: 'BIGINT' },
      { name: 'qty', type: 'BIGINT' },
      { name: 'amount', type: 'DECIMAL(18,2)' },
      { name: 'note', type: 'DECIMAL(10,4)' },
    ]);
    const result = await instance.query('select amount::VARCHAR as amount, qty from marts__totals');
    assert.deepEqual(result.rows, [{ amount: '129.97', qty: 999 }]);
  });
});
