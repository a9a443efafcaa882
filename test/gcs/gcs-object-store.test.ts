// GcsObjectStore behaviour beyond the conformance suite, through the real @google-cloud/storage
// client and the GCS JSON API double: paging, resumable uploads, preconditions, and the errors a
// user sees for a forbidden or missing bucket and for missing credentials.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isQuarryError } from '../../packages/core/src/errors.ts';
import { createGcsObjectStore, DEFAULT_RESUMABLE_THRESHOLD } from '../../packages/core/src/storage/gcs/index.ts';
import type { GcsObjectStoreConfig } from '../../packages/core/src/storage/gcs/index.ts';
import { startGcsDouble } from '../doubles/gcs-double.ts';
import type { GcsDouble } from '../doubles/gcs-double.ts';

const decoder = new TextDecoder();

async function withDouble(fn: (gcs: GcsDouble) => Promise<void>, options: Parameters<typeof startGcsDouble>[0] = { buckets: ['lake'] }): Promise<void> {
  const gcs = await startGcsDouble(options);
  try {
    await fn(gcs);
  } finally {
    await gcs.close();
  }
}

function storeOn(gcs: GcsDouble, config: Partial<GcsObjectStoreConfig> = {}) {
  return createGcsObjectStore({ bucket: 'lake', apiEndpoint: gcs.url, accessToken: 'test-token', ...config });
}

async function paths(iterable: AsyncIterable<{ path: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of iterable) out.push(entry.path);
  return out;
}

test('list pages through maxResults-sized pages with pageToken and strips the store prefix', () => withDouble(async (gcs) => {
  const store = storeOn(gcs, { prefix: 'tiktok', listPageSize: 2 });
  const names = ['raw/videos/2026-01-15/v1.parquet', 'raw/videos/2026-01-16/v1.parquet', 'raw/videos/2026-01-17/v1.parquet', 'raw/videos/2026-01-18/v1.parquet', 'raw/videos/2026-01-19/v1.parquet', 'raw/creators/2026-01-15/v1.parquet', 'top.txt'];
  for (const name of names) await store.put(name, name);
  // Objects other tools left: outside the prefix, a console "folder" placeholder, a name no lake path has.
  await gcs.objects.write('lake', 'elsewhere/raw/videos/x.parquet', new Uint8Array([1]));
  await gcs.objects.write('lake', 'tiktok/raw/videos/', new Uint8Array());
  await gcs.objects.write('lake', 'tiktok/raw/videos//odd', new Uint8Array([1]));

  gcs.requests.length = 0;
  assert.deepEqual(await paths(store.list('raw/videos/')), names.slice(0, 5));
  const lists = gcs.requests.filter((r) => r.route === 'GET /storage/v1/b/{bucket}/o');
  // 7 objects under tiktok/raw/videos/ (5 lake files, the placeholder, the odd name), 2 a page: 4 requests.
  assert.equal(lists.length, 4, JSON.stringify(lists));
  assert.ok(lists.every((r) => r.query.prefix === 'tiktok/raw/videos/' && r.query.maxResults === '2'));
  assert.equal(lists[0]!.query.pageToken, undefined);
  assert.ok(lists.slice(1).every((r) => typeof r.query.pageToken === 'string' && r.query.pageToken !== ''));

  assert.deepEqual(await paths(store.list('')), [...names].sort());
  assert.equal(store.uri('top.txt'), 'gs://lake/tiktok/top.txt');
  assert.deepEqual(await gcs.objects.list('lake', 'tiktok/top'), ['tiktok/top.txt']);
}));

test('big objects upload through a resumable session, small ones in one multipart request', () => withDouble(async (gcs) => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-gcs-big-'));
  try {
    const store = storeOn(gcs);
    const size = DEFAULT_RESUMABLE_THRESHOLD + 123_457;
    const big = new Uint8Array(size).map((_, i) => (i * 31 + 7) % 251);
    const local = join(dir, 'big.parquet');
    await writeFile(local, big);

    gcs.requests.length = 0;
    await store.putFile('raw/videos/2026-01-15/big.parquet', local);
    await assert.rejects(access(local), 'putFile took the local file');
    // The session is opened (authenticated, with the precondition), asked for its offset, then sent the bytes.
    const uploads = gcs.requests.filter((r) => r.route.includes('/upload/')).map((r) => `${r.route} ${r.headers['content-range'] ?? ''}`.trim());
    assert.deepEqual(uploads, [
      'POST /upload/storage/v1/b/{bucket}/o?uploadType=resumable',
      'PUT /upload/storage/v1/b/{bucket}/o?uploadType=resumable&upload_id bytes */*',
      'PUT /upload/storage/v1/b/{bucket}/o?uploadType=resumable&upload_id bytes N-*/*',
    ]);
    assert.equal(gcs.requests[0]!.query.ifGenerationMatch, '0', 'the session is create-only');
    assert.deepEqual(await gcs.objects.read('lake', 'raw/videos/2026-01-15/big.parquet'), big);
    assert.deepEqual(await store.get('raw/videos/2026-01-15/big.parquet'), big);
    assert.equal((await store.stat('raw/videos/2026-01-15/big.parquet'))?.size, size);

    // put of a big buffer takes the same path; replacing it makes the session conditional on the generation read.
    const generation = (await store.stat('raw/videos/2026-01-15/big.parquet'))!.generation;
    gcs.requests.length = 0;
    const replacement = big.map((b) => 255 - b);
    await store.put('raw/videos/2026-01-15/big.parquet', replacement);
    const sessions = gcs.requests.filter((r) => r.route === 'POST /upload/storage/v1/b/{bucket}/o?uploadType=resumable');
    assert.deepEqual(sessions.map((r) => r.query.ifGenerationMatch), ['0', generation]);
    assert.deepEqual(await store.get('raw/videos/2026-01-15/big.parquet'), replacement);

    gcs.requests.length = 0;
    await store.put('small.txt', 'small');
    assert.deepEqual(gcs.requests.map((r) => `${r.route} ifGenerationMatch=${r.query.ifGenerationMatch}`), ['POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart ifGenerationMatch=0']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}));

test('put replaces an object only at the generation it read: create-only first, 412, then conditional on the current generation', () => withDouble(async (gcs) => {
  const store = storeOn(gcs);
  await store.put('a.txt', 'one');
  const first = (await store.stat('a.txt'))!;
  gcs.requests.length = 0;
  await store.put('a.txt', 'two');
  assert.deepEqual(gcs.requests.map((r) => `${r.method} ${r.route.split(' ')[1]} ifGenerationMatch=${r.query.ifGenerationMatch ?? '-'}`), [
    'POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart ifGenerationMatch=0',
    'GET /storage/v1/b/{bucket}/o/{object} ifGenerationMatch=-',
    `POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart ifGenerationMatch=${first.generation}`,
  ]);
  const second = (await store.stat('a.txt'))!;
  assert.ok(BigInt(second.generation) > BigInt(first.generation), 'a write makes a new generation');
  assert.equal(decoder.decode(await store.get('a.txt')), 'two');
  assert.equal(typeof second.crc32c, 'string');
  assert.equal(typeof second.md5Hash, 'string');
}));

test('a transient 503 is retried: an upload by the client, as each carries a generation precondition; a download and a delete by the store, with no uncaught error on Node 24', () => withDouble(async (gcs) => {
  const store = storeOn(gcs);
  gcs.failNext(1);
  await store.put('a.txt', 'one');
  assert.deepEqual(gcs.requests.map((r) => `${r.route} ifGenerationMatch=${r.query.ifGenerationMatch}`), [
    'POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart ifGenerationMatch=0',
    'POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart ifGenerationMatch=0',
  ]);
  assert.equal(decoder.decode(await store.get('a.txt')), 'one');
  // A download is retried by the store itself (the client library's streaming retry throws an
  // uncaught ERR_STREAM_UNABLE_TO_PIPE on Node 24, which would end the process).
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => { uncaught.push(error); };
  process.on('uncaughtException', onUncaught);
  try {
    const before = gcs.requests.length;
    gcs.failNext(1);
    assert.equal(decoder.decode(await store.get('a.txt')), 'one');
    assert.deepEqual(gcs.requests.slice(before).map((r) => r.method), ['GET', 'GET']);
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off('uncaughtException', onUncaught);
  }
  assert.deepEqual(uncaught, []);
  // A failure that outlasts the retries is a QUARRY_STORE_ERROR naming the object and the status.
  gcs.failNext(100, 400);
  await assert.rejects(store.get('a.txt'), (error: unknown) => isQuarryError(error, 'QUARRY_STORE_ERROR') && error.message.startsWith('Cannot read gs://lake/a.txt: GCS failed with HTTP 400 (We encountered an internal error. Please try again.)'));
  gcs.failNext(0);
  // A delete too: the client library retries one only under a generation precondition.
  const before = gcs.requests.length;
  gcs.failNext(1);
  await store.delete('a.txt');
  assert.deepEqual(gcs.requests.slice(before).map((r) => r.method), ['DELETE', 'DELETE']);
  assert.equal(await store.exists('a.txt'), false);
}));

test('an unfinished resumable upload is never visible: the object appears only when its session completes', () => withDouble(async (gcs) => {
  const store = storeOn(gcs, { prefix: 'lake/' });
  await store.put('p/v1.parquet', 'old');
  const auth = { authorization: 'Bearer test-token' };
  const start = await fetch(`${gcs.url}/upload/storage/v1/b/lake/o?uploadType=resumable&name=${encodeURIComponent('lake/p/v1.parquet')}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(start.status, 200);
  const session = start.headers.get('location')!;
  const partial = await fetch(session, { method: 'PUT', headers: { 'content-range': 'bytes 0-4/10' }, body: 'new-a' });
  assert.equal(partial.status, 308);
  assert.equal(partial.headers.get('range'), 'bytes=0-4');
  assert.equal(decoder.decode(await store.get('p/v1.parquet')), 'old', 'half an upload changes nothing');
  assert.equal((await store.stat('p/v1.parquet'))?.size, 3);
  assert.deepEqual(await paths(store.list('')), ['p/v1.parquet']);
  const rest = await fetch(session, { method: 'PUT', headers: { 'content-range': 'bytes 5-9/10' }, body: '-new!' });
  assert.equal(rest.status, 200);
  assert.equal(decoder.decode(await store.get('p/v1.parquet')), 'new-a-new!');
}));

test('a bucket without access is a QUARRY_STORE_ACCESS_DENIED naming the bucket, the object, GCS\'s message and the role to grant', () => withDouble(async (gcs) => {
  const store = storeOn(gcs, { bucket: 'locked-lake', prefix: 'tiktok/' });
  const denied = (operation: string, object: string) => (error: unknown) => {
    assert.ok(isQuarryError(error, 'QUARRY_STORE_ACCESS_DENIED'), String(error));
    assert.match(error.message, new RegExp(`^Cannot ${operation} gs://locked-lake/tiktok/${object.replace(/[.*]/g, '\\$&')}: access to bucket "locked-lake" was denied`));
    assert.match(error.message, /GCS said: quarry-test@quarry-double\.iam\.gserviceaccount\.com does not have storage\.objects\.\w+ access/);
    assert.match(error.message, /roles\/storage\.objectAdmin/);
    assert.equal(error.details?.status, 403);
    return true;
  };
  await assert.rejects(store.put('raw/v1.parquet', 'x'), denied('write', 'raw/v1.parquet'));
  await assert.rejects(store.put('raw/big.parquet', new Uint8Array(DEFAULT_RESUMABLE_THRESHOLD)), denied('write', 'raw/big.parquet'));
  await assert.rejects(store.get('raw/v1.parquet'), denied('read', 'raw/v1.parquet'));
  await assert.rejects(store.stat('raw/v1.parquet'), denied('stat', 'raw/v1.parquet'));
  await assert.rejects(store.exists('raw/v1.parquet'), denied('stat', 'raw/v1.parquet'));
  await assert.rejects(store.delete('raw/v1.parquet'), denied('delete', 'raw/v1.parquet'));
  await assert.rejects(paths(store.list('raw/')), denied('list', 'raw/*'));
}, { buckets: ['lake'], forbiddenBuckets: ['locked-lake'] }));

test('a missing bucket is a QUARRY_STORE_BUCKET_NOT_FOUND, not an absent object', () => withDouble(async (gcs) => {
  const store = storeOn(gcs, { bucket: 'no-such-lake' });
  const missing = (error: unknown) => {
    assert.ok(isQuarryError(error, 'QUARRY_STORE_BUCKET_NOT_FOUND'), String(error));
    assert.match(error.message, /bucket "no-such-lake" does not exist \(GCS said: The specified bucket does not exist\.\)/);
    assert.match(error.message, /gcloud storage buckets create gs:\/\/no-such-lake/);
    return true;
  };
  await assert.rejects(store.stat('a.txt'), missing);
  await assert.rejects(store.exists('a.txt'), missing);
  await assert.rejects(store.get('a.txt'), missing);
  await assert.rejects(store.delete('a.txt'), missing);
  await assert.rejects(store.put('a.txt', 'x'), missing);
  await assert.rejects(paths(store.list('')), missing);
  gcs.createBucket('no-such-lake');
  await store.put('a.txt', 'x');
  assert.equal(await store.exists('a.txt'), true);
}));

test('without a token or Application Default Credentials, every operation is a QUARRY_CLOUD_CREDENTIALS saying how to log in', () => withDouble(async (gcs) => {
  const home = await mkdtemp(join(tmpdir(), 'quarry-gcs-noadc-'));
  const saved = { ...process.env };
  try {
    // No ADC anywhere: no key file, no gcloud login under HOME, no metadata server probe (which would leave loopback).
    delete process.env.QUARRY_GCP_ACCESS_TOKEN;
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.HOME = home;
    process.env.METADATA_SERVER_DETECTION = 'none';
    const store = createGcsObjectStore({ bucket: 'lake', apiEndpoint: gcs.url });
    const noCredentials = (error: unknown) => {
      assert.ok(isQuarryError(error, 'QUARRY_CLOUD_CREDENTIALS'), String(error));
      assert.match(error.message, /^Cannot \w+ gs:\/\/lake\/a\.txt: no usable Google Cloud credentials \((GCS|the auth library) said: .+\)\. To fix, run `gcloud auth application-default login`/);
      assert.match(error.message, /QUARRY_GCP_ACCESS_TOKEN/);
      return true;
    };
    await assert.rejects(store.put('a.txt', 'x'), noCredentials);
    await assert.rejects(store.stat('a.txt'), noCredentials);
    await assert.rejects(store.get('a.txt'), noCredentials);
    assert.ok(gcs.requests.length > 0 && gcs.requests.every((r) => r.headers.authorization === undefined), 'the double saw only unauthenticated requests (and refused them)');
    assert.equal(await gcs.objects.read('lake', 'a.txt'), undefined);

    // The same store settings with QUARRY_GCP_ACCESS_TOKEN set work.
    process.env.QUARRY_GCP_ACCESS_TOKEN = 'env-token';
    const withToken = createGcsObjectStore({ bucket: 'lake', apiEndpoint: gcs.url });
    await withToken.put('a.txt', 'x');
    assert.equal(gcs.requests.at(-1)!.headers.authorization, 'Bearer …');
    assert.equal(decoder.decode(await withToken.get('a.txt')), 'x');
    // An expired token: GCS answers 401, and the message says to print a fresh one.
    gcs.failNext(1, 401);
    await assert.rejects(withToken.stat('a.txt'), (error: unknown) => isQuarryError(error, 'QUARRY_CLOUD_CREDENTIALS') && /the access token in QUARRY_GCP_ACCESS_TOKEN was refused: print a fresh one with `gcloud auth print-access-token`/.test(error.message));
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await rm(home, { recursive: true, force: true });
  }
}));

test('sweepTemporary finds nothing to remove and leaves every object (GCS has no temporary objects)', () => withDouble(async (gcs) => {
  const store = storeOn(gcs);
  await store.put('a/v1.parquet', 'x');
  await gcs.objects.write('lake', 'a/.quarry-tmp-v2.parquet-1-abc', new Uint8Array([1]));
  assert.deepEqual(await store.sweepTemporary(new Date(Date.now() + 3_600_000)), { removed: [], bytes: 0 });
  assert.deepEqual(await gcs.objects.list('lake', ''), ['a/.quarry-tmp-v2.parquet-1-abc', 'a/v1.parquet']);
  assert.deepEqual(await paths(store.list('')), ['a/v1.parquet'], 'a name reserved for temporaries is never listed');
}));

test('checkAccess fails early with the same clear errors, in one request that needs only storage.objects.list', () => withDouble(async (gcs) => {
  await storeOn(gcs, { prefix: 'tiktok/' }).checkAccess();
  assert.deepEqual(gcs.requests.map((r) => `${r.route} ${JSON.stringify(r.query)}`), ['GET /storage/v1/b/{bucket}/o {"prefix":"tiktok/","maxResults":"1"}']);
  await assert.rejects(storeOn(gcs, { bucket: 'locked-lake' }).checkAccess(), (error: unknown) => isQuarryError(error, 'QUARRY_STORE_ACCESS_DENIED') && error.message.startsWith('Cannot list gs://locked-lake/: access to bucket "locked-lake" was denied') && error.message.includes('storage.objects.list'));
  await assert.rejects(storeOn(gcs, { bucket: 'missing-lake' }).checkAccess(), (error: unknown) => isQuarryError(error, 'QUARRY_STORE_BUCKET_NOT_FOUND'));
}, { buckets: ['lake'], forbiddenBuckets: ['locked-lake'] }));

test('bad configuration is a QUARRY_BAD_CONFIG naming the value', () => {
  assert.throws(() => createGcsObjectStore({ bucket: 'gs://acme-lake' }), (error: unknown) => isQuarryError(error, 'QUARRY_BAD_CONFIG') && error.message.includes('"gs://acme-lake"') && error.message.includes('without gs://'));
  assert.throws(() => createGcsObjectStore({ bucket: 'acme-lake', prefix: '../up' }), (error: unknown) => isQuarryError(error, 'QUARRY_BAD_CONFIG') && error.message.includes('"../up"'));
  assert.throws(() => createGcsObjectStore({ bucket: 'acme-lake', listPageSize: 5000 }), (error: unknown) => isQuarryError(error, 'QUARRY_BAD_CONFIG') && error.message.includes('5000'));
});

test('the double refuses requests without a bearer token with a GCS-shaped 401', () => withDouble(async (gcs) => {
  const response = await fetch(`${gcs.url}/storage/v1/b/lake/o`);
  assert.equal(response.status, 401);
  const body = await response.json() as { error: { code: number; message: string; errors: { reason: string }[] } };
  assert.equal(body.error.code, 401);
  assert.equal(body.error.errors[0]!.reason, 'required');
  assert.match(body.error.message, /^Anonymous caller does not have/);
  const bucket = await fetch(`${gcs.url}/storage/v1/b/lake`, { headers: { authorization: 'Bearer t' } });
  assert.equal(bucket.status, 200);
  assert.equal((await bucket.json() as { name: string }).name, 'lake');
}));
