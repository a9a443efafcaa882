import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createDaemon, openInstance, systemClock } from '../../packages/core/src/index.ts';
import { REPO_ROOT } from '../../packages/ui-server/src/example-project-fixture.ts';
import { startServer, type RunningServer } from '../../packages/ui-server/src/index.ts';
import { CHROMIUM_MISSING, launchChromium } from '../../packages/ui-server/src/chromium-browser.ts';

// Issue 14, point 6: the Automation page in real Chromium shows the schedules, conditions and sensors
// with their last ticks, freshness, and pauses a sensor.
const CONFIG = `
import { defineAsset, defineProject, defineSensor, eager, fifteenMinutePartitions, onCron } from '@quarry/core';
export const intraday = defineAsset({ key: 'raw/intraday', partitions: fifteenMinutePartitions({ start: '2026-01-01T00:00' }), automation: onCron('*/15 * * * *'), freshness: { maxLag: '30m' }, priority: 'high', compute: ({ partition }) => [{ slot: partition.firstKey }] });
export const mart = defineAsset({ key: 'marts/m', deps: { intraday }, automation: eager(), sql: 'select count(*) as n from intraday' });
export const daily = defineAsset({ key: 'marts/daily', freshness: { maxLag: '26h' }, compute: () => [{ n: 1 }] });
const landing = defineSensor({ name: 'landing', every: '1m', evaluate: () => { throw new Error('landing folder unreadable'); } });
// Two requests with one run at a time: the high one runs, the other waits in the queue.
const orders = defineSensor({ name: 'orders', every: '1m', evaluate: () => ({ runRequests: [
  { runKey: 'later', selection: 'raw/intraday', partitions: { key: '2026-01-01-00:15' }, priority: 'low' },
  { runKey: 'now', selection: 'marts/daily', priority: 'high' },
] }) });
export default defineProject({ name: 'automation-page', assets: [intraday, mart, daily], sensors: [landing, orders] });
`;

let dir: string;
let server: RunningServer;
let browser: Browser;

before(async () => {
  if (CHROMIUM_MISSING) return;
  dir = mkdtempSync(join(tmpdir(), 'quarry-automation-page-'));
  writeFileSync(join(dir, 'package.json'), '{ "name": "automation-page", "type": "module", "private": true }\n');
  writeFileSync(join(dir, 'quarry.config.ts'), CONFIG);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // One daemon tick, so there are ticks to show (the sensor's fails), a fresh asset (marts/daily, built by
  // the high request) and a queue; the run of the high request finishes, nothing else is dispatched.
  const instance = await openInstance({ projectDir: dir, quarryHome: join(dir, '.quarry') });
  const daemon = createDaemon({ host: instance, clock: systemClock, daemonId: 'browser-test' });
  const { launched } = await daemon.tick();
  assert.equal(launched.length, 1);
  await daemon.nextRunFinished();
  await instance.close();
  server = await startServer({ projectDir: dir, quarryHome: join(dir, '.quarry'), port: 0 });
  browser = await launchChromium();
});

after(async () => {
  if (CHROMIUM_MISSING) return;
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the Automation page lists schedules, conditions and sensors with their last ticks and freshness, and pauses a sensor', { skip: CHROMIUM_MISSING }, async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/#/automation`);
  const sensor = page.locator('tr[data-automation="sensor:landing"]');
  await sensor.waitFor();
  assert.match((await sensor.locator('[data-role="tick-reason"]').textContent()) ?? '', /QUARRY_SENSOR_FAILED: Sensor "landing" threw: landing folder unreadable/);
  assert.equal(await sensor.locator('[data-status]').getAttribute('data-status'), 'failed');
  assert.match((await page.locator('tr[data-automation="schedule:raw/intraday"]').textContent()) ?? '', /onCron\('\*\/15 \* \* \* \*'\)/);
  assert.match((await page.locator('tr[data-automation="condition:marts/m"]').textContent()) ?? '', /eager\(\)/);
  assert.equal(await page.locator('tr[data-freshness="raw/intraday"] [data-status]').getAttribute('data-status'), 'overdue');
  assert.match((await page.locator('[data-role="lease"]').textContent()) ?? '', /browser-test holds the lease/);
  await sensor.locator('button[data-action="pause"]').click();
  await page.locator('tr[data-automation="sensor:landing"] button[data-action="resume"]').waitFor();
  const overview = (await (await fetch(`${server.url}/api/automation`)).json()) as { automations: { name: string; paused: boolean }[] };
  assert.equal(overview.automations.find((a) => a.name === 'landing')?.paused, true);
  await page.close();
});

test('freshness shows on the graph nodes and the asset page, and the queue (priority, asset, partitions) on the runs page', { skip: CHROMIUM_MISSING }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${server.url}/#/`);
  // marts/daily was materialized seconds ago (fresh against 26h); raw/intraday never (overdue); marts/m declares no freshness.
  const daily = page.locator('g.node[data-key="marts/daily"][data-freshness="fresh"]');
  await daily.waitFor({ state: 'attached' });
  assert.match((await daily.locator('.node-freshness').textContent()) ?? '', /^fresh · lag [\d.]+ (ms|s) ≤ max 26h$/);
  const intraday = page.locator('g.node[data-key="raw/intraday"][data-freshness="overdue"]');
  await intraday.waitFor({ state: 'attached' });
  assert.equal(await intraday.locator('.node-freshness').textContent(), 'overdue · never materialized (max 30m)');
  assert.equal(await page.locator('g.node[data-key="marts/m"]').getAttribute('data-freshness'), null);
  assert.equal(await page.locator('g.node[data-key="marts/m"] .node-freshness').count(), 0);

  await page.goto(`${server.url}/#/assets/${encodeURIComponent('raw/intraday')}`);
  const fact = page.locator('[data-role="freshness"]');
  await fact.locator('[data-status]').waitFor();
  assert.equal(await fact.locator('[data-status]').getAttribute('data-status'), 'overdue');
  assert.equal(await fact.locator('[data-role="freshness-lag"]').textContent(), 'never materialized (max 30m)');
  await page.goto(`${server.url}/#/assets/${encodeURIComponent('marts/daily')}`);
  await page.locator('[data-role="freshness"] [data-status="fresh"]').waitFor();
  assert.match((await page.locator('[data-role="freshness"] [data-role="freshness-lag"]').textContent()) ?? '', /^lag [\d.]+ (ms|s) ≤ max 26h$/);

  await page.goto(`${server.url}/#/runs`);
  const rows = page.locator('table[data-role="queue"] tbody tr');
  await rows.first().waitFor();
  const queue = await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-run-key'), ...Array.from(tr.querySelectorAll("td")).slice(0, 3).map((td) => td.textContent)]));
  assert.deepEqual(queue, [
    ['sensor:orders:now', 'high', 'marts/daily', 'all'],
    ['sensor:orders:later', 'low', 'raw/intraday', '2026-01-01-00:15'],
  ]);
  await page.close();
});
