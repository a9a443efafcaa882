import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defineAsset, type PartitionScope } from '../definitions/index.ts';
import { isQuarryError } from '../errors.ts';
import { createMemoryObjectStore } from '../storage/index.ts';
import { createDuckDbEngine } from './duckdb/index.ts';
import { PARTITION_SQL_PARAMETERS } from './partition-sql-parameters.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
// Three days in one step, so first and last key differ.
const range: PartitionScope = {
  keys: ['2026-01-02', '2026-01-03', '2026-01-04'],
  firstKey: '2026-01-02',
  lastKey: '2026-01-04',
  start: new Date('2026-01-02T00:00:00Z'),
  end: new Date('2026-01-05T00:00:00Z'),
};
// DuckDB's DESCRIBE spells TIMESTAMPTZ out.
const DESCRIBED: Readonly<Record<string, string>> = { TIMESTAMPTZ: 'TIMESTAMP WITH TIME ZONE' };

test('every documented SQL parameter is bound by the DuckDB engine with its documented type, and no other $partition_ name is', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-sql-parameters-'));
  const engine = await createDuckDbEngine({ store: createMemoryObjectStore(), threads: 1, tempDir: dir });
  const materialize = (sql: string) =>
    engine.materialize({ asset: defineAsset({ key: 'marts/params', sql }), scope: range, inputs: [], outputPath: `marts/params/${Math.random().toString(36).slice(2)}.parquet`, runId: 'r1', log: quiet, signal: new AbortController().signal });
  try {
    const out = await materialize(`select ${PARTITION_SQL_PARAMETERS.map((p) => `$${p.name} as ${p.name}`).join(', ')}`);
    assert.deepEqual(
      out.columns.map((c) => [c.name, c.type]),
      PARTITION_SQL_PARAMETERS.map((p) => [p.name, DESCRIBED[p.type] ?? p.type]),
    );
    assert.equal(out.rowCount, 1);
    await assert.rejects(materialize('select $partition_count as n'), (e: unknown) => isQuarryError(e) && e.message.includes('partition_count'));
  } finally {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
});
