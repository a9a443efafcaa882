import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { isQuarryError } from '@quarry/core';
import { REPO_ROOT, copyExampleProject } from './example-project-fixture.ts';
import { checkServeOptions, startServer } from './start-server.ts';

test('startServer opens the project, listens on loopback and answers over real HTTP', async () => {
  const copy = copyExampleProject('hello');
  const server = await startServer({ projectDir: copy.dir, quarryHome: join(copy.dir, '.quarry'), port: 0 });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const info = await (await fetch(`${server.url}/api/info`)).json();
    assert.equal(info.project, 'hello');
    assert.equal(info.assetCount, 3);
    const page = await fetch(`${server.url}/`);
    assert.match(await page.text(), /Quarry/);
  } finally {
    await server.close();
    copy.remove();
  }
});

test('the CLI backfills in another process while the server runs; the server lists and streams that run', async () => {
  const copy = copyExampleProject('hello');
  const home = join(copy.dir, '.quarry');
  const server = await startServer({ projectDir: copy.dir, quarryHome: home, port: 0 });
  try {
    const cli = spawn(process.execPath, [join(REPO_ROOT, 'packages/core/bin/quarry.mjs'), 'backfill', 'raw/orders+', '--from', '2026-02-01', '--to', '2026-02-06', '--project', copy.dir], {
      env: { ...process.env, QUARRY_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    cli.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => cli.on('close', resolve));
    let runId: string | undefined;
    for (let i = 0; i < 300 && runId === undefined; i++) {
      const { runs } = (await (await fetch(`${server.url}/api/runs`)).json()) as { runs: { id: string }[] };
      runId = runs[0]?.id;
      if (runId === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(runId, `the server sees the CLI's run (${output})`);
    const stream = await (await fetch(`${server.url}/api/runs/${runId}/events`)).text();
    assert.equal(await exited, 0, output);
    assert.match(stream, /event: end\ndata: \{"runId":"[^"]+","status":"succeeded"\}/);
    const logs = (await (await fetch(`${server.url}/api/runs/${runId}/logs?limit=5000`)).json()) as { events: unknown[] };
    assert.equal(stream.match(/^event: log$/gm)?.length, logs.events.length);
    const status = (await (await fetch(`${server.url}/api/assets/marts%2Frevenue_7d/partitions`)).json()) as { counts: { fresh: number; stale: number } };
    // The 6 days were written; each one's 7-day window also reaches January days of staging/orders_clean
    // that are still missing, so they count as stale, as they do in the whole graph (issue 11, point 1).
    assert.deepEqual([status.counts.fresh, status.counts.stale], [0, 6]);
  } finally {
    await server.close();
    copy.remove();
  }
});

test('startServer refuses a non-loopback host without a token before opening anything', async () => {
  await assert.rejects(startServer({ projectDir: '/nonexistent', host: '0.0.0.0', port: 0 }), (error: unknown) => isQuarryError(error));
  const copy = copyExampleProject('hello');
  try {
    await assert.rejects(
      startServer({ projectDir: copy.dir, quarryHome: join(copy.dir, '.quarry'), host: '0.0.0.0', port: 0 }),
      (error: unknown) => isQuarryError(error, 'QUARRY_BAD_CONFIG'),
    );
  } finally {
    copy.remove();
  }
});

test('checkServeOptions validates port and host', () => {
  assert.deepEqual(checkServeOptions({}), { host: '127.0.0.1', port: 3000 });
  assert.throws(() => checkServeOptions({ port: 70000 }), /--port 70000/);
  assert.throws(() => checkServeOptions({ port: 1.5 }), /--port/);
  assert.throws(() => checkServeOptions({ host: 'a b' }), /--host/);
});

test('a busy port is a QuarryError naming the port, and `quarry serve` says so in one line with exit code 1', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as AddressInfo).port;
  const copy = copyExampleProject('hello');
  try {
    await assert.rejects(
      startServer({ projectDir: copy.dir, quarryHome: join(copy.dir, '.quarry'), port }),
      (error: unknown) => isQuarryError(error, 'QUARRY_PORT_IN_USE') && error.message.includes(`Port ${port} on 127.0.0.1 is in use`) && /--port/.test(error.message),
    );
    const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'packages/core/bin/quarry.mjs'), 'serve', '--port', String(port), '--project', copy.dir], {
      env: { ...process.env, QUARRY_HOME: join(copy.dir, '.quarry') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(cli.status, 1, `${cli.stdout}${cli.stderr}`);
    // stderr is not a terminal: the error is one JSON log line (docs/logging.md).
    const lines = cli.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, cli.stderr);
    const line = JSON.parse(lines[0]!) as { level: string; msg: string; err_code: string };
    assert.equal(line.level, 'error');
    assert.equal(line.err_code, 'QUARRY_PORT_IN_USE');
    assert.match(line.msg, new RegExp(`^quarry serve: Port ${port} on 127\\.0\\.0\\.1 is in use .* \\[QUARRY_PORT_IN_USE\\]$`));
    assert.doesNotMatch(cli.stderr, /internal error|\n\s+at /);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
    copy.remove();
  }
});
