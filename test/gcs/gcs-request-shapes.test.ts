// The requests GcsObjectStore makes through @google-cloud/storage, as shapes (route, query keys,
// protocol headers), compared with test/fixtures/gcs-requests.json. When the client library
// changes how it talks to GCS, this test shows what changed, and the GCS double may need to follow.
//
// To regenerate the fixture after checking the change (and the double) by hand:
//   QUARRY_RECORD_FIXTURES=1 node scripts/run-tests.mjs gcs-request-shapes
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createGcsObjectStore } from '../../packages/core/src/storage/gcs/index.ts';
import { requestShape, startGcsDouble } from '../doubles/gcs-double.ts';

const FIXTURE = new URL('../fixtures/gcs-requests.json', import.meta.url);

interface Fixture {
  readonly client: string;
  /** One sample request of each shape, in first-seen order. */
  readonly samples: readonly { shape: string; method: string; path: string; query: Record<string, string> }[];
}

test('the store sends the request shapes recorded in test/fixtures/gcs-requests.json', async () => {
  const gcs = await startGcsDouble({ buckets: ['lake'] });
  const dir = await mkdtemp(join(tmpdir(), 'quarry-gcs-shapes-'));
  try {
    const store = createGcsObjectStore({ bucket: 'lake', prefix: 'lake/', apiEndpoint: gcs.url, accessToken: 'test-token', listPageSize: 2, resumableThreshold: 64 * 1024 });
    await store.put('a/v1.parquet', 'small');
    await store.put('a/v1.parquet', 'small, replaced');
    await store.put('a/v2.parquet', new Uint8Array(100 * 1024));
    await store.put('a/v2.parquet', new Uint8Array(100 * 1024).fill(1));
    await writeFile(join(dir, 'small'), 'file');
    await store.putFile('b/small.parquet', join(dir, 'small'));
    await writeFile(join(dir, 'big'), new Uint8Array(100 * 1024));
    await store.putFile('b/big.parquet', join(dir, 'big'));
    await store.get('a/v1.parquet');
    await store.get('a/v2.parquet');
    await store.stat('a/v1.parquet');
    await store.exists('missing.parquet');
    await assert.rejects(store.get('missing.parquet'));
    for await (const _ of store.list('')) void _;
    await store.delete('a/v1.parquet');
    await store.delete('missing.parquet');

    const samples: Fixture['samples'][number][] = [];
    for (const request of gcs.requests) {
      const shape = requestShape(request);
      if (!samples.some((s) => s.shape === shape)) samples.push({ shape, method: request.method, path: request.path, query: { ...request.query } });
    }
    const client = `@google-cloud/storage ${(JSON.parse(await readFile(new URL('../../node_modules/@google-cloud/storage/package.json', import.meta.url), 'utf8')) as { version: string }).version}`;
    if (process.env.QUARRY_RECORD_FIXTURES === '1') {
      await writeFile(FIXTURE, `${JSON.stringify({ client, samples } satisfies Fixture, null, 2)}\n`);
      return;
    }
    const recorded = JSON.parse(await readFile(FIXTURE, 'utf8')) as Fixture;
    assert.deepEqual(samples.map((s) => s.shape).sort(), recorded.samples.map((s) => s.shape).sort(),
      `The request shapes of ${client} differ from those recorded with ${recorded.client}. Check the GCS double still serves them, then regenerate: QUARRY_RECORD_FIXTURES=1 node scripts/run-tests.mjs gcs-request-shapes`);
  } finally {
    await gcs.close();
    await rm(dir, { recursive: true, force: true });
  }
});
