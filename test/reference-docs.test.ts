import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../packages/core/src/cli/index.ts';
import { COMMON_OPTIONS, optionDefault } from '../packages/core/src/cli/command.ts';
import { commands } from '../packages/core/src/cli/commands/index.ts';
import { PassThrough } from 'node:stream';

const root = new URL('..', import.meta.url).pathname;
const committed = join(root, 'docs/reference');
let out: string;
let generated: { status: number | null; stdout: string; stderr: string };

// One regeneration into a temp dir serves both tests (it builds a TypeScript program of packages/core).
before(() => {
  out = mkdtempSync(join(tmpdir(), 'quarry-reference-docs-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/gen-reference-docs.ts'), '--out', out], { cwd: root, encoding: 'utf8' });
  generated = { status: r.status, stdout: r.stdout, stderr: r.stderr };
});
after(() => rmSync(out, { recursive: true, force: true }));

test('docs/reference/ is what scripts/gen-reference-docs.ts generates from the code today', () => {
  const want = readdirSync(out).filter((f) => f.endsWith('.md')).sort();
  const have = readdirSync(committed).filter((f) => f.endsWith('.md')).sort();
  assert.ok(want.includes('cli.md') && want.includes('errors.md'), `the generator wrote ${want.join(', ')}; stderr: ${generated.stderr}`);
  assert.deepEqual(have, want, 'docs/reference/ has other pages than the generator writes: run `npm run docs`');
  for (const file of want) {
    const fresh = readFileSync(join(out, file), 'utf8');
    const current = readFileSync(join(committed, file), 'utf8');
    if (current !== fresh) {
      const lines = current.split('\n');
      const at = fresh.split('\n').findIndex((line, i) => line !== lines[i]);
      assert.fail(`docs/reference/${file} is out of date (first difference at line ${at + 1}: ${JSON.stringify(fresh.split('\n')[at])}): run \`npm run docs\``);
    }
  }
});

test('every item in the reference (command, option, factory, parameter, SQL parameter, error code) has a description', () => {
  assert.equal(generated.status, 0, `scripts/gen-reference-docs.ts failed:\n${generated.stderr}`);
  assert.match(generated.stdout, /Wrote 7 pages/);
});

test('quarry <command> --help prints every declared option with the default the reference shows', async () => {
  for (const command of commands) {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const code = await runCli([command.name, '--help'], { stdout, stderr: new PassThrough(), cwd: root, env: {} });
    assert.equal(code, 0);
    for (const [name, option] of Object.entries({ ...command.options, ...COMMON_OPTIONS })) {
      const line = text.split('\n').find((l) => l.trimStart().startsWith(`--${name} `));
      assert.ok(line !== undefined, `quarry ${command.name} --help does not list --${name}`);
      const byDefault = option.type === 'string' ? optionDefault(option) : undefined;
      if (byDefault !== undefined) assert.ok(line.endsWith(`(default: ${byDefault})`), `quarry ${command.name} --help: ${line}`);
    }
  }
});
