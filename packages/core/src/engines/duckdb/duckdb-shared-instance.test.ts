import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defineAsset, type AssetDefinition, type PartitionScope } from '../../definitions/index.ts';
import { isQuarryError } from '../../errors.ts';
import { createLocalObjectStore } from '../../storage/index.ts';
import type { InputRelation } from '../engine.ts';
import { createDuckDbEngine } from './duckdb-engine.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const day = (key: string): PartitionScope => ({ keys: [key], firstKey: key, lastKey: key, start: new Date(`${key}T00:00:00Z`), end: new Date(new Date(`${key}T00:00:00Z`).getTime() + 86_400_000) });

async function withEngine(fn: (x: Awaited<ReturnType<typeof setup>>) => Promise<void>): Promise<void> {
  const x = await setup();
  try {
    await fn(x);
  } finally {
    await x.engine.close();
    await rm(x.dir, { recursive: true, force: true });
  }
}

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-duckdb-shared-'));
  const lake = join(dir, 'lake');
  const store = createLocalObjectStore({ root: lake });
  // One thread, so the test does not depend on the machine; the pool works the same with more.
  const engine = await createDuckDbEngine({ store, threads: 1, tempDir: dir });
  let n = 0;
  const materialize = (asset: AssetDefinition, inputs: InputRelation[] = [], key = '2026-01-01') =>
    engine.materialize({ asset, scope: day(key), inputs, outputPath: `${asset.key}/${key}/v${++n}.parquet`, runId: 'r1', log: quiet, signal: new AbortController().signal });
  return { dir, lake, store, engine, materialize };
}

const rawEvents = defineAsset({ key: 'raw/events', sql: 'select 1 as id' });

test('SQL steps share a few locked DuckDB instances instead of starting one per step', () =>
  withEngine(async (x) => {
    const started = x.engine.instancesStarted;
    const trivial = defineAsset({ key: 'marts/trivial', sql: 'select $partition_key as k, 1 as x' });
    for (let i = 1; i <= 12; i++) {
      const out = await x.materialize(trivial, [], `2026-01-${String(i).padStart(2, '0')}`);
      assert.equal(out.rowCount, 1);
    }
    // The engine's first instance serves the steps; none is started per step (12 steps before: 13 instances).
    assert.equal(x.engine.instancesStarted, started);
    assert.ok(x.engine.instancesStarted <= 2, `started ${x.engine.instancesStarted} instances`);
  }));

test('a shared instance keeps nothing of one step for the next: views are per step', () =>
  withEngine(async (x) => {
    const seeded = await x.materialize(defineAsset({ key: 'raw/events', sql: 'select * from range(3) t(id)' }));
    const count = defineAsset({ key: 'marts/count', deps: { events: rawEvents }, sql: 'select count(*) as n from events' });
    const full = await x.materialize(count, [{ name: 'events', assetKey: 'raw/events', files: seeded.files }]);
    assert.equal(full.rowCount, 1);
    // Same view name, no files this time: the step sees its own empty view, not the previous step's.
    const empty = await x.materialize(count, [{ name: 'events', assetKey: 'raw/events', files: [], columns: [{ name: 'id', type: 'BIGINT' }] }], '2026-01-02');
    const rows = await x.engine.query('select n from counted', { views: [{ name: 'counted', assetKey: 'marts/count', files: empty.files }] });
    assert.deepEqual(rows.rows, [{ n: 0 }]);
    // And a step that declares nothing cannot name the view an earlier step had.
    await assert.rejects(x.materialize(defineAsset({ key: 'marts/peek', sql: 'select count(*) as n from events' }), [], '2026-01-03'), (error: unknown) => {
      assert.ok(isQuarryError(error, 'QUARRY_BAD_FILE_ACCESS'), String(error));
      assert.match(error.message, /"events", which is not one of the asset's declared inputs \(its views: none\)/);
      return true;
    });
  }));

test('a step in a shared instance cannot read an undeclared lake file or local file, whatever the spelling', () =>
  withEngine(async (x) => {
    const declared = await x.materialize(defineAsset({ key: 'raw/events', sql: 'select * from range(2) t(id)' }));
    const other = await x.materialize(defineAsset({ key: 'raw/events', sql: 'select * from range(100, 105) t(id)' }), [], '2026-01-02');
    const otherPath = x.store.localPath(other.files[0]!);
    const landing = join(x.dir, 'landing.csv');
    await writeFile(landing, 'id\n1\n');
    const inputs = [{ name: 'events', assetKey: 'raw/events', files: declared.files }];
    // Warm the shared instance on the other file first (its footer is in the instance's cache).
    const honest = defineAsset({ key: 'marts/honest', deps: { events: rawEvents }, sql: 'select count(*) as n from events' });
    await x.materialize(honest, [{ name: 'events', assetKey: 'raw/events', files: other.files }]);
    const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
    const attempts = [
      `select * from ${q(otherPath)}`,
      `select * from "${otherPath}"`,
      `from ${q(otherPath)}`,
      `select * from read_parquet(${q(otherPath)})`,
      `select * from read_parquet([${q(otherPath)}])`,
      `select * from parquet_scan(${q(otherPath)})`,
      `select * from read_csv(${q(landing)})`,
      `select * from glob(${q(join(x.lake, '**'))})`,
      `select * from events where id in (select id from ${q(otherPath)})`,
      `select * from events, lateral (select * from read_parquet(${q(otherPath)})) l`,
      `with events as (select * from ${q(otherPath)}) select * from events`,
      `with "${otherPath}" as (select * from "${otherPath}") select * from "${otherPath}"`,
      `select * from events union all select * from ${q(otherPath)}`,
      `select (select max(id) from ${q(otherPath)}) as top`,
      `select * from query_table(${q(otherPath)})`,
      `select * from query(${q(`select * from ${q(otherPath)}`)})`,
      `select * from parquet_metadata(${q(otherPath)})`,
      `select * from duckdb_settings()`,
      `select * from temp.main.events`,
    ];
    for (const sql of attempts) {
      const target = `marts/sneaky/${Math.random().toString(36).slice(2)}.parquet`;
      const request = { asset: defineAsset({ key: 'marts/sneaky', deps: { events: rawEvents }, sql }), scope: day('2026-01-01'), inputs, outputPath: target, runId: 'r1', log: quiet, signal: new AbortController().signal };
      await assert.rejects(x.engine.materialize(request), (error: unknown) => {
        assert.ok(isQuarryError(error, 'QUARRY_BAD_FILE_ACCESS'), `${sql}: ${String(error)}`);
        assert.ok(error.message.includes('marts/sneaky') && error.message.includes('deps') && error.message.includes('sourceFiles'), error.message);
        return true;
      });
      assert.equal(existsSync(x.store.localPath(target)), false, sql);
    }
    // The landing file path is named, as the sandbox named it before.
    await assert.rejects(x.materialize(defineAsset({ key: 'raw/orders', sql: `select * from read_csv(${q(landing)})` })), (e: unknown) => isQuarryError(e, 'QUARRY_BAD_FILE_ACCESS') && e.message.includes(landing));
    // The instance still serves honest steps, with CTEs, subqueries, generators and parameters.
    const fine = defineAsset({
      key: 'marts/fine',
      deps: { events: rawEvents },
      sql: `with e as (select * from events), g as (select * from range(2) r(i))
            select count(*) as n, $partition_key as k from e, g, lateral (select e.id + g.i as s) l where e.id in (select id from events)`,
    });
    assert.equal((await x.materialize(fine, inputs)).rowCount, 1);
  }));

test('asset SQL that is not one SELECT is refused in a shared instance as before', () =>
  withEngine(async (x) => {
    const target = join(x.dir, 'stolen.csv');
    for (const [sql, fragment] of [
      [`COPY (select 1 as a) TO '${target}'`, 'stolen.csv'],
      [`select 1 as a; COPY (select 2 as b) TO '${target}'`, '2 statements'],
      [`select 1 as a) TO '${target}' (FORMAT parquet) --`, 'syntax error'],
      ["ATTACH 'x.db'", 'not a query but ATTACH'],
    ] as const) {
      await assert.rejects(x.materialize(defineAsset({ key: 'marts/writer', sql })), (error: unknown) => {
        assert.ok(isQuarryError(error), String(error));
        assert.ok(error.message.includes('marts/writer') && error.message.includes(fragment), `${sql}: ${error.message}`);
        return true;
      });
    }
    assert.equal(existsSync(target), false);
    // A failed step retires its instance; the next step gets a working one.
    assert.equal((await x.materialize(defineAsset({ key: 'marts/ok', sql: 'select 1 as a' }))).rowCount, 1);
  }));
