// The BigQuery SQL of every TikTok and example SQL asset, transpiled back to DuckDB, computes the
// same rows as the DuckDB original on the same small inputs (with NULLs, ties broken by distinct
// keys): a check that the rewrites of the dialect layer keep the meaning, short of running BigQuery.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { compileAssetSql, loadSqlDialect, schemaColumns, transpileSql, type AnyAssetDefinition, type AssetDefinition, type SchemaColumn } from '@quarry/core';
import { defineTikTokPipeline } from '@quarry/assets';
import { seededRandom } from '../../packages/assets/src/generator/prng.ts';

const root = resolve(import.meta.dirname, '../..');
const DUCKDB_TYPES: Record<string, string> = { string: 'VARCHAR', integer: 'BIGINT', number: 'DOUBLE', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMPTZ', json: 'JSON' };

function value(column: SchemaColumn, next: () => number, row: number): string {
  if (column.nullable && next() < 0.15) return 'NULL';
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const day = pick(['2026-01-03', '2026-01-04', '2026-01-05', '2026-01-06']);
  switch (column.type) {
    case 'string':
      if (column.values !== undefined) return `'${pick(column.values)}'`;
      return /_id$/.test(column.name) ? `'${column.name.slice(0, 1)}${pick([1, 2, 3, 4])}'` : `'${pick(['a', 'b', 'c'])}'`;
    case 'integer':
      return String(Math.floor(next() * 100000));
    case 'number':
      return String(Math.floor(next() * 1000) / 8);
    case 'decimal':
      return `${(Math.floor(next() * 100000) / 100).toFixed(column.scale ?? 2)}`;
    case 'boolean':
      return next() < 0.5 ? 'true' : 'false';
    case 'date':
      return `DATE '${day}'`;
    case 'timestamp':
      // Distinct per row, so orderings by time have no ties.
      return `TIMESTAMPTZ '${day} ${String(row % 24).padStart(2, '0')}:${String(Math.floor(next() * 60)).padStart(2, '0')}:${String(row % 60).padStart(2, '0')}+00'`;
    default:
      return 'NULL';
  }
}

const PARAMETERS: Record<string, string> = {
  partition_key: "'2026-01-05'",
  partition_last_key: "'2026-01-05'",
  partition_keys: "['2026-01-05']",
  partition_start: "TIMESTAMPTZ '2026-01-05 00:00:00+00'",
  partition_end: "TIMESTAMPTZ '2026-01-06 00:00:00+00'",
};

function bound(sql: string): string {
  return sql.replace(/\$(partition_[a-z_]+)/g, (_all, name: string) => PARAMETERS[name] ?? `$${name}`);
}

let connection: DuckDBConnection;
before(async () => {
  await loadSqlDialect();
  connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run("SET TimeZone = 'UTC'");
});
after(() => connection.closeSync());

async function rows(sql: string): Promise<string[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJson().map((row) => JSON.stringify(row)).sort();
}

async function loadInputs(asset: AssetDefinition, seed: number): Promise<void> {
  const inputs: [string, AssetDefinition][] = Object.entries(asset.deps).map(([name, dep]) => [name, dep.asset as AssetDefinition]);
  if (asset.selfDependency !== undefined) inputs.push([asset.selfDependency.name, asset]);
  const next = seededRandom(seed);
  for (const [name, input] of inputs) {
    const columns = schemaColumns(input.schema!);
    const types = columns.map((c) => `${c.name} ${c.type === 'decimal' ? `DECIMAL(${c.precision}, ${c.scale})` : DUCKDB_TYPES[c.type]}`);
    await connection.run(`CREATE OR REPLACE TABLE ${name} (${types.join(', ')})`);
    const values = Array.from({ length: 40 }, (_, row) => `(${columns.map((c) => value(c, next, row)).join(', ')})`);
    await connection.run(`INSERT INTO ${name} VALUES ${values.join(', ')}`);
  }
}

async function sqlAssets(): Promise<AssetDefinition[]> {
  const tiktok = defineTikTokPipeline({ landingDir: '/nonexistent/landing', start: '2026-01-01' }).assets;
  const examples: AnyAssetDefinition[] = [];
  for (const name of ['hello', 'shop']) examples.push(...((await import(resolve(root, 'examples', name, 'quarry.config.ts'))).default as { assets: AnyAssetDefinition[] }).assets);
  return [...tiktok, ...examples].filter((a): a is AssetDefinition => a.type === 'asset' && a.sql !== undefined);
}

describe('DuckDB SQL and its BigQuery transpilation, run back on DuckDB, give the same rows', () => {
  test('every SQL asset of the TikTok pipeline and examples/, on three seeds of inputs', async () => {
    const assets = await sqlAssets();
    assert.ok(assets.length >= 13);
    const withRows = new Set<string>();
    for (const asset of assets) {
      const bigquery = compileAssetSql(asset, 'bigquery').sql;
      const back = transpileSql(bigquery, { from: 'bigquery', to: 'duckdb', assetKey: asset.key });
      assert.doesNotMatch(back, /@partition/, asset.key);
      for (const seed of [1, 2, 3]) {
        await loadInputs(asset, seed * 7919);
        const expected = await rows(bound(asset.sql!));
        if (expected.length > 0) withRows.add(asset.key);
        assert.deepEqual(await rows(bound(back)), expected, `${asset.key} (seed ${seed}):\n${back}`);
      }
    }
    // The inputs are rich enough that (nearly) every asset computes rows, so the comparison means something.
    assert.deepEqual(assets.map((a) => a.key).filter((key) => !withRows.has(key)), []);
  });

  test('arg_max/arg_min skip rows whose value or key is NULL on both sides, and give NULL without such rows', async () => {
    await connection.run('CREATE OR REPLACE TABLE t AS SELECT * FROM (VALUES (1, 1, 10), (1, NULL, 20), (1, 3, NULL), (2, NULL, NULL), (2, 5, NULL), (3, 7, 1)) v(k, x, y)');
    const sql = 'select k, arg_max(x, y) as hi, arg_min(x, y) as lo, count(*) filter (where y > 5) as n from t group by k';
    const back = transpileSql(transpileSql(sql, { to: 'bigquery' }), { from: 'bigquery', to: 'duckdb' });
    assert.deepEqual(await rows(back), await rows(sql));
    assert.deepEqual(await rows(sql), ['{"k":1,"hi":1,"lo":1,"n":"2"}', '{"k":2,"hi":null,"lo":null,"n":"0"}', '{"k":3,"hi":7,"lo":7,"n":"0"}']);
  });
});
