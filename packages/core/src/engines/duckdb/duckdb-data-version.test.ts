import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { defineAsset } from '../../definitions/index.ts';
import { createLocalObjectStore } from '../../storage/index.ts';
import { combineDataVersion } from '../engine.ts';
import { createDuckDbEngine } from './duckdb-engine.ts';
import { describeParquetSql, parquetDigestSql } from './duckdb-sql.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const scope = { keys: ['2026-01-01'], firstKey: '2026-01-01', lastKey: '2026-01-01', start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-01-02T00:00:00Z') };

// One column of each type an asset may produce; `i` runs over 0..299.
const COLUMNS: Record<string, string> = {
  int: 'i::INTEGER',
  big: 'i::BIGINT',
  small: '(i % 100)::SMALLINT',
  tiny: '(i % 100)::TINYINT',
  utiny: '(i % 200)::UTINYINT',
  uint: 'i::UINTEGER',
  ubig: 'i::UBIGINT',
  huge: 'i::HUGEINT * 1000000000000',
  uhuge: 'i::UHUGEINT',
  dbl: 'i / 7.0',
  flt: '(i / 3)::FLOAT',
  dec: '(i / 7)::DECIMAL(18,3)',
  dec38: '(i / 7)::DECIMAL(38,10)',
  txt: "'v' || i",
  flag: 'i % 2 = 0',
  d: "DATE '2026-01-01' + i::INTEGER",
  ts: "TIMESTAMP '2026-01-01' + to_seconds(i)",
  tstz: "TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i)",
  tsns: "(TIMESTAMP '2026-01-01' + to_seconds(i))::TIMESTAMP_NS",
  tss: "(TIMESTAMP '2026-01-01' + to_seconds(i))::TIMESTAMP_S",
  t: "TIME '10:00:00' + to_seconds(i)",
  ttz: "'10:00:00+02'::TIMETZ",
  iv: 'to_days(i::INTEGER)',
  id: "('00000000-0000-0000-0000-' || lpad(i::VARCHAR, 12, '0'))::UUID",
  bin: "'\\xAA'::BLOB",
  list: '[i, i + 1]',
  arr: '[i, i]::INTEGER[2]',
  rec: "{'a': i, 'b': 'x'}",
  kv: "MAP {'k': i}",
  kind: "(['a', 'b'][i % 2 + 1])::ENUM('a', 'b')",
  doc: '\'{"a": 1}\'::JSON',
  bits: "'0101'::BIT",
  nested: "{'e': ('a')::ENUM('a', 'b'), 'h': i::HUGEINT}",
  nothing: 'NULL::INTEGER',
  nan: "CASE WHEN i = 0 THEN 'nan'::DOUBLE ELSE i END",
};

test('the data version computed while writing equals the digest of the written file, for every column type', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-duckdb-dv-'));
  const store = createLocalObjectStore({ root: join(dir, 'lake') });
  const engine = await createDuckDbEngine({ store, threads: 2, tempDir: dir });
  const reader = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await reader.connect();
  try {
    // What the engine computed before: the written file read back, column types as the file gives them.
    const fromFile = async (file: string) => {
      const columns = (await connection.runAndReadAll(describeParquetSql(file))).getRows().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
      const [rows, digest] = (await connection.runAndReadAll(parquetDigestSql(file, columns))).getRows()[0]!;
      return { columns, dataVersion: combineDataVersion(columns, Number(rows), String(digest)) };
    };
    let n = 0;
    const cases: [string, string][] = [...Object.entries(COLUMNS).map(([name, expr]): [string, string] => [name, `select ${expr} as "${name}", i from range(300) r(i)`])];
    // All flat types at once (the single-round-trip path), and all of them together.
    cases.push(['flat', `select ${['int', 'big', 'dbl', 'txt', 'flag', 'd', 'tstz', 'dec'].map((c) => `${COLUMNS[c]} as ${c}`).join(', ')} from range(300) r(i)`]);
    cases.push(['all', `select ${Object.entries(COLUMNS).map(([c, e]) => `${e} as "${c}"`).join(', ')} from range(300) r(i)`]);
    cases.push(['empty', 'select 1::BIGINT as a, 2::HUGEINT as b where false']);
    for (const [name, sql] of cases) {
      const out = await engine.materialize({ asset: defineAsset({ key: `dv/${name}`, sql }), scope, inputs: [], outputPath: `dv/${name}/v${++n}.parquet`, runId: 'r', log: quiet, signal: new AbortController().signal });
      const expected = await fromFile(store.localPath(out.files[0]!));
      assert.deepEqual(out.columns, expected.columns, name);
      assert.equal(out.dataVersion, expected.dataVersion, `${name}: ${sql}`);
    }
    // Rows a compute function returns take the same path.
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n${i}`, score: i / 3 }));
    const out = await engine.materialize({ asset: defineAsset({ key: 'dv/rows', compute: () => rows }), scope, inputs: [], outputPath: 'dv/rows/v1.parquet', runId: 'r', log: quiet, signal: new AbortController().signal });
    assert.equal(out.dataVersion, (await fromFile(store.localPath(out.files[0]!))).dataVersion);
  } finally {
    connection.closeSync();
    reader.closeSync();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
});
