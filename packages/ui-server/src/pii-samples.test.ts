import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { acceptedRange, defineAsset, defineProject, maskedPiiValue, openInstance, type Instance } from '@quarry/core';
import { buildApp } from './build-app.ts';

// A real project whose check fails on rows holding PII: the failing-sample rows the catalog keeps
// carry e-mail addresses (direct PII) and cities (indirect).
const customers = defineAsset({
  key: 'raw/customers',
  schema: z.object({ customer_id: z.string(), email: z.string(), city: z.string(), balance: z.number() }),
  columns: { email: { pii: 'direct' }, city: { pii: 'indirect' }, customer_id: { pii: 'none' } },
  checks: [acceptedRange('balance', { min: 0 })],
  compute: () => [
    { customer_id: 'c1', email: 'ann@example.com', city: 'Lyon', balance: -5 },
    { customer_id: 'c2', email: 'bob@example.com', city: 'Oslo', balance: 10 },
    { customer_id: 'c3', email: 'cy@example.com', city: 'Riga', balance: -1 },
  ],
});
const TOKEN = 'pii-token-0123456789';

let dir: string;
let instance: Instance;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-pii-'));
  instance = await openInstance({ project: defineProject({ name: 'pii', assets: [customers] }), projectDir: dir, quarryHome: join(dir, '.quarry') });
  const { runId } = await instance.startRun({ selection: 'raw/customers' });
  assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
});
after(async () => {
  await instance.close();
  rmSync(dir, { recursive: true, force: true });
});

type Sample = Record<string, unknown>;
async function samples(token: string | undefined, presented: string | undefined): Promise<Sample[]> {
  const app = await buildApp({ instance, web: false, ...(token ? { token } : {}) });
  try {
    const res = await app.inject({ url: '/api/assets/raw%2Fcustomers/checks', headers: presented ? { authorization: `Bearer ${presented}` } : {} });
    assert.equal(res.statusCode, 200);
    const failing = res.json().results.filter((r: { passed: boolean }) => !r.passed);
    assert.equal(failing.length, 1);
    return failing[0].sampleRows as Sample[];
  } finally {
    await app.close();
  }
}

describe('check samples with PII columns', () => {
  test('a server without a token masks them for everyone', async () => {
    const rows = await samples(undefined, undefined);
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.equal(row['email'], maskedPiiValue('direct'));
      assert.equal(row['city'], maskedPiiValue('indirect'));
    }
    assert.deepEqual(rows.map((r) => [r['customer_id'], r['balance']]).sort(), [['c1', -5], ['c3', -1]], 'columns without PII stay readable');
    assert.doesNotMatch(JSON.stringify(rows), /example\.com|Lyon|Riga/);
    assert.doesNotMatch(JSON.stringify(await samples(undefined, 'anything-at-all')), /example\.com/, 'a token means nothing to a server without one');
  });

  test('a server with a token masks them for requests without it (or with a wrong one)', async () => {
    assert.doesNotMatch(JSON.stringify(await samples(TOKEN, undefined)), /example\.com|Lyon/);
    assert.doesNotMatch(JSON.stringify(await samples(TOKEN, 'wrong-token-000')), /example\.com|Lyon/);
  });

  test('a request with the server token sees the values', async () => {
    const rows = await samples(TOKEN, TOKEN);
    assert.deepEqual(rows.map((r) => r['email']).sort(), ['ann@example.com', 'cy@example.com']);
  });
});
