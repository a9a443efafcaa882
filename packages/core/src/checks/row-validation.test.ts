import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { z } from 'zod';
import { createDuckDbCheckRunner } from '../engines/duckdb/index.ts';
import { isQuarryError } from '../errors.ts';
import {
  compileRowValidation,
  duckDbCheckDialect,
  validateRows,
  type CheckDialectName,
  type CheckQueryRunner,
  type RowValidationReport,
} from './index.ts';

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

const NOW = new Date('2026-02-01T00:00:00Z');

const creatorSchema = z.object({
  handle: z.string().min(2).max(30).regex(/^[a-z0-9_]+$/),
  followers: z.number().int().nonnegative(),
  engagement_rate: z.number().min(0).max(1),
  updated_at: z.iso.datetime(),
  category: z.enum(['dance', 'comedy', 'food']),
  email: z.email().optional(),
  bonus: z.number().multipleOf(5).optional(),
});

const COLUMNS = ['_source_file', '_source_line', 'handle', 'followers', 'engagement_rate', 'updated_at', 'category', 'email', 'bonus'];
const GOOD = ['alice', '10', '0.5', '2026-01-15T10:00:00Z', 'dance', null, null];

/** A raw all-VARCHAR table: one row per value list (schema columns in COLUMNS order). */
async function raw(rows: readonly (readonly (string | null)[])[]): Promise<string> {
  const name = `raw_${++n}`;
  const lit = (v: string | null) => (v === null ? 'NULL::VARCHAR' : duckDbCheckDialect.string(v));
  const values = rows.map((r, i) => `('landing/creators.csv', '${i + 2}', ${r.map(lit).join(', ')})`).join(', ');
  await runner.query(`CREATE TABLE ${name} AS SELECT * FROM (VALUES ${values}) t(${COLUMNS.join(', ')})`);
  return name;
}

async function validate(source: string, schema = creatorSchema, extra: Partial<Parameters<typeof validateRows>[2]> = {}): Promise<RowValidationReport & { accepted: string; rejected: string }> {
  const accepted = `acc_${++n}`;
  const rejected = `rej_${++n}`;
  const report = await validateRows(runner, schema, { source, accepted, rejected, sourceColumns: ['_source_file', '_source_line'], now: NOW, ...extra });
  return { ...report, accepted, rejected };
}

describe('row validation', () => {
  test('every SQL reason code, with the bad value in the text and the source location kept', async () => {
    const cases: [string, (string | null)[], string][] = [
      ['missing_required:followers', ['alice', null, '0.5', '2026-01-15T10:00:00Z', 'dance', null, null], 'followers: required but missing'],
      ['missing_required:followers', ['alice', '  ', '0.5', '2026-01-15T10:00:00Z', 'dance', null, null], 'followers: required but missing'],
      ['bad_type:followers', ['alice', '12x', '0.5', '2026-01-15T10:00:00Z', 'dance', null, null], 'followers: expected an integer, got "12x"'],
      ['bad_type:followers', ['alice', '1.5', '0.5', '2026-01-15T10:00:00Z', 'dance', null, null], 'followers: expected an integer, got "1.5"'],
      ['bad_type:engagement_rate', ['alice', '10', 'inf', '2026-01-15T10:00:00Z', 'dance', null, null], 'engagement_rate: expected a number, got "inf"'],
      ['bad_timestamp:updated_at', ['alice', '10', '0.5', '2026-02-30 10:00', 'dance', null, null], 'updated_at: expected a timestamp, got "2026-02-30 10:00"'],
      ['future_timestamp:updated_at', ['alice', '10', '0.5', '2026-02-01T00:00:01Z', 'dance', null, null], 'updated_at: "2026-02-01T00:00:01Z" is after 2026-02-01T00:00:00.000Z'],
      ['out_of_range:followers', ['alice', '-1', '0.5', '2026-01-15T10:00:00Z', 'dance', null, null], 'followers: "-1" is outside [0, 9007199254740991]'],
      ['out_of_range:engagement_rate', ['alice', '10', '1.01', '2026-01-15T10:00:00Z', 'dance', null, null], 'engagement_rate: "1.01" is outside [0, 1]'],
      ['not_multiple_of:bonus', ['alice', '10', '0.5', '2026-01-15T10:00:00Z', 'dance', null, '7'], 'bonus: "7" is not a multiple of 5'],
      ['bad_length:handle', ['a', '10', '0.5', '2026-01-15T10:00:00Z', 'dance', null, null], 'handle: length 1 of "a" is outside [2, 30]'],
      ['bad_format:handle', ['Alice!', '10', '0.5', '2026-01-15T10:00:00Z', 'dance', null, null], 'handle: "Alice!" does not match the regex format'],
      ['bad_format:email', ['alice', '10', '0.5', '2026-01-15T10:00:00Z', 'dance', 'not-an-email', null], 'email: "not-an-email" does not match the email format'],
      ['not_in_enum:category', ['alice', '10', '0.5', '2026-01-15T10:00:00Z', 'opera', null, null], 'category: "opera" is not one of "dance", "comedy", "food"'],
    ];
    const source = await raw([GOOD, ...cases.map((c) => c[1])]);
    const report = await validate(source);
    assert.equal(report.inputCount, cases.length + 1);
    assert.equal(report.acceptedCount, 1);
    assert.equal(report.rejectedCount, cases.length);
    assert.equal(report.jsValidatedRows, 0, 'this schema needs no JavaScript');
    const rejected = await runner.query(`SELECT _source_file, _source_line, reason_code, reason, followers FROM ${report.rejected} ORDER BY _source_line::INT`);
    assert.deepEqual(
      rejected.map((r) => [r._source_line, r.reason_code, r.reason]),
      cases.map((c, i) => [String(i + 3), c[0], c[2]]),
    );
    assert.equal(rejected[0]?._source_file, 'landing/creators.csv');
    assert.equal(rejected[2]?.followers, '12x', 'rejected rows keep the raw text');
    assert.equal(report.rejectedByReason['bad_type:followers'], 2);
    assert.equal(report.result.kind, 'rowValidation');
    assert.equal(report.result.status, 'warned');
    assert.equal(report.result.failingCount, cases.length);
  });

  test('a row gets the first failing reason: columns in schema order, rules in documented order', async () => {
    const source = await raw([
      ['a', 'x', '9', 'never', 'opera', 'bad', '3'], // handle fails first (bad_length before anything later)
      ['alice', 'x', '9', 'never', 'opera', 'bad', '3'], // followers: bad_type before the later columns
      ['alice', '-5', '9', 'never', 'opera', 'bad', '3'], // followers: out_of_range
    ]);
    const report = await validate(source);
    const codes = (await runner.query(`SELECT reason_code FROM ${report.rejected} ORDER BY _source_line::INT`)).map((r) => r.reason_code);
    assert.deepEqual(codes, ['bad_length:handle', 'bad_type:followers', 'out_of_range:followers']);
  });

  test('accepted rows are typed; offsets are converted to UTC; optional and default fields fill in', async () => {
    const schema = z.object({
      id: z.bigint(),
      score: z.number(),
      active: z.boolean(),
      day: z.iso.date(),
      at: z.iso.datetime({ offset: true }),
      seen: z.date(),
      note: z.string().nullable(),
      tier: z.number().int().default(1),
      rank: z.literal(7).optional(),
    });
    const name = `raw_${++n}`;
    await runner.query(`CREATE TABLE ${name} AS SELECT * FROM (VALUES
      ('1', '2', '9007199254740993', ' 1.5 ', 'yes', '2026-01-15', '2026-01-15T10:00:00+02:00', '2026-01-15 10:00:00', NULL, NULL, '7'),
      ('1', '3', '-4', '1e3', 'F', '2026-01-16', '2026-01-15T10:00:00Z', '2026-01-15', 'hi', '3', NULL)
    ) t(_source_file, _source_line, id, score, active, day, "at", seen, note, tier, rank)`);
    const report = await validate(name, schema as never);
    assert.equal(report.acceptedCount, 2, JSON.stringify(report.rejectedByReason));
    const rows = await runner.query(`SELECT * FROM ${report.accepted} ORDER BY _source_line`);
    assert.deepEqual(rows[0], {
      _source_file: '1',
      _source_line: '2',
      id: 9007199254740993n,
      score: 1.5,
      active: true,
      day: new Date('2026-01-15T00:00:00Z'),
      at: new Date('2026-01-15T08:00:00Z'),
      seen: new Date('2026-01-15T10:00:00Z'),
      note: null,
      tier: 1n,
      rank: 7n,
    });
    assert.equal(rows[1]?.score, 1000);
    assert.equal(rows[1]?.active, false);
    assert.equal(rows[1]?.tier, 3n);
    const types = await runner.query(`SELECT column_name, column_type FROM (DESCRIBE ${report.accepted})`);
    assert.deepEqual(
      types.map((t) => `${t.column_name} ${t.column_type}`),
      ['_source_file VARCHAR', '_source_line VARCHAR', 'id BIGINT', 'score DOUBLE', 'active BOOLEAN', 'day DATE', 'at TIMESTAMP', 'seen TIMESTAMP', 'note VARCHAR', 'tier BIGINT', 'rank BIGINT'],
    );
  });

  test('refinements SQL cannot express are validated in JavaScript, in batches', async () => {
    const schema = creatorSchema
      .extend({ website: z.url().optional() })
      .refine((r) => r.followers < 1_000_000 || r.engagement_rate < 0.9, { message: 'too good to be true', path: ['engagement_rate'] });
    const name = `raw_${++n}`;
    const rows: string[] = [];
    for (let i = 0; i < 25; i++) {
      const followers = i % 5 === 0 ? 2_000_000 : 100;
      const website = i === 3 ? 'not a url' : 'https://example.com';
      rows.push(`('f', '${i}', 'user_${i}', '${followers}', '0.95', '2026-01-15T10:00:00Z', 'food', NULL, NULL, '${website}')`);
    }
    rows.push(`('f', '99', 'x', '1', '0.1', '2026-01-15T10:00:00Z', 'food', NULL, NULL, NULL)`);
    await runner.query(`CREATE TABLE ${name} AS SELECT * FROM (VALUES ${rows.join(', ')}) t(${[...COLUMNS, 'website'].join(', ')})`);
    const compiled = compileRowValidation(schema as never, { source: name });
    assert.deepEqual(compiled.jsValidation, { fields: ['website'], objectRefinements: true });
    const report = await validate(name, schema as never, { batchSize: 7 });
    assert.equal(report.jsValidatedRows, 25, 'only rows SQL accepted go through JavaScript');
    assert.deepEqual(report.rejectedByReason, { 'bad_format:website': 1, 'bad_length:handle': 1, 'refinement:engagement_rate': 5 });
    assert.equal(report.acceptedCount + report.rejectedCount, 26);
    const [row] = await runner.query(`SELECT reason FROM ${report.rejected} WHERE reason_code LIKE 'refinement%' LIMIT 1`);
    assert.equal(row?.reason, 'engagement_rate: too good to be true');
  });

  test('a schema column absent from the source reads as missing', async () => {
    const name = `raw_${++n}`;
    await runner.query(`CREATE TABLE ${name} AS SELECT 'f' AS _source_file, '1' AS _source_line, 'alice' AS handle`);
    const report = await validate(name, z.object({ handle: z.string(), followers: z.number().optional(), verified: z.boolean() }) as never);
    assert.deepEqual(report.rejectedByReason, { 'missing_required:verified': 1 });
  });

  test('JSON-typed raw columns are read as text', async () => {
    const name = `raw_${++n}`;
    await runner.query(`CREATE TABLE ${name} AS SELECT 'f' AS _source_file, '1' AS _source_line, '"alice"'::JSON AS handle, '12'::JSON AS followers`);
    const report = await validate(name, z.object({ handle: z.string(), followers: z.number().int() }) as never, { input: 'json' });
    assert.equal(report.acceptedCount, 1);
    const [row] = await runner.query(`SELECT handle, followers FROM ${report.accepted}`);
    assert.deepEqual(row, { handle: 'alice', followers: 12n });
  });

  test('invariant: accepted + rejected = input for arbitrary raw text', async () => {
    const cell = fc.oneof(
      fc.constant(null),
      fc.string({ maxLength: 12 }),
      fc.constantFrom('0', '-1', '12k', '1,234', '1.5', '1e400', 'NaN', ' 7 ', '2026-01-15T10:00:00Z', '2031-01-01', 'dance', 'a@b.co', 'x_y'),
    );
    const rowArb = fc.array(cell, { minLength: 7, maxLength: 7 });
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 30 }), async (rows) => {
        const source = await raw(rows);
        const report = await validate(source, creatorSchema, { autoFix: { followers: ['parse_k_suffix', 'parse_thousands', 'median_impute'], handle: ['trim', 'lowercase'] } });
        const [counts] = await runner.query(`SELECT (SELECT count(*) FROM ${report.accepted}) AS a, (SELECT count(*) FROM ${report.rejected}) AS r, (SELECT count(*) FROM ${source}) AS i`);
        assert.equal(Number(counts?.a) + Number(counts?.r), Number(counts?.i));
        assert.equal(report.inputCount, rows.length);
        const lines = await runner.query(`SELECT _source_line FROM ${report.accepted} UNION ALL SELECT _source_line FROM ${report.rejected}`);
        assert.equal(new Set(lines.map((l) => l._source_line)).size, rows.length, 'every source line appears exactly once');
      }),
      { numRuns: 25 },
    );
  });

  test('source columns may not clash with schema or output columns', () => {
    assert.throws(
      () => compileRowValidation(creatorSchema, { source: 'raw', sourceColumns: ['handle'] }),
      (e) => isQuarryError(e, 'QUARRY_BAD_CHECK') && /clashes/.test((e as Error).message),
    );
  });

  test('compiles for each engine', () => {
    const schema = z.object({ n: z.number().int() });
    const expected: Record<CheckDialectName, { accepted: string; parse: string }> = {
      duckdb: { accepted: 'SELECT "n" FROM c WHERE reason_code IS NULL', parse: 'TRY_CAST(trim(_q_raw_0) AS DOUBLE)' },
      bigquery: { accepted: 'SELECT `n` FROM c WHERE reason_code IS NULL', parse: 'SAFE_CAST(trim(_q_raw_0) AS FLOAT64)' },
    };
    for (const dialect of Object.keys(expected) as CheckDialectName[]) {
      const compiled = compileRowValidation(schema, { source: 'raw', dialect });
      assert.equal(compiled.acceptedSql('c'), expected[dialect].accepted);
      assert.ok(compiled.classifySql.includes(expected[dialect].parse), compiled.classifySql);
    }
  });
});
