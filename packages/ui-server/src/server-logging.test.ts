import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createQuarryLogger, secretValuesFromEnv } from '@quarry/core';
import { copyExampleProject } from './example-project-fixture.ts';
import { startServer } from './start-server.ts';

const TOKEN = 'serve-token-log-test-8c1f';

test("the server logs its requests as JSON lines through Quarry's logger, with the serve token redacted wherever it was sent", async () => {
  const copy = copyExampleProject('hello');
  const chunks: string[] = [];
  // As `quarry serve` makes it: the token (here from QUARRY_TOKEN) is among the secrets.
  const logger = createQuarryLogger({ stream: { write: (s: string) => chunks.push(s) }, level: 'info', format: 'json', secrets: secretValuesFromEnv({ QUARRY_TOKEN: TOKEN }) });
  const server = await startServer({ projectDir: copy.dir, quarryHome: join(copy.dir, '.quarry'), port: 0, token: TOKEN, logger, watch: false });
  try {
    const listed = await fetch(`${server.url}/api/runs?token=${TOKEN}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.ok(listed.status === 200 || listed.status === 400, String(listed.status));
    const missing = await fetch(`${server.url}/api/runs/r_nope`, { headers: { 'x-quarry-token': TOKEN } });
    assert.equal(missing.status, 404);
  } finally {
    await server.close();
    copy.remove();
  }
  const text = chunks.join('');
  assert.ok(!text.includes(TOKEN), text);
  const lines = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { level: string; time: string; msg: string; req?: { url?: string }; reqId?: string });
  const incoming = lines.filter((l) => l.msg === 'incoming request');
  assert.deepEqual(incoming.map((l) => l.req?.url), ['/api/runs?token=[REDACTED]', '/api/runs/r_nope']);
  for (const l of lines) {
    assert.ok(['info', 'warn', 'error'].includes(l.level), JSON.stringify(l));
    assert.match(l.time, /Z$/);
  }
});
