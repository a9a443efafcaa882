import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFECT_KIND_INFO } from '@quarry/assets';
import { TikTokFixture, sqlString } from './tiktok-fixture.ts';

/**
 * An independent reference for the marts, written directly in SQL over the landing files: rows are
 * kept or dropped by the ground truth's list of invalid lines (not by the pipeline's validation),
 * each day's state is the newest updated_at over all files up to that day, and the metrics follow
 * their documented definitions.
 */
function referenceSql(f: TikTokFixture): string {
  const invalid = f.days.flatMap((day) =>
    (['creators.ndjson', 'videos.csv'] as const).flatMap((file) =>
      f.truth
        .defectsOn(day)
        .defectiveRows[file].filter((d) => DEFECT_KIND_INFO[d.kind].disposition === 'invalid')
        .map((d) => `(DATE '${day}', '${file}', ${d.line})`),
    ),
  );
  const landing = (pattern: string) => sqlString(join(f.landingDir, pattern));
  return `
    WITH invalid(day, file, line) AS (VALUES (NULL::DATE, NULL, NULL), ${invalid.join(', ') || "(NULL::DATE, NULL, NULL)"}),
    files AS (
      SELECT regexp_extract(filename, '(\\d{4}-\\d{2}-\\d{2})/(creators\\.ndjson|videos\\.csv)$', 1)::DATE AS day,
             regexp_extract(filename, '(creators\\.ndjson|videos\\.csv)$', 1) AS file,
             string_split(content, chr(10)) AS lines
      FROM read_text([${landing('*/creators.ndjson')}, ${landing('*/videos.csv')}])
    ),
    lines AS (
      SELECT day, file, unnest(lines) AS line, generate_subscripts(lines, 1) AS line_no FROM files
    ),
    kept AS (
      SELECT l.* FROM lines l ANTI JOIN invalid i ON i.day = l.day AND i.file = l.file AND i.line = l.line_no
      WHERE l.line <> '' AND NOT (l.file = 'videos.csv' AND l.line_no = 1)
    ),
    creators AS (
      SELECT day, line_no, line->>'creator_id' AS creator_id, line->>'category' AS category, line->>'country' AS country,
             (line->>'followers')::BIGINT AS followers, (line->>'updated_at')::TIMESTAMPTZ AS updated_at
      FROM kept WHERE file = 'creators.ndjson'
    ),
    videos AS (
      SELECT day, line_no, c[1] AS video_id, c[2] AS creator_id, c[3]::TIMESTAMPTZ AS posted_at, c[5]::BIGINT AS views,
             c[6]::BIGINT AS likes, coalesce(nullif(c[7], '')::BIGINT, 0) AS comments, coalesce(nullif(c[8], '')::BIGINT, 0) AS shares,
             c[9]::TIMESTAMPTZ AS updated_at
      FROM (SELECT day, line_no, string_split(line, ',') AS c FROM kept WHERE file = 'videos.csv')
    ),
    days AS (SELECT DISTINCT day FROM files),
    creator_state AS (
      SELECT d.day AS as_of, c.* FROM days d JOIN creators c ON c.day <= d.day
      QUALIFY row_number() OVER (PARTITION BY d.day, c.creator_id ORDER BY c.updated_at DESC, c.day ASC, c.line_no DESC) = 1
    ),
    video_state AS (
      SELECT d.day AS as_of, v.* FROM days d JOIN videos v ON v.day <= d.day
      QUALIFY row_number() OVER (PARTITION BY d.day, v.video_id ORDER BY v.updated_at DESC, v.day ASC, v.line_no DESC) = 1
    ),
    per_creator AS (
      SELECT cur.as_of, cur.creator_id,
             count(*) AS video_count,
             sum(cur.views) AS total_views, sum(cur.likes) AS total_likes, sum(cur.comments) AS total_comments, sum(cur.shares) AS total_shares,
             sum(cur.views - coalesce(prev.views, 0)) AS views, sum(cur.likes - coalesce(prev.likes, 0)) AS likes,
             sum(cur.comments - coalesce(prev.comments, 0)) AS comments, sum(cur.shares - coalesce(prev.shares, 0)) AS shares,
             count(*) FILTER (WHERE cur.posted_at::DATE = cur.as_of) AS videos_posted
      FROM video_state cur
      LEFT JOIN video_state prev ON prev.video_id = cur.video_id AND prev.as_of = cur.as_of - 1
      GROUP BY ALL
    )
    SELECT c.as_of AS day, c.creator_id, c.category, c.country, c.followers, c.followers - p.followers AS follower_delta,
           coalesce(v.videos_posted, 0) AS videos_posted, coalesce(v.views, 0) AS views, coalesce(v.likes, 0) AS likes,
           coalesce(v.comments, 0) AS comments, coalesce(v.shares, 0) AS shares, coalesce(v.video_count, 0) AS video_count,
           coalesce(v.total_views, 0) AS total_views, coalesce(v.total_likes, 0) AS total_likes,
           coalesce(v.total_comments, 0) AS total_comments, coalesce(v.total_shares, 0) AS total_shares,
           round(CASE WHEN coalesce(v.total_views, 0) = 0 THEN 0
                      ELSE (v.total_likes + v.total_comments + v.total_shares) / v.total_views END, 9) AS engagement_rate
    FROM creator_state c
    LEFT JOIN creator_state p ON p.creator_id = c.creator_id AND p.as_of = c.as_of - 1
    LEFT JOIN per_creator v ON v.creator_id = c.creator_id AND v.as_of = c.as_of`;
}

const METRIC_COLUMNS =
  'day, creator_id, category, country, followers, follower_delta, videos_posted, views, likes, comments, shares, video_count, ' +
  'total_views, total_likes, total_comments, total_shares';

describe('TikTok daily metrics against an independent SQL reference', () => {
  let f: TikTokFixture;
  before(async () => {
    f = await TikTokFixture.create('e2e-tiktok-metrics', { creators: 300, days: 6, start: '2026-03-01', seed: 7, defectRate: 0.3 });
    await f.run();
  });
  after(async () => {
    await f?.close();
  });

  it('marts/creator_daily_metrics equals the reference, row for row', async () => {
    const reference = referenceSql(f);
    const mart = `SELECT ${METRIC_COLUMNS}, round(engagement_rate, 9) AS engagement_rate FROM marts__creator_daily_metrics`;
    const [counts] = await f.referenceRows(`WITH ref AS (${reference}) SELECT (SELECT count(*) FROM ref)::INTEGER AS ref, (SELECT count(*) FROM marts__creator_daily_metrics)::INTEGER AS mart`);
    assert.ok(Number(counts!.ref) > 300 * 6, 'the reference covers every creator every day');
    assert.equal(counts!.mart, counts!.ref);
    const onlyInMart = await f.referenceRows(`WITH ref AS (${reference}) ${mart} EXCEPT SELECT ${METRIC_COLUMNS}, engagement_rate FROM ref ORDER BY day, creator_id LIMIT 5`);
    const onlyInRef = await f.referenceRows(`WITH ref AS (${reference}) SELECT ${METRIC_COLUMNS}, engagement_rate FROM ref EXCEPT ${mart} ORDER BY day, creator_id LIMIT 5`);
    assert.deepEqual({ onlyInMart, onlyInRef }, { onlyInMart: [], onlyInRef: [] });
  });

  it('marts/category_daily_metrics sums the reference per category', async () => {
    const diff = await f.referenceRows(`
      WITH ref AS (${referenceSql(f)}),
      expected AS (
        SELECT day, category, count(*) AS creators, sum(followers) AS followers, coalesce(sum(follower_delta), 0) AS follower_delta,
               sum(videos_posted) AS videos_posted, sum(views) AS views, sum(likes) AS likes, sum(comments) AS comments,
               sum(shares) AS shares, sum(total_views) AS total_views,
               round((sum(total_likes) + sum(total_comments) + sum(total_shares)) / sum(total_views), 9) AS engagement_rate
        FROM ref GROUP BY ALL
      ),
      mart AS (SELECT * EXCLUDE (engagement_rate), round(engagement_rate, 9) AS engagement_rate FROM marts__category_daily_metrics)
      (SELECT * FROM mart EXCEPT SELECT * FROM expected) UNION ALL (SELECT * FROM expected EXCEPT SELECT * FROM mart)`);
    assert.deepEqual(diff, []);
    const [n] = await f.rows('SELECT count(*)::INTEGER AS n FROM marts__category_daily_metrics');
    assert.ok(Number(n!.n) >= 6 * 10, 'a row per category per day');
  });

  it('keeps engagement rates in [0, 1] and follower counts non-negative', async () => {
    const [bad] = await f.rows(`
      SELECT (SELECT count(*) FROM marts__creator_daily_metrics WHERE engagement_rate NOT BETWEEN 0 AND 1 OR followers < 0)::INTEGER AS creators,
             (SELECT count(*) FROM marts__category_daily_metrics WHERE engagement_rate NOT BETWEEN 0 AND 1)::INTEGER AS categories,
             (SELECT count(*) FROM core__videos WHERE engagement_rate > 1 OR likes > views)::INTEGER AS videos`);
    assert.deepEqual(bad, { creators: 0, categories: 0, videos: 0 });
  });
});
