import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parameterFromJs, restParameter, rowFromRest, timestampText } from './bigquery-values.ts';

test('bigquery-values: REST rows become JSON-safe values, as the DuckDB engine returns them', () => {
  const fields = [
    { name: 'big', type: 'INTEGER' },
    { name: 'small', type: 'INT64' },
    { name: 'at', type: 'TIMESTAMP' },
    { name: 'day', type: 'DATE' },
    { name: 'x', type: 'FLOAT' },
    { name: 'nan', type: 'FLOAT64' },
    { name: 'ok', type: 'BOOLEAN' },
    { name: 'n', type: 'NUMERIC' },
    { name: 'tags', type: 'STRING', mode: 'REPEATED' },
    { name: 'rec', type: 'RECORD', fields: [{ name: 'a', type: 'INTEGER' }] },
    { name: 'missing', type: 'STRING' },
  ];
  const row = { f: [{ v: '9007199254740993' }, { v: '42' }, { v: '1768465800000000' }, { v: '2026-01-15' }, { v: '1.5' }, { v: 'NaN' }, { v: 'true' }, { v: '2.25' }, { v: [{ v: 'a' }, { v: 'b' }] }, { v: { f: [{ v: '7' }] } }, { v: null }] };
  assert.deepEqual(rowFromRest(fields, row), {
    big: '9007199254740993',
    small: 42,
    at: '2026-01-15T08:30:00.000Z',
    day: '2026-01-15',
    x: 1.5,
    nan: 'NaN',
    ok: true,
    n: 2.25,
    tags: ['a', 'b'],
    rec: { a: 7 },
    missing: null,
  });
});

test('bigquery-values: timestamps read as int64 microseconds, float seconds or ISO text', () => {
  assert.equal(timestampText('1768465800000000'), '2026-01-15T08:30:00.000Z');
  assert.equal(timestampText('1768465800000123'), '2026-01-15T08:30:00.000123Z');
  assert.equal(timestampText('1.7684658E9'), '2026-01-15T08:30:00.000Z');
  assert.equal(timestampText('2026-01-15T08:30:00Z'), '2026-01-15T08:30:00.000Z');
  assert.equal(timestampText('-1000'), '1969-12-31T23:59:59.999Z');
});

test('bigquery-values: parameters get BigQuery types and the REST shape', () => {
  assert.deepEqual(parameterFromJs('x'), { type: 'STRING', value: 'x' });
  assert.deepEqual(parameterFromJs(3), { type: 'INT64', value: 3 });
  assert.deepEqual(parameterFromJs(1.5), { type: 'FLOAT64', value: 1.5 });
  assert.deepEqual(parameterFromJs(['a', null]), { type: 'ARRAY<STRING>', value: ['a', null] });
  assert.equal(parameterFromJs({ a: 1 }), undefined);
  assert.equal(parameterFromJs(Number.NaN), undefined);
  assert.deepEqual(restParameter('partition_keys', { type: 'ARRAY<STRING>', value: ['2026-01-01', '2026-01-02'] }), {
    name: 'partition_keys',
    parameterType: { type: 'ARRAY', arrayType: { type: 'STRING' } },
    parameterValue: { arrayValues: [{ value: '2026-01-01' }, { value: '2026-01-02' }] },
  });
  assert.deepEqual(restParameter('partition_start', { type: 'TIMESTAMP', value: new Date('2026-01-01T00:00:00Z') }), {
    name: 'partition_start',
    parameterType: { type: 'TIMESTAMP' },
    parameterValue: { value: '2026-01-01 00:00:00.000+00:00' },
  });
  assert.deepEqual(restParameter('partition_end', { type: 'TIMESTAMP', value: null }), { name: 'partition_end', parameterType: { type: 'TIMESTAMP' }, parameterValue: { value: null } });
});
