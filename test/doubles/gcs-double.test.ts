// The GCS JSON API double on its own, over raw HTTP: the protocol details the store tests do not
// reach (delimiter listings, preconditions on delete, error bodies, BlobAccess visible over the API).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startGcsDouble } from './gcs-double.ts';

const auth = { authorization: 'Bearer test-token' };

test('list with a delimiter returns objects and prefixes, paged across both', async () => {
  const gcs = await startGcsDouble({ buckets: ['lake'] });
  try {
    for (const name of ['raw/a/1', 'raw/a/2', 'raw/b/1', 'raw/top', 'raw/c/1', 'other/x']) await gcs.objects.write('lake', name, new Uint8Array([1]));
    const page = async (query: string) => (await (await fetch(`${gcs.url}/storage/v1/b/lake/o?${query}`, { headers: auth })).json()) as { items?: { name: string }[]; prefixes?: string[]; nextPageToken?: string };
    const all = await page('prefix=raw/&delimiter=/');
    assert.deepEqual(all.items?.map((i) => i.name), ['raw/top']);
    assert.deepEqual(all.prefixes, ['raw/a/', 'raw/b/', 'raw/c/']);
    assert.equal(all.nextPageToken, undefined);
    const first = await page('prefix=raw/&delimiter=/&maxResults=2');
    assert.deepEqual([...(first.prefixes ?? []), ...(first.items ?? []).map((i) => i.name)], ['raw/a/', 'raw/b/']);
    const second = await page(`prefix=raw/&delimiter=/&maxResults=2&pageToken=${first.nextPageToken}`);
    assert.deepEqual([...(second.prefixes ?? []), ...(second.items ?? []).map((i) => i.name)], ['raw/c/', 'raw/top']);
    assert.equal(second.nextPageToken, undefined);
  } finally {
    await gcs.close();
  }
});

test('generations increase on every write; ifGenerationMatch and ifGenerationNotMatch fail with 412 as in GCS', async () => {
  const gcs = await startGcsDouble({ buckets: ['lake'] });
  try {
    const meta = async () => (await (await fetch(`${gcs.url}/storage/v1/b/lake/o/${encodeURIComponent('a/b.txt')}`, { headers: auth })).json()) as { generation: string; size: string };
    await gcs.objects.write('lake', 'a/b.txt', new Uint8Array([1, 2]));
    const one = await meta();
    await gcs.objects.write('lake', 'a/b.txt', new Uint8Array([1, 2, 3]));
    const two = await meta();
    assert.ok(BigInt(two.generation) > BigInt(one.generation));
    assert.equal(two.size, '3');
    const del = (query: string) => fetch(`${gcs.url}/storage/v1/b/lake/o/${encodeURIComponent('a/b.txt')}?${query}`, { method: 'DELETE', headers: auth });
    const stale = await del(`ifGenerationMatch=${one.generation}`);
    assert.equal(stale.status, 412);
    const body = await stale.json() as { error: { errors: { reason: string }[]; message: string } };
    assert.equal(body.error.errors[0]!.reason, 'conditionNotMet');
    assert.equal((await del(`ifGenerationNotMatch=${two.generation}`)).status, 412);
    assert.equal((await del(`ifGenerationMatch=${two.generation}`)).status, 204);
    const gone = await del('');
    assert.equal(gone.status, 404);
    assert.equal((await gone.json() as { error: { message: string } }).error.message, 'No such object: lake/a/b.txt');
    assert.equal(await gcs.objects.read('lake', 'a/b.txt'), undefined);
  } finally {
    await gcs.close();
  }
});

test('forbidden and missing buckets answer 403 and 404 with GCS-shaped bodies; BlobAccess refuses a missing bucket', async () => {
  const gcs = await startGcsDouble({ buckets: ['lake'], forbiddenBuckets: ['locked'] });
  try {
    const locked = await fetch(`${gcs.url}/storage/v1/b/locked/o/x`, { headers: auth });
    assert.equal(locked.status, 403);
    const lockedBody = await locked.json() as { error: { code: number; message: string; errors: { reason: string; domain: string }[] } };
    assert.equal(lockedBody.error.code, 403);
    assert.deepEqual(lockedBody.error.errors.map((e) => [e.reason, e.domain]), [['forbidden', 'global']]);
    assert.match(lockedBody.error.message, /does not have storage\.objects\.get access/);
    const missing = await fetch(`${gcs.url}/storage/v1/b/nope`, { headers: auth });
    assert.equal(missing.status, 404);
    assert.equal((await missing.json() as { error: { message: string } }).error.message, 'The specified bucket does not exist.');
    await assert.rejects(gcs.objects.write('nope', 'x', new Uint8Array()), /bucket "nope" does not exist/);
    gcs.createBucket('nope');
    await gcs.objects.write('nope', 'x', new Uint8Array([7]));
    const media = await fetch(`${gcs.url}/storage/v1/b/nope/o/x?alt=media`, { headers: auth });
    assert.deepEqual(new Uint8Array(await media.arrayBuffer()), new Uint8Array([7]));
    assert.match(media.headers.get('x-goog-hash') ?? '', /^crc32c=[A-Za-z0-9+/=]{8},md5=[A-Za-z0-9+/=]{24}$/);
  } finally {
    await gcs.close();
  }
});
