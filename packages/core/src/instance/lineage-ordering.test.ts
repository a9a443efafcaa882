// Lineage keeps every dependency on one upstream and self-dependencies; a check reading another asset
// orders the plan without making that asset a data input (issue 11, point 5).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { referentialIntegrity } from '../checks/index.ts';
import { defineAsset, defineProject, self, type ProjectDefinition } from '../definitions/index.ts';
import { dailyPartitions, identityMapping, timeWindowMapping } from '../partitions/index.ts';
import { openInstance, type Instance } from './instance.ts';

const NOW = new Date('2026-01-11T12:00:00Z');
const daily = dailyPartitions({ start: '2026-01-01' });

async function withInstance(project: ProjectDefinition, body: (instance: Instance) => Promise<void>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'quarry-lineage-'));
  const instance = await openInstance({ project, projectDir: home, quarryHome: join(home, '.quarry'), now: NOW });
  try {
    await body(instance);
  } finally {
    await instance.close();
    rmSync(home, { recursive: true, force: true });
  }
}

const snapshots = defineAsset({ key: 'raw/snapshots', partitions: daily, sql: 'select $partition_key as day, 1 as n' });
const changes = defineAsset({
  key: 'staging/changes',
  partitions: daily,
  deps: {
    today: { asset: snapshots, mapping: identityMapping() },
    yesterday: { asset: snapshots, mapping: timeWindowMapping({ startOffset: -1, endOffset: -1 }) },
  },
  sql: 'select $partition_key as day, (select count(*) from today) - (select count(*) from yesterday) as delta',
});
const running = defineAsset({
  key: 'marts/running',
  partitions: daily,
  deps: { changes, previous: self(timeWindowMapping({ startOffset: -1, endOffset: -1 })) },
  sql: 'select $partition_key as day, (select count(*) from changes) + coalesce((select max(total) from previous), 0) as total',
});

test('two dependencies on one upstream (the day and the day before) both appear in partition lineage, both ways', async () => {
  await withInstance(defineProject({ name: 'lineage', assets: [snapshots, changes, running] }), async (instance) => {
    assert.deepEqual(instance.lineage('staging/changes', { partition: '2026-01-05' }).upstream, [{ asset: 'raw/snapshots', partitions: ['2026-01-04', '2026-01-05'], partitionCount: 2 }]);
    assert.deepEqual(instance.lineage('raw/snapshots', { partition: '2026-01-05' }).downstream, [{ asset: 'staging/changes', partitions: ['2026-01-05', '2026-01-06'], partitionCount: 2 }]);
    // The recorded edges of a materialization name each upstream partition read once.
    const { runId } = await instance.startRun({ selection: '+staging/changes', partitions: { from: '2026-01-04', to: '2026-01-05' } });
    assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
    const edges = instance.catalog.listLineageEdges({ asset: 'staging/changes', partition: '2026-01-05', direction: 'upstream' });
    assert.deepEqual(edges.map((e) => [e.fromAssetKey, e.fromPartitionKey]).sort(), [['raw/snapshots', '2026-01-04'], ['raw/snapshots', '2026-01-05']]);
  });
});

test('partition lineage of a self-dependent asset names its own previous and next partitions', async () => {
  await withInstance(defineProject({ name: 'lineage', assets: [snapshots, changes, running] }), async (instance) => {
    const lineage = instance.lineage('marts/running', { partition: '2026-01-05' });
    assert.deepEqual(lineage.upstream, [
      { asset: 'staging/changes', partitions: ['2026-01-05'], partitionCount: 1 },
      { asset: 'marts/running', partitions: ['2026-01-04'], partitionCount: 1 },
    ]);
    assert.deepEqual(lineage.downstream, [{ asset: 'marts/running', partitions: ['2026-01-06'], partitionCount: 1 }]);
    // Asset-level lineage (no partition) does not list the asset as its own neighbour.
    assert.deepEqual(instance.lineage('marts/running'), { upstream: [{ asset: 'staging/changes' }], downstream: [] });
  });
});

test('a referentialIntegrity check makes the referenced asset an ordering dependency: a first full run publishes every partition', async () => {
  const creators = defineAsset({ key: 'raw/creators', partitions: daily, sql: "select 'c-' || strftime($partition_start, '%d') as creator_id" });
  // Declared first and run one step at a time, so without the ordering every video step would run
  // (and its blocking check fail) before any creator exists.
  const videos = defineAsset({
    key: 'raw/videos',
    partitions: daily,
    sql: "select 'v-' || strftime($partition_start, '%d') as video_id, 'c-' || strftime($partition_start, '%d') as creator_id",
    checks: [referentialIntegrity('creator_id', { to: creators, blocking: true })],
  });
  await withInstance(defineProject({ name: 'refs', assets: [videos, creators], concurrency: 1 }), async (instance) => {
    const plan = await instance.plan({ partitions: { from: '2026-01-01', to: '2026-01-03' } });
    const creatorSteps = plan.steps.filter((s) => s.assetKey === 'raw/creators').map((s) => s.id);
    assert.deepEqual(creatorSteps, ['raw/creators[2026-01-01]', 'raw/creators[2026-01-02]', 'raw/creators[2026-01-03]']);
    for (const step of plan.steps.filter((s) => s.assetKey === 'raw/videos')) assert.deepEqual([...step.dependsOn].sort(), creatorSteps, step.id);
    assert.ok(plan.steps.findIndex((s) => s.assetKey === 'raw/videos') > plan.steps.findIndex((s) => s.assetKey === 'raw/creators'), 'steps stay in dependency order');
    const { runId } = await instance.startRun({ partitions: { from: '2026-01-01', to: '2026-01-03' } });
    const run = await instance.waitForRun(runId);
    assert.equal(run.status, 'succeeded', run.error ?? '');
    assert.deepEqual((await instance.status('raw/videos'))[0]?.counts, { fresh: 3, stale: 0, missing: 7, failed: 0, upstream_failed: 0 });
    // Not a data input: new creators data does not make videos stale.
    const again = await instance.startRun({ selection: 'raw/creators', partitions: { key: '2026-01-02' }, force: true });
    assert.equal((await instance.waitForRun(again.runId)).status, 'succeeded');
    assert.deepEqual((await instance.plan({ selection: 'raw/videos', partitions: { from: '2026-01-01', to: '2026-01-03' } })).steps, []);
  });
});
