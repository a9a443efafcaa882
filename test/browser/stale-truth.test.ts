import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../../packages/ui-server/src/example-project-fixture.ts';
import { startServer, type RunningServer } from '../../packages/ui-server/src/index.ts';
import { CHROMIUM_MISSING, launchChromium } from '../../packages/ui-server/src/chromium-browser.ts';

// Issue 11: real Chromium against a real server. Point 1: after an upstream partition changes, the graph,
// the downstream asset's page and the launch dialog agree on what is stale and why. The launch dialog
// also shows the stale partitions a plan leaves out (blocked) and why, and says so when nothing would run.
const CONFIG = `
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dailyPartitions, defineAsset, defineProject, timeWindowMapping } from '@quarry/core';
import { z } from 'zod';

const daily = dailyPartitions({ start: '2026-01-01', end: '2026-01-15' });
const row = z.object({ day: z.string(), amount: z.number() });

// Each day's amount: data/<day>.txt when it exists, else 10; observed, so a changed file makes the day stale.
function amountOf(projectDir: string, day: string): number {
  const file = join(projectDir, 'data', day + '.txt');
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) : 10;
}

export const orders = defineAsset({
  key: 'raw/orders',
  partitions: daily,
  schema: row,
  observe: ({ projectDir, partitionKey }) => String(amountOf(projectDir, partitionKey)),
  compute: (ctx) => [{ day: ctx.partition.firstKey, amount: amountOf(ctx.projectDir, ctx.partition.firstKey) }],
});
export const clean = defineAsset({ key: 'staging/orders_clean', deps: { orders }, partitions: daily, schema: row, sql: 'select day, amount from orders' });
// The first 6 days have fewer than 7 days before them: revenue_7d runs them anyway, full_weeks does not.
export const revenue7d = defineAsset({
  key: 'marts/revenue_7d',
  partitions: daily,
  deps: { clean: { asset: clean, mapping: timeWindowMapping({ startOffset: -6, endOffset: 0, allowNonexistentUpstream: true }) } },
  schema: z.object({ revenue: z.number() }),
  sql: 'select sum(amount)::DOUBLE as revenue from clean',
});
export const fullWeeks = defineAsset({
  key: 'marts/full_weeks',
  partitions: daily,
  deps: { clean: { asset: clean, mapping: timeWindowMapping({ startOffset: -6, endOffset: 0 }) } },
  schema: z.object({ revenue: z.number() }),
  sql: 'select sum(amount)::DOUBLE as revenue from clean',
});
export const weeklyReport = defineAsset({
  key: 'marts/weekly_report',
  partitions: daily,
  deps: { weeks: fullWeeks },
  schema: z.object({ revenue: z.number() }),
  sql: 'select revenue from weeks',
});

export default defineProject({ name: 'stale-truth', assets: [orders, clean, revenue7d, fullWeeks, weeklyReport] });
`;

const DAYS = Array.from({ length: 14 }, (_, i) => `2026-01-${String(i + 1).padStart(2, '0')}`);

let dir: string;
let server: RunningServer;
let browser: Browser;

async function waitForRun(runId: string): Promise<string> {
  for (;;) {
    const body = (await (await fetch(`${server.url}/api/runs/${runId}`)).json()) as { run: { status: string } };
    if (!['running', 'queued', 'starting'].includes(body.run.status)) return body.run.status;
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  if (CHROMIUM_MISSING) return;
  dir = mkdtempSync(join(tmpdir(), 'quarry-stale-truth-'));
  writeFileSync(join(dir, 'package.json'), '{ "name": "stale-truth", "type": "module", "private": true }\n');
  writeFileSync(join(dir, 'quarry.config.ts'), CONFIG);
  mkdirSync(join(dir, 'data'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  server = await startServer({ projectDir: dir, quarryHome: join(dir, '.quarry'), port: 0 });
  browser = await launchChromium();
  // Materialize everything that can run: full_weeks' first 6 days (and the report's) stay blocked.
  const launched = await fetch(`${server.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(launched.status, 202, await launched.clone().text());
  assert.equal(await waitForRun(((await launched.json()) as { runId: string }).runId), 'succeeded');
});

after(async () => {
  if (CHROMIUM_MISSING) return;
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The stale and fresh counts the graph page shows for an asset. */
async function graphCounts(page: Page, key: string): Promise<{ stale: string | null; fresh: string | null; status: string | null }> {
  await page.goto('about:blank'); // a fresh load, not a hash change within the page
  await page.goto(`${server.url}/#/`);
  const node = page.locator(`g.node[data-key="${key}"]`);
  await node.waitFor();
  return { stale: await node.getAttribute('data-stale'), fresh: await node.getAttribute('data-fresh'), status: await node.locator('.node-status').textContent() };
}

/** The stale and fresh counts the asset page's partition bar shows. */
async function assetPageCounts(page: Page, key: string): Promise<{ stale: string | null; fresh: string | null }> {
  await page.goto('about:blank');
  await page.goto(`${server.url}/#/assets/${encodeURIComponent(key)}`);
  const bar = page.locator('.health-bar[data-total]');
  await bar.waitFor();
  return { stale: await bar.getAttribute('data-stale'), fresh: await bar.getAttribute('data-fresh') };
}

/** Opens the launch dialog on the current asset page, picks the partitions mode and previews the plan for `selection`. */
async function preview(page: Page, selection: string | undefined, mode: 'stale' | 'range', range?: { from: string; to: string }): Promise<void> {
  const dialog = page.locator('dialog.launch-dialog');
  if ((await dialog.count()) === 0) {
    await page.locator('[data-action="open-launch"]').click();
    await dialog.waitFor();
  }
  if (selection !== undefined) await dialog.locator('input[name="selection"]').fill(selection);
  await dialog.locator(`input[name="mode"][value="${mode}"]`).check();
  if (range) {
    await dialog.locator('input[name="from"]').fill(range.from);
    await dialog.locator('input[name="to"]').fill(range.to);
  }
  // The click replaces the box with "Planning…" at once, then with the summary of the new plan.
  await dialog.locator('[data-action="preview"]').click();
  await dialog.locator('.plan-box .plan-summary').waitFor();
}

async function stepIds(page: Page): Promise<string[]> {
  return page.locator('dialog.launch-dialog tr[data-step]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-step') ?? ''));
}

test('after an upstream partition changes, the graph and the asset page agree on the stale partitions, say why, and "missing and stale only" runs exactly them', { skip: CHROMIUM_MISSING }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    assert.deepEqual(await graphCounts(page, 'marts/revenue_7d'), { stale: '0', fresh: '14', status: '14 / 14 fresh' });
    // The orders of 2026-01-03 change: raw/orders (observed) and orders_clean are stale for that day,
    // revenue_7d for the 7 days whose window holds it, though none of its own inputs was rewritten.
    writeFileSync(join(dir, 'data', '2026-01-03.txt'), '99');
    assert.deepEqual(await graphCounts(page, 'marts/revenue_7d'), { stale: '7', fresh: '7', status: '7 / 14 fresh' });
    assert.equal((await graphCounts(page, 'staging/orders_clean')).stale, '1');
    assert.deepEqual(await assetPageCounts(page, 'marts/revenue_7d'), { stale: '7', fresh: '7' });

    // The partition's page says it is stale, and because of which upstream partition.
    await page.goto(`${server.url}/#/assets/marts%2Frevenue_7d?partition=2026-01-05`);
    const note = page.locator('.stale-note[data-cause]');
    await note.waitFor();
    assert.equal(await note.getAttribute('data-cause'), 'upstream_stale');
    assert.equal(await note.getAttribute('data-upstream'), 'staging/orders_clean 2026-01-03');
    assert.match((await note.textContent()) ?? '', /^Stale: upstream stale from staging\/orders_clean 2026-01-03/);
    await page.goto(`${server.url}/#/assets/marts%2Frevenue_7d?partition=2026-01-10`);
    await page.locator('.partition-head').waitFor();
    assert.equal(await page.locator('.partition-head .pill').getAttribute('data-status'), 'fresh');
    assert.equal(await page.locator('.stale-note').count(), 0);

    // "Missing and stale only" for the asset alone plans exactly its 7 stale days.
    await page.goto(`${server.url}/#/assets/marts%2Frevenue_7d`);
    await page.locator('.health-bar[data-total]').waitFor();
    await preview(page, undefined, 'stale');
    assert.deepEqual(await stepIds(page), DAYS.slice(2, 9).map((d) => `marts/revenue_7d[${d}]`));
    // With its upstream, the stale upstream days come first; launching it makes everything fresh.
    await preview(page, '+marts/revenue_7d', 'stale');
    const planned = ['raw/orders[2026-01-03]', 'staging/orders_clean[2026-01-03]', ...DAYS.slice(2, 9).map((d) => `marts/revenue_7d[${d}]`)];
    assert.deepEqual(await stepIds(page), planned);
    assert.equal(await page.locator('dialog.launch-dialog .plan-blocked').count(), 0);
    await page.locator('dialog.launch-dialog [data-action="launch"]').click();
    await page.waitForURL(/#\/runs\//);
    const runId = decodeURIComponent(page.url().split('#/runs/')[1]!.split('?')[0]!);
    assert.equal(await waitForRun(runId), 'succeeded');
    const run = (await (await fetch(`${server.url}/api/runs/${runId}`)).json()) as { steps: { stepId: string }[] };
    assert.deepEqual(run.steps.map((s) => s.stepId).sort(), [...planned].sort());

    assert.deepEqual(await graphCounts(page, 'marts/revenue_7d'), { stale: '0', fresh: '14', status: '14 / 14 fresh' });
    assert.deepEqual(await assetPageCounts(page, 'marts/revenue_7d'), { stale: '0', fresh: '14' });
    assert.equal((await graphCounts(page, 'staging/orders_clean')).stale, '0');
  } finally {
    await page.close();
  }
});

test('the launch dialog shows the stale partitions a plan leaves out and why, and says plainly when nothing would run', { skip: CHROMIUM_MISSING }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(`${server.url}/#/assets/marts%2Ffull_weeks`);
    await page.locator('.health-bar[data-total]').waitFor();
    // The first 6 days need orders_clean days before 2026-01-01, which do not exist; the report reads them.
    await preview(page, 'marts/full_weeks+', 'range', { from: '2026-01-01', to: '2026-01-06' });
    const dialog = page.locator('dialog.launch-dialog');
    const summary = dialog.locator('.plan-summary');
    assert.match((await summary.textContent()) ?? '', /^Nothing would run: all 12 stale partitions of the selection are blocked/);
    assert.equal(await summary.getAttribute('data-steps'), '0');
    assert.equal(await summary.getAttribute('data-blocked'), '12');
    assert.equal(await dialog.locator('[data-action="launch"]').isDisabled(), true);
    const groups = dialog.locator('.plan-blocked li.blocked-group');
    assert.deepEqual(
      await groups.evaluateAll((items) => items.map((li) => [li.getAttribute('data-asset'), li.getAttribute('data-cause'), li.getAttribute('data-count')])),
      [
        ['marts/full_weeks', 'upstream_nonexistent', '6'],
        ['marts/weekly_report', 'upstream_blocked', '6'],
      ],
    );
    const nonexistent = groups.nth(0);
    assert.equal(await nonexistent.locator('.blocked-keys').textContent(), '2026-01-01, 2026-01-02, 2026-01-03, 2026-01-04, 2026-01-05, 2026-01-06');
    assert.match((await nonexistent.locator('.blocked-why').textContent()) ?? '', /need upstream partitions that do not exist: staging\/orders_clean 2025-12-26 … 2025-12-31.*allowNonexistentUpstream: true/);
    assert.match((await groups.nth(1).locator('.blocked-why').textContent()) ?? '', /read blocked partitions, e\.g\. marts\/full_weeks 2026-01-01/);

    // Missing and stale only: what can run is planned, the blocked days are listed as left out.
    await preview(page, 'marts/full_weeks+', 'stale');
    assert.equal(await summary.getAttribute('data-blocked'), '12');
    assert.match((await dialog.locator('.plan-blocked-summary').textContent()) ?? '', /12 stale partitions blocked/);
    const steps = await stepIds(page);
    for (const id of steps) assert.doesNotMatch(id, /\[2026-01-0[1-6]\]$/, `${id} is blocked, not planned`);
  } finally {
    await page.close();
  }
});
