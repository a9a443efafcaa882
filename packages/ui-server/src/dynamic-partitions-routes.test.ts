import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openInstance, type Instance } from '@quarry/core';
import { buildApp } from './build-app.ts';
import { copyExampleProject, type ExampleProjectCopy } from './example-project-fixture.ts';

// GET /api/partitions/:name and POST /api/partitions/:name/keys (issue 11, point 9) on a real
// instance of a project whose one asset is partitioned by dynamic partitions named "shops".
const CONFIG = `import { defineAsset, defineProject, dynamicPartitions } from '@quarry/core';
import { z } from 'zod';

const shops = dynamicPartitions({ name: 'shops' });

export const sales = defineAsset({
  key: 'raw/shop_sales',
  partitions: shops,
  schema: z.object({ shop: z.string() }),
  compute: (ctx) => [{ shop: ctx.partition.firstKey }],
});

export default defineProject({ name: 'shops', assets: [sales] });
`;
const TOKEN = 'dynamic-token-0123456789';

let copy: ExampleProjectCopy;
let instance: Instance;
let app: FastifyInstance;

before(async () => {
  copy = copyExampleProject('hello');
  writeFileSync(join(copy.dir, 'quarry.config.ts'), CONFIG);
  instance = await openInstance({ projectDir: copy.dir, quarryHome: join(copy.dir, '.quarry') });
  app = await buildApp({ instance, token: TOKEN, web: false });
  await app.ready();
});
after(async () => {
  await app.close();
  await instance.close();
  copy.remove();
});

const change = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: `/api/partitions/${encodeURIComponent(name)}/keys`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    payload: JSON.stringify(body),
  });

async function missing(): Promise<number> {
  const [status] = await instance.status('raw/shop_sales');
  return status!.counts.missing;
}

describe('dynamic partitions API', () => {
  test('GET lists the keys; POST adds and removes them, and status follows', async () => {
    const empty = await app.inject('/api/partitions/shops');
    assert.equal(empty.statusCode, 200, empty.body);
    assert.deepEqual(empty.json(), { name: 'shops', keys: [], assets: ['raw/shop_sales'] });

    const added = await change('shops', { add: ['north', 'south'] });
    assert.equal(added.statusCode, 200, added.body);
    assert.deepEqual(added.json(), { name: 'shops', added: ['north', 'south'], alreadyPresent: [], removed: [], keys: ['north', 'south'], assets: ['raw/shop_sales'], removedMaterialized: [] });
    assert.equal(await missing(), 2, 'added keys are missing partitions');

    const { runId } = await instance.startRun({ selection: 'raw/shop_sales', partitions: { key: 'north' } });
    assert.equal((await instance.waitForRun(runId)).status, 'succeeded');

    const both = await change('shops', { add: ['east', 'south'], remove: ['north'] });
    assert.equal(both.statusCode, 200, both.body);
    assert.deepEqual(both.json(), {
      name: 'shops',
      added: ['east'],
      alreadyPresent: ['south'],
      removed: ['north'],
      keys: ['south', 'east'],
      assets: ['raw/shop_sales'],
      removedMaterialized: [{ key: 'north', assets: ['raw/shop_sales'] }],
    });
    assert.equal(await missing(), 2);
    assert.equal(instance.materializations('raw/shop_sales', { partition: 'north' }).length, 1, "north's version stays in the history");
    assert.deepEqual((await app.inject('/api/partitions/shops')).json().keys, ['south', 'east']);

    const back = await change('shops', { add: ['north'] });
    assert.deepEqual(back.json().keys, ['south', 'east', 'north'], 'a key added again comes back at the end');
    const [status] = await instance.status('raw/shop_sales');
    assert.deepEqual([status!.total, status!.counts.fresh, status!.counts.missing], [3, 1, 2], 'with its old version, which is still fresh');
    assert.equal((await change('shops', { remove: ['north'] })).statusCode, 200);
  });

  test('bad keys are 400s naming the key, and change nothing', async () => {
    const before = (await app.inject('/api/partitions/shops')).json().keys;
    const cases: [unknown, RegExp][] = [
      [{ add: ['west', 'west'] }, /"west" is given twice/],
      [{ add: [''] }, /empty key/],
      [{ add: ['bell\u0007'] }, /"bell\\u0007" .*control character/],
      [{ add: ['a|b'] }, /"a\|b" .*"\|"/],
      [{ add: ['k'.repeat(201)] }, /201 characters/],
      [{ remove: ['nowhere'] }, /Cannot remove "nowhere".*Nothing was changed/],
      [{ add: ['west'], remove: ['west'] }, /"west" is both added to and removed from/],
    ];
    for (const [body, message] of cases) {
      const answer = await change('shops', body);
      assert.equal(answer.statusCode, 400, `${JSON.stringify(body)}: ${answer.body}`);
      assert.equal(answer.json().code, 'QUARRY_BAD_PARTITION_KEY', answer.body);
      assert.match(answer.json().message, message);
    }
    const nothing = await change('shops', {});
    assert.equal(nothing.statusCode, 400);
    assert.equal(nothing.json().code, 'QUARRY_BAD_ARGUMENT');
    const unknownField = await change('shops', { add: ['x'], delete: ['y'] });
    assert.equal(unknownField.statusCode, 400);
    assert.match(unknownField.json().message, /unknown field\(s\) "delete"/);
    assert.deepEqual((await app.inject('/api/partitions/shops')).json().keys, before);
  });

  test('an unknown name is a 404 naming it and the known names', async () => {
    const get = await app.inject('/api/partitions/stores');
    assert.equal(get.statusCode, 404);
    assert.equal(get.json().code, 'QUARRY_UNKNOWN_DYNAMIC_PARTITIONS');
    assert.match(get.json().message, /named "stores": use one of "shops"/);
    assert.equal((await change('stores', { add: ['a'] })).statusCode, 404);
  });

  test('changes need the token, a JSON content type and the same origin', async () => {
    const noToken = await change('shops', { add: ['z1'] }, { authorization: '' });
    assert.equal(noToken.statusCode, 401, noToken.body);
    const form = await app.inject({ method: 'POST', url: '/api/partitions/shops/keys', headers: { 'content-type': 'text/plain', authorization: `Bearer ${TOKEN}` }, payload: '{"add":["z2"]}' });
    assert.equal(form.statusCode, 415, form.body);
    const foreign = await change('shops', { add: ['z3'] }, { origin: 'http://evil.example' });
    assert.equal(foreign.statusCode, 403, foreign.body);
    assert.ok(!(await app.inject('/api/partitions/shops')).json().keys.some((k: string) => k.startsWith('z')), 'no refused request added a key');
  });

  test('the OpenAPI document describes both routes, the POST as needing the token', async () => {
    const doc = (await app.inject('/api/openapi.json')).json();
    assert.ok(doc.paths['/api/partitions/{name}'].get);
    const post = doc.paths['/api/partitions/{name}/keys'].post;
    assert.ok(post.requestBody.content['application/json'].schema.properties.add);
    assert.deepEqual(post.security, [{ bearerToken: [] }, {}]);
  });
});
