import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { isQuarryError } from '../errors.ts';
import { sqlColumnLineage, type SqlColumnLineage } from './sql-column-lineage.ts';
import { loadSqlDialect } from './sql-dialect.ts';

before(() => loadSqlDialect());

/** `table.column TYPE/SUBTYPE[+masking]` strings per output column, sorted: what a reader checks by eye. */
function flat(result: SqlColumnLineage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const column of result.columns) {
    out[column] = (result.lineage[column] ?? []).flatMap((i) => i.transformations.map((t) => `${i.table}.${i.column} ${t.type}/${t.subtype}${t.masking === true ? '+masking' : ''}`)).sort();
  }
  return out;
}

describe('sqlColumnLineage', () => {
  test('* resolves against the input columns, through CTEs, qualified stars and EXCLUDE', () => {
    const tables = { orders: ['id', 'customer', 'amount'], customers: ['id', 'name'] };
    const result = sqlColumnLineage(
      `with o as (select * exclude (amount) from orders), c as (select * from customers)
       select o.*, c.name from o join c on c.id = o.customer`,
      tables,
    );
    assert.deepEqual(result.columns, ['id', 'customer', 'name']);
    assert.deepEqual(flat(result), {
      id: ['customers.id INDIRECT/JOIN', 'orders.customer INDIRECT/JOIN', 'orders.id DIRECT/IDENTITY'],
      customer: ['customers.id INDIRECT/JOIN', 'orders.customer DIRECT/IDENTITY', 'orders.customer INDIRECT/JOIN'],
      name: ['customers.id INDIRECT/JOIN', 'customers.name DIRECT/IDENTITY', 'orders.customer INDIRECT/JOIN'],
    });
  });

  test('aggregations, filters, groups, windows, conditions; hashes and counts mask', () => {
    const result = sqlColumnLineage(
      `select region, sum(amount) as total, count(customer) as buyers, md5(customer) as who,
              case when amount > 100 then 'big' else 'small' end as size,
              row_number() over (partition by region order by ts) as n
       from sales where ts >= $partition_start group by all`,
      { sales: ['region', 'amount', 'customer', 'ts'] },
    );
    const filter = 'sales.ts INDIRECT/FILTER';
    assert.deepEqual(flat(result), {
      region: ['sales.region DIRECT/IDENTITY', filter],
      total: ['sales.amount DIRECT/AGGREGATION', filter],
      buyers: ['sales.customer DIRECT/AGGREGATION+masking', filter],
      who: ['sales.customer DIRECT/TRANSFORMATION+masking', filter],
      size: ['sales.amount INDIRECT/CONDITIONAL', filter],
      n: ['sales.region INDIRECT/WINDOW', 'sales.ts INDIRECT/WINDOW', filter].sort(),
    });
  });

  test('UNION ALL merges its branches by position; an IN subquery filters', () => {
    const result = sqlColumnLineage('select a as x from t union all select b from u where b in (select k from v)', { t: ['a'], u: ['b'], v: ['k'] });
    assert.deepEqual(flat(result), { x: ['t.a DIRECT/IDENTITY', 'u.b DIRECT/IDENTITY', 'u.b INDIRECT/FILTER', 'v.k INDIRECT/FILTER'] });
  });

  test('an unknown relation or column is QUARRY_SQL_LINEAGE naming it and what there is', () => {
    assert.throws(
      () => sqlColumnLineage('select a from nowhere', { t: ['a'] }, { assetKey: 'marts/x' }),
      (error: unknown) => isQuarryError(error, 'QUARRY_SQL_LINEAGE') && error.message === 'Asset "marts/x": the SQL reads "nowhere", which is neither a CTE nor an input (t). Read upstream assets by their dependency names (the keys of `deps`).',
    );
    assert.throws(
      () => sqlColumnLineage('select t.b from t', { t: ['a'] }),
      (error: unknown) => isQuarryError(error, 'QUARRY_SQL_LINEAGE') && error.message === 't has no column "b" (it has a).',
    );
  });
});
