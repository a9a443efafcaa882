// Traces (issue 15, point 3): the run page shows the trace id stored with the run, in real Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createTracing, openInstance } from '@quarry/core';
import { copyExampleProject } from '../../packages/ui-server/src/example-project-fixture.ts';
import { startServer } from '../../packages/ui-server/src/index.ts';
import { CHROMIUM_MISSING, launchChromium } from '../../packages/ui-server/src/chromium-browser.ts';

test('the run page shows the run trace id, and "not traced" for a run without one', { skip: CHROMIUM_MISSING }, async () => {
  const copy = copyExampleProject('hello');
  const tracing = await createTracing({ exporter: new InMemorySpanExporter() });
  const instance = await openInstance({ projectDir: copy.dir, quarryHome: join(copy.dir, '.quarry'), tracing });
  const server = await startServer({ instance, port: 0 });
  const browser = await launchChromium();
  try {
    const traced = (await instance.startRun({ selection: 'raw/orders', partitions: { from: '2026-01-01', to: '2026-01-01' } })).runId;
    assert.equal((await instance.waitForRun(traced)).status, 'succeeded');
    const traceId = instance.getRun(traced).traceId;
    assert.match(traceId ?? '', /^[0-9a-f]{32}$/);
    // A run recorded without tracing (another process with tracing off).
    const untraced = instance.catalog.createRun({ kind: 'materialize', selection: 'raw/orders', status: 'succeeded' }).id;
    const page = await browser.newPage();
    await page.goto(`${server.url}/#/runs/${traced}`);
    await page.waitForSelector(`[data-testid="run-trace-id"]:text("${traceId}")`);
    await page.goto(`${server.url}/#/runs/${untraced}`);
    await page.waitForSelector('[data-testid="run-trace-id"]:text("not traced")');
  } finally {
    await browser.close();
    await server.close();
    await instance.close();
    await tracing.shutdown();
    copy.remove();
  }
});
