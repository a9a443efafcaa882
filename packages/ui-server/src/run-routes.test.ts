import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openInstance } from '@quarry/core';
import { join } from 'node:path';
import { openExampleApp, type ExampleApp } from './example-project-fixture.ts';

// A real instance on a fresh copy of examples/hello; runs launched through the API really materialize.
let fx: ExampleApp;
const get = (url: string) => fx.app.inject({ method: 'GET', url });
const post = (url: string, payload: unknown) =>
  fx.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

/** Parses a text/event-stream body into its events. */
function parseSse(body: string): { event: string; id?: string; data: unknown }[] {
  return body
    .split('\n\n')
    .filter((block) => /^(event|data|id):/m.test(block))
    .map((block) => {
      const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
      return { event: fields['event'] ?? 'message', ...(fields['id'] ? { id: fields['id'] } : {}), data: fields['data'] ? JSON.parse(fields['data']) : undefined };
    });
}

before(async () => {
  fx = await openExampleApp();
});
after(() => fx.close());

describe('POST /api/plan', () => {
  test('plans the selection and partitions with a reason per step, without running', async () => {
    const res = await post('/api/plan', { selection: 'raw/orders+', partitions: { from: '2026-02-01', to: '2026-02-02' } });
    assert.equal(res.statusCode, 200);
    const plan = res.json();
    assert.deepEqual(
      plan.steps.map((s: { id: string }) => s.id),
      [
        'raw/orders[2026-02-01]',
        'raw/orders[2026-02-02]',
        'staging/orders_clean[2026-02-01]',
        'staging/orders_clean[2026-02-02]',
        'marts/revenue_7d[2026-02-01]',
        'marts/revenue_7d[2026-02-02]',
      ],
    );
    assert.ok(plan.steps.every((s: { reason: { cause: string } }) => s.reason.cause === 'missing'));
    assert.equal(fx.instance.listRuns().length, 0, 'planning starts no run');
  });

  test('rejects malformed bodies with 400 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ selection: '++x' }, /\+\+x/],
      [{ selection: 'raw/orders', partitions: { from: '2026-01-01' } }, /partitions/],
      [{ selection: 'raw/orders', partitions: { key: '2026-02-30' } }, /2026-02-30/],
      [{ selection: 'raw/orders', partitions: { from: '2026-01-05', to: '2026-01-01' } }, /2026-01-0[15]/],
      [{ selection: 'raw/orders', partitions: { keys: [] } }, /keys/],
      [{ selection: 'raw/orders', partitions: { key: '../../etc/passwd' } }, /partition key/],
      [{ selection: 'raw/orders', force: 'yes' }, /force/],
      [{ selection: 'raw/orders', extra: 1 }, /unknown field\(s\) "extra"/],
      [{ selection: "raw/orders'; drop table runs; --" }, /selection/],
      [['raw/orders'], /body/],
      ['raw/orders', /body/],
    ];
    for (const [body, message] of cases) {
      const res = await post('/api/plan', body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
      assert.match(res.json().message, message, JSON.stringify(body));
    }
  });

  test('answers 404 for an unknown asset and 400 for a selection that matches nothing', async () => {
    const unknown = await post('/api/plan', { selection: 'raw/nothing' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'QUARRY_UNKNOWN_ASSET');
    const empty = await post('/api/plan', { selection: 'group:nope' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.json().message, /matches no asset/);
  });

  test('answers 400 for invalid JSON and 415 for other content types', async () => {
    const bad = await fx.app.inject({ method: 'POST', url: '/api/plan', headers: { 'content-type': 'application/json' }, payload: '{"selection":' });
    assert.equal(bad.statusCode, 400);
    const form = await fx.app.inject({ method: 'POST', url: '/api/plan', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'selection=raw' });
    assert.equal(form.statusCode, 415);
  });

  test('answers 413 for an oversized body', async () => {
    const res = await post('/api/plan', { selection: 'raw/orders', partitions: { keys: Array.from({ length: 9000 }, () => '2026-01-01') } });
    assert.equal(res.statusCode, 413);
    assert.match(res.json().message, /too large/);
  });
});

describe('launching and reading runs', () => {
  let backfillId: string;

  test('POST /api/backfills launches a backfill of a range and answers 202 with its id at once', async () => {
    const res = await post('/api/backfills', { selection: 'raw/orders+', partitions: { from: '2026-01-01', to: '2026-01-03' } });
    assert.equal(res.statusCode, 202);
    backfillId = res.json().runId;
    assert.match(backfillId, /^r_/);
    const run = await fx.instance.waitForRun(backfillId);
    assert.equal(run.status, 'succeeded');
    assert.equal(run.kind, 'backfill');
    const status = (await get('/api/assets/marts%2Frevenue_7d/partitions')).json();
    assert.deepEqual(status.ranges.fresh, [[0, 3]]);
  });

  test('POST /api/runs launches a materialization of a selection and one partition', async () => {
    const res = await post('/api/runs', { selection: 'raw/orders', partitions: { key: '2026-03-01' }, tags: { who: 'test' } });
    assert.equal(res.statusCode, 202);
    const run = await fx.instance.waitForRun(res.json().runId);
    assert.equal(run.status, 'succeeded');
    assert.equal(run.kind, 'materialize');
    assert.deepEqual(run.tags, { who: 'test' });
  });

  test('GET /api/runs lists runs newest first', async () => {
    const res = await get('/api/runs?limit=10');
    assert.equal(res.statusCode, 200);
    const runs = res.json().runs;
    assert.equal(runs.length, 2);
    assert.equal(runs[1].id, backfillId);
    assert.equal(runs[1].selection, 'raw/orders+');
    assert.equal((await get('/api/runs?limit=0')).statusCode, 400);
    assert.equal((await get('/api/runs?limit=x')).statusCode, 400);
  });

  test('GET /api/runs/:runId returns the run with its steps, and /steps the steps', async () => {
    const res = await get(`/api/runs/${backfillId}`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().run.status, 'succeeded');
    assert.equal(res.json().steps.length, 9);
    const steps = (await get(`/api/runs/${backfillId}/steps`)).json().steps;
    assert.equal(steps.length, 9);
    assert.ok(steps.every((s: { status: string; startedAt: string }) => s.status === 'succeeded' && typeof s.startedAt === 'string'));
  });

  test('GET /api/runs/:runId/logs pages events after a cursor', async () => {
    const first = (await get(`/api/runs/${backfillId}/logs?limit=4`)).json();
    assert.equal(first.events.length, 4);
    assert.equal(first.events[0].type, 'run_started');
    const rest = (await get(`/api/runs/${backfillId}/logs?afterId=${first.nextAfterId}`)).json();
    assert.ok(rest.events.length > 0);
    assert.ok(rest.events.every((e: { id: number }) => e.id > first.nextAfterId));
    assert.equal(rest.events.at(-1).type, 'run_succeeded');
  });

  test('GET /api/runs/:runId/events streams a finished run to its end', async () => {
    const res = await get(`/api/runs/${backfillId}/events`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const events = parseSse(res.body);
    const logs = events.filter((e) => e.event === 'log');
    const all = fx.instance.listEvents({ runId: backfillId, limit: 10_000 });
    assert.deepEqual(
      logs.map((e) => Number(e.id)),
      all.map((e) => e.id),
    );
    assert.deepEqual(events.at(-1), { event: 'end', data: { runId: backfillId, status: 'succeeded' } });
    const resumed = parseSse((await fx.app.inject({ method: 'GET', url: `/api/runs/${backfillId}/events`, headers: { 'last-event-id': String(all[5]!.id) } })).body);
    assert.equal(resumed.filter((e) => e.event === 'log').length, all.length - 6);
  });

  test('GET /api/runs/:runId/events streams a live run as it happens, in order', async () => {
    const { runId } = (await post('/api/backfills', { selection: 'raw/orders+', partitions: { from: '2026-04-01', to: '2026-04-05' } })).json();
    const res = await get(`/api/runs/${runId}/events`);
    const events = parseSse(res.body);
    const ids = events.filter((e) => e.event === 'log').map((e) => Number(e.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    assert.equal(ids.length, fx.instance.listEvents({ runId, limit: 10_000 }).length);
    assert.ok(events.some((e) => e.event === 'run' && (e.data as { status: string }).status === 'succeeded'));
    assert.equal(events.at(-1)!.event, 'end');
  });

  test('unknown run ids are 404 and malformed ones 400 on every run route', async () => {
    for (const path of ['', '/steps', '/logs', '/events']) {
      const unknown = await get(`/api/runs/r_20200101T000000_000000${path}`);
      assert.equal(unknown.statusCode, 404, path);
      assert.equal(unknown.json().code, 'QUARRY_UNKNOWN_RUN');
      const bad = await get(`/api/runs/..%2F..%2Fetc${path}`);
      assert.equal(bad.statusCode, 400, path);
    }
    assert.equal((await post('/api/runs/nope/cancel', {})).statusCode, 404);
    assert.equal((await post('/api/runs/a%20b/cancel', {})).statusCode, 400);
  });

  test('a running backfill shows as running in the graph and in the partition ranges; cancel stops it; a finished run answers 409', async () => {
    const { runId } = (await post('/api/backfills', { selection: 'raw/orders+', partitions: { from: '2026-01-01', to: '2026-10-31' }, concurrency: 1 })).json();
    let running: [number, number][] = [];
    for (let i = 0; i < 400 && running.length === 0; i++) {
      for (const key of ['raw%2Forders', 'staging%2Forders_clean', 'marts%2Frevenue_7d']) {
        const status = (await get(`/api/assets/${key}/partitions`)).json();
        if (status.running?.length) {
          running = status.running;
          const graph = (await get('/api/graph')).json();
          assert.ok(graph.nodes.some((n: { state: string }) => n.state === 'running'));
          break;
        }
      }
      if (running.length === 0) await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(running.length, 1, 'one step runs at a time');
    assert.equal(running[0]![1] - running[0]![0], 1, 'a per-partition step covers one partition');
    const res = await post(`/api/runs/${runId}/cancel`, {});
    assert.equal(res.statusCode, 202);
    assert.equal(res.json().status, 'cancelled');
    const run = await fx.instance.waitForRun(runId);
    assert.equal(run.status, 'cancelled');
    const again = await post(`/api/runs/${runId}/cancel`, {});
    assert.equal(again.statusCode, 409);
    assert.match(again.json().message, /already finished/);
  });

  test('launch bodies are validated like plan bodies', async () => {
    assert.equal((await post('/api/backfills', { selection: 'raw/orders' })).statusCode, 400, 'a backfill needs partitions');
    assert.equal((await post('/api/runs', { selection: 'raw/orders', concurrency: 0 })).statusCode, 400);
    assert.equal((await post('/api/runs', { selection: 'raw/orders', tags: { 'bad tag': 'x' } })).statusCode, 400);
    assert.equal((await post('/api/runs', { selection: 'nope/nope' })).statusCode, 404);
  });
});

describe('the CLI and the server on one project at once', () => {
  test('a run started by another instance (as the CLI does) is listed and streams through the server', async () => {
    // A second instance on the same state stands for `quarry backfill` in another process: the
    // server's instance hears none of its events live, so the stream must poll the catalog.
    const cli = await openInstance({ projectDir: fx.dir, quarryHome: join(fx.dir, '.quarry') });
    try {
      const { runId } = await cli.startRun({ selection: 'raw/orders', partitions: { from: '2026-06-01', to: '2026-06-04' }, kind: 'backfill' });
      const stream = get(`/api/runs/${runId}/events`);
      const finished = await cli.waitForRun(runId);
      assert.equal(finished.status, 'succeeded');
      const events = parseSse((await stream).body);
      assert.equal(events.filter((e) => e.event === 'log').length, cli.listEvents({ runId, limit: 10_000 }).length);
      assert.equal(events.at(-1)!.event, 'end');
      const listed = (await get('/api/runs')).json().runs.map((r: { id: string }) => r.id);
      assert.ok(listed.includes(runId));
      const status = (await get('/api/assets/raw%2Forders/partitions')).json();
      assert.ok(status.counts.fresh >= 4 + 3);
    } finally {
      await cli.close();
    }
  });
});
