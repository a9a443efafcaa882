// Migration 11 (targets, issue 13): the jobs an engine ran per step, with bytes processed and billed.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { isQuarryError } from '../../errors.ts';
import { migrateSqliteCatalog, SQLITE_MIGRATIONS } from './migrations.ts';
import { openSqliteCatalog } from './sqlite-catalog.ts';

test('migration 11 adds engine_jobs to a catalog at version 10, keeping its runs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-engine-jobs-'));
  const path = join(dir, 'catalog.sqlite');
  try {
    const db = new Database(path);
    migrateSqliteCatalog(db, path, SQLITE_MIGRATIONS, 10);
    assert.equal(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'engine_jobs'").pluck().get(), 0);
    db.close();
    const catalog = openSqliteCatalog({ path });
    try {
      const run = catalog.createRun({ kind: 'materialize', selection: '*' });
      catalog.recordEngineJobs([
        { runId: run.id, stepId: 'raw/a[2026-01-02]', assetKey: 'raw/a', partitions: ['2026-01-02'], jobId: 'quarry_r1_aa', kind: 'query', engine: 'bigquery', bytesProcessed: 1000, bytesBilled: 10_485_760 },
        { runId: run.id, stepId: 'raw/a[2026-01-02]', assetKey: 'raw/a', partitions: ['2026-01-02'], jobId: 'quarry_r1_ab', kind: 'copy', engine: 'bigquery' },
        { runId: run.id, stepId: 'marts/c[2026-01-02]', assetKey: 'marts/c', partitions: ['2026-01-02'], jobId: 'quarry_r1_ac', kind: 'query', engine: 'bigquery', bytesProcessed: 50, bytesBilled: 10_485_760 },
      ]);
      assert.deepEqual(catalog.engineJobs(run.id, { stepId: 'raw/a[2026-01-02]' }).map((j) => [j.jobId, j.kind, j.bytesProcessed, j.bytesBilled]), [
        ['quarry_r1_aa', 'query', 1000, 10_485_760],
        ['quarry_r1_ab', 'copy', null, null],
      ]);
      assert.equal(catalog.engineJobs(run.id).length, 3);
      assert.deepEqual(catalog.engineJobs('r_other'), []);
      const totals = catalog.engineJobTotals(run.id);
      assert.deepEqual(totals, {
        steps: [
          { stepId: 'raw/a[2026-01-02]', assetKey: 'raw/a', jobs: 2, bytesProcessed: 1000, bytesBilled: 10_485_760 },
          { stepId: 'marts/c[2026-01-02]', assetKey: 'marts/c', jobs: 1, bytesProcessed: 50, bytesBilled: 10_485_760 },
        ],
        jobs: 3,
        bytesProcessed: 1050,
        bytesBilled: 20_971_520,
      });
      assert.deepEqual(catalog.engineJobTotals('r_other'), { steps: [], jobs: 0, bytesProcessed: 0, bytesBilled: 0 });
      // Inside `atomically`, the jobs roll back with whatever fails after them (they are written with the version commit).
      assert.throws(() =>
        catalog.atomically(() => {
          catalog.recordEngineJobs([{ runId: run.id, stepId: 's', assetKey: 'raw/a', partitions: [], jobId: 'rolled_back', kind: 'query', engine: 'bigquery' }]);
          throw new Error('commit failed');
        }),
      );
      assert.equal(catalog.engineJobs(run.id).some((j) => j.jobId === 'rolled_back'), false);
      assert.throws(
        () => catalog.recordEngineJobs([{ runId: run.id, stepId: 's', assetKey: 'raw/a', partitions: [], jobId: 'j', kind: 'query', engine: 'bigquery', bytesBilled: -1 }]),
        (error: unknown) => isQuarryError(error, 'QUARRY_BAD_ARGUMENT') && /bytesBilled must be a whole number of bytes ≥ 0, got -1/.test(error.message),
      );
    } finally {
      catalog.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
