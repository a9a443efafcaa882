// The outbox against real peers on loopback: a local HTTP server stands in for PagerDuty's events
// endpoint. Time is a manual clock passed as `now`, so backoff is tested without waiting.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteCatalog, type Catalog } from '../../catalog/index.ts';
import { defineAsset, defineProject, formatLag, pagerDuty, type ProjectDefinition } from '../../definitions/index.ts';
import { createManualClock } from '../../execution/index.ts';
import { deliverPendingAlerts, retryDelayMs } from './alert-delivery.ts';
import { AlertRaiser, raiseOverdueAlert } from './alert-raiser.ts';
import { overdueAlert } from './alert-rules.ts';

interface Received {
  readonly body: Record<string, unknown>;
  readonly answered: number;
}

/** A stand-in for PagerDuty's events endpoint: answers `status()` (202 when up), optionally after a delay. */
async function eventsEndpoint(options: { status?: () => number; delayMs?: number } = {}): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => {
      const answered = options.status?.() ?? 202;
      received.push({ body: JSON.parse(text) as Record<string, unknown>, answered });
      setTimeout(() => {
        res.writeHead(answered, { 'content-type': 'application/json' }).end(JSON.stringify({ status: answered === 202 ? 'success' : 'error' }));
      }, options.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/enqueue`, received, server };
}

function fixture(url: string): { project: ProjectDefinition; catalogPath: string; catalog: Catalog; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-alert-outbox-'));
  const asset = defineAsset({ key: 'marts/daily', compute: () => ({ sql: 'select 1 as x' }) });
  const project = defineProject({ name: 'outbox', assets: [asset], alerts: { routes: [{ when: 'critical', to: pagerDuty({ routingKey: 'pd-routing-secret', url }) }] } });
  const catalogPath = join(dir, 'catalog.sqlite');
  const catalog = openSqliteCatalog({ path: catalogPath });
  return { project, catalogPath, catalog, cleanup: () => { catalog.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const overdue = { assetKey: 'marts/daily', lagMs: 30 * 3_600_000, maxLagMs: 26 * 3_600_000 };

test('an endpoint down for a while: retried after 1 then 5 minutes, delivered exactly once when it is back', async () => {
  let up = false;
  const endpoint = await eventsEndpoint({ status: () => (up ? 202 : 503) });
  const f = fixture(endpoint.url);
  const clock = createManualClock({ start: Date.UTC(2026, 11, 3, 9, 0) });
  const now = () => new Date(clock.now());
  try {
    const first = await raiseOverdueAlert(f, overdue, { now: now() });
    assert.equal(first.delivery.retrying, 1, 'the first attempt meets the 503');
    clock.advance(30_000);
    assert.equal((await deliverPendingAlerts(f, { now: now() })).attempts.length, 0, 'not due before its 1-minute backoff');
    clock.advance(30_000);
    assert.equal((await deliverPendingAlerts(f, { now: now() })).retrying, 1, 'second attempt at +1 min, still down');
    clock.advance(4 * 60_000);
    assert.equal((await deliverPendingAlerts(f, { now: now() })).attempts.length, 0, 'the next wait is 5 minutes');
    up = true;
    clock.advance(60_000);
    const back = await deliverPendingAlerts(f, { now: now() });
    assert.equal(back.delivered, 1, 'delivered at +6 min, once the endpoint is back');
    clock.advance(60 * 60_000);
    assert.equal((await deliverPendingAlerts(f, { now: now() })).attempts.length, 0, 'nothing left to send');
    assert.deepEqual(endpoint.received.map((r) => r.answered), [503, 503, 202]);
    assert.equal(endpoint.received.filter((r) => r.answered === 202).length, 1, 'accepted exactly once');
    const [alert] = f.catalog.listAlerts();
    assert.equal(alert?.deliveries[0]?.state, 'delivered');
    assert.equal(alert?.deliveries[0]?.attempts, 3);
    assert.deepEqual([1, 2, 3, 4].map(retryDelayMs), [60_000, 300_000, 900_000, 900_000]);
  } finally {
    f.cleanup();
    endpoint.server.close();
  }
});

test('two deliverers on one catalog (separate connections) racing over the outbox send each delivery once', async () => {
  const endpoint = await eventsEndpoint({ delayMs: 100 });
  const f = fixture(endpoint.url);
  const other = openSqliteCatalog({ path: f.catalogPath });
  try {
    f.catalog.enqueueAlerts([1, 2, 3].map((i) => ({ kind: 'test', severity: 'critical', action: 'trigger' as const, dedupKey: `outbox/test/${i}`, summary: `alert ${i}`, routes: ['routes[0]:pagerduty'] })));
    const [a, b] = await Promise.all([deliverPendingAlerts(f, { owner: 'one' }), deliverPendingAlerts({ project: f.project, catalog: other }, { owner: 'two' })]);
    assert.equal(a.delivered + b.delivered, 3);
    assert.deepEqual(endpoint.received.map((r) => r.body.dedup_key).sort(), ['outbox/test/1', 'outbox/test/2', 'outbox/test/3']);
    // A finish by someone who does not hold the claim changes nothing.
    const delivery = f.catalog.listAlerts()[0]!.deliveries[0]!;
    assert.equal(f.catalog.finishAlertDelivery(delivery.id, 'three', { delivered: false, error: 'x', at: new Date(), retryAt: new Date() }), false);
    assert.equal(f.catalog.listAlerts()[0]!.deliveries[0]!.state, 'delivered');
  } finally {
    other.close();
    f.cleanup();
    endpoint.server.close();
  }
});

test('an overdue alert words the lag as the daemon and quarry status do: 45s over a 30s limit, not "1m over 1m"', () => {
  const f = fixture('http://127.0.0.1:9/');
  try {
    const raised = overdueAlert(f.project, f.catalog, { assetKey: 'marts/daily', lagMs: 45_000, maxLagMs: 30_000 });
    assert.equal(raised?.summary, `marts/daily is overdue: its data lags ${formatLag(45_000)}, over its freshness limit of ${formatLag(30_000)}`);
    assert.equal(raised?.summary, 'marts/daily is overdue: its data lags 45s, over its freshness limit of 30s');
    const almost = overdueAlert(f.project, f.catalog, { assetKey: 'marts/daily', lagMs: 89 * 60_000 + 40_000, maxLagMs: 3_600_000 });
    assert.match(almost!.summary, /lags 1h 29m, over its freshness limit of 1h$/);
  } finally {
    f.cleanup();
  }
});

test('raiseOverdueAlert: one critical trigger per incident, resolved with the same dedup key when the asset is fresh again', async () => {
  const endpoint = await eventsEndpoint();
  const f = fixture(endpoint.url);
  try {
    const raised = await raiseOverdueAlert(f, overdue);
    assert.equal(raised.alert?.severity, 'critical');
    assert.match(raised.alert!.summary, /marts\/daily is overdue: its data lags 30h, over its freshness limit of 26h/);
    assert.equal((await raiseOverdueAlert(f, overdue)).alert, undefined, 'still overdue on the next tick: no second alert');
    const resolved = await raiseOverdueAlert(f, overdue, { fresh: true });
    assert.equal(resolved.alert?.action, 'resolve');
    assert.equal((await raiseOverdueAlert(f, overdue, { fresh: true })).alert, undefined, 'nothing open to resolve');
    assert.deepEqual(endpoint.received.map((r) => [r.body.event_action, r.body.dedup_key, r.body.routing_key]), [
      ['trigger', 'outbox/overdue/marts/daily', 'pd-routing-secret'],
      ['resolve', 'outbox/overdue/marts/daily', 'pd-routing-secret'],
    ]);
    assert.equal((endpoint.received[0]!.body.payload as { severity: string }).severity, 'critical');
  } finally {
    f.cleanup();
    endpoint.server.close();
  }
});

test('alerts written inside atomically() roll back with the event when the transaction fails', () => {
  const f = fixture('http://127.0.0.1:9/never');
  try {
    assert.throws(() => f.catalog.atomically(() => {
      f.catalog.enqueueAlerts([{ kind: 'run_failed', severity: 'critical', action: 'trigger', dedupKey: 'k', summary: 's', routes: ['routes[0]:pagerduty'] }]);
      f.catalog.updateRun('r_missing', { status: 'failed' });
    }), /r_missing/);
    assert.deepEqual(f.catalog.listAlerts(), []);
  } finally {
    f.cleanup();
  }
});

test('a version of an anomaly asset (declared in anomalyAssets or tagged anomaly) with rows raises a warning in the commit transaction; an empty one does not', async () => {
  const endpoint = await eventsEndpoint();
  const dir = mkdtempSync(join(tmpdir(), 'quarry-alert-anomaly-'));
  const spikes = defineAsset({ key: 'quality/follower_spikes', compute: () => ({ sql: 'select 1 as x' }) });
  const tagged = defineAsset({ key: 'quality/mismatches', tags: { anomaly: 'true' }, compute: () => ({ sql: 'select 1 as x' }) });
  const plain = defineAsset({ key: 'marts/daily', compute: () => ({ sql: 'select 1 as x' }) });
  const project = defineProject({ name: 'anomalies', assets: [spikes, tagged, plain], alerts: { anomalyAssets: ['quality/follower_spikes'], routes: [{ when: 'warning', to: pagerDuty({ routingKey: 'k', url: endpoint.url }) }] } });
  const catalog = openSqliteCatalog({ path: join(dir, 'catalog.sqlite') });
  const raiser = new AlertRaiser({ project, catalog });
  const version = (assetKey: string, rowCount: number) => ({ assetKey, partitionKey: '2026-01-05', files: [`${assetKey}/${rowCount}.parquet`], rowCount, dataVersion: `d${rowCount}`, codeVersion: 'c' });
  try {
    raiser.commitMaterializations([version('quality/follower_spikes', 3), version('quality/mismatches', 0), version('marts/daily', 5)]);
    raiser.commitMaterializations([version('quality/mismatches', 2)]);
    await raiser.idle();
    assert.deepEqual(catalog.listAlerts().map((a) => [a.kind, a.severity, a.summary]).reverse(), [
      ['anomaly_rows', 'warning', '3 anomalies in quality/follower_spikes [2026-01-05]'],
      ['anomaly_rows', 'warning', '2 anomalies in quality/mismatches [2026-01-05]'],
    ]);
    assert.deepEqual(endpoint.received.map((r) => r.body.dedup_key), ['anomalies/anomaly/quality/follower_spikes', 'anomalies/anomaly/quality/mismatches']);
  } finally {
    catalog.close();
    rmSync(dir, { recursive: true, force: true });
    endpoint.server.close();
  }
});

test('pruneAlerts removes old alerts with their deliveries, but keeps the newest of each incident and any still being delivered', () => {
  const f = fixture('http://127.0.0.1:9/never');
  const alert = (dedupKey: string, action: 'trigger' | 'resolve', routes: string[] = []) =>
    f.catalog.enqueueAlerts([{ kind: 'overdue', severity: 'critical', action, dedupKey, summary: `${action} ${dedupKey}`, routes }])[0]!;
  try {
    const triggered = alert('k1', 'trigger', ['routes[0]:pagerduty']);
    const resolved = alert('k1', 'resolve', ['routes[0]:pagerduty']);
    for (const { delivery } of f.catalog.claimAlertDeliveries('test', new Date(), 60_000)) {
      assert.ok(f.catalog.finishAlertDelivery(delivery.id, 'test', { delivered: true, at: new Date() }));
    }
    const undelivered = alert('k2', 'trigger', ['routes[0]:pagerduty']);
    const newestOfK2 = alert('k2', 'trigger');
    const unrouted = alert('k3', 'trigger');
    const newestOfK3 = alert('k3', 'resolve');

    assert.equal(f.catalog.pruneAlerts(new Date(Date.now() - 3_600_000)), 0, 'nothing is older than an hour ago');
    const later = new Date(Date.now() + 1_000);
    assert.equal(f.catalog.pruneAlerts(later, { dryRun: true }), 2);
    assert.equal(f.catalog.listAlerts().length, 6, 'a dry run deletes nothing');
    assert.equal(f.catalog.pruneAlerts(later), 2);
    assert.deepEqual(
      f.catalog.listAlerts().map((a) => a.id).sort((a, b) => a - b),
      [resolved.id, undelivered.id, newestOfK2.id, newestOfK3.id],
      'gone: the delivered trigger of a resolved incident and an unrouted superseded alert',
    );
    assert.ok(!f.catalog.listAlerts().some((a) => a.id === triggered.id || a.id === unrouted.id));
    assert.equal(f.catalog.latestAlert('k1')?.action, 'resolve', 'the incident still reads as resolved');
    assert.equal(f.catalog.claimAlertDeliveries('test', new Date(), 60_000).length, 1, 'the pending delivery is still there to send');
    const db = new Database(f.catalogPath, { readonly: true });
    const deliveries = db.prepare('SELECT count(*) AS n FROM alert_deliveries').get() as { n: number };
    db.close();
    assert.equal(deliveries.n, 2, "the pruned trigger's delivery went with it");
  } finally {
    f.cleanup();
  }
});
