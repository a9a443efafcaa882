// A date range over a selection mixing time, static, multi and unpartitioned assets (issue 11, point 10).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../cli/main.ts';
import { openInstance, type Instance } from '../instance/instance.ts';
import { mixedProject } from './partition-targets.fixture.ts';

const NOW = new Date('2026-03-10T12:00:00Z');

async function withInstance(body: (instance: Instance) => Promise<void>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'quarry-ranges-'));
  try {
    const instance = await openInstance({ project: mixedProject(), projectDir: home, quarryHome: join(home, '.quarry'), now: NOW });
    await body(instance);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Per asset, the partition keys the plan materializes. */
async function planned(instance: Instance, selection: string, from: string, to: string): Promise<Map<string, string[]>> {
  const plan = await instance.plan({ selection, partitions: { from, to } });
  const out = new Map<string, string[]>();
  for (const step of plan.steps) out.set(step.assetKey, [...(out.get(step.assetKey) ?? []), ...step.partitionKeys]);
  return out;
}

const hoursFrom = (startUtcMs: number, count: number) =>
  Array.from({ length: count }, (_, i) => new Date(startUtcMs + i * 3_600_000).toISOString().replace(/T(\d\d):(\d\d).*$/, '-$1:$2'));

test('a day range over a mixed selection gives each asset the partitions of the range that apply to it', async () => {
  await withInstance(async (instance) => {
    const keys = await planned(instance, '*', '2026-03-02', '2026-03-03');
    // New York days 2026-03-02 and 03 (EST, UTC-5) are 05:00Z on the 2nd to 05:00Z on the 4th: 48 UTC hours.
    assert.deepEqual(keys.get('raw/orders'), hoursFrom(Date.parse('2026-03-02T05:00:00Z'), 48));
    assert.deepEqual(keys.get('marts/daily_ny'), ['2026-03-02', '2026-03-03']);
    assert.deepEqual(keys.get('ref/regions')?.sort(), ['apac', 'eu', 'us']);
    assert.deepEqual(keys.get('marts/by_region')?.sort(), ['2026-03-02|apac', '2026-03-02|eu', '2026-03-02|us', '2026-03-03|apac', '2026-03-03|eu', '2026-03-03|us']);
    // 2026-03-02 is a Monday: the days' weekdays through the dependency's mapping, not all seven.
    assert.deepEqual(keys.get('marts/by_weekday')?.sort(), ['mon', 'tue']);
    assert.deepEqual(keys.get('meta/config'), ['']);
  });
});

test('a day range means the same for an asset selected alone as within the whole selection', async () => {
  await withInstance(async (instance) => {
    const whole = await planned(instance, '*', '2026-03-02', '2026-03-03');
    for (const key of ['raw/orders', 'marts/by_region', 'ref/regions']) {
      const alone = await planned(instance, key, '2026-03-02', '2026-03-03');
      assert.deepEqual(alone.get(key)?.sort(), whole.get(key)?.sort(), key);
    }
  });
});

/** Runs `quarry ARGS --json` in-process on a project directory whose quarry.config.ts is the mixed project. */
async function cliJson(dir: string, home: string, args: readonly string[], json = true): Promise<unknown> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await runCli([...args, ...(json ? ['--json'] : []), '--project', dir], { stdout, stderr, cwd: dir, env: { QUARRY_HOME: home } });
  assert.equal(code, 0, `quarry ${args.join(' ')}: ${err}${out}`);
  return json ? JSON.parse(out) : out;
}

test('plan, status and partitions read a day range over the mixed selection as Instance.plan does', async () => {
  const root = fileURLToPath(new URL('../../../../test-output/', import.meta.url));
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'ranges-'));
  try {
    const fixture = fileURLToPath(new URL('./partition-targets.fixture.ts', import.meta.url));
    writeFileSync(join(dir, 'quarry.config.ts'), `import { mixedProject } from ${JSON.stringify(fixture)};\nexport default mixedProject();\n`);
    const home = join(dir, '.quarry');
    const range = ['--from', '2026-03-02', '--to', '2026-03-03'];
    const instance = await openInstance({ project: mixedProject(), projectDir: dir, quarryHome: join(dir, '.quarry-api'), now: NOW });
    const expected = await planned(instance, '*', '2026-03-02', '2026-03-03');

    const plan = (await cliJson(dir, home, ['plan', '*', ...range])) as { steps: { asset: string; partition: string }[] };
    const byAsset = new Map<string, string[]>();
    for (const s of plan.steps) byAsset.set(s.asset, [...(byAsset.get(s.asset) ?? []), s.partition]);
    for (const [asset, keys] of expected) assert.deepEqual(byAsset.get(asset)?.sort(), [...keys].sort(), `plan ${asset}`);

    const status = (await cliJson(dir, home, ['status', '*', ...range])) as { assets: { assetKey: string; total: number; counts: { missing: number } }[] };
    for (const s of status.assets) {
      assert.equal(s.total, expected.get(s.assetKey)!.length, `status ${s.assetKey}`);
      assert.equal(s.counts.missing, expected.get(s.assetKey)!.length, `status ${s.assetKey}`);
    }

    for (const [asset, keys] of expected) {
      if (asset === 'meta/config') continue; // unpartitioned: --from/--to do not apply to it alone
      const listed = (await cliJson(dir, home, ['partitions', asset, ...range])) as { total: number; keys: string[] };
      assert.deepEqual([...listed.keys].sort(), [...keys].sort(), `partitions ${asset}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checks reads a day range over static and multi-partitioned assets as plan does', async () => {
  const root = fileURLToPath(new URL('../../../../test-output/', import.meta.url));
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'ranges-'));
  try {
    const fixture = fileURLToPath(new URL('./partition-targets.fixture.ts', import.meta.url));
    writeFileSync(join(dir, 'quarry.config.ts'), `import { mixedProject } from ${JSON.stringify(fixture)};\nexport default mixedProject();\n`);
    const home = join(dir, '.quarry');
    // Two days materialized, one day asked about.
    for (const asset of ['ref/regions', 'marts/by_region']) await cliJson(dir, home, ['materialize', asset, '--from', '2026-03-02', '--to', '2026-03-03'], false);
    const report = (await cliJson(dir, home, ['checks', '*', '--from', '2026-03-02', '--to', '2026-03-02'])) as { assets: { asset: string; results: { partitionKey: string }[] }[] };
    const keysOf = (asset: string) => [...new Set(report.assets.find((a) => a.asset === asset)!.results.map((r) => r.partitionKey))].sort();
    assert.deepEqual(keysOf('ref/regions'), ['apac', 'eu', 'us']);
    assert.deepEqual(keysOf('marts/by_region'), ['2026-03-02|apac', '2026-03-02|eu', '2026-03-02|us']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
