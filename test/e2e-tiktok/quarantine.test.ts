import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFECT_KIND_INFO, DEFECT_KINDS, type DataFileName } from '@quarry/assets';
import { TikTokFixture } from './tiktok-fixture.ts';

const FILES: readonly { file: DataFileName; accepted: string; quarantine: string; key: string }[] = [
  { file: 'creators.ndjson', accepted: 'raw__creator_changes', quarantine: 'quality__creator_quarantine', key: 'creator_id' },
  { file: 'videos.csv', accepted: 'raw__video_changes', quarantine: 'quality__video_quarantine', key: 'video_id' },
];

// Two landings: a heavily defective one (every defect kind shows up) and one at the default rate.
for (const options of [
  { creators: 300, days: 6, start: '2026-03-01', seed: 7, defectRate: 0.3 },
  { creators: 300, days: 6, start: '2025-12-30', seed: 11 },
]) {
  describe(`TikTok quarantine (seed ${options.seed}, defect rate ${options.defectRate ?? 'default'})`, () => {
    let f: TikTokFixture;
    before(async () => {
      f = await TikTokFixture.create('e2e-tiktok-quarantine', options);
      await f.run();
    });
    after(async () => {
      await f?.close();
    });

    it('quarantines exactly the rows the ground truth calls invalid, per reason per day', async () => {
      for (const { file, quarantine } of FILES) {
        const rows = await f.rows(`SELECT strftime(day, '%Y-%m-%d') AS day, reason_code, count(*)::INTEGER AS n FROM ${quarantine} GROUP BY ALL`);
        const actual = Object.fromEntries(rows.map((r) => [`${r.day} ${r.reason_code}`, r.n]));
        const expected: Record<string, number> = {};
        for (const day of f.days) {
          const defects = f.truth.defectsOn(day).files[file].defects;
          for (const kind of DEFECT_KINDS) {
            if (DEFECT_KIND_INFO[kind].disposition === 'invalid' && defects[kind] > 0) expected[`${day} ${kind}`] = defects[kind];
          }
        }
        assert.deepEqual(actual, expected, `${file}: quarantine counts per day and reason`);
        if (options.defectRate !== undefined) assert.ok(new Set(Object.keys(expected).map((k) => k.split(' ')[1])).size >= 4, `${file}: the heavy landing exercises several reasons`);
      }
    });

    it('names the file and line of every quarantined row, as the truth lists them', async () => {
      for (const { file, quarantine } of FILES) {
        const rows = await f.rows(`SELECT _source_file, _source_line, reason_code, record_key FROM ${quarantine} ORDER BY _source_file, _source_line`);
        const actual = rows.map((r) => `${r._source_file}:${r._source_line} ${r.reason_code}`);
        const expected = f.days.flatMap((day) =>
          f.truth
            .defectsOn(day)
            .defectiveRows[file].filter((d) => DEFECT_KIND_INFO[d.kind].disposition === 'invalid')
            .sort((a, b) => a.line - b.line)
            .map((d) => `${day}/${file}:${d.line} ${d.kind}`),
        );
        assert.deepEqual(actual, expected);
      }
    });

    it('accounts for every input row: accepted + quarantined = rows in the file, per day', async () => {
      for (const { file, accepted, quarantine } of FILES) {
        const rows = await f.rows(
          `SELECT strftime(day, '%Y-%m-%d') AS day, sum(a)::INTEGER AS accepted, sum(q)::INTEGER AS quarantined FROM (
             SELECT day, 1 AS a, 0 AS q FROM ${accepted} UNION ALL SELECT day, 0, 1 FROM ${quarantine}) GROUP BY day ORDER BY day`,
        );
        for (const day of f.days) {
          const truth = f.truth.defectsOn(day).files[file];
          const row = rows.find((r) => r.day === day);
          assert.ok(row, `${file} ${day} has rows`);
          assert.equal(Number(row.accepted) + Number(row.quarantined), truth.rows, `${file} ${day}: accepted + quarantined = input`);
          assert.equal(Number(row.quarantined), truth.invalidRows, `${file} ${day}: quarantined`);
        }
      }
    });

    it('deduplicates to exactly the expected accepted rows (within a file the later line wins; across files the newer updated_at)', async () => {
      for (const { file, accepted, key } of FILES) {
        // A row counts once: the last line of its (key, updated_at) group in its file, unless an
        // earlier day already carried that (key, updated_at) (a re-send).
        const rows = await f.rows(
          `WITH last_in_file AS (
             SELECT * FROM ${accepted} QUALIFY row_number() OVER (PARTITION BY day, ${key}, updated_at ORDER BY _source_line DESC) = 1
           ), firsts AS (
             SELECT * FROM last_in_file QUALIFY day = min(day) OVER (PARTITION BY ${key}, updated_at)
           )
           SELECT strftime(day, '%Y-%m-%d') AS day, count(*)::INTEGER AS n FROM firsts GROUP BY day`,
        );
        const actual = Object.fromEntries(rows.map((r) => [r.day, r.n]));
        const expected = Object.fromEntries(f.days.map((day) => [day, f.truth.defectsOn(day).files[file].expectedAcceptedRows]));
        assert.deepEqual(actual, expected, `${file}: deduplicated accepted rows per day`);
      }
    });

    it('flags exactly the generated anomalies: follower spikes and view-sum mismatches', async () => {
      const spikes = await f.rows(`SELECT creator_id || ' ' || strftime(day, '%Y-%m-%d') AS k FROM quality__follower_spikes ORDER BY 1`);
      assert.deepEqual(
        spikes.map((r) => r.k),
        f.truth.followerSpikes().map((s) => `${s.creatorId} ${s.day}`).sort(),
      );
      const mismatches = await f.rows(
        `SELECT creator_id || ' ' || strftime(day, '%Y-%m-%d') || ' ' || reported_total_views || ' ' || video_views AS k FROM quality__view_sum_mismatches ORDER BY 1`,
      );
      assert.deepEqual(
        mismatches.map((r) => r.k),
        f.truth.viewSumMismatches().map((m) => `${m.creatorId} ${m.day} ${m.reported} ${m.actual}`).sort(),
      );
    });
  });
}
