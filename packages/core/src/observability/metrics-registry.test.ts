import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dailyPartitions, staticPartitions } from '../partitions/index.ts';
import { QuarryError } from '../errors.ts';
import { openSqliteCatalog } from '../catalog/index.ts';
import { AssetGraph } from '../graph/index.ts';
import { createMetricsRegistry, type MetricsSource } from './metrics-registry.ts';
import { startMetricsServer } from './metrics-server.ts';
import { freshnessBase } from '../versioning/index.ts';
import { freshnessLagSeconds } from './metrics-freshness.ts';
import { parsePrometheusText } from './metrics-text-parser.ts';

test('freshness base: end of the newest window for time partitions (its materialization while it is in progress), last materialization otherwise', () => {
  const daily = dailyPartitions({ start: '2026-01-01' });
  const ctx = { now: new Date('2026-03-01T00:00:00Z') };
  const at = (iso: string) => Date.parse(iso);
  const last = at('2026-01-20T10:00:00Z');
  assert.deepEqual(freshnessBase(daily, { keys: ['2026-01-03', '2026-01-01', '2026-01-02'], createdAt: [last, last, last] }, ctx), { at: at('2026-01-04T00:00:00Z'), measuredFrom: 'window_end', newestPartition: '2026-01-03' });
  // Materialized before its window ended: current only up to that materialization.
  assert.deepEqual(freshnessBase(daily, { keys: ['2026-01-03'], createdAt: [at('2026-01-03T08:00:00Z')] }, ctx)?.at, at('2026-01-03T08:00:00Z'));
  assert.deepEqual(freshnessBase(undefined, { keys: [''], createdAt: [last] }, ctx), { at: last, measuredFrom: 'materialization' });
  assert.deepEqual(freshnessBase(staticPartitions(['a', 'b']), { keys: ['a', 'b'], createdAt: [last - 5, last] }, ctx), { at: last, measuredFrom: 'materialization' });
  assert.equal(freshnessBase(undefined, { keys: [], createdAt: [] }, ctx), undefined);
  assert.equal(freshnessBase(daily, { keys: ['2025-12-31'], createdAt: [last] }, ctx), undefined, 'a key before the start is no window of it');
  // A day-first key format does not sort chronologically: every key is read (40 days, binary order ends in January).
  const dayFirst = dailyPartitions({ start: '2026-01-01', format: 'dd-MM-yyyy' });
  const keys = Array.from({ length: 40 }, (_, i) => dayFirst.keyAt(i, ctx)).sort();
  assert.equal(keys.at(-1), '31-01-2026');
  assert.deepEqual(freshnessBase(dayFirst, { keys, createdAt: keys.map(() => at('2026-02-20T00:00:00Z')) }, ctx)?.at, at('2026-02-10T00:00:00Z'));
  // A year-first format reads only the tail of the sorted keys, with the same answer.
  const isoKeys = Array.from({ length: 40 }, (_, i) => daily.keyAt(i, ctx));
  assert.deepEqual(freshnessBase(daily, { keys: isoKeys, createdAt: isoKeys.map(() => at('2026-02-20T00:00:00Z')) }, ctx)?.at, at('2026-02-10T00:00:00Z'));
  assert.equal(freshnessLagSeconds(new Date('2026-01-04T00:00:00Z'), new Date('2026-01-04T01:00:00Z')), 3600);
  assert.equal(freshnessLagSeconds(new Date('2026-01-04T00:00:00Z'), new Date('2026-01-03T00:00:00Z')), 0);
});

test('the strict text parser refuses what Prometheus refuses', () => {
  const ok = '# HELP a_total Things.\n# TYPE a_total counter\na_total{x="1\\"q\\\\"} 3\n';
  assert.deepEqual(parsePrometheusText(ok).get('a_total')?.samples, [{ name: 'a_total', labels: { x: '1"q\\' }, value: 3 }]);
  const refused = [
    '# TYPE a counter\na -1\n', // negative counter
    'a{x="1"} 1\na{x="1"} 2\n', // duplicate series
    'a 1\nb 1\na 2\n', // family not in one group
    '# TYPE a counter\n# TYPE a gauge\na 1\n', // second TYPE
    'a{x="1} 1\n', // unclosed label value
    'a{x="\\t"} 1\n', // bad escape
    'a one\n', // bad value
    '1a 1\n', // bad name
    'a 1', // no final line feed
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // not cumulative
    '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
    '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n', // count differs
  ];
  for (const text of refused) assert.throws(() => parsePrometheusText(text), (e: unknown) => e instanceof QuarryError && e.code === 'QUARRY_BAD_ARGUMENT', JSON.stringify(text));
});

test('scrape-time figures from a catalog, served by startMetricsServer; counters survive retention', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-metrics-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const catalog = openSqliteCatalog({ path: join(dir, 'catalog.sqlite') });
  t.after(() => catalog.close());
  const graph = AssetGraph.fromAssets([]);
  const source: MetricsSource = {
    catalog,
    graph,
    partitionsContext: () => ({ now: new Date('2026-02-01T00:00:00Z') }),
    qualityScores: () => [],
    listAssets: () => [],
  };
  let depth = 4;
  const registry = createMetricsRegistry(source, { queueDepth: () => depth, defaultMetrics: false });
  const server = await startMetricsServer({ registry, port: 0 });
  t.after(() => server.close());
  const scrape = async () => {
    const response = await fetch(server.url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(await response.text());
  };
  const value = (families: Map<string, import('./metrics-text-parser.ts').PrometheusFamily>, name: string, labels: Record<string, string> = {}) =>
    [...families.values()].flatMap((f) => f.samples).find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

  const run = catalog.createRun({ kind: 'materialize', selection: 'a', status: 'running' });
  catalog.upsertSteps([
    { runId: run.id, stepId: 's1', assetKey: 'a', status: 'succeeded', attempt: 3, startedAt: new Date(0), finishedAt: new Date(2000), timings: { totalMs: 2000 } },
    { runId: run.id, stepId: 's2', assetKey: 'a', status: 'failed', attempt: 1, startedAt: new Date(0), finishedAt: new Date(400) },
    { runId: run.id, stepId: 's3', assetKey: 'a', status: 'running', attempt: 1 },
  ]);
  const commit = (partition: string, rows: number) =>
    catalog.commitMaterializations([{ assetKey: 'a', partitionKey: partition, runId: run.id, stepId: 's1', files: [`a/${partition}/${rows}.parquet`], rowCount: rows, bytes: 10, dataVersion: `d${rows}`, codeVersion: 'c', metadata: { bytesBilled: 2 ** 40 } }]);
  commit('2026-01-01', 100);
  commit('2026-01-01', 50); // supersedes the first version

  let families = await scrape();
  assert.equal(value(families, 'quarry_runs', { status: 'running' }), 1);
  assert.equal(value(families, 'quarry_steps', { asset: 'a', status: 'succeeded' }), 1);
  assert.equal(value(families, 'quarry_steps', { asset: 'a', status: 'failed' }), 1);
  assert.equal(value(families, 'quarry_steps', { asset: 'a', status: 'running' }), 1);
  assert.equal(value(families, 'quarry_step_retries_total', { asset: 'a' }), 2);
  assert.equal(value(families, 'quarry_step_duration_seconds_count', { asset: 'a' }), 2);
  assert.equal(value(families, 'quarry_step_duration_seconds_sum', { asset: 'a' }), 2.4);
  assert.equal(value(families, 'quarry_step_duration_seconds_bucket', { asset: 'a', le: '0.5' }), 1);
  assert.equal(value(families, 'quarry_step_duration_seconds_bucket', { asset: 'a', le: '2.5' }), 2);
  assert.equal(value(families, 'quarry_rows_written_total', { asset: 'a' }), 150);
  assert.equal(value(families, 'quarry_materializations_total', { asset: 'a' }), 2);
  assert.equal(value(families, 'quarry_rows_per_second', { asset: 'a' }), 150 / 2);
  assert.equal(value(families, 'quarry_bytes_billed_total', { asset: 'a' }), 2 * 2 ** 40);
  assert.equal(value(families, 'quarry_estimated_cost_usd_total', { asset: 'a' }), 12.5);
  assert.equal(value(families, 'quarry_run_queue_depth'), 4);

  // Retention deletes the superseded version: the counters keep what was written.
  assert.equal(catalog.deleteMaterializationsOlderThan(new Date(Date.now() + 60_000)).deletedCount, 1);
  commit('2026-01-02', 7);
  depth = 0;
  families = await scrape();
  assert.equal(value(families, 'quarry_rows_written_total', { asset: 'a' }), 157);
  assert.equal(value(families, 'quarry_materializations_total', { asset: 'a' }), 3);
  assert.equal(value(families, 'quarry_run_queue_depth'), 0);

  // The catalog's aggregates refuse bad arguments, naming them.
  assert.throws(() => catalog.stepStatistics([1, 0.5]), (e: unknown) => e instanceof QuarryError && e.code === 'QUARRY_BAD_ARGUMENT' && /\[1,0\.5\]/.test(e.message));
  assert.throws(() => catalog.materializationTotals(-1), (e: unknown) => e instanceof QuarryError && /-1/.test(e.message));
  assert.throws(() => catalog.checkResultTotals(1.5), (e: unknown) => e instanceof QuarryError && /1\.5/.test(e.message));
  assert.deepEqual(catalog.materializationTotals(catalog.materializationTotals().lastId).assets, []);

  const notFound = await fetch(server.url.replace('/metrics', '/other'));
  assert.equal(notFound.status, 404);
  await assert.rejects(startMetricsServer({ registry, port: 70000 }), (e: unknown) => e instanceof QuarryError && /70000/.test(e.message));
  await assert.rejects(startMetricsServer({ registry, port: server.port }), (e: unknown) => e instanceof QuarryError && e.code === 'QUARRY_PORT_IN_USE');
});
