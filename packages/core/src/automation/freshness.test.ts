import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineAsset } from '../definitions/index.ts';
import { dailyPartitions } from '../partitions/index.ts';
import { withAutomationInstance } from './automation-fixture.ts';
import { computeFreshness } from './freshness.ts';

const MINUTE = 60_000;

test('the day in progress (endOffset: 1) lags from its materialization, not from its window end', async () => {
  const today = new Date().toISOString().slice(0, 10);
  const start = new Date(Date.parse(`${today}T00:00:00Z`) - 3 * 86_400_000).toISOString().slice(0, 10);
  const intraday = defineAsset({ key: 'raw/intraday', partitions: dailyPartitions({ start, endOffset: 1 }), freshness: { maxLag: '30m' }, compute: ({ partition }) => [{ day: partition.firstKey }] });
  // The instance's clock is now, as the catalog's commit times are.
  await withAutomationInstance({ assets: [intraday] }, new Date().toISOString(), async (instance) => {
    const { runId } = await instance.startRun({ partitions: { key: today } });
    assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
    const createdAt = instance.catalog.currentPartitions('raw/intraday', { columns: ['createdAt'] }).createdAt![0]!;
    const at = (t: number) => computeFreshness(instance.graph, instance.catalog, instance.partitionsContext(), t)[0]!;
    assert.deepEqual(at(createdAt + 10 * MINUTE), { assetKey: 'raw/intraday', state: 'fresh', lagMs: 10 * MINUTE, maxLagMs: 30 * MINUTE, maxLag: '30m', measuredFrom: 'window_end', newestPartition: today });
    // 45 minutes without an update: overdue, though today's window has not ended.
    assert.deepEqual([at(createdAt + 45 * MINUTE).state, at(createdAt + 45 * MINUTE).lagMs], ['overdue', 45 * MINUTE]);
  });
});

test('freshness follows every commit although it is cached per asset between calls (the page polls it)', async () => {
  const plain = defineAsset({ key: 'raw/plain', freshness: { maxLag: '30m' }, compute: () => [{ x: 1 }] });
  await withAutomationInstance({ assets: [plain] }, new Date().toISOString(), async (instance) => {
    const at = (t: number) => computeFreshness(instance.graph, instance.catalog, instance.partitionsContext(), t)[0]!;
    assert.equal(at(Date.now()).lagMs, null);
    const run = async () => assert.equal((await instance.waitForRun((await instance.startRun({ force: true })).runId)).status, 'succeeded');
    await run();
    const first = instance.catalog.currentPartitions('raw/plain', { columns: ['createdAt'] }).createdAt![0]!;
    assert.equal(at(first + 40 * MINUTE).lagMs, 40 * MINUTE);
    assert.equal(at(first + 40 * MINUTE).state, 'overdue');
    await new Promise((r) => setTimeout(r, 5));
    await run();
    const second = instance.catalog.currentPartitions('raw/plain', { columns: ['createdAt'] }).createdAt![0]!;
    assert.ok(second > first);
    assert.equal(at(first + 40 * MINUTE).lagMs, first + 40 * MINUTE - second, 'the new commit, not the cached one');
  });
});
