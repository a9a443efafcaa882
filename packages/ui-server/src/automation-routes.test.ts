import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDaemon, createManualClock, defineAsset, defineProject, defineSensor, eager, fifteenMinutePartitions, onCron, openInstance } from '@quarry/core';
import { buildApp } from './build-app.ts';

test('GET /api/automation lists schedules, conditions and sensors with next and last ticks, the queue and freshness; POST /api/automation/pause pauses one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-ui-automation-'));
  const intraday = defineAsset({ key: 'raw/intraday', partitions: fifteenMinutePartitions({ start: '2026-01-01T00:00' }), automation: onCron('*/15 * * * *'), freshness: { maxLag: '30m' }, compute: ({ partition }) => [{ slot: partition.firstKey }] });
  const mart = defineAsset({ key: 'marts/m', deps: { intraday }, automation: eager(), sql: 'select count(*) as n from intraday' });
  const sensor = defineSensor({ name: 'landing', every: '1m', evaluate: () => ({ skipReason: 'no new files' }) });
  const clock = createManualClock({ start: Date.now(), autoAdvance: false });
  const instance = await openInstance({ project: defineProject({ name: 'ui-automation', assets: [intraday, mart], sensors: [sensor] }), projectDir: dir, quarryHome: join(dir, '.quarry'), clock });
  const app = await buildApp({ instance });
  try {
    await createDaemon({ host: instance, clock, daemonId: 'ui-test' }).tick();
    const res = await app.inject({ method: 'GET', url: '/api/automation' });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.lease.holder, 'ui-test');
    assert.deepEqual(body.automations.map((a: { kind: string; name: string }) => `${a.kind} ${a.name}`), ['condition marts/m', 'schedule raw/intraday', 'sensor landing']);
    const schedule = body.automations.find((a: { name: string }) => a.name === 'raw/intraday');
    assert.equal(schedule.description, "onCron('*/15 * * * *')");
    assert.equal(schedule.nextTick % (15 * 60_000), 0, 'the next quarter hour');
    assert.equal(body.automations.find((a: { name: string }) => a.name === 'landing').lastTick.reason, 'skipped: no new files');
    assert.deepEqual(body.freshness.map((f: { assetKey: string; state: string }) => [f.assetKey, f.state]), [['raw/intraday', 'overdue']]);

    const paused = await app.inject({ method: 'POST', url: '/api/automation/pause', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ kind: 'sensor', name: 'landing', paused: true }) });
    assert.equal(paused.statusCode, 200, paused.body);
    assert.equal(paused.json().paused, true);
    assert.equal(instance.catalog.automationCursor('sensor', 'landing')?.paused, true);
    const unknown = await app.inject({ method: 'POST', url: '/api/automation/pause', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ kind: 'sensor', name: 'nope', paused: true }) });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().message, /No sensor named "nope"/);

    const ticks = await app.inject({ method: 'GET', url: '/api/automation/ticks?kind=sensor&name=landing' });
    assert.equal(ticks.json().ticks.length, 1);
  } finally {
    await app.close();
    await instance.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
