import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT, copyExampleProject, type ExampleProjectCopy } from '../../packages/ui-server/src/example-project-fixture.ts';
import { startServer, type RunningServer } from '../../packages/ui-server/src/index.ts';
import { CHROMIUM_MISSING, launchChromium } from '../../packages/ui-server/src/chromium-browser.ts';

// Real Chromium against a real server over a fresh copy of examples/hello.
const OUT = join(REPO_ROOT, 'test-output', 'browser');
let copy: ExampleProjectCopy;
let server: RunningServer;
let browser: Browser;

before(async () => {
  if (CHROMIUM_MISSING) return;
  mkdirSync(OUT, { recursive: true });
  copy = copyExampleProject('hello');
  server = await startServer({ projectDir: copy.dir, quarryHome: join(copy.dir, '.quarry'), port: 0 });
  browser = await launchChromium();
});

after(async () => {
  if (CHROMIUM_MISSING) return;
  await browser?.close();
  await server?.close();
  copy?.remove();
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

/** Waits until the health bar's axis shows partition keys (they load lazily). */
async function waitForAxisLabels(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const ticks = Array.from(document.querySelectorAll('.hb-tick'));
    return ticks.length > 0 && ticks.every((t) => /\d{4}-\d{2}-\d{2}/.test(t.textContent ?? ''));
  });
}

/** Waits until `selector` matches exactly `count` elements. */
async function waitForCount(page: Page, selector: string, count: number): Promise<void> {
  await page.waitForFunction(([s, n]) => document.querySelectorAll(s as string).length === n, [selector, count] as const);
}

test('a user opens the graph, opens an asset, backfills 3 partitions from the dialog and sees them materialized', { skip: CHROMIUM_MISSING }, async () => {
  const { page, problems } = await newPage();
  try {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('g.node[data-key="marts/revenue_7d"]');
    assert.equal(await page.locator('g.node').count(), 3);
    assert.equal(await page.locator('svg.graph-svg').getAttribute('data-edges'), '2');
    assert.equal(await page.locator('g.node[data-key="raw/orders"]').getAttribute('data-state'), 'missing');
    await page.screenshot({ path: join(OUT, '1-asset-graph.png') });

    await page.locator('g.node[data-key="raw/orders"]').click();
    await page.waitForSelector('h1.asset-title:text("raw/orders")');
    await page.waitForSelector('.health-bar[data-total]');
    assert.equal(await page.locator('.health-bar').getAttribute('data-fresh'), '0');
    await page.waitForSelector('tr[data-column="customer_id"] .pii-user_id');
    await waitForAxisLabels(page);
    await page.screenshot({ path: join(OUT, '2-asset-page.png'), fullPage: true });

    await page.click('button[data-action="open-launch"]');
    const dialog = page.locator('dialog.launch-dialog');
    await dialog.waitFor();
    await dialog.locator('input[name="mode"][value="range"]').check();
    await dialog.locator('input[name="from"]').fill('2026-01-01');
    await dialog.locator('input[name="to"]').fill('2026-01-03');
    await dialog.locator('button[data-action="preview"]').click();
    await dialog.locator('.plan-table tbody tr').first().waitFor();
    assert.equal(await dialog.locator('.plan-table tbody tr').count(), 3);
    assert.match(await dialog.locator('.plan-summary').innerText(), /3 steps over 3 partitions/);
    assert.equal(await dialog.locator('.plan-table tbody tr').first().locator('.pill').innerText(), 'missing');
    await page.screenshot({ path: join(OUT, '3-launch-dialog.png') });

    await dialog.locator('button[data-action="launch"]').click();
    await page.waitForURL(/#\/runs\/r_/);
    await page.waitForSelector('body[data-run-status="succeeded"]');
    await page.waitForSelector('.stream-state:text("finished")');
    const logLines = await page.locator('.log-line').count();
    assert.ok(logLines >= 3 * 2 + 2, `${logLines} log lines`);
    assert.equal(await page.locator('.log-line.type-step_succeeded').count(), 3);
    await waitForCount(page, '.steps-body .step-row', 3);
    await waitForCount(page, 'rect.gantt-bar', 3);
    await waitForCount(page, '.steps-body .pill-succeeded', 3);
    await page.screenshot({ path: join(OUT, '4-run-page.png'), fullPage: true });

    await page.locator('.steps-table a', { hasText: 'raw/orders' }).first().click();
    await page.waitForSelector('.health-bar[data-fresh="3"]');
    assert.match(await page.locator('.hb-legend').innerText(), /3 fresh/);
    await page.waitForSelector('.materializations-table tbody tr');
    assert.equal(await page.locator('.materializations-table tbody tr').count(), 3);
    await waitForAxisLabels(page);
    await page.screenshot({ path: join(OUT, '5-asset-after-backfill.png'), fullPage: true });

    // Zooming into the first days by dragging across the bar shows the three fresh partitions wide.
    const bar = page.locator('.hb-canvas-wrap');
    const box = (await bar.boundingBox())!;
    await page.mouse.move(box.x + 1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + 12, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await page.waitForSelector('.hb-range:text-matches("Partitions 1–")');
    await page.mouse.move(box.x + 20, box.y + box.height / 2);
    await page.waitForSelector('.hb-tooltip strong:text("2026-01-0")');
    await waitForAxisLabels(page);
    assert.deepEqual(await page.locator('.hb-tick').allInnerTexts(), ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04']);
    await page.screenshot({ path: join(OUT, '6-health-bar-zoomed.png'), fullPage: true });

    // Clicking the second partition opens its versions, checks and lineage.
    await page.mouse.click(box.x + box.width * 0.375, box.y + box.height / 2);
    await page.waitForURL(/partition=2026-01-02/);
    await page.waitForSelector('.partition-head h3:text("Partition 2026-01-02")');
    await page.waitForSelector('.partition-panel .lineage a:text("staging/orders_clean")');
    assert.match(await page.locator('.partition-panel').innerText(), /current/);
    await page.screenshot({ path: join(OUT, '7-partition-selected.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('the runs page lists runs and the graph filter explains a bad selection', { skip: CHROMIUM_MISSING }, async () => {
  const { page, problems } = await newPage();
  try {
    await page.goto(`${server.url}/#/?selection=%2B%2Bbad`);
    await page.waitForSelector('.error-box');
    assert.match(await page.locator('.error-box').innerText(), /\+\+bad/);
    await page.fill('input.selection-input', 'staging/orders_clean+');
    await page.press('input.selection-input', 'Enter');
    await page.waitForSelector('g.node[data-key="marts/revenue_7d"]');
    assert.equal(await page.locator('g.node').count(), 2);
    await page.screenshot({ path: join(OUT, '8-graph-filtered.png') });

    await page.goto(`${server.url}/#/runs`);
    await page.waitForSelector('.runs-table tbody tr');
    await page.screenshot({ path: join(OUT, '9-runs-page.png') });
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('with a token, the launch dialog asks for it: a preview or launch without it is refused', { skip: CHROMIUM_MISSING }, async () => {
  const guardedCopy = copyExampleProject('hello');
  const guarded = await startServer({ projectDir: guardedCopy.dir, quarryHome: join(guardedCopy.dir, '.quarry'), port: 0, token: 'browser-test-token' });
  const { page, problems } = await newPage();
  try {
    await page.goto(`${guarded.url}/#/assets/staging%2Forders_clean`);
    await page.click('button[data-action="open-launch"]');
    const dialog = page.locator('dialog.launch-dialog');
    await dialog.locator('input[name="mode"][value="range"]').check();
    await dialog.locator('input[name="from"]').fill('2026-01-01');
    await dialog.locator('input[name="to"]').fill('2026-01-02');
    await dialog.locator('button[data-action="preview"]').click();
    await dialog.locator('.error-box').waitFor();
    assert.match(await dialog.locator('.error-box').innerText(), /401[\s\S]*token/, 'a plan costs work, so it needs the token too');
    await page.screenshot({ path: join(OUT, '10-launch-needs-token.png') });
    await dialog.locator('input[name="token"]').fill('browser-test-token');
    await dialog.locator('button[data-action="preview"]').click();
    await dialog.locator('.plan-table tbody tr').first().waitFor();
    assert.equal(await dialog.locator('.plan-table tbody tr').count(), 2);
    await dialog.locator('button[data-action="launch"]').click();
    await page.waitForURL(/#\/runs\/r_/);
    await page.waitForSelector('body[data-run-status="succeeded"]');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await guarded.close();
    guardedCopy.remove();
  }
});
