// The freshness lag the Prometheus metric reports and the one the Automation page, `quarry status` and
// the daemon's overdue alerts use (computeFreshness) are one computation: same catalog, same clock, same lag.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeFreshness, createMetricsRegistry, dailyPartitions, defineAsset, parsePrometheusText } from '@quarry/core';
import { withAutomationInstance } from '../../packages/core/src/automation/automation-fixture.ts';

const MINUTE = 60_000;

test('the day in progress: the metric and computeFreshness give the same lag (45 min after its materialization, not 0)', async () => {
  const today = new Date().toISOString().slice(0, 10);
  const start = new Date(Date.parse(`${today}T00:00:00Z`) - 3 * 86_400_000).toISOString().slice(0, 10);
  const intraday = defineAsset({ key: 'raw/intraday', partitions: dailyPartitions({ start, endOffset: 1 }), freshness: { maxLag: '30m' }, compute: ({ partition }) => [{ day: partition.firstKey }] });
  const plain = defineAsset({ key: 'raw/plain', freshness: { maxLag: '30m' }, compute: () => [{ x: 1 }] });
  await withAutomationInstance({ assets: [intraday, plain] }, new Date().toISOString(), async (instance) => {
    const { runId } = await instance.startRun({ partitions: { key: today } });
    assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
    const createdAt = instance.catalog.currentPartitions('raw/intraday', { columns: ['createdAt'] }).createdAt![0]!;
    const at = createdAt + 45 * MINUTE;
    const registry = createMetricsRegistry(instance, { defaultMetrics: false, now: () => new Date(at) });
    const families = parsePrometheusText(await registry.metrics());
    const metric = new Map(families.get('quarry_freshness_lag_seconds')!.samples.map((s) => [s.labels.asset!, s.value]));
    const page = computeFreshness(instance.graph, instance.catalog, instance.partitionsContext(), at);
    assert.deepEqual(page.map((f) => [f.assetKey, f.lagMs]), [['raw/intraday', 45 * MINUTE], ['raw/plain', page[1]!.lagMs]]);
    for (const f of page) assert.equal(metric.get(f.assetKey), f.lagMs! / 1000, `${f.assetKey}: metric and computeFreshness agree`);
  });
});
