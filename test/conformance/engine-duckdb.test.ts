import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { defineAsset, type AssetDefinition, type PartitionScope } from '../../packages/core/src/definitions/index.ts';
import { createDuckDbEngine, type InputRelation } from '../../packages/core/src/engines/index.ts';
import { isQuarryError } from '../../packages/core/src/errors.ts';
import { createLocalObjectStore, createMemoryObjectStore } from '../../packages/core/src/storage/index.ts';
import { engineSuite } from './engine-suite.ts';

engineSuite('duckdb over a local store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-engine-duckdb-'));
  const store = createLocalObjectStore({ root: join(dir, 'lake') });
  const engine = await createDuckDbEngine({ store, threads: 2, tempDir: dir });
  return {
    engine,
    store,
    capabilities: engine.capabilities,
    cleanup: async () => {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

// A store without local paths: inputs are copied to scratch files and outputs staged outside the store.
engineSuite('duckdb over a memory store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-engine-duckdb-mem-'));
  const store = createMemoryObjectStore();
  const engine = await createDuckDbEngine({ store, threads: 2, tempDir: dir });
  return {
    engine,
    store,
    capabilities: engine.capabilities,
    cleanup: async () => {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

// DuckDB-specific behaviour the generic suite cannot state.

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const oneDay: PartitionScope = { keys: ['2026-01-01'], firstKey: '2026-01-01', lastKey: '2026-01-01', start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-01-02T00:00:00Z') };

async function localEngine(options: { timeZone?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-engine-duckdb-x-'));
  const lake = join(dir, 'lake');
  const store = createLocalObjectStore({ root: lake });
  const engine = await createDuckDbEngine({ store, threads: 2, tempDir: dir, ...options });
  const materialize = (asset: AssetDefinition, rest: { inputs?: InputRelation[]; outputPath?: string; scope?: PartitionScope } = {}) =>
    engine.materialize({
      asset,
      scope: rest.scope ?? oneDay,
      inputs: rest.inputs ?? [],
      outputPath: rest.outputPath ?? `${asset.key}/${Math.random().toString(36).slice(2)}.parquet`,
      runId: 'r1',
      log: quiet,
      signal: new AbortController().signal,
    });
  return {
    dir,
    lake,
    store,
    engine,
    materialize,
    cleanup: async () => {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

test('duckdb: failed steps leave no staged files in the lake, and close() removes the scratch directory', async () => {
  const x = await localEngine();
  try {
    await assert.rejects(x.materialize(defineAsset({ key: 'marts/broken', sql: 'select nope' }), { outputPath: 'marts/broken/v1.parquet' }));
    await assert.rejects(x.materialize(defineAsset({ key: 'marts/typed', schema: z.object({ a: z.number() }), sql: 'select 1 as b' }), { outputPath: 'marts/typed/v1.parquet' }));
    await x.materialize(defineAsset({ key: 'marts/ok', sql: 'select 1 as a' }), { outputPath: 'marts/ok/v1.parquet' });
    assert.deepEqual(await filesUnder(x.lake), [join(x.lake, 'marts', 'ok', 'v1.parquet')]);
    const scratch = (await readdir(x.dir)).filter((name) => name.startsWith('quarry-duckdb-'));
    assert.equal(scratch.length, 1);
    await x.engine.close();
    assert.deepEqual((await readdir(x.dir)).filter((name) => name.startsWith('quarry-duckdb-')), []);
    await assert.rejects(x.materialize(defineAsset({ key: 'marts/ok', sql: 'select 1 as a' })), (e: unknown) => isQuarryError(e, 'QUARRY_ENGINE_ERROR') && e.message.includes('closed'));
  } finally {
    await x.cleanup();
  }
});

test('duckdb: partition keys are bound, never pasted into SQL, and odd names are quoted', async () => {
  const x = await localEngine();
  try {
    const nasty = "x'); DROP TABLE t; --";
    const out = await x.materialize(defineAsset({ key: 'marts/keys', sql: 'select $partition_key as k' }), { scope: { keys: [nasty], firstKey: nasty, lastKey: nasty, start: undefined, end: undefined }, outputPath: "marts/keys/it's v1.parquet" });
    const view = { name: 'we"ird view', assetKey: 'marts/keys', files: out.files };
    const result = await x.engine.query('select k from "we""ird view"', { views: [view] });
    assert.deepEqual(result.rows, [{ k: nasty }]);
  } finally {
    await x.cleanup();
  }
});

test('duckdb: upstream files written before and after a column was added read as one view', async () => {
  const x = await localEngine();
  try {
    const v1 = await x.materialize(defineAsset({ key: 'raw/users', sql: "select 1 as id, 'a' as name" }));
    const v2 = await x.materialize(defineAsset({ key: 'raw/users', sql: "select 2 as id, 'b' as name, 'fr' as country" }));
    const result = await x.engine.query('select * from users order by id', { views: [{ name: 'users', assetKey: 'raw/users', files: [...v1.files, ...v2.files] }] });
    assert.deepEqual(result.rows, [
      { id: 1, name: 'a', country: null },
      { id: 2, name: 'b', country: 'fr' },
    ]);
  } finally {
    await x.cleanup();
  }
});

test('duckdb: compute rows keep 64-bit integers exactly; ctx.connection is the DuckDB connection', async () => {
  const x = await localEngine();
  try {
    let connection: unknown;
    const out = await x.materialize(
      defineAsset({
        key: 'marts/big',
        schema: z.object({ id: z.bigint() }),
        compute: (ctx) => {
          connection = ctx.connection;
          return [{ id: 9007199254740993n }, { id: '-9223372036854775808' }, { id: 7 }];
        },
      }),
    );
    assert.ok(connection instanceof DuckDBConnection);
    const result = await x.engine.query('select id from big order by id', { views: [{ name: 'big', assetKey: 'marts/big', files: out.files }] });
    assert.deepEqual(result.rows, [{ id: '-9223372036854775808' }, { id: 7 }, { id: '9007199254740993' }]);
    assert.deepEqual(result.columns, [{ name: 'id', type: 'BIGINT' }]);
  } finally {
    await x.cleanup();
  }
});

test('duckdb: the session time zone is UTC by default and configurable', async () => {
  const utc = await localEngine();
  const paris = await localEngine({ timeZone: 'Europe/Paris' });
  try {
    const sql = "select (TIMESTAMPTZ '2026-01-15 23:30:00+00')::DATE::VARCHAR as day";
    assert.deepEqual((await utc.engine.query(sql)).rows, [{ day: '2026-01-15' }]);
    assert.deepEqual((await paris.engine.query(sql)).rows, [{ day: '2026-01-16' }]);
  } finally {
    await utc.cleanup();
    await paris.cleanup();
  }
});

test('duckdb: bad configuration is QUARRY_BAD_CONFIG naming the value', async () => {
  const store = createMemoryObjectStore();
  await assert.rejects(createDuckDbEngine({ store, threads: 0 }), (e: unknown) => isQuarryError(e, 'QUARRY_BAD_CONFIG') && e.message.includes('threads'));
  await assert.rejects(createDuckDbEngine({ store, timeZone: 'Mars/Olympus' }), (e: unknown) => isQuarryError(e, 'QUARRY_BAD_CONFIG') && e.message.includes('Mars/Olympus'));
  await assert.rejects(createDuckDbEngine({ store, memoryLimit: 'lots' }), (e: unknown) => isQuarryError(e, 'QUARRY_BAD_CONFIG') && e.message.includes('lots'));
});
