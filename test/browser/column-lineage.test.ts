import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { copyExampleProject, type ExampleProjectCopy } from '../../packages/ui-server/src/example-project-fixture.ts';
import { startServer, type RunningServer } from '../../packages/ui-server/src/index.ts';
import { CHROMIUM_MISSING, launchChromium } from '../../packages/ui-server/src/chromium-browser.ts';

// Real Chromium against a real server over a fresh copy of examples/hello: the asset page's column lineage view.
let copy: ExampleProjectCopy;
let server: RunningServer;
let browser: Browser;

before(async () => {
  if (CHROMIUM_MISSING) return;
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

test('the asset page shows each column’s inputs and traces a column upstream and downstream', { skip: CHROMIUM_MISSING }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  try {
    await page.goto(`${server.url}/#/assets/staging%2Forders_clean`);
    await page.waitForSelector('[data-view="column-lineage"] tr[data-column-row="amount"]');
    const rowText = async (column: string) => (await page.locator(`tr[data-column-row="${column}"]`).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    // DIRECT inputs only, until the indirect ones are asked for.
    assert.deepEqual(await rowText('amount'), ['amount raw/orders.amount DIRECT/AGGREGATION']);
    assert.deepEqual(await rowText('day'), ['day no input column']);
    await page.locator('[data-toggle="indirect"]').check();
    assert.deepEqual(await rowText('amount'), ['amount raw/orders.amount DIRECT/AGGREGATION', 'raw/orders.order_id INDIRECT/GROUP_BY', 'raw/orders.status INDIRECT/FILTER']);

    await page.locator('button[data-column="amount"]').click();
    await page.waitForSelector('ul[data-trace="upstream"]');
    assert.deepEqual(
      (await page.locator('ul[data-trace="upstream"] li').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()),
      ['staging/orders_clean.amount ← raw/orders.amount DIRECT/AGGREGATION', 'staging/orders_clean.amount ← raw/orders.order_id INDIRECT/GROUP_BY', 'staging/orders_clean.amount ← raw/orders.status INDIRECT/FILTER'],
    );
    await page.getByRole('button', { name: 'Show downstream' }).click();
    await page.waitForSelector('ul[data-trace="downstream"]');
    assert.deepEqual(
      (await page.locator('ul[data-trace="downstream"] li').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()),
      ['marts/revenue_7d.revenue ← staging/orders_clean.amount DIRECT/AGGREGATION'],
    );
    // A link goes to the upstream asset's page.
    await page.locator('ul[data-trace="downstream"] a', { hasText: 'marts/revenue_7d.revenue' }).click();
    await page.waitForSelector('[data-view="column-lineage"] tr[data-column-row="revenue"]');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});
