/**
 * The conformance suite every `Engine` backend passes; each backend's test file calls `engineSuite`
 * with a fixture that builds a fresh engine over a fresh, empty object store.
 *
 * SQL and type names that differ per engine live in `PerEngine` records, so adding an engine name
 * makes this file fail to compile until every such record states that engine's text.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { dailyPartitions } from '../../packages/core/src/partitions/index.ts';
import { defineAsset, defineSourceAsset, type AssetDefinition, type AssetLogger, type PartitionScope, type RowSchema } from '../../packages/core/src/definitions/index.ts';
import type { ComputeFunction } from '../../packages/core/src/definitions/index.ts';
import { isLakeFile, type Engine, type EngineCapabilities, type InputRelation, type MaterializeOutput } from '../../packages/core/src/engines/index.ts';
import { isQuarryError, type QuarryErrorCode } from '../../packages/core/src/errors.ts';
import type { ObjectStore } from '../../packages/core/src/storage/index.ts';

/** What a backend's fixture returns: a fresh engine over a fresh, empty store, and how to dispose of both. */
export interface EngineFixture {
  readonly engine: Engine;
  readonly store: ObjectStore;
  readonly capabilities: EngineCapabilities;
  /**
   * For an engine without `capabilities.compute` (BigQuery): an engine over the same store that runs
   * compute assets, as a target does in mixed graphs. The suite writes upstream rows with it (lake
   * files the engine under test reads).
   */
  readonly computeEngine?: Engine;
  cleanup(): Promise<void>;
}

/** Every engine the suite knows; each `PerEngine` record must state its text for all of them. */
export type EngineName = 'duckdb' | 'bigquery';

/** A value stated once per engine (SQL text, type names, error fragments). */
export type PerEngine<T> = { readonly [E in EngineName]: T };

function forEngine<T>(engine: Engine, values: PerEngine<T>): T {
  if (!(engine.name in values)) throw new Error(`engine "${engine.name}" is not in the suite's EngineName list; add it to every PerEngine record`);
  return values[engine.name as EngineName];
}

/** Column type names as each engine reports them. */
const TYPES = {
  string: { duckdb: 'VARCHAR', bigquery: 'STRING' },
  integer: { duckdb: 'BIGINT', bigquery: 'INT64' },
  float: { duckdb: 'DOUBLE', bigquery: 'FLOAT64' },
  boolean: { duckdb: 'BOOLEAN', bigquery: 'BOOL' },
  date: { duckdb: 'DATE', bigquery: 'DATE' },
  timestamp: { duckdb: 'TIMESTAMP WITH TIME ZONE', bigquery: 'TIMESTAMP' },
} as const satisfies Record<string, PerEngine<string>>;

/** The SQL each test runs, per engine; `events` is the input view of upstream `raw/events`. */
const SQL = {
  byCategory: {
    duckdb: 'select category, count(*) as n, sum(amount) as total from events group by category order by category',
    bigquery: 'select category, count(*) as n, sum(amount) as total from events group by category order by category',
  },
  partitionParameters: {
    duckdb: `select $partition_key as first_key, $partition_last_key as last_key, $partition_start as window_start, $partition_end as window_end, len($partition_keys) as key_count`,
    bigquery: `select @partition_key as first_key, @partition_last_key as last_key, @partition_start as window_start, @partition_end as window_end, array_length(@partition_keys) as key_count`,
  },
  eventsInWindow: {
    duckdb: 'select id from events where happened_at >= $partition_start and happened_at < $partition_end order by id',
    bigquery: 'select id from events where happened_at >= @partition_start and happened_at < @partition_end order by id',
  },
  nullWindow: {
    duckdb: 'select $partition_key as k, $partition_start is null as no_start, $partition_end is null as no_end',
    bigquery: 'select @partition_key as k, @partition_start is null as no_start, @partition_end is null as no_end',
  },
  unknownColumn: {
    duckdb: 'select nope from events',
    bigquery: 'select nope from events',
  },
  unknownParameter: {
    duckdb: 'select $not_a_parameter as x',
    bigquery: 'select @not_a_parameter as x',
  },
  computeSql: {
    duckdb: 'select id, amount * $factor as scaled from events where category = $category order by id',
    bigquery: 'select id, amount * @factor as scaled from events where category = @category order by id',
  },
  ctxQuery: {
    duckdb: 'select category, count(*) as n from events where amount >= $min group by category order by category',
    bigquery: 'select category, count(*) as n from events where amount >= @min group by category order by category',
  },
  slow: {
    duckdb: 'select sum(a.range * b.range) as s from range(2000000) a, range(2000000) b',
    // 9·10^8 rows: seconds on BigQuery; the REST double runs it on DuckDB and does not interrupt it on
    // cancel, so the next step there waits for it (a larger product made this test take minutes).
    bigquery: 'select sum(a * b) as s from unnest(generate_array(1, 30000)) a, unnest(generate_array(1, 30000)) b',
  },
  queryValues: {
    duckdb: `select 9007199254740993::BIGINT as big, 42::BIGINT as small, TIMESTAMPTZ '2026-01-15 08:30:00+00' as at, DATE '2026-01-15' as day, 1.5::DOUBLE as x, $label as label`,
    bigquery: `select 9007199254740993 as big, 42 as small, TIMESTAMP '2026-01-15 08:30:00+00' as at, DATE '2026-01-15' as day, 1.5 as x, @label as label`,
  },
  rangeRows: {
    duckdb: 'select range as i from range(10)',
    bigquery: 'select i from unnest(generate_array(0, 9)) i',
  },
} as const satisfies Record<string, PerEngine<string>>;

/**
 * SQL that reaches past what a step or query declares, per engine: reading a file or table by its
 * path (`path`: where the engine would find it) and writing one. Engines with `declaredInputsOnly`
 * must refuse every one of them.
 */
const UNDECLARED = {
  readParquet: { duckdb: (path: string) => `select * from read_parquet('${path}')`, bigquery: (path: string) => `select * from \`${path}\`` },
  readCsv: { duckdb: (path: string) => `select * from read_csv('${path}')`, bigquery: (path: string) => `select * from \`${path}\`` },
  copyTo: { duckdb: (path: string) => `COPY (select 1 as a) TO '${path}'`, bigquery: (path: string) => `EXPORT DATA OPTIONS (uri = '${path}', format = 'CSV') AS select 1 as a` },
  // Closes the COPY (…) TO wrapper an engine may put around asset SQL, to write elsewhere.
  breakOut: { duckdb: (path: string) => `select 1 as a) TO '${path}' (FORMAT parquet) --`, bigquery: (path: string) => `select 1 as a); EXPORT DATA OPTIONS (uri = '${path}') AS select 1 --` },
  twoStatements: { duckdb: (path: string) => `select 1 as a; COPY (select 2 as b) TO '${path}'`, bigquery: (path: string) => `select 1 as a; EXPORT DATA OPTIONS (uri = '${path}') AS select 2 as b` },
} as const satisfies Record<string, PerEngine<(path: string) => string>>;

/** The SQL of `UNDECLARED[kind]` for `path`, for every engine. */
function undeclared(kind: keyof typeof UNDECLARED, path: string): PerEngine<string> {
  return { duckdb: UNDECLARED[kind].duckdb(path), bigquery: UNDECLARED[kind].bigquery(path) };
}

/** A fragment of the engine's own message for `SQL.unknownColumn`, which the QuarryError must keep. */
// BigQuery says `Unrecognized name: nope at [1:8]`; the REST double answers with DuckDB's binder message, so only the name is asserted.
const UNKNOWN_COLUMN_MESSAGE: PerEngine<string> = { duckdb: '"nope" not found', bigquery: 'nope' };

const EVENT_SCHEMA = z.object({
  id: z.number().int(),
  category: z.string(),
  amount: z.number(),
  happened_at: z.iso.datetime(),
});

type EventRow = z.infer<typeof EVENT_SCHEMA>;

const rawEvents = defineSourceAsset({ key: 'raw/events' });

/** The scope of the UTC days `first`..`last` (keys `YYYY-MM-DD`, window start and end). */
export function dayScope(first: string, last = first): PartitionScope {
  const start = new Date(`${first}T00:00:00Z`);
  const end = new Date(new Date(`${last}T00:00:00Z`).getTime() + 86_400_000);
  const keys: string[] = [];
  for (let t = start.getTime(); t < end.getTime(); t += 86_400_000) keys.push(new Date(t).toISOString().slice(0, 10));
  return { keys, firstKey: first, lastKey: last, start, end };
}

function staticScope(key: string): PartitionScope {
  return { keys: [key], firstKey: key, lastKey: key, start: undefined, end: undefined };
}

const UNPARTITIONED: PartitionScope = { keys: [''], firstKey: '', lastKey: '', start: undefined, end: undefined };

function silentLog(): AssetLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (message: string) => void lines.push(message);
  return { lines, debug: push, info: push, warn: push, error: push };
}

function eventsOfDay(day: string, count: number, firstId: number): EventRow[] {
  return Array.from({ length: count }, (_, i) => ({
    id: firstId + i,
    category: i % 2 === 0 ? 'a' : 'b',
    amount: (i + 1) * 1.5,
    happened_at: `${day}T${String(i % 24).padStart(2, '0')}:00:00.000Z`,
  }));
}

/** Registers the engine conformance tests for one backend under `describe(name)`. */
export function engineSuite(name: string, fixture: () => Promise<EngineFixture>): void {
  async function withEngine(fn: (f: EngineFixture) => Promise<void>): Promise<void> {
    const f = await fixture();
    try {
      await fn(f);
    } finally {
      await f.cleanup();
    }
  }

  function run(f: Pick<EngineFixture, 'engine'>, asset: AssetDefinition, options: { scope?: PartitionScope; inputs?: InputRelation[]; signal?: AbortSignal; outputPath?: string } = {}) {
    return f.engine.materialize({
      asset,
      scope: options.scope ?? UNPARTITIONED,
      inputs: options.inputs ?? [],
      outputPath: options.outputPath ?? `${asset.key}/${randomUUID()}.parquet`,
      runId: 'run-1',
      log: silentLog(),
      signal: options.signal ?? new AbortController().signal,
    });
  }

  /** Writes `rows` as one upstream partition file of `raw/events` through the engine; returns its path. */
  async function seed(f: EngineFixture, rows: EventRow[], schema: RowSchema = EVENT_SCHEMA): Promise<string> {
    const upstream = defineAsset({ key: 'raw/events', schema, compute: () => rows });
    const out = await run({ ...f, engine: f.computeEngine ?? f.engine }, upstream);
    return out.files[0]!;
  }

  function eventsInput(files: string[]): InputRelation {
    return { name: 'events', assetKey: 'raw/events', files };
  }

  /**
   * A SQL asset whose SQL differs per engine: `sql` holds the DuckDB text (Quarry's one SQL) and
   * another engine gets its own text as `sqlByEngine` (what `defineAsset({ sql: { duckdb, bigquery } })` declares).
   */
  function sqlAsset(f: EngineFixture, definition: Omit<Parameters<typeof defineAsset>[0], 'sql'> & { sql: PerEngine<string> }): AssetDefinition {
    const asset = defineAsset({ ...definition, sql: definition.sql.duckdb } as Parameters<typeof defineAsset>[0]);
    if (f.engine.name === 'duckdb') return asset;
    return { ...asset, sqlByEngine: { [f.engine.name]: forEngine(f.engine, definition.sql) } };
  }

  /** Query options for SQL written in the engine's own dialect (`forEngine` texts). */
  function ownDialect(f: EngineFixture) {
    return f.engine.dialect === undefined ? {} : { dialect: f.engine.dialect };
  }

  /** True (and the test skipped) when the engine runs no compute functions (BigQuery: they run on DuckDB). */
  function withoutCompute(f: EngineFixture, t: { skip(message?: string): void }): boolean {
    if (f.capabilities.compute !== false) return false;
    t.skip('the engine runs no compute functions (capability compute); a target runs them on DuckDB');
    return true;
  }

  /** The store holds a step's output when the engine writes lake files (a staged engine writes tables). */
  async function assertInStore(f: EngineFixture, out: MaterializeOutput): Promise<void> {
    if (!isLakeFile(out.files[0]!)) return;
    assert.ok(await f.store.exists(out.files[0]!));
    assert.equal(out.bytes, (await f.store.stat(out.files[0]!))!.size);
  }

  /** Reads a materialized output back through `query`, so tests assert what downstream steps would see. */
  async function readBack(f: EngineFixture, out: MaterializeOutput, orderBy?: string) {
    const sql = orderBy ? `select * from out order by ${orderBy}` : 'select * from out';
    const result = await f.engine.query(sql, { views: [{ name: 'out', assetKey: 'test/out', files: out.files }] });
    return result.rows;
  }

  function expectError(code: QuarryErrorCode, ...fragments: string[]) {
    return (error: unknown) => {
      assert.ok(isQuarryError(error, code), `expected ${code}, got ${isQuarryError(error) ? error.code : String(error)}: ${String((error as Error)?.message)}`);
      for (const fragment of fragments) assert.ok(error.message.includes(fragment), `message should include ${JSON.stringify(fragment)}: ${error.message}`);
      return true;
    };
  }

  describe(`engine conformance: ${name}`, () => {
    test('a SQL asset reads exactly the upstream files it is given', () =>
      withEngine(async (f) => {
        const day1 = await seed(f, eventsOfDay('2026-01-01', 4, 0));
        const day2 = await seed(f, eventsOfDay('2026-01-02', 3, 100));
        await seed(f, eventsOfDay('2026-01-03', 5, 200)); // in the store, but not an input
        const asset = sqlAsset(f, { key: 'marts/by_category', deps: { events: rawEvents }, sql: SQL.byCategory });
        const out = await run(f, asset, { scope: dayScope('2026-01-02'), inputs: [eventsInput([day1, day2])] });
        assert.equal(out.rowCount, 2);
        assert.deepEqual(out.columns.map((c) => c.name), ['category', 'n', 'total']);
        assert.equal(out.files.length, 1);
        await assertInStore(f, out);
        assert.match(out.dataVersion, /^[0-9a-f]{64}$/);
        assert.deepEqual(await readBack(f, out, 'category'), [
          { category: 'a', n: 4, total: 1.5 + 4.5 + 1.5 + 4.5 },
          { category: 'b', n: 3, total: 3 + 6 + 3 },
        ]);
      }));

    test('the output is written at the requested path and nowhere else in the store', () =>
      withEngine(async (f) => {
        const asset = sqlAsset(f, { key: 'marts/ten', sql: SQL.rangeRows });
        const out = await run(f, asset, { outputPath: 'marts/ten/v1.parquet' });
        // A staged engine (BigQuery) writes a staging table, named by its locator, and nothing to the store.
        const lake = out.files.every(isLakeFile);
        if (lake) assert.deepEqual(out.files, ['marts/ten/v1.parquet']);
        else assert.equal(out.files.length, 1);
        const listed: string[] = [];
        for await (const entry of f.store.list('')) listed.push(entry.path);
        assert.deepEqual(listed, lake ? ['marts/ten/v1.parquet'] : []);
        assert.equal(out.rowCount, 10);
      }));

    test('partition bounds are typed parameters', () =>
      withEngine(async (f) => {
        const asset = sqlAsset(f, { key: 'marts/params', sql: SQL.partitionParameters });
        const out = await run(f, asset, { scope: dayScope('2026-01-02', '2026-01-04') });
        const types = Object.fromEntries(out.columns.map((c) => [c.name, c.type]));
        assert.equal(types['first_key'], forEngine(f.engine, TYPES.string));
        assert.equal(types['window_start'], forEngine(f.engine, TYPES.timestamp));
        assert.equal(types['window_end'], forEngine(f.engine, TYPES.timestamp));
        assert.deepEqual(await readBack(f, out), [
          { first_key: '2026-01-02', last_key: '2026-01-04', window_start: '2026-01-02T00:00:00.000Z', window_end: '2026-01-05T00:00:00.000Z', key_count: 3 },
        ]);
      }));

    test('time-window parameters filter rows by timestamp', () =>
      withEngine(async (f) => {
        // One upstream file holding three days; only the middle day's rows fall in the window.
        const file = await seed(f, [...eventsOfDay('2026-01-01', 2, 0), ...eventsOfDay('2026-01-02', 3, 10), ...eventsOfDay('2026-01-03', 2, 20)]);
        const asset = sqlAsset(f, { key: 'marts/window', deps: { events: rawEvents }, sql: SQL.eventsInWindow });
        const out = await run(f, asset, { scope: dayScope('2026-01-02'), inputs: [eventsInput([file])] });
        assert.deepEqual(await readBack(f, out, 'id'), [{ id: 10 }, { id: 11 }, { id: 12 }]);
      }));

    test('outside time-window partitions the window parameters are NULL', () =>
      withEngine(async (f) => {
        const asset = sqlAsset(f, { key: 'marts/static', sql: SQL.nullWindow });
        const out = await run(f, asset, { scope: staticScope('us') });
        assert.deepEqual(await readBack(f, out), [{ k: 'us', no_start: true, no_end: true }]);
      }));

    test('an input without files is an empty view with the given columns', () =>
      withEngine(async (f) => {
        const asset = sqlAsset(f, { key: 'marts/by_category', deps: { events: rawEvents }, sql: SQL.byCategory });
        const input: InputRelation = {
          name: 'events',
          assetKey: 'raw/events',
          files: [],
          columns: [
            { name: 'category', type: forEngine(f.engine, TYPES.string) },
            { name: 'amount', type: forEngine(f.engine, TYPES.float) },
          ],
        };
        const out = await run(f, asset, { inputs: [input] });
        assert.equal(out.rowCount, 0);
        assert.deepEqual(
          out.columns.map((c) => [c.name, c.type]),
          [
            ['category', forEngine(f.engine, TYPES.string)],
            ['n', forEngine(f.engine, TYPES.integer)],
            ['total', forEngine(f.engine, TYPES.float)],
          ],
        );
        await assertInStore(f, out);
      }));

    test('an input with neither files nor columns is an engine error naming it', () =>
      withEngine(async (f) => {
        const asset = sqlAsset(f, { key: 'marts/by_category', deps: { events: rawEvents }, sql: SQL.byCategory });
        await assert.rejects(run(f, asset, { inputs: [eventsInput([])] }), expectError('QUARRY_ENGINE_ERROR', 'marts/by_category', '"events"', 'raw/events'));
      }));

    test('a compute asset returning rows writes them with the schema types, in schema order', (t) =>
      withEngine(async (f) => {
        if (withoutCompute(f, t)) return;
        const schema = z.object({ id: z.number().int(), name: z.string(), score: z.number(), ok: z.boolean(), at: z.iso.datetime(), day: z.iso.date(), note: z.string().nullable() });
        const asset = defineAsset({
          key: 'marts/rows',
          schema,
          compute: () => [
            { ok: true, name: 'x', id: 1, score: 2.5, at: '2026-01-15T08:30:00.000Z', day: '2026-01-15', note: null, extra: 'dropped' },
            { id: 2, name: 'y', score: 3, ok: false, at: '2026-01-16T00:00:00.000Z', day: '2026-01-16', note: 'n' },
          ],
        });
        const out = await run(f, asset);
        assert.equal(out.rowCount, 2);
        assert.deepEqual(
          out.columns.map((c) => [c.name, c.type]),
          [
            ['id', forEngine(f.engine, TYPES.integer)],
            ['name', forEngine(f.engine, TYPES.string)],
            ['score', forEngine(f.engine, TYPES.float)],
            ['ok', forEngine(f.engine, TYPES.boolean)],
            ['at', forEngine(f.engine, TYPES.timestamp)],
            ['day', forEngine(f.engine, TYPES.date)],
            ['note', forEngine(f.engine, TYPES.string)],
          ],
        );
        assert.deepEqual(await readBack(f, out, 'id'), [
          { id: 1, name: 'x', score: 2.5, ok: true, at: '2026-01-15T08:30:00.000Z', day: '2026-01-15', note: null },
          { id: 2, name: 'y', score: 3, ok: false, at: '2026-01-16T00:00:00.000Z', day: '2026-01-16', note: 'n' },
        ]);
      }));

    test('a compute asset without a schema gets column types inferred from its rows', (t) =>
      withEngine(async (f) => {
        if (withoutCompute(f, t)) return;
        const asset = defineAsset({ key: 'marts/inferred', compute: () => [{ id: 1, label: 'a', ratio: 0.5, flag: true, at: new Date('2026-01-15T00:00:00Z') }, { id: 2, label: null, ratio: 1, flag: false, at: null }] });
        const out = await run(f, asset);
        assert.deepEqual(
          out.columns.map((c) => [c.name, c.type]),
          [
            ['id', forEngine(f.engine, TYPES.integer)],
            ['label', forEngine(f.engine, TYPES.string)],
            ['ratio', forEngine(f.engine, TYPES.float)],
            ['flag', forEngine(f.engine, TYPES.boolean)],
            ['at', forEngine(f.engine, TYPES.timestamp)],
          ],
        );
        assert.deepEqual(await readBack(f, out, 'id'), [
          { id: 1, label: 'a', ratio: 0.5, flag: true, at: '2026-01-15T00:00:00.000Z' },
          { id: 2, label: null, ratio: 1, flag: false, at: null },
        ]);
      }));

    test('a compute asset returning an async iterable streams every row', (t) =>
      withEngine(async (f) => {
        if (withoutCompute(f, t)) return;
        const asset = defineAsset({
          key: 'marts/stream',
          schema: z.object({ i: z.number().int(), half: z.number() }),
          async *compute() {
            for (let i = 0; i < 5000; i++) yield { i, half: i / 2 };
          },
        });
        const out = await run(f, asset);
        assert.equal(out.rowCount, 5000);
        const total = await f.engine.query('select count(*) as n, sum(i) as s, max(half) as m from out', { views: [{ name: 'out', assetKey: 'marts/stream', files: out.files }] });
        assert.deepEqual(total.rows, [{ n: 5000, s: (4999 * 5000) / 2, m: 2499.5 }]);
      }));

    test('a compute asset returning an Arrow-like table writes its rows', (t) =>
      withEngine(async (f) => {
        if (withoutCompute(f, t)) return;
        const table = { toArray: () => [{ k: 'a', v: 1 }, { k: 'b', v: 2 }] };
        const asset = defineAsset({ key: 'marts/arrow', compute: () => table });
        const out = await run(f, asset);
        assert.deepEqual(await readBack(f, out, 'k'), [{ k: 'a', v: 1 }, { k: 'b', v: 2 }]);
      }));

    test('a compute asset returning { sql, params } runs it over its inputs with partition parameters', (t) =>
      withEngine(async (f) => {
        if (withoutCompute(f, t)) return;
        const file = await seed(f, eventsOfDay('2026-01-01', 6, 0));
        const asset = defineAsset({ key: 'marts/sql', deps: { events: rawEvents }, compute: () => ({ sql: forEngine(f.engine, SQL.computeSql), params: { factor: 10, category: 'b' } }) });
        const out = await run(f, asset, { scope: dayScope('2026-01-01'), inputs: [eventsInput([file])] });
        assert.deepEqual(await readBack(f, out, 'id'), [
          { id: 1, scaled: 30 },
          { id: 3, scaled: 60 },
          { id: 5, scaled: 90 },
        ]);
      }));

    test('ctx.query sees the inputs as views and returns plain rows', (t) =>
      withEngine(async (f) => {
        if (withoutCompute(f, t)) return;
        const file = await seed(f, eventsOfDay('2026-01-01', 6, 0));
        let seen: { inputs: Record<string, string>; partition: string; rows: Record<string, unknown>[] } | undefined;
        const compute: ComputeFunction = async (ctx) => {
          const rows = await ctx.query(forEngine(f.engine, SQL.ctxQuery), { min: 3 });
          seen = { inputs: { ...ctx.inputs }, partition: ctx.partition.firstKey, rows };
          return rows.map((r) => ({ category: r['category'], n: r['n'] }));
        };
        const asset = defineAsset({ key: 'marts/ctx', deps: { events: rawEvents }, compute });
        const out = await run(f, asset, { scope: dayScope('2026-01-01'), inputs: [eventsInput([file])] });
        assert.deepEqual(seen, {
          inputs: { events: 'events' },
          partition: '2026-01-01',
          rows: [
            { category: 'a', n: 2 },
            { category: 'b', n: 3 },
          ],
        });
        assert.equal(out.rowCount, 2);
      }));

    test('a compute result that is not rows, SQL or a table is QUARRY_BAD_COMPUTE_RESULT naming the asset', (t) =>
      withEngine(async (f) => {
        if (withoutCompute(f, t)) return;
        for (const bad of [42, 'select 1', null, { rows: [] }]) {
          const asset = defineAsset({ key: 'marts/bad', compute: () => bad as never });
          await assert.rejects(run(f, asset, { scope: staticScope('us') }), expectError('QUARRY_BAD_COMPUTE_RESULT', 'marts/bad', '"us"'));
        }
      }));

    test('a row value of the wrong type is QUARRY_BAD_COMPUTE_RESULT naming the row and column', (t) =>
      withEngine(async (f) => {
        if (withoutCompute(f, t)) return;
        const asset = defineAsset({ key: 'marts/typed', schema: z.object({ id: z.number().int(), at: z.iso.datetime() }), compute: () => [{ id: 1, at: '2026-01-01T00:00:00Z' }, { id: 2, at: 'yesterday' }] });
        await assert.rejects(run(f, asset), expectError('QUARRY_BAD_COMPUTE_RESULT', 'marts/typed', 'row 1', '"at"', 'yesterday'));
      }));

    test('a compute function that throws is QUARRY_COMPUTE_ERROR with the cause kept', (t) =>
      withEngine(async (f) => {
        if (withoutCompute(f, t)) return;
        const boom = new Error('upstream API said no');
        const asset = defineAsset({
          key: 'marts/throws',
          compute: () => {
            throw boom;
          },
        });
        await assert.rejects(run(f, asset, { scope: dayScope('2026-01-07') }), (error: unknown) => {
          expectError('QUARRY_COMPUTE_ERROR', 'marts/throws', '2026-01-07', 'upstream API said no')(error);
          assert.equal((error as Error).cause, boom);
          return true;
        });
      }));

    test('the data version ignores row order and sees every value, duplicate and column', () =>
      withEngine(async (f) => {
        const rows = [
          { id: 1, name: 'a', v: 1.5 },
          { id: 2, name: 'b', v: 2.5 },
          { id: 3, name: 'c', v: 3.5 },
        ];
        // Without compute functions, the rows are written upstream (by the fixture's compute engine) and selected as they are.
        const version = async (data: Record<string, unknown>[]) => {
          if (f.capabilities.compute !== false) return (await run(f, defineAsset({ key: 'marts/versioned', compute: () => data }))).dataVersion;
          const upstream = await run({ engine: f.computeEngine! }, defineAsset({ key: 'raw/events', compute: () => data }));
          const asset = defineAsset({ key: 'marts/versioned', deps: { events: rawEvents }, sql: 'select * from events' });
          return (await run(f, asset, { inputs: [eventsInput(upstream.files)] })).dataVersion;
        };
        const base = await version(rows);
        assert.equal(await version([...rows].reverse()), base, 'same rows in another order');
        assert.equal(await version([rows[1]!, rows[2]!, rows[0]!]), base, 'same rows rotated');
        assert.equal(await version(rows), base, 'rerun');
        assert.notEqual(await version([{ ...rows[0]!, v: 1.25 }, rows[1]!, rows[2]!]), base, 'a changed value');
        assert.notEqual(await version([...rows, rows[0]!]), base, 'a duplicated row');
        assert.notEqual(await version([rows[0]!, rows[0]!, rows[1]!, rows[1]!, rows[2]!, rows[2]!].slice(0, 4)), base, 'duplicates replacing rows');
        assert.notEqual(await version(rows.map(({ id, name, v }) => ({ id, label: name, v }))), base, 'a renamed column');
        assert.notEqual(await version(rows.slice(0, 2)), base, 'a missing row');
        // Two rows swapping a value between them: XOR- or column-wise hashes would miss this.
        assert.notEqual(await version([{ ...rows[0]!, name: 'b' }, { ...rows[1]!, name: 'a' }, rows[2]!]), base, 'values swapped between rows');
      }));

    test('a SQL asset and a compute asset writing the same rows get the same data version', (t) =>
      withEngine(async (f) => {
        if (withoutCompute(f, t)) return;
        const viaSql = await run(f, sqlAsset(f, { key: 'marts/ten', sql: SQL.rangeRows }));
        const viaRows = await run(f, defineAsset({ key: 'marts/ten', compute: () => Array.from({ length: 10 }, (_, i) => ({ i: 9 - i })) }));
        assert.equal(viaRows.dataVersion, viaSql.dataVersion);
      }));

    test('an output missing schema columns is QUARRY_SCHEMA_MISMATCH naming them and what was produced', () =>
      withEngine(async (f) => {
        const file = await seed(f, eventsOfDay('2026-01-01', 2, 0));
        const asset = sqlAsset(f, {
          key: 'marts/by_category',
          deps: { events: rawEvents },
          schema: z.object({ category: z.string(), n: z.number().int(), revenue: z.number(), region: z.string() }),
          sql: SQL.byCategory,
        });
        const outputPath = 'marts/by_category/v1.parquet';
        await assert.rejects(
          run(f, asset, { inputs: [eventsInput([file])], outputPath }),
          expectError('QUARRY_SCHEMA_MISMATCH', 'marts/by_category', '"revenue"', '"region"', '"category"', '"n"', '"total"'),
        );
        assert.equal(await f.store.exists(outputPath), false);
      }));

    test('compute rows missing a required schema column are QUARRY_SCHEMA_MISMATCH', (t) =>
      withEngine(async (f) => {
        if (withoutCompute(f, t)) return;
        const asset = defineAsset({ key: 'marts/rows', schema: z.object({ id: z.number().int(), name: z.string(), note: z.string().optional() }), compute: () => [{ id: 1 }] });
        await assert.rejects(run(f, asset), expectError('QUARRY_SCHEMA_MISMATCH', 'marts/rows', '"name"', '"id"'));
      }));

    test('a failing SQL statement is QUARRY_SQL_ERROR with the asset, the partition and the engine message', () =>
      withEngine(async (f) => {
        const file = await seed(f, eventsOfDay('2026-01-01', 2, 0));
        const asset = sqlAsset(f, { key: 'marts/broken', deps: { events: rawEvents }, sql: SQL.unknownColumn });
        const outputPath = 'marts/broken/v1.parquet';
        await assert.rejects(
          run(f, asset, { scope: dayScope('2026-01-01', '2026-01-03'), inputs: [eventsInput([file])], outputPath }),
          expectError('QUARRY_SQL_ERROR', 'marts/broken', '2026-01-01', '2026-01-03', forEngine(f.engine, UNKNOWN_COLUMN_MESSAGE)),
        );
        assert.equal(await f.store.exists(outputPath), false);
      }));

    test('a SQL parameter that is not a partition parameter is QUARRY_SQL_ERROR naming it', () =>
      withEngine(async (f) => {
        const asset = sqlAsset(f, { key: 'marts/param', sql: SQL.unknownParameter });
        await assert.rejects(run(f, asset, { scope: staticScope('us') }), expectError('QUARRY_SQL_ERROR', 'marts/param', 'not_a_parameter', 'partition_key'));
      }));

    test('aborting the signal interrupts a running statement with QUARRY_RUN_CANCELLED', () =>
      withEngine(async (f) => {
        const asset = sqlAsset(f, { key: 'marts/slow', sql: SQL.slow });
        const controller = new AbortController();
        const started = Date.now();
        setTimeout(() => controller.abort(), 150);
        const outputPath = 'marts/slow/v1.parquet';
        await assert.rejects(run(f, asset, { signal: controller.signal, outputPath }), expectError('QUARRY_RUN_CANCELLED', 'marts/slow'));
        assert.ok(Date.now() - started < 10_000, 'cancellation should not wait for the statement to finish');
        assert.equal(await f.store.exists(outputPath), false);
        // The engine stays usable after an interrupted step.
        const after = await run(f, sqlAsset(f, { key: 'marts/ten', sql: SQL.rangeRows }));
        assert.equal(after.rowCount, 10);
      }));

    test('an already aborted signal cancels before any work, and a compute step sees the abort', () =>
      withEngine(async (f) => {
        const asset = sqlAsset(f, { key: 'marts/ten', sql: SQL.rangeRows });
        await assert.rejects(run(f, asset, { signal: AbortSignal.abort() }), expectError('QUARRY_RUN_CANCELLED', 'marts/ten'));
        if (f.capabilities.compute === false) return;
        const controller = new AbortController();
        const waiting = defineAsset({
          key: 'marts/waits',
          compute: (ctx) =>
            new Promise((_, reject) => {
              ctx.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
            }),
        });
        setTimeout(() => controller.abort(), 50);
        await assert.rejects(run(f, waiting, { signal: controller.signal }), expectError('QUARRY_RUN_CANCELLED', 'marts/waits'));
      }));

    test('query() runs SQL over asset views and returns JSON-safe rows', () =>
      withEngine(async (f) => {
        const file = await seed(f, eventsOfDay('2026-01-01', 4, 0));
        const result = await f.engine.query(forEngine(f.engine, SQL.byCategory), { views: [eventsInput([file])], ...ownDialect(f) });
        assert.deepEqual(result.columns.map((c) => c.name), ['category', 'n', 'total']);
        assert.deepEqual(result.rows, [
          { category: 'a', n: 2, total: 6 },
          { category: 'b', n: 2, total: 9 },
        ]);
        assert.equal(result.truncated, false);
        const values = await f.engine.query(forEngine(f.engine, SQL.queryValues), { params: { label: 'hi' }, ...ownDialect(f) });
        assert.deepEqual(values.rows, [{ big: '9007199254740993', small: 42, at: '2026-01-15T08:30:00.000Z', day: '2026-01-15', x: 1.5, label: 'hi' }]);
        assert.doesNotThrow(() => JSON.stringify(values.rows));
      }));

    test('query() stops at maxRows and says so', () =>
      withEngine(async (f) => {
        const result = await f.engine.query(forEngine(f.engine, SQL.rangeRows), { maxRows: 3, ...ownDialect(f) });
        assert.equal(result.rows.length, 3);
        assert.equal(result.truncated, true);
        const all = await f.engine.query(forEngine(f.engine, SQL.rangeRows), { maxRows: 10, ...ownDialect(f) });
        assert.equal(all.rows.length, 10);
        assert.equal(all.truncated, false);
      }));

    test('query() errors are QUARRY_SQL_ERROR with the engine message', () =>
      withEngine(async (f) => {
        const file = await seed(f, eventsOfDay('2026-01-01', 1, 0));
        await assert.rejects(f.engine.query(forEngine(f.engine, SQL.unknownColumn), { views: [eventsInput([file])], ...ownDialect(f) }), expectError('QUARRY_SQL_ERROR', forEngine(f.engine, UNKNOWN_COLUMN_MESSAGE)));
      }));

    test('steps run concurrently on one engine without seeing each other’s views', () =>
      withEngine(async (f) => {
        const files = await Promise.all([0, 1, 2, 3].map((d) => seed(f, eventsOfDay(`2026-01-0${d + 1}`, d + 1, d * 100))));
        const asset = sqlAsset(f, { key: 'marts/by_category', deps: { events: rawEvents }, sql: SQL.byCategory });
        const outs = await Promise.all(files.map((file, d) => run(f, asset, { scope: dayScope(`2026-01-0${d + 1}`), inputs: [eventsInput([file])] })));
        const counts = await Promise.all(outs.map(async (out) => (await readBack(f, out)).reduce((sum, row) => sum + Number(row['n']), 0)));
        assert.deepEqual(counts, [1, 2, 3, 4]);
      }));

    // Declared inputs only (issue "Trust", points 3 and 4): what SQL may read is what staleness tracks.

    /** Where the engine would find an object of the store when SQL names it by path. */
    function pathOf(f: EngineFixture, objectPath: string): string {
      return (f.store.capabilities.localPaths ? f.store.localPath(objectPath) : undefined) ?? objectPath;
    }

    async function withLocalDir(fn: (dir: string) => Promise<void>): Promise<void> {
      const dir = await mkdtemp(join(tmpdir(), 'quarry-engine-undeclared-'));
      try {
        await fn(dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }

    const NO_ISOLATION = 'the engine does not restrict SQL to its declared inputs (capability declaredInputsOnly)';

    test('a step cannot read an upstream file it does not declare: QUARRY_BAD_FILE_ACCESS naming the asset and deps', (t) =>
      withEngine(async (f) => {
        if (!f.capabilities.declaredInputsOnly) return t.skip(NO_ISOLATION);
        const declared = await seed(f, eventsOfDay('2026-01-01', 2, 0));
        const other = await seed(f, eventsOfDay('2026-01-03', 5, 200)); // another partition, not an input
        const sneaky = sqlAsset(f, { key: 'marts/sneaky', deps: { events: rawEvents }, sql: undeclared('readParquet', pathOf(f, other)) });
        await assert.rejects(run(f, sneaky, { inputs: [eventsInput([declared])] }), expectError('QUARRY_BAD_FILE_ACCESS', 'marts/sneaky', 'deps'));
        // Through its declared view the same step reads fine.
        const honest = defineAsset({ key: 'marts/honest', deps: { events: rawEvents }, sql: 'select count(*) as n from events' });
        assert.equal((await run(f, honest, { inputs: [eventsInput([declared])] })).rowCount, 1);
      }));

    test('a step reads a local file only when the asset lists it in sourceFiles', (t) =>
      withEngine((f) =>
        withLocalDir(async (dir) => {
          if (!f.capabilities.declaredInputsOnly) return t.skip(NO_ISOLATION);
          if (!f.capabilities.localFiles) return t.skip('the engine reads no local files (capability localFiles), so sourceFiles do not apply');
          const landing = join(dir, 'orders.csv');
          await writeFile(landing, 'id,amount\n1,10\n2,20\n');
          const sql = forEngine(f.engine, UNDECLARED.readCsv)(landing);
          await assert.rejects(run(f, defineAsset({ key: 'raw/orders', sql })), expectError('QUARRY_BAD_FILE_ACCESS', 'raw/orders', landing, 'sourceFiles'));
          const declared = await run(f, defineAsset({ key: 'raw/orders', sql, sourceFiles: [landing] }));
          assert.equal(declared.rowCount, 2);
          // A function of the partition works too, and a listed directory allows the files under it.
          assert.equal((await run(f, defineAsset({ key: 'raw/orders', sql, sourceFiles: () => [landing] }))).rowCount, 2);
          assert.equal((await run(f, defineAsset({ key: 'raw/orders', sql, sourceFiles: [dir] }))).rowCount, 2);
          // Listing one file does not open its neighbours.
          const neighbour = join(dir, 'secrets.csv');
          await writeFile(neighbour, 'x\n1\n');
          await assert.rejects(
            run(f, defineAsset({ key: 'raw/orders', sql: forEngine(f.engine, UNDECLARED.readCsv)(neighbour), sourceFiles: [landing] })),
            expectError('QUARRY_BAD_FILE_ACCESS', neighbour),
          );
        }),
      ));

    test('a step writes nothing but its output: COPY TO elsewhere, breaking out of the wrapper and two statements all fail', (t) =>
      withEngine((f) =>
        withLocalDir(async (dir) => {
          if (!f.capabilities.declaredInputsOnly) return t.skip(NO_ISOLATION);
          const input = await seed(f, eventsOfDay('2026-01-01', 3, 0));
          const target = join(dir, 'stolen.csv');
          const inputs = [eventsInput([input])];
          const attempts = [
            undeclared('copyTo', target),
            undeclared('breakOut', target),
            // Overwriting the committed upstream file itself (the wrapper allows writing only the output).
            undeclared('breakOut', pathOf(f, input)),
            undeclared('twoStatements', target),
          ];
          for (const sql of attempts) {
            await assert.rejects(run(f, sqlAsset(f, { key: 'marts/writer', deps: { events: rawEvents }, sql }), { inputs }), (error: unknown) => {
              assert.ok(isQuarryError(error), String(error));
              assert.ok(error.message.includes('marts/writer'), error.message);
              return true;
            });
          }
          assert.equal(existsSync(target), false);
          const check = await f.engine.query('select count(*) as n from events', { views: inputs });
          assert.deepEqual(check.rows, [{ n: 3 }]);
        }),
      ));

    test('query() is read-only: writing statements are QUARRY_QUERY_READ_ONLY, and one statement runs at a time', (t) =>
      withEngine((f) =>
        withLocalDir(async (dir) => {
          if (!f.capabilities.declaredInputsOnly) return t.skip(NO_ISOLATION);
          const file = await seed(f, eventsOfDay('2026-01-01', 2, 0));
          const views = [eventsInput([file])];
          const target = join(dir, 'export.csv');
          await assert.rejects(f.engine.query(forEngine(f.engine, UNDECLARED.copyTo)(target), { views, ...ownDialect(f) }), expectError('QUARRY_QUERY_READ_ONLY', 'read-only'));
          await assert.rejects(f.engine.query(forEngine(f.engine, UNDECLARED.copyTo)(pathOf(f, file)), { views, ...ownDialect(f) }), expectError('QUARRY_QUERY_READ_ONLY', 'read-only'));
          await assert.rejects(f.engine.query(forEngine(f.engine, UNDECLARED.twoStatements)(target), { views, ...ownDialect(f) }), expectError('QUARRY_QUERY_READ_ONLY', '2 statements'));
          assert.equal(existsSync(target), false);
          assert.deepEqual((await f.engine.query('select count(*) as n from events', { views })).rows, [{ n: 2 }]);
        }),
      ));

    test('query() reads only the files of its views', (t) =>
      withEngine((f) =>
        withLocalDir(async (dir) => {
          if (!f.capabilities.declaredInputsOnly) return t.skip(NO_ISOLATION);
          const visible = await seed(f, eventsOfDay('2026-01-01', 2, 0));
          const hidden = await seed(f, eventsOfDay('2026-01-02', 3, 100));
          const local = join(dir, 'passwords.csv');
          await writeFile(local, 'user,password\nroot,hunter2\n');
          const views = [eventsInput([visible])];
          await assert.rejects(f.engine.query(forEngine(f.engine, UNDECLARED.readCsv)(local), { views, ...ownDialect(f) }), expectError('QUARRY_BAD_FILE_ACCESS', local));
          await assert.rejects(f.engine.query(forEngine(f.engine, UNDECLARED.readParquet)(pathOf(f, hidden)), { views, ...ownDialect(f) }), expectError('QUARRY_BAD_FILE_ACCESS'));
          if (f.store.capabilities.localPaths) {
            // A view's own file is visible by its path too: it is part of what the query may read.
            assert.equal((await f.engine.query(forEngine(f.engine, UNDECLARED.readParquet)(pathOf(f, visible)), { views, ...ownDialect(f) })).rows.length, 2);
          }
        }),
      ));

    // Write–audit–publish (engines with stagedPublish): materialize stages, publish makes it current.

    test('publish makes staged partitions current, replacing only their own partition; discard drops what is staged', (t) =>
      withEngine(async (f) => {
        if (f.capabilities.stagedPublish !== true || f.engine.publish === undefined) return t.skip('the engine writes final lake files (no capability stagedPublish)');
        const file = await seed(f, [...eventsOfDay('2026-01-01', 2, 0), ...eventsOfDay('2026-01-02', 3, 10), ...eventsOfDay('2026-01-03', 2, 20)]);
        const asset = sqlAsset(f, { key: 'marts/daily', deps: { events: rawEvents }, partitions: dailyPartitions({ start: '2026-01-01' }), sql: SQL.eventsInWindow });
        const stageAndPublish = async (day: string, files: string[]) => {
          const out = await run(f, asset, { scope: dayScope(day), inputs: [eventsInput(files)] });
          const published = await f.engine.publish!({ asset, runId: 'run-1', partitions: [{ key: day, start: dayScope(day).start!, end: dayScope(day).end!, files: out.files }], signal: new AbortController().signal });
          assert.equal(published.length, 1);
          assert.equal(published[0]!.key, day);
          assert.notDeepEqual(published[0]!.files, out.files);
          // What was staged is gone once published.
          await assert.rejects(readBack(f, out), (e: unknown) => isQuarryError(e));
          return published[0]!.files;
        };
        const ids = async (files: string[]) => (await readBack(f, { files } as MaterializeOutput, 'id')).map((r) => r['id']);
        const day2 = await stageAndPublish('2026-01-02', [file]);
        const day3 = await stageAndPublish('2026-01-03', [file]);
        assert.deepEqual(await ids(day2), [10, 11, 12]);
        assert.deepEqual(await ids(day3), [20, 21]);
        // Re-published from other rows: the partition is replaced, its neighbour is untouched.
        const fewer = await seed(f, eventsOfDay('2026-01-02', 1, 10));
        assert.deepEqual(await stageAndPublish('2026-01-02', [fewer]), day2);
        assert.deepEqual(await ids(day2), [10]);
        assert.deepEqual(await ids(day3), [20, 21]);
        // A staged output that will not be published is dropped.
        const staged = await run(f, asset, { scope: dayScope('2026-01-01'), inputs: [eventsInput([file])] });
        assert.deepEqual(await ids(staged.files), [0, 1]);
        await f.engine.discard!(staged.files);
        await assert.rejects(readBack(f, staged), (e: unknown) => isQuarryError(e));
      }));

    test('capability flags are booleans and match the engine', () =>
      withEngine(async (f) => {
        for (const flag of ['merge', 'arrowWrite', 'localFiles', 'declaredInputsOnly'] as const) assert.equal(typeof f.capabilities[flag], 'boolean');
        assert.deepEqual(f.capabilities, f.engine.capabilities);
      }));
  });
}
