import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { isQuarryError } from '../errors.ts';
import { loadSqlDialect, parseSql, prepareSqlForParse, transpileSql, unsupportedConstructs } from './sql-dialect.ts';

before(() => loadSqlDialect());

describe('transpileSql (DuckDB → BigQuery)', () => {
  test('partition parameters become BigQuery query parameters, types take BigQuery names', () => {
    assert.equal(
      transpileSql('select $partition_key::DATE as day, count(*)::BIGINT as n, avg(x)::DOUBLE as m from t where ts >= $partition_start', { to: 'bigquery' }),
      'SELECT CAST(@partition_key AS DATE) AS day, CAST(COUNT(*) AS INT64) AS n, CAST(AVG(x) AS FLOAT64) AS m FROM t WHERE ts >= @partition_start',
    );
  });

  test('constructs polyglot passes through are rewritten to their BigQuery equivalents', () => {
    assert.equal(
      transpileSql('select count(*) filter (where a > 1) as n, sum(x) filter (where b) as s, arg_max(b, ts) as last_b from t', { to: 'bigquery' }),
      'SELECT COUNTIF(a > 1) AS n, SUM(IF(b, x, NULL)) AS s, ARRAY_AGG(IF((ts) IS NULL, NULL, b) IGNORE NULLS ORDER BY ts DESC LIMIT 1)[SAFE_OFFSET(0)] AS last_b FROM t',
    );
  });

  test('DuckDB-only constructs with no rewrite are errors naming the asset, the construct and the way out', () => {
    const sql = 'select list(a) as l, x::HUGEINT as big, foo(b) as f from t';
    assert.deepEqual(
      unsupportedConstructs(sql, 'bigquery').map((u) => u.construct),
      ['list()', 'CAST(… AS HUGEINT)'],
    );
    assert.deepEqual(unsupportedConstructs('select foo(b) from t', 'bigquery').map((u) => u.construct), ['foo()']);
    assert.throws(
      () => transpileSql(sql, { to: 'bigquery', assetKey: 'marts/x' }),
      (error: unknown) =>
        isQuarryError(error, 'QUARRY_SQL_UNSUPPORTED') &&
        error.message.startsWith('Asset "marts/x": list() does not transpile to bigquery (write ARRAY_AGG(x) where no value is NULL') &&
        error.message.includes('CAST(… AS HUGEINT) does not transpile') &&
        error.message.includes("sql: { duckdb, bigquery }") &&
        error.message.includes("engine: 'duckdb'"),
    );
  });

  test('the same dialect returns the SQL unchanged', () => {
    assert.equal(transpileSql('select 1', { from: 'duckdb', to: 'duckdb' }), 'select 1');
  });
});

describe('parseSql', () => {
  test('SQL that does not parse is QUARRY_SQL_PARSE naming the asset and the place', () => {
    assert.throws(
      () => parseSql('select from where (', 'duckdb', { assetKey: 'raw/bad' }),
      (error: unknown) => isQuarryError(error, 'QUARRY_SQL_PARSE') && error.message.startsWith('Asset "raw/bad": the SQL does not parse as duckdb: '),
    );
  });

  test('check placeholders are read as relations and parameters, so the parse is of the real query', () => {
    assert.equal(
      prepareSqlForParse('select * from {{target}} t join {{ref:raw/orders}} o using (id) where t.ts < {{partition_end}} and o.k in (select k from {{ history }})'),
      'select * from __quarry_target t join __quarry_ref__raw__orders o using (id) where t.ts < $partition_end and o.k in (select k from __quarry_history)',
    );
    assert.ok(parseSql('select * from {{ref:raw/orders}} where ts < {{partition_end}}').select !== undefined);
  });
});
