import { createGcsObjectStore } from '../../packages/core/src/storage/gcs/index.ts';
import { startGcsDouble } from '../doubles/gcs-double.ts';
import { objectStoreSuite } from './object-store-suite.ts';

// The suite, unchanged, against the real @google-cloud/storage client talking to the GCS double.
objectStoreSuite('gcs (JSON API double)', async () => {
  const gcs = await startGcsDouble({ buckets: ['quarry-lake'] });
  return {
    // A small page size and resumable threshold, so the suite's listings page and its 4 MiB objects go through resumable sessions.
    store: createGcsObjectStore({ bucket: 'quarry-lake', prefix: 'lake/', apiEndpoint: gcs.url, accessToken: 'test-token', listPageSize: 3, resumableThreshold: 1024 * 1024 }),
    cleanup: () => gcs.close(),
  };
});
