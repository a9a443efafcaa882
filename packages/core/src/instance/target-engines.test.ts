// Targets in the step runner and the instance, proven with a staged-publish engine of our own: a
// small engine that wraps DuckDB, stages its output, publishes it under `fake:` locators, owns those
// locators (and exports them to the lake for DuckDB steps), runs no compute assets, and dry-runs.
// This tests Quarry's own Engine interface (routing, bridging, staged publish, cost), not a cloud.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { acceptedRange } from '../checks/index.ts';
import { defineAsset, defineProject, type AnyAssetDefinition } from '../definitions/index.ts';
import { createDuckDbEngine } from '../engines/duckdb/index.ts';
import type { DryRunEstimate, Engine, EngineCapabilities, EngineQueryOptions, EngineVacuumReport, InputRelation, MaterializeOutput, MaterializeRequest, PublishRequest } from '../engines/index.ts';
import { isQuarryError, QuarryError } from '../errors.ts';
import type { JsonValue } from '../catalog/index.ts';
import { dailyPartitions } from '../partitions/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import { openInstance, type Instance } from './instance.ts';

const daily = dailyPartitions({ start: '2026-01-01' });
const GiB = 2 ** 30;

/** A staged-publish engine over DuckDB: `fake:<lake path>` locators, staged at the output path, published under `published/`. */
class FakeStagedEngine implements Engine {
  readonly name = 'fake';
  readonly capabilities: EngineCapabilities;
  constructor(options: { rangeSplit?: boolean } = {}) {
    this.capabilities = { merge: false, arrowWrite: false, localFiles: false, declaredInputsOnly: true, rangeSplit: options.rangeSplit === true, compute: false, stagedPublish: true };
  }
  readonly dialect = 'duckdb' as const;
  store: ObjectStore | undefined;
  #duck: Promise<Engine> | undefined;
  readonly materialized: string[] = [];
  readonly published: string[] = [];
  readonly discarded: string[] = [];
  readonly exported: string[] = [];
  readonly vacuumKeeps: ReadonlySet<string>[] = [];
  failPublish = false;

  #engine(): Promise<Engine> {
    this.#duck ??= createDuckDbEngine({ store: this.store! });
    return this.#duck;
  }
  static under(file: string): string {
    return file.startsWith('fake:') ? file.slice('fake:'.length) : file;
  }
  #lakeInputs(inputs: readonly InputRelation[]): InputRelation[] {
    return inputs.map((i) => ({ ...i, files: i.files.map(FakeStagedEngine.under) }));
  }
  async materialize(request: MaterializeRequest): Promise<MaterializeOutput> {
    if (request.asset.compute !== undefined) throw new Error(`fake engine was asked to run compute asset ${request.asset.key}`);
    this.materialized.push(`${request.asset.key} [${request.scope.firstKey}]`);
    const out = await (await this.#engine()).materialize({ ...request, inputs: this.#lakeInputs(request.inputs) });
    return {
      ...out,
      files: out.files.map((f) => `fake:${f}`),
      ...(out.partitions ? { partitions: out.partitions.map((p) => ({ ...p, files: p.files.map((f) => `fake:${f}`) })) } : {}),
      jobs: [{ jobId: `q_${request.asset.key.replace('/', '_')}_${request.scope.firstKey}`, kind: 'query', bytesProcessed: 1000, bytesBilled: 10 * 2 ** 20 }],
    };
  }
  async query(sql: string, options: EngineQueryOptions = {}) {
    return (await this.#engine()).query(sql, { ...options, ...(options.views ? { views: this.#lakeInputs(options.views) } : {}) });
  }
  async publish(request: PublishRequest) {
    if (this.failPublish) throw new QuarryError('QUARRY_ENGINE_ERROR', `copy job failed for ${request.asset.key}`);
    return Promise.all(
      request.partitions.map(async (p) => {
        const files = await Promise.all(
          p.files.map(async (f) => {
            const from = FakeStagedEngine.under(f);
            const to = `published/${from}`;
            await this.store!.put(to, await this.store!.get(from));
            await this.store!.delete(from);
            return `fake:${to}`;
          }),
        );
        this.published.push(`${request.asset.key} [${p.key}]`);
        return { key: p.key, files, jobs: [{ jobId: `copy_${p.key}`, kind: 'copy', bytesProcessed: 0, bytesBilled: 0 }] };
      }),
    );
  }
  async discard(files: readonly string[]): Promise<void> {
    for (const f of files) {
      this.discarded.push(f);
      await this.store!.delete(FakeStagedEngine.under(f));
    }
  }
  ownsLocator(file: string): boolean {
    return file.startsWith('fake:');
  }
  async exportToStore(files: readonly string[], prefix: string): Promise<string[]> {
    return Promise.all(
      files.map(async (f) => {
        const to = `${prefix}${FakeStagedEngine.under(f).replaceAll('/', '_')}`;
        await this.store!.put(to, await this.store!.get(FakeStagedEngine.under(f)));
        this.exported.push(f);
        return to;
      }),
    );
  }
  async dryRun(request: MaterializeRequest): Promise<DryRunEstimate> {
    const unwritten = request.inputs.find((i) => i.files.length === 0);
    if (unwritten !== undefined) return { bytesProcessed: undefined, note: `upstream ${unwritten.assetKey} is not written yet` };
    return { bytesProcessed: GiB * request.scope.keys.length };
  }
  async vacuum(options: { keep?: ReadonlySet<string>; dryRun?: boolean }): Promise<EngineVacuumReport> {
    this.vacuumKeeps.push(options.keep ?? new Set());
    return { dropped: ['hello._quarry_staging_marts__c_r_dead_0001'] };
  }
  async close(): Promise<void> {
    if (this.#duck) await (await this.#duck).close();
  }
}

/** raw/a (SQL, on the fake engine) → core/b (compute returning { sql }: DuckDB) → marts/c (SQL, on the fake engine, with a blocking check). */
function project(minTotal: number): AnyAssetDefinition[] {
  const a = defineAsset({ key: 'raw/a', partitions: daily, sql: 'select $partition_key as day, i::BIGINT as id, (i * 10)::DOUBLE as amount from range(1, 4) t(i)' });
  const b = defineAsset({ key: 'core/b', partitions: daily, deps: { a }, compute: () => ({ sql: 'select day, id, amount * 2 as amount from a' }) });
  const c = defineAsset({
    key: 'marts/c',
    partitions: daily,
    deps: { b },
    schema: z.object({ day: z.string(), total: z.number() }),
    sql: 'select day, sum(amount)::DOUBLE as total from b group by day',
    checks: [acceptedRange('total', { min: minTotal, blocking: true })],
  });
  return [a, b, c];
}

async function withFake(minTotal: number, fn: (instance: Instance, fake: FakeStagedEngine) => Promise<void>, options: { rangeSplit?: boolean; assets?: AnyAssetDefinition[] } = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-target-engines-'));
  const fake = new FakeStagedEngine(options);
  const instance = await openInstance({ project: defineProject({ name: 'hello', assets: options.assets ?? project(minTotal) }), projectDir: dir, quarryHome: join(dir, '.quarry'), now: new Date('2026-01-10T00:00:00Z'), engine: fake });
  fake.store = instance.store;
  try {
    await fn(instance, fake);
  } finally {
    await instance.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function run(instance: Instance, options: { selection?: string; maxBytesBilled?: number } = {}) {
  const { runId } = await instance.startRun({ selection: options.selection ?? '*', partitions: { key: '2026-01-02' }, ...(options.maxBytesBilled !== undefined ? { maxBytesBilled: options.maxBytesBilled } : {}) });
  return { runId, run: await instance.waitForRun(runId) };
}

test('engine routing: SQL assets run on the target engine, compute assets on DuckDB, locators are exported for DuckDB and committed as published', async () => {
  await withFake(0, async (instance, fake) => {
    const { runId, run: finished } = await run(instance);
    assert.equal(finished.status, 'succeeded', finished.error ?? '');
    // The fake engine ran the SQL assets only; the compute asset ran on DuckDB (the fake throws on compute).
    assert.deepEqual(fake.materialized, ['raw/a [2026-01-02]', 'marts/c [2026-01-02]']);
    const [a] = instance.materializations('raw/a');
    const [b] = instance.materializations('core/b');
    const [c] = instance.materializations('marts/c');
    // What the catalog commits are the published locators, never the staged ones.
    assert.match(a!.files[0]!, /^fake:published\/raw\/a\/2026-01-02\//);
    assert.match(c!.files[0]!, /^fake:published\/marts\/c\/2026-01-02\//);
    assert.deepEqual(fake.published, ['raw/a [2026-01-02]', 'marts/c [2026-01-02]']);
    assert.equal(a!.metadata.engine, 'fake');
    assert.equal(b!.metadata.engine, 'duckdb');
    assert.doesNotMatch(b!.files[0]!, /^fake:/, 'the DuckDB step wrote a lake file');
    // core/b read raw/a through an export of its locator to the lake; marts/c read core/b's lake file as it is.
    assert.deepEqual(fake.exported, a!.files);
    const rows = await instance.query('select day, total from marts__c');
    assert.deepEqual(rows.rows, [{ day: '2026-01-02', total: 120 }]);
    // Lake integrity skips locators: verify reads only core/b's lake file, and finds nothing damaged.
    const verified = await instance.verify();
    assert.equal(verified.damaged, 0);
    assert.deepEqual(verified.assets.map((x) => [x.assetKey, x.files, x.damaged.length]), [['raw/a', 1, 0], ['core/b', 1, 0], ['marts/c', 1, 0]]);
    // Engine jobs are recorded with the versions: the queries and the copies, per step; bytes billed per run.
    const jobs = instance.catalog.engineJobs(runId);
    assert.deepEqual(jobs.map((j) => [j.stepId, j.kind, j.jobId, j.partitions, j.engine]), [
      ['raw/a[2026-01-02]', 'query', 'q_raw_a_2026-01-02', ['2026-01-02'], 'fake'],
      ['raw/a[2026-01-02]', 'copy', 'copy_2026-01-02', ['2026-01-02'], 'fake'],
      ['marts/c[2026-01-02]', 'query', 'q_marts_c_2026-01-02', ['2026-01-02'], 'fake'],
      ['marts/c[2026-01-02]', 'copy', 'copy_2026-01-02', ['2026-01-02'], 'fake'],
    ]);
    const cost = instance.runCost(runId);
    assert.equal(cost.bytesBilled, 20 * 2 ** 20);
    assert.equal(cost.jobs, 4);
    assert.deepEqual(cost.steps.map((s) => [s.stepId, s.bytesBilled]), [['raw/a[2026-01-02]', 10 * 2 ** 20], ['marts/c[2026-01-02]', 10 * 2 ** 20]]);
    assert.ok(Math.abs(cost.cost - (20 * 2 ** 20 / 2 ** 40) * 6.25) < 1e-12);
  });
});

test('staged publish: a blocked partition keeps its staging unpublished and recorded; nothing is discarded', async () => {
  await withFake(1000, async (instance, fake) => {
    const { run: finished } = await run(instance);
    assert.notEqual(finished.status, 'succeeded', 'the blocked step makes the run not succeed');
    assert.deepEqual(fake.published, ['raw/a [2026-01-02]']);
    assert.equal(instance.materializations('marts/c').length, 0, 'no version of the blocked partition');
    const [check] = instance.checkResults('marts/c');
    assert.equal(check!.passed, false);
    const staged = (check!.metadata as { stagedFiles?: string[] }).stagedFiles;
    assert.match(staged![0]!, /^fake:marts\/c\/2026-01-02\//, 'the check result names the staged locator');
    assert.deepEqual(fake.discarded, [], 'blocked staging is kept for inspection');
    assert.ok(await instance.store.exists(FakeStagedEngine.under(staged![0]!)));
  });
});

test('staged publish: when publish throws nothing is committed and the staging is discarded', async () => {
  await withFake(0, async (instance, fake) => {
    fake.failPublish = true;
    const { runId, run: finished } = await run(instance, { selection: 'raw/a' });
    assert.equal(finished.status, 'failed');
    assert.equal(instance.materializations('raw/a').length, 0);
    assert.equal(fake.discarded.length, 1);
    assert.match(fake.discarded[0]!, /^fake:raw\/a\/2026-01-02\//);
    assert.equal(await instance.store.exists(FakeStagedEngine.under(fake.discarded[0]!)), false);
    assert.deepEqual(instance.catalog.engineJobs(runId), [], 'no job is recorded without its version');
    assert.match(instance.listSteps(runId)[0]!.error ?? '', /copy job failed for raw\/a/);
  });
});

test('cost before: plan estimates per step (unwritten upstreams say so) and a run over --max-bytes-billed is refused before any job', async () => {
  await withFake(0, async (instance, fake) => {
    const plan = await instance.plan({ partitions: { key: '2026-01-02' } });
    const estimate = await instance.estimatePlan(plan);
    assert.deepEqual(
      estimate.steps.map((s) => [s.stepId, s.engine, s.bytesProcessed, s.note]),
      [
        ['raw/a[2026-01-02]', 'fake', GiB, undefined],
        ['core/b[2026-01-02]', 'duckdb', 0, 'runs on duckdb: no bytes billed'],
        ['marts/c[2026-01-02]', 'fake', undefined, 'upstream core/b is not written yet'],
      ],
    );
    assert.equal(estimate.totalBytes, GiB);
    assert.equal(estimate.estimatedCost, 6.25 / 1024);
    await assert.rejects(run(instance, { maxBytesBilled: GiB - 1 }), (error: unknown) => {
      assert.ok(isQuarryError(error, 'QUARRY_BYTES_LIMIT_EXCEEDED'), String(error));
      assert.match(error.message, /would process 1\.00 GiB \(1073741824 bytes/);
      assert.match(error.message, /limit of 1024\.0 MiB \(1073741823 bytes\)/);
      assert.match(error.message, /Biggest steps: raw\/a\[2026-01-02\] 1\.00 GiB; 1 step could not be estimated/);
      return true;
    });
    assert.deepEqual(fake.materialized, [], 'no job started');
    assert.equal(instance.listRuns().length, 0, 'no run was created');
    // A resumed run answers to the limit too: its steps still to run, before any job.
    const stopped = instance.catalog.createRun({ kind: 'materialize', selection: '*', status: 'failed', plan: plan as unknown as JsonValue });
    await assert.rejects(instance.resumeRun(stopped.id, { maxBytesBilled: GiB - 1 }), (error: unknown) => isQuarryError(error, 'QUARRY_BYTES_LIMIT_EXCEEDED'));
    assert.deepEqual(fake.materialized, [], 'no job started on resume');
    assert.equal(instance.getRun(stopped.id).status, 'failed', 'the refused resume left the run as it was');
    // At the limit, the run goes.
    const { run: finished } = await run(instance, { maxBytesBilled: GiB });
    assert.equal(finished.status, 'succeeded', finished.error ?? '');
  });
});

test("vacuum asks the target's engine to drop its leftovers, keeping the staging of live runs", async () => {
  await withFake(0, async (instance, fake) => {
    const live = instance.catalog.createRun({ kind: 'materialize', selection: '*', status: 'running', pid: process.pid, host: (await import('node:os')).hostname() });
    const result = await instance.vacuum({ dryRun: true });
    assert.deepEqual(result.engineDropped, ['hello._quarry_staging_marts__c_r_dead_0001']);
    assert.deepEqual([...fake.vacuumKeeps[0]!], [live.id]);
  });
});

test('staged publish in a range step: the partitions that pass are published and committed in one step, a blocked one keeps its staging', async () => {
  const events = defineAsset({
    key: 'raw/events',
    partitions: daily,
    backfill: { maxPartitionsPerStep: 'all', partitionColumn: 'day' },
    sql: "select d::DATE as day, (case when d::DATE = DATE '2026-01-03' then -1 else 1 end)::BIGINT as n from range(DATE '2026-01-02', DATE '2026-01-05', INTERVAL 1 DAY) t(d)",
    checks: [acceptedRange('n', { min: 0, blocking: true })],
  });
  await withFake(0, async (instance, fake) => {
    const { runId } = await instance.startRun({ selection: 'raw/events', partitions: { from: '2026-01-02', to: '2026-01-04' } });
    const finished = await instance.waitForRun(runId);
    assert.notEqual(finished.status, 'succeeded');
    assert.deepEqual(fake.materialized, ['raw/events [2026-01-02]'], 'one engine execution for the range');
    assert.deepEqual([...fake.published].sort(), ['raw/events [2026-01-02]', 'raw/events [2026-01-04]'], 'the fake publishes partitions concurrently');
    const versions = instance.materializations('raw/events');
    assert.deepEqual(versions.map((v) => v.partitionKey).sort(), ['2026-01-02', '2026-01-04']);
    for (const v of versions) assert.match(v.files[0]!, /^fake:published\/raw\/events\//);
    const [blocked] = instance.checkResults('raw/events', { partition: '2026-01-03' });
    const staged = (blocked!.metadata as { stagedFiles?: string[] }).stagedFiles!;
    assert.match(staged[0]!, /^fake:raw\/events\/2026-01-03\//);
    assert.ok(await instance.store.exists(FakeStagedEngine.under(staged[0]!)), 'the blocked staging is kept');
    assert.deepEqual(fake.discarded, []);
    assert.deepEqual(instance.catalog.engineJobs(runId).map((j) => [j.kind, j.partitions]), [
      ['query', ['2026-01-02', '2026-01-03', '2026-01-04']],
      ['copy', ['2026-01-02']],
      ['copy', ['2026-01-04']],
    ]);
  }, { rangeSplit: true, assets: [events] });
});
