import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { notNull, evaluateChecks } from '../../checks/index.ts';
import { isQuarryError } from '../../errors.ts';
import { createDuckDbCheckRunner } from './duckdb-check-runner.ts';

test('the DuckDB check runner locks its instance: check SQL reads only the files it is given', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-check-runner-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const given = join(dir, 'videos.csv');
    const other = join(dir, 'other.csv');
    await writeFile(given, 'video_id,title\n1,a\n2,\n');
    await writeFile(other, 'secret\nx\n');
    const runner = createDuckDbCheckRunner(connection, { files: [given] });
    const results = await evaluateChecks(runner, [notNull(['title'])], { target: `read_csv('${given}')` }, { assetKey: 'raw/videos' });
    assert.equal(results[0]?.failingCount, 1);
    await assert.rejects(runner.query(`select * from read_csv('${other}')`), /Permission Error/);
    await assert.rejects(runner.query("select * from read_text('/etc/hostname')"), /Permission Error/);
    await assert.rejects(runner.query('SET enable_external_access = true'), /configuration has been locked/);
    await assert.rejects(runner.query('INSTALL httpfs'), /Permission Error|disabled/);
    const [settings] = await runner.query("select current_setting('enable_external_access') as ext, current_setting('autoload_known_extensions') as autoload");
    assert.deepEqual(settings, { ext: false, autoload: false });
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the DuckDB check runner refuses a connection locked with external access on', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run('SET lock_configuration = true');
    const runner = createDuckDbCheckRunner(connection);
    await assert.rejects(runner.query('select 1'), (e: unknown) => isQuarryError(e, 'QUARRY_BAD_CONFIG') && e.message.includes('external access'));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});
