import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openExampleApp, type ExampleApp } from './example-project-fixture.ts';

// A fresh copy of examples/hello: one day materialized, then the catalog.
let fx: ExampleApp;

before(async () => {
  fx = await openExampleApp();
  const { runId } = await fx.instance.startRun({ selection: 'raw/orders', partitions: { key: '2026-01-02' } });
  assert.equal((await fx.instance.waitForRun(runId)).status, 'succeeded');
});
after(() => fx.close());

test('GET /api/catalog answers the data dictionary: definitions, owners, columns with PII, frequency and freshness', async () => {
  const res = await fx.app.inject({ method: 'GET', url: '/api/catalog' });
  assert.equal(res.statusCode, 200);
  const catalog = res.json() as { project: string; assets: { key: string; owners: string[]; hasPii: boolean; freshness: string; lastMaterializedAt?: string; updateFrequency: { declared?: { label: string } }; columns: { name: string; pii: string }[] }[] };
  assert.deepEqual(catalog.assets.map((a) => a.key), ['raw/orders', 'staging/orders_clean', 'marts/revenue_7d']);
  const orders = catalog.assets[0]!;
  assert.deepEqual(orders.owners, ['team:shop']);
  assert.equal(orders.hasPii, true);
  assert.equal(orders.columns.find((c) => c.name === 'customer_id')!.pii, 'user_id');
  assert.equal(orders.updateFrequency.declared?.label, 'daily');
  assert.ok(orders.lastMaterializedAt !== undefined);
  assert.equal(catalog.assets[2]!.freshness, 'never');
  const openapi = (await fx.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as { paths: Record<string, unknown> };
  assert.ok('/api/catalog' in openapi.paths);
});
