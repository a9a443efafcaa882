import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runCli } from '../main.ts';

const HELLO = fileURLToPath(new URL('../../../../../examples/hello', import.meta.url));
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');

async function pii(projectDir: string, home: string): Promise<string> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await runCli(['pii', '--project', projectDir], { stdout, stderr: new PassThrough(), cwd: projectDir, env: { QUARRY_HOME: home } });
  assert.equal(code, 0, out);
  return out;
}

test('quarry pii lists the declared PII of examples/hello, in the typed classes, with nothing deprecated', async () => {
  const home = await mkdtemp(join(tmpdir(), 'quarry-pii-command-'));
  try {
    const out = await pii(HELLO, home);
    assert.match(out, /raw\/orders\s+customer_id\s+user_id\s+declared/);
    assert.doesNotMatch(out, /deprecated/);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('quarry pii flags a deprecated untyped class with the typed ones to use', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-pii-deprecated-'));
  try {
    await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }');
    await writeFile(join(dir, 'quarry.config.ts'), `import { defineAsset, defineProject } from '@quarry/core';
export const orders = defineAsset({ key: 'raw/orders', sql: "select 'c1' as customer_id", columns: { customer_id: { pii: 'indirect' } } });
export default defineProject({ name: 'deprecated-pii', assets: [orders] });
`);
    const out = await pii(dir, join(dir, 'home'));
    assert.match(out, /raw\/orders\s+customer_id\s+indirect\s+declared/);
    assert.match(out, /deprecated: raw\/orders\.customer_id declares pii 'indirect', an indirect identifier: use 'user_id', 'ip' or 'precise_location'/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
