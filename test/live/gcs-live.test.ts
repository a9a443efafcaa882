// The object store conformance suite against real Google Cloud Storage. It runs when
// QUARRY_GCP_PROJECT and QUARRY_GCS_BUCKET are set (credentials: Application Default Credentials,
// or QUARRY_GCP_ACCESS_TOKEN) and is skipped, saying why, otherwise. Each fixture writes under a
// fresh prefix `quarry-live/<random>/` and deletes what it wrote.
//
//   QUARRY_GCP_PROJECT=acme-data QUARRY_GCS_BUCKET=acme-scratch node scripts/run-tests.mjs gcs-live
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createGcsObjectStore } from '../../packages/core/src/storage/gcs/index.ts';
import { objectStoreSuite } from '../conformance/object-store-suite.ts';

const projectId = process.env.QUARRY_GCP_PROJECT;
const bucket = process.env.QUARRY_GCS_BUCKET;

if (projectId === undefined || projectId === '' || bucket === undefined || bucket === '') {
  test('object store conformance: gcs (live)', { skip: 'set QUARRY_GCP_PROJECT and QUARRY_GCS_BUCKET (and Google Cloud credentials) to run the object store suite against real GCS' }, () => undefined);
} else {
  objectStoreSuite(`gcs (live, gs://${bucket})`, async () => {
    const prefix = `quarry-live/${randomBytes(6).toString('hex')}/`;
    const store = createGcsObjectStore({ bucket, prefix, projectId });
    return {
      store,
      async cleanup() {
        const paths: string[] = [];
        for await (const entry of store.list('')) paths.push(entry.path);
        for (const path of paths) await store.delete(path);
      },
    };
  });
}
