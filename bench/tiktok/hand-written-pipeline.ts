/**
 * The TikTok pipeline as one hand-written DuckDB script: the lower bound `bench/tiktok.ts` compares the
 * framework's full backfill to. No framework, no catalog, no lake bookkeeping: one in-memory DuckDB
 * instance walks the landing day by day, keeps the running state (creator snapshot, latest video
 * states, yesterday's metrics, the last 14 days of metrics, every accepted creator change) in tables,
 * and writes each asset's partition with `COPY … TO` zstd Parquet under `outDir/<asset>/<day>.parquet`
 * (the history once, at the end). The rows are the framework's rows exactly; the bench checks that.
 *
 * Validation is the same contract, so the landing rows are classified by the pipeline's own compiled
 * classification SQL (`creatorClassificationSql`, …) — a hand-written script would have to implement
 * those rules too, and anything else would compare different work. Unlike the framework it classifies
 * each file once into a temp table and projects accepted and rejected rows from it, and it does not run
 * the byte-level pre-scan of landing files (generated landings have no invalid UTF-8 or oversized line).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  CREATOR_FIELDS,
  VIDEO_FIELDS,
  creatorClassificationSql,
  intradayClassificationSql,
  readLandingManifest,
  videoClassificationSql,
  type FieldSchema,
} from '@quarry/assets';
import { readdirSync, existsSync } from 'node:fs';

/** What the hand-written run did. */
export interface HandWrittenResult {
  readonly days: number;
  readonly files: number;
  readonly ms: number;
  /** The files written, by `asset [partition]` (the history's partition is ''). */
  readonly outputs: Record<string, string>;
}

const q = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const CREATOR_COLUMNS = CREATOR_FIELDS.map((f) => f.name);
const VIDEO_COLUMNS = VIDEO_FIELDS.map((f) => f.name);
const typed = (fields: readonly FieldSchema[]): string => fields.map((f) => `f_${f.name} AS "${f.name}"`).join(', ');

/** The day after `day` (YYYY-MM-DD, UTC). */
function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The pipeline's SQL parameters, pasted as literals (a script for one day has them as constants). */
function bind(sql: string, day: string): string {
  if (day === '') return sql;
  return sql
    .replaceAll('$partition_key', q(day))
    .replaceAll('$partition_start', `TIMESTAMPTZ ${q(`${day} 00:00:00+00`)}`)
    .replaceAll('$partition_end', `TIMESTAMPTZ ${q(`${nextDay(day)} 00:00:00+00`)}`);
}

/**
 * Runs the whole pipeline over the first `days` days of `landingDir` into `outDir`; `threads` as the
 * framework's engine uses (default: DuckDB's).
 */
export async function runHandWrittenPipeline(landingDir: string, outDir: string, days: number, options: { threads?: number } = {}): Promise<HandWrittenResult> {
  const started = performance.now();
  const manifest = readLandingManifest(landingDir);
  const dayList = manifest.days.slice(0, days);
  const spikeWindowDays = 14;
  const outputs: Record<string, string> = {};
  const db = await DuckDBInstance.create(':memory:', options.threads !== undefined ? { threads: String(options.threads) } : {});
  const c = await db.connect();
  const run = (sql: string, day: string) => c.run(bind(sql, day));
  const copy = async (asset: string, day: string, select: string): Promise<void> => {
    const dir = join(outDir, asset.replace('/', '__'));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${day || 'all'}.parquet`);
    await run(`COPY (${select}) TO ${q(file)} (FORMAT parquet, COMPRESSION zstd)`, day);
    outputs[`${asset} [${day}]`] = file;
  };
  try {
    await c.run("SET TimeZone = 'UTC'");
    const snapshotColumns = `day DATE, ${CREATOR_FIELDS.map((f) => `"${f.name}" ${sqlType(f)}`).join(', ')}, first_seen_day DATE, last_changed_day DATE`;
    await c.run(`CREATE TABLE snap (${snapshotColumns})`);
    await c.run(`CREATE TABLE changes_all AS SELECT DATE '2000-01-01' AS day, ''::VARCHAR AS _source_file, 0::BIGINT AS _source_line, ${CREATOR_FIELDS.map((f) => `NULL::${sqlType(f)} AS "${f.name}"`).join(', ')} WHERE false`);
    await c.run(`CREATE TABLE vlatest (day DATE, ${VIDEO_FIELDS.map((f) => `"${f.name}" ${sqlType(f)}`).join(', ')}, first_seen_day DATE, last_changed_day DATE, views_delta BIGINT, likes_delta BIGINT, comments_delta BIGINT, shares_delta BIGINT)`);
    await c.run(`CREATE TABLE metrics_prev (creator_id VARCHAR, followers BIGINT, video_count BIGINT, total_views BIGINT, total_likes BIGINT, total_comments BIGINT, total_shares BIGINT)`);
    await c.run(`CREATE TABLE metrics_window (day DATE, creator_id VARCHAR, follower_delta BIGINT)`);

    for (const day of dayList) {
      // --- creators: classify once, project accepted and rejected rows ---
      const creatorsFile = join(landingDir, day, 'creators.ndjson');
      await run(`CREATE OR REPLACE TEMP TABLE ccls AS ${creatorClassificationSql(creatorsFile, `${day}/creators.ndjson`)}`, day);
      await run(`CREATE OR REPLACE TEMP TABLE cchg AS SELECT $partition_key::DATE AS day, _source_file, _source_line, ${typed(CREATOR_FIELDS)} FROM ccls WHERE reason_code IS NULL`, day);
      await copy('raw/creator_changes', day, 'SELECT * FROM cchg ORDER BY _source_line');
      await copy('quality/creator_quarantine', day, quarantined('ccls'));
      await c.run('INSERT INTO changes_all SELECT * FROM cchg');

      // --- creator snapshot: yesterday's upserted with today's newest rows ---
      await run(
        `CREATE OR REPLACE TEMP TABLE snap_new AS
         WITH today AS (SELECT * FROM cchg QUALIFY row_number() OVER (PARTITION BY creator_id ORDER BY updated_at DESC, _source_line DESC) = 1),
         j AS (SELECT ${CREATOR_COLUMNS.map((col) => `p."${col}" AS p_${col}, t."${col}" AS t_${col}`).join(', ')}, p.first_seen_day AS p_first, p.last_changed_day AS p_last,
                      (t.creator_id IS NOT NULL AND (p.creator_id IS NULL OR t.updated_at > p.updated_at)) AS take
               FROM snap p FULL OUTER JOIN today t ON t.creator_id = p.creator_id)
         SELECT $partition_key::DATE AS day,
                ${CREATOR_COLUMNS.map((col) => (col === 'creator_id' ? 'coalesce(p_creator_id, t_creator_id) AS creator_id' : `CASE WHEN take THEN t_${col} ELSE p_${col} END AS "${col}"`)).join(', ')},
                coalesce(p_first, $partition_key::DATE) AS first_seen_day, CASE WHEN take THEN $partition_key::DATE ELSE p_last END AS last_changed_day
         FROM j`,
        day,
      );
      await copy('core/creator_snapshots', day, 'SELECT * FROM snap_new ORDER BY creator_id');

      // --- videos: classify once against today's known creators ---
      const videosFile = join(landingDir, day, 'videos.csv');
      await run(`CREATE OR REPLACE TEMP TABLE vcls AS ${videoClassificationSql(videosFile, `${day}/videos.csv`, 'snap_new')}`, day);
      await run(`CREATE OR REPLACE TEMP TABLE vchg AS SELECT $partition_key::DATE AS day, _source_file, _source_line, ${typed(VIDEO_FIELDS)} FROM vcls WHERE reason_code IS NULL`, day);
      await copy('raw/video_changes', day, 'SELECT * FROM vchg ORDER BY _source_line');
      await copy('quality/video_quarantine', day, quarantined('vcls'));

      // --- video deltas: only videos whose state changes today ---
      await run(
        `CREATE OR REPLACE TEMP TABLE vdelta AS
         WITH today AS (SELECT * FROM vchg QUALIFY row_number() OVER (PARTITION BY video_id ORDER BY updated_at DESC, _source_line DESC) = 1)
         SELECT $partition_key::DATE AS day, ${VIDEO_COLUMNS.map((col) => `t."${col}"`).join(', ')},
                coalesce(p.first_seen_day, $partition_key::DATE) AS first_seen_day, $partition_key::DATE AS last_changed_day,
                t.views - coalesce(p.views, 0) AS views_delta, t.likes - coalesce(p.likes, 0) AS likes_delta,
                coalesce(t.comments, 0) - coalesce(p.comments, 0) AS comments_delta, coalesce(t.shares, 0) - coalesce(p.shares, 0) AS shares_delta
         FROM today t LEFT JOIN vlatest p ON p.video_id = t.video_id
         WHERE p.video_id IS NULL OR t.updated_at > p.updated_at`,
        day,
      );
      await copy('core/videos', day, 'SELECT * FROM vdelta ORDER BY video_id');
      await c.run('DELETE FROM vlatest WHERE video_id IN (SELECT video_id FROM vdelta)');
      await c.run('INSERT INTO vlatest SELECT * FROM vdelta');

      // --- creator daily metrics: yesterday's totals plus today's video deltas ---
      await run(
        `CREATE OR REPLACE TEMP TABLE metrics AS
         WITH v AS (
           SELECT creator_id, count(*) FILTER (WHERE first_seen_day = $partition_key::DATE) AS new_videos,
                  sum(views_delta) AS views, sum(likes_delta) AS likes, sum(comments_delta) AS comments, sum(shares_delta) AS shares,
                  count(*) FILTER (WHERE posted_at >= $partition_start AND posted_at < $partition_end) AS videos_posted
           FROM vdelta GROUP BY creator_id),
         t AS (
           SELECT s.creator_id, (coalesce(m.video_count, 0) + coalesce(v.new_videos, 0))::BIGINT AS video_count,
                  (coalesce(m.total_views, 0) + coalesce(v.views, 0))::BIGINT AS total_views, (coalesce(m.total_likes, 0) + coalesce(v.likes, 0))::BIGINT AS total_likes,
                  (coalesce(m.total_comments, 0) + coalesce(v.comments, 0))::BIGINT AS total_comments, (coalesce(m.total_shares, 0) + coalesce(v.shares, 0))::BIGINT AS total_shares
           FROM snap_new s LEFT JOIN metrics_prev m ON m.creator_id = s.creator_id LEFT JOIN v ON v.creator_id = s.creator_id)
         SELECT $partition_key::DATE AS day, s.creator_id, s.category, s.country, s.followers, s.followers - p.followers AS follower_delta,
                coalesce(v.videos_posted, 0)::BIGINT AS videos_posted, coalesce(v.views, 0)::BIGINT AS views, coalesce(v.likes, 0)::BIGINT AS likes,
                coalesce(v.comments, 0)::BIGINT AS comments, coalesce(v.shares, 0)::BIGINT AS shares,
                t.video_count, t.total_views, t.total_likes, t.total_comments, t.total_shares,
                CASE WHEN t.total_views > 0 THEN least(1.0, (t.total_likes + t.total_comments + t.total_shares)::DOUBLE / t.total_views::DOUBLE) ELSE 0.0 END AS engagement_rate
         FROM snap_new s JOIN t ON t.creator_id = s.creator_id LEFT JOIN snap p ON p.creator_id = s.creator_id LEFT JOIN v ON v.creator_id = s.creator_id`,
        day,
      );
      await copy('marts/creator_daily_metrics', day, 'SELECT * FROM metrics ORDER BY creator_id');
      await copy(
        'marts/category_daily_metrics',
        day,
        `SELECT day, category, count(*)::BIGINT AS creators, sum(followers)::BIGINT AS followers, coalesce(sum(follower_delta), 0)::BIGINT AS follower_delta,
                sum(videos_posted)::BIGINT AS videos_posted, sum(views)::BIGINT AS views, sum(likes)::BIGINT AS likes, sum(comments)::BIGINT AS comments,
                sum(shares)::BIGINT AS shares, sum(total_views)::BIGINT AS total_views,
                CASE WHEN sum(total_views) > 0 THEN least(1.0, (sum(total_likes) + sum(total_comments) + sum(total_shares))::DOUBLE / sum(total_views)::DOUBLE) ELSE 0.0 END AS engagement_rate
         FROM metrics GROUP BY day, category ORDER BY category`,
      );

      // --- follower spikes over the creator's previous 13 days ---
      await run(`INSERT INTO metrics_window SELECT day, creator_id, follower_delta FROM metrics WHERE follower_delta IS NOT NULL`, day);
      await copy(
        'quality/follower_spikes',
        day,
        `WITH today AS (SELECT * FROM metrics WHERE follower_delta IS NOT NULL),
         history AS (SELECT creator_id, count(*) AS history_days, avg(follower_delta) AS mean_delta, coalesce(stddev_pop(follower_delta), 0) AS stddev_delta
                     FROM metrics_window WHERE day < $partition_key::DATE GROUP BY creator_id),
         scored AS (SELECT t.day, t.creator_id, t.followers - t.follower_delta AS previous_followers, t.followers, t.follower_delta,
                           coalesce(h.history_days, 0)::BIGINT AS history_days, coalesce(h.mean_delta, 0)::DOUBLE AS mean_delta, coalesce(h.stddev_delta, 0)::DOUBLE AS stddev_delta
                    FROM today t LEFT JOIN history h ON h.creator_id = t.creator_id)
         SELECT *, (follower_delta - mean_delta) / greatest(stddev_delta, 0.1 * previous_followers, 1.0) AS z_score FROM scored
         WHERE abs((follower_delta - mean_delta) / greatest(stddev_delta, 0.1 * previous_followers, 1.0)) >= 3 ORDER BY creator_id`,
      );
      await run(`DELETE FROM metrics_window WHERE day <= $partition_key::DATE - ${spikeWindowDays - 1}`, day);

      // --- view-sum mismatches of the creator rows accepted today ---
      await copy(
        'quality/view_sum_mismatches',
        day,
        `WITH compared AS (
           SELECT $partition_key::DATE AS day, s.creator_id, s.total_views AS reported_total_views, coalesce(m.total_views, 0)::BIGINT AS video_views,
                  s.total_views - coalesce(m.total_views, 0) AS difference
           FROM snap_new s LEFT JOIN metrics m ON m.creator_id = s.creator_id
           WHERE s.last_changed_day = $partition_key::DATE AND s.total_views IS NOT NULL)
         SELECT * FROM compared WHERE abs(difference) >= 1000 AND abs(difference) >= 0.2 * video_views ORDER BY creator_id`,
      );

      // --- priority creators' intraday files ---
      const intradayDir = join(landingDir, day, 'intraday');
      const intraday = existsSync(intradayDir)
        ? readdirSync(intradayDir).filter((n) => /^\d{2}-\d{2}\.ndjson$/.test(n)).sort().map((n) => ({ file: join(intradayDir, n), sourceFile: `${day}/intraday/${n}` }))
        : [];
      if (intraday.length > 0) {
        await run(`CREATE OR REPLACE TEMP TABLE icls AS ${intradayClassificationSql(intraday)}`, day);
        await copy(
          'raw/priority_creator_intraday',
          day,
          'SELECT f_ts AS ts, f_creator_id AS creator_id, f_followers AS followers, f_total_views AS total_views, f_total_likes AS total_likes, _source_file FROM icls WHERE reason_code IS NULL ORDER BY ts, creator_id',
        );
        await copy('quality/intraday_quarantine', day, quarantined('icls'));
        await copy(
          'marts/priority_creator_daily',
          day,
          `SELECT $partition_key::DATE AS day, f_creator_id AS creator_id, count(*)::BIGINT AS quarters_updated,
                  arg_min(f_followers, f_ts) AS followers_open, arg_max(f_followers, f_ts) AS followers_close, min(f_followers) AS followers_min, max(f_followers) AS followers_max,
                  arg_max(f_total_views, f_ts) - arg_min(f_total_views, f_ts) AS views_gained, arg_max(f_total_likes, f_ts) - arg_min(f_total_likes, f_ts) AS likes_gained
           FROM icls WHERE reason_code IS NULL GROUP BY f_creator_id ORDER BY creator_id`,
        );
      }

      // --- roll the state forward ---
      await c.run('DELETE FROM snap');
      await c.run('INSERT INTO snap SELECT * FROM snap_new');
      await c.run('DELETE FROM metrics_prev');
      await c.run('INSERT INTO metrics_prev SELECT creator_id, followers, video_count, total_views, total_likes, total_comments, total_shares FROM metrics');
    }

    // --- SCD2 history, once over every accepted change ---
    await copy(
      'core/creator_history',
      '',
      `WITH versions AS (SELECT * FROM changes_all QUALIFY row_number() OVER (PARTITION BY creator_id, updated_at ORDER BY day ASC, _source_line DESC) = 1)
       SELECT ${CREATOR_COLUMNS.map((col) => `"${col}"`).join(', ')}, row_number() OVER w AS version, updated_at AS valid_from, lead(updated_at) OVER w AS valid_to,
              lead(updated_at) OVER w IS NULL AS is_current, day AS source_day, _source_file, _source_line
       FROM versions WINDOW w AS (PARTITION BY creator_id ORDER BY updated_at) ORDER BY creator_id, valid_from`,
    );
  } finally {
    c.closeSync();
    db.closeSync();
  }
  return { days: dayList.length, files: Object.keys(outputs).length, ms: performance.now() - started, outputs };
}

function quarantined(relation: string): string {
  return `SELECT $partition_key::DATE AS day, _source_file, _source_line, record_key, reason_code, reason, raw_line FROM ${relation} WHERE reason_code IS NOT NULL ORDER BY _source_file, _source_line`;
}

function sqlType(field: FieldSchema): string {
  switch (field.type) {
    case 'integer':
      return 'BIGINT';
    case 'number':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'string':
      return 'VARCHAR';
  }
}

/**
 * Row counts and order-independent digests of Parquet files (the sum of 64-bit hashes of the row texts:
 * linear, no sort, so it stays cheap at millions of rows), by the
 * name given; `[]` files digest as an empty partition; `{ files, rows }` digests the rows `rows(relation)` selects from them.
 */
export async function digestParquetFiles(
  entries: Record<string, readonly string[] | { readonly files: readonly string[]; readonly rows: (relation: string) => string }>,
): Promise<Record<string, { rows: number; digest: string }>> {
  const db = await DuckDBInstance.create(':memory:');
  const c: DuckDBConnection = await db.connect();
  const out: Record<string, { rows: number; digest: string }> = {};
  try {
    await c.run("SET TimeZone = 'UTC'");
    for (const [name, entry] of Object.entries(entries)) {
      const files = 'files' in entry ? entry.files : (entry as readonly string[]);
      const relation = `read_parquet([${files.map(q).join(', ')}])`;
      // `rows` turns the files into the rows to compare (e.g. a table rebuilt from daily merges).
      const source = files.length === 0 ? 'SELECT NULL AS x WHERE false' : 'rows' in entry ? entry.rows(relation) : `SELECT * FROM ${relation}`;
      // Floating-point columns as text to 12 significant digits, as the engine's data version hashes
      // them: a parallel sum or stddev may differ in its last bits from one run (or engine) to the next.
      const columns = (await c.runAndReadAll(`DESCRIBE ${source}`)).getRows().map((r) => [String(r[0]), String(r[1])] as const);
      const list = columns.map(([name, type]) => {
        const ident = `"${name.replaceAll('"', '""')}"`;
        return /^(DOUBLE|FLOAT|REAL)$/i.test(type) ? `printf('%.12g', ${ident}) AS ${ident}` : ident;
      });
      const rounded = `SELECT ${list.length === 0 ? '*' : list.join(', ')} FROM (${source})`;
      const [row] = (
        await c.runAndReadAll(`SELECT count(*)::INTEGER AS n, coalesce(sum(hash(CAST(t AS VARCHAR))), 0)::VARCHAR AS d FROM (${rounded}) t`)
      ).getRowObjectsJS() as [{ n: number; d: string }];
      out[name] = { rows: row.n, digest: row.d };
    }
  } finally {
    c.closeSync();
    db.closeSync();
  }
  return out;
}
