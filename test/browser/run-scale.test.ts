import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../../packages/ui-server/src/example-project-fixture.ts';
import { startServer, type RunningServer } from '../../packages/ui-server/src/index.ts';
import { CHROMIUM_MISSING, launchChromium } from '../../packages/ui-server/src/chromium-browser.ts';

// Real Chromium against a real server over a project with a daily asset of 400 partitions: one
// run of 400 steps (13 fail while a flag file exists) writing ~1,700 events, then the UI at scale.
const OUT = join(REPO_ROOT, 'test-output', 'browser');
const PARTITIONS = 400;
const FAILING = ['2025-01-13', '2025-02-13', '2025-03-13', '2025-04-13', '2025-05-13', '2025-06-13', '2025-07-13', '2025-08-13', '2025-09-13', '2025-10-13', '2025-11-13', '2025-12-13', '2026-01-13'];

const CONFIG = `
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { acceptedRange, dailyPartitions, defineAsset, defineProject, rowCount } from '@quarry/core';
import { z } from 'zod';

export const events = defineAsset({
  key: 'big/events',
  partitions: dailyPartitions({ start: '2025-01-01', end: '2026-02-05' }),
  schema: z.object({ day: z.string(), n: z.number().int(), email: z.string() }),
  columns: { email: { pii: 'direct' } },
  checks: [
    acceptedRange('n', { min: 0, name: 'a_positive' }),
    rowCount({ min: 5, name: 'b_enough_rows', severity: 'warn' }),
    acceptedRange('n', { max: 25, name: 'c_small' }),
  ],
  compute: (ctx) => {
    const day = ctx.partition.firstKey;
    ctx.log.info('reading ' + day);
    ctx.log.info('writing ' + day);
    if (day.endsWith('-13') && existsSync(join(ctx.projectDir, 'fail-13'))) throw new Error('boom on ' + day + '\\nsecond line of the stack');
    return Array.from({ length: Number(day.slice(8, 10)) }, (_, i) => ({ day, n: i, email: 'user' + i + '@example.org' }));
  },
});

export default defineProject({ name: 'big', assets: [events] });
`;

interface RunDetail {
  run: { id: string; status: string; plan?: { steps: { id: string; assetKey: string; partitionKeys: string[] }[] } };
  steps: { stepId: string; status: string }[];
}

let dir: string;
let server: RunningServer;
let browser: Browser;
let bigRunId: string;

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${server.url}${path}`);
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return (await response.json()) as T;
}

async function launch(body: unknown): Promise<string> {
  const response = await fetch(`${server.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 202, await response.clone().text());
  return ((await response.json()) as { runId: string }).runId;
}

async function waitForRun(runId: string): Promise<RunDetail> {
  for (;;) {
    const detail = await getJson<RunDetail>(`/api/runs/${runId}`);
    if (['succeeded', 'failed', 'partially_failed', 'cancelled'].includes(detail.run.status)) return detail;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

before(async () => {
  if (CHROMIUM_MISSING) return;
  mkdirSync(OUT, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'quarry-scale-'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "name": "big", "type": "module", "private": true }\n');
  writeFileSync(join(dir, 'quarry.config.ts'), CONFIG);
  writeFileSync(join(dir, 'fail-13'), '');
  server = await startServer({ projectDir: dir, quarryHome: join(dir, '.quarry'), port: 0 });
  browser = await launchChromium();
  bigRunId = await launch({ selection: 'big/events', concurrency: 4 });
  const detail = await waitForRun(bigRunId);
  assert.equal(detail.run.status, 'partially_failed');
  assert.equal(detail.steps.length, PARTITIONS);
});

after(async () => {
  if (CHROMIUM_MISSING) return;
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh page that records script errors and console errors (except expected 4xx answers). */
async function newPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(`console error: ${message.text()}`);
  });
  return { page, problems };
}

/** Waits until the element matching `selector` has attribute `name` equal to `value`. */
async function waitForAttribute(page: Page, selector: string, name: string, value: string): Promise<void> {
  await page.waitForFunction(([s, n, v]) => document.querySelector(s!)?.getAttribute(n!) === v, [selector, name, value] as const);
}

/** Opens the big run's page and waits until its stream has finished. */
async function openBigRun(page: Page): Promise<void> {
  await page.goto(`${server.url}/#/runs/${bigRunId}`);
  await page.waitForSelector('body[data-run-status="partially_failed"]');
  await page.waitForSelector('.stream-state:text("finished")');
}

test('a run of 400 steps and ~1,700 events: the timeline has one lane per asset with every step, the steps table and log reach the last row', { skip: CHROMIUM_MISSING }, async () => {
  const detail = await getJson<RunDetail>(`/api/runs/${bigRunId}`);
  const lastStep = detail.run.plan!.steps.at(-1)!;
  const events = await getJson<{ events: unknown[] }>(`/api/runs/${bigRunId}/logs?limit=5000`);
  assert.ok(events.events.length >= 1_500, `${events.events.length} events`);
  const { page, problems } = await newPage();
  try {
    await openBigRun(page);

    // The timeline has one lane for the one asset, holding a bar for every one of the 400 steps.
    await page.waitForFunction((n) => document.querySelectorAll('rect.gantt-bar').length === n, PARTITIONS);
    assert.equal(await page.locator('g.gantt-lane').count(), 1);
    assert.equal(await page.locator('g.gantt-lane').getAttribute('data-asset'), 'big/events');

    // The steps table holds all 400 steps but draws only those in view; the last one is reachable by scrolling.
    await waitForAttribute(page, '.steps-body', 'data-rows', String(PARTITIONS));
    assert.ok((await page.locator('.steps-body .step-row').count()) < 100, 'rows are virtualized');
    assert.equal(await page.locator(`.step-row[data-step="${lastStep.id}"]`).count(), 0);
    await page.locator('.steps-body').evaluate((element) => (element.scrollTop = element.scrollHeight));
    await page.locator(`.step-row[data-step="${lastStep.id}"]`).waitFor();
    assert.ok(await page.locator(`.step-row[data-step="${lastStep.id}"]`).isVisible());
    assert.match(await page.locator(`.step-row[data-step="${lastStep.id}"]`).innerText(), new RegExp(lastStep.partitionKeys[0]!));

    // The log holds every event, drawn only where it is in view.
    await waitForAttribute(page, '.logs', 'data-rows', String(events.events.length));
    assert.ok((await page.locator('.logs .log-line').count()) < 200, 'log lines are virtualized');
    await page.screenshot({ path: join(OUT, '11-run-at-scale.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('the steps of a big run filter by status and show the first line of each error', { skip: CHROMIUM_MISSING }, async () => {
  const { page, problems } = await newPage();
  try {
    await openBigRun(page);
    await waitForAttribute(page, '.steps-body', 'data-rows', String(PARTITIONS));
    await page.click('button[data-filter="failed"]');
    await waitForAttribute(page, '.steps-body', 'data-rows', String(FAILING.length));
    const failedStatuses = await page.locator('.steps-body .step-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
    assert.equal(failedStatuses.length, FAILING.length);
    assert.ok(failedStatuses.every((s) => s === 'failed'));
    assert.match(await page.locator('.steps-body .step-row .step-error').first().innerText(), /boom on 2025-01-13$/);
    await page.click('button[data-filter="succeeded"]');
    await waitForAttribute(page, '.steps-body', 'data-rows', String(PARTITIONS - FAILING.length));
    await page.click('button[data-filter="running"]');
    await waitForAttribute(page, '.steps-body', 'data-rows', '0');
    await page.click('button[data-filter="all"]');
    await waitForAttribute(page, '.steps-body', 'data-rows', String(PARTITIONS));
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('a failed run opens with a failure summary, and "re-execute failed" launches a run of exactly the failed partitions', { skip: CHROMIUM_MISSING }, async () => {
  const { page, problems } = await newPage();
  try {
    await openBigRun(page);
    await page.waitForSelector('.failure-summary .failure-item');

    // The failure summary names each failed step with the first line of its error.
    assert.ok(await page.locator('.failure-summary').isVisible());
    assert.match(await page.locator('.failure-summary .card-title').innerText(), /13 of 400 steps failed/);
    assert.equal(await page.locator('.failure-item').count(), FAILING.length);
    const summary = await page.locator('.failure-summary').innerText();
    for (const day of FAILING) assert.match(summary, new RegExp(`boom on ${day}`));
    assert.doesNotMatch(summary, /second line/);
    await page.screenshot({ path: join(OUT, '12-run-failure-summary.png') });

    // Re-execute failed: a new run over exactly the 13 failed partitions (which now succeed).
    rmSync(join(dir, 'fail-13'));
    await page.click('button[data-action="reexecute-failed"]');
    await page.waitForURL((url) => /#\/runs\/r_/.test(url.hash) && !url.hash.endsWith(bigRunId));
    const rerunId = decodeURIComponent(new URL(page.url()).hash.replace('#/runs/', ''));
    const rerun = await waitForRun(rerunId);
    assert.equal(rerun.run.status, 'succeeded');
    assert.deepEqual(rerun.run.plan!.steps.flatMap((s) => s.partitionKeys).sort(), FAILING);
    assert.ok(rerun.run.plan!.steps.every((s) => s.assetKey === 'big/events'));
    await page.waitForSelector('body[data-run-status="succeeded"]');
    assert.ok(await page.locator('.failure-summary').isHidden());
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

let forcedRunId: string | undefined;

/** Launches (once) a run that re-materializes two late-January partitions: newer versions out of partition order, and a second result of each check there. */
async function forcedRun(): Promise<string> {
  if (forcedRunId === undefined) {
    forcedRunId = await launch({ selection: 'big/events', partitions: { from: '2025-01-27', to: '2025-01-28' }, force: true });
    assert.equal((await waitForRun(forcedRunId)).run.status, 'succeeded');
  }
  return forcedRunId;
}

/** Opens the asset page of big/events once its materializations are listed. */
async function openAsset(page: Page): Promise<void> {
  await page.goto(`${server.url}/#/assets/big%2Fevents`);
  await page.waitForSelector('.materializations-table tbody tr');
}

test('the materializations table shows run links that tell runs apart and lead to them', { skip: CHROMIUM_MISSING }, async () => {
  const forced = await forcedRun();
  const { page, problems } = await newPage();
  try {
    await openAsset(page);
    const links = await page.locator('.materializations-table tbody tr td:last-child a').evaluateAll((as) => as.map((a) => ({ text: a.textContent, href: a.getAttribute('href') })));
    assert.equal(links.length, 20);
    const texts = new Set(links.map((l) => l.text));
    assert.ok(texts.size >= 2, `run links read ${[...texts].join(', ')}`);
    for (const link of links) assert.equal(link.href, `#/runs/${link.text}`);
    assert.ok(texts.has(forced) && texts.has(bigRunId));
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test("the row-count chart has one bar per partition, in partition order, with its current version's rows", { skip: CHROMIUM_MISSING }, async () => {
  await forcedRun();
  const { page, problems } = await newPage();
  try {
    await openAsset(page);
    const bars = await page.locator('.materializations-table').locator('xpath=ancestor::section').locator('rect.chart-bar title').allTextContents();
    const labels = bars.map((t) => t.split(':')[0]!);
    assert.equal(new Set(labels).size, labels.length, 'one bar per partition');
    assert.deepEqual(labels, [...labels].sort(), 'bars in partition order');
    assert.equal(labels.length, PARTITIONS);
    assert.match(bars[labels.indexOf('2025-01-27')]!, /: 27 rows$/);
    assert.match(bars[labels.indexOf('2025-01-13')]!, /: 13 rows$/);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('the checks card lists each check once, failing first, with its failing samples (PII masked) and previous results on demand', { skip: CHROMIUM_MISSING }, async () => {
  await forcedRun();
  const { page, problems } = await newPage();
  try {
    await openAsset(page);
    await page.waitForSelector('.check-group');
    const groups = await page.locator('.check-group').evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-check'), g.getAttribute('data-outcome')]));
    assert.deepEqual(groups, [
      ['c_small', 'failed'],
      ['b_enough_rows', 'warn'],
      ['a_positive', 'passed'],
    ]);
    const failing = page.locator('.check-group[data-check="c_small"]');
    await failing.locator('summary').click();
    // Its failing partitions (days 27–31 of each month), latest first, with sample rows whose PII is masked.
    const first = failing.locator('.check-result').first();
    assert.equal(await first.getAttribute('data-outcome'), 'failed');
    assert.ok(['2025-01-27', '2025-01-28'].includes((await first.getAttribute('data-partition'))!), 'the newest failing result comes first');
    await failing.locator('.sample-table').first().waitFor();
    const sample = await failing.locator('.sample-table').first().innerText();
    assert.match(sample, /email[\s\S]*masked/i);
    assert.doesNotMatch(sample, /@example\.org/, 'PII is masked without the token');
    // History on demand: the results the re-materialization replaced.
    await failing.locator('button[data-action="check-history"]').click();
    await failing.locator('.check-history li').first().waitFor();
    const previous = await failing.locator('.check-history .check-result').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-partition')));
    assert.deepEqual([...previous].sort(), ['2025-01-27', '2025-01-28']);
    await page.screenshot({ path: join(OUT, '13-asset-checks-and-chart.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});
