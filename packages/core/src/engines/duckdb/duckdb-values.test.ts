import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BIGINT, DATE, DOUBLE, DuckDBDateValue, DuckDBTimestampTZValue, DuckDBVarCharType, TIMESTAMPTZ, VARCHAR } from '@duckdb/node-api';
import { ColumnValueError, columnValueWriter, inferColumns, isoFromMicros, microsFromIso, parameterFromJs } from './duckdb-values.ts';

const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

test('microsFromIso reads ISO dates and date-times exactly, treating a missing offset as UTC', () => {
  assert.equal(microsFromIso('2026-01-15'), micros('2026-01-15T00:00:00Z'));
  assert.equal(microsFromIso('2026-01-15T08:30:00Z'), micros('2026-01-15T08:30:00Z'));
  assert.equal(microsFromIso('2026-01-15T08:30:00'), micros('2026-01-15T08:30:00Z'));
  assert.equal(microsFromIso('2026-01-15 08:30:00.123456Z'), micros('2026-01-15T08:30:00.123Z') + 456n);
  assert.equal(microsFromIso('2026-01-15T10:30:00+02:00'), micros('2026-01-15T08:30:00Z'));
  assert.equal(microsFromIso('2026-01-15T03:00:00-0530'), micros('2026-01-15T08:30:00Z'));
  assert.equal(microsFromIso('0099-03-01'), BigInt(new Date('0099-03-01T00:00:00Z').getTime()) * 1000n);
  for (const bad of ['2026-02-30', '2026-13-01', 'yesterday', '2026-01-15T25:00:00Z', '15/01/2026', '']) assert.equal(microsFromIso(bad), undefined, bad);
});

test('isoFromMicros writes UTC ISO text, keeping microseconds and flooring before 1970', () => {
  assert.equal(isoFromMicros(micros('2026-01-15T08:30:00Z'), true), '2026-01-15T08:30:00.000Z');
  assert.equal(isoFromMicros(micros('2026-01-15T08:30:00Z') + 7n, true), '2026-01-15T08:30:00.000007Z');
  assert.equal(isoFromMicros(-1n, true), '1969-12-31T23:59:59.999999Z');
  assert.equal(isoFromMicros(0n, false), '1970-01-01T00:00:00.000');
});

test('inferColumns types columns from sample rows in first-seen key order', () => {
  const { columns, conflict } = inferColumns([
    { id: 1, ratio: 1, big: 1n, name: 'a', at: new Date(0), bytes: new Uint8Array(1), tags: ['x'], empty: null },
    { id: 2, ratio: 0.5, big: 2, name: null, flag: true },
  ]);
  assert.equal(conflict, undefined);
  assert.deepEqual(columns, [
    { name: 'id', type: 'BIGINT' },
    { name: 'ratio', type: 'DOUBLE' },
    { name: 'big', type: 'BIGINT' },
    { name: 'name', type: 'VARCHAR' },
    { name: 'at', type: 'TIMESTAMP WITH TIME ZONE' },
    { name: 'bytes', type: 'BLOB' },
    { name: 'tags', type: 'JSON' },
    { name: 'empty', type: 'VARCHAR' },
    { name: 'flag', type: 'BOOLEAN' },
  ]);
  assert.deepEqual(inferColumns([{ a: 1 }, { a: 'x' }]).conflict, { column: 'a', kinds: ['integer', 'string'] });
});

test('parameterFromJs binds JavaScript values with explicit DuckDB types', () => {
  assert.deepEqual(parameterFromJs('x'), { value: 'x', type: VARCHAR });
  assert.deepEqual(parameterFromJs(3), { value: 3n, type: BIGINT });
  assert.deepEqual(parameterFromJs(1.5), { value: 1.5, type: DOUBLE });
  assert.deepEqual(parameterFromJs(new Date(1000)), { value: new DuckDBTimestampTZValue(1_000_000n), type: TIMESTAMPTZ });
  assert.equal(String(parameterFromJs(['a', 'b'])!.type), 'VARCHAR[]');
  assert.equal(String(parameterFromJs([1, 2.5])!.type), 'DOUBLE[]');
  assert.equal(parameterFromJs({ a: 1 }), undefined);
  assert.equal(parameterFromJs([1, 'a']), undefined);
});

test('columnValueWriter accepts the natural JavaScript spellings of each column type and rejects the rest', () => {
  const bigint = columnValueWriter(BIGINT);
  assert.equal(bigint(5), 5n);
  assert.equal(bigint('9007199254740993'), 9007199254740993n);
  assert.equal(bigint(null), null);
  assert.equal(bigint(undefined), null);
  assert.throws(() => bigint(1.5), ColumnValueError);
  assert.throws(() => bigint(2n ** 64n), ColumnValueError);
  const timestamp = columnValueWriter(TIMESTAMPTZ);
  assert.deepEqual(timestamp('1970-01-01T00:00:01Z'), new DuckDBTimestampTZValue(1_000_000n));
  assert.deepEqual(timestamp(new Date(1000)), new DuckDBTimestampTZValue(1_000_000n));
  assert.deepEqual(timestamp(1000), new DuckDBTimestampTZValue(1_000_000n));
  assert.throws(() => timestamp('soon'), ColumnValueError);
  const date = columnValueWriter(DATE);
  assert.deepEqual(date('1970-01-03'), new DuckDBDateValue(2));
  assert.throws(() => date('1970-01-03T10:00:00Z'), ColumnValueError);
  assert.throws(() => columnValueWriter(VARCHAR)(1), ColumnValueError);
  assert.equal(columnValueWriter(DuckDBVarCharType.create('JSON'))({ a: [1] }), '{"a":[1]}');
});
