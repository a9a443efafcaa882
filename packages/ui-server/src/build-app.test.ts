import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Ajv } from 'ajv';
import { isQuarryError } from '@quarry/core';
import { buildApp } from './build-app.ts';
import { openExampleApp, type ExampleApp } from './example-project-fixture.ts';

const TOKEN = 'test-token-0123456789';
let open: ExampleApp;
let guarded: ExampleApp;

before(async () => {
  open = await openExampleApp();
  guarded = await openExampleApp({ token: TOKEN });
});
after(async () => {
  await open.close();
  await guarded.close();
});

const json = (payload: unknown, headers: Record<string, string> = {}) => ({
  headers: { 'content-type': 'application/json', ...headers },
  payload: JSON.stringify(payload),
});

describe('startup rules', () => {
  test('refuses to serve a non-loopback address without a token', async () => {
    await assert.rejects(
      buildApp({ instance: open.instance, host: '0.0.0.0' }),
      (error: unknown) => isQuarryError(error, 'QUARRY_BAD_CONFIG') && /0\.0\.0\.0 without a token/.test(error.message),
    );
    await assert.rejects(buildApp({ instance: open.instance, host: '0.0.0.0', token: 'short' }), /too short/);
    const app = await buildApp({ instance: open.instance, host: '0.0.0.0', token: TOKEN, web: false });
    await app.close();
  });
});

describe('token', () => {
  test('mutating endpoints need the token when the server has one', async () => {
    const body = { selection: 'raw/orders', partitions: { key: '2026-01-01' } };
    const missing = await guarded.app.inject({ method: 'POST', url: '/api/runs', ...json(body) });
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.json().code, 'QUARRY_UNAUTHORIZED');
    assert.match(missing.json().message, /Authorization: Bearer/);
    const wrong = await guarded.app.inject({ method: 'POST', url: '/api/runs', ...json(body, { authorization: 'Bearer nope' }) });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.json().message, /wrong/);
    const cancel = await guarded.app.inject({ method: 'POST', url: '/api/runs/r_x/cancel', ...json({}) });
    assert.equal(cancel.statusCode, 401, 'the token is checked before the run is looked up');
    const right = await guarded.app.inject({ method: 'POST', url: '/api/runs', ...json(body, { authorization: `Bearer ${TOKEN}` }) });
    assert.equal(right.statusCode, 202);
    assert.equal((await guarded.instance.waitForRun(right.json().runId)).status, 'succeeded');
    const header = await guarded.app.inject({ method: 'POST', url: '/api/backfills', ...json({ ...body, partitions: { keys: ['2026-01-02'] } }, { 'x-quarry-token': TOKEN }) });
    assert.equal(header.statusCode, 202);
    await guarded.instance.waitForRun(header.json().runId);
  });

  test('reads work without the token; plan previews (they cost work) need it', async () => {
    assert.equal((await guarded.app.inject('/api/assets')).statusCode, 200);
    const plan = await guarded.app.inject({ method: 'POST', url: '/api/plan', ...json({ selection: 'raw/orders' }) });
    assert.equal(plan.statusCode, 401);
    assert.equal(plan.json().code, 'QUARRY_UNAUTHORIZED');
    assert.match(plan.json().message, /POST \/api\/plan needs this server's token/);
    assert.equal((await guarded.app.inject({ method: 'POST', url: '/api/plan', ...json({ selection: 'raw/orders' }, { authorization: `Bearer ${TOKEN}` }) })).statusCode, 200);
    assert.equal((await guarded.app.inject('/api/info')).json().tokenRequired, true);
    assert.equal((await open.app.inject('/api/info')).json().tokenRequired, false);
  });
});

describe('browser-borne attacks', () => {
  test('a loopback server refuses foreign Host names (DNS rebinding)', async () => {
    const evil = await open.app.inject({ url: '/api/assets', headers: { host: 'evil.example:3000' } });
    assert.equal(evil.statusCode, 403);
    assert.match(evil.json().message, /evil\.example/);
    for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000', '127.0.0.1']) {
      assert.equal((await open.app.inject({ url: '/api/info', headers: { host } })).statusCode, 200, host);
    }
  });

  test('mutating requests from another origin are refused', async () => {
    const res = await open.app.inject({ method: 'POST', url: '/api/runs', ...json({ selection: 'raw/orders' }, { origin: 'http://evil.example', host: 'localhost:3000' }) });
    assert.equal(res.statusCode, 403);
    assert.equal(open.instance.listRuns().length, 0);
  });
});

describe('errors', () => {
  test('unknown routes answer 404 in JSON', async () => {
    const res = await open.app.inject('/api/nope');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'QUARRY_NOT_FOUND');
    assert.match(res.json().message, /openapi/);
  });

  test('no URL or plan body makes the server answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.constantFrom('', '/partitions', '/partition-keys', '/materializations', '/checks', '/lineage', '/column-lineage'), async (key, tail) => {
        const res = await open.app.inject(`/api/assets/${encodeURIComponent(key)}${tail}?partition=${encodeURIComponent(key)}`);
        assert.ok(res.statusCode < 500, `${key}${tail} → ${res.statusCode} ${res.body}`);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (body) => {
        const res = await open.app.inject({ method: 'POST', url: '/api/plan', ...json(body) });
        assert.ok(res.statusCode < 500, `${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), async (from, to) => {
        const res = await open.app.inject({ method: 'POST', url: '/api/plan', ...json({ selection: 'raw/orders', partitions: { from, to } }) });
        assert.ok(res.statusCode < 500, `${from}..${to} → ${res.statusCode} ${res.body}`);
      }),
      { numRuns: 100 },
    );
  });
});

describe('OpenAPI document', () => {
  test('describes every API route with its parameters and bodies', async () => {
    const doc = (await open.app.inject('/api/openapi.json')).json();
    assert.equal(doc.openapi, '3.0.3');
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    assert.deepEqual(operations.sort(), [
      'GET /api/assets',
      'GET /api/assets/{key}',
      'GET /api/assets/{key}/checks',
      'GET /api/assets/{key}/column-lineage',
      'GET /api/assets/{key}/failures',
      'GET /api/assets/{key}/lineage',
      'GET /api/assets/{key}/materializations',
      'GET /api/assets/{key}/partition-keys',
      'GET /api/assets/{key}/partitions',
      'GET /api/assets/{key}/preview',
      'GET /api/assets/{key}/staleness',
      'GET /api/automation',
      'GET /api/automation/ticks',
      'GET /api/catalog',
      'GET /api/graph',
      'GET /api/info',
      'GET /api/partitions/{name}',
      'GET /api/pii',
      'GET /api/runs',
      'GET /api/runs/{runId}',
      'GET /api/runs/{runId}/events',
      'GET /api/runs/{runId}/logs',
      'GET /api/runs/{runId}/steps',
      'POST /api/automation/pause',
      'POST /api/backfills',
      'POST /api/partitions/{name}/keys',
      'POST /api/plan',
      'POST /api/query',
      'POST /api/runs',
      'POST /api/runs/{runId}/cancel',
    ]);
    const keys = doc.paths['/api/assets/{key}/partition-keys'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    assert.deepEqual(keys, ['path:key', 'query:from', 'query:to', 'query:offset', 'query:limit']);
    assert.ok(doc.paths['/api/backfills'].post.requestBody.content['application/json'].schema);
    assert.deepEqual(doc.paths['/api/runs'].post.security, [{ bearerToken: [] }, {}]);
  });

  test('answers match their documented schemas', async () => {
    const doc = (await open.app.inject('/api/openapi.json')).json();
    const ajv = new Ajv({ strict: false, allErrors: true });
    const check = async (url: string, path: string) => {
      const res = await open.app.inject(url);
      assert.equal(res.statusCode, 200, url);
      const schema = doc.paths[path].get.responses['200'].content['application/json'].schema;
      const validate = ajv.compile(schema);
      assert.ok(validate(res.json()), `${url}: ${ajv.errorsText(validate.errors)}`);
    };
    await check('/api/assets', '/api/assets');
    await check('/api/graph', '/api/graph');
    await check('/api/assets/raw%2Forders', '/api/assets/{key}');
    await check('/api/assets/raw%2Forders/partitions', '/api/assets/{key}/partitions');
    await check('/api/assets/raw%2Forders/partition-keys?limit=3', '/api/assets/{key}/partition-keys');
    await check('/api/info', '/api/info');
    await check('/api/catalog', '/api/catalog');
    const error = doc.paths['/api/assets/{key}'].get.responses['404'].content['application/json'].schema;
    assert.ok(ajv.compile(error)((await open.app.inject('/api/assets/nope')).json()));
  });
});

describe('web UI', () => {
  test('serves the SPA shell, script and stylesheet with a strict CSP and no external URLs', async () => {
    const page = await open.app.inject('/');
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /<script type="module" src="\/ui\/app.js"><\/script>/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    const js = await open.app.inject('/ui/app.js');
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /javascript/);
    assert.ok(js.body.length > 10_000);
    assert.doesNotMatch(js.body + page.body, /https?:\/\/(?!www\.w3\.org)/, 'no CDN or external URL');
    const css = await open.app.inject('/ui/app.css');
    assert.match(String(css.headers['content-type']), /text\/css/);
    const cached = await open.app.inject({ url: '/ui/app.js', headers: { 'if-none-match': String(js.headers['etag']) } });
    assert.equal(cached.statusCode, 304);
  });
});
