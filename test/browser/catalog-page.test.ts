// The UI's catalog page in real Chromium over a project of 1,000 generated assets: the list shows
// only the rows in view (virtualized), search finds a column, and every filter narrows the list.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { defineAsset, defineGlossary, defineProject, openInstance, type AnyAssetDefinition, type Instance } from '@quarry/core';
import { startServer, type RunningServer } from '../../packages/ui-server/src/index.ts';
import { CHROMIUM_MISSING, launchChromium } from '../../packages/ui-server/src/chromium-browser.ts';

const COUNT = 1000;
const glossary = defineGlossary({ net_amount: { name: 'Net amount', definition: 'What the customer paid after discounts.', synonyms: ['net revenue'] } });

/** 1,000 assets in 25 groups, 7 owners, 3 tiers; every 10th holds an email (PII); each depends on the one at half its index. */
function generatedAssets(): AnyAssetDefinition[] {
  const assets: AnyAssetDefinition[] = [];
  for (let i = 0; i < COUNT; i++) {
    const parent = i > 0 ? assets[Math.floor((i - 1) / 2)]! : undefined;
    assets.push(
      defineAsset({
        key: `g${i % 25}/asset_${i}`,
        ...(parent !== undefined ? { deps: { parent } } : {}),
        description: `Generated asset number ${i} for the catalog at scale`,
        owners: [`team:t${i % 7}`],
        tags: { tier: String(i % 3) },
        schema: z.object({ id: z.number().int(), [`col_${i}_amount`]: z.number(), ...(i % 10 === 0 ? { email: z.string() } : {}) }),
        columns: {
          id: { description: 'Row id' },
          [`col_${i}_amount`]: { description: `Amount of asset ${i}`, term: glossary.net_amount },
          ...(i % 10 === 0 ? { email: { description: 'Contact address', pii: 'direct' as const } } : {}),
        },
        compute: () => [],
      }),
    );
  }
  return assets;
}

let dir: string;
let instance: Instance;
let server: RunningServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

before(async () => {
  if (CHROMIUM_MISSING) return;
  dir = mkdtempSync(join(tmpdir(), 'quarry-catalog-page-'));
  instance = await openInstance({ project: defineProject({ name: 'thousand', assets: generatedAssets(), glossary }), projectDir: dir, quarryHome: join(dir, '.quarry') });
  server = await startServer({ instance, port: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${server.url}/#/catalog`);
});

after(async () => {
  await browser?.close();
  await server?.close();
  await instance?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function countShown(): Promise<number> {
  return Number(await page.locator('.catalog-count').getAttribute('data-count'));
}

async function setAndWait(action: () => Promise<unknown>, expected: number): Promise<void> {
  await action();
  await page.waitForFunction((n) => document.querySelector('.catalog-count')?.getAttribute('data-count') === String(n), expected);
}

test('the catalog page lists 1,000 assets drawing only the rows in view, and search and filters narrow them', { skip: CHROMIUM_MISSING }, async () => {
  await page.waitForSelector('.catalog-count[data-count="1000"]');
  assert.equal(await page.locator('.catalog-count').innerText(), '1000 of 1000 assets');
  const drawn = await page.locator('.catalog-row').count();
  assert.ok(drawn > 0 && drawn < 60, `${drawn} rows drawn for 1,000 assets`);
  assert.equal(await page.locator('.catalog-list').getAttribute('data-rows'), '1000');

  // A column name, found with its asset and the matched column.
  await setAndWait(() => page.fill('.catalog-search', 'col_777_amount'), 1);
  const row = page.locator('.catalog-row[data-key="g2/asset_777"]');
  assert.equal(await row.locator('.catalog-columns').getAttribute('data-columns'), 'col_777_amount');
  await row.locator('a.catalog-key').click();
  await page.waitForSelector('h1.asset-title:text("g2/asset_777")');
  await page.goBack();
  await page.waitForSelector('.catalog-count[data-count="1000"]');

  // A glossary synonym matches the columns of its term: every asset has one.
  await setAndWait(() => page.fill('.catalog-search', 'net revenue'), 1000);
  await setAndWait(() => page.fill('.catalog-search', ''), 1000);
  await setAndWait(() => page.selectOption('select[name="owner"]', 'team:t3'), Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 7 === 3).length);
  await setAndWait(() => page.selectOption('select[name="group"]', 'g3'), Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 7 === 3 && i % 25 === 3).length);
  await setAndWait(() => page.selectOption('select[name="owner"]', ''), 40);
  await setAndWait(() => page.selectOption('select[name="tag"]', 'tier=0'), Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 25 === 3 && i % 3 === 0).length);
  await setAndWait(() => page.selectOption('select[name="group"]', ''), 334);
  await setAndWait(() => page.selectOption('select[name="pii"]', 'yes'), Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 3 === 0 && i % 10 === 0).length);
  await setAndWait(() => page.selectOption('select[name="freshness"]', 'on_time'), 0);
  await setAndWait(() => page.selectOption('select[name="freshness"]', 'never'), 34);
  assert.equal(await countShown(), 34);

  // Scrolling to the end draws the last rows.
  await setAndWait(async () => {
    await page.selectOption('select[name="tag"]', '');
    await page.selectOption('select[name="pii"]', '');
    await page.selectOption('select[name="freshness"]', '');
  }, 1000);
  const last = instance.dataDictionary().assets.at(-1)!.key;
  assert.equal(await page.locator(`.catalog-row[data-key="${last}"]`).count(), 0, 'the last row is not drawn before scrolling');
  await page.locator('.catalog-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await page.waitForSelector(`.catalog-row[data-key="${last}"]`);
  assert.deepEqual(problems, []);
});
