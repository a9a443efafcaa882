import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { openSqliteCatalog } from '../catalog/index.ts';
import { notNull } from '../checks/index.ts';
import { defineAsset } from '../definitions/index.ts';
import { createDuckDbEngine } from '../engines/duckdb/index.ts';
import type { Engine } from '../engines/index.ts';
import { dailyPartitions } from '../partitions/index.ts';
import { createLocalObjectStore } from '../storage/index.ts';
import { auditPartition } from './partition-audit.ts';

const daily = dailyPartitions({ start: '2026-01-01' });
const FILE = 'raw/videos/2026-01-03/v1.parquet';

test('a staged partition is audited in the SQL dialect of the engine that holds it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-partition-audit-'));
  const lake = join(dir, 'lake');
  await mkdir(join(lake, 'raw/videos/2026-01-03'), { recursive: true });
  const writer = await DuckDBInstance.create(':memory:');
  const connection = await writer.connect();
  await connection.run(`COPY (SELECT * FROM (VALUES (1, 'a'), (2, NULL), (3, 'c')) t(video_id, title)) TO '${join(lake, FILE)}' (FORMAT parquet)`);
  connection.closeSync();
  writer.closeSync();
  const engine = await createDuckDbEngine({ store: createLocalObjectStore({ root: lake }), tempDir: join(dir, 'tmp') });
  const catalog = openSqliteCatalog({ path: join(dir, 'catalog.db') });
  try {
    const asset = defineAsset({ key: 'raw/videos', partitions: daily, sql: 'SELECT 1 AS video_id', checks: [notNull(['title'])] });
    const ctx = { now: new Date('2026-01-10T00:00:00Z') };
    const audit = (on: Engine) =>
      auditPartition({ asset, partitionKey: '2026-01-03', partitionIndex: 2, scope: { keys: ['2026-01-03'], firstKey: '2026-01-03', lastKey: '2026-01-03', start: new Date('2026-01-03T00:00:00Z'), end: new Date('2026-01-04T00:00:00Z') }, files: [FILE], engine: on, catalog, ctx });
    const sqlSeen = (dialect: Engine['dialect']) => {
      const seen: string[] = [];
      // The real engine runs every query; this view of it only records the SQL and declares a dialect.
      const view: Engine = Object.assign(Object.create(engine) as Engine, {
        dialect,
        query: (sql: string, options?: Parameters<Engine['query']>[1]) => {
          seen.push(sql);
          return engine.query(sql, options);
        },
      });
      return { view, seen };
    };

    // An engine that names no dialect runs DuckDB SQL, and the check finds the one missing title.
    const duckdb = sqlSeen(undefined);
    const local = await audit(duckdb.view);
    assert.equal(local.results[0]?.status, 'failed');
    assert.equal(local.results[0]?.failingCount, 1);
    assert.ok(duckdb.seen.some((sql) => sql.includes('FILTER (WHERE "title" IS NULL)')), duckdb.seen.join('\n'));

    // A BigQuery engine gets BigQuery SQL (backtick identifiers, COUNTIF), never DuckDB's.
    const bigquery = sqlSeen('bigquery');
    await audit(bigquery.view);
    assert.ok(bigquery.seen.length > 0);
    assert.ok(bigquery.seen.some((sql) => sql.includes('COUNTIF(`title` IS NULL)')), bigquery.seen.join('\n'));
    assert.ok(!bigquery.seen.some((sql) => sql.includes('FILTER (WHERE') || sql.includes('"title"')), bigquery.seen.join('\n'));
  } finally {
    catalog.close();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
});
