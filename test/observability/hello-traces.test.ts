// Traces (issue 15, point 3): a run of examples/hello with an in-memory exporter yields the span tree
// run → step → partition → engine query, check, catalog commit; a range step has one partition span per
// partition under its step. The trace id is stored with the run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createTracing, openInstance, SPAN_NAMES, type Tracing } from '@quarry/core';
import { createE2eProject, replaceOnce, type E2eProject } from '../e2e/e2e-project.ts';

const NOW = new Date('2026-02-01T00:00:00Z');

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** The spans as an indented tree of names (children sorted by their attributes, so the tree is stable). */
function tree(spans: readonly ReadableSpan[]): string[] {
  const byParent = new Map<string | undefined, ReadableSpan[]>();
  for (const s of spans) {
    const key = parentOf(s);
    byParent.set(key, [...(byParent.get(key) ?? []), s]);
  }
  const label = (s: ReadableSpan): string => {
    const a = s.attributes;
    const detail = s.name === SPAN_NAMES.step ? a['quarry.step'] : s.name === SPAN_NAMES.partition ? a['quarry.partition'] : s.name === SPAN_NAMES.check ? a['quarry.check'] : s.name === SPAN_NAMES.engineQuery || s.name === SPAN_NAMES.catalogCommit ? a['quarry.partitions'] : undefined;
    return detail === undefined ? s.name : `${s.name} ${String(detail)}`;
  };
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number): void => {
    const children = (byParent.get(parent) ?? []).slice().sort((x, y) => label(x).localeCompare(label(y)));
    for (const child of children) {
      lines.push(`${'  '.repeat(depth)}${label(child)}`);
      walk(child.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

describe('traces of a hello run', () => {
  let project: E2eProject;
  let exporter: InMemorySpanExporter;
  let tracing: Tracing;

  before(async () => {
    project = createE2eProject('traces');
    // A check on orders_clean, and range steps (of up to 10 days) for it, so every kind of span shows.
    project.editConfig((source) => {
      let s = replaceOnce(source, `import { dailyPartitions, defineAsset`, `import { dailyPartitions, rowCount, defineAsset`);
      s = replaceOnce(s, `deps: { orders },\n  partitions: daily,`, `deps: { orders },\n  partitions: daily,\n  checks: [rowCount({ min: 1 })],\n  backfill: { maxPartitionsPerStep: 10, partitionColumn: 'day' },`);
      return replaceOnce(s, `max(amount) as amount, $partition_key as day`, `max(amount) as amount, substr(any_value(ordered_at), 1, 10) as day`);
    });
    exporter = new InMemorySpanExporter();
    tracing = await createTracing({ exporter });
  });
  after(async () => {
    await tracing.shutdown();
    project.cleanup();
  });

  test('run → step → partition → engine query, check, catalog commit, with parent links; the trace id is stored with the run', async () => {
    const instance = await openInstance({ projectDir: project.dir, quarryHome: project.home, now: NOW, tracing });
    try {
      const { runId } = await instance.startRun({ selection: '*', partitions: { from: '2026-01-01', to: '2026-01-02' } });
      const run = await instance.waitForRun(runId);
      assert.equal(run.status, 'succeeded');
      const spans = exporter.getFinishedSpans();
      assert.deepEqual(tree(spans), [
        'quarry.run',
        '  quarry.step marts/revenue_7d[2026-01-01]',
        '    quarry.partition 2026-01-01',
        '      quarry.catalog.commit 1',
        '      quarry.engine.query 1',
        '  quarry.step marts/revenue_7d[2026-01-02]',
        '    quarry.partition 2026-01-02',
        '      quarry.catalog.commit 1',
        '      quarry.engine.query 1',
        '  quarry.step raw/orders[2026-01-01]',
        '    quarry.partition 2026-01-01',
        '      quarry.catalog.commit 1',
        '      quarry.engine.query 1',
        '  quarry.step raw/orders[2026-01-02]',
        '    quarry.partition 2026-01-02',
        '      quarry.catalog.commit 1',
        '      quarry.engine.query 1',
        '  quarry.step staging/orders_clean[2026-01-01..2026-01-02]',
        '    quarry.catalog.commit 2',
        '    quarry.engine.query 2',
        '    quarry.partition 2026-01-01',
        '      quarry.check row_count',
        '    quarry.partition 2026-01-02',
        '      quarry.check row_count',
      ]);
      // One trace, the run's, and the catalog and the run record know its id.
      const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
      assert.equal(traceIds.size, 1);
      const [traceId] = traceIds;
      assert.match(traceId!, /^[0-9a-f]{32}$/);
      assert.equal(instance.getRun(runId).traceId, traceId);
      assert.equal(instance.traceIdOf(runId), traceId);
      const root = spans.find((s) => s.name === SPAN_NAMES.run)!;
      assert.equal(root.attributes['quarry.run_id'], runId);
      assert.equal(root.attributes['quarry.status'], 'succeeded');
      const partitionSpan = spans.find((s) => s.name === SPAN_NAMES.partition && s.attributes['quarry.asset'] === 'raw/orders')!;
      assert.equal(partitionSpan.attributes['quarry.outcome'], 'written');
      // Children end within their parents.
      const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
      for (const s of spans) {
        const parent = byId.get(parentOf(s) ?? '');
        if (parent === undefined) continue;
        assert.ok(hrMs(s.endTime) <= hrMs(parent.endTime) + 1, `${s.name} ends within ${parent.name}`);
      }
    } finally {
      await instance.close();
    }
  });

  test('tracing off (the default): no trace id is stored', async () => {
    const instance = await openInstance({ projectDir: project.dir, quarryHome: project.home, now: NOW });
    try {
      const { runId } = await instance.startRun({ selection: 'raw/orders', partitions: { from: '2026-01-03', to: '2026-01-03' } });
      assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
      assert.equal(instance.getRun(runId).traceId, null);
      assert.equal(instance.traceIdOf(runId), undefined);
    } finally {
      await instance.close();
    }
  });
});

function hrMs(time: readonly [number, number]): number {
  return time[0] * 1000 + time[1] / 1e6;
}
