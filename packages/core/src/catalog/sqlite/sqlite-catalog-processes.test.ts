import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { openSqliteCatalog } from './sqlite-catalog.ts';

const WORKER = fileURLToPath(new URL('./fixtures/catalog-worker.ts', import.meta.url));

interface Worker {
  readonly child: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  readonly result: Promise<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

function startWorker(path: string, job: string, runId: string, iterations?: number): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, path, job, runId, ...(iterations === undefined ? [] : [String(iterations)])], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  let readyResolve!: () => void;
  let resultResolve!: (value: Record<string, unknown>) => void;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    resultResolve = resolve;
    void exited.then((code) => reject(new Error(`worker ${runId} exited with ${code} before a result: ${stderr}`)));
  });
  lines.on('line', (line) => (line === 'ready' ? readyResolve() : resultResolve(JSON.parse(line) as Record<string, unknown>)));
  return { child, ready, result, exited, stderr: () => stderr };
}

async function withCatalogPath(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-processes-'));
  try {
    await fn(join(dir, 'catalog.sqlite'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('processes racing for the same leases: exactly one wins; a dead holder is taken over', { timeout: 120_000 }, () => withCatalogPath(async (path) => {
  openSqliteCatalog({ path }).close();
  const workers = Array.from({ length: 4 }, (_, i) => startWorker(path, 'lease', `r_racer${i}`));
  try {
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin.write('go\n');
    const results = await Promise.all(workers.map((w) => w.result));
    const winners = results.filter((r) => r.acquired === true);
    assert.equal(winners.length, 1, `exactly one winner: ${JSON.stringify(results)}`);
    const winner = winners[0]!;
    for (const loser of results.filter((r) => r !== winner)) {
      assert.deepEqual(loser.heldBy, [{ runId: winner.runId, pid: winner.pid }, { runId: winner.runId, pid: winner.pid }], 'losers see the winner as holder of both leases');
    }

    const catalog = openSqliteCatalog({ path });
    try {
      const me = { runId: 'r_parent', pid: process.pid };
      const items = [{ asset: 'raw/videos', partition: '2026-01-15' }];
      assert.equal(catalog.acquireLeases(me, items, 60_000).acquired, false, 'the winner is alive and holds the lease');
      for (const w of workers) w.child.stdin.end();
      assert.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0, 0, 0]);
      const stale = catalog.listLeases('raw/videos');
      assert.deepEqual(stale.map((l) => l.pid), [winner.pid, winner.pid], 'the dead winner never released: its leases are still stored');
      assert.ok(stale.every((l) => l.expiresAt.getTime() > Date.now()), 'and they have not expired');
      assert.deepEqual(catalog.acquireLeases(me, items, 60_000), { acquired: true, heldBy: [] }, 'a dead holder\'s lease is taken over');
      assert.equal(catalog.listLeases('raw/videos').find((l) => l.partition === '2026-01-15')?.runId, 'r_parent');
    } finally {
      catalog.close();
    }
  } finally {
    for (const w of workers) w.child.kill();
  }
}));

test('processes writing at once: every write lands, no SQLITE_BUSY surfaces, seqs stay unique', { timeout: 180_000 }, () => withCatalogPath(async (path) => {
  openSqliteCatalog({ path }).close();
  const iterations = 150;
  const workers = Array.from({ length: 3 }, (_, i) => startWorker(path, 'write', `r_writer${i}`, iterations));
  try {
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin.write('go\n');
    const results = await Promise.all(workers.map((w) => w.result));
    assert.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0, 0], workers.map((w) => w.stderr()).join('\n'));
    for (const w of workers) assert.doesNotMatch(w.stderr(), /SQLITE_BUSY|QUARRY_CATALOG_BUSY/);
    assert.ok(results.every((r) => typeof r.leasesWon === 'number' && r.leasesWon > 0));

    const catalog = openSqliteCatalog({ path });
    try {
      const total = workers.length * iterations;
      assert.equal(catalog.listEvents({ limit: 100_000 }).length, total * 5);
      assert.deepEqual(catalog.listRuns().map((r) => r.status), ['succeeded', 'succeeded', 'succeeded']);
      for (const r of results) assert.equal(catalog.listSteps(r.runId as string).filter((s) => s.status === 'succeeded').length, iterations);
      const history = catalog.materializationHistory('raw/videos', undefined, { limit: 100_000 });
      assert.equal(history.length, total * 2);
      assert.deepEqual(history.map((m) => m.seq).sort((a, b) => a - b), Array.from({ length: total * 2 }, (_, i) => i + 1), 'seqs are 1..n without gaps or repeats');
      const shared = catalog.materializationHistory('raw/videos', 'shared', { limit: 100_000 });
      assert.equal(shared.filter((m) => m.current).length, 1);
      assert.equal(shared[0]?.current, true, 'the newest version of the contended partition is current');
      assert.equal(catalog.currentPartitions('raw/videos').size, total + 1);
      assert.deepEqual(catalog.listLeases(), [], 'every won lease was released');
    } finally {
      catalog.close();
    }
  } finally {
    for (const w of workers) w.child.kill();
  }
}));
