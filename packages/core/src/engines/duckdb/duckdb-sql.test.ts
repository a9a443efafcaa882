import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { decimal } from '../../definitions/index.ts';
import { isQuarryError } from '../../errors.ts';
import {
  checkTypeName,
  copyQueryToParquetSql,
  createEmptyViewSql,
  createFileViewSql,
  duckDbColumnsFromSchema,
  parquetDigestSql,
  quoteIdentifier,
  quoteString,
  subquerySql,
} from './duckdb-sql.ts';

test('quoteIdentifier doubles inner quotes and refuses NUL', () => {
  assert.equal(quoteIdentifier('events'), '"events"');
  assert.equal(quoteIdentifier('we"ird name'), '"we""ird name"');
  assert.throws(() => quoteIdentifier('a\u0000b'), (e: unknown) => isQuarryError(e, 'QUARRY_ENGINE_ERROR'));
});

test('quoteString doubles single quotes and leaves backslashes alone', () => {
  assert.equal(quoteString("it's"), "'it''s'");
  assert.equal(quoteString('C:\\lake\\x.parquet'), "'C:\\lake\\x.parquet'");
  assert.equal(quoteString("'; DROP TABLE x; --"), "'''; DROP TABLE x; --'");
  assert.throws(() => quoteString('a\u0000'), (e: unknown) => isQuarryError(e, 'QUARRY_ENGINE_ERROR'));
});

test('checkTypeName accepts DuckDB type names and rejects anything that could end the statement', () => {
  for (const ok of ['BIGINT', 'TIMESTAMP WITH TIME ZONE', 'DECIMAL(18,3)', 'INTEGER[]', 'STRUCT("a b" INTEGER, c VARCHAR[])', 'MAP(VARCHAR, BIGINT)']) {
    assert.equal(checkTypeName(ok), ok);
  }
  for (const bad of ['BIGINT; DROP TABLE t', 'INT -- comment', "VARCHAR'", '1INT', '', 'INT/*x*/']) {
    assert.throws(() => checkTypeName(bad), (e: unknown) => isQuarryError(e, 'QUARRY_ENGINE_ERROR') && e.message.includes(JSON.stringify(bad)));
  }
});

test('subquerySql drops trailing semicolons and ends with a newline so a trailing comment stays harmless', () => {
  assert.equal(subquerySql('select 1;  \n'), 'select 1\n');
  assert.equal(subquerySql('select 1 ;;'), 'select 1\n');
  assert.equal(subquerySql('select 1 -- the answer'), 'select 1 -- the answer\n');
  assert.equal(subquerySql('\n  select 1\n'), '\n  select 1\n');
  assert.equal(copyQueryToParquetSql('select 1 -- c', "/tmp/o'k.parquet"), "COPY (select 1 -- c\n) TO '/tmp/o''k.parquet' (FORMAT parquet, COMPRESSION zstd)");
});

test('view SQL reads exactly the listed files, without hive partition columns', () => {
  assert.equal(
    createFileViewSql('events', ['/lake/a.parquet', "/lake/b'c.parquet"]),
    `CREATE OR REPLACE TEMP VIEW "events" AS SELECT * FROM read_parquet(['/lake/a.parquet', '/lake/b''c.parquet'], hive_partitioning = false, union_by_name = true)`,
  );
  assert.equal(
    createEmptyViewSql('events', [
      { name: 'id', type: 'BIGINT' },
      { name: 'at', type: 'TIMESTAMP WITH TIME ZONE' },
    ]),
    `CREATE OR REPLACE TEMP VIEW "events" AS SELECT CAST(NULL AS BIGINT) AS "id", CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS "at" WHERE false`,
  );
});

test('duckDbColumnsFromSchema maps zod fields to DuckDB types in schema order', () => {
  const schema = z.object({
    id: z.number().int(),
    name: z.string(),
    score: z.number(),
    ok: z.boolean(),
    created: z.date(),
    at: z.iso.datetime(),
    day: z.iso.date(),
    tier: z.enum(['gold', 'silver']),
    note: z.string().nullable(),
    maybe: z.number().int().optional(),
    tags: z.array(z.string()),
    big: z.bigint(),
  });
  assert.deepEqual(duckDbColumnsFromSchema(schema), [
    { name: 'id', type: 'BIGINT', nullable: false },
    { name: 'name', type: 'VARCHAR', nullable: false },
    { name: 'score', type: 'DOUBLE', nullable: false },
    { name: 'ok', type: 'BOOLEAN', nullable: false },
    { name: 'created', type: 'TIMESTAMP WITH TIME ZONE', nullable: false },
    { name: 'at', type: 'TIMESTAMP WITH TIME ZONE', nullable: false },
    { name: 'day', type: 'DATE', nullable: false },
    { name: 'tier', type: 'VARCHAR', nullable: false },
    { name: 'note', type: 'VARCHAR', nullable: true },
    { name: 'maybe', type: 'BIGINT', nullable: true },
    { name: 'tags', type: 'JSON', nullable: false },
    { name: 'big', type: 'BIGINT', nullable: false },
  ]);
});

// schemaColumns (definitions/) reads the format of z.int()/z.int32() and of z.string().datetime()/.date()
// from places zod 4 does not put it; these pass once the lead's fix lands.
test('duckDbColumnsFromSchema maps z.int() and z.string().datetime()/.date()', () => {
  const schema = z.object({ a: z.int(), b: z.int32(), c: z.string().datetime(), d: z.string().date() });
  assert.deepEqual(
    duckDbColumnsFromSchema(schema).map((c) => c.type),
    ['BIGINT', 'BIGINT', 'TIMESTAMP WITH TIME ZONE', 'DATE'],
  );
});

test('decimal(p, s) maps to DECIMAL(p,s), kept through .min() and .optional(); bad precision or scale is named', () => {
  const schema = z.object({ amount: decimal(18, 2), fee: decimal(10, 4).min(0).optional(), n: z.int() });
  assert.deepEqual(duckDbColumnsFromSchema(schema), [
    { name: 'amount', type: 'DECIMAL(18,2)', nullable: false },
    { name: 'fee', type: 'DECIMAL(10,4)', nullable: true },
    { name: 'n', type: 'BIGINT', nullable: false },
  ]);
  assert.throws(() => decimal(40, 2), /precision must be a whole number from 1 to 38, got 40/);
  assert.throws(() => decimal(5, 6), /scale must be a whole number from 0 to 5, got 6/);
});

test('the data version digest hashes DOUBLE and FLOAT columns rounded to 12 significant digits, other columns as they are', () => {
  assert.equal(
    parquetDigestSql('/tmp/x.parquet', [{ name: 'g', type: 'BIGINT' }, { name: 's', type: 'DOUBLE' }, { name: 'f', type: 'FLOAT' }]),
    `SELECT count(*) AS row_count, coalesce(sum(hash("g", printf('%.12g', "s"), printf('%.12g', "f"))::HUGEINT), 0)::VARCHAR AS digest FROM read_parquet('/tmp/x.parquet')`,
  );
  assert.equal(parquetDigestSql('/tmp/x.parquet', [{ name: 'g', type: 'BIGINT' }]), `SELECT count(*) AS row_count, coalesce(sum(hash(*COLUMNS(*))::HUGEINT), 0)::VARCHAR AS digest FROM read_parquet('/tmp/x.parquet')`);
});
