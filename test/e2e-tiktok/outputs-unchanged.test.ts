// The TikTok pipeline's outputs, pinned: every asset's rows in every partition, on a small generated
// landing, after a full backfill and then an incremental day, compared with a fixture captured before
// the pipeline's performance work (test/e2e-tiktok/outputs-fixture.json). An optimization that changes
// any row of any asset fails here, naming the asset and partition. core/videos now stores daily deltas:
// its rows of a day are the state `videoStateSql` rebuilds from them, which must be the full daily state
// the fixture captured; core/creator_history stores daily merges, and `creatorHistorySql` must rebuild
// the unpartitioned SCD2 table the fixture captured.
//
// Regenerate the fixture only for an intended change of outputs:
//   UPDATE_TIKTOK_FIXTURE=1 node scripts/run-tests.mjs e2e-tiktok/outputs-unchanged
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { creatorHistorySql, videoStateSql } from '@quarry/assets';
import { TikTokFixture, sqlString } from './tiktok-fixture.ts';

const FIXTURE = fileURLToPath(new URL('./outputs-fixture.json', import.meta.url));

/** Row count and an order-independent digest (md5 of the sorted row texts) of one partition. */
interface PartitionDigest {
  readonly rows: number;
  readonly md5: string;
}

/** Per phase, per `asset [partition]`. */
interface OutputsFixture {
  readonly landing: Record<string, unknown>;
  readonly backfill: Record<string, PartitionDigest>;
  readonly incremental: Record<string, PartitionDigest>;
}

const LANDING = { creators: 300, days: 5, start: '2026-03-01', seed: 11, defectRate: 0.05 } as const;

/** Every current partition of every asset, digested from its lake files in a DuckDB of the test's own. */
async function digestAll(f: TikTokFixture): Promise<Record<string, PartitionDigest>> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const out: Record<string, PartitionDigest> = {};
  try {
    // Row texts include timestamps: fix the zone they print in.
    await connection.run("SET TimeZone = 'UTC'");
    for (const asset of f.instance.graph.assets()) {
      if (asset.type !== 'asset') continue;
      const current = f.instance.catalog.materializationHistory(asset.key, undefined, { limit: Number.MAX_SAFE_INTEGER }).filter((m) => m.current);
      const filesOf = (records: typeof current) => records.flatMap((m) => m.files.map((path) => sqlString(f.instance.store.localPath(path)!))).join(', ');
      if (asset.key === 'core/creator_history') {
        // The history keeps daily merges: its table (what the fixture holds, unpartitioned) is each creator's latest rows.
        out['core/creator_history []'] = await digest(connection, creatorHistorySql(`read_parquet([${filesOf(current)}])`));
        continue;
      }
      for (const m of current) {
        // core/videos keeps daily deltas: its state of a day (what the fixture holds) is rebuilt from the partitions up to it.
        const rows =
          asset.key === 'core/videos'
            ? videoStateSql(`read_parquet([${filesOf(current.filter((c) => c.partitionKey <= m.partitionKey))}])`, m.partitionKey)
            : `SELECT * FROM read_parquet([${filesOf([m])}])`;
        out[`${asset.key} [${m.partitionKey}]`] = await digest(connection, rows);
      }
    }
  } finally {
    connection.closeSync();
    db.closeSync();
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Row count and digest of the rows of `sql`. */
async function digest(connection: DuckDBConnection, sql: string): Promise<PartitionDigest> {
  const [row] = (
    await connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) AS d FROM (SELECT CAST(t AS VARCHAR) AS r FROM (${sql}) t)`,
    )
  ).getRowObjectsJS() as [{ n: number; d: string }];
  return { rows: row.n, md5: row.d };
}

describe('TikTok outputs unchanged', () => {
  let f: TikTokFixture;
  let backfill: Record<string, PartitionDigest>;
  let incremental: Record<string, PartitionDigest>;
  before(async () => {
    f = await TikTokFixture.create('e2e-tiktok-outputs', { ...LANDING, days: LANDING.days - 1 });
    await f.run();
    backfill = await digestAll(f);
    await f.growTo(LANDING.days);
    await f.run();
    incremental = await digestAll(f);
    if (process.env.UPDATE_TIKTOK_FIXTURE === '1') {
      const fixture: OutputsFixture = { landing: { ...LANDING }, backfill, incremental };
      writeFileSync(FIXTURE, `${JSON.stringify(fixture, null, 1)}\n`);
    }
  });
  after(async () => {
    await f?.close();
  });

  const expected = (): OutputsFixture => JSON.parse(readFileSync(FIXTURE, 'utf8')) as OutputsFixture;

  it('the fixture covers every asset of the pipeline, with rows in the partitions that have them', () => {
    const fixture = expected();
    assert.deepEqual(fixture.landing, { ...LANDING });
    const assets = new Set(Object.keys(fixture.incremental).map((k) => k.slice(0, k.indexOf(' ['))));
    assert.deepEqual([...assets].sort(), f.instance.graph.assets().filter((a) => a.type === 'asset').map((a) => a.key).sort());
    assert.ok(Object.values(fixture.incremental).some((d) => d.rows > 1000), 'a partition with many rows');
  });

  it('a full backfill of days 1–4 writes the same rows in every partition of every asset', () => {
    assert.deepEqual(backfill, expected().backfill);
  });

  it('an incremental day 5 after it writes the same rows, and leaves days 1–4 as they were', () => {
    assert.deepEqual(incremental, expected().incremental);
  });
});
