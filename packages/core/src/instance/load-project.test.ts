import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isQuarryError } from '../errors.ts';
import { commonJsHint, loadProject } from './load-project.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CONFIG = `import { dailyPartitions, defineAsset, defineProject } from '@quarry/core';
const daily = dailyPartitions({ start: '2026-01-01' });
export const a = defineAsset({ key: 'a', partitions: daily, sql: 'select 1 as x' });
export default defineProject({ name: 'no-module', assets: [a] });
`;

/** A project outside the repo (so no package.json above it says "type": "module") that can import @quarry/core. */
async function withProject(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-load-project-'));
  try {
    await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a quarry.config.ts that would load as CommonJS fails saying why and what to do, not with a module-system puzzle', async () => {
  await withProject({ 'quarry.config.ts': CONFIG }, async (dir) => {
    await assert.rejects(loadProject(dir), (error: unknown) => {
      assert.ok(isQuarryError(error), String(error));
      assert.equal(error.code, 'QUARRY_PROJECT_LOAD_FAILED');
      assert.match(error.message, /loads as CommonJS because no package\.json above it says "type": "module"/);
      assert.match(error.message, /add a package\.json with \{ "type": "module" \}.*or rename the config to quarry\.config\.mts/);
      return true;
    });
  });
});

test('with "type": "module" the same config loads; the hint names a package.json that lacks it', async () => {
  await withProject({ 'quarry.config.ts': CONFIG, 'package.json': '{ "type": "module" }' }, async (dir) => {
    const loaded = await loadProject(dir);
    assert.deepEqual(loaded.project.assets.map((a) => a.key), ['a']);
    assert.equal(commonJsHint(join(dir, 'quarry.config.ts')), '');
  });
  await withProject({ 'package.json': '{ "name": "x" }' }, async (dir) => {
    assert.match(commonJsHint(join(dir, 'quarry.config.ts')), new RegExp(`because ${join(dir, 'package.json').replaceAll('/', '\\/')} does not say "type": "module"`));
    assert.equal(commonJsHint(join(dir, 'quarry.config.mts')), '');
  });
});

test('partitions not made by the running @quarry/core are refused at load, naming the asset', async () => {
  const config = `import { dailyPartitions, defineAsset, defineProject } from '@quarry/core';
const daily = dailyPartitions({ start: '2026-01-01' });
const copy = Object.assign(Object.create({}), { ...daily, id: daily.id });
export default defineProject({ name: 'copy', assets: [defineAsset({ key: 'copied', partitions: copy, sql: 'select 1 as x' })] });
`;
  await withProject({ 'quarry.config.ts': config, 'package.json': '{ "type": "module" }' }, async (dir) => {
    await assert.rejects(loadProject(dir), /the partitions of "copied" were not made by the @quarry\/core running quarry/);
  });
});
