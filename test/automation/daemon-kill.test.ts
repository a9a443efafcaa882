// kill -9 the daemon (a child process) at 24 points of its ticks — after taking the lease, after
// evaluating a schedule, after recording a tick, after planning a dispatch, after recording a chunk,
// after starting a run, after a run finished, after finishing a request, each at its 1st, 3rd and 5th
// pass — then start a second daemon: it takes over within one lease period, and in the end every
// run request was launched exactly once (no partition materialized twice) and none was lost.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { DAEMON_CRASH_POINTS, openSqliteCatalog } from '../../packages/core/src/index.ts';

const CHILD = fileURLToPath(new URL('./daemon-child.ts', import.meta.url));
const START = '2026-06-01T00:00:00Z';
const LOOPS = 6; // 00:00 .. 00:30 in 5-minute loops
const STEP = 5 * 60_000;

interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly lines: { at: number; leader: boolean }[];
  readonly stderr: string;
}

function runChild(dir: string, id: string, crash?: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, DAEMON_DIR: dir, DAEMON_START: START, DAEMON_LOOPS: String(LOOPS), DAEMON_ID: id, QUARRY_TEST_DAEMON_CRASH: crash ?? '' };
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, lines: stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { at: number; leader: boolean }) }));
  });
}

async function killCase(point: string, n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-daemon-kill-'));
  try {
    const first = await runChild(dir, 'first', `${point}:${n}`);
    assert.equal(first.signal, 'SIGKILL', `${point}:${n} was reached and killed the daemon\n${first.stderr}`);
    let catalog = openSqliteCatalog({ path: join(dir, '.quarry', 'catalog.sqlite') });
    const lease = catalog.daemonLease('daemon');
    catalog.close();
    const second = await runChild(dir, 'second');
    assert.equal(second.code, 0, `${point}:${n}: the second daemon finished\n${second.stderr}`);
    const takeover = second.lines.find((l) => l.leader);
    assert.ok(takeover !== undefined, `${point}:${n}: the second daemon took over`);
    if (lease !== undefined) assert.ok(takeover.at <= lease.heartbeatAt + STEP, `${point}:${n}: took over at ${new Date(takeover.at).toISOString()}, within one lease period of the last heartbeat ${new Date(lease.heartbeatAt).toISOString()}`);

    catalog = openSqliteCatalog({ path: join(dir, '.quarry', 'catalog.sqlite') });
    try {
      const requests = catalog.listRunRequests({ limit: 1000 });
      const keys = requests.map((r) => r.runKey).sort();
      // The schedule fires every 15 minutes after the first daemon's first tick, up to the last tick.
      const last = Math.max(...second.lines.map((l) => l.at));
      const cronTimes: number[] = [];
      for (let t = Date.parse(START) + 15 * 60_000; t <= last; t += 15 * 60_000) cronTimes.push(t);
      const expected = [
        ...cronTimes.map((t) => `schedule:raw/intraday:${new Date(t).toISOString()}`),
        ...Array.from({ length: LOOPS }, (_, i) => `sensor:landing:f${String(i + 1).padStart(3, '0')}`),
      ].sort();
      assert.deepEqual(keys, expected, `${point}:${n}: every request recorded once, none lost`);
      for (const r of requests) assert.equal(r.status, 'done', `${point}:${n}: ${r.runKey} is ${r.status} (${r.outcome})`);
      // Launched once: one version per partition, and each request's chunks cover distinct partitions.
      for (const asset of ['raw/intraday', 'raw/landing']) {
        for (const key of catalog.currentPartitions(asset).keys) assert.equal(catalog.materializationHistory(asset, key).length, 1, `${point}:${n}: ${asset}[${key}] materialized once`);
      }
      assert.equal(catalog.currentPartitions('raw/intraday').size, cronTimes.length);
      assert.equal(catalog.currentPartitions('raw/landing').size, LOOPS);
      for (const r of requests) {
        const chunks = catalog.runRequestChunks(r.runKey);
        assert.equal(chunks.length, 1, `${point}:${n}: ${r.runKey} launched as exactly one run (${chunks.map((c) => c.runId).join(', ')})`);
        assert.equal(catalog.getRun(chunks[0]!.runId)?.status, 'succeeded');
      }
    } finally {
      catalog.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('kill -9 at 24 points during daemon ticks: no run request launched twice, none lost, the second daemon takes over', { timeout: 30 * 60_000 }, async () => {
  const cases = DAEMON_CRASH_POINTS.flatMap((point) => [1, 3, 5].map((n) => [point, n] as const));
  assert.ok(cases.length >= 20);
  // Two cases at a time: each is two short child processes.
  const queue = [...cases];
  const failures: string[] = [];
  await Promise.all(
    [0, 1].map(async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        try {
          await killCase(next[0], next[1]);
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      }
    }),
  );
  assert.deepEqual(failures, []);
});
