import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineProject, maskedPiiValue, openInstance, type Instance } from '@quarry/core';
import { defineTikTokPipelineFromLanding, generate } from '@quarry/assets';
import { buildApp } from '../../packages/ui-server/src/build-app.ts';

// The TikTok quarantine keeps each rejected line as written (raw_line: handles and display names,
// tagged free_text PII) and the creator id it names (record_key, user_id). Its checks keep failing
// samples of those rows; the server must not hand them to a caller without the token.
let dir: string;
let instance: Instance;
const TOKEN = 'tiktok-token-0123456789';
const UNMASK_TOKEN = 'tiktok-unmask-0123456789';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-tiktok-pii-'));
  const landing = join(dir, 'landing');
  await generate({ creators: 300, days: 3, start: '2026-03-01', seed: 7, defectRate: 0.3, out: landing });
  const project = defineProject({ name: 'tiktok-pii', assets: defineTikTokPipelineFromLanding(landing).assets });
  instance = await openInstance({ project, projectDir: dir, quarryHome: join(dir, '.quarry') });
  const { runId } = await instance.startRun({ selection: 'quality/creator_quarantine', partitions: { from: '2026-03-01', to: '2026-03-03' } });
  assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
});
after(async () => {
  await instance?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('quarantine samples served by /api/assets/:key/checks mask raw_line and record_key unless the request has the unmask token', async () => {
  const app = await buildApp({ instance, token: TOKEN, unmaskToken: UNMASK_TOKEN, web: false });
  try {
    const url = '/api/assets/quality%2Fcreator_quarantine/checks';
    const rowsOf = (body: { results: { sampleRows: Record<string, unknown>[] | null }[] }) => body.results.flatMap((r) => r.sampleRows ?? []);
    const open = rowsOf((await app.inject({ url, headers: { 'x-quarry-unmask-token': UNMASK_TOKEN } })).json());
    assert.ok(open.length > 0, 'the defective landing quarantined rows');
    assert.ok(open.every((row) => typeof row['raw_line'] === 'string' && row['raw_line'] !== maskedPiiValue('free_text')));
    const masked = rowsOf((await app.inject({ url })).json());
    assert.equal(masked.length, open.length);
    for (const row of masked) {
      assert.equal(row['raw_line'], maskedPiiValue('free_text'));
      if (row['record_key'] !== null) assert.equal(row['record_key'], maskedPiiValue('user_id'));
      assert.equal(typeof row['reason_code'], 'string', 'reason codes stay readable');
      assert.equal(typeof row['_source_line'], 'number');
    }
    const leaked = open.map((row) => String(row['raw_line'])).filter((line) => JSON.stringify(masked).includes(JSON.stringify(line).slice(1, -1)));
    assert.deepEqual(leaked, []);
  } finally {
    await app.close();
  }
});
