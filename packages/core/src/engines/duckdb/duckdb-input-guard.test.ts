import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parseStatementTree, undeclaredReferences, type UndeclaredReference } from './duckdb-input-guard.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

before(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  connection = await instance.connect();
});

after(() => {
  connection.closeSync();
  instance.closeSync();
});

/** What the guard finds in `sql` when the step declares `declared` (real DuckDB parse trees). */
async function refsOf(sql: string, declared: readonly string[] = ['events']): Promise<UndeclaredReference[]> {
  const parsed = await parseStatementTree(connection, sql);
  assert.ok(parsed.ok, `${sql}: ${parsed.ok ? '' : parsed.message}`);
  return undeclaredReferences(parsed.tree, new Set(declared));
}

test('the input guard accepts SQL over declared views, its own CTEs and row generators', async () => {
  const allowed = [
    'select * from events',
    'select count(*) as n from EVENTS e',
    'select * from "events"',
    'from events',
    'with x as (select * from events) select * from x',
    'with a as (select 1 as v), b as (select * from a) select * from b',
    'with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) select * from r',
    'select * from events where id in (select id from events where amount > 1)',
    'select * from events e, lateral (select e.id * 2 as twice) l',
    'select * from range(3) t(i), generate_series(1, 2) g(j), unnest([1, 2]) u(k)',
    'values (1), (2)',
    'select (select max(id) from events) as top',
    'select * from events e join (select 1 as id) o using (id)',
    'from events union all from events',
    'select * from events pivot (sum(amount) for category in (\'a\', \'b\'))',
    "select $partition_key as k, * from events where happened_at >= $partition_start",
  ];
  for (const sql of allowed) assert.deepEqual(await refsOf(sql), [], sql);
});

test('the input guard refuses every way to name a file, another table or a table function', async () => {
  const refused: [string, UndeclaredReference][] = [
    // A string literal or quoted identifier that is a file path is a replacement scan.
    ["select * from 'lake/other/v1.parquet'", { kind: 'table', name: 'lake/other/v1.parquet' }],
    ['from "lake/other/v1.parquet"', { kind: 'table', name: 'lake/other/v1.parquet' }],
    ["select * from read_parquet('lake/other/v1.parquet')", { kind: 'function', name: 'read_parquet', path: 'lake/other/v1.parquet' }],
    ["select * from read_parquet(['a.parquet', 'b.parquet'])", { kind: 'function', name: 'read_parquet', path: 'a.parquet' }],
    ["select * from read_csv('/etc/passwd')", { kind: 'function', name: 'read_csv', path: '/etc/passwd' }],
    ["select * from READ_CSV_AUTO('x.csv')", { kind: 'function', name: 'read_csv_auto', path: 'x.csv' }],
    ["select * from glob('lake/**')", { kind: 'function', name: 'glob', path: 'lake/**' }],
    ["select * from read_text('secret.txt')", { kind: 'function', name: 'read_text', path: 'secret.txt' }],
    // Table macros and functions that run SQL or read state.
    ["select * from query_table('other')", { kind: 'function', name: 'query_table', path: 'other' }],
    ["select * from query('select * from ''x.parquet''')", { kind: 'function', name: 'query', path: "select * from 'x.parquet'" }],
    ['select * from duckdb_settings()', { kind: 'function', name: 'duckdb_settings' }],
    ['select * from main.range(3)', { kind: 'function', name: 'range' }],
    // Another relation by name, qualified names and time travel.
    ['select * from orders', { kind: 'table', name: 'orders' }],
    ['select * from main.events', { kind: 'table', name: 'main.events' }],
    ['select * from temp.main.events', { kind: 'table', name: 'temp.main.events' }],
    ['select * from events at (version => 1)', { kind: 'table', name: 'events' }],
    // Hidden in subqueries, lateral joins, set operations, CTE bodies and expressions.
    ["select * from events where id in (select id from 'x.parquet')", { kind: 'table', name: 'x.parquet' }],
    ["select * from events, lateral (select * from read_csv('z.csv'))", { kind: 'function', name: 'read_csv', path: 'z.csv' }],
    ["from events union all from 'u.json'", { kind: 'table', name: 'u.json' }],
    ["select (from 'z.parquet' limit 1) as v", { kind: 'table', name: 'z.parquet' }],
    ["with x as materialized (select * from 'q.parquet') select * from x", { kind: 'table', name: 'q.parquet' }],
    ["select * from events e join 'o.parquet' o using (id)", { kind: 'table', name: 'o.parquet' }],
    ['summarize events', { kind: 'other', name: 'SHOW_REF' }],
  ];
  for (const [sql, expected] of refused) assert.deepEqual((await refsOf(sql))[0], expected, sql);
});

test('the input guard scopes CTEs: a CTE cannot lend its name to a file outside its scope or inside its own body', async () => {
  // A CTE named like the file, read inside its own (non-recursive) body, would bind the file.
  assert.deepEqual(await refsOf('with "x.parquet" as (select * from "x.parquet") select * from "x.parquet"'), [{ kind: 'table', name: 'x.parquet' }]);
  // Shadowing a declared view with a CTE that reads a file: the file is still found.
  assert.deepEqual(await refsOf("with events as (select * from 'other.parquet') select * from events"), [{ kind: 'table', name: 'other.parquet' }]);
  // A CTE defined in a subquery is not visible beside it.
  assert.deepEqual(await refsOf('select * from (with "y.parquet" as (select 1) select * from "y.parquet"), "y.parquet"'), [{ kind: 'table', name: 'y.parquet' }]);
  // A CTE defined in the other branch of a UNION is not visible either.
  assert.deepEqual(await refsOf('from "u.parquet" union all (with "u.parquet" as (select 1) from "u.parquet")'), [{ kind: 'table', name: 'u.parquet' }]);
  // A later CTE is not visible to an earlier one.
  assert.deepEqual(await refsOf('with a as (select * from "b.parquet"), "b.parquet" as (select 1) select * from a'), [{ kind: 'table', name: 'b.parquet' }]);
  // WITH RECURSIVE without a UNION is not recursive: its body cannot read its own name.
  assert.deepEqual(await refsOf('with recursive "r.parquet" as (select * from "r.parquet") select * from "r.parquet"'), [{ kind: 'table', name: 'r.parquet' }]);
  // A quoted CTE name is matched as DuckDB binds it (case-insensitively).
  assert.deepEqual(await refsOf('with "Daily" as (select 1) select * from daily'), []);
});

test('the input guard treats non-SELECT statements as unparseable, so the statement check names them', async () => {
  for (const sql of ["copy (select 1) to 'x.csv'", "attach 'x.db'", 'set threads = 1', 'pragma version']) {
    const parsed = await parseStatementTree(connection, sql);
    assert.equal(parsed.ok, false, sql);
  }
});
