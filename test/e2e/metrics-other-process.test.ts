// A scrape of `quarry serve`'s /metrics shows the runs of another process (a CLI materialize) that
// ran while the server was up: the figures come from the catalog at scrape time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteCatalog, parsePrometheusText, resolveQuarryHome, type PrometheusFamily } from '@quarry/core';
import { startServer } from '@quarry/ui-server';
import { createE2eProject, describeResult } from './e2e-project.ts';

function values(families: Map<string, PrometheusFamily>, family: string): Map<string, number> {
  return new Map((families.get(family)?.samples ?? []).filter((s) => s.name === family).map((s) => [Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(','), s.value]));
}

test('a run of another process shows in the next scrape of quarry serve', async (t) => {
  const project = createE2eProject('metrics-other-process');
  t.after(() => project.cleanup());
  const server = await startServer({ projectDir: project.dir, quarryHome: project.home, port: 0, watch: false });
  t.after(() => server.close());
  const scrape = async () => {
    const response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 200);
    return parsePrometheusText(await response.text());
  };

  const before = await scrape();
  assert.equal(values(before, 'quarry_runs').get('status=succeeded'), 0);
  assert.equal(values(before, 'quarry_rows_written_total').size, 0);

  const result = await project.quarry(['materialize', '--from', '2026-01-01', '--to', '2026-01-03']);
  assert.equal(result.code, 0, describeResult(result));

  const next = await scrape();
  assert.equal(values(next, 'quarry_runs').get('status=succeeded'), 1);
  const catalog = openSqliteCatalog({ path: resolveQuarryHome(project.dir, { QUARRY_HOME: project.home }).catalogPath });
  try {
    const [run] = catalog.listRuns();
    assert.ok(run !== undefined && run.pid !== process.pid, 'the run was made by the CLI process');
    const steps = values(next, 'quarry_steps');
    for (const asset of ['raw/orders', 'staging/orders_clean', 'marts/revenue_7d']) {
      const own: number = catalog.listSteps(run.id).filter((s) => s.assetKey === asset && s.status === 'succeeded').length;
      assert.equal(steps.get(`asset=${asset},status=succeeded`), own, asset);
      const rows = catalog.materializationHistory(asset).reduce((a, m) => a + (m.rowCount ?? 0), 0);
      assert.ok(rows > 0);
      assert.equal(values(next, 'quarry_rows_written_total').get(`asset=${asset}`), rows, asset);
    }
  } finally {
    catalog.close();
  }
});

test('quarry serve, started as a process, serves /metrics showing a CLI run of a third process', async (t) => {
  const project = createE2eProject('metrics-serve-cli');
  t.after(() => project.cleanup());
  const serve = project.start(['serve', '--port', '0'], { timeoutMs: 120_000 });
  t.after(async () => {
    serve.child.kill('SIGTERM');
    await serve.done.catch(() => undefined);
  });
  let url: string | undefined;
  while (url === undefined) {
    const match = /Quarry UI at (http:\/\/\S+)/.exec(serve.output().stdout);
    if (match) url = match[1];
    else if (serve.child.exitCode !== null) assert.fail(`quarry serve exited: ${JSON.stringify(serve.output())}`);
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const result = await project.quarry(['materialize', '--from', '2026-01-01', '--to', '2026-01-02']);
  assert.equal(result.code, 0, describeResult(result));
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const families = parsePrometheusText(await response.text());
  assert.equal(values(families, 'quarry_runs').get('status=succeeded'), 1);
  assert.equal(values(families, 'quarry_steps').get('asset=raw/orders,status=succeeded'), 2);
  assert.ok((values(families, 'quarry_rows_written_total').get('asset=raw/orders') ?? 0) > 0);
  assert.ok(families.has('process_resident_memory_bytes'));
});
