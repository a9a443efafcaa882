import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQuarryError } from '../../errors.ts';
import type { NewRunRequest, NewTick } from '../automation-records.ts';
import { openSqliteCatalog } from './sqlite-catalog.ts';

const tick = (name: string, t: number, status: NewTick['status'] = 'requested'): NewTick => ({ kind: 'schedule', name, tickTime: t, startedAt: t, finishedAt: t, status, partitions: 1, runKeys: [], reason: null, error: null, daemonId: 'd1' });
const request = (runKey: string, priority = 1): NewRunRequest => ({ runKey, source: 'schedule:a', selection: 'a', partitions: null, tags: {}, priority, partitionCount: 1 });

test('recordTick records a run key once, ever: a retried tick inserts nothing and keeps the first request', () => {
  const catalog = openSqliteCatalog({ path: ':memory:' });
  const first = catalog.recordTick(tick('a', 1000), [request('schedule:a:1000')], { lastTickTime: 1000 });
  assert.deepEqual(first.inserted, ['schedule:a:1000']);
  const retry = catalog.recordTick(tick('a', 1000), [request('schedule:a:1000', 0)], { lastTickTime: 1000 });
  assert.deepEqual(retry.inserted, []);
  assert.equal(catalog.listRunRequests().length, 1);
  assert.equal(catalog.getRunRequest('schedule:a:1000')?.priority, 1, 'the first record stands');
  assert.equal(catalog.getRunRequest('schedule:a:1000')?.tickId, first.tick.id);
  assert.equal(catalog.automationCursor('schedule', 'a')?.lastTickTime, 1000);
  assert.equal(catalog.listTicks({ name: 'a' }).length, 2);
});

test('the queue lists requests by priority, then arrival; chunks are recorded once', () => {
  const catalog = openSqliteCatalog({ path: ':memory:' });
  catalog.recordTick(tick('a', 1), [request('low', 2), request('normal', 1), request('high', 0), request('high2', 0)]);
  assert.deepEqual(catalog.listRunRequests({ status: 'queued' }).map((r) => r.runKey), ['high', 'high2', 'normal', 'low']);
  const chunk = { runKey: 'high', chunk: 0, runId: 'r_1', assetKey: 'a', partitions: null, launchedAt: 5 };
  catalog.recordRunRequestChunk(chunk);
  assert.equal(catalog.recordRunRequestChunk({ ...chunk, runId: 'r_2' }).runId, 'r_1', 'a chunk keeps its first run id');
  assert.equal(catalog.getRunRequest('high')?.chunks, 1);
  assert.equal(catalog.getRunRequest('high')?.firstLaunchedAt, 5);
  catalog.updateRunRequest('high', { status: 'done', finishedAt: 9, outcome: 'done in 1 run(s)' });
  assert.deepEqual(catalog.listRunRequests({ status: 'queued' }).map((r) => r.runKey), ['high2', 'normal', 'low']);
});

test('the daemon lease: held until it expires, then taken over; a fenced tick of a deposed holder records nothing', () => {
  const catalog = openSqliteCatalog({ path: ':memory:' });
  assert.equal(catalog.acquireDaemonLease('daemon', 'one', 0, 100).acquired, true);
  assert.equal(catalog.acquireDaemonLease('daemon', 'two', 50, 100).acquired, false);
  assert.equal(catalog.acquireDaemonLease('daemon', 'one', 90, 100).acquired, true, 'renewed to 190');
  assert.equal(catalog.acquireDaemonLease('daemon', 'two', 189, 100).acquired, false);
  const taken = catalog.acquireDaemonLease('daemon', 'two', 190, 100);
  assert.equal(taken.acquired, true);
  assert.equal(taken.tookOver, true);
  assert.throws(() => catalog.recordTick(tick('a', 200), [request('k')], undefined, { lease: 'daemon', holder: 'one' }), (e) => isQuarryError(e, 'QUARRY_DAEMON_LEASE_HELD') && /one no longer holds the lease "daemon" \(two does\)/.test(e.message));
  assert.equal(catalog.getRunRequest('k'), undefined);
  assert.equal(catalog.listTicks().length, 0);
  catalog.releaseDaemonLease('daemon', 'two');
  assert.equal(catalog.daemonLease('daemon'), undefined);
});
