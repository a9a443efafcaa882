import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineAsset, defineSensor, type AutomationCondition } from '../definitions/index.ts';
import { dailyPartitions, fifteenMinutePartitions } from '../partitions/index.ts';
import { eager, missing, onCron, or, upstreamUpdated } from './automation-condition.ts';
import { withAutomationInstance, settle } from './automation-fixture.ts';
import { createDaemon, type AssetOverdueEvent } from './daemon.ts';

const MINUTE = 60_000;

test('a 15-minute Europe/Berlin schedule over the simulated fall-back day launches exactly its 100 ticks, once each', async () => {
  const quarter = defineAsset({
    key: 'raw/intraday',
    partitions: fifteenMinutePartitions({ start: '2026-10-24T00:00' }),
    automation: onCron('*/15 * * * *', { timeZone: 'Europe/Berlin' }),
    priority: 'high',
    compute: ({ partition }) => [{ slot: partition.firstKey, views: 1 }],
  });
  // Starts one minute before Berlin's local day (22:00Z), ends one minute after it (23:00Z next day).
  await withAutomationInstance({ assets: [quarter] }, '2026-10-24T21:59:00Z', async (instance, clock) => {
    const daemon = createDaemon({ host: instance, clock, daemonId: 'd1' });
    const end = Date.parse('2026-10-25T23:01:00Z');
    while (clock.now() < end) {
      await daemon.tick();
      await daemon.drain();
      clock.advance(5 * MINUTE);
    }
    const ticks = instance.catalog.listTicks({ kind: 'schedule', limit: 1000 }).filter((t) => t.status === 'requested').reverse();
    const dayStart = Date.parse('2026-10-24T22:00:00Z');
    assert.equal(ticks.length, 100, 'every 15 minutes of the 25-hour local day, 22:00Z .. 22:45Z next day');
    ticks.forEach((t, i) => assert.equal(t.tickTime, dayStart + i * 15 * MINUTE));
    const requests = instance.catalog.listRunRequests({ limit: 1000 });
    assert.equal(requests.length, 100);
    assert.ok(requests.every((r) => r.status === 'done'), JSON.stringify(requests.filter((r) => r.status !== 'done')));
    // Each tick materialized the quarter that had just ended, exactly once.
    const keys = instance.catalog.currentPartitions('raw/intraday').keys;
    assert.equal(keys.length, 100);
    for (const key of keys) assert.equal(instance.catalog.materializationHistory('raw/intraday', key).length, 1, key);
    assert.ok(keys.includes('2026-10-25-00:45') && keys.includes('2026-10-25-01:45'), 'the UTC quarters of both 02:xx local hours');
  });
});

test('an eager asset runs once after its upstream changed and not at all when the upstream re-materialized identical data', async () => {
  let value = 1;
  const upstream = defineAsset({ key: 'raw/videos', compute: () => [{ id: 1, views: value }] });
  const mart = defineAsset({ key: 'marts/views', deps: { videos: upstream }, automation: eager(), sql: 'select sum(views) as views from videos' });
  await withAutomationInstance({ assets: [upstream, mart] }, '2026-06-01T00:00:00Z', async (instance, clock) => {
    const { runId } = await instance.startRun({});
    assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
    const daemon = createDaemon({ host: instance, clock, daemonId: 'd1' });
    const runsOfMart = () => instance.catalog.materializationHistory('marts/views').length;

    let result = await daemon.tick();
    await daemon.drain();
    assert.equal(result.ticks.find((t) => t.name === 'marts/views')?.status, 'skipped', 'nothing changed yet');
    assert.equal(runsOfMart(), 1);

    // Same data again: the data version is unchanged, so the mart is not stale (early cut-off).
    const same = await instance.startRun({ selection: 'raw/videos', force: true });
    await instance.waitForRun(same.runId);
    clock.advance(MINUTE);
    result = await daemon.tick();
    await daemon.drain();
    // The upstream's data commit (dataSeq) did not move, so the condition's inputs are unchanged: no new evaluation.
    assert.equal(result.ticks.find((t) => t.name === 'marts/views'), undefined);
    assert.equal(runsOfMart(), 1, 'identical upstream data launches nothing');

    value = 2;
    const changed = await instance.startRun({ selection: 'raw/videos', force: true });
    await instance.waitForRun(changed.runId);
    clock.advance(MINUTE);
    result = await daemon.tick();
    await daemon.drain();
    const tick = result.ticks.find((t) => t.name === 'marts/views')!;
    assert.equal(tick.status, 'requested');
    assert.match(tick.reason ?? '', /upstream data changed/);
    assert.equal(runsOfMart(), 2, 'one run after the change');

    // A retried tick (same state) and later ticks request nothing more.
    for (let i = 0; i < 3; i++) {
      clock.advance(MINUTE);
      result = await daemon.tick();
      await daemon.drain();
      assert.notEqual(result.ticks.find((t) => t.name === 'marts/views')?.status, 'requested');
    }
    assert.equal(runsOfMart(), 2);
    assert.equal(Number((await instance.query('select views from marts__views')).rows[0]?.views), 2);
  });
});

test('missing() requests never-materialized partitions once; or() combines conditions', async () => {
  const days = dailyPartitions({ start: '2026-06-01' });
  const raw = defineAsset({ key: 'raw/days', partitions: days, automation: or(missing(), eager()), compute: ({ partition }) => [{ day: partition.firstKey }] });
  await withAutomationInstance({ assets: [raw] }, '2026-06-04T00:30:00Z', async (instance, clock) => {
    const daemon = createDaemon({ host: instance, clock });
    const result = await daemon.tick();
    await daemon.drain();
    const tick = result.ticks.find((t) => t.name === 'raw/days')!;
    assert.equal(tick.status, 'requested');
    assert.equal(tick.partitions, 3);
    assert.deepEqual([...instance.catalog.currentPartitions('raw/days').keys], ['2026-06-01', '2026-06-02', '2026-06-03']);
    const [request] = instance.catalog.listRunRequests();
    assert.equal(request?.chunks, 3, 'the queue launched one step per run');
    clock.advance(MINUTE);
    assert.equal((await daemon.tick()).ticks.find((t) => t.name === 'raw/days')?.status, 'skipped');
  });
});

test('bad input is recorded on its tick and the daemon keeps going: invalid cron, unknown asset in a condition, a sensor that throws, a sensor that hangs', async () => {
  const good = defineAsset({ key: 'raw/good', automation: missing(), compute: () => [{ x: 1 }] });
  const badCron = defineAsset({ key: 'raw/bad_cron', automation: { kind: 'cron', cron: '61 * * * *', timeZone: 'UTC' } as AutomationCondition, compute: () => [{ x: 1 }] });
  const unknown = defineAsset({ key: 'marts/unknown', deps: { good }, automation: upstreamUpdated('raw/nope'), sql: 'select * from good' });
  let hang = true;
  const throwing = defineSensor({ name: 'throws', every: '1m', evaluate: () => { throw new Error('landing folder unreadable'); } });
  const hanging = defineSensor({
    name: 'hangs',
    every: '1m',
    timeout: '10s',
    evaluate: (ctx) => (hang ? new Promise(() => {}) : [{ runKey: 'k1', selection: 'raw/good' }].filter(() => ctx.cursor === undefined)),
  });
  await withAutomationInstance({ assets: [good, badCron, unknown], sensors: [throwing, hanging] }, '2026-06-01T00:00:00Z', async (instance, clock) => {
    const daemon = createDaemon({ host: instance, clock });
    const pending = daemon.tick();
    // The hanging sensor waits on the clock; move it past the time limit.
    while (clock.pendingSleeps === 0) await settle();
    clock.advance(10_000);
    const result = await pending;
    await daemon.drain();
    const byName = new Map(result.ticks.map((t) => [t.name, t]));
    assert.equal(byName.get('raw/bad_cron')?.status, 'failed');
    assert.match(byName.get('raw/bad_cron')!.error!, /QUARRY_BAD_CRON: .*"61 \* \* \* \*"/);
    assert.equal(byName.get('marts/unknown')?.status, 'failed');
    assert.match(byName.get('marts/unknown')!.error!, /QUARRY_BAD_AUTOMATION: .*unknown asset "raw\/nope".*"raw\/good"/);
    assert.equal(byName.get('throws')?.status, 'failed');
    assert.match(byName.get('throws')!.error!, /QUARRY_SENSOR_FAILED: Sensor "throws" threw: landing folder unreadable/);
    assert.equal(byName.get('hangs')?.status, 'failed');
    assert.match(byName.get('hangs')!.error!, /QUARRY_SENSOR_FAILED: Sensor "hangs" ran past its time limit of 10000 ms/);
    // The good asset still ran, and the errors are in the catalog.
    assert.equal(byName.get('raw/good')?.status, 'requested');
    assert.equal(instance.catalog.currentPartitions('raw/good').size, 1);
    assert.equal(instance.catalog.listTicks({ kind: 'sensor', name: 'hangs' })[0]?.status, 'failed');
    // Next interval: the sensor answers, and its request is recorded under its run key.
    hang = false;
    clock.advance(MINUTE);
    const next = await daemon.tick();
    await daemon.drain();
    assert.equal(next.ticks.find((t) => t.name === 'hangs')?.status, 'requested');
    assert.equal(instance.catalog.getRunRequest('sensor:hangs:k1')?.status, 'done');
  });
});

test('a sensor adds dynamic partitions and requests them; a request key is launched once even when the sensor repeats it', async () => {
  const { dynamicPartitions } = await import('../partitions/index.ts');
  const landing = dynamicPartitions({ name: 'landing_days' });
  const raw = defineAsset({ key: 'raw/landing', partitions: landing, compute: ({ partition }) => [{ day: partition.firstKey }] });
  const sensor = defineSensor({
    name: 'landing',
    every: '1m',
    evaluate: () => ({ runRequests: [{ runKey: '2026-06-01', selection: 'raw/landing', partitions: { key: '2026-06-01' } }], dynamicPartitions: { landing_days: { add: ['2026-06-01'] } }, cursor: '2026-06-01' }),
  });
  await withAutomationInstance({ assets: [raw], sensors: [sensor] }, '2026-06-01T00:00:00Z', async (instance, clock) => {
    const daemon = createDaemon({ host: instance, clock });
    for (let i = 0; i < 3; i++) {
      await daemon.tick();
      await daemon.drain();
      clock.advance(MINUTE);
    }
    assert.deepEqual(instance.catalog.dynamicPartitions.keys('landing_days'), ['2026-06-01']);
    assert.equal(instance.catalog.listRunRequests().length, 1);
    assert.equal(instance.catalog.materializationHistory('raw/landing', '2026-06-01').length, 1);
    assert.equal(instance.catalog.automationCursor('sensor', 'landing')?.cursor, '2026-06-01');
  });
});

test('priority: with a 365-partition backfill queued and one run at a time, every 15-minute high-tier tick starts within one step', async () => {
  const STEP = 5 * MINUTE; // simulated time one backfill step takes
  const history = defineAsset({ key: 'raw/history', partitions: dailyPartitions({ start: '2025-06-01', end: '2026-06-01' }), priority: 'low', compute: ({ partition }) => [{ day: partition.firstKey }] });
  const intraday = defineAsset({ key: 'raw/intraday', partitions: fifteenMinutePartitions({ start: '2026-06-01T00:00' }), automation: onCron('*/15 * * * *'), priority: 'high', compute: ({ partition }) => [{ slot: partition.firstKey }] });
  await withAutomationInstance({ assets: [history, intraday], automation: { maxConcurrentRuns: 1 } }, '2026-06-01T00:01:00Z', async (instance, clock) => {
    const daemon = createDaemon({ host: instance, clock });
    // The backfill: one request for all 365 days, recorded as a sensor or the UI would.
    instance.catalog.recordTick(
      { kind: 'sensor', name: 'manual', tickTime: clock.now(), startedAt: clock.now(), finishedAt: clock.now(), status: 'requested', partitions: 365, runKeys: ['backfill:history'], reason: 'test', error: null, daemonId: 'test' },
      [{ runKey: 'backfill:history', source: 'backfill', selection: 'raw/history', partitions: { from: '2025-06-01', to: '2026-05-31' }, tags: {}, priority: 2, partitionCount: 365 }],
    );
    // Two simulated hours (00:01 .. 02:01): each loop one step runs (concurrency 1), then STEP passes.
    for (let i = 0; i < 25; i++) {
      await daemon.tick();
      assert.ok(daemon.activeRuns.length <= 1, 'never more than one run');
      await daemon.nextRunFinished();
      clock.advance(STEP);
    }
    await daemon.drain();
    const high = instance.catalog.listRunRequests({ limit: 1000 }).filter((r) => r.source === 'schedule:raw/intraday');
    assert.equal(high.length, 8, 'eight 15-minute ticks in two hours');
    for (const r of high) {
      assert.ok(r.firstLaunchedAt !== null, `${r.runKey} launched`);
      assert.ok(r.firstLaunchedAt - r.requestedAt <= STEP, `${r.runKey} started ${(r.firstLaunchedAt - r.requestedAt) / MINUTE} min after its tick`);
    }
    const backfill = instance.catalog.getRunRequest('backfill:history')!;
    assert.equal(backfill.status, 'queued', 'the backfill is still going');
    assert.ok(backfill.chunks >= 12, `the backfill kept running between high ticks (${backfill.chunks} steps)`);
    const chunks = instance.catalog.runRequestChunks('backfill:history');
    assert.equal(new Set(chunks.map((c) => JSON.stringify(c.partitions))).size, chunks.length, 'no step launched twice');
  });
});

test('pools: at most one run with tag bigquery at a time, while another asset runs beside it', async () => {
  const a = defineAsset({ key: 'bq/a', tags: { bigquery: 'yes' }, automation: missing(), compute: () => [{ x: 1 }] });
  const b = defineAsset({ key: 'bq/b', tags: { bigquery: 'yes' }, automation: missing(), compute: () => [{ x: 1 }] });
  const c = defineAsset({ key: 'local/c', automation: missing(), compute: () => [{ x: 1 }] });
  await withAutomationInstance({ assets: [a, b, c], automation: { maxConcurrentRuns: 3, pools: { 'tag:bigquery': 1 } } }, '2026-06-01T00:00:00Z', async (instance, clock) => {
    const daemon = createDaemon({ host: instance, clock });
    const result = await daemon.tick();
    assert.equal(result.launched.length, 2, 'one bigquery run and the local one');
    const running = result.launched.map((id) => instance.getRun(id).selection).sort();
    assert.equal(running.filter((s) => s.startsWith('bq/')).length, 1);
    assert.ok(running.includes('local/c'));
    await daemon.drain();
    assert.equal(instance.catalog.listRunRequests({ status: 'done' }).length, 3);
  });
});

test('one daemon per instance: a second one waits, and takes over within one lease period after the first stops', async () => {
  const a = defineAsset({ key: 'raw/a', automation: missing(), compute: () => [{ x: 1 }] });
  await withAutomationInstance({ assets: [a] }, '2026-06-01T00:00:00Z', async (instance, clock) => {
    const first = createDaemon({ host: instance, clock, leaseMs: 60_000, daemonId: 'first' });
    const second = createDaemon({ host: instance, clock, leaseMs: 60_000, daemonId: 'second' });
    assert.equal((await first.tick()).leader, true);
    await first.drain();
    assert.equal((await second.tick()).leader, false);
    // The first dies (stops renewing) right after its tick.
    clock.advance(59_999);
    assert.equal((await second.tick()).leader, false, 'the lease is still valid');
    clock.advance(1);
    assert.equal((await second.tick()).leader, true, 'taken over one lease period after the last renewal');
    // The deposed daemon cannot record anything.
    assert.equal((await first.tick()).leader, false);
    assert.equal(instance.catalog.daemonLease('daemon')?.holder, 'second');
  });
});

test('freshness: an asset past its maxLag is overdue once — tick, asset_overdue event, hook — and fresh again after it runs', async () => {
  const quarter = defineAsset({ key: 'raw/q', partitions: fifteenMinutePartitions({ start: '2026-06-01T00:00' }), freshness: { maxLag: '30m' }, compute: ({ partition }) => [{ slot: partition.firstKey }] });
  await withAutomationInstance({ assets: [quarter] }, '2026-06-01T01:00:00Z', async (instance, clock) => {
    const events: AssetOverdueEvent[] = [];
    const daemon = createDaemon({ host: instance, clock, onAssetOverdue: (e) => void events.push(e) });
    const { runId } = await instance.startRun({ partitions: { key: '2026-06-01-00:45' } });
    await instance.waitForRun(runId);
    await daemon.tick(); // lag 0 (window ended at 01:00): fresh, nothing recorded
    assert.equal(events.length, 0);
    clock.advance(31 * MINUTE);
    let result = await daemon.tick();
    assert.equal(events.length, 1);
    assert.equal(events[0]?.assetKey, 'raw/q');
    assert.equal(events[0]?.lagMs, 31 * MINUTE);
    const tick = result.ticks.find((t) => t.kind === 'freshness')!;
    assert.match(tick.reason!, /raw\/q is overdue: lag 31m > max 30m/);
    assert.equal(instance.catalog.listEvents({ runId: 'daemon' }).filter((e) => e.type === 'asset_overdue').length, 1);
    clock.advance(MINUTE);
    await daemon.tick();
    assert.equal(events.length, 1, 'raised once, not every tick');
    const again = await instance.startRun({ partitions: { key: '2026-06-01-01:15' } });
    await instance.waitForRun(again.runId);
    result = await daemon.tick();
    assert.match(result.ticks.find((t) => t.kind === 'freshness')!.reason!, /fresh again/);
  });
});

test('a step its own successful run leaves stale is not launched again and again: the request fails saying why', async () => {
  let version = 0;
  // Its observed source version changes at every look, so the partition is stale again right after its run.
  const restless = defineAsset({ key: 'raw/restless', automation: missing(), observe: () => String(version++), compute: () => [{ x: 1 }] });
  await withAutomationInstance({ assets: [restless] }, '2026-06-01T00:00:00Z', async (instance, clock) => {
    const daemon = createDaemon({ host: instance, clock });
    await daemon.tick();
    await daemon.drain();
    const [request] = instance.catalog.listRunRequests();
    assert.equal(request?.status, 'failed');
    assert.equal(request?.chunks, 1, 'launched once');
    assert.match(request?.outcome ?? '', /^step raw\/restless\[\] is still stale after its run r_\S+ succeeded \(source_changed\); not launching it again$/);
  });
});

test('after downtime a schedule requests only its latest missed instant and records the skipped ones on one tick', async () => {
  const quarter = defineAsset({ key: 'raw/q', partitions: fifteenMinutePartitions({ start: '2026-06-01T00:00' }), automation: onCron('*/15 * * * *'), compute: ({ partition }) => [{ slot: partition.firstKey }] });
  await withAutomationInstance({ assets: [quarter] }, '2026-06-01T00:01:00Z', async (instance, clock) => {
    const daemon = createDaemon({ host: instance, clock });
    await daemon.tick();
    clock.advance(3 * 60 * MINUTE); // 03:01: twelve instants passed, 00:15 .. 03:00
    const result = await daemon.tick();
    await daemon.drain();
    assert.deepEqual(result.ticks.map((t) => [t.status, new Date(t.tickTime).toISOString()]), [
      ['skipped', '2026-06-01T02:45:00.000Z'],
      ['requested', '2026-06-01T03:00:00.000Z'],
    ]);
    assert.match(result.ticks[0]!.reason!, /skipped the cron instants 2026-06-01T00:15:00.000Z \.\. 2026-06-01T02:45:00.000Z missed while no daemon ran/);
    assert.deepEqual([...instance.catalog.currentPartitions('raw/q').keys], ['2026-06-01-02:45']);
  });
});
