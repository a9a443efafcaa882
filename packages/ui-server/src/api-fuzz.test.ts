import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openExampleApp, type ExampleApp } from './example-project-fixture.ts';

// Bounded random requests against every documented route of a real server (a copy of
// examples/hello with one materialized run): documented and odd methods, paths built from the
// OpenAPI document with random path parameters, random query strings, random and malformed bodies,
// wrong content types and odd headers. No answer may be a 5xx, the server must keep answering, and
// the heap must stay bounded. Plans are capped at 10 partitions so a random launch stays small.
const TOKEN = 'fuzz-token-0123456789';
let fx: ExampleApp;
let runId: string;

before(async () => {
  fx = await openExampleApp({ token: TOKEN, limits: { maxPlanPartitions: 10, maxPlanSteps: 10 } });
  ({ runId } = await fx.instance.startRun({ selection: 'raw/orders', partitions: { key: '2026-01-01' } }));
  await fx.instance.waitForRun(runId);
});
after(() => fx.close());

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly query: readonly string[];
}

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', '..', '../../etc/passwd', '%00', 'raw/orders', 'raw%2Forders', '2026-01-01', '2026-02-30', '*', '+raw/orders+', 'group:x', "' or 1=1 --", '\u0000', 'a'.repeat(400), '-1', '1e9', '99999999999999'),
);
const pathParam = fc.oneof(fc.constantFrom('raw%2Forders', 'marts%2Frevenue_7d', 'nope', 'r_x', '..', '%2e%2e', '%E0%A4%A', 'a'.repeat(301)), text.map(encodeURIComponent));
const body = fc.oneof(
  fc
    .record({ day: fc.integer({ min: 1, max: 31 }), force: fc.boolean(), range: fc.boolean() })
    .map(({ day, force, range }) => {
      const key = `2026-01-${String(day).padStart(2, '0')}`;
      return JSON.stringify({ selection: 'raw/orders', partitions: range ? { from: key, to: key } : { key }, ...(force ? { force } : {}) });
    }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.record(
    {
      selection: fc.oneof(text, fc.constantFrom('raw/orders', 'raw/orders+', '*')),
      partitions: fc.oneof(fc.record({ key: text }), fc.record({ from: text, to: text }), fc.record({ keys: fc.array(text, { maxLength: 5 }) }), fc.jsonValue({ maxDepth: 2 })),
      force: fc.oneof(fc.boolean(), text),
      concurrency: fc.oneof(fc.integer(), fc.double()),
      offset: fc.integer(),
      limit: fc.integer(),
      tags: fc.dictionary(text, text, { maxKeys: 3 }),
    },
    { requiredKeys: [] },
  ).map((v) => JSON.stringify(v)),
  text,
  fc.constantFrom('', '{', '{"selection":', 'null', '[]', '"x"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '['.repeat(2000), '{"a":'.repeat(500), 'x'.repeat(70 * 1024)),
  fc.constantFrom('['.repeat(8000) + ']'.repeat(8000), '{"a":'.repeat(4000) + '1' + '}'.repeat(4000), `{"selection":"raw/orders","partitions":${'['.repeat(6000)}${']'.repeat(6000)}}`),
);
const contentType = fc.constantFrom(undefined, 'application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=z', 'application/jsonx', ';;;', 'application/json\u00e9');
const oddHeaders = fc.record(
  {
    origin: fc.constantFrom('null', 'http://evil.example', 'http://localhost:80', 'http://localhost', ''),
    host: fc.constantFrom('localhost', '127.0.0.1:3000', 'localhost:80', 'evil.example', '[::1]:1', ''),
    authorization: fc.oneof(fc.constant(`Bearer ${TOKEN}`), fc.constant('Bearer '), text.map((t) => `Bearer ${t.replace(/[^\x20-\x7e]/g, '')}`)),
    'x-quarry-token': fc.constantFrom(TOKEN, 'short', ''),
    'sec-fetch-site': fc.constantFrom('same-origin', 'cross-site', 'none', 'same-site'),
    'last-event-id': fc.constantFrom('0', '-1', 'abc', '99999999999999999999'),
    'if-none-match': fc.constantFrom('*', '"x"'),
    accept: fc.constantFrom('text/event-stream', '*/*', 'application/xml'),
  },
  { requiredKeys: [] },
);
const headers = fc.oneof(fc.constant({ authorization: `Bearer ${TOKEN}` }), fc.constant({}), oddHeaders);

test('random requests to every documented route never get a 5xx, never crash the server, and stay within bounded memory', async () => {
  const doc = (await fx.app.inject('/api/openapi.json')).json() as { paths: Record<string, Record<string, { parameters: { name: string; in: string }[] }>> };
  const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, query: op.parameters.filter((p) => p.in === 'query').map((p) => p.name) })),
  );
  assert.ok(operations.length >= 18);
  const heapBefore = process.memoryUsage().heapUsed;
  let count = 0;
  const seen = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...operations),
      fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') }),
      fc.array(pathParam, { minLength: 2, maxLength: 2 }),
      fc.array(fc.tuple(fc.oneof(fc.constantFrom('selection', 'partition', 'from', 'to', 'offset', 'limit', 'afterId'), text), text), { maxLength: 4 }),
      fc.option(body, { nil: undefined }),
      contentType,
      headers,
      fc.constantFrom('', '/', '/x', '?', '#'),
      async (op, otherMethod, params, queryPairs, payload, type, extra, tail) => {
        let i = 0;
        const path = op.path.replace(/\{[A-Za-z]+\}/g, (name) => (name === '{runId}' && params[i] === 'r_x' ? (i++, runId) : params[i++]!)) + tail;
        const named = queryPairs.map(([k, v], j) => [j === 0 && op.query.length > 0 ? op.query[Math.abs(v.length) % op.query.length]! : k, v] as const);
        const query = named.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const method: string = otherMethod ?? op.method;
        const res = await fx.app.inject({
          method: method as 'GET',
          url: `${path}${query ? `?${query}` : ''}`,
          headers: { ...extra, ...(type !== undefined ? { 'content-type': type } : {}) },
          ...(payload !== undefined && method !== 'GET' && method !== 'HEAD' ? { payload } : {}),
        });
        count++;
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        assert.ok(res.statusCode < 500, `${method} ${path}?${query} [${type}] ${JSON.stringify(extra)} ${payload?.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`);
        if (res.statusCode >= 400 && method !== 'HEAD') {
          const error = res.json() as { statusCode: number; code: string; message: string };
          assert.equal(error.statusCode, res.statusCode);
          assert.match(error.code, /^QUARRY_/);
          assert.ok(error.message.length > 0);
        }
      },
    ),
    { numRuns: 400, seed: 20261203, endOnFailure: true },
  );
  // Runs a random request launched are small (at most 10 partitions); let them finish.
  for (const run of fx.instance.listRuns({ limit: 500 })) await fx.instance.waitForRun(run.id);
  assert.equal(count, 400);
  console.log(`answers by status: ${JSON.stringify(Object.fromEntries([...seen].sort((a, b) => a[0] - b[0])))}`);
  assert.ok((seen.get(200) ?? 0) > 0 && (seen.get(400) ?? 0) > 0, `a mix of answers: ${JSON.stringify([...seen])}`);
  assert.equal((await fx.app.inject({ url: '/api/info' })).statusCode, 200, 'the server still answers');
  const grown = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  assert.ok(grown < 500, `heap grew by ${Math.round(grown)} MB`);
});
