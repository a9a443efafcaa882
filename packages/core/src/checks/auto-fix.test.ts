import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { createDuckDbCheckRunner } from '../engines/duckdb/index.ts';
import { isQuarryError } from '../errors.ts';
import { autoFixSql, compileRowValidation, duckDbCheckDialect, validateRows, type AutoFixConfig, type CheckQueryRunner } from './index.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let runner: CheckQueryRunner;
let n = 0;

before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  runner = createDuckDbCheckRunner(connection);
});

after(() => {
  connection.closeSync();
  instance.closeSync();
});

const schema = z.object({
  handle: z.string().regex(/^[a-z_]+$/),
  followers: z.number().int().nonnegative(),
  rate: z.number().optional(),
});

async function raw(rows: readonly [string | null, string | null, string | null][]): Promise<string> {
  const name = `raw_${++n}`;
  const lit = (v: string | null) => (v === null ? 'NULL::VARCHAR' : duckDbCheckDialect.string(v));
  await runner.query(
    `CREATE TABLE ${name} AS SELECT * FROM (VALUES ${rows.map((r, i) => `(${i + 1}, ${r.map(lit).join(', ')})`).join(', ')}) t(_source_line, handle, followers, rate)`,
  );
  return name;
}

async function fix(source: string, autoFix: AutoFixConfig, extra: { medianFrom?: string } = {}) {
  const accepted = `acc_${++n}`;
  const report = await validateRows(runner, schema, { source, accepted, rejected: `rej_${++n}`, sourceColumns: ['_source_line'], autoFix, ...extra });
  const rows = await runner.query(`SELECT * FROM ${accepted} ORDER BY _source_line`);
  return { report, rows };
}

async function text(fixKind: Parameters<typeof autoFixSql>[1], value: string | null): Promise<unknown> {
  const [row] = await runner.query(`SELECT ${autoFixSql(duckDbCheckDialect, fixKind, value === null ? 'NULL::VARCHAR' : duckDbCheckDialect.string(value))} AS v`);
  return row?.v;
}

describe('auto-fix', () => {
  test('each text fix', async () => {
    assert.equal(await text('trim', '  a b  '), 'a b');
    assert.equal(await text('lowercase', 'MiXeD'), 'mixed');
    assert.equal(await text('uppercase', 'MiXeD'), 'MIXED');
    assert.equal(await text('empty_to_null', '   '), null);
    assert.equal(await text('empty_to_null', ' x '), ' x ');
    assert.equal(await text('parse_k_suffix', '12k'), '12000');
    assert.equal(await text('parse_k_suffix', '1.2M'), '1200000');
    assert.equal(await text('parse_k_suffix', ' 3 B '), '3000000000');
    assert.equal(await text('parse_k_suffix', '1.0005k'), '1000.5');
    assert.equal(await text('parse_k_suffix', '-0.5K'), '-500');
    assert.equal(await text('parse_k_suffix', '12kg'), '12kg');
    assert.equal(await text('parse_k_suffix', '1234567890123456k'), '1234567890123456k', 'more than 15 integer digits is left alone');
    assert.equal(await text('parse_thousands', '1,234'), '1234');
    assert.equal(await text('parse_thousands', '-12,345,678.25'), '-12345678.25');
    assert.equal(await text('parse_thousands', '1,23'), '1,23', 'not a thousands grouping');
    assert.equal(await text('parse_thousands', null), null);
  });

  test('fixes are applied before validation and every change is counted with examples', async () => {
    const source = await raw([
      ['  Alice ', '12k', '0.5'],
      ['bob', '1,234', null],
      ['CAROL', '1.2M', null],
      ['dave', '7', null],
      ['eve', 'lots', null],
    ]);
    const { report, rows } = await fix(source, { handle: ['trim', 'lowercase'], followers: ['parse_k_suffix', 'parse_thousands'] });
    assert.deepEqual(
      report.fixes.map((f) => [f.column, f.fix, f.count]),
      [
        ['handle', 'trim', 1],
        ['handle', 'lowercase', 2],
        ['followers', 'parse_k_suffix', 2],
        ['followers', 'parse_thousands', 1],
      ],
    );
    assert.deepEqual(report.fixes[2]?.sample, [
      { _source_line: 1, before: '12k', after: '12000' },
      { _source_line: 3, before: '1.2M', after: '1200000' },
    ]);
    assert.deepEqual(
      rows.map((r) => [r.handle, r.followers]),
      [
        ['alice', 12000n],
        ['bob', 1234n],
        ['carol', 1200000n],
        ['dave', 7n],
      ],
    );
    assert.deepEqual(report.rejectedByReason, { 'bad_type:followers': 1 });
    assert.match(report.result.message, /auto-fixed trim\(handle\) ×1, lowercase\(handle\) ×2, parse_k_suffix\(followers\) ×2, parse_thousands\(followers\) ×1/);
  });

  test('median imputation: integers take an observed middle value, decimals the true median', async () => {
    const source = await raw([
      ['a', '10', '0.1'],
      ['b', null, '0.2'],
      ['c', '30', null],
      ['d', '20k', '0.4'],
      ['e', '  ', '0.8'],
    ]);
    const { report, rows } = await fix(source, { followers: ['parse_k_suffix', 'median_impute'], rate: ['median_impute'] });
    // followers after parse_k_suffix: 10, 30, 20000 → lower-middle observed value 30.
    assert.deepEqual(
      rows.map((r) => [r.handle, r.followers, r.rate]),
      [
        ['a', 10n, 0.1],
        ['b', 30n, 0.2],
        ['c', 30n, 0.30000000000000004],
        ['d', 20000n, 0.4],
        ['e', 30n, 0.8],
      ],
    );
    assert.deepEqual(
      report.fixes.map((f) => [f.column, f.fix, f.count]),
      [
        ['followers', 'parse_k_suffix', 1],
        ['followers', 'median_impute', 2],
        ['rate', 'median_impute', 1],
      ],
    );
    assert.deepEqual(report.fixes[1]?.sample, [
      { _source_line: 2, before: null, after: '30' },
      { _source_line: 5, before: '  ', after: '30' },
    ]);
  });

  test('median from a trailing window relation instead of the partition', async () => {
    const history = `hist_${++n}`;
    await runner.query(`CREATE TABLE ${history} AS SELECT i::BIGINT AS followers, NULL::DOUBLE AS rate FROM range(1, 100) r(i)`);
    const source = await raw([
      ['a', '1000000', null],
      ['b', null, null],
    ]);
    const { rows } = await fix(source, { followers: ['median_impute'] }, { medianFrom: history });
    assert.equal(rows[1]?.followers, 50n);
  });

  test('bad configurations are rejected before any SQL runs', () => {
    assert.throws(() => compileRowValidation(schema, { source: 'x', autoFix: { nope: ['trim'] } }), /autoFix names column "nope"/);
    assert.throws(() => compileRowValidation(schema, { source: 'x', autoFix: { handle: ['median_impute'] } }), /median_impute needs a numeric column/);
    assert.throws(() => compileRowValidation(schema, { source: 'x', autoFix: { handle: ['shout' as never] } }), (e) => isQuarryError(e, 'QUARRY_BAD_CHECK'));
    assert.throws(() => compileRowValidation(schema, { source: 'x', autoFix: { handle: [] } }), /non-empty list/);
  });
});
