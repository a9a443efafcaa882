import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import {
  acceptedRange,
  dailyPartitions,
  defineAsset,
  defineProject,
  isQuarryError,
  notNull,
  openInstance,
  openLineageRunId,
  openLineageStepRunId,
  FileOpenLineageTransport,
  HttpOpenLineageTransport,
  type Instance,
  type ProjectConfig,
} from '@quarry/core';
import type { ColumnLineage } from '../../packages/core/src/lineage/column-lineage-types.ts';
import { OpenLineageValidator } from './openlineage-schema.ts';

const validator = new OpenLineageValidator();

// Events as parsed JSON: facet fields are read freely (their shapes are what the validator checks).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Facets = Record<string, any>;
interface OpenLineageRunEvent {
  eventType: string;
  run: { runId: string; facets?: Facets };
  job: { namespace: string; name: string; facets?: Facets };
  inputs: { name: string; facets?: Facets }[];
  outputs: { name: string; facets?: Facets; outputFacets?: Facets }[];
}
const daily = dailyPartitions({ start: '2026-01-01' });

const orders = defineAsset({
  key: 'raw/orders',
  partitions: daily,
  description: 'Orders of the day as the shop exported them.',
  owners: ['team:shop'],
  schema: z.object({ order_id: z.number().int(), customer: z.string(), amount: z.number() }),
  columns: { order_id: { description: 'Order number' }, amount: { description: 'Amount paid, in euros' } },
  checks: [notNull('order_id'), acceptedRange('amount', { min: 0 })],
  compute: (ctx) => [
    { order_id: 1, customer: 'ann', amount: 10 },
    { order_id: 2, customer: 'bob', amount: ctx.partition.firstKey === '2026-01-02' ? 5 : 7 },
  ],
});
const revenue = defineAsset({
  key: 'marts/revenue',
  deps: { orders },
  partitions: daily,
  owners: ['team:finance'],
  sql: 'select $partition_key as day, count(*) as orders, sum(amount) as revenue from orders',
});
const broken = defineAsset({
  key: 'marts/broken',
  deps: { orders },
  partitions: daily,
  retry: { maxAttempts: 1 },
  compute: () => {
    throw new Error('boom: the exchange rate table is empty');
  },
});

/** Hand-built column lineage of marts/revenue, as the SQL-derived lineage will supply it. */
const REVENUE_LINEAGE: ColumnLineage = {
  revenue: [{ asset: 'raw/orders', column: 'amount', transformations: [{ type: 'DIRECT', subtype: 'AGGREGATION', description: 'sum(amount)' }] }],
  orders: [{ asset: 'raw/orders', column: 'order_id', transformations: [{ type: 'DIRECT', subtype: 'AGGREGATION', description: 'count(*)', masking: true }] }],
};

async function withInstance(config: Omit<ProjectConfig, 'name'>, fn: (instance: Instance, dir: string) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-openlineage-'));
  const instance = await openInstance({
    project: defineProject({ name: 'shop', ...config }),
    projectDir: dir,
    quarryHome: join(dir, '.quarry'),
    now: new Date('2026-01-05T00:00:00Z'),
    columnLineageOf: (key) => (key === 'marts/revenue' ? REVENUE_LINEAGE : undefined),
    lineageEnv: env,
  });
  try {
    await fn(instance, dir);
  } finally {
    await instance.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function readEvents(path: string): OpenLineageRunEvent[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as OpenLineageRunEvent);
}

function assertValid(events: readonly OpenLineageRunEvent[]): void {
  for (const event of events) assert.deepEqual(validator.errors(event), [], `${event.eventType} ${event.job.name}`);
}

test('a run writes START and COMPLETE per step to the default NDJSON file, every event valid, with the facets that apply', async () => {
  await withInstance({ assets: [orders, revenue] }, async (instance, dir) => {
    const { runId } = await instance.startRun({ selection: '*', partitions: { from: '2026-01-01', to: '2026-01-02' } });
    assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
    const events = readEvents(join(dir, '.quarry', 'openlineage', 'events.ndjson'));
    assertValid(events);
    const steps = instance.listSteps(runId);
    assert.equal(steps.length, 4);
    for (const step of steps) {
      const mine = events.filter((e) => e.run.runId === openLineageStepRunId(runId, step.stepId));
      assert.deepEqual(mine.map((e) => e.eventType), ['START', 'COMPLETE'], step.stepId);
    }
    // The Quarry run itself is the parent job, started first and completed last.
    assert.equal(events[0]!.eventType, 'START');
    assert.equal(events[0]!.job.name, 'shop');
    assert.equal(events.at(-1)!.eventType, 'COMPLETE');
    assert.equal(events.at(-1)!.run.runId, openLineageRunId(runId));

    const complete = events.find((e) => e.eventType === 'COMPLETE' && e.job.name === 'marts/revenue' && e.run.facets?.nominalTime.nominalStartTime === '2026-01-02T00:00:00.000Z')!;
    assert.equal(complete.job.namespace, 'quarry://shop');
    assert.equal(complete.job.facets!.sql.query, revenue.sql);
    assert.deepEqual(complete.job.facets!.ownership.owners, [{ name: 'team:finance' }]);
    assert.deepEqual(complete.run.facets!.parent.run, { runId: openLineageRunId(runId) });
    assert.equal(complete.run.facets!.nominalTime.nominalEndTime, '2026-01-03T00:00:00.000Z');
    assert.equal(complete.run.facets!.processing_engine.name, 'duckdb');
    assert.deepEqual(complete.inputs.map((i) => i.name), ['raw/orders']);
    const output = complete.outputs[0]!;
    assert.equal(output.name, 'marts/revenue');
    const current = instance.catalog.currentMaterialization('marts/revenue', '2026-01-02')!;
    assert.equal(output.facets!.version.datasetVersion, current.dataVersion);
    assert.deepEqual(output.outputFacets!.outputStatistics, { ...output.outputFacets!.outputStatistics, rowCount: 1, size: current.bytes, fileCount: 1 });
    assert.deepEqual(
      output.facets!.schema.fields.map((f: { name: string }) => f.name),
      ['day', 'orders', 'revenue'],
    );
    const lineage = output.facets!.columnLineage.fields;
    assert.deepEqual(lineage.revenue!.inputFields, [{ namespace: 'quarry://shop', name: 'raw/orders', field: 'amount', transformations: [{ type: 'DIRECT', subtype: 'AGGREGATION', description: 'sum(amount)' }] }]);
    assert.equal((lineage.orders!.inputFields[0] as { transformations: { masking: boolean }[] }).transformations[0]!.masking, true);

    const ordersDone = events.find((e) => e.eventType === 'COMPLETE' && e.job.name === 'raw/orders')!;
    const facets = ordersDone.outputs[0]!.facets!;
    assert.equal(ordersDone.job.facets!.sourceCode.language, 'TypeScript');
    assert.match(ordersDone.job.facets!.sourceCodeLocation.url, /^file:\/\/.*openlineage-events\.test\.ts$/);
    assert.equal((facets.documentation as { description: string }).description, 'Orders of the day as the shop exported them.');
    assert.deepEqual((facets.storage as { fileFormat: string }).fileFormat, 'parquet');
    const assertions = (facets.dataQualityAssertions as { assertions: { name: string; success: boolean; column?: string }[] }).assertions;
    assert.deepEqual(assertions.map((a) => [a.name, a.success, a.column]).sort(), [['accepted_range_amount', true, 'amount'], ['not_null_order_id', true, 'order_id']]);
    assert.deepEqual((facets.dataQualityMetrics as { columnMetrics: unknown }).columnMetrics, { order_id: { nullCount: 0 } });
    assert.equal((facets.schema as { fields: { name: string; description?: string }[] }).fields.find((f) => f.name === 'amount')!.description, 'Amount paid, in euros');
  });
});

test('a failing step yields FAIL with its error message, and the steps after it ABORT', async () => {
  const after = defineAsset({ key: 'marts/after_broken', deps: { broken }, partitions: daily, sql: 'select * from broken' });
  await withInstance({ assets: [orders, broken, after] }, async (instance, dir) => {
    const { runId } = await instance.startRun({ selection: '*', partitions: { key: '2026-01-01' } });
    assert.equal((await instance.waitForRun(runId)).status, 'partially_failed');
    const events = readEvents(join(dir, '.quarry', 'openlineage', 'events.ndjson'));
    assertValid(events);
    const brokenEvents = events.filter((e) => e.job.name === 'marts/broken');
    assert.deepEqual(brokenEvents.map((e) => e.eventType), ['START', 'FAIL']);
    const message = brokenEvents[1]!.run.facets!.errorMessage;
    assert.match(message.message, /boom: the exchange rate table is empty/);
    assert.equal(message.programmingLanguage, 'TypeScript');
    assert.deepEqual(events.filter((e) => e.job.name === 'marts/after_broken').map((e) => e.eventType), ['ABORT']);
    assert.equal(events.at(-1)!.eventType, 'FAIL');
    assert.equal(events.at(-1)!.job.name, 'shop');
  });
});

test('events go to an HTTP receiver at /api/v1/lineage with the API key; a receiver that fails at first gets them on a later try', async () => {
  const received: { path: string; auth: string | undefined; body: OpenLineageRunEvent }[] = [];
  let refusals = 2;
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (refusals > 0) {
        refusals--;
        res.statusCode = 503;
        res.end();
        return;
      }
      received.push({ path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(body) as OpenLineageRunEvent });
      res.statusCode = 201;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await withInstance(
      { assets: [orders, revenue] },
      async (instance, dir) => {
        const { runId } = await instance.startRun({ selection: '*', partitions: { key: '2026-01-03' } });
        assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
        await instance.openLineage!.flush();
        assert.equal(received.length, 6, 'run START, 2 × (START, COMPLETE), run COMPLETE');
        assert.ok(received.every((r) => r.path === '/api/v1/lineage' && r.auth === 'Bearer s3cret'));
        assertValid(received.map((r) => r.body));
        assert.deepEqual(received.map((r) => `${r.body.eventType} ${r.body.job.name}`), ['START shop', 'START raw/orders', 'COMPLETE raw/orders', 'START marts/revenue', 'COMPLETE marts/revenue', 'COMPLETE shop']);
        // OPENLINEAGE_URL replaces the default file.
        assert.throws(() => readFileSync(join(dir, '.quarry', 'openlineage', 'events.ndjson')), /ENOENT/);
      },
      { OPENLINEAGE_URL: url, OPENLINEAGE_API_KEY: 's3cret' },
    );
  } finally {
    server.close();
  }
});

test('an unreachable HTTP receiver never fails the run, and is warned about once plus a count at the end', async () => {
  // A port that was just free: connections are refused.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    await withInstance({ assets: [orders], lineage: { transport: { type: 'http', url: `http://127.0.0.1:${port}`, maxAttempts: 2 } } }, async (instance) => {
      const { runId } = await instance.startRun({ selection: '*', partitions: { key: '2026-01-04' } });
      assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
      await instance.openLineage!.flush();
      assert.equal((instance.openLineage!.transport as HttpOpenLineageTransport).dropped, 4);
    });
  } finally {
    process.off('warning', onWarning);
  }
  const mine = warnings.filter((w) => w.includes(`http://127.0.0.1:${port}/api/v1/lineage`));
  assert.equal(mine.length, 2, mine.join('\n'));
  assert.match(mine[0]!, /^OpenLineage event not delivered to /);
  assert.match(mine[1]!, /^3 OpenLineage event\(s\) not delivered to /);
});

test('after three events in a row fail every try, the HTTP transport stops sending for a while instead of retrying each event', async () => {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    res.statusCode = 503;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const transport = new HttpOpenLineageTransport({ url, maxAttempts: 2, backoffMs: [10] });
  const onWarning = () => {};
  process.on('warning', onWarning);
  try {
    const event = { eventType: 'START', eventTime: new Date(0).toISOString(), producer: 'https://example.com', schemaURL: 'https://example.com', run: { runId: openLineageRunId('r') }, job: { namespace: 'n', name: 'j' }, inputs: [], outputs: [] } as const;
    for (let i = 0; i < 5; i++) transport.send(event);
    await transport.flush();
    assert.equal(requests, 6, 'two tries for each of the first three events, none for the next two');
    assert.equal(transport.dropped, 5);
  } finally {
    process.off('warning', onWarning);
    server.close();
  }
});

test('a cancelled run ends its started steps with ABORT', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const slow = defineAsset({
    key: 'raw/slow',
    partitions: daily,
    compute: async (ctx) => {
      release();
      await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
      return [];
    },
  });
  await withInstance({ assets: [slow], lineage: { transport: { type: 'file', path: 'lineage/out.ndjson' } } }, async (instance, dir) => {
    const { runId } = await instance.startRun({ selection: '*', partitions: { key: '2026-01-01' } });
    await gate;
    await instance.cancelRun(runId);
    const events = readEvents(join(dir, 'lineage', 'out.ndjson'));
    assertValid(events);
    assert.deepEqual(events.filter((e) => e.job.name === 'raw/slow').map((e) => e.eventType), ['START', 'ABORT']);
    assert.equal(events.at(-1)!.eventType, 'ABORT');
  });
});

test('lineage: false emits nothing; a bad transport or OPENLINEAGE_URL is refused naming the value', async () => {
  await withInstance({ assets: [orders], lineage: false }, async (instance) => {
    assert.equal(instance.openLineage, undefined);
  });
  assert.throws(
    () => defineProject({ name: 'x', assets: [orders], lineage: { transport: { type: 'http', url: 'marquez:5000' } } }),
    (e: unknown) => isQuarryError(e, 'QUARRY_BAD_LINEAGE_CONFIG') && e.message.includes('"marquez:5000"'),
  );
  await assert.rejects(
    withInstance({ assets: [orders] }, async () => {}, { OPENLINEAGE_URL: 'ftp://x' }),
    (e: unknown) => isQuarryError(e, 'QUARRY_BAD_LINEAGE_CONFIG') && e.message.includes('"ftp://x"'),
  );
});

test('the schema validator itself rejects a bad run id, a facet without its required fields, and an unknown facet name', () => {
  const event = {
    eventType: 'START',
    eventTime: '2026-01-01T00:00:00.000Z',
    producer: 'https://example.com/p',
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId: 'not-a-uuid', facets: { errorMessage: { _producer: 'https://example.com/p', _schemaURL: 'https://example.com/s', message: 'x' } } },
    job: { namespace: 'n', name: 'j', facets: { sqll: { _producer: 'https://example.com/p', _schemaURL: 'https://example.com/s', query: 'select 1' } } },
    inputs: [],
    outputs: [],
  };
  const errors = validator.errors(event).join('\n');
  assert.match(errors, /runId must match format "uuid"/);
  assert.match(errors, /errorMessage" invalid: .*programmingLanguage/);
  assert.match(errors, /job facet "sqll" has no schema/);
});

test('with the default lineage (what the step runner records at commit), the COMPLETE of every SQL step, a range step too, carries the recorded column lineage', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-openlineage-recorded-'));
  const ranged = defineAsset({
    key: 'marts/daily_revenue',
    deps: { orders },
    partitions: daily,
    backfill: { maxPartitionsPerStep: 'all', partitionColumn: 'day' },
    sql: 'select $partition_start::DATE as day, customer, sum(amount) as revenue from orders group by customer',
  });
  const total = defineAsset({ key: 'marts/total', deps: { ranged }, sql: 'select sum(revenue) as revenue, count(distinct customer) as customers from ranged' });
  // No columnLineageOf: the instance's default reads the catalog.
  const instance = await openInstance({ project: defineProject({ name: 'shop', assets: [orders, ranged, total] }), projectDir: dir, quarryHome: join(dir, '.quarry'), now: new Date('2026-01-05T00:00:00Z') });
  try {
    const { runId } = await instance.startRun({ selection: '*', partitions: { from: '2026-01-01', to: '2026-01-03' } });
    assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
    const events = readEvents(join(dir, '.quarry', 'openlineage', 'events.ndjson'));
    assertValid(events);
    const steps = instance.listSteps(runId);
    const rangeStep = steps.find((s) => s.assetKey === 'marts/daily_revenue');
    assert.equal(steps.filter((s) => s.assetKey === 'marts/daily_revenue').length, 1, 'one range step over the three days');
    assert.ok(rangeStep);
    for (const step of steps.filter((s) => s.assetKey !== 'raw/orders')) {
      const complete = events.find((e) => e.eventType === 'COMPLETE' && e.run.runId === openLineageStepRunId(runId, step.stepId));
      assert.ok(complete, step.stepId);
      const fields = complete.outputs[0]!.facets?.columnLineage?.fields as Record<string, { inputFields: { name: string; field: string }[] }> | undefined;
      assert.ok(fields, `columnLineage of ${step.stepId}`);
      const recorded = (await instance.columnLineage(step.assetKey))!;
      assert.equal(recorded.origin, 'recorded', step.assetKey);
      assert.deepEqual(
        Object.fromEntries(Object.entries(fields).map(([column, v]) => [column, v.inputFields.map((i) => `${i.name}.${i.field}`)])),
        Object.fromEntries(Object.entries(recorded.lineage).map(([column, inputs]) => [column, inputs.map((i) => `${i.asset}.${i.column}`)])),
        step.stepId,
      );
    }
    const totalFields = events.find((e) => e.eventType === 'COMPLETE' && e.job.name === 'marts/total')!.outputs[0]!.facets!.columnLineage.fields as Record<string, { inputFields: { name: string; field: string }[] }>;
    assert.deepEqual(totalFields.revenue!.inputFields.map((i) => `${i.name}.${i.field}`), ['marts/daily_revenue.revenue']);
    // A compute asset that declares no lineage has no facet.
    const raw = events.find((e) => e.eventType === 'COMPLETE' && e.job.name === 'raw/orders')!;
    assert.equal(raw.outputs[0]!.facets?.columnLineage, undefined);
  } finally {
    await instance.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the NDJSON file transport keeps its file open between events: every line is in the file at once, flush closes it, and the next event opens it again (its folder too)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-ol-file-'));
  try {
    const path = join(dir, 'ol', 'events.ndjson');
    const transport = new FileOpenLineageTransport(path);
    const event = (name: string) => ({ eventType: 'START', eventTime: '2026-01-01T00:00:00.000Z', producer: 'p', schemaURL: 's', run: { runId: 'r' }, job: { namespace: 'n', name }, inputs: [], outputs: [] }) as unknown as Parameters<FileOpenLineageTransport['send']>[0];
    transport.send(event('a'));
    transport.send(event('b'));
    assert.deepEqual(readEvents(path).map((e) => e.job.name), ['a', 'b'], 'written before any flush: a crash loses nothing sent');
    await transport.flush();
    await rm(join(dir, 'ol'), { recursive: true });
    transport.send(event('c'));
    await transport.flush();
    assert.deepEqual(readEvents(path).map((e) => e.job.name), ['c']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
