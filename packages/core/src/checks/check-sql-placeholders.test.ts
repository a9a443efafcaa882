import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQuarryError } from '../errors.ts';
import { expandCustomSql, type CheckCompileContext } from './check-compiler.ts';
import { duckDbCheckDialect } from './check-dialect.ts';
import { CHECK_SQL_PLACEHOLDERS } from './check-sql-placeholders.ts';

const ctx: CheckCompileContext = {
  dialect: duckDbCheckDialect,
  relations: { target: 'staged', history: 'earlier', references: { 'raw/orders': 'orders_view' } },
  partitionKey: '2026-01-02',
  partitionStart: new Date('2026-01-02T00:00:00Z'),
  partitionEnd: new Date('2026-01-03T00:00:00Z'),
  now: new Date('2026-01-10T00:00:00Z'),
  schema: undefined,
};

test('the check compiler expands every documented placeholder, and its error for another one lists exactly them', () => {
  for (const p of CHECK_SQL_PLACEHOLDERS) {
    const sql = p.name === 'ref' ? 'select * from {{ref:raw/orders}}' : `select ${p.syntax}`;
    const expanded = expandCustomSql(sql, ctx, 'c');
    assert.doesNotMatch(expanded, /\{\{/, `${p.syntax} is documented but not expanded`);
  }
  assert.equal(expandCustomSql('select * from {{ref:raw/orders}} join {{target}} using (id)', ctx, 'c'), 'select * from orders_view join staged using (id)');
  assert.throws(
    () => expandCustomSql('select {{partition_count}}', ctx, 'c'),
    (e: unknown) => isQuarryError(e, 'QUARRY_BAD_CHECK') && e.message.endsWith(`use ${CHECK_SQL_PLACEHOLDERS.map((p) => p.syntax).join(', ')}.`),
  );
});
