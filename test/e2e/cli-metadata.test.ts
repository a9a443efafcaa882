// End-to-end: the metadata side of the CLI on a copy of examples/hello: a backfill leaves its
// OpenLineage events in the instance's NDJSON file, OPENLINEAGE_URL sends them to an HTTP receiver
// instead, and `quarry docs` writes (or prints) the data dictionary.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createE2eProject, describeResult, parseJson, type E2eProject } from './e2e-project.ts';

let project: E2eProject;
before(() => {
  project = createE2eProject('cli-metadata');
});
after(() => project?.cleanup());

test('quarry backfill writes START and COMPLETE per step to .../openlineage/events.ndjson; with OPENLINEAGE_URL they are POSTed instead', async () => {
  const result = await project.quarry(['backfill', 'raw/orders+', '--from', '2026-01-01', '--to', '2026-01-02']);
  assert.equal(result.code, 0, describeResult(result));
  const file = join(project.home, 'openlineage', 'events.ndjson');
  const events = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { eventType: string; job: { name: string } });
  // 3 assets × 2 days = 6 steps, plus the run's own START and COMPLETE.
  assert.equal(events.filter((e) => e.eventType === 'START').length, 7);
  assert.equal(events.filter((e) => e.eventType === 'COMPLETE').length, 7);
  assert.deepEqual([...new Set(events.map((e) => e.job.name))].sort(), ['hello', 'marts/revenue_7d', 'raw/orders', 'staging/orders_clean']);

  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const event = JSON.parse(body) as { eventType: string; job: { name: string } };
      received.push(`${req.url} ${req.headers.authorization} ${event.eventType} ${event.job.name}`);
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const again = await project.quarry(['materialize', 'raw/orders', '--partition', '2026-01-03'], { env: { OPENLINEAGE_URL: url, OPENLINEAGE_API_KEY: 'k' } });
    assert.equal(again.code, 0, describeResult(again));
    assert.deepEqual(received, ['/api/v1/lineage Bearer k START hello', '/api/v1/lineage Bearer k START raw/orders', '/api/v1/lineage Bearer k COMPLETE raw/orders', '/api/v1/lineage Bearer k COMPLETE hello']);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, events.length, 'nothing more in the file');
  } finally {
    server.close();
  }
});

test('quarry docs writes index.html and dictionary.json; --json prints the dictionary', async () => {
  const result = await project.quarry(['docs', '--out', 'site']);
  assert.equal(result.code, 0, describeResult(result));
  assert.match(result.stdout, /^Wrote .*site\/index\.html: 3 assets, \d+ columns, 0 glossary terms/);
  assert.ok(existsSync(join(project.dir, 'site', 'index.html')));
  const json = await project.quarry(['docs', '--json']);
  const dictionary = parseJson<{ project: string; assets: { key: string; owners: string[] }[] }>(json);
  assert.equal(dictionary.project, 'hello');
  assert.deepEqual(dictionary.assets.map((a) => [a.key, a.owners]), [['raw/orders', ['team:shop']], ['staging/orders_clean', ['team:shop']], ['marts/revenue_7d', ['team:finance']]]);
});
