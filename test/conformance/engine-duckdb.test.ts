import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
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

// Read-only `query` and locked steps, DuckDB's own escape hatches (issue "Trust", points 3 and 4).

test('duckdb: query() refuses every way out of the views: ATTACH, EXPORT, INSTALL/LOAD, SET/RESET, PRAGMA, file functions', async () => {
  const x = await localEngine();
  try {
    // DuckDB runs the conformance suite's declared-inputs tests (they skip only engines without it).
    assert.equal(x.engine.capabilities.declaredInputsOnly, true);
    const out = await x.materialize(defineAsset({ key: 'raw/users', sql: "select 1 as id, 'a' as name" }), { outputPath: 'raw/users/v1.parquet' });
    const views = [{ name: 'raw__users', assetKey: 'raw/users', files: out.files }];
    const outside = join(x.dir, 'outside');
    const readOnly: [string, string][] = [
      [`ATTACH '${join(x.dir, 'other.duckdb')}' AS other`, 'ATTACH'],
      [`ATTACH ':memory:' AS other`, 'ATTACH'],
      [`EXPORT DATABASE '${outside}'`, 'EXPORT DATABASE writes files'],
      ['INSTALL httpfs', 'extensions cannot be installed'],
      ['LOAD httpfs', 'extensions cannot be loaded'],
      ['SET enable_external_access = true', 'settings are locked'],
      ['RESET lock_configuration', 'settings are locked'],
      ["SET allowed_directories = ['/']", 'settings are locked'],
      ['PRAGMA enable_profiling', 'PRAGMA'],
      ['PRAGMA version', 'PRAGMA'],
      ['CREATE TABLE t AS SELECT 1', 'CREATE'],
      [`select * from raw__users; COPY raw__users TO '${join(x.dir, 'x.csv')}'`, '2 statements'],
    ];
    for (const [sql, fragment] of readOnly) {
      await assert.rejects(x.engine.query(sql, { views }), (e: unknown) => isQuarryError(e, 'QUARRY_QUERY_READ_ONLY') && e.message.includes(fragment), sql);
    }
    const denied = ["select * from read_csv('/etc/passwd')", "select * from read_text('/etc/hostname')", `select * from glob('${x.lake}/**')`, `select * from read_parquet('${x.lake}/**/*.parquet')`];
    for (const sql of denied) {
      await assert.rejects(x.engine.query(sql, { views }), (e: unknown) => isQuarryError(e, 'QUARRY_BAD_FILE_ACCESS') && e.message.includes("lake's asset views"), sql);
    }
    assert.deepEqual(await filesUnder(x.dir).then((files) => files.filter((f) => f.startsWith(outside) || f.endsWith('.csv') || f.endsWith('.duckdb'))), []);
    // The settings stay as they were locked, and the views still answer.
    const settings = await x.engine.query("select current_setting('enable_external_access') as ext, current_setting('lock_configuration') as locked, current_setting('autoload_known_extensions') as autoload, current_setting('autoinstall_known_extensions') as autoinstall");
    assert.deepEqual(settings.rows, [{ ext: false, locked: true, autoload: false, autoinstall: false }]);
    assert.deepEqual((await x.engine.query('select name from raw__users', { views })).rows, [{ name: 'a' }]);
  } finally {
    await x.cleanup();
  }
});

test('duckdb: a step cannot unlock its instance: SET in ctx.query is QUARRY_BAD_FILE_ACCESS, and asset SQL must be one SELECT', async () => {
  const x = await localEngine();
  try {
    const unlock = defineAsset({
      key: 'marts/unlock',
      compute: async (ctx) => {
        await ctx.query('SET enable_external_access = true');
        return [{ a: 1 }];
      },
    });
    await assert.rejects(x.materialize(unlock), (e: unknown) => isQuarryError(e, 'QUARRY_BAD_FILE_ACCESS') && e.message.includes('marts/unlock') && e.message.includes('locked'));
    const attach = defineAsset({ key: 'marts/attach', compute: () => ({ sql: `ATTACH '${join(x.dir, 'db.duckdb')}'` }) });
    await assert.rejects(x.materialize(attach), (e: unknown) => isQuarryError(e) && e.message.includes('marts/attach'));
    const pragma = defineAsset({ key: 'marts/pragma', sql: 'PRAGMA enable_profiling' });
    await assert.rejects(x.materialize(pragma), (e: unknown) => isQuarryError(e, 'QUARRY_SQL_ERROR') && e.message.includes('one SELECT'));
    assert.equal(existsSync(join(x.dir, 'db.duckdb')), false);
  } finally {
    await x.cleanup();
  }
});

test('duckdb: opening an engine removes scratch folders of dead processes and keeps live and unowned ones', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-engine-duckdb-sweep-'));
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    const deadPid = await new Promise<number>((resolve) => dead.on('exit', () => resolve(dead.pid!)));
    const folder = async (name: string, owner?: { pid: number; host: string }) => {
      await mkdir(join(dir, name, 'spill-1'), { recursive: true });
      await writeFile(join(dir, name, 'spill-1', 'data.tmp'), 'x');
      if (owner) await writeFile(join(dir, name, '.owner.json'), JSON.stringify(owner));
    };
    await folder(`quarry-duckdb-${deadPid}-aaaa`, { pid: deadPid, host: hostname() });
    await folder(`quarry-duckdb-${sleeper.pid}-bbbb`, { pid: sleeper.pid!, host: hostname() });
    await folder(`quarry-duckdb-${deadPid}-cccc`, { pid: deadPid, host: 'another-host.example' });
    await folder('quarry-duckdb-legacy');
    await folder('unrelated-folder', { pid: deadPid, host: hostname() });
    const engine = await createDuckDbEngine({ store: createMemoryObjectStore(), threads: 1, tempDir: dir });
    try {
      const left = (await readdir(dir)).sort();
      const own = left.filter((name) => name.startsWith(`quarry-duckdb-${process.pid}-`));
      assert.equal(own.length, 1, `the engine's own scratch folder names its pid: ${left.join(', ')}`);
      assert.deepEqual(
        left.filter((name) => !own.includes(name)),
        [`quarry-duckdb-${deadPid}-cccc`, `quarry-duckdb-${sleeper.pid}-bbbb`, 'quarry-duckdb-legacy', 'unrelated-folder'].sort(),
      );
    } finally {
      await engine.close();
    }
  } finally {
    sleeper.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
