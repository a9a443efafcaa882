import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openExampleApp, type ExampleApp } from './example-project-fixture.ts';
import { jsonNestingDepth } from './json-depth.ts';

// A real instance on a copy of examples/hello, served without a token (the case where the Origin
// and content-type rules are all that stands between a web page and a launched run).
let fx: ExampleApp;
before(async () => {
  fx = await openExampleApp();
});
after(() => fx.close());

const RUN = JSON.stringify({ selection: 'raw/orders', partitions: { key: '2026-01-01' } });
const launch = (headers: Record<string, string>, payload = RUN) => fx.app.inject({ method: 'POST', url: '/api/runs', headers: { host: 'localhost:3000', ...headers }, payload });

describe('state-changing requests come only from the server itself', () => {
  test('Origin: null (a sandboxed iframe or file: page) cannot launch a run', async () => {
    const res = await launch({ origin: 'null', 'content-type': 'application/json' });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'QUARRY_FORBIDDEN');
    assert.match(res.json().message, /origin "null" refused/);
    assert.equal(fx.instance.listRuns().length, 0);
  });

  test('every origin but the server own is refused, whatever its shape', async () => {
    for (const origin of ['http://evil.example', 'http://localhost:3001', 'https://localhost:3000.evil.example', 'http://localhost:3000/path', 'ftp://localhost:3000', 'localhost:3000', '', 'http://localhost:3000, http://evil.example']) {
      const res = await launch({ origin, 'content-type': 'application/json' });
      assert.equal(res.statusCode, 403, `${origin} → ${res.statusCode} ${res.body}`);
      assert.equal(res.json().code, 'QUARRY_FORBIDDEN');
    }
    const site = await launch({ 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' });
    assert.equal(site.statusCode, 403);
    assert.match(site.json().message, /Sec-Fetch-Site: cross-site/);
    assert.equal(fx.instance.listRuns().length, 0);
  });

  test('a POST needs Content-Type: application/json (what a form or text/plain fetch cannot send without a preflight)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'text/json']) {
      const res = await launch({ 'content-type': type });
      assert.equal(res.statusCode, 415, `${type} → ${res.statusCode} ${res.body}`);
      assert.equal(res.json().code, 'QUARRY_FORBIDDEN');
      assert.match(res.json().message, /needs "Content-Type: application\/json"/);
    }
    const none = await fx.app.inject({ method: 'POST', url: '/api/runs/r_x/cancel' });
    assert.equal(none.statusCode, 415, 'a body-less POST needs the JSON type too');
    assert.match(none.json().message, /got none/);
    const plan = await fx.app.inject({ method: 'POST', url: '/api/plan', headers: { 'content-type': 'text/plain' }, payload: '{}' });
    assert.equal(plan.statusCode, 415);
    assert.equal(fx.instance.listRuns().length, 0);
  });

  test('the UI itself (own origin, JSON) still launches', async () => {
    const res = await launch({ origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin', 'content-type': 'application/json; charset=utf-8' });
    assert.equal(res.statusCode, 202, res.body);
    assert.equal((await fx.instance.waitForRun(res.json().runId)).status, 'succeeded');
    const curl = await fx.app.inject({ method: 'POST', url: '/api/plan', headers: { 'content-type': 'application/json' }, payload: '{"selection":"raw/orders"}' });
    assert.equal(curl.statusCode, 200, 'a client that sends no Origin (curl, the CLI) is not a browser page');
  });

  test('reads are not subject to the content-type rule', async () => {
    assert.equal((await fx.app.inject({ url: '/api/info', headers: { origin: 'null' } })).statusCode, 200);
  });
});

describe('deeply nested JSON bodies', () => {
  test('an array nested 10,000 deep (within 64 KiB) is a 400 naming the limit, not a 500', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    assert.ok(deep.length < 64 * 1024);
    const res = await fx.app.inject({ method: 'POST', url: '/api/plan', headers: { 'content-type': 'application/json' }, payload: deep });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().code, 'QUARRY_BAD_ARGUMENT');
    assert.match(res.json().message, /nests more than 32 arrays\/objects deep/);
  });

  test('a deeply nested object, inside a valid field, is a 400 too', async () => {
    const depth = 5000;
    const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    for (const payload of [nested, `{"selection":"raw/orders","partitions":${nested}}`]) {
      const res = await fx.app.inject({ method: 'POST', url: '/api/plan', headers: { 'content-type': 'application/json' }, payload });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().message, /nests more than 32/);
    }
  });

  test('jsonNestingDepth ignores brackets inside strings and stops early', () => {
    assert.equal(jsonNestingDepth('{"a":[1,{"b":"[[[{{{"}]}'), 3);
    assert.equal(jsonNestingDepth('"\\"[["'), 0);
    assert.equal(jsonNestingDepth('[[[[[[[[', 3), 4);
  });
});
