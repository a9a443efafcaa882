import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLineageStepRunId } from '@quarry/core';
import { OpenLineageValidator } from '../openlineage/openlineage-schema.ts';
import { TikTokFixture } from './tiktok-fixture.ts';

describe('OpenLineage events of a TikTok run', () => {
  let f: TikTokFixture;
  let runId: string;
  before(async () => {
    f = await TikTokFixture.create('e2e-tiktok-openlineage', { creators: 60, days: 2, start: '2026-03-01', seed: 5, defectRate: 0.2 });
    runId = (await f.run()).id;
  });
  after(async () => {
    await f?.close();
  });

  it('hold START then COMPLETE for every step of the run, each event valid against the OpenLineage 2-0-2 schemas', () => {
    const events = readFileSync(join(f.root, '.quarry', 'openlineage', 'events.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { eventType: string; run: { runId: string }; job: { name: string }; outputs: { name: string; facets?: Record<string, unknown> }[] });
    const validator = new OpenLineageValidator();
    for (const event of events) assert.deepEqual(validator.errors(event), [], `${event.eventType} ${event.job.name}`);
    const steps = f.instance.listSteps(runId);
    assert.ok(steps.length >= 10, `${steps.length} steps`);
    for (const step of steps) {
      const mine = events.filter((e) => e.run.runId === openLineageStepRunId(runId, step.stepId));
      assert.deepEqual(mine.map((e) => e.eventType), ['START', 'COMPLETE'], step.stepId);
      assert.equal(mine[1]!.outputs[0]!.name, step.assetKey);
    }
    // Every asset the run wrote is described: its owners and its data version.
    const complete = events.filter((e) => e.eventType === 'COMPLETE' && e.job.name === 'marts/creator_daily_metrics');
    assert.equal(complete.length, 2);
    for (const e of complete) {
      assert.ok(e.outputs[0]!.facets!.ownership, 'ownership');
      assert.ok(e.outputs[0]!.facets!.version, 'version');
      assert.ok(e.outputs[0]!.facets!.dataQualityAssertions, 'assertions');
    }
  });

  it('give every COMPLETE event of a SQL asset a columnLineage output facet equal to the lineage recorded in the catalog', async () => {
    const events = readFileSync(join(f.root, '.quarry', 'openlineage', 'events.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { eventType: string; run: { runId: string }; job: { name: string }; outputs: { name: string; facets?: Record<string, unknown> }[] });
    const validator = new OpenLineageValidator();
    const steps = f.instance.listSteps(runId);
    const sqlAssets = new Set(f.instance.graph.assets().filter((a) => a.type === 'asset' && a.sql !== undefined).map((a) => a.key as string));
    assert.ok(sqlAssets.size >= 5, `${sqlAssets.size} SQL assets`);
    let checked = 0;
    for (const step of steps) {
      if (!sqlAssets.has(step.assetKey)) continue;
      const complete = events.find((e) => e.eventType === 'COMPLETE' && e.run.runId === openLineageStepRunId(runId, step.stepId));
      assert.ok(complete, `COMPLETE of ${step.stepId}`);
      assert.deepEqual(validator.errors(complete), [], step.stepId);
      const facet = complete.outputs[0]!.facets?.columnLineage as { fields: Record<string, { inputFields: { namespace: string; name: string; field: string }[] }> } | undefined;
      assert.ok(facet, `columnLineage facet of ${step.stepId}`);
      const recorded = (await f.instance.columnLineage(step.assetKey))!;
      assert.equal(recorded.origin, 'recorded', step.assetKey);
      assert.ok(Object.keys(recorded.lineage).length > 0, step.assetKey);
      assert.deepEqual(
        Object.fromEntries(Object.entries(facet.fields).map(([column, v]) => [column, v.inputFields.map((i) => `${i.name}.${i.field}`)])),
        Object.fromEntries(Object.entries(recorded.lineage).map(([column, inputs]) => [column, inputs.map((i) => `${i.asset}.${i.column}`)])),
        step.stepId,
      );
      checked += 1;
    }
    assert.ok(checked >= 5, `${checked} SQL steps checked`);
  });
});
