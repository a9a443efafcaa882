// `quarry docs` on the TikTok pipeline, opened from disk in real Chromium: the catalog needs no
// server and no network, and a search for a column finds it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_MISSING, launchChromium } from '../../packages/ui-server/src/chromium-browser.ts';
import { TikTokFixture } from '../e2e-tiktok/tiktok-fixture.ts';

const QUARRY_BIN = join(import.meta.dirname, '..', '..', 'packages', 'core', 'bin', 'quarry.mjs');
let f: TikTokFixture;
let browser: Browser;
let page: Page;
let stdout: string;
const problems: string[] = [];

before(async () => {
  if (CHROMIUM_MISSING) return;
  f = await TikTokFixture.create('browser-data-dictionary', { creators: 40, days: 2, start: '2026-03-01', seed: 3, defectRate: 0.1 });
  await f.run();
  await f.instance.close();
  ({ stdout } = await promisify(execFile)(process.execPath, [QUARRY_BIN, 'docs', '--project', f.root, '--out', 'catalog'], { env: { ...process.env, QUARRY_HOME: join(f.root, '.quarry') } }));
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (error) => problems.push(error.message));
  // Anything but the file itself would be a network fetch: fail it and record it.
  await page.route(/^(?!file:)/, (route) => {
    problems.push(`fetched ${route.request().url()}`);
    void route.abort();
  });
  await page.goto(pathToFileURL(join(f.root, 'catalog', 'index.html')).href);
});

after(async () => {
  await browser?.close();
  if (f !== undefined) {
    await f.open();
    await f.close();
  }
});

test('quarry docs writes a catalog of every asset; a search for a column in Chromium finds the assets holding it', { skip: CHROMIUM_MISSING }, async () => {
  assert.match(stdout, /Wrote .*catalog\/index\.html: 14 assets, \d+ columns, 9 glossary terms/);
  const dictionary = JSON.parse(readFileSync(join(f.root, 'catalog', 'dictionary.json'), 'utf8')) as { assets: { key: string; freshness: string }[] };
  assert.equal(dictionary.assets.length, 14);
  assert.equal(await page.locator('#count').getAttribute('data-count'), '14');

  await page.fill('#search', 'engagement_rate');
  await page.waitForFunction(() => document.querySelector('#count')?.getAttribute('data-count') !== '14');
  const keys = await page.locator('article.asset').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
  assert.deepEqual(keys.sort(), ['core/videos', 'marts/category_daily_metrics', 'marts/creator_daily_metrics', 'raw/video_changes']);
  const row = page.locator('article[data-key="marts/creator_daily_metrics"] tr[data-column="engagement_rate"]');
  assert.equal(await row.getAttribute('class'), 'match');
  assert.match(await row.innerText(), /total_likes \+ total_comments \+ total_shares[^]*Engagement rate/);

  // A glossary synonym finds the columns of its term; filters narrow the list.
  await page.fill('#search', 'audience size');
  await page.waitForSelector('article[data-key="quality/follower_spikes"] tr[data-column="previous_followers"].match');
  await page.fill('#search', '');
  await page.selectOption('#f-owner', 'team:trust-and-safety');
  await page.waitForFunction(() => document.querySelector('#count')?.getAttribute('data-count') === '5');
  await page.selectOption('#f-owner', '');
  await page.selectOption('#f-pii', 'yes');
  const pii = await page.locator('article.asset').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
  assert.ok(pii.includes('raw/creator_changes') && !pii.includes('marts/category_daily_metrics'), pii.join(', '));
  assert.deepEqual(problems, []);
});
