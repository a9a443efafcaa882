import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { allMapping, dailyPartitions, defineAsset, defineProject, fifteenMinutePartitions, openInstance, type Instance } from '@quarry/core';
import { buildApp } from './build-app.ts';

// A real project whose assets have 10,519,008 fifteen-minute partitions (1726 to 2026): one request
// planning all of them used to build ten million steps and run the server out of memory.
const fifteen = fifteenMinutePartitions({ start: '1726-01-01', end: '2026-01-01' });
const TOTAL = 10_519_008;
const ticks = defineAsset({ key: 'raw/ticks', partitions: fifteen, compute: () => [] });
const bulk = defineAsset({ key: 'raw/ticks_bulk', partitions: fifteen, backfill: { maxPartitionsPerStep: 'all', partitionColumn: 'at' }, compute: () => [] });
const daily = defineAsset({
  key: 'marts/everything_daily',
  partitions: dailyPartitions({ start: '2000-01-01', end: '2000-02-01' }),
  deps: { ticks: { asset: ticks, mapping: allMapping() } },
  sql: 'select count(*) as n from ticks',
});
const TOKEN = 'limits-token-0123456789';

let dir: string;
let instance: Instance;
let app: FastifyInstance;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-huge-'));
  instance = await openInstance({ project: defineProject({ name: 'huge', assets: [ticks, bulk, daily] }), projectDir: dir, quarryHome: join(dir, '.quarry') });
  app = await buildApp({ instance, token: TOKEN, web: false });
});
after(async () => {
  await app.close();
  await instance.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (url: string, body: unknown, token: string | null = TOKEN) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, payload: JSON.stringify(body) });
const heapMb = () => process.memoryUsage().heapUsed / 1e6;

describe('one request cannot exhaust the server', () => {
  test('planning ten million partitions is a 400 that names the count, the limit and how to narrow it, in bounded memory', async () => {
    assert.equal(instance.asset('raw/ticks').partitions?.count, TOTAL);
    const before = heapMb();
    for (const body of [{}, { selection: 'raw/ticks' }, { selection: 'raw/ticks_bulk' }]) {
      const res = await post('/api/plan', body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)} → ${res.statusCode} ${res.body.slice(0, 200)}`);
      assert.equal(res.json().code, 'QUARRY_PLAN_TOO_LARGE');
      assert.match(res.json().message, /would have (10,519,0(08|39)|21,038,047) asset partitions \(the limit is 100,000\); largest: raw\/ticks(_bulk)?: 10,519,008/);
      assert.match(res.json().message, /--from\/--to/);
    }
    assert.ok(heapMb() - before < 500, `heap grew by ${Math.round(heapMb() - before)} MB`);
  });

  test('a backfill or run over them is refused the same way, and nothing starts', async () => {
    const before = heapMb();
    const backfill = await post('/api/backfills', { selection: 'raw/ticks', partitions: { from: '1726-01-01-00:00', to: '2025-12-31-23:45' } });
    assert.equal(backfill.statusCode, 400);
    assert.equal(backfill.json().code, 'QUARRY_PLAN_TOO_LARGE');
    const run = await post('/api/runs', { selection: 'raw/ticks_bulk' });
    assert.equal(run.statusCode, 400);
    assert.match(run.json().message, /raw\/ticks_bulk: 10,519,008/);
    assert.equal(instance.listRuns().length, 0);
    assert.ok(heapMb() - before < 500, `heap grew by ${Math.round(heapMb() - before)} MB`);
  });

  test('POST /api/plan needs the token when the server has one', async () => {
    const res = await post('/api/plan', { selection: 'raw/ticks', partitions: { key: '2000-01-01-00:00' } }, null);
    assert.equal(res.statusCode, 401);
  });

  test('a narrow plan works and pages its steps', async () => {
    const res = await post('/api/plan', { selection: 'raw/ticks', partitions: { from: '2000-01-01-00:00', to: '2000-01-01-23:45' }, offset: 90, limit: 10 });
    assert.equal(res.statusCode, 200, res.body);
    const plan = res.json();
    assert.equal(plan.totalSteps, 96);
    assert.equal(plan.partitionCount, 96);
    assert.equal(plan.offset, 90);
    assert.deepEqual(
      plan.steps.map((s: { id: string }) => s.id),
      ['22:30', '22:45', '23:00', '23:15', '23:30', '23:45'].map((t) => `raw/ticks[2000-01-01-${t}]`),
    );
    assert.equal((await post('/api/plan', { selection: 'raw/ticks', limit: 10_001 })).statusCode, 400);
  });

  test('lineage through an "all" mapping lists the first 1,000 of ten million upstream keys and their count', async () => {
    const before = heapMb();
    const res = await app.inject('/api/assets/marts%2Feverything_daily/lineage?partition=2000-01-15');
    assert.equal(res.statusCode, 200);
    const [edge] = res.json().upstream;
    assert.equal(edge.asset, 'raw/ticks');
    assert.equal(edge.partitionCount, TOTAL);
    assert.equal(edge.partitions.length, 1000);
    assert.equal(edge.partitions[999], '1726-01-11-09:45');
    assert.ok(heapMb() - before < 500, `heap grew by ${Math.round(heapMb() - before)} MB`);
  });

  test('a partition-key page deep into ten million partitions is exact', async () => {
    const res = await app.inject('/api/assets/raw%2Fticks/partition-keys?offset=10000000&limit=3');
    assert.deepEqual(res.json(), { total: TOTAL, offset: 10_000_000, keys: ['2011-03-14-16:00', '2011-03-14-16:15', '2011-03-14-16:30'] });
    const ranged = await app.inject('/api/assets/raw%2Fticks/partition-keys?from=2000-01-01-00:00&to=2000-01-02-00:00&offset=95&limit=5');
    assert.deepEqual(ranged.json(), { total: 97, offset: 95, keys: ['2000-01-01-23:45', '2000-01-02-00:00'] });
  });

  test('the HTTP server has request and idle-connection timeouts', () => {
    assert.equal(app.server.requestTimeout, 30_000);
    assert.equal(app.server.timeout, 120_000);
  });
});

describe('a handler that runs past its time', () => {
  test('answers 503 naming the route instead of holding the request forever', async () => {
    // observe() is real project code the planner awaits for every materialized partition; here it
    // blocks until the test releases it, as a hung landing filesystem would.
    let hold: Promise<void> | undefined;
    let release = () => {};
    const slow = defineAsset({
      key: 'raw/slow',
      partitions: dailyPartitions({ start: '2026-01-01', end: '2026-01-03' }),
      observe: async () => {
        await hold;
        return 'v1';
      },
      compute: () => [{ n: 1 }],
    });
    const slowDir = mkdtempSync(join(tmpdir(), 'quarry-slow-'));
    const slowInstance = await openInstance({ project: defineProject({ name: 'slow', assets: [slow] }), projectDir: slowDir, quarryHome: join(slowDir, '.quarry') });
    const slowApp = await buildApp({ instance: slowInstance, web: false, limits: { handlerTimeoutMs: 50 } });
    try {
      const { runId } = await slowInstance.startRun({ selection: 'raw/slow', partitions: { key: '2026-01-01' } });
      assert.equal((await slowInstance.waitForRun(runId)).status, 'succeeded');
      hold = new Promise((resolve) => (release = resolve));
      const res = await slowApp.inject('/api/graph');
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().code, 'QUARRY_REQUEST_TIMEOUT');
      assert.match(res.json().message, /GET \/api\/graph took longer than 0\.05 s/);
      release();
      hold = undefined;
      assert.equal((await slowApp.inject('/api/graph')).statusCode, 200);
    } finally {
      release();
      await slowApp.close();
      await slowInstance.close();
      rmSync(slowDir, { recursive: true, force: true });
    }
  });
});
