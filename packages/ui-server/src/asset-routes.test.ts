import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openExampleApp, type ExampleApp } from './example-project-fixture.ts';

// One real instance of a fresh copy of examples/hello (raw/orders → staging/orders_clean →
// marts/revenue_7d, daily from 2026-01-01) serves every test here; a backfill of three days runs first.
let fx: ExampleApp;
const get = (url: string) => fx.app.inject({ method: 'GET', url });

before(async () => {
  fx = await openExampleApp();
  const { runId } = await fx.instance.startRun({ selection: 'raw/orders+', partitions: { from: '2026-01-01', to: '2026-01-03' }, kind: 'backfill' });
  const run = await fx.instance.waitForRun(runId);
  assert.equal(run.status, 'succeeded');
});
after(() => fx.close());

describe('GET /api/assets', () => {
  test('lists every asset in topological order with its summary', async () => {
    const res = await get('/api/assets');
    assert.equal(res.statusCode, 200);
    const { assets } = res.json();
    assert.deepEqual(
      assets.map((a: { key: string }) => a.key),
      ['raw/orders', 'staging/orders_clean', 'marts/revenue_7d'],
    );
    const orders = assets[0];
    assert.equal(orders.description, "The shop's orders of one day, as exported.");
    assert.deepEqual(orders.owners, ['team:shop']);
    assert.equal(orders.partitions.count > 300, true);
    assert.equal(orders.partitions.firstKey, '2026-01-01');
    assert.deepEqual(
      orders.columns.find((c: { name: string }) => c.name === 'customer_id'),
      { name: 'customer_id', type: 'string', nullable: false, description: 'Shop customer id', pii: 'user_id' },
    );
  });

  test('filters by a selection in the CLI syntax', async () => {
    const res = await get('/api/assets?selection=%2Bstaging%2Forders_clean');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      res.json().assets.map((a: { key: string }) => a.key),
      ['raw/orders', 'staging/orders_clean'],
    );
    const byTag = await get('/api/assets?selection=tag:layer%3Dmarts');
    assert.deepEqual(
      byTag.json().assets.map((a: { key: string }) => a.key),
      ['marts/revenue_7d'],
    );
  });

  test('rejects a malformed selection with 400 naming it', async () => {
    const res = await get('/api/assets?selection=%2B%2Braw%2Forders');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'QUARRY_BAD_SELECTION');
    assert.match(res.json().message, /\+\+raw\/orders/);
    const chars = await get('/api/assets?selection=raw%2Forders%3Bdrop%20table');
    assert.equal(chars.statusCode, 400);
    assert.equal(chars.json().code, 'QUARRY_BAD_ARGUMENT');
    assert.match(chars.json().message, /selection/);
  });

  test('answers 404 for an unknown asset in a selection, suggesting the close key', async () => {
    const res = await get('/api/assets?selection=raw%2Forder');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'QUARRY_UNKNOWN_ASSET');
    assert.match(res.json().message, /Did you mean "raw\/orders"/);
  });

  test('rejects unknown query parameters', async () => {
    const res = await get('/api/assets?select=raw');
    assert.equal(res.statusCode, 400);
    assert.match(res.json().message, /unknown field\(s\) "select"/);
  });
});

describe('GET /api/graph', () => {
  test('returns nodes with state and counts and upstream→downstream edges', async () => {
    const res = await get('/api/graph');
    assert.equal(res.statusCode, 200);
    const graph = res.json();
    assert.equal(graph.project, 'hello');
    assert.deepEqual(graph.edges, [
      { from: 'raw/orders', to: 'staging/orders_clean' },
      { from: 'staging/orders_clean', to: 'marts/revenue_7d' },
    ]);
    const orders = graph.nodes.find((n: { key: string }) => n.key === 'raw/orders');
    assert.equal(orders.counts.fresh, 3);
    assert.equal(orders.counts.missing, orders.total - 3);
    assert.equal(orders.state, 'missing');
    assert.equal(orders.kind, 'compute');
  });

  test('keeps only edges inside the selection', async () => {
    const graph = (await get('/api/graph?selection=staging%2Forders_clean%2B')).json();
    assert.deepEqual(
      graph.nodes.map((n: { key: string }) => n.key),
      ['staging/orders_clean', 'marts/revenue_7d'],
    );
    assert.deepEqual(graph.edges, [{ from: 'staging/orders_clean', to: 'marts/revenue_7d' }]);
  });
});

describe('GET /api/assets/:key', () => {
  test('returns the asset with neighbours, state and partition status', async () => {
    const res = await get('/api/assets/staging%2Forders_clean');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.asset.key, 'staging/orders_clean');
    assert.deepEqual(body.parents, ['raw/orders']);
    assert.deepEqual(body.children, ['marts/revenue_7d']);
    assert.deepEqual(body.status.ranges.fresh, [[0, 3]]);
  });

  test('answers 404 for an unknown asset', async () => {
    const res = await get('/api/assets/raw%2Fnope');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'QUARRY_UNKNOWN_ASSET');
    assert.match(res.json().message, /raw\/nope/);
  });

  test('answers 400 for path traversal and other malformed keys, before touching the instance', async () => {
    for (const key of ['..%2F..%2Fetc%2Fpasswd', '..%2F..', 'raw%2F..%2Fsecret', 'a%00b', 'raw%2Forders%3Bselect', '%2Fraw', 'raw%2F', 'a'.repeat(201)]) {
      const res = await get(`/api/assets/${key}`);
      assert.equal(res.statusCode, 400, `${key} → ${res.statusCode}`);
      assert.equal(res.json().code, 'QUARRY_BAD_ARGUMENT');
      assert.match(res.json().message, /asset key/);
    }
    // A bare `..` segment never reaches a route.
    assert.equal((await get('/api/assets/..')).statusCode, 404);
  });

  test('answers 4xx (never 5xx) for undecodable paths', async () => {
    const res = await get('/api/assets/%E0%A4%A');
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, String(res.statusCode));
  });
});

describe('GET /api/assets/:key/partitions', () => {
  test('returns the status as ranges that cover every partition once', async () => {
    const res = await get('/api/assets/marts%2Frevenue_7d/partitions');
    assert.equal(res.statusCode, 200);
    const status = res.json();
    assert.equal(status.partitioned, true);
    assert.equal(status.firstKey, '2026-01-01');
    assert.deepEqual(status.ranges.fresh, [[0, 3]]);
    let covered = 0;
    for (const state of ['fresh', 'stale', 'missing', 'failed']) for (const [a, b] of status.ranges[state]) covered += b - a;
    assert.equal(covered, status.total);
  });
});

describe('GET /api/assets/:key/partition-keys', () => {
  test('pages keys by offset and limit', async () => {
    const res = await get('/api/assets/raw%2Forders/partition-keys?offset=31&limit=2');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().keys, ['2026-02-01', '2026-02-02']);
    assert.equal(res.json().offset, 31);
  });

  test('restricts to an inclusive key range', async () => {
    const res = await get('/api/assets/raw%2Forders/partition-keys?from=2026-01-10&to=2026-01-12');
    assert.deepEqual(res.json(), { total: 3, offset: 0, keys: ['2026-01-10', '2026-01-11', '2026-01-12'] });
  });

  test('rejects bad partition keys, reversed ranges and bad paging with 400', async () => {
    const cases: [string, RegExp][] = [
      ['from=2026-13-01', /2026-13-01/],
      ['from=2026-01-01%2F..', /partition key/],
      ['from=2026-01-05&to=2026-01-01', /2026-01-05|2026-01-01/],
      ['limit=0', /limit/],
      ['limit=100000', /limit/],
      ['offset=-1', /offset/],
      ['offset=abc', /offset/],
    ];
    for (const [q, message] of cases) {
      const res = await get(`/api/assets/raw%2Forders/partition-keys?${q}`);
      assert.equal(res.statusCode, 400, `${q} → ${res.statusCode} ${res.body}`);
      assert.match(res.json().message, message, q);
    }
  });
});

describe('GET /api/assets/:key/materializations', () => {
  test('lists versions newest first with row counts and versions', async () => {
    const res = await get('/api/assets/raw%2Forders/materializations');
    assert.equal(res.statusCode, 200);
    const rows = res.json().materializations;
    assert.equal(rows.length, 3);
    assert.deepEqual(rows.map((m: { partitionKey: string }) => m.partitionKey).sort(), ['2026-01-01', '2026-01-02', '2026-01-03']);
    const times = rows.map((m: { createdAt: string }) => Date.parse(m.createdAt));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    assert.equal(rows[0].rowCount, 20);
    assert.match(rows[0].dataVersion, /^[0-9a-f]{16,}$/);
    assert.equal(typeof rows[0].codeVersion, 'string');
  });

  test('filters by partition and limit', async () => {
    const res = await get('/api/assets/raw%2Forders/materializations?partition=2026-01-02&limit=5');
    assert.deepEqual(
      res.json().materializations.map((m: { partitionKey: string }) => m.partitionKey),
      ['2026-01-02'],
    );
  });

  test('rejects a partition key that is not one of the asset\'s partitions', async () => {
    const res = await get('/api/assets/raw%2Forders/materializations?partition=2025-12-31');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'QUARRY_BAD_PARTITION_KEY');
    assert.match(res.json().message, /2025-12-31/);
  });
});

describe('GET /api/assets/:key/checks', () => {
  test('returns check results and quality scores', async () => {
    const res = await get('/api/assets/raw%2Forders/checks');
    assert.equal(res.statusCode, 200);
    assert.ok(Array.isArray(res.json().results));
    assert.ok(Array.isArray(res.json().scores));
  });

  test('answers 404 for an unknown asset and 400 for a bad partition', async () => {
    assert.equal((await get('/api/assets/nope/checks')).statusCode, 404);
    assert.equal((await get('/api/assets/raw%2Forders/checks?partition=yesterday')).statusCode, 400);
  });
});

describe('GET /api/assets/:key/lineage', () => {
  test('returns upstream and downstream assets', async () => {
    const res = await get('/api/assets/staging%2Forders_clean/lineage');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { asset: 'staging/orders_clean', upstream: [{ asset: 'raw/orders' }], downstream: [{ asset: 'marts/revenue_7d' }] });
  });

  test('maps one partition through the 7-day window', async () => {
    const res = await get('/api/assets/marts%2Frevenue_7d/lineage?partition=2026-01-10');
    const body = res.json();
    assert.equal(body.partition, '2026-01-10');
    assert.deepEqual(body.upstream[0].partitions, ['2026-01-04', '2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09', '2026-01-10']);
    const down = (await get('/api/assets/staging%2Forders_clean/lineage?partition=2026-01-10')).json();
    assert.deepEqual(down.downstream[0].partitions, ['2026-01-10', '2026-01-11', '2026-01-12', '2026-01-13', '2026-01-14', '2026-01-15', '2026-01-16']);
  });

  test('rejects a bad partition with 400', async () => {
    const res = await get('/api/assets/marts%2Frevenue_7d/lineage?partition=..%2F..%2Fetc');
    assert.equal(res.statusCode, 400);
  });
});

describe('GET /api/assets/:key/staleness', () => {
  test('gives the reason a plan of the partition gives, null when fresh, and asks for a partition of a partitioned asset', async () => {
    const fresh = await get('/api/assets/staging%2Forders_clean/staleness?partition=2026-01-02');
    assert.equal(fresh.statusCode, 200, fresh.body);
    assert.deepEqual(fresh.json(), { partitionKey: '2026-01-02', reason: null, blocked: null });
    const missing = await get('/api/assets/staging%2Forders_clean/staleness?partition=2026-01-05');
    assert.equal(missing.json().reason.cause, 'missing');
    const none = await get('/api/assets/staging%2Forders_clean/staleness');
    assert.equal(none.statusCode, 400);
    assert.match(none.json().message, /Asset "staging\/orders_clean" is partitioned: pass \?partition=KEY/);
    const bad = await get('/api/assets/staging%2Forders_clean/staleness?partition=2025-01-01');
    assert.equal(bad.statusCode, 400);
  });
});
