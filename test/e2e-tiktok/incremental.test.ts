import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Plan } from '@quarry/core';
import { TikTokFixture } from './tiktok-fixture.ts';

const DAILY_ASSETS = [
  'core/creator_history',
  'core/creator_snapshots',
  'core/videos',
  'marts/category_daily_metrics',
  'marts/creator_daily_metrics',
  'marts/priority_creator_daily',
  'quality/creator_quarantine',
  'quality/follower_spikes',
  'quality/intraday_quarantine',
  'quality/video_quarantine',
  'quality/view_sum_mismatches',
  'raw/creator_changes',
  'raw/priority_creator_intraday',
  'raw/video_changes',
];

function stepsOf(plan: Plan): string[] {
  return plan.steps.map((s) => `${s.assetKey} [${s.partitionKeys.join(',')}] ${s.reason.cause}`).sort();
}

/** Every current partition's data version, by `asset [partition]`. */
function dataVersions(f: TikTokFixture): Map<string, string> {
  const versions = new Map<string, string>();
  for (const asset of f.instance.listAssets()) {
    for (const m of f.instance.materializations(asset.key, { limit: 10_000 })) {
      if (m.current) versions.set(`${asset.key} [${m.partitionKey}]`, m.dataVersion);
    }
  }
  return versions;
}

describe('TikTok incremental runs', () => {
  let f: TikTokFixture;
  before(async () => {
    f = await TikTokFixture.create('e2e-tiktok-incremental', { creators: 300, days: 5, start: '2026-03-01', seed: 7, defectRate: 0.05 });
    await f.run();
  });
  after(async () => {
    await f?.close();
  });

  it('plans nothing once everything is materialized', async () => {
    assert.deepEqual((await f.instance.plan()).steps, []);
  });

  it('plans only day N+1 after a day lands (the history merges it into its earlier days)', async () => {
    const before = dataVersions(f);
    await f.growTo(6);
    const day = f.days[5]!;
    assert.deepEqual(stepsOf(await f.instance.plan()), DAILY_ASSETS.map((key) => `${key} [${day}] missing`).sort());
    await f.run();
    assert.deepEqual((await f.instance.plan()).steps, []);
    // Nothing about days 1..N changed.
    const afterwards = dataVersions(f);
    for (const [partition, version] of before) assert.equal(afterwards.get(partition), version, partition);
    const [{ n }] = (await f.rows(`SELECT count(*)::INTEGER AS n FROM marts__creator_daily_metrics WHERE day = DATE '${day}'`)) as [{ n: number }];
    assert.equal(n, f.truth.defectsOn(day).creatorsExisting);
  });

  it('re-running any day with force yields identical data versions', async () => {
    const before = dataVersions(f);
    for (const day of [f.days[0]!, f.days[3]!]) {
      const versionsBefore = f.instance.materializations('core/videos', { partition: day }).length;
      const record = await f.run({ partitions: { key: day }, force: true });
      const steps = f.instance.listSteps(record.id);
      for (const key of DAILY_ASSETS) assert.ok(steps.some((s) => s.assetKey === key && s.status === 'succeeded'), `${day}: ${key} re-ran`);
      // A new version was written (not skipped as up to date), with the same data version.
      assert.equal(f.instance.materializations('core/videos', { partition: day }).length, versionsBefore + 1);
      assert.deepEqual(dataVersions(f), before, `${day}: forced re-run changed no data version`);
    }
    await f.run({ selection: 'core/creator_history', force: true });
    assert.deepEqual(dataVersions(f), before, 'forced history rebuild changed no data version');
  });

  it('notices changed landing data (source_changed) and recomputes what depends on it', async () => {
    const day = f.days[2]!;
    const path = join(f.landingDir, day, 'creators.ndjson');
    const original = readFileSync(path, 'utf8');
    const lines = original.split('\n');
    // A late correction: the day's first creator row now reports one more follower.
    const first = JSON.parse(lines[0]!) as { creator_id: string; followers: number };
    lines[0] = JSON.stringify({ ...first, followers: first.followers + 1 });
    writeFileSync(path, lines.join('\n'));
    const steps = stepsOf(await f.instance.plan());
    assert.ok(steps.includes(`raw/creator_changes [${day}] source_changed`), steps.join('\n'));
    assert.ok(steps.includes(`quality/creator_quarantine [${day}] source_changed`), steps.join('\n'));
    assert.ok(!steps.some((s) => s.includes(f.days[1]!)), 'earlier days are not planned');
    assert.ok(!steps.some((s) => s.endsWith('source_changed') && !s.includes('creator')), 'video and intraday landing files did not change');
    assert.ok(!steps.some((s) => s.includes('priority')), 'intraday assets do not read creators.ndjson');
    // The snapshot chain from that day on is stale: each day builds on the day before.
    for (const later of f.days.slice(2)) assert.ok(steps.some((s) => s.startsWith(`core/creator_snapshots [${later}]`)), `snapshot ${later} planned`);
    await f.run();
    const [row] = await f.rows(
      `SELECT followers FROM core__creator_snapshots WHERE day = DATE '${day}' AND creator_id = '${first.creator_id}'`,
    );
    const corrected = await f.rows(`SELECT count(*)::INTEGER AS n FROM raw__creator_changes WHERE day = DATE '${day}' AND creator_id = '${first.creator_id}' AND followers = ${first.followers + 1}`);
    assert.equal(corrected[0]!.n, 1);
    assert.ok(row, 'the creator is in the snapshot');
    assert.deepEqual((await f.instance.plan()).steps, []);
  });

  it('fails a day whose landing file went missing at once, naming the file', async () => {
    const day = f.days[4]!;
    rmSync(join(f.landingDir, day, 'videos.csv'));
    const started = Date.now();
    await assert.rejects(f.run({ selection: 'raw/video_changes', partitions: { key: day }, force: true }), (e: Error) => {
      assert.match(e.message, new RegExp(`landing file .*${day}/videos\\.csv does not exist`));
      return true;
    });
    assert.ok(Date.now() - started < 30_000, 'no retry with backoff');
  });
});
