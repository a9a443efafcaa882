import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { creatorAsOf, creatorHistorySql, followersAsOf } from '@quarry/assets';
import { isQuarryError } from '@quarry/core';
import { main } from '../../packages/assets/src/cli/main.ts';
import { TikTokFixture } from './tiktok-fixture.ts';

describe('TikTok point-in-time history', () => {
  let f: TikTokFixture;
  before(async () => {
    f = await TikTokFixture.create('e2e-tiktok-history', { creators: 300, days: 6, start: '2026-03-01', seed: 7, defectRate: 0.3 });
    await f.run();
  });
  after(async () => {
    await f?.close();
  });

  function samples(): string[] {
    const several = f.truth.creatorsChangedSeveralTimes({ minChanges: 2, limit: 10 });
    const midRange = f.truth.creatorsCreatedMidRange(10);
    const defective = f.truth.creatorsWithDefectiveRows({ limit: 20 }).map((r) => r.creatorId);
    assert.ok(several.length > 0 && midRange.length > 0 && defective.length > 0, 'the landing has each kind of sample creator');
    return [...new Set([...several, ...midRange, ...defective, 'c_000000', 'c_000299'])];
  }

  it('answers followers as of every day exactly as the ground truth (several changes, mid-range creation, defective rows)', async () => {
    for (const id of samples()) {
      for (const day of f.days) {
        assert.equal(await followersAsOf(f.instance, id, day), f.truth.followersAt(id, day), `${id} as of ${day}`);
      }
    }
  });

  it('holds the truth state for every creator in every daily snapshot', async () => {
    for (const day of f.days) {
      const rows = await f.rows(`SELECT * FROM core__creator_snapshots WHERE day = DATE '${day}' ORDER BY creator_id`);
      const existing = f.truth.defectsOn(day).creatorsExisting;
      assert.equal(rows.length, existing, `${day}: every existing creator has a snapshot row`);
      for (const row of rows) {
        const truth = f.truth.creatorStateAt(String(row.creator_id), day)!;
        for (const field of ['handle', 'display_name', 'category', 'country', 'followers', 'following', 'total_likes', 'total_views', 'video_count', 'verified'] as const) {
          assert.equal(row[field], truth[field], `${row.creator_id} ${field} on ${day}`);
        }
        assert.equal(new Date(String(row.updated_at)).toISOString().replace('.000', ''), truth.updated_at, `${row.creator_id} updated_at on ${day}`);
      }
    }
  });

  it('keeps SCD2 validity intervals without overlaps or gaps, one current version per creator', async () => {
    const problems = await f.rows(`
      WITH ordered AS (
        SELECT creator_id, version, valid_from, valid_to, is_current,
               lead(valid_from) OVER (PARTITION BY creator_id ORDER BY valid_from) AS next_from,
               row_number() OVER (PARTITION BY creator_id ORDER BY valid_from) AS position,
               count(*) OVER (PARTITION BY creator_id) AS versions
        FROM (${creatorHistorySql('core__creator_history')})
      )
      SELECT * FROM ordered
      WHERE version <> position
         OR (next_from IS NULL) <> (valid_to IS NULL)
         OR valid_to <> next_from
         OR valid_to <= valid_from
         OR is_current <> (valid_to IS NULL)`);
    assert.deepEqual(problems, []);
    const [counts] = await f.rows(`SELECT count(DISTINCT creator_id)::INTEGER AS creators, count(*) FILTER (WHERE is_current)::INTEGER AS current FROM (${creatorHistorySql('core__creator_history')})`);
    const last = f.days[f.days.length - 1]!;
    assert.equal(counts!.creators, f.truth.defectsOn(last).creatorsExisting);
    assert.equal(counts!.current, counts!.creators);
  });

  it('tells where a version came from and answers instants inside a day', async () => {
    const id = f.truth.creatorsChangedSeveralTimes({ minChanges: 2, limit: 1 })[0]!;
    const version = await creatorAsOf(f.instance, id, f.days[f.days.length - 1]!);
    assert.ok(version);
    assert.match(version.sourceFile, /^\d{4}-\d{2}-\d{2}\/creators\.ndjson$/);
    assert.ok(version.version >= 3 && version.version === version.versions);
    // Just before the version's start the previous version answers; at its start, this one.
    const justBefore = new Date(new Date(version.validFrom).getTime() - 1000);
    const previous = await creatorAsOf(f.instance, id, justBefore);
    assert.equal(previous?.version, version.version - 1);
    assert.equal((await creatorAsOf(f.instance, id, version.validFrom))?.version, version.version);
    assert.equal(await followersAsOf(f.instance, id, '2020-01-01'), undefined);
    await assert.rejects(followersAsOf(f.instance, id, '2026-02-30'), (e) => isQuarryError(e, 'QUARRY_BAD_ARGUMENT') && /2026-02-30/.test(e.message));
  });

  it('answers through `quarry-tiktok asof --project DIR`', async () => {
    const id = f.truth.creatorsChangedSeveralTimes({ minChanges: 2, limit: 1 })[0]!;
    const day = f.days[3]!;
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) };
    const previousHome = process.env.QUARRY_HOME;
    delete process.env.QUARRY_HOME;
    try {
      assert.equal(await main(['asof', '--creator', id, '--at', day, '--project', f.root, '--json'], io), 0, err.join('\n'));
      assert.equal(JSON.parse(out[0]!).followers, f.truth.followersAt(id, day));
      assert.equal(await main(['asof', '--creator', id, '--at', 'yesterday', '--project', f.root], io), 1);
      assert.match(err[err.length - 1]!, /"yesterday" is not a day or a timestamp/);
    } finally {
      if (previousHome !== undefined) process.env.QUARRY_HOME = previousHome;
    }
  });
});
