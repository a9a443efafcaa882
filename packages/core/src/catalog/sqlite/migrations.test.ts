import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { isQuarryError } from '../../errors.ts';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION, migrateSqliteCatalog } from './migrations.ts';
import { openSqliteCatalog } from './sqlite-catalog.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-migrations-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function appliedVersions(path: string): number[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
  } finally {
    db.close();
  }
}

test('a fresh catalog gets every migration, in WAL mode, and reopening changes nothing', () => withDir(async (dir) => {
  const path = join(dir, 'nested', 'catalog.sqlite');
  const catalog = openSqliteCatalog({ path });
  catalog.close();
  assert.deepEqual(appliedVersions(path), SQLITE_MIGRATIONS.map((m) => m.version));
  assert.equal(SQLITE_SCHEMA_VERSION, SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version);
  const db = new Database(path, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
  db.close();
  openSqliteCatalog({ path }).close();
  assert.deepEqual(appliedVersions(path), SQLITE_MIGRATIONS.map((m) => m.version));
}));

test('a catalog at schema version 1 (the shipped fixture) is upgraded with its data intact', () => withDir(async (dir) => {
  const path = join(dir, 'catalog.sqlite');
  const fixture = await readFile(new URL('./fixtures/catalog-v1.sql', import.meta.url), 'utf8');
  const db = new Database(path);
  db.exec(fixture);
  db.close();
  assert.deepEqual(appliedVersions(path), [1]);

  const catalog = openSqliteCatalog({ path, now: () => new Date('2026-01-16T00:00:00Z'), hostname: 'fixture-host' });
  try {
    assert.deepEqual(appliedVersions(path), SQLITE_MIGRATIONS.map((m) => m.version));
    const run = catalog.getRun('r_20260115T100000_a1b2c3');
    assert.equal(run?.status, 'succeeded');
    assert.deepEqual(run?.tags, { owner: 'data' });
    assert.deepEqual(run?.partitions, { start: '2026-01-14', end: '2026-01-15' });
    assert.deepEqual(catalog.listSteps('r_20260115T100000_a1b2c3').map((s) => [s.stepId, s.status, s.attempt]), [['s1', 'succeeded', 1], ['s2', 'failed', 2]]);
    assert.deepEqual(catalog.listEvents({ runId: 'r_20260115T100000_a1b2c3' }).map((e) => e.type), ['run_started', 'step_succeeded', 'step_failed']);

    const current = catalog.currentPartitions('raw/creators', { columns: ['dataVersions', 'seqs'] });
    assert.deepEqual(current.keys, ['2026-01-14', '2026-01-15']);
    assert.deepEqual(current.codeVersions, ['code-1', 'code-2']);
    assert.deepEqual([...current.dataSeqs], [1, 2]);
    assert.deepEqual([...current.seqs!], [1, 3]);
    assert.deepEqual(catalog.materializationHistory('raw/creators', '2026-01-15').map((m) => [m.seq, m.current]), [[3, true], [2, false]]);
    assert.deepEqual(catalog.failedPartitions('marts/creator_daily').map((f) => f.partitionKey), ['2026-01-15']);
    assert.deepEqual(catalog.dynamicPartitions.keys('creators'), ['alice', 'bob']);
    assert.equal(catalog.listLeases('raw/creators')[0]?.runId, 'r_20260115T100000_a1b2c3');

    // The sequence continues where version 1 left it, and the tables version 2 added work.
    const [next] = catalog.commitMaterializations([{
      assetKey: 'marts/creator_daily', partitionKey: '2026-01-15', files: ['marts/creator_daily/2026-01-15/r3.parquet'], dataVersion: 'dv-c', codeVersion: 'code-1',
      inputSeqs: { 'raw/creators': 2 }, lineage: [{ assetKey: 'raw/creators', partitionKey: '2026-01-15', materializationId: 3, dataVersion: 'dv-b' }],
    }]);
    assert.equal(next?.seq, 4);
    assert.deepEqual(catalog.failedPartitions('marts/creator_daily'), []);
    assert.equal(catalog.listLineageEdges({ asset: 'marts/creator_daily', direction: 'upstream' }).length, 1);
    assert.equal(catalog.recordCheckResults([{ assetKey: 'marts/creator_daily', partitionKey: '2026-01-15', checkName: 'not_null', passed: true, severity: 'error' }]).length, 1);
  } finally {
    catalog.close();
  }
}));

test('migration 1 still creates exactly the schema of the shipped version-1 fixture (released migrations are never edited)', () => withDir(async (dir) => {
  const schemaOf = (db: Database.Database) => db.prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all();
  const fromFixture = new Database(':memory:');
  fromFixture.exec(await readFile(new URL('./fixtures/catalog-v1.sql', import.meta.url), 'utf8'));
  const migrated = new Database(join(dir, 'v1.sqlite'));
  migrateSqliteCatalog(migrated, 'v1.sqlite', SQLITE_MIGRATIONS, 1);
  assert.deepEqual(schemaOf(migrated), schemaOf(fromFixture));
  migrated.close();
  fromFixture.close();
}));

test('migrating stops at the requested version, and a catalog newer than the code is refused', () => withDir(async (dir) => {
  const path = join(dir, 'catalog.sqlite');
  const db = new Database(path);
  assert.equal(migrateSqliteCatalog(db, path, SQLITE_MIGRATIONS, 1), 1);
  assert.deepEqual(db.prepare("SELECT name FROM sqlite_schema WHERE name IN ('runs', 'check_results')").pluck().all(), ['runs']);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(99, 'from the future', 0);
  db.close();
  assert.throws(() => openSqliteCatalog({ path }), (error: unknown) => {
    assert.ok(isQuarryError(error, 'QUARRY_CATALOG_MIGRATION'), String(error));
    assert.match(error.message, /schema version 99/);
    assert.ok(error.message.includes(path));
    return true;
  });
}));

test('a SQLite file that is not a Quarry catalog, or a file that is not SQLite, is refused untouched', () => withDir(async (dir) => {
  const foreign = join(dir, 'foreign.sqlite');
  const db = new Database(foreign);
  db.exec('CREATE TABLE customers (id INTEGER)');
  db.close();
  assert.throws(() => openSqliteCatalog({ path: foreign }), (error: unknown) => isQuarryError(error, 'QUARRY_CATALOG_MIGRATION') && /not a Quarry catalog/.test(error.message));
  const check = new Database(foreign, { readonly: true });
  assert.deepEqual(check.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all(), ['customers']);
  check.close();

  const text = join(dir, 'notes.txt');
  await writeFile(text, 'this is not a database, just a text file long enough to have a header '.repeat(20));
  assert.throws(() => openSqliteCatalog({ path: text }), (error: unknown) => isQuarryError(error, 'QUARRY_CATALOG_CORRUPT') && /not a SQLite database/.test(error.message));
}));

test('two connections opening a fresh file at once both end up on the latest schema', () => withDir(async (dir) => {
  const path = join(dir, 'catalog.sqlite');
  const first = openSqliteCatalog({ path });
  const second = openSqliteCatalog({ path });
  first.createRun({ kind: 'materialize', selection: 'a' });
  assert.equal(second.listRuns().length, 1);
  first.close();
  second.close();
  assert.deepEqual(appliedVersions(path), SQLITE_MIGRATIONS.map((m) => m.version));
}));

test('migrations must be numbered 1..N with no gap: a list with a hole or out of order is refused before touching the database', () => withDir(async (dir) => {
  const path = join(dir, 'catalog.sqlite');
  const db = new Database(path);
  const step = (version: number) => ({ version, name: `v${version}`, up: (d: Database.Database) => d.exec(`CREATE TABLE t${version} (x INTEGER)`) });
  assert.throws(() => migrateSqliteCatalog(db, path, [step(1), step(3)]), /entry 1 has version 3, expected 2/);
  assert.throws(() => migrateSqliteCatalog(db, path, [step(2)]), /entry 0 has version 2, expected 1/);
  assert.throws(() => migrateSqliteCatalog(db, path, [step(1), step(2), step(2)]), /entry 2 has version 2, expected 3/);
  assert.deepEqual(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all(), []);
  assert.equal(migrateSqliteCatalog(db, path, [step(1), step(2)]), 2);
  db.close();
  assert.deepEqual(SQLITE_MIGRATIONS.map((m) => m.version), SQLITE_MIGRATIONS.map((_, i) => i + 1));
}));
