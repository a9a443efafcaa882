// Transpilation acceptance (issue 13): every SQL asset and custom SQL check of examples/ and the TikTok
// pipeline compiles for BigQuery, and the DuckDB constructs that do not are each a QUARRY_SQL_UNSUPPORTED
// naming the asset, the construct and the way out (docs/bigquery-sql.md lists them).
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { compileAssetSql, compileCustomChecks, customSql, defineAsset, isQuarryError, loadSqlDialect, type AnyAssetDefinition, type AssetDefinition } from '@quarry/core';
import { defineTikTokPipeline } from '@quarry/assets';

const root = resolve(import.meta.dirname, '../..');
const tiktok = defineTikTokPipeline({ landingDir: '/nonexistent/landing', start: '2026-01-01' });

async function exampleAssets(name: string): Promise<AssetDefinition[]> {
  const project = (await import(resolve(root, 'examples', name, 'quarry.config.ts'))).default as { assets: readonly AnyAssetDefinition[] };
  return project.assets.filter((a): a is AssetDefinition => a.type === 'asset');
}

before(() => loadSqlDialect());

describe('every SQL asset and custom SQL check of examples/ and the TikTok pipeline compiles for BigQuery', () => {
  for (const [project, load] of [
    ['tiktok', async () => [...tiktok.assets]],
    ['hello', () => exampleAssets('hello')],
    ['shop', () => exampleAssets('shop')],
  ] as const) {
    test(`${project}: SQL assets transpile with @ parameters, custom checks compile`, async () => {
      const assets = await load();
      const sqlAssets = assets.filter((a) => a.sql !== undefined);
      assert.ok(sqlAssets.length > 0);
      for (const asset of sqlAssets) {
        const compiled = compileAssetSql(asset, 'bigquery');
        assert.equal(compiled.source, 'transpiled', asset.key);
        assert.doesNotMatch(compiled.sql, /\$partition/, asset.key);
        for (const name of compiled.parameters) assert.match(compiled.sql, new RegExp(`@${name}\\b`), `${asset.key} uses @${name}`);
        assert.deepEqual(compiled.parameters.filter((p) => !p.startsWith('partition_')), [], `${asset.key}: only partition parameters`);
      }
      let checks = 0;
      for (const asset of assets) checks += compileCustomChecks(asset, 'bigquery').length;
      assert.ok(project === 'hello' || checks > 0, 'custom checks were compiled');
    });
  }

  test('the TikTok marts that used FILTER and arg_min/arg_max compile to COUNTIF and ARRAY_AGG', () => {
    assert.match(compileAssetSql(tiktok.creatorDailyMetrics, 'bigquery').sql, /COUNTIF\(first_seen_day = CAST\(@partition_key AS DATE\)\) AS new_videos/);
    assert.match(
      compileAssetSql(tiktok.priorityDaily, 'bigquery').sql,
      /ARRAY_AGG\(IF\(\(ts\) IS NULL, NULL, followers\) IGNORE NULLS ORDER BY ts ASC LIMIT 1\)\[SAFE_OFFSET\(0\)\] AS followers_open/,
    );
  });

  test("the TikTok checks' timezone('UTC', {{partition_end}}) is the UTC instant of the window end", () => {
    const [check] = compileCustomChecks(tiktok.creatorChanges, 'bigquery').filter((c) => c.check === 'resent_rows');
    assert.equal(check!.sql, "SELECT * FROM quarry_target WHERE updated_at < TIMESTAMP(CAST('2026-01-01 00:00:00.000' AS DATETIME), 'UTC')");
  });

  test('per-engine SQL is used as written; a pinned asset is not compiled for another engine', () => {
    const own = defineAsset({ key: 'marts/own', sql: { duckdb: 'select list(x) as l from t', bigquery: 'select array_agg(x) as l from t where x = @partition_key' } });
    assert.deepEqual(compileAssetSql(own, 'bigquery'), { dialect: 'bigquery', sql: 'select array_agg(x) as l from t where x = @partition_key', parameters: ['partition_key'], source: 'per-engine' });
    assert.equal(compileAssetSql(own, 'duckdb').sql, 'select list(x) as l from t');
    const pinned = defineAsset({ key: 'marts/pinned', sql: 'select list(x) as l from t', engine: 'duckdb' });
    assert.throws(() => compileAssetSql(pinned, 'bigquery'), (e: unknown) => isQuarryError(e, 'QUARRY_SQL_UNSUPPORTED') && e.message.startsWith(`Asset "marts/pinned" is pinned to engine 'duckdb'`));
  });
});

/** DuckDB constructs that do not transpile to BigQuery, each with the construct the error names. */
const DOES_NOT_TRANSPILE: readonly (readonly [sql: string, construct: string])[] = [
  ["select * from read_parquet('x.parquet')", 'read_parquet()'],
  ["select * from read_csv('x.csv')", 'read_csv()'],
  ['select list_transform(l, x -> x + 1) as l from t', 'list_transform()'],
  ['select list_filter(l, x -> x > 1) as l from t', 'list_filter()'],
  ['select struct_pack(a := 1) as s from t', 'struct_pack()'],
  ['select list(x) as l from t', 'list()'],
  ['select array_agg(x) as l from t', 'array_agg()'],
  ['select * from t positional join u', 'POSITIONAL JOIN'],
  ['select * from t asof join u on t.k = u.k and t.ts >= u.ts', 'ASOF JOIN'],
  ['select a from t union all by name select a from u', 'UNION … BY NAME'],
  ['select * from t using sample 10%', 'USING SAMPLE'],
  ['select x from t order by all', 'ORDER BY ALL'],
  ['select x::HUGEINT as x from t', 'CAST(… AS HUGEINT)'],
  ['select x::UBIGINT as x from t', 'CAST(… AS UBIGINT)'],
  ["select strftime(ts, '%Y') as y from t", 'strftime()'],
  ['select range(3) as r', 'range()'],
  ['select arg_max(x, y, 2) as top from t', 'arg_max() with a count'],
  ["select timezone('UTC', x) as t from t", 'timezone() of an expression of unknown type'],
  ["select date_trunc('day', x) as d from t", 'date_trunc() of an expression of unknown type'],
  ['select split_part(s, \'|\', n) as p from t', 'split_part() with a part number that is not a literal ≥ 1'],
  ['select median(x) filter (where y) as m from t', 'median(…) FILTER (WHERE …)'],
  ["select columns('a.*') from t", 'columns()'],
  ['select bit_count(x) as n from t', 'bit_count()'],
];

describe('DuckDB constructs that do not transpile to BigQuery', () => {
  for (const [sql, construct] of DOES_NOT_TRANSPILE) {
    test(`${construct}: QUARRY_SQL_UNSUPPORTED naming the asset, the construct and the way out`, () => {
      const asset = defineAsset({ key: 'marts/example', sql });
      assert.throws(
        () => compileAssetSql(asset, 'bigquery'),
        (error: unknown) =>
          isQuarryError(error, 'QUARRY_SQL_UNSUPPORTED') &&
          error.message.startsWith(`Asset "marts/example": ${construct} does not transpile to bigquery (`) &&
          error.message.endsWith("give the asset per-engine SQL (sql: { duckdb, bigquery }) or pin it with engine: 'duckdb'."),
      );
      // And DuckDB runs it as written.
      assert.equal(compileAssetSql(asset, 'duckdb').sql, sql);
    });
  }

  test('a custom SQL check that does not transpile names the asset and the check', () => {
    const asset = defineAsset({
      key: 'marts/checked',
      sql: 'select 1 as x',
      checks: [customSql({ name: 'odd_rows', sql: 'select * from {{target}} where list_contains(list_transform([1], v -> v), x)' })],
    });
    assert.throws(
      () => compileCustomChecks(asset, 'bigquery'),
      (error: unknown) =>
        isQuarryError(error, 'QUARRY_SQL_UNSUPPORTED') &&
        error.message.startsWith('Asset "marts/checked", check "odd_rows": its custom SQL does not compile for bigquery: list_transform() does not transpile to bigquery'),
    );
  });
});
