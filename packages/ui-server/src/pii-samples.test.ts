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
const UNMASK_TOKEN = 'pii-unmask-0123456789';
async function samples(token: string | undefined, presented: string | undefined, unmaskToken?: string): Promise<Sample[]> {
  const app = await buildApp({ instance, web: false, ...(token ? { token } : {}), ...(unmaskToken ? { unmaskToken } : {}) });
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

  test('only a request with the separate unmask token sees the values; the state-changing token does not unmask', async () => {
    assert.doesNotMatch(JSON.stringify(await samples(TOKEN, TOKEN)), /example\.com|Lyon/, 'the server token changes state, it does not unmask');
    assert.doesNotMatch(JSON.stringify(await samples(TOKEN, TOKEN, UNMASK_TOKEN)), /example\.com|Lyon/);
    const rows = await samples(TOKEN, UNMASK_TOKEN, UNMASK_TOKEN);
    assert.deepEqual(rows.map((r) => r['email']).sort(), ['ann@example.com', 'cy@example.com']);
    const unmaskOnly = await samples(undefined, UNMASK_TOKEN, UNMASK_TOKEN);
    assert.deepEqual(unmaskOnly.map((r) => r['email']).sort(), ['ann@example.com', 'cy@example.com'], 'a loopback server without a state token may still unmask');
  });

  test('an unmask token shorter than 8 characters, or equal to the server token, is refused', async () => {
    await assert.rejects(buildApp({ instance, web: false, unmaskToken: 'short' }), /unmask token \(QUARRY_UNMASK_TOKEN\) is too short/);
    await assert.rejects(buildApp({ instance, web: false, token: TOKEN, unmaskToken: TOKEN }), /equals the server token/);
  });

  test('history=true lists only the earlier results the latest replaced, masked the same way; a bad history value is refused', async () => {
    const { runId } = await instance.startRun({ selection: 'raw/customers', force: true });
    assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
    const app = await buildApp({ instance, web: false });
    try {
      const latest = (await app.inject({ url: '/api/assets/raw%2Fcustomers/checks' })).json().results as { id: number; checkName: string }[];
      assert.equal(latest.length, 1);
      const res = await app.inject({ url: `/api/assets/raw%2Fcustomers/checks?check=${latest[0]!.checkName}&history=true` });
      assert.equal(res.statusCode, 200);
      const previous = res.json().results as { id: number; checkName: string; sampleRows: Sample[] }[];
      assert.equal(previous.length, 1);
      assert.ok(previous[0]!.id < latest[0]!.id, 'an earlier result, not the latest');
      assert.equal(previous[0]!.checkName, latest[0]!.checkName);
      assert.equal(previous[0]!.sampleRows.length, 2);
      assert.doesNotMatch(JSON.stringify(previous), /example\.com|Lyon/);
      const none = await app.inject({ url: '/api/assets/raw%2Fcustomers/checks?check=no_such_check&history=true' });
      assert.deepEqual(none.json().results, []);
      const bad = await app.inject({ url: '/api/assets/raw%2Fcustomers/checks?history=maybe' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().message, /history/);
    } finally {
      await app.close();
    }
  });
});
