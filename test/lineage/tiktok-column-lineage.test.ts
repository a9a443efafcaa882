// Column lineage of every SQL asset of the TikTok pipeline, against a map written by hand from
// reading each asset's SQL (packages/assets/src/pipeline/tiktok-pipeline.ts), not from the code under
// test. Notation: `dep.column SUBTYPE`, where dep is the name the SQL reads the upstream by (a key of
// `deps`, or the self-dependency) and SUBTYPE is IDENTITY/TRANSFORMATION/AGGREGATION for DIRECT inputs,
// FILTER/JOIN/GROUP_BY/WINDOW/SORT/CONDITIONAL for INDIRECT ones. `rows` are the INDIRECT inputs every
// column of the asset has (its own and its CTEs' WHERE, JOIN, GROUP BY and QUALIFY), except the columns
// listed in `noRows` (constants of a final SELECT without clauses of its own); `also` lists a column's
// extra INDIRECT inputs.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { defineTikTokPipeline } from '@quarry/assets';
import { assetColumnLineage, loadSqlDialect, schemaColumns, sqlColumnLineage, transpileSql, unsupportedConstructs, type AssetDefinition } from '@quarry/core';

interface ExpectedAsset {
  readonly rows: readonly string[];
  readonly noRows?: readonly string[];
  readonly columns: Readonly<Record<string, { readonly direct: readonly string[]; readonly also?: readonly string[] }>>;
}

const CREATOR_VALUE_COLUMNS = ['handle', 'display_name', 'category', 'country', 'followers', 'following', 'total_likes', 'total_views', 'video_count', 'verified', 'created_at', 'updated_at'];
const VIDEO_COLUMNS = ['video_id', 'creator_id', 'posted_at', 'duration_s', 'views', 'likes', 'comments', 'shares', 'updated_at', 'engagement_rate'];

// core/creator_snapshots: the change wins when `_take` (which reads both sides' creator_id and updated_at).
const takeCondition = ['changes.creator_id CONDITIONAL', 'previous.creator_id CONDITIONAL', 'changes.updated_at CONDITIONAL', 'previous.updated_at CONDITIONAL'];
// core/creator_history: the window w (PARTITION BY creator_id ORDER BY updated_at) over both union branches.
const historyWindow = ['changes.creator_id WINDOW', 'previous.creator_id WINDOW', 'changes.updated_at WINDOW', 'previous.updated_at WINDOW'];
// marts/creator_daily_metrics: the daily video sums, grouped by creator in CTE v.
const EXPECTED: Readonly<Record<string, ExpectedAsset>> = {
  'core/creator_snapshots': {
    // today: QUALIFY over creator_id, updated_at, _source_line; joined: FULL OUTER JOIN ON t.creator_id = p.creator_id.
    rows: ['changes.creator_id FILTER', 'changes.updated_at FILTER', 'changes._source_line FILTER', 'changes.creator_id JOIN', 'previous.creator_id JOIN'],
    noRows: ['day'],
    columns: {
      day: { direct: [] },
      creator_id: { direct: ['previous.creator_id TRANSFORMATION', 'changes.creator_id TRANSFORMATION'] },
      ...Object.fromEntries(CREATOR_VALUE_COLUMNS.map((c) => [c, { direct: [`changes.${c} TRANSFORMATION`, `previous.${c} TRANSFORMATION`], also: takeCondition }])),
      first_seen_day: { direct: ['previous.first_seen_day TRANSFORMATION'] },
      last_changed_day: { direct: ['previous.last_changed_day TRANSFORMATION'], also: takeCondition },
    },
  },
  'core/creator_history': {
    // seen: QUALIFY (creator_id, updated_at, _source_line); before: WHERE creator_id IN seen, QUALIFY history_day / creator_id;
    // added: ANTI JOIN ON creator_id and valid_from = updated_at; versions: WHERE creator_id IN added.
    rows: [
      'changes.creator_id FILTER', 'changes.updated_at FILTER', 'changes._source_line FILTER',
      'previous.creator_id FILTER', 'previous.history_day FILTER',
      'previous.creator_id JOIN', 'changes.creator_id JOIN', 'previous.valid_from JOIN', 'changes.updated_at JOIN',
    ],
    noRows: ['history_day'],
    columns: {
      creator_id: { direct: ['previous.creator_id IDENTITY', 'changes.creator_id IDENTITY'] },
      ...Object.fromEntries(CREATOR_VALUE_COLUMNS.map((c) => [c, { direct: [`previous.${c} IDENTITY`, `changes.${c} IDENTITY`] }])),
      version: { direct: [], also: historyWindow },
      valid_from: { direct: ['previous.updated_at IDENTITY', 'changes.updated_at IDENTITY'] },
      valid_to: { direct: ['previous.updated_at TRANSFORMATION', 'changes.updated_at TRANSFORMATION'], also: historyWindow },
      is_current: { direct: ['previous.updated_at TRANSFORMATION', 'changes.updated_at TRANSFORMATION'], also: historyWindow },
      source_day: { direct: ['previous.source_day IDENTITY', 'changes.day IDENTITY'] },
      _source_file: { direct: ['previous._source_file IDENTITY', 'changes._source_file IDENTITY'] },
      _source_line: { direct: ['previous._source_line IDENTITY', 'changes._source_line IDENTITY'] },
      history_day: { direct: [] },
    },
  },
  'core/videos': {
    // today: QUALIFY (video_id, updated_at, _source_line); p: WHERE video_id IN today, QUALIFY (video_id, day);
    // final: LEFT JOIN ON video_id, WHERE p.video_id IS NULL OR t.updated_at > p.updated_at.
    rows: [
      'changes.video_id FILTER', 'changes.updated_at FILTER', 'changes._source_line FILTER',
      'previous.video_id FILTER', 'previous.day FILTER', 'previous.updated_at FILTER',
      'previous.video_id JOIN', 'changes.video_id JOIN',
    ],
    columns: {
      day: { direct: [] },
      ...Object.fromEntries(VIDEO_COLUMNS.map((c) => [c, { direct: [`changes.${c} IDENTITY`] }])),
      first_seen_day: { direct: ['previous.first_seen_day TRANSFORMATION'] },
      last_changed_day: { direct: [] },
      views_delta: { direct: ['changes.views TRANSFORMATION', 'previous.views TRANSFORMATION'] },
      likes_delta: { direct: ['changes.likes TRANSFORMATION', 'previous.likes TRANSFORMATION'] },
      comments_delta: { direct: ['changes.comments TRANSFORMATION', 'previous.comments TRANSFORMATION'] },
      shares_delta: { direct: ['changes.shares TRANSFORMATION', 'previous.shares TRANSFORMATION'] },
    },
  },
  'marts/creator_daily_metrics': {
    // v: GROUP BY creator_id; totals: LEFT JOIN previous m and v ON creator_id; final: JOIN totals, LEFT JOIN previous_snapshot and v ON creator_id.
    rows: ['videos.creator_id GROUP_BY', 'snapshot.creator_id JOIN', 'previous.creator_id JOIN', 'videos.creator_id JOIN', 'previous_snapshot.creator_id JOIN'],
    columns: {
      day: { direct: [] },
      creator_id: { direct: ['snapshot.creator_id IDENTITY'] },
      category: { direct: ['snapshot.category IDENTITY'] },
      country: { direct: ['snapshot.country IDENTITY'] },
      followers: { direct: ['snapshot.followers IDENTITY'] },
      follower_delta: { direct: ['snapshot.followers TRANSFORMATION', 'previous_snapshot.followers TRANSFORMATION'] },
      // count(*) FILTER (WHERE posted_at in the day): no value flows, posted_at picks the rows.
      videos_posted: { direct: [], also: ['videos.posted_at FILTER'] },
      views: { direct: ['videos.views_delta AGGREGATION'] },
      likes: { direct: ['videos.likes_delta AGGREGATION'] },
      comments: { direct: ['videos.comments_delta AGGREGATION'] },
      shares: { direct: ['videos.shares_delta AGGREGATION'] },
      video_count: { direct: ['previous.video_count TRANSFORMATION'], also: ['videos.first_seen_day FILTER'] },
      total_views: { direct: ['previous.total_views TRANSFORMATION', 'videos.views_delta AGGREGATION'] },
      total_likes: { direct: ['previous.total_likes TRANSFORMATION', 'videos.likes_delta AGGREGATION'] },
      total_comments: { direct: ['previous.total_comments TRANSFORMATION', 'videos.comments_delta AGGREGATION'] },
      total_shares: { direct: ['previous.total_shares TRANSFORMATION', 'videos.shares_delta AGGREGATION'] },
      engagement_rate: {
        direct: [
          'previous.total_likes TRANSFORMATION', 'videos.likes_delta AGGREGATION',
          'previous.total_comments TRANSFORMATION', 'videos.comments_delta AGGREGATION',
          'previous.total_shares TRANSFORMATION', 'videos.shares_delta AGGREGATION',
          'previous.total_views TRANSFORMATION', 'videos.views_delta AGGREGATION',
        ],
        also: ['previous.total_views CONDITIONAL', 'videos.views_delta CONDITIONAL'],
      },
    },
  },
  'marts/category_daily_metrics': {
    rows: ['metrics.category GROUP_BY'],
    columns: {
      day: { direct: [] },
      category: { direct: ['metrics.category IDENTITY'] },
      creators: { direct: [] },
      ...Object.fromEntries(['followers', 'follower_delta', 'videos_posted', 'views', 'likes', 'comments', 'shares', 'total_views'].map((c) => [c, { direct: [`metrics.${c} AGGREGATION`] }])),
      engagement_rate: {
        direct: ['metrics.total_likes AGGREGATION', 'metrics.total_comments AGGREGATION', 'metrics.total_shares AGGREGATION', 'metrics.total_views AGGREGATION'],
        also: ['metrics.total_views CONDITIONAL'],
      },
    },
  },
  'quality/follower_spikes': {
    // today and history: WHERE day, follower_delta; history: GROUP BY creator_id; scored: LEFT JOIN ON creator_id;
    // final: WHERE |z| (follower_delta, mean/stddev of follower_delta, previous_followers).
    rows: ['metrics.day FILTER', 'metrics.follower_delta FILTER', 'metrics.creator_id GROUP_BY', 'metrics.creator_id JOIN', 'metrics.followers FILTER'],
    columns: {
      day: { direct: ['metrics.day IDENTITY'] },
      creator_id: { direct: ['metrics.creator_id IDENTITY'] },
      previous_followers: { direct: ['metrics.followers TRANSFORMATION', 'metrics.follower_delta TRANSFORMATION'] },
      followers: { direct: ['metrics.followers IDENTITY'] },
      follower_delta: { direct: ['metrics.follower_delta IDENTITY'] },
      history_days: { direct: [] },
      mean_delta: { direct: ['metrics.follower_delta AGGREGATION'] },
      stddev_delta: { direct: ['metrics.follower_delta AGGREGATION'] },
      z_score: { direct: ['metrics.follower_delta TRANSFORMATION', 'metrics.follower_delta AGGREGATION', 'metrics.followers TRANSFORMATION'] },
    },
  },
  'quality/view_sum_mismatches': {
    // compared: LEFT JOIN ON creator_id, WHERE last_changed_day, total_views; final: WHERE difference, video_views.
    rows: ['snapshot.creator_id JOIN', 'metrics.creator_id JOIN', 'snapshot.last_changed_day FILTER', 'snapshot.total_views FILTER', 'metrics.total_views FILTER'],
    columns: {
      day: { direct: [] },
      creator_id: { direct: ['snapshot.creator_id IDENTITY'] },
      reported_total_views: { direct: ['snapshot.total_views IDENTITY'] },
      video_views: { direct: ['metrics.total_views TRANSFORMATION'] },
      difference: { direct: ['snapshot.total_views TRANSFORMATION', 'metrics.total_views TRANSFORMATION'] },
    },
  },
  'marts/priority_creator_daily': {
    rows: ['intraday.creator_id GROUP_BY'],
    columns: {
      day: { direct: [] },
      creator_id: { direct: ['intraday.creator_id IDENTITY'] },
      quarters_updated: { direct: [] },
      // arg_min/arg_max(value, ts): ts only picks the row.
      followers_open: { direct: ['intraday.followers AGGREGATION'], also: ['intraday.ts SORT'] },
      followers_close: { direct: ['intraday.followers AGGREGATION'], also: ['intraday.ts SORT'] },
      followers_min: { direct: ['intraday.followers AGGREGATION'] },
      followers_max: { direct: ['intraday.followers AGGREGATION'] },
      views_gained: { direct: ['intraday.total_views AGGREGATION'], also: ['intraday.ts SORT'] },
      likes_gained: { direct: ['intraday.total_likes AGGREGATION'], also: ['intraday.ts SORT'] },
    },
  },
};

const pipeline = defineTikTokPipeline({ landingDir: '/nonexistent/landing', start: '2026-01-01' });
const sqlAssets = pipeline.assets.filter((a) => a.sql !== undefined);

/** The declared columns of each relation the asset's SQL reads, by the name it reads it. */
function inputTables(asset: AssetDefinition): Record<string, string[]> {
  const tables: Record<string, string[]> = {};
  for (const [name, dep] of Object.entries(asset.deps)) tables[name] = schemaColumns((dep.asset as AssetDefinition).schema!).map((c) => c.name);
  if (asset.selfDependency !== undefined) tables[asset.selfDependency.name] = schemaColumns(asset.schema!).map((c) => c.name);
  return tables;
}

before(() => loadSqlDialect());

describe('column lineage of the TikTok SQL assets', () => {
  test('the expected map covers exactly the SQL assets of the pipeline', () => {
    assert.deepEqual(sqlAssets.map((a) => a.key).sort(), Object.keys(EXPECTED).sort());
  });

  for (const asset of sqlAssets) {
    test(`${asset.key}: every output column's inputs and transformations`, () => {
      const expected = EXPECTED[asset.key]!;
      const result = sqlColumnLineage(asset.sql!, inputTables(asset), { assetKey: asset.key });
      assert.deepEqual(result.columns, schemaColumns(asset.schema!).map((c) => c.name), 'the SQL outputs the declared columns, in order');
      assert.deepEqual([...result.columns].sort(), Object.keys(expected.columns).sort(), 'the expected map lists every output column');
      for (const column of result.columns) {
        const actual = (result.lineage[column] ?? []).flatMap((i) => i.transformations.map((t) => `${i.table}.${i.column} ${t.subtype}${t.masking === true ? ' masking' : ''}`));
        const spec = expected.columns[column]!;
        const rows = expected.noRows?.includes(column) === true ? [] : expected.rows;
        const want = [...new Set([...spec.direct, ...rows, ...(spec.also ?? [])])].sort();
        assert.deepEqual([...new Set(actual)].sort(), want, `${asset.key}.${column}`);
        const direct = (result.lineage[column] ?? []).flatMap((i) => i.transformations.filter((t) => t.type === 'DIRECT').map((t) => `${i.table}.${i.column} ${t.subtype}`));
        assert.deepEqual([...new Set(direct)].sort(), [...spec.direct].sort(), `${asset.key}.${column}: its DIRECT inputs`);
      }
    });
  }

  test('at the asset level, dependency names become asset keys (two deps on one asset stay two inputs)', () => {
    const metrics = pipeline.creatorDailyMetrics;
    const lineage = assetColumnLineage(metrics, (u) => inputTables(metrics)[u.name])!;
    assert.deepEqual(
      lineage.follower_delta!.filter((i) => i.transformations.some((t) => t.type === 'DIRECT')).map((i) => [i.asset, i.column, i.transformations.map((t) => t.subtype)]),
      [
        ['core/creator_snapshots', 'followers', ['TRANSFORMATION']],
        ['core/creator_snapshots', 'followers', ['TRANSFORMATION']],
      ],
    );
    assert.deepEqual(lineage.views!.filter((i) => i.transformations.some((t) => t.type === 'DIRECT')).map((i) => `${i.asset}.${i.column}`), ['core/videos.views_delta']);
  });
});

describe('the TikTok SQL assets on BigQuery', () => {
  // Every one transpiles: FILTER and arg_min/arg_max are rewritten to COUNTIF and ARRAY_AGG (test/dialect/transpile-all.test.ts).
  for (const asset of sqlAssets) {
    test(`${asset.key}: transpiles`, () => {
      assert.deepEqual(unsupportedConstructs(asset.sql!, 'bigquery'), []);
      const sql = transpileSql(asset.sql!, { to: 'bigquery', assetKey: asset.key });
      assert.match(sql, /@partition_key/);
      assert.doesNotMatch(sql, /\$partition/);
    });
  }
});
