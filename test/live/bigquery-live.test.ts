/**
 * The engine conformance suite against real BigQuery and GCS, when a project is configured:
 * `QUARRY_GCP_PROJECT` (jobs run and are billed there), `QUARRY_GCS_BUCKET` (the lake; objects go
 * under a fresh `quarry-live/<uuid>/` prefix), optional `QUARRY_BQ_DATASET` (default `quarry_live`,
 * which must exist: `bq mk --dataset <project>:quarry_live`) and `QUARRY_BQ_LOCATION`, with
 * credentials from `QUARRY_GCP_ACCESS_TOKEN` or Application Default Credentials. Skipped, with that
 * reason, otherwise.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { bigquery } from '../../packages/core/src/definitions/index.ts';
import { createBigQueryEngine } from '../../packages/core/src/engines/bigquery/index.ts';
import { createDuckDbEngine } from '../../packages/core/src/engines/index.ts';
import { createGcsObjectStore } from '../../packages/core/src/storage/gcs/index.ts';
import { engineSuite } from '../conformance/engine-suite.ts';

const project = process.env['QUARRY_GCP_PROJECT'];
const bucket = process.env['QUARRY_GCS_BUCKET'];
const hasCredentials =
  Boolean(process.env['QUARRY_GCP_ACCESS_TOKEN']) ||
  Boolean(process.env['GOOGLE_APPLICATION_CREDENTIALS']) ||
  existsSync(join(homedir(), '.config', 'gcloud', 'application_default_credentials.json'));

const missing = [
  project ? undefined : 'QUARRY_GCP_PROJECT is not set',
  bucket ? undefined : 'QUARRY_GCS_BUCKET is not set',
  hasCredentials ? undefined : 'no credentials (QUARRY_GCP_ACCESS_TOKEN, GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`)',
].filter((m): m is string => m !== undefined);

if (missing.length > 0) {
  test('bigquery live conformance', { skip: `live BigQuery tests need a real project: ${missing.join('; ')}` }, () => {});
} else {
  engineSuite('bigquery (live)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quarry-bq-live-'));
    const store = createGcsObjectStore({ bucket: bucket!, prefix: `quarry-live/${randomUUID()}/` });
    const target = bigquery({ projectId: project!, dataset: process.env['QUARRY_BQ_DATASET'] ?? 'quarry_live', ...(process.env['QUARRY_BQ_LOCATION'] ? { location: process.env['QUARRY_BQ_LOCATION'] } : {}) });
    const engine = await createBigQueryEngine({ target, store, pollIntervalMs: { first: 250, max: 2000 } });
    const computeEngine = await createDuckDbEngine({ store, threads: 2, tempDir: dir });
    return {
      engine,
      store,
      capabilities: engine.capabilities,
      computeEngine,
      cleanup: async () => {
        await engine.vacuum({}).catch(() => undefined);
        for await (const entry of store.list('')) await store.delete(entry.path);
        await engine.close();
        await computeEngine.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
}
