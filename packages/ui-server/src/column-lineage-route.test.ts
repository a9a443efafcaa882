import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openExampleApp, type ExampleApp } from './example-project-fixture.ts';

// A fresh copy of examples/hello (raw/orders → staging/orders_clean → marts/revenue_7d) after a two-day backfill.
let fx: ExampleApp;
const get = (url: string) => fx.app.inject({ method: 'GET', url });

before(async () => {
  fx = await openExampleApp();
  const { runId } = await fx.instance.startRun({ selection: '*', partitions: { from: '2026-01-01', to: '2026-01-02' }, kind: 'backfill' });
  assert.equal((await fx.instance.waitForRun(runId)).status, 'succeeded');
});
after(() => fx.close());

const lines = (edges: { from: { asset: string; column: string }; to: { asset: string; column: string }; transformations: { type: string; subtype: string }[]; depth: number }[]) =>
  edges.map((e) => `${e.depth} ${e.to.asset}.${e.to.column} <- ${e.from.asset}.${e.from.column} ${e.transformations.map((t) => `${t.type}/${t.subtype}`).join(',')}`);

describe('GET /api/assets/:key/column-lineage', () => {
  test("serves the asset's recorded column lineage and the transitive edges of a column", async () => {
    const res = await get('/api/assets/staging%2Forders_clean/column-lineage');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.origin, 'recorded');
    assert.equal(body.source, 'sql');
    assert.equal(body.codeVersion, fx.instance.codeVersion('staging/orders_clean'));
    assert.deepEqual(Object.keys(body.columns), ['order_id', 'customer_id', 'amount', 'day']);
    assert.deepEqual(body.columns.customer_id, [
      { asset: 'raw/orders', column: 'customer_id', transformations: [{ type: 'DIRECT', subtype: 'AGGREGATION' }] },
      { asset: 'raw/orders', column: 'order_id', transformations: [{ type: 'INDIRECT', subtype: 'GROUP_BY' }] },
      { asset: 'raw/orders', column: 'status', transformations: [{ type: 'INDIRECT', subtype: 'FILTER' }] },
    ]);

    const column = (await get('/api/assets/marts%2Frevenue_7d/column-lineage?column=revenue')).json();
    assert.deepEqual(lines(column.edges), [
      '1 marts/revenue_7d.revenue <- staging/orders_clean.amount DIRECT/AGGREGATION',
      '2 staging/orders_clean.amount <- raw/orders.amount DIRECT/AGGREGATION',
      '2 staging/orders_clean.amount <- raw/orders.order_id INDIRECT/GROUP_BY',
      '2 staging/orders_clean.amount <- raw/orders.status INDIRECT/FILTER',
    ]);
    const down = (await get('/api/assets/raw%2Forders/column-lineage?column=customer_id&direction=downstream')).json();
    assert.deepEqual(lines(down.edges), ['1 staging/orders_clean.customer_id <- raw/orders.customer_id DIRECT/AGGREGATION']);
    // raw/orders is a compute asset declaring no columnLineage.
    const raw = (await get('/api/assets/raw%2Forders/column-lineage')).json();
    assert.deepEqual([raw.origin, raw.columns], [null, {}]);
  });

  test('bad input is a 400 naming the value', async () => {
    const unknown = await get('/api/assets/marts%2Frevenue_7d/column-lineage?column=nope');
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().code, 'QUARRY_BAD_ARGUMENT');
    assert.match(unknown.json().message, /no column "nope"; its columns: day, orders, revenue, days_covered/);
    const direction = await get('/api/assets/marts%2Frevenue_7d/column-lineage?direction=sideways');
    assert.equal(direction.statusCode, 400);
    assert.match(direction.json().message, /direction/);
    const version = await get('/api/assets/marts%2Frevenue_7d/column-lineage?version=v0');
    assert.equal(version.statusCode, 400);
    assert.match(version.json().message, /no column lineage recorded for code version "v0"/);
    const asset = await get('/api/assets/marts%2Fnope/column-lineage');
    assert.equal(asset.statusCode, 404);
  });
});
