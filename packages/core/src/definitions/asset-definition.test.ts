import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { isQuarryError } from '../errors.ts';
import { codeVersionOf } from '../versioning/code-version.ts';
import { defineAsset, type AssetConfig } from './asset-definition.ts';

const schema = z.object({ creator_id: z.string(), day: z.string(), views: z.number() });

function bad(config: AssetConfig<typeof schema | undefined>, message: string): void {
  assert.throws(
    () => defineAsset(config as AssetConfig<typeof schema>),
    (error: unknown) => isQuarryError(error, 'QUARRY_BAD_DEFINITION') && error.message === message,
  );
}

describe('defineAsset: per-engine SQL, engine pin, cluster columns', () => {
  test('sql as a string is the DuckDB text, with no per-engine SQL', () => {
    const asset = defineAsset({ key: 'marts/a', sql: 'select 1 as x' });
    assert.equal(asset.sql, 'select 1 as x');
    assert.equal(asset.sqlByEngine, undefined);
    assert.equal(asset.engine, undefined);
    assert.equal(asset.cluster, undefined);
  });

  test('sql: { duckdb, bigquery } keeps the DuckDB text in sql and both in sqlByEngine', () => {
    const asset = defineAsset({ key: 'marts/a', sql: { duckdb: 'select arg_max(x, y) as x from t', bigquery: 'select max_by(x, y) as x from t' } });
    assert.equal(asset.sql, 'select arg_max(x, y) as x from t');
    assert.deepEqual(asset.sqlByEngine, { duckdb: 'select arg_max(x, y) as x from t', bigquery: 'select max_by(x, y) as x from t' });
    assert.ok(Object.isFrozen(asset.sqlByEngine));
  });

  test('bad per-engine SQL names the asset and what is wrong', () => {
    bad({ key: 'marts/a', sql: { bigquery: 'select 1' } as never }, 'Asset "marts/a": per-engine SQL needs sql.duckdb, the text DuckDB runs (and other engines transpile from when they have none).');
    bad({ key: 'marts/a', sql: { duckdb: 'select 1', snowflake: 'select 1' } as never }, "Asset \"marts/a\": sql.snowflake names no engine; per-engine SQL takes 'duckdb' and 'bigquery' (sql: { duckdb: '…', bigquery: '…' }).");
    bad({ key: 'marts/a', sql: { duckdb: 'select 1', bigquery: '  ' } }, 'Asset "marts/a": sql.bigquery must be a non-empty string, got "  ".');
    bad({ key: 'marts/a', sql: '' }, 'Asset "marts/a": sql must be a non-empty string, got "".');
    bad({ key: 'marts/a', sql: 42 as never }, 'Asset "marts/a": sql must be a non-empty string, got number 42.');
  });

  test('engine pins duckdb or bigquery; anything else names the bad value', () => {
    assert.equal(defineAsset({ key: 'marts/a', sql: 'select 1', engine: 'bigquery' }).engine, 'bigquery');
    assert.equal(defineAsset({ key: 'marts/a', compute: () => [], engine: 'duckdb' }).engine, 'duckdb');
    bad({ key: 'marts/a', sql: 'select 1', engine: 'snowflake' as never }, "Asset \"marts/a\": engine \"snowflake\" is not an engine; use 'duckdb' or 'bigquery', or leave it out to run on the target's engine.");
    bad({ key: 'marts/a', compute: () => [], engine: 'bigquery' }, "Asset \"marts/a\": a compute asset runs on DuckDB (BigQuery cannot run TypeScript); remove engine: 'bigquery' or give the asset sql.");
    bad({ key: 'marts/a', sql: { duckdb: 'select 1', bigquery: 'select 1' }, engine: 'duckdb' }, "Asset \"marts/a\": it is pinned to engine 'duckdb', so its sql.bigquery would never run; remove one of them.");
  });

  test('cluster: 1 to 4 distinct column names, which must be output columns when a schema is declared', () => {
    assert.deepEqual(defineAsset({ key: 'marts/a', sql: 'select 1', schema, cluster: ['creator_id', 'day'] }).cluster, ['creator_id', 'day']);
    assert.deepEqual(defineAsset({ key: 'marts/a', sql: 'select 1', cluster: ['anything'] }).cluster, ['anything']);
    bad({ key: 'marts/a', sql: 'select 1', cluster: [] }, "Asset \"marts/a\": cluster must be a list of 1 to 4 column names (cluster: ['creator_id']), got an array.");
    bad({ key: 'marts/a', sql: 'select 1', cluster: 'creator_id' as never }, "Asset \"marts/a\": cluster must be a list of 1 to 4 column names (cluster: ['creator_id']), got \"creator_id\".");
    bad({ key: 'marts/a', sql: 'select 1', cluster: ['a', 'b', 'c', 'd', 'e'] }, 'Asset "marts/a": cluster names 5 columns; BigQuery clusters by at most 4. Keep the 4 most selective.');
    bad({ key: 'marts/a', sql: 'select 1', cluster: ['a b'] }, 'Asset "marts/a": cluster column "a b" is not a column name (letters, digits, _).');
    bad({ key: 'marts/a', sql: 'select 1', cluster: ['a', 'a'] }, 'Asset "marts/a": cluster names column "a" twice.');
    bad({ key: 'marts/a', sql: 'select 1', schema, cluster: ['country'] }, 'Asset "marts/a": cluster column "country" is not an output column; the schema declares "creator_id", "day", "views".');
  });
});

describe('code version of per-engine SQL, engine pin and cluster', () => {
  const base = { key: 'marts/a', schema } as const;
  const plain = codeVersionOf(defineAsset({ ...base, sql: 'select 1' }));

  test('an asset that declares none of them keeps its version; sql: { duckdb } alone is the same as sql', () => {
    assert.equal(codeVersionOf(defineAsset({ ...base, sql: { duckdb: 'select 1' } })), plain);
  });

  test('the BigQuery text, the engine pin and the cluster columns each change the version', () => {
    const withBigQuery = codeVersionOf(defineAsset({ ...base, sql: { duckdb: 'select 1', bigquery: 'select 1' } }));
    const otherBigQuery = codeVersionOf(defineAsset({ ...base, sql: { duckdb: 'select 1', bigquery: 'select 2' } }));
    const pinned = codeVersionOf(defineAsset({ ...base, sql: 'select 1', engine: 'bigquery' }));
    const clustered = codeVersionOf(defineAsset({ ...base, sql: 'select 1', cluster: ['creator_id'] }));
    const reclustered = codeVersionOf(defineAsset({ ...base, sql: 'select 1', cluster: ['day'] }));
    assert.equal(new Set([plain, withBigQuery, otherBigQuery, pinned, clustered, reclustered]).size, 6);
  });
});
