// Runs every test file listed in test/test-files.txt with node:test through tsx.
// Node 20 does not discover .ts test files, so the list is explicit; this script also fails when a
// *.test.ts file in the tree is missing from the list (or listed but absent), so none is forgotten.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const listed = readFileSync(join(root, 'test/test-files.txt'), 'utf8')
  .split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

// Build output, dependencies and scratch folders of tests and benchmarks hold no tests of ours.
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'test-output', 'bench-output', 'landing']);
const found = [];
(function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.test.ts')) found.push(relative(root, path));
  }
})(root);

const unlisted = found.filter((f) => !listed.includes(f));
const missing = listed.filter((f) => !existsSync(join(root, f)));
if (unlisted.length || missing.length) {
  for (const f of unlisted) console.error(`test file not listed in test/test-files.txt: ${f}`);
  for (const f of missing) console.error(`test/test-files.txt lists a file that does not exist: ${f}`);
  process.exit(1);
}

const only = process.argv.slice(2);
const files = only.length ? listed.filter((f) => only.some((o) => f.includes(o))) : listed;
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
