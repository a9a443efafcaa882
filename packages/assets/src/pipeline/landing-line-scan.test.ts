import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REJECTED_LINE_MARKER, prepareLandingFile, scanLandingFile } from './landing-line-scan.ts';

function tempFile(content: Buffer | string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-scan-'));
  const file = join(dir, 'creators.ndjson');
  writeFileSync(file, content);
  return { dir, file };
}

test('sets aside invalid UTF-8 and over-long lines with their line numbers, and nothing else', (t) => {
  const long = `{"a":"${'z'.repeat(300)}"}`;
  const { dir, file } = tempFile(
    Buffer.concat([Buffer.from('{"a":"é"}\n'), Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), Buffer.from(`\n${long}\n\n{"a":1}`)]),
  );
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rejected = scanLandingFile(file, { maxLineBytes: 100, maxFieldBytes: 50 });
  assert.deepEqual(
    rejected.map((r) => [r.line, r.code, r.reason]),
    [
      [2, 'invalid_encoding', 'line is not valid UTF-8 (first invalid byte at offset 2)'],
      [3, 'oversized_field', 'line is 308 bytes, over the line limit of 100 bytes (maxLineBytes)'],
    ],
  );
  assert.equal(rejected[0]!.raw, '{"\ufffd"}');
  // The copy DuckDB reads keeps every other line and every line number.
  const copy = prepareLandingFile(file, 'v1', { maxLineBytes: 100, maxFieldBytes: 50 });
  assert.notEqual(copy, file);
  const lines = readFileSync(copy, 'utf8').split('\n');
  assert.equal(lines.length, 5);
  assert.equal(lines[0], '{"a":"é"}');
  assert.ok(lines[1]!.startsWith(REJECTED_LINE_MARKER));
  assert.equal((JSON.parse(lines[1]!.slice(REJECTED_LINE_MARKER.length)) as { code: string }).code, 'invalid_encoding');
  assert.ok(lines[2]!.startsWith(REJECTED_LINE_MARKER));
  assert.deepEqual(lines.slice(3), ['', '{"a":1}']);
  rmSync(copy, { force: true });
});

test('a clean file is read as it is', (t) => {
  const { dir, file } = tempFile('{"a":1}\n{"a":2}\n');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(scanLandingFile(file), []);
  assert.equal(prepareLandingFile(file, 'v1'), file);
});

test('a line over the cap spanning many read chunks is counted, not buffered', (t) => {
  const { dir, file } = tempFile(`{"a":1}\n{"b":"${'x'.repeat(5 * 1024 * 1024)}"}\n{"a":3}\n`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rejected = scanLandingFile(file);
  assert.deepEqual(rejected.map((r) => [r.line, r.code]), [[2, 'oversized_field']]);
  assert.match(rejected[0]!.reason, /line is 5\.0 MiB, over the line limit of 1\.0 MiB/);
  assert.ok(rejected[0]!.raw.length <= 1001);
});
