/**
 * Web UI speed in real Chromium: time to first render of an asset graph of 1,000 assets and of a
 * partition health bar of 1,000,000 partitions (targets ≤ 1 s each).
 *
 *   npx tsx bench/ui.ts [--repeats 5]
 *
 * A real UI server (buildApp over a copy of examples/hello, listening on 127.0.0.1) serves the SPA;
 * the page's data calls for the big graph and the big asset are answered with generated JSON
 * (seeded, so every run draws the same picture) through Playwright's request routing, so the page
 * runs its real code path: fetch, parse, layout, draw. "First render" is the `performance.mark` the
 * SPA sets two animation frames after drawing, measured from navigation start (so it includes
 * loading the bundle and the data); "of which drawing" starts once the data has arrived. Prints the
 * median of `repeats` fresh page loads per row, with the target and PASS/MISS, and saves a screenshot
 * of each page and the figures to bench-output/. QUARRY_BENCH_MARKS=1 also prints every page's
 * performance marks (graph: start → laid-out → built → rendered).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page, Route } from 'playwright-core';
import { REPO_ROOT, copyExampleProject } from '../packages/ui-server/src/example-project-fixture.ts';
import { startServer } from '../packages/ui-server/src/index.ts';
import { CHROMIUM_MISSING, launchChromium } from '../packages/ui-server/src/chromium-browser.ts';
import { seededRandom } from '../packages/assets/src/generator/prng.ts';

const { values: args } = parseArgs({ options: { repeats: { type: 'string', default: '5' } } });
const repeats = Math.max(1, Number(args.repeats));
const TARGET_MS = 1000;
const ASSETS = 1000;
const PARTITIONS = 1_000_000;
const BIG_ASSET = 'bench/events';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

type State = 'fresh' | 'stale' | 'missing' | 'failed';

/** 1,000 assets in 10 groups, each reading 1–3 assets among the ~150 before it (a deep, wide DAG). */
function bigGraph() {
  const next = seededRandom(42);
  const states: State[] = ['fresh', 'fresh', 'fresh', 'stale', 'missing', 'failed'];
  const nodes = Array.from({ length: ASSETS }, (_, i) => {
    const state = states[Math.floor(next() * states.length)]!;
    const total = 365;
    const fresh = state === 'fresh' ? total : Math.floor(next() * total);
    return {
      key: `group_${i % 10}/asset_${String(i).padStart(4, '0')}`,
      group: `group_${i % 10}`,
      kind: i < 40 ? 'source' : i % 3 === 0 ? 'compute' : 'sql',
      partitioned: true,
      total,
      counts: { fresh, stale: state === 'stale' ? total - fresh : 0, missing: state === 'missing' ? total - fresh : 0, failed: state === 'failed' ? total - fresh : 0 },
      state,
    };
  });
  const edges: { from: string; to: string }[] = [];
  for (let i = 40; i < ASSETS; i++) {
    const parents = new Set<number>();
    const count = 1 + Math.floor(next() * 3);
    while (parents.size < count) parents.add(Math.max(0, i - 1 - Math.floor(next() * Math.min(i, 150))));
    for (const p of parents) edges.push({ from: nodes[p]!.key, to: nodes[i]!.key });
  }
  return { project: 'bench', nodes, edges };
}

/** The status of 1,000,000 partitions as ~20,000 ranges of mixed states (runs of 1–100 partitions). */
function bigStatus() {
  const next = seededRandom(7);
  const ranges: Record<State, [number, number][]> = { fresh: [], stale: [], missing: [], failed: [] };
  const counts: Record<State, number> = { fresh: 0, stale: 0, missing: 0, failed: 0 };
  for (let start = 0; start < PARTITIONS; ) {
    const end = Math.min(PARTITIONS, start + 1 + Math.floor(next() * 100));
    const roll = next();
    const state: State = roll < 0.6 ? 'fresh' : roll < 0.8 ? 'missing' : roll < 0.97 ? 'stale' : 'failed';
    const list = ranges[state];
    const last = list.at(-1);
    if (last && last[1] === start) last[1] = end;
    else list.push([start, end]);
    counts[state] += end - start;
    start = end;
  }
  return { assetKey: BIG_ASSET, partitioned: true, total: PARTITIONS, ranges, counts, firstKey: keyAt(0), lastKey: keyAt(PARTITIONS - 1) };
}

/** Minute partitions from 2024-01-01T00:00Z: 1,000,000 of them span about 694 days. */
function keyAt(index: number): string {
  return new Date(Date.UTC(2024, 0, 1) + index * 60_000).toISOString().slice(0, 16);
}

async function main(): Promise<void> {
  if (CHROMIUM_MISSING) {
    console.log(`ui bench skipped: ${CHROMIUM_MISSING}`);
    return;
  }
  const graph = bigGraph();
  const status = bigStatus();
  const graphJson = JSON.stringify(graph);
  const statusJson = JSON.stringify(status);
  const detailJson = JSON.stringify({
    asset: {
      key: BIG_ASSET,
      type: 'asset',
      description: 'A generated asset with 1,000,000 minute partitions.',
      group: 'bench',
      owners: ['team:bench'],
      tags: {},
      deps: [],
      partitions: { kind: 'time-window', id: 'minutely(start=2024-01-01)', count: PARTITIONS, firstKey: status.firstKey, lastKey: status.lastKey },
      columns: [{ name: 'ts', type: 'string', nullable: false, pii: 'none' }],
      checks: [],
      kind: 'sql',
    },
    parents: [],
    children: [],
    state: 'failed',
    status,
  });

  const copy = copyExampleProject('hello');
  const server = await startServer({ projectDir: copy.dir, quarryHome: join(copy.dir, '.quarry'), port: 0 });
  const browser = await launchChromium();
  const fulfil = (route: Route, body: string) => route.fulfill({ status: 200, contentType: 'application/json', body });
  const measure = async (hash: string, mark: string, start: string, screenshot?: string): Promise<{ total: number; drawing: number }> => {
    const page: Page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.route('**/api/graph*', (route) => fulfil(route, graphJson));
    await page.route(`**/api/assets/${encodeURIComponent(BIG_ASSET)}**`, (route) => {
      const url = new URL(route.request().url());
      const tail = url.pathname.slice(`/api/assets/${encodeURIComponent(BIG_ASSET)}`.length);
      if (tail === '') return fulfil(route, detailJson);
      if (tail === '/partitions') return fulfil(route, statusJson);
      if (tail === '/partition-keys') {
        const offset = Number(url.searchParams.get('offset') ?? 0);
        return fulfil(route, JSON.stringify({ total: PARTITIONS, offset, keys: [keyAt(offset)] }));
      }
      if (tail === '/materializations') return fulfil(route, '{"materializations":[]}');
      if (tail === '/checks') return fulfil(route, '{"results":[],"scores":[]}');
      if (tail === '/lineage') return fulfil(route, JSON.stringify({ asset: BIG_ASSET, upstream: [], downstream: [] }));
      return route.abort();
    });
    try {
      await page.goto(`${server.url}/${hash}`);
      await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, mark, { timeout: 60_000 });
      if (process.env['QUARRY_BENCH_MARKS']) console.log(await page.evaluate(() => performance.getEntriesByType('mark').map((m) => `${m.name} ${m.startTime.toFixed(0)}`).join(' | ')));
      if (screenshot) {
        await page.waitForTimeout(300);
        await page.screenshot({ path: screenshot });
      }
      return await page.evaluate(
        ([m, s]) => {
          const end = performance.getEntriesByName(m!)[0]!.startTime;
          const begin = performance.getEntriesByName(s!)[0]?.startTime ?? 0;
          return { total: end, drawing: end - begin };
        },
        [mark, start],
      );
    } finally {
      await page.close();
    }
  };

  const rows: { name: string; total: number; drawing: number }[] = [];
  const out = join(REPO_ROOT, 'bench-output');
  mkdirSync(out, { recursive: true });
  try {
    const run = async (name: string, hash: string, mark: string, start: string, screenshot: string) => {
      await measure(hash, mark, start, join(out, screenshot)); // warm-up (browser caches, JIT), and a picture to look at
      const samples: { total: number; drawing: number }[] = [];
      for (let i = 0; i < repeats; i++) samples.push(await measure(hash, mark, start));
      rows.push({ name, total: median(samples.map((s) => s.total)), drawing: median(samples.map((s) => s.drawing)) });
    };
    await run(`asset graph, ${ASSETS.toLocaleString('en')} assets, ${graph.edges.length.toLocaleString('en')} edges`, '#/', 'quarry:graph-rendered', 'quarry:graph-start', 'ui-graph.png');
    await run(`health bar, ${PARTITIONS.toLocaleString('en')} partitions in ${Object.values(status.ranges).reduce((n, r) => n + r.length, 0).toLocaleString('en')} ranges`, `#/assets/${encodeURIComponent(BIG_ASSET)}`, 'quarry:health-bar-rendered', 'quarry:asset-start', 'ui-health-bar.png');
  } finally {
    await browser.close();
    await server.close();
    copy.remove();
  }

  const nameWidth = Math.max(...rows.map((r) => r.name.length), 'ui row'.length);
  console.log(`ui bench: median of ${repeats} fresh page loads in Chromium (${await chromiumVersion()}), first render from navigation start`);
  console.log(`${'ui row'.padEnd(nameWidth)}  ${'first render'.padStart(12)}  ${'of which drawing'.padStart(16)}  target      result`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(nameWidth)}  ${`${r.total.toFixed(0)} ms`.padStart(12)}  ${`${r.drawing.toFixed(0)} ms`.padStart(16)}  ≤ ${TARGET_MS} ms  ${r.total <= TARGET_MS ? 'PASS' : 'MISS'}`);
  }
  writeFileSync(join(out, 'ui.json'), JSON.stringify({ repeats, targetMs: TARGET_MS, rows }, null, 2));
}

async function chromiumVersion(): Promise<string> {
  const browser = await launchChromium();
  try {
    return browser.version();
  } finally {
    await browser.close();
  }
}

await main();
