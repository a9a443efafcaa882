import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { main } from './main.ts';

function collect() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) }, out, err };
}

describe('quarry-tiktok', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'quarry-tiktok-cli-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('generates a landing folder and prints a one-line summary', async () => {
    const { io, out, err } = collect();
    const out1 = join(root, 'landing');
    const code = await main(['generate', '--creators', '300', '--days', '3', '--start', '2025-05-01', '--seed', '4', '--out', out1], io);
    assert.equal(code, 0, err.join('\n'));
    assert.equal(out.length, 1);
    assert.match(out[0] as string, /^generated 3 days from 2025-05-01 \(3 written, 0 reused\) for 300 creators .*: [\d,]+ rows .*, [\d,]+ files, [\d.]+ MB written in [\d.]+ s$/);
    assert.deepEqual((await readdir(out1)).sort(), ['2025-05-01', '2025-05-02', '2025-05-03', '_truth']);
  });

  it('names the bad value and exits 1', async () => {
    const cases: [string[], RegExp][] = [
      [['--creators', '12k', '--days', '3'], /--creators "12k" is not a whole number/],
      [['--creators', '10', '--days', '0'], /days 0 is not valid/],
      [['--creators', '10', '--days', '3', '--defect-rate', 'lots'], /--defect-rate "lots" is not a number/],
      [['--creators', '10', '--days', '3', '--start', '2025-13-01'], /start "2025-13-01"/],
      [['--days', '3'], /--creators is required/],
      [['--creators', '10', '--days', '3', '--colour', 'red'], /Unknown option '--colour'/],
    ];
    for (const [args, message] of cases) {
      const { io, err } = collect();
      const withOut = args.includes('--out') ? args : [...args, '--out', join(root, 'bad')];
      assert.equal(await main(['generate', ...withOut], io), 1, args.join(' '));
      assert.equal(err.length, 1);
      assert.match(err[0] as string, message);
    }
  });

  it('lists the commands and rejects an unknown one', async () => {
    const help = collect();
    assert.equal(await main(['--help'], help.io), 0);
    assert.match(help.out.join('\n'), /generate +write a deterministic/);
    const unknown = collect();
    assert.equal(await main(['frobnicate'], unknown.io), 2);
    assert.match(unknown.err[0] as string, /unknown command "frobnicate"/);
  });

  it('runs from the bin file', () => {
    const bin = fileURLToPath(new URL('../../bin/quarry-tiktok.mjs', import.meta.url));
    const result = spawnSync(process.execPath, [bin, 'generate', '--help'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Usage: quarry-tiktok generate --creators N/);
  });
});
