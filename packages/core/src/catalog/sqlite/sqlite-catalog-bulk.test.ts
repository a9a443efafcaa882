import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteCatalog } from './sqlite-catalog.ts';

const PARTITIONS = 1_000_000;
// 15-minute partitions from 2000-01-01: a million of them reach into 2028.
const START_SECONDS = Date.UTC(2000, 0, 1) / 1000;
const keyAt = (i: number) => new Date((START_SECONDS + i * 900) * 1000).toISOString().slice(0, 16);
const hex62 = (prefix: string, i: number) => `${prefix}${i.toString(16).padStart(62, '0')}`;

test('one asset with 1,000,000 current partitions reads back column-wise', { timeout: 600_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-bulk-'));
  const path = join(dir, 'catalog.sqlite');
  openSqliteCatalog({ path }).close();
  // Committing a million versions through the API takes 15-40 s here (about 20 µs each); this test is
  // about the read, so it writes the rows the commit path would have written with set-based SQL.
  const db = new Database(path);
  db.transaction(() => {
    db.exec(`INSERT INTO assets (id, asset_key) VALUES (1, 'raw/video_stats');
      INSERT INTO code_versions (id, code_version) VALUES (1, 'code-0'), (2, 'code-1'), (3, 'code-2');`);
    db.prepare(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
      INSERT INTO current_partitions (asset_id, partition_key, materialization_id, seq, data_seq, code_version_id, max_input_seq, created_at)
      SELECT 1, strftime('%Y-%m-%dT%H:%M', ? + i * 900, 'unixepoch'), i + 1, i + 1, i + 1, 1 + i % 3, max(i, 7), 0 FROM n`).run(PARTITIONS, START_SECONDS);
    db.prepare(`INSERT INTO current_versions (asset_id, partition_key, data_version, input_fingerprint)
      SELECT 1, partition_key, printf('d%062x', seq - 1), CASE WHEN seq % 10 = 0 THEN NULL ELSE printf('f%062x', seq - 1) END FROM current_partitions`).run();
    // The versions these rows point at would have taken ids and seqs 1..n.
    db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('materializations', ?)").run(PARTITIONS);
    db.prepare('UPDATE catalog_state SET seq = ?').run(PARTITIONS);
  })();
  db.close();

  const catalog = openSqliteCatalog({ path });
  try {
    let started = performance.now();
    const current = catalog.currentPartitions('raw/video_stats');
    t.diagnostic(`currentPartitions (default columns) read ${current.size} partitions in ${Math.round(performance.now() - started)} ms`);
    assert.equal(current.size, PARTITIONS);
    assert.equal(current.keys.length, PARTITIONS);
    assert.equal(current.keys[0], '2000-01-01T00:00');
    assert.equal(current.keys[PARTITIONS - 1], keyAt(PARTITIONS - 1));
    assert.equal(current.keys[123_456], keyAt(123_456));
    for (let i = 1; i < PARTITIONS; i += 997) assert.ok(current.keys[i - 1]! < current.keys[i]!, 'keys ascend');
    assert.equal(current.codeVersions[123_456], 'code-0');
    assert.equal(current.codeVersions[123_457], 'code-1');
    assert.equal(current.dataSeqs.length, PARTITIONS);
    assert.equal(current.dataSeqs[123_456], 123_457);
    assert.equal(current.maxInputSeqs[123_456], 123_456);
    assert.equal(current.maxInputSeqs[3], 7);

    started = performance.now();
    const withVersions = catalog.currentPartitions('raw/video_stats', { columns: ['dataVersions', 'inputFingerprints'] });
    t.diagnostic(`currentPartitions (+ dataVersions, inputFingerprints) read in ${Math.round(performance.now() - started)} ms`);
    assert.equal(withVersions.dataVersions?.length, PARTITIONS);
    assert.equal(withVersions.dataVersions?.[999_999], hex62('d', 999_999));
    assert.equal(withVersions.inputFingerprints?.[5], hex62('f', 5));
    assert.equal(withVersions.inputFingerprints?.[9], null);

    // The commit path still works on top of a million rows and sees the previous version.
    const [next] = catalog.commitMaterializations([{ assetKey: 'raw/video_stats', partitionKey: keyAt(42), files: ['x.parquet'], dataVersion: hex62('d', 42), codeVersion: 'code-9' }]);
    assert.equal(next?.dataSeq, 43, 'same data version as the current row: dataSeq kept');
  } finally {
    catalog.close();
    await rm(dir, { recursive: true, force: true });
  }
});
