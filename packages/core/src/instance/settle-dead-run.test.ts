import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { isProcessAlive, openSqliteCatalog } from '../catalog/index.ts';
import { runCli } from '../cli/main.ts';
import { openInstance } from './instance.ts';

const HELLO = fileURLToPath(new URL('../../../../examples/hello', import.meta.url));
const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

/** The pid of a process that has exited: what a run row of a killed `quarry backfill` holds. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(isProcessAlive(child.pid!), false);
  return child.pid!;
}

/**
 * Writes, as the killed process did, a run marked running with a finished step, a running step, a
 * step waiting to retry, a step that never started, and a last log line 4 s after the start.
 */
function writeKilledRun(catalogPath: string, pid: number): string {
  let now = at(0);
  const catalog = openSqliteCatalog({ path: catalogPath, now: () => now });
  try {
    const run = catalog.createRun({ kind: 'backfill', selection: '*', status: 'running', pid, host: hostname() });
    catalog.updateRun(run.id, { startedAt: now });
    catalog.upsertSteps(
      ['2026-01-01', '2026-01-02', '2026-01-03'].map((day) => ({ runId: run.id, stepId: `raw/orders[${day}]`, assetKey: 'raw/orders', partitions: [day], reason: 'missing' }))
        .concat([{ runId: run.id, stepId: 'staging/orders_clean[2026-01-01]', assetKey: 'staging/orders_clean', partitions: ['2026-01-01'], reason: 'missing' }]),
    );
    catalog.upsertStep({ runId: run.id, stepId: 'raw/orders[2026-01-01]', status: 'running', attempt: 1, startedAt: now });
    now = at(1);
    catalog.upsertStep({ runId: run.id, stepId: 'raw/orders[2026-01-01]', status: 'succeeded', finishedAt: now });
    catalog.upsertStep({ runId: run.id, stepId: 'raw/orders[2026-01-02]', status: 'running', attempt: 1, startedAt: now });
    catalog.upsertStep({ runId: run.id, stepId: 'raw/orders[2026-01-03]', status: 'running', attempt: 1, startedAt: now });
    now = at(2);
    catalog.upsertStep({ runId: run.id, stepId: 'raw/orders[2026-01-02]' }); // a heartbeat
    now = at(3);
    catalog.upsertStep({ runId: run.id, stepId: 'raw/orders[2026-01-03]', status: 'pending', error: 'read ECONNRESET' }); // waiting to retry
    catalog.appendEvents([{ runId: run.id, stepId: 'raw/orders[2026-01-02]', timestamp: at(4), level: 'info', type: 'log', message: 'still reading' }]);
    return run.id;
  } finally {
    catalog.close();
  }
}

test('a run whose process died reads as failed on every read path, ended at its last activity, with no running step', async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'quarry-dead-run-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  const catalogPath = join(home, 'catalog.sqlite');
  const pid = await deadPid();
  const viaGetRun = writeKilledRun(catalogPath, pid);
  const viaListSteps = writeKilledRun(catalogPath, pid);
  const viaCli = writeKilledRun(catalogPath, pid);

  const instance = await openInstance({ projectDir: HELLO, quarryHome: home });
  try {
    const run = instance.getRun(viaGetRun);
    assert.equal(run.status, 'failed');
    assert.equal(run.finishedAt?.toISOString(), at(4).toISOString(), 'ended at the last event, not when it was read');
    assert.match(run.error ?? '', new RegExp(`^interrupted: process ${pid} on .* died; last activity at ${at(4).toISOString()}\\. Resume it with quarry backfill --resume ${viaGetRun}$`));

    const steps = new Map(instance.listSteps(viaListSteps).map((s) => [s.stepId, s]));
    assert.equal(instance.catalog.getRun(viaListSteps)?.status, 'failed', 'listSteps alone settles the run');
    assert.deepEqual([...steps.values()].map((s) => [s.stepId, s.status]), [
      ['raw/orders[2026-01-01]', 'succeeded'],
      ['raw/orders[2026-01-02]', 'failed'],
      ['raw/orders[2026-01-03]', 'failed'],
      ['staging/orders_clean[2026-01-01]', 'cancelled'],
    ]);
    assert.equal(steps.get('raw/orders[2026-01-02]')?.finishedAt?.toISOString(), at(2).toISOString(), 'a running step ends at its last heartbeat');
    assert.match(steps.get('raw/orders[2026-01-02]')?.error ?? '', new RegExp(`^interrupted: process ${pid} on .* died during attempt 1$`));
    assert.equal(steps.get('raw/orders[2026-01-03]')?.finishedAt?.toISOString(), at(3).toISOString());
    assert.match(steps.get('raw/orders[2026-01-03]')?.error ?? '', /died during attempt 1 \(the attempt before failed: read ECONNRESET\)$/);
    assert.equal(steps.get('raw/orders[2026-01-01]')?.finishedAt?.toISOString(), at(1).toISOString(), 'a finished step is left alone');
    const again = instance.getRun(viaListSteps);
    assert.equal(again.finishedAt?.toISOString(), at(4).toISOString(), 'the duration stays frozen on later reads');
  } finally {
    await instance.close();
  }

  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await runCli(['run', viaCli, '--json', '--project', HELLO], { stdout, stderr: new PassThrough(), cwd: HELLO, env: { QUARRY_HOME: home } });
  assert.equal(code, 0, out);
  const shown = JSON.parse(out) as { run: { status: string; finishedAt: string }; steps: { status: string }[] };
  assert.equal(shown.run.status, 'failed');
  assert.equal(shown.run.finishedAt, at(4).toISOString());
  assert.deepEqual(shown.steps.map((s) => s.status), ['succeeded', 'failed', 'failed', 'cancelled']);

  out = '';
  assert.equal(await runCli(['runs', '--project', HELLO], { stdout, stderr: new PassThrough(), cwd: HELLO, env: { QUARRY_HOME: home } }), 0);
  const rows = out.split('\n').filter((line) => line.startsWith('r_'));
  assert.equal(rows.length, 3);
  for (const row of rows) assert.match(row, /\bfailed\b.*\s4\.0s\s*$/, `quarry runs shows the frozen 4 s duration: ${row}`);
});

test('a killed run settled later raises run_failed for the assets whose steps it interrupted, as a run that failed by itself does', async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'quarry-dead-run-alert-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  const runId = writeKilledRun(join(home, 'catalog.sqlite'), await deadPid());
  const instance = await openInstance({ projectDir: HELLO, quarryHome: home });
  try {
    assert.equal(instance.getRun(runId).status, 'failed');
    const raised = instance.catalog.listAlerts().filter((a) => a.kind === 'run_failed');
    assert.deepEqual(raised.map((a) => [a.assetKey, a.severity, a.action]), [['raw/orders', 'critical', 'trigger']]);
    assert.match(raised[0]!.summary, new RegExp(`^Run ${runId}: raw/orders failed after 1 attempt: interrupted: process \\d+ on .* died during attempt 1`));
    // Read again: settled once, raised once.
    instance.listRuns();
    assert.equal(instance.catalog.listAlerts().filter((a) => a.kind === 'run_failed').length, 1);
  } finally {
    await instance.close();
  }
});
