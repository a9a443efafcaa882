// The asset routes show a source asset by its observations, not as missing (issue 11, point 2).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defineAsset, defineProject, defineSourceAsset, openInstance } from '@quarry/core';
import { buildApp } from './build-app.ts';

test('GET /api/assets/:key of a source: never observed, then fresh with its last observation', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-source-routes-'));
  let version = 'v1';
  const landing = defineSourceAsset({ key: 'landing/rates', observe: () => version });
  const rates = defineAsset({ key: 'staging/rates', deps: { landing }, sql: 'select 1 as rate' });
  const instance = await openInstance({ project: defineProject({ name: 'rates', assets: [landing, rates] }), projectDir: dir, quarryHome: join(dir, '.quarry') });
  const app = await buildApp({ instance });
  t.after(async () => {
    await app.close();
    await instance.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const before = (await app.inject({ method: 'GET', url: '/api/assets/landing%2Frates' })).json();
  assert.equal(before.status.source.observed, 0);
  const { runId } = await instance.startRun({});
  assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
  const after = (await app.inject({ method: 'GET', url: '/api/assets/landing%2Frates' })).json();
  assert.equal(after.state, 'fresh');
  assert.equal(after.status.source.lastVersion, 'v1');
  assert.match(after.status.source.lastObservedAt, /^\d{4}-\d\d-\d\dT/);
  // The dependent goes stale when the observed version changes.
  version = 'v2';
  await instance.observe('landing/rates');
  const dependent = (await app.inject({ method: 'GET', url: '/api/assets/staging%2Frates' })).json();
  assert.equal(dependent.state, 'stale');
});
