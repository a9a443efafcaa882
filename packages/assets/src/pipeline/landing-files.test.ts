import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { landingFileVersion } from './landing-files.ts';

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;

function tempDay(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-landing-'));
  return { dir, file: join(dir, 'creators.ndjson') };
}

test('a file rewritten with the same size and mtime gets a new version', (t) => {
  const { dir, file } = tempDay();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(file, '{"creator_id":"c_000001","followers":100}\n');
  // Whole seconds, so setting the mtime back is exact.
  const stamp = Math.floor(Date.now() / 1000) - 60;
  utimesSync(file, stamp, stamp);
  const before = statSync(file);
  assert.equal(landingFileVersion(file), sha('{"creator_id":"c_000001","followers":100}\n'));
  writeFileSync(file, '{"creator_id":"c_000001","followers":900}\n');
  utimesSync(file, stamp, stamp);
  const after = statSync(file);
  assert.equal(after.size, before.size);
  assert.equal(after.mtimeMs, before.mtimeMs);
  assert.equal(landingFileVersion(file), sha('{"creator_id":"c_000001","followers":900}\n'));
});

test('a forged or stale .quarry-versions.json is ignored: the version is the content hash', (t) => {
  const { dir, file } = tempDay();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const content = '{"creator_id":"c_000001","followers":100}\n';
  writeFileSync(file, content);
  const info = statSync(file);
  // A cache of the old shape (size + mtime only) claiming another hash: matches the file's size and mtime.
  writeFileSync(join(dir, '.quarry-versions.json'), JSON.stringify({ 'creators.ndjson': { size: info.size, mtimeMs: info.mtimeMs, version: 'sha256:0000000000000000' } }));
  assert.equal(landingFileVersion(file), sha(content));
  // The real version was written back to the cache, bound to the file's signal.
  const saved = JSON.parse(readFileSync(join(dir, '.quarry-versions.json'), 'utf8')) as Record<string, { version: string; ctimeMs: number; ino: number }>;
  assert.equal(saved['creators.ndjson']!.version, sha(content));
  assert.equal(saved['creators.ndjson']!.ino, info.ino);
});

test('a forged cache entry in the current shape but with a stale ctime is ignored in a fresh folder', (t) => {
  const { dir, file } = tempDay();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const content = '{"creator_id":"c_000002","followers":5}\n';
  writeFileSync(file, content);
  const info = statSync(file);
  writeFileSync(
    join(dir, '.quarry-versions.json'),
    JSON.stringify({
      'creators.ndjson': { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs - 1000, ino: info.ino, sample: 'forged', version: 'sha256:1111111111111111' },
    }),
  );
  assert.equal(landingFileVersion(file), sha(content));
});
