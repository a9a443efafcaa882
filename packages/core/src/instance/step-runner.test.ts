import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { openSqliteCatalog } from '../catalog/index.ts';
import { acceptedRange } from '../checks/index.ts';
import { defineAsset, defineProject, type ProjectConfig } from '../definitions/index.ts';
import { dailyPartitions } from '../partitions/index.ts';
import { createDuckDbEngine } from '../engines/duckdb/index.ts';
import type { Engine } from '../engines/index.ts';
import { isQuarryError } from '../errors.ts';
import { classifyStepError, createManualClock, type StepLogger } from '../execution/index.ts';
import { AssetGraph } from '../graph/index.ts';
import { createLocalObjectStore } from '../storage/index.ts';
import { openInstance, type Instance } from './instance.ts';
import { createStepRunner } from './step-runner.ts';

const daily = dailyPartitions({ start: '2026-01-01' });
const DAY = '2026-01-03';
const rowSchema = z.object({ id: z.number().int(), amount: z.number() });

async function withInstance(config: Omit<ProjectConfig, 'name'>, fn: (instance: Instance, clock: ReturnType<typeof createManualClock>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-step-runner-'));
  const clock = createManualClock({ start: Date.UTC(2026, 0, 10) });
  const instance = await openInstance({ project: defineProject({ name: 'retries', ...config }), projectDir: dir, quarryHome: join(dir, '.quarry'), now: new Date('2026-01-10T00:00:00Z'), clock });
  try {
    await fn(instance, clock);
  } finally {
    await instance.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function runOneDay(instance: Instance, selection: string) {
  const { runId } = await instance.startRun({ selection, partitions: { key: DAY } });
  const run = await instance.waitForRun(runId);
  const steps = instance.listSteps(runId);
  const retries = instance.listEvents({ runId }).filter((e) => e.type === 'step_retrying');
  return { run, steps, retries };
}

/** What Node raises when a peer drops the connection. */
const connectionReset = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

test('a SQL binder error in a compute function fails in one attempt, with no retry, naming asset and partition', async () => {
  const broken = defineAsset({
    key: 'marts/broken',
    partitions: daily,
    compute: async (ctx) => {
      // Real DuckDB, through the native connection: a Binder Error no retry can fix.
      await (ctx.connection as DuckDBConnection).run('select no_such_column from range(3)');
      return [];
    },
  });
  await withInstance({ assets: [broken] }, async (instance, clock) => {
    const { run, steps, retries } = await runOneDay(instance, 'marts/broken');
    assert.equal(run.status, 'failed');
    assert.equal(steps.length, 1);
    assert.equal(steps[0]!.status, 'failed');
    assert.equal(steps[0]!.attempt, 1, 'one attempt, no retry');
    assert.deepEqual(retries, [], 'no step_retrying event');
    assert.deepEqual(clock.sleeps, [], 'no backoff wait');
    assert.match(steps[0]!.error ?? '', new RegExp(`^Asset "marts/broken" partition "${DAY}": compute threw: Binder Error: .*no_such_column`));
  });
});

test('a TypeError in a compute function or in observe, and a schema mismatch, fail in one attempt naming asset and partition', async () => {
  const buggy = defineAsset({ key: 'raw/buggy', partitions: daily, compute: () => (undefined as unknown as { rows: { id: number }[] }).rows });
  const short = defineAsset({ key: 'raw/short', partitions: daily, schema: rowSchema, compute: () => [{ id: 1 }] });
  const observed = defineAsset({
    key: 'raw/observed',
    partitions: daily,
    observe: () => (undefined as unknown as { hash: string }).hash,
    compute: () => [{ id: 1 }],
  });
  await withInstance({ assets: [buggy, short, observed] }, async (instance, clock) => {
    for (const [key, message] of [
      ['raw/buggy', /compute threw: Cannot read properties of undefined/],
      ['raw/short', /lacks|schema|amount/],
      ['raw/observed', /observe threw: Cannot read properties of undefined/],
    ] as const) {
      const { steps, retries } = await runOneDay(instance, key);
      assert.equal(steps[0]!.status, 'failed', key);
      assert.equal(steps[0]!.attempt, 1, `${key}: one attempt`);
      assert.deepEqual(retries, [], `${key}: no retry`);
      assert.ok(steps[0]!.error?.startsWith(`Asset "${key}" partition "${DAY}": `), `${key}: ${steps[0]!.error}`);
      assert.match(steps[0]!.error ?? '', message);
    }
    assert.deepEqual(clock.sleeps, []);
  });
});

test('a transient error (ECONNRESET) is retried after 1 min, then 5 min, and the step succeeds', async () => {
  let calls = 0;
  const flaky = defineAsset({
    key: 'raw/flaky',
    partitions: daily,
    schema: rowSchema,
    compute: () => {
      calls++;
      if (calls < 3) throw connectionReset();
      return [{ id: 1, amount: 2 }];
    },
  });
  await withInstance({ assets: [flaky] }, async (instance, clock) => {
    const { run, steps, retries } = await runOneDay(instance, 'raw/flaky');
    assert.equal(run.status, 'succeeded');
    assert.equal(steps[0]!.status, 'succeeded');
    assert.equal(steps[0]!.attempt, 3);
    assert.deepEqual(clock.sleeps, [60_000, 300_000]);
    assert.deepEqual(retries.map((e) => (e.data as { waitMs: number }).waitMs), [60_000, 300_000]);
    assert.match(retries[0]!.message, /^raw\/flaky \[2026-01-03\] retrying in 1m00s \(attempt 2 of 4\): Asset "raw\/flaky" partition "2026-01-03": compute threw: read ECONNRESET$/);
    assert.equal(instance.catalog.currentMaterialization('raw/flaky', DAY)?.rowCount, 1);
  });
});

test("the project's retry policy is honoured, and an asset's own policy overrides it", async () => {
  let calls = 0;
  const down = defineAsset({ key: 'raw/down', partitions: daily, compute: () => (calls++, Promise.reject(connectionReset())) });
  const once = defineAsset({ key: 'raw/once', partitions: daily, retry: { maxAttempts: 1 }, compute: () => Promise.reject(connectionReset()) });
  await withInstance({ assets: [down, once], retry: { maxAttempts: 3, backoff: ['10s', '2m'] } }, async (instance, clock) => {
    assert.deepEqual(instance.retryPolicy('raw/down'), { maxTries: 3, backoffMs: [10_000, 120_000] });
    const first = await runOneDay(instance, 'raw/down');
    assert.equal(first.steps[0]!.status, 'failed');
    assert.equal(first.steps[0]!.attempt, 3);
    assert.equal(calls, 3);
    assert.deepEqual(clock.sleeps, [10_000, 120_000]);
    const second = await runOneDay(instance, 'raw/once');
    assert.equal(second.steps[0]!.attempt, 1, 'the asset says maxAttempts: 1');
    assert.deepEqual(second.retries, []);
    assert.deepEqual(clock.sleeps, [10_000, 120_000], 'no further wait');
  });
});

test('a read error while evaluating a blocking check is a check error of the step, never a failed check', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-check-error-'));
  const store = createLocalObjectStore({ root: join(dir, 'lake') });
  const catalog = openSqliteCatalog({ path: join(dir, 'catalog.sqlite') });
  const duckdb = await createDuckDbEngine({ store, tempDir: join(dir, 'tmp') });
  try {
    const orders = defineAsset({
      key: 'raw/orders',
      partitions: daily,
      schema: rowSchema,
      checks: [acceptedRange('amount', { min: 0, blocking: true })],
      compute: () => [{ id: 1, amount: 5 }],
    });
    const project = defineProject({ name: 'checks', assets: [orders] });
    // The staged file vanishes between the write and the audit (a disk or network-store read error).
    const engine: Engine = {
      name: duckdb.name,
      capabilities: duckdb.capabilities,
      materialize: (request) => duckdb.materialize(request),
      query: async (sql, options) => {
        for (const view of options?.views ?? []) if (view.name === '_quarry_target') for (const file of view.files) await store.delete(file);
        return duckdb.query(sql, options);
      },
      close: () => duckdb.close(),
    };
    const run = catalog.createRun({ kind: 'materialize', selection: 'raw/orders', status: 'running', pid: process.pid });
    const runStep = createStepRunner({
      graph: AssetGraph.fromProject(project),
      catalog,
      engine,
      projectDir: dir,
      runId: run.id,
      owner: { runId: run.id, pid: process.pid },
      ctx: { now: new Date('2026-01-10T00:00:00Z'), dynamicKeys: () => [] },
      codeVersion: () => 'v1',
      force: false,
    });
    const quiet: StepLogger = { debug() {}, info() {}, warn() {}, error() {} };
    const step = { id: `raw/orders[${DAY}]`, assetKey: 'raw/orders', partitionKeys: [DAY], reason: { cause: 'missing' as const }, dependsOn: [] };
    let thrown: unknown;
    const outcome = await runStep(step, 1, new AbortController().signal, quiet).catch((error: unknown) => {
      thrown = error;
      return undefined;
    });
    assert.equal(outcome, undefined, `the step must fail with the read error, not resolve ${JSON.stringify(outcome)}`);
    assert.ok(isQuarryError(thrown, 'QUARRY_CHECK_ERROR'), String(thrown));
    assert.match((thrown as Error).message, new RegExp(`^Asset "raw/orders" partition "${DAY}": blocking check could not be evaluated: accepted_range_amount \\(The target could not be read: .*(IO Error: No files found|Cannot access file)`)); // a locked instance reports the vanished file as inaccessible
    assert.equal(classifyStepError(thrown), 'fatal', 'a missing file is not retried');
    const [result] = catalog.listCheckResults({ asset: 'raw/orders' });
    assert.equal(result?.metadata.status, 'errored', 'stored as a check that could not run');
    assert.equal(result?.failingCount, null, 'with no failing rows');
    assert.deepEqual(catalog.failedPartitions('raw/orders').map((f) => [f.partitionKey, f.kind]), [[DAY, 'failed']], 'the partition failed; it was not blocked by a check');
    assert.equal(catalog.currentMaterialization('raw/orders', DAY), undefined, 'nothing was published');
  } finally {
    await duckdb.close();
    catalog.close();
    await rm(dir, { recursive: true, force: true });
  }
});
