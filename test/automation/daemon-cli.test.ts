// The CLI over a copy of examples/hello with one automated asset: `quarry status` shows freshness,
// `quarry daemon --once` evaluates a tick and runs what it requested, and status then shows it fresh.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createE2eProject, describeResult, replaceOnce } from '../e2e/e2e-project.ts';

const project = createE2eProject('daemon-cli');
after(() => project.cleanup());

test('quarry daemon --once runs a missing() asset; quarry status shows it OVERDUE before and fresh after', async () => {
  project.editConfig((source) =>
    replaceOnce(
      replaceOnce(source, "import { dailyPartitions, defineAsset, defineProject, timeWindowMapping } from '@quarry/core';", "import { dailyPartitions, defineAsset, defineProject, missing, timeWindowMapping } from '@quarry/core';"),
      "export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d] });",
      `export const summary = defineAsset({ key: 'marts/summary', automation: missing(), freshness: { maxLag: '1h' }, compute: () => [{ ok: 1 }] });
export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d, summary] });`,
    ),
  );
  const before = await project.quarry(['status', 'marts/summary']);
  assert.equal(before.code, 0, describeResult(before));
  assert.match(before.stdout, /^marts\/summary: OVERDUE — lag never materialized \(max 1h\)$/m);

  const once = await project.quarry(['daemon', '--once']);
  assert.equal(once.code, 0, describeResult(once));
  assert.match(once.stdout, /^  marts\/summary: missing\(\)$/m);
  assert.match(once.stdout, /^condition marts\/summary: requested — missing\(\): 1 partition\(s\) missing$/m);
  assert.match(once.stdout, /^freshness marts\/summary: failed — marts\/summary is overdue: lag never materialized > max 1h/m);
  assert.match(once.stdout, /^launched 1 run\(s\)$/m);

  const status = await project.quarry(['status', 'marts/summary', '--json']);
  const json = JSON.parse(status.stdout) as { freshness: { assetKey: string; state: string; lagMs: number }[] };
  assert.equal(json.freshness[0]?.assetKey, 'marts/summary');
  assert.equal(json.freshness[0]?.state, 'fresh');

  const again = await project.quarry(['daemon', '--once']);
  assert.match(again.stdout, /^condition marts\/summary: skipped — skipped: nothing to request$/m);
  assert.match(again.stdout, /^launched 0 run\(s\)$/m);
});

test('quarry serve --daemon runs the UI server and the daemon in one process; SIGINT stops both and releases the lease', async () => {
  // The asset of the first test ran already; a second automated asset is missing.
  project.editConfig((source) =>
    replaceOnce(
      source,
      "export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d, summary] });",
      `export const second = defineAsset({ key: 'marts/second', automation: missing(), compute: () => [{ ok: 2 }] });
export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d, summary, second] });`,
    ),
  );
  const server = project.start(['serve', '--daemon', '--port', '0', '--interval', '1s', '--lease', '10s']);
  const deadline = Date.now() + 120_000;
  while (!(/condition marts\/second: requested/.test(server.output().stderr) && /holds the lease/.test(server.output().stderr)) && Date.now() < deadline && server.child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
  const { stdout, stderr } = server.output();
  assert.match(stdout, /^Quarry UI at http:\/\/127\.0\.0\.1:\d+ /m, stdout);
  // The daemon's tick and lease lines are log lines on stderr (pretty: the text as it always was).
  assert.match(stderr, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z condition marts\/second: requested 1 partition\(s\) — /m, stderr);
  assert.match(stderr, /^daemon \S+ holds the lease$/m, stderr);
  assert.doesNotMatch(stdout, /condition marts\/second|holds the lease/, stdout);
  const url = /Quarry UI at (\S+)/.exec(stdout)![1]!;
  assert.equal((await fetch(`${url}/api/assets`)).status, 200, 'the server answers while the daemon runs');
  server.child.kill('SIGINT');
  const result = await server.done;
  assert.equal(result.code, 0, describeResult(result));
  const runs = await project.quarry(['runs', '--json']);
  assert.equal(runs.code, 0, describeResult(runs));
  assert.ok((JSON.parse(runs.stdout) as { runs: { selection: string; status: string }[] }).runs.some((r) => r.selection === 'marts/second' && r.status === 'succeeded'), runs.stdout);
  const next = await project.quarry(['daemon', '--once', '--lease', '10s']);
  assert.equal(next.code, 0, `the lease was released at exit: ${describeResult(next)}`);
});

test('quarry daemon routes an overdue asset to the critical alert route and serves /metrics with --metrics-port', async () => {
  const { createServer } = await import('node:http');
  const posts: string[] = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      posts.push(body);
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as { port: number }).port;
  try {
    project.editConfig((source) =>
      replaceOnce(
        replaceOnce(source, "import { dailyPartitions, defineAsset, defineProject, missing, timeWindowMapping } from '@quarry/core';", "import { dailyPartitions, defineAsset, defineProject, missing, timeWindowMapping, webhook } from '@quarry/core';"),
        "export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d, summary, second] });",
        // Never materialized and not automated: overdue at the daemon's first freshness check.
        `export const late = defineAsset({ key: 'marts/late', freshness: { maxLag: '1h' }, compute: () => [{ ok: 3 }] });
export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d, summary, second, late],
  alerts: { routes: [{ when: 'critical', to: webhook({ url: 'http://127.0.0.1:${port}/hook' }) }] } });`,
      ),
    );
    // JSON log lines (not a terminal, no QUARRY_LOG_FORMAT): the daemon's ticks carry their fields.
    const daemon = project.start(['daemon', '--interval', '1s', '--lease', '10s', '--metrics-port', '0'], { env: { QUARRY_LOG_FORMAT: '' } });
    const deadline = Date.now() + 120_000;
    while (!(posts.some((p) => p.includes('marts/late')) && daemon.output().stderr.includes('"daemon_lease_held"')) && Date.now() < deadline && daemon.child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    const { stdout, stderr } = daemon.output();
    assert.ok(posts.some((p) => p.includes('marts/late') && /overdue/.test(p)), `the webhook got the overdue alert: ${JSON.stringify(posts)} ${stdout}`);
    const lines = stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const late = lines.find((l) => l.event === 'daemon_tick' && l.tick_kind === 'freshness' && l.tick_name === 'marts/late');
    assert.ok(late, stderr);
    assert.equal(late.level, 'warn');
    assert.equal(late.tick_status, 'failed');
    assert.deepEqual(late.run_keys, []);
    assert.equal(typeof late.daemon_id, 'string');
    assert.match(String(late.time), /^\d{4}-\d\d-\d\dT/);
    assert.match(String(late.msg), / freshness marts\/late: failed — marts\/late is overdue/);
    const lease = lines.find((l) => l.event === 'daemon_lease_held');
    assert.equal(lease?.daemon_id, late.daemon_id, stderr);
    assert.equal(lease?.level, 'info');
    const metricsUrl = /metrics at (\S+)/.exec(stdout)?.[1];
    assert.ok(metricsUrl, stdout);
    const text = await (await fetch(metricsUrl)).text();
    assert.match(text, /^quarry_run_queue_depth \d+$/m);
    assert.match(text, /^quarry_runs\{status="succeeded"\} \d+$/m, 'the runs of the earlier tests are read from the catalog');
    daemon.child.kill('SIGINT');
    const result = await daemon.done;
    assert.equal(result.code, 0, describeResult(result));
    const alerts = await project.quarry(['alerts', '--json']);
    assert.equal(alerts.code, 0, describeResult(alerts));
    const overdue = (JSON.parse(alerts.stdout) as { alerts: { kind: string; assetKey: string | null }[] }).alerts.filter((a) => a.kind === 'overdue' && a.assetKey === 'marts/late');
    assert.equal(overdue.length, 1, `one overdue alert per incident: ${alerts.stdout}`);
  } finally {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
});
