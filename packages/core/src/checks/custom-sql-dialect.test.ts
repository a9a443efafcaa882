import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { defineAsset } from '../definitions/index.ts';
import { loadSqlDialect, transpileSql } from '../dialect/index.ts';
import { isQuarryError } from '../errors.ts';
import { customSql } from './check-factories.ts';
import type { CheckQueryRunner } from './check-query-runner.ts';
import { compileCustomChecks } from './custom-sql-dialect.ts';
import { evaluateChecks } from './evaluate-checks.ts';

let connection: DuckDBConnection;
before(async () => {
  await loadSqlDialect();
  connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run("SET TimeZone = 'UTC'");
  await connection.run(
    "CREATE TABLE staged AS SELECT * FROM (VALUES ('a', TIMESTAMPTZ '2026-01-05 10:00:00+00'), ('b', TIMESTAMPTZ '2026-01-06 00:00:00+00'), ('c', TIMESTAMPTZ '2026-01-04 23:59:59+00')) v(id, updated_at)",
  );
});
after(() => connection.closeSync());

/** A BigQuery check runner that records the SQL it is sent and runs it on DuckDB, transpiled back. */
function bigQueryOnDuckDb(sent: string[]): CheckQueryRunner {
  return {
    dialect: 'bigquery',
    async query(sql: string) {
      sent.push(sql);
      const reader = await connection.runAndReadAll(transpileSql(sql, { from: 'bigquery', to: 'duckdb' }));
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    },
  };
}

const checks = [
  customSql({ name: 'no_future_timestamp', sql: "SELECT * FROM {{target}} WHERE updated_at >= timezone('UTC', {{partition_end}})" }),
  customSql({ name: 'resent_rows', severity: 'warn', sql: "SELECT * FROM {{target}} WHERE updated_at < timezone('UTC', {{partition_start}})" }),
];

test("custom check SQL is compiled for BigQuery: timezone('UTC', {{partition_end}}) is the window end's instant", async () => {
  const sent: string[] = [];
  const results = await evaluateChecks(bigQueryOnDuckDb(sent), checks, { target: 'staged' }, {
    assetKey: 'raw/creator_changes',
    partitionKey: '2026-01-05',
    partitionStart: new Date('2026-01-05T00:00:00Z'),
    partitionEnd: new Date('2026-01-06T00:00:00Z'),
    sampleSize: 0,
  });
  assert.deepEqual(results.map((r) => [r.checkName, r.status, r.failingCount]), [
    ['no_future_timestamp', 'failed', 1],
    ['resent_rows', 'warned', 1],
  ]);
  assert.ok(sent.includes("SELECT count(*) AS failing FROM (SELECT * FROM staged WHERE updated_at >= TIMESTAMP(CAST('2026-01-06 00:00:00.000' AS DATETIME), 'UTC')) _q_c"), sent.join('\n'));
  assert.ok(sent.every((sql) => !sql.includes('timezone(')), 'no DuckDB function reaches BigQuery');
});

test('custom check SQL that does not compile for BigQuery is errored, naming the asset, the check and the construct', async () => {
  const bad = [customSql({ name: 'listy', sql: 'SELECT * FROM {{target}} WHERE list_contains(list_transform([1], v -> v), 1)' })];
  const [result] = await evaluateChecks(bigQueryOnDuckDb([]), bad, { target: 'staged' }, { assetKey: 'raw/x', sampleSize: 0 });
  assert.equal(result!.status, 'errored');
  assert.match(result!.message, /^Asset "raw\/x", check "listy": its custom SQL does not compile for bigquery: list_transform\(\) does not transpile to bigquery/);
  // At plan time: compileCustomChecks throws it.
  const asset = defineAsset({ key: 'raw/x', sql: 'select 1 as id', schema: z.object({ id: z.string() }), checks: bad });
  assert.throws(() => compileCustomChecks(asset, 'bigquery'), (e: unknown) => isQuarryError(e, 'QUARRY_SQL_UNSUPPORTED') && e.message.startsWith('Asset "raw/x", check "listy"'));
});
