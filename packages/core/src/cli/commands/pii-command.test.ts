import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runCli } from '../main.ts';

const HELLO = fileURLToPath(new URL('../../../../../examples/hello', import.meta.url));

test('quarry pii lists the declared PII of examples/hello and flags its deprecated class with the typed ones to use', async () => {
  const home = await mkdtemp(join(tmpdir(), 'quarry-pii-command-'));
  try {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await runCli(['pii', '--project', HELLO], { stdout, stderr: new PassThrough(), cwd: HELLO, env: { QUARRY_HOME: home } });
    assert.equal(code, 0);
    assert.match(out, /raw\/orders\s+customer_id\s+indirect\s+declared/);
    assert.match(out, /deprecated: raw\/orders\.customer_id declares pii 'indirect', an indirect identifier: use 'user_id', 'ip' or 'precise_location'/);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
