import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  dailyPartitions,
  eager,
  onCron,
  QuarryError,
  defineAsset,
  schemaColumns,
  self,
  timeWindowMapping,
  type AssetConfig,
  type AssetDefinition,
  type ColumnDoc,
  type PartitionsDefinition,
  type RowSchema,
  type SensorDefinition,
} from '@quarry/core';
import { tiktokLandingSensor } from './tiktok-automation.ts';
import { relative } from 'node:path';
import { CREATOR_FIELDS, INTRADAY_FIELDS, VIDEO_FIELDS, type FieldSchema } from '../generator/index.ts';
import { intradayFiles, intradayVersion, landingError, landingFilePath, landingFileVersion, readFirstLine, readLandingManifest, requireLandingFile, type LandingFileName } from './landing-files.ts';
import { DEFAULT_LANDING_LIMITS, prepareLandingFile, type LandingLimits } from './landing-line-scan.ts';
import { compileLandingClassification, typedColumnsSql } from './landing-row-classifier.ts';
import { TIKTOK_OWNERS, withTikTokTerms } from './tiktok-glossary.ts';
import {
  creatorChangeChecks,
  creatorDailyMetricsChecks,
  creatorQuarantineChecks,
  creatorSnapshotChecks,
  followerSpikeChecks,
  intradayQuarantineChecks,
  videoChangeChecks,
  videoQuarantineChecks,
  viewSumMismatchChecks,
} from './tiktok-checks.ts';
import {
  CREATOR_COLUMN_DOCS,
  SOURCE_COLUMN_DOCS,
  quarantineColumnDocs,
  VIDEO_COLUMN_DOCS,
  categoryDailyMetricsSchema,
  creatorChangeSchema,
  creatorDailyMetricsSchema,
  creatorHistorySchema,
  creatorSnapshotSchema,
  followerSpikeSchema,
  intradaySchema,
  priorityDailySchema,
  quarantineSchema,
  videoChangeSchema,
  videoStateSchema,
  viewSumMismatchSchema,
} from './tiktok-schemas.ts';

/** Options of `defineTikTokPipeline`. */
export interface TikTokPipelineConfig {
  /** Absolute path of the landing folder (`<day>/creators.ndjson`, `<day>/videos.csv`, …). */
  readonly landingDir: string;
  /** First landing day, `YYYY-MM-DD`: the first partition of every daily asset. */
  readonly start: string;
  /** Exclusive end day (the day after the last landing day); open-ended when absent. */
  readonly end?: string;
  /** Days of history (including the day itself) the follower-spike z-score looks at (default 14). */
  readonly spikeWindowDays?: number;
  /** |z| at or above which a follower delta is a spike (default 3). */
  readonly spikeZThreshold?: number;
  /**
   * Smallest scale of the z-score, as a share of the previous followers (default 0.1): most creators
   * do not change on most days, so the plain standard deviation of their deltas is often 0 and any
   * ordinary move would look infinitely unusual. With 0.1, ordinary moves (−3%..+13% a day, a little
   * more after rounding small counts) score below 2 whatever the history, and a ×5 jump scores 40.
   */
  readonly spikeMinScale?: number;
  /** Least |reported − video sum| views, absolute and relative, for a view-sum mismatch (default 1,000 and 0.2). */
  readonly viewMismatchMinViews?: number;
  readonly viewMismatchMinRatio?: number;
  /** Owners of every asset (default: by group, see `TIKTOK_OWNERS`: data platform for raw, creator analytics for marts, …). */
  readonly owners?: readonly string[];
  /**
   * Whether a day whose creators.ndjson holds no accepted row may be published (default false). A daily
   * creator export is never empty in normal operation: an empty (e.g. zero-byte) file is an upstream
   * outage, so by default the blocking completeness check `landing_not_empty` fails the day, the
   * partition is not published (nor anything built on it) and the quality score shows it. With true,
   * the check only warns.
   */
  readonly allowEmptyLanding?: boolean;
  /** Largest landing line in bytes (default 1 MiB); longer lines are quarantined as oversized_field without being buffered. */
  readonly maxLineBytes?: number;
  /** Largest landing field value in bytes (default 64 KiB); longer values are quarantined as oversized_field. */
  readonly maxFieldBytes?: number;
  /**
   * Whether the daemon keeps the pipeline fresh (default false; docs/automation.md): the intraday
   * branch (raw/priority_creator_intraday, quality/intraday_quarantine, marts/priority_creator_daily)
   * runs every 15 minutes at `high` priority on the current day (its partitions include the day in
   * progress), the daily marts are `eager()` with a 26-hour freshness, and `sensors` holds the landing
   * sensor (`tiktokLandingSensor`). Code versions do not change: automation is not part of them.
   */
  readonly automation?: boolean;
}

/** The assets of the TikTok pipeline, by role. */
export interface TikTokPipeline {
  readonly partitions: PartitionsDefinition;
  readonly creatorChanges: AssetDefinition;
  readonly creatorQuarantine: AssetDefinition;
  readonly creatorSnapshots: AssetDefinition;
  readonly creatorHistory: AssetDefinition;
  readonly videoChanges: AssetDefinition;
  readonly videoQuarantine: AssetDefinition;
  readonly videos: AssetDefinition;
  readonly creatorDailyMetrics: AssetDefinition;
  readonly categoryDailyMetrics: AssetDefinition;
  readonly followerSpikes: AssetDefinition;
  readonly viewSumMismatches: AssetDefinition;
  readonly priorityIntraday: AssetDefinition;
  readonly intradayQuarantine: AssetDefinition;
  readonly priorityDaily: AssetDefinition;
  /** The landing sensor when `automation` is on, else none (pass to `defineProject({ sensors })`). */
  readonly sensors: readonly SensorDefinition[];
  /** Every asset, in dependency order (pass to `defineProject`). */
  readonly assets: readonly AssetDefinition[];
}

const CREATOR_COLUMNS = CREATOR_FIELDS.map((f) => f.name);
/** A window start far enough back to mean "every earlier day" (~270 years of daily partitions). */
const ALL_EARLIER_DAYS = 100_000;
const VIDEO_COLUMNS = VIDEO_FIELDS.map((f) => f.name);
const EXPECTED_VIDEO_HEADER = VIDEO_COLUMNS.join(',');

function list(columns: readonly string[], alias = ''): string {
  return columns.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');
}

/**
 * The classification SQL of a day's creators file (`file`: the path DuckDB reads, see `prepareLandingFile`);
 * with `exceptLines` (a relation of accepted rows), only the other lines are classified.
 */
export function creatorClassificationSql(file: string, sourceFile: string, maxFieldBytes?: number, exceptLines?: string): string {
  return compileLandingClassification({
    format: 'json',
    files: [{ file, sourceFile }],
    fields: CREATOR_FIELDS,
    keyField: 'creator_id',
    ...(maxFieldBytes !== undefined ? { maxFieldBytes } : {}),
    ...(exceptLines !== undefined ? { exceptLines } : {}),
  });
}

/** The classification SQL of a day's intraday files (each `{ file, sourceFile }`, see `prepareLandingFile`). */
export function intradayClassificationSql(files: readonly { file: string; sourceFile: string }[], maxFieldBytes?: number): string {
  return compileLandingClassification({ format: 'json', files, fields: INTRADAY_FIELDS, keyField: 'creator_id', ...(maxFieldBytes !== undefined ? { maxFieldBytes } : {}) });
}

/**
 * The classification SQL of a day's videos file; `knownCreators` is a relation with a `creator_id` column;
 * with `exceptLines` (a relation of accepted rows), only the other lines are classified.
 */
export function videoClassificationSql(file: string, sourceFile: string, knownCreators: string, maxFieldBytes?: number, exceptLines?: string): string {
  return compileLandingClassification({
    format: 'csv',
    files: [{ file, sourceFile }],
    ...(maxFieldBytes !== undefined ? { maxFieldBytes } : {}),
    ...(exceptLines !== undefined ? { exceptLines } : {}),
    fields: VIDEO_FIELDS,
    keyField: 'video_id',
    joins: [`LEFT JOIN (SELECT DISTINCT creator_id AS _known_creator FROM ${knownCreators}) _known ON _known._known_creator = _typed.f_creator_id`],
    rules: [
      {
        code: 'engagement_gt_1',
        when: `(f_likes > f_views OR coalesce(f_engagement_rate, (f_likes + coalesce(f_comments, 0) + coalesce(f_shares, 0)) / nullif(f_views, 0)) > 1)`,
        reason: `'engagement above 1: likes ' || f_likes || ', views ' || f_views`,
      },
      { code: 'unknown_creator', when: '_known._known_creator IS NULL', reason: `'creator_id "' || f_creator_id || '" has no accepted creator row'` },
    ],
  });
}

function acceptedSql(classification: string, fields: readonly FieldSchema[]): string {
  return (
    `SELECT $partition_key::DATE AS day, _source_file, _source_line, ${typedColumnsSql(fields)} ` +
    `FROM (${classification}) WHERE reason_code IS NULL ORDER BY _source_line`
  );
}

function quarantinedSql(classification: string): string {
  return (
    `SELECT $partition_key::DATE AS day, _source_file, _source_line, record_key, reason_code, reason, raw_line ` +
    `FROM (${classification}) WHERE reason_code IS NOT NULL ORDER BY _source_file, _source_line`
  );
}

/**
 * Declares the TikTok creator/video pipeline over a landing folder: raw change partitions with
 * quarantine, daily creator snapshots and SCD2 history, video state with daily deltas, creator and
 * category marts, and anomaly assets (follower spikes, view-sum mismatches). Every daily asset shares
 * one partitions definition starting at `start`.
 *
 * ```ts
 * const pipeline = defineTikTokPipeline({ landingDir: '/data/landing', start: '2026-01-01', end: '2026-01-31' });
 * export default defineProject({ name: 'tiktok', assets: pipeline.assets });
 * ```
 */
export function defineTikTokPipeline(config: TikTokPipelineConfig): TikTokPipeline {
  const { landingDir, start } = config;
  const ownersOf = (key: string): string[] => [...(config.owners ?? TIKTOK_OWNERS[key.split('/')[0] ?? ''] ?? ['team:creator-analytics'])];
  const daily = dailyPartitions({ start, ...(config.end !== undefined ? { end: config.end } : {}) });
  const automated = config.automation === true;
  // The intraday branch's partitions include the day in progress when automated: its 15-minute schedule
  // requests today's partition (the quarter-hour files of today), not yesterday's.
  const intradayDays = automated ? dailyPartitions({ start, ...(config.end !== undefined ? { end: config.end } : {}), endOffset: 1 }) : daily;
  const every15Minutes = automated ? { automation: onCron('*/15 * * * *'), priority: 'high' as const } : {};
  const eagerDaily = automated ? { automation: eager(), freshness: { maxLag: '26h' } } : {};
  const spike = {
    windowDays: config.spikeWindowDays ?? 14,
    zThreshold: config.spikeZThreshold ?? 3,
    minScale: config.spikeMinScale ?? 0.1,
  };
  const mismatch = { minViews: config.viewMismatchMinViews ?? 1000, minRatio: config.viewMismatchMinRatio ?? 0.2 };

  // The partitions definition's id names its end, which moves each time a landing day is added; the
  // default code version fingerprints that id, so every asset would look changed. The explicit code
  // version fingerprints what the asset computes (its SQL template, schema, deps, config, start) instead.
  const define = <S extends RowSchema>(asset: AssetConfig<S> & { versionSource?: string }): AssetDefinition => {
    const { versionSource, ...rest } = asset;
    const deps = Object.entries(rest.deps ?? {}).map(([name, d]) => {
      const dep = d as { asset?: { key: string }; key?: string; mapping?: { id: string } };
      return [name, dep.asset?.key ?? dep.key ?? 'self', dep.mapping?.id ?? 'default'];
    });
    const fingerprint = JSON.stringify({
      body: rest.sql ?? versionSource ?? String(rest.compute),
      schema: rest.schema ? schemaColumns(rest.schema) : null,
      deps,
      config: rest.config ?? {},
      start,
      // Per-engine SQL is in body (sql: { duckdb, bigquery }); an engine pin and cluster columns count when declared.
      ...(rest.engine !== undefined ? { engine: rest.engine } : {}),
      ...(rest.cluster !== undefined ? { cluster: rest.cluster } : {}),
    });
    const codeVersion = `tiktok-${createHash('sha256').update(fingerprint).digest('hex').slice(0, 16)}`;
    return defineAsset({ owners: ownersOf(rest.key), ...rest, columns: withTikTokTerms(rest.key, rest.columns as Record<string, ColumnDoc> | undefined) as AssetConfig<S>['columns'], codeVersion }) as AssetDefinition;
  };

  const limits: LandingLimits = {
    maxLineBytes: positiveInteger(config.maxLineBytes, 'maxLineBytes') ?? DEFAULT_LANDING_LIMITS.maxLineBytes,
    maxFieldBytes: positiveInteger(config.maxFieldBytes, 'maxFieldBytes') ?? DEFAULT_LANDING_LIMITS.maxFieldBytes,
  };
  // The line cap is applied before DuckDB parses a file, so it is not in the SQL: this comment puts it in the code version.
  const limitsNote = `/* landing limits: ${limits.maxLineBytes}-byte lines, ${limits.maxFieldBytes}-byte fields */ `;
  /** The file DuckDB reads for a landing file: itself, or its copy with unparsable lines set aside. */
  // Memoized per file version: the step's allowed files and its SQL both name the copy, and a scan reads the whole file.
  const readableCache = new Map<string, string>();
  const readable = (file: string) => {
    const version = landingFileVersion(file) ?? '';
    const key = `${file}\0${version}`;
    let path = readableCache.get(key);
    if (path === undefined) {
      path = prepareLandingFile(file, version, limits);
      readableCache.set(key, path);
    }
    return path;
  };
  const observeFile = (file: LandingFileName) => ({ partitionKey }: { partitionKey: string }) => landingFileVersion(landingFilePath(landingDir, partitionKey, file));
  /** The files a step may open for landing files: each file and the copy DuckDB reads when it has unparsable lines. */
  const allowedLandingFiles = (files: readonly string[]) => files.flatMap((file) => (existsSync(file) ? [...new Set([file, readable(file)])] : [file]));
  // The landing file a raw asset's SQL reads: the engine lets that SQL open it (or its cleaned copy) and nothing else.
  const landingFileOf = (file: LandingFileName) => ({ partition }: { partition: { firstKey: string } }) =>
    allowedLandingFiles([landingFilePath(landingDir, partition.firstKey, file)]);
  const creatorsSql = (day: string, assetKey: string, exceptLines?: string) =>
    creatorClassificationSql(readable(requireLandingFile(landingDir, day, 'creators.ndjson', assetKey)), `${day}/creators.ndjson`, limits.maxFieldBytes, exceptLines);
  const videosSql = (day: string, assetKey: string, exceptLines?: string) => {
    const file = requireLandingFile(landingDir, day, 'videos.csv', assetKey);
    const header = readFirstLine(file);
    if (header !== EXPECTED_VIDEO_HEADER) {
      throw landingError('QUARRY_SOURCE_MISSING', `${file} starts with "${header.slice(0, 200)}", not the header "${EXPECTED_VIDEO_HEADER}": the landing format changed; regenerate it or update the pipeline.`);
    }
    return videoClassificationSql(readable(file), `${day}/videos.csv`, 'creators', limits.maxFieldBytes, exceptLines);
  };
  /** The classification of a day's intraday files, or undefined when the day has none. */
  const intradaySql = (day: string) => {
    const files = intradayFiles(landingDir, day);
    if (files.length === 0) return undefined;
    return intradayClassificationSql(
      files.map((file) => ({ file: readable(file), sourceFile: relative(landingDir, file).split('\\').join('/') })),
      limits.maxFieldBytes,
    );
  };
  const creatorTemplate = limitsNote + creatorClassificationSql('<landing>/<day>/creators.ndjson', '<day>/creators.ndjson', limits.maxFieldBytes);
  const videoTemplate = limitsNote + videoClassificationSql('<landing>/<day>/videos.csv', '<day>/videos.csv', 'creators', limits.maxFieldBytes);
  // The quarantine assets read their raw asset's accepted lines and classify only the others: one parse per line.
  const creatorRejectTemplate = limitsNote + creatorClassificationSql('<landing>/<day>/creators.ndjson', '<day>/creators.ndjson', limits.maxFieldBytes, 'accepted');
  const videoRejectTemplate = limitsNote + videoClassificationSql('<landing>/<day>/videos.csv', '<day>/videos.csv', 'creators', limits.maxFieldBytes, 'accepted');
  const intradayTemplate = limitsNote + intradayClassificationSql([{ file: '<landing>/<day>/intraday/HH-MM.ndjson', sourceFile: '<day>/intraday/HH-MM.ndjson' }], limits.maxFieldBytes);

  const creatorChanges = define({
    key: 'raw/creator_changes',
    description:
      "Accepted rows of each day's creator CDC extract (creators.ndjson): typed, validated, with their source file and line. " +
      'Rows failing validation go to quality/creator_quarantine instead; duplicates are kept here and resolved downstream.',
    tags: { layer: 'raw', source: 'tiktok-landing', quarantine: 'quality/creator_quarantine' },
    partitions: daily,
    schema: creatorChangeSchema,
    columns: { ...SOURCE_COLUMN_DOCS, ...CREATOR_COLUMN_DOCS },
    observe: observeFile('creators.ndjson'),
    sourceFiles: landingFileOf('creators.ndjson'),
    checks: creatorChangeChecks({ allowEmpty: config.allowEmptyLanding ?? false }),
    versionSource: acceptedSql(creatorTemplate, CREATOR_FIELDS),
    compute: (ctx) => ({ sql: acceptedSql(creatorsSql(ctx.partition.firstKey, ctx.assetKey), CREATOR_FIELDS) }),
  });

  const creatorQuarantine = define({
    key: 'quality/creator_quarantine',
    description:
      "Rows of each day's creators.ndjson that failed validation, with a reason code (missing_required, wrong_type, " +
      'malformed_timestamp, future_timestamp, negative_followers, …), the file, the line and the raw text. ' +
      'Together with raw/creator_changes it accounts for every input row: it parses only the lines raw/creator_changes did not accept.',
    tags: { layer: 'quality', source: 'tiktok-landing' },
    partitions: daily,
    deps: { accepted: creatorChanges },
    schema: quarantineSchema,
    columns: quarantineColumnDocs(
      { description: 'creator_id as written (may be missing)', pii: 'user_id' },
      { description: 'The rejected line as written; holds handles and display names', pii: 'free_text' },
    ),
    observe: observeFile('creators.ndjson'),
    sourceFiles: landingFileOf('creators.ndjson'),
    checks: creatorQuarantineChecks(),
    versionSource: quarantinedSql(creatorRejectTemplate),
    compute: (ctx) => ({ sql: quarantinedSql(creatorsSql(ctx.partition.firstKey, ctx.assetKey, 'accepted')) }),
  });

  const creatorSnapshots = define({
    key: 'core/creator_snapshots',
    description:
      "Every known creator's accepted state at the end of each day: the previous day's snapshot upserted with the day's " +
      'accepted changes (the newest updated_at wins; equal updated_at: the later line within a file, the earlier day across files).',
    tags: { layer: 'core' },
    partitions: daily,
    deps: { previous: self(timeWindowMapping({ startOffset: -1, endOffset: -1, allowNonexistentUpstream: true })), changes: creatorChanges },
    schema: creatorSnapshotSchema,
    checks: creatorSnapshotChecks(),
    columns: {
      day: { description: 'Snapshot day (state at the end of it)' },
      ...CREATOR_COLUMN_DOCS,
      first_seen_day: { description: 'First day the creator had an accepted row' },
      last_changed_day: { description: 'Day of the accepted row this state comes from' },
    },
    sql: `
      WITH today AS (
        SELECT * FROM changes
        QUALIFY row_number() OVER (PARTITION BY creator_id ORDER BY updated_at DESC, _source_line DESC) = 1
      ),
      -- One pass: each creator's previous state beside its newest change of the day. The change wins
      -- only when strictly newer (a re-sent older row never rolls a creator back).
      joined AS (
        SELECT ${CREATOR_COLUMNS.map((c) => `p.${c} AS p_${c}, t.${c} AS t_${c}`).join(', ')},
               p.first_seen_day AS p_first_seen_day, p.last_changed_day AS p_last_changed_day,
               (t.creator_id IS NOT NULL AND (p.creator_id IS NULL OR t.updated_at > p.updated_at)) AS _take
        FROM previous p FULL OUTER JOIN today t ON t.creator_id = p.creator_id
      )
      SELECT $partition_key::DATE AS day,
             ${CREATOR_COLUMNS.map((c) => (c === 'creator_id' ? 'coalesce(p_creator_id, t_creator_id) AS creator_id' : `CASE WHEN _take THEN t_${c} ELSE p_${c} END AS ${c}`)).join(', ')},
             coalesce(p_first_seen_day, $partition_key::DATE) AS first_seen_day,
             CASE WHEN _take THEN $partition_key::DATE ELSE p_last_changed_day END AS last_changed_day
      FROM joined
      ORDER BY creator_id
    `,
  });

  const creatorHistory = define({
    key: 'core/creator_history',
    description:
      'SCD type-2 history of creators: one version per distinct accepted (creator_id, updated_at), valid from its updated_at ' +
      "until the next version's (valid_to NULL for the current one), merged day by day: a day's partition holds the whole " +
      'history of each creator that gained a version that day (earlier versions closed, new ones appended), so the table is each ' +
      "creator's rows in its latest partition (`creatorHistorySql`; history_day says which). It is still a pure function of the " +
      'append-only CDC input and can be rebuilt from it at any time.',
    tags: { layer: 'core', scd: 'type-2' },
    partitions: daily,
    // Every earlier day: a creator's current history is its rows in the latest partition that has it.
    deps: { previous: self(timeWindowMapping({ startOffset: -ALL_EARLIER_DAYS, endOffset: -1, allowNonexistentUpstream: true })), changes: creatorChanges },
    schema: creatorHistorySchema,
    columns: {
      ...CREATOR_COLUMN_DOCS,
      version: { description: "1-based version number within the creator's history" },
      valid_from: { description: 'Start of validity (inclusive): the version’s updated_at' },
      valid_to: { description: 'End of validity (exclusive): the next version’s updated_at; NULL while current' },
      is_current: { description: 'True for the latest version' },
      source_day: { description: 'Landing day the version was first accepted from' },
      _source_file: SOURCE_COLUMN_DOCS._source_file!,
      _source_line: SOURCE_COLUMN_DOCS._source_line!,
      history_day: { description: "Day this creator's history was last merged (the partition); the latest one per creator is current" },
    },
    sql: `
      WITH seen AS (
        SELECT * FROM changes
        QUALIFY row_number() OVER (PARTITION BY creator_id, updated_at ORDER BY _source_line DESC) = 1
      ),
      -- The current history of the creators in today's file: their rows in the latest earlier partition that has them.
      before AS (
        SELECT * FROM previous WHERE creator_id IN (SELECT creator_id FROM seen)
        QUALIFY history_day = max(history_day) OVER (PARTITION BY creator_id)
      ),
      -- Versions not known before: a re-sent row (an updated_at already in the history) changes nothing.
      added AS (
        SELECT s.* FROM seen s ANTI JOIN before b ON b.creator_id = s.creator_id AND b.valid_from = s.updated_at
      ),
      versions AS (
        SELECT ${list(CREATOR_COLUMNS)}, source_day, _source_file, _source_line FROM before WHERE creator_id IN (SELECT creator_id FROM added)
        UNION ALL
        SELECT ${list(CREATOR_COLUMNS)}, day AS source_day, _source_file, _source_line FROM added
      )
      SELECT ${list(CREATOR_COLUMNS)},
             row_number() OVER w AS version,
             updated_at AS valid_from,
             lead(updated_at) OVER w AS valid_to,
             lead(updated_at) OVER w IS NULL AS is_current,
             source_day, _source_file, _source_line,
             $partition_key::DATE AS history_day
      FROM versions
      WINDOW w AS (PARTITION BY creator_id ORDER BY updated_at)
      ORDER BY creator_id, valid_from
    `,
  });

  const videoChanges = define({
    key: 'raw/video_changes',
    description:
      "Accepted rows of each day's video extract (videos.csv): typed and validated, including referential integrity " +
      '(the creator must have an accepted row by that day, per core/creator_snapshots). Rejected rows go to quality/video_quarantine.',
    tags: { layer: 'raw', source: 'tiktok-landing', quarantine: 'quality/video_quarantine' },
    partitions: daily,
    deps: { creators: creatorSnapshots },
    schema: videoChangeSchema,
    columns: { ...SOURCE_COLUMN_DOCS, ...VIDEO_COLUMN_DOCS },
    observe: observeFile('videos.csv'),
    sourceFiles: landingFileOf('videos.csv'),
    checks: videoChangeChecks({ creators: creatorChanges }),
    versionSource: acceptedSql(videoTemplate, VIDEO_FIELDS),
    compute: (ctx) => ({ sql: acceptedSql(videosSql(ctx.partition.firstKey, ctx.assetKey), VIDEO_FIELDS) }),
  });

  const videoQuarantine = define({
    key: 'quality/video_quarantine',
    description:
      "Rows of each day's videos.csv that failed validation, with a reason code (missing_required, wrong_type, malformed_timestamp, " +
      'future_timestamp, engagement_gt_1, unknown_creator, …), the file, the line and the raw text. It parses only the lines ' +
      'raw/video_changes did not accept.',
    tags: { layer: 'quality', source: 'tiktok-landing' },
    partitions: daily,
    deps: { creators: creatorSnapshots, accepted: videoChanges },
    schema: quarantineSchema,
    columns: quarantineColumnDocs({ description: 'video_id as written (may be missing)' }, { description: 'The rejected line as written; holds creator ids', pii: 'free_text' }),
    observe: observeFile('videos.csv'),
    sourceFiles: landingFileOf('videos.csv'),
    checks: videoQuarantineChecks(),
    versionSource: quarantinedSql(videoRejectTemplate),
    compute: (ctx) => ({ sql: quarantinedSql(videosSql(ctx.partition.firstKey, ctx.assetKey, 'accepted')) }),
  });

  const videos = define({
    key: 'core/videos',
    description:
      "Video state as daily deltas: each day's partition holds the videos whose state changed that day (the day's deduplicated " +
      'changes that are newer than the video\'s previous state), with their new state and the change of views, likes, comments and ' +
      "shares since it (a video's first day counts in full). A video's state at the end of day D is its row in the latest " +
      'partition ≤ D (`videoStateSql`); unchanged videos are not rewritten, so a day costs its 1–5% of changes, not every video.',
    tags: { layer: 'core' },
    partitions: daily,
    // Every earlier day: the previous state of a changed video is its row in the latest partition that has it.
    deps: { previous: self(timeWindowMapping({ startOffset: -ALL_EARLIER_DAYS, endOffset: -1, allowNonexistentUpstream: true })), changes: videoChanges },
    schema: videoStateSchema,
    columns: {
      day: { description: 'Day the state changed (the partition)' },
      ...VIDEO_COLUMN_DOCS,
      first_seen_day: { description: 'First day the video had an accepted row' },
      last_changed_day: { description: 'Day of the accepted row this state comes from (the partition day)' },
      views_delta: { description: 'Views gained since the previous day', unit: 'views' },
      likes_delta: { description: 'Likes gained since the previous day', unit: 'likes' },
      comments_delta: { description: 'Comments gained since the previous day', unit: 'comments' },
      shares_delta: { description: 'Shares gained since the previous day', unit: 'shares' },
    },
    sql: `
      WITH today AS (
        SELECT * FROM changes
        QUALIFY row_number() OVER (PARTITION BY video_id ORDER BY updated_at DESC, _source_line DESC) = 1
      ),
      -- The previous state of only the videos changed today: their row in the latest earlier partition.
      p AS (
        SELECT * FROM previous WHERE video_id IN (SELECT video_id FROM today)
        QUALIFY row_number() OVER (PARTITION BY video_id ORDER BY day DESC) = 1
      )
      SELECT $partition_key::DATE AS day,
             ${list(VIDEO_COLUMNS, 't')},
             coalesce(p.first_seen_day, $partition_key::DATE) AS first_seen_day,
             $partition_key::DATE AS last_changed_day,
             t.views - coalesce(p.views, 0) AS views_delta,
             t.likes - coalesce(p.likes, 0) AS likes_delta,
             coalesce(t.comments, 0) - coalesce(p.comments, 0) AS comments_delta,
             coalesce(t.shares, 0) - coalesce(p.shares, 0) AS shares_delta
      FROM today t LEFT JOIN p ON p.video_id = t.video_id
      -- The change wins only when strictly newer (a re-sent older row never rolls a video back).
      WHERE p.video_id IS NULL OR t.updated_at > p.updated_at
      ORDER BY video_id
    `,
  });

  const creatorDailyMetrics = define({
    key: 'marts/creator_daily_metrics',
    description:
      'One row per known creator per day: followers at the end of the day and their change, videos posted that day, views/likes/' +
      "comments/shares gained that day over the creator's videos, lifetime totals over its accepted videos, and the engagement rate " +
      '(likes + comments + shares) / views over those videos, in [0, 1].',
    tags: { layer: 'marts' },
    partitions: daily,
    ...eagerDaily,
    // Lifetime totals carry over from the day before (previous) plus the day's video deltas, so a day reads only the videos that changed.
    deps: {
      snapshot: creatorSnapshots,
      previous_snapshot: { asset: creatorSnapshots, mapping: timeWindowMapping({ startOffset: -1, endOffset: -1, allowNonexistentUpstream: true }) },
      videos,
      previous: self(timeWindowMapping({ startOffset: -1, endOffset: -1, allowNonexistentUpstream: true })),
    },
    schema: creatorDailyMetricsSchema,
    checks: creatorDailyMetricsChecks(),
    columns: {
      day: { description: 'Metrics day' },
      creator_id: CREATOR_COLUMN_DOCS.creator_id!,
      category: CREATOR_COLUMN_DOCS.category!,
      country: CREATOR_COLUMN_DOCS.country!,
      followers: { description: 'Followers at the end of the day', unit: 'accounts' },
      follower_delta: { description: 'Change of followers since the previous day; NULL on the first day the creator is known', unit: 'accounts' },
      videos_posted: { description: 'Accepted videos whose posted_at falls on the day', unit: 'videos' },
      views: { description: 'Views gained that day over the creator’s videos', unit: 'views' },
      likes: { description: 'Likes gained that day', unit: 'likes' },
      comments: { description: 'Comments gained that day', unit: 'comments' },
      shares: { description: 'Shares gained that day', unit: 'shares' },
      video_count: { description: 'Accepted videos of the creator', unit: 'videos' },
      total_views: { description: 'Views over the accepted videos', unit: 'views' },
      total_likes: { description: 'Likes over the accepted videos', unit: 'likes' },
      total_comments: { description: 'Comments over the accepted videos', unit: 'comments' },
      total_shares: { description: 'Shares over the accepted videos', unit: 'shares' },
      engagement_rate: { description: '(total_likes + total_comments + total_shares) / total_views, 0 without views', unit: 'ratio' },
    },
    sql: `
      WITH v AS (
        SELECT creator_id,
               count(*) FILTER (WHERE first_seen_day = $partition_key::DATE) AS new_videos,
               sum(views_delta) AS views, sum(likes_delta) AS likes, sum(comments_delta) AS comments, sum(shares_delta) AS shares,
               count(*) FILTER (WHERE posted_at >= $partition_start AND posted_at < $partition_end) AS videos_posted
        FROM videos GROUP BY creator_id
      ),
      totals AS (
        SELECT s.creator_id,
               (coalesce(m.video_count, 0) + coalesce(v.new_videos, 0))::BIGINT AS video_count,
               (coalesce(m.total_views, 0) + coalesce(v.views, 0))::BIGINT AS total_views,
               (coalesce(m.total_likes, 0) + coalesce(v.likes, 0))::BIGINT AS total_likes,
               (coalesce(m.total_comments, 0) + coalesce(v.comments, 0))::BIGINT AS total_comments,
               (coalesce(m.total_shares, 0) + coalesce(v.shares, 0))::BIGINT AS total_shares
        FROM snapshot s
        LEFT JOIN previous m ON m.creator_id = s.creator_id
        LEFT JOIN v ON v.creator_id = s.creator_id
      )
      SELECT $partition_key::DATE AS day, s.creator_id, s.category, s.country, s.followers,
             s.followers - p.followers AS follower_delta,
             coalesce(v.videos_posted, 0)::BIGINT AS videos_posted,
             coalesce(v.views, 0)::BIGINT AS views, coalesce(v.likes, 0)::BIGINT AS likes,
             coalesce(v.comments, 0)::BIGINT AS comments, coalesce(v.shares, 0)::BIGINT AS shares,
             t.video_count, t.total_views, t.total_likes, t.total_comments, t.total_shares,
             CASE WHEN t.total_views > 0
                  THEN least(1.0, (t.total_likes + t.total_comments + t.total_shares)::DOUBLE / t.total_views::DOUBLE)
                  ELSE 0.0 END AS engagement_rate
      FROM snapshot s
      JOIN totals t ON t.creator_id = s.creator_id
      LEFT JOIN previous_snapshot p ON p.creator_id = s.creator_id
      LEFT JOIN v ON v.creator_id = s.creator_id
      ORDER BY s.creator_id
    `,
  });

  const categoryDailyMetrics = define({
    key: 'marts/category_daily_metrics',
    description: 'Creator daily metrics summed per category: creators, followers and their change, videos posted, engagement gained, engagement rate.',
    tags: { layer: 'marts' },
    partitions: daily,
    ...eagerDaily,
    deps: { metrics: creatorDailyMetrics },
    schema: categoryDailyMetricsSchema,
    columns: {
      day: { description: 'Metrics day' },
      category: CREATOR_COLUMN_DOCS.category!,
      creators: { description: 'Known creators in the category', unit: 'creators' },
      followers: { description: 'Followers summed over the category', unit: 'accounts' },
      follower_delta: { description: 'Change of followers since the previous day (new creators count 0)', unit: 'accounts' },
      videos_posted: { description: 'Videos posted that day', unit: 'videos' },
      views: { description: 'Views gained that day', unit: 'views' },
      likes: { description: 'Likes gained that day', unit: 'likes' },
      comments: { description: 'Comments gained that day', unit: 'comments' },
      shares: { description: 'Shares gained that day', unit: 'shares' },
      total_views: { description: 'Views over all accepted videos of the category', unit: 'views' },
      engagement_rate: { description: '(likes + comments + shares) / views over all accepted videos of the category', unit: 'ratio' },
    },
    sql: `
      SELECT $partition_key::DATE AS day, category,
             count(*)::BIGINT AS creators,
             sum(followers)::BIGINT AS followers,
             coalesce(sum(follower_delta), 0)::BIGINT AS follower_delta,
             sum(videos_posted)::BIGINT AS videos_posted,
             sum(views)::BIGINT AS views, sum(likes)::BIGINT AS likes, sum(comments)::BIGINT AS comments, sum(shares)::BIGINT AS shares,
             sum(total_views)::BIGINT AS total_views,
             CASE WHEN sum(total_views) > 0
                  THEN least(1.0, (sum(total_likes) + sum(total_comments) + sum(total_shares))::DOUBLE / sum(total_views)::DOUBLE)
                  ELSE 0.0 END AS engagement_rate
      FROM metrics
      GROUP BY category
      ORDER BY category
    `,
  });

  const followerSpikes = define({
    key: 'quality/follower_spikes',
    description:
      `Suspicious follower jumps: a creator's follower change of the day scored against its own changes over the previous ` +
      `${spike.windowDays - 1} days, z = (delta − mean) / max(stddev, ${spike.minScale} × previous followers, 1); |z| ≥ ${spike.zThreshold} is flagged.`,
    tags: { layer: 'quality', check: 'z-score' },
    partitions: daily,
    deps: { metrics: { asset: creatorDailyMetrics, mapping: timeWindowMapping({ startOffset: -(spike.windowDays - 1), endOffset: 0, allowNonexistentUpstream: true }) } },
    schema: followerSpikeSchema,
    checks: followerSpikeChecks(),
    config: spike,
    columns: {
      day: { description: 'Day of the change' },
      creator_id: CREATOR_COLUMN_DOCS.creator_id!,
      previous_followers: { description: 'Followers at the end of the previous day', unit: 'accounts' },
      followers: { description: 'Followers at the end of the day', unit: 'accounts' },
      follower_delta: { description: 'Change of followers', unit: 'accounts' },
      history_days: { description: 'Days of history the mean and deviation use' },
      mean_delta: { description: 'Mean daily change over the history', unit: 'accounts' },
      stddev_delta: { description: 'Population standard deviation of the daily change over the history', unit: 'accounts' },
      z_score: { description: 'How unusual the change is against the creator’s own history' },
    },
    sql: `
      WITH today AS (
        SELECT * FROM metrics WHERE day = $partition_key::DATE AND follower_delta IS NOT NULL
      ),
      history AS (
        SELECT creator_id, count(*) AS history_days, avg(follower_delta) AS mean_delta,
               coalesce(stddev_pop(follower_delta), 0) AS stddev_delta
        FROM metrics WHERE day < $partition_key::DATE AND follower_delta IS NOT NULL
        GROUP BY creator_id
      ),
      scored AS (
        SELECT t.day, t.creator_id, t.followers - t.follower_delta AS previous_followers, t.followers, t.follower_delta,
               coalesce(h.history_days, 0)::BIGINT AS history_days,
               coalesce(h.mean_delta, 0)::DOUBLE AS mean_delta,
               coalesce(h.stddev_delta, 0)::DOUBLE AS stddev_delta
        FROM today t LEFT JOIN history h ON h.creator_id = t.creator_id
      )
      SELECT *, (follower_delta - mean_delta) / greatest(stddev_delta, ${spike.minScale} * previous_followers, 1.0) AS z_score
      FROM scored
      WHERE abs((follower_delta - mean_delta) / greatest(stddev_delta, ${spike.minScale} * previous_followers, 1.0)) >= ${spike.zThreshold}
      ORDER BY creator_id
    `,
  });

  const viewSumMismatches = define({
    key: 'quality/view_sum_mismatches',
    description:
      `Creators whose accepted row of the day reports total_views differing from the sum of views over their accepted videos by at ` +
      `least ${mismatch.minViews} views and ${mismatch.minRatio * 100}% (aggregation consistency).`,
    tags: { layer: 'quality', check: 'reconciliation' },
    partitions: daily,
    // The sum of a creator's video views is the day's total_views of marts/creator_daily_metrics (kept from the video deltas).
    deps: { snapshot: creatorSnapshots, metrics: creatorDailyMetrics },
    schema: viewSumMismatchSchema,
    checks: viewSumMismatchChecks(),
    config: mismatch,
    columns: {
      day: { description: 'Day of the creator row' },
      creator_id: CREATOR_COLUMN_DOCS.creator_id!,
      reported_total_views: { description: 'total_views on the creator row', unit: 'views' },
      video_views: { description: 'Sum of views over the accepted videos', unit: 'views' },
      difference: { description: 'reported − video sum', unit: 'views' },
    },
    sql: `
      WITH compared AS (
        SELECT $partition_key::DATE AS day, s.creator_id, s.total_views AS reported_total_views,
               coalesce(m.total_views, 0)::BIGINT AS video_views,
               s.total_views - coalesce(m.total_views, 0) AS difference
        FROM snapshot s LEFT JOIN metrics m ON m.creator_id = s.creator_id
        WHERE s.last_changed_day = $partition_key::DATE AND s.total_views IS NOT NULL
      )
      SELECT * FROM compared
      WHERE abs(difference) >= ${mismatch.minViews} AND abs(difference) >= ${mismatch.minRatio} * video_views
      ORDER BY creator_id
    `,
  });

  const noIntraday = (columns: string) => `SELECT ${columns} WHERE false`;
  const intradayAccepted = (classification: string | undefined) =>
    classification === undefined
      ? noIntraday(
          'CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS ts, CAST(NULL AS VARCHAR) AS creator_id, CAST(NULL AS BIGINT) AS followers, ' +
            'CAST(NULL AS BIGINT) AS total_views, CAST(NULL AS BIGINT) AS total_likes, CAST(NULL AS VARCHAR) AS _source_file',
        )
      : `SELECT f_ts AS ts, f_creator_id AS creator_id, f_followers AS followers, f_total_views AS total_views, f_total_likes AS total_likes, _source_file
         FROM (${classification}) WHERE reason_code IS NULL ORDER BY ts, creator_id`;
  const intradayQuarantined = (classification: string | undefined) =>
    classification === undefined
      ? noIntraday(
          '$partition_key::DATE AS day, CAST(NULL AS VARCHAR) AS _source_file, CAST(NULL AS BIGINT) AS _source_line, CAST(NULL AS VARCHAR) AS record_key, ' +
            'CAST(NULL AS VARCHAR) AS reason_code, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS VARCHAR) AS raw_line',
        )
      : quarantinedSql(classification);

  const priorityIntraday = define({
    key: 'raw/priority_creator_intraday',
    description:
      "High-priority creators' quarter-hour extracts (<day>/intraday/HH-MM.ndjson) of each day: followers and running totals every " +
      '15 minutes they were updated, validated like the daily files (rejected rows go to quality/intraday_quarantine). ' +
      'Kept in daily partitions: 96 tiny files a day read as one partition cost far less than 96 steps.',
    tags: { layer: 'raw', source: 'tiktok-landing', cadence: '15min', quarantine: 'quality/intraday_quarantine' },
    partitions: intradayDays,
    ...every15Minutes,
    ...(automated ? { freshness: { maxLag: '30m' } } : {}),
    schema: intradaySchema,
    columns: {
      ts: { description: 'Quarter hour of the extract (UTC)' },
      creator_id: CREATOR_COLUMN_DOCS.creator_id!,
      followers: { description: 'Followers at ts', unit: 'accounts' },
      total_views: { description: 'Views over accepted videos at ts', unit: 'views' },
      total_likes: { description: 'Likes over accepted videos at ts', unit: 'likes' },
      _source_file: SOURCE_COLUMN_DOCS._source_file!,
    },
    observe: ({ partitionKey }) => intradayVersion(landingDir, partitionKey),
    sourceFiles: ({ partition }) => allowedLandingFiles(intradayFiles(landingDir, partition.firstKey)),
    versionSource: intradayAccepted(intradayTemplate),
    compute: (ctx) => ({ sql: intradayAccepted(intradaySql(ctx.partition.firstKey)) }),
  });

  const intradayQuarantine = define({
    key: 'quality/intraday_quarantine',
    description:
      "Rows of each day's intraday files (<day>/intraday/HH-MM.ndjson) that failed validation, with a reason code (missing_required, " +
      'wrong_type, malformed_timestamp, future_timestamp, invalid_encoding, oversized_field, …), the file, the line and the raw text. ' +
      'Together with raw/priority_creator_intraday it accounts for every intraday row.',
    tags: { layer: 'quality', source: 'tiktok-landing' },
    partitions: intradayDays,
    ...every15Minutes,
    schema: quarantineSchema,
    columns: quarantineColumnDocs({ description: 'creator_id as written (may be missing)', pii: 'user_id' }, { description: 'The rejected line as written; holds creator ids', pii: 'free_text' }),
    observe: ({ partitionKey }) => intradayVersion(landingDir, partitionKey),
    sourceFiles: ({ partition }) => allowedLandingFiles(intradayFiles(landingDir, partition.firstKey)),
    checks: intradayQuarantineChecks(),
    versionSource: intradayQuarantined(intradayTemplate),
    compute: (ctx) => ({ sql: intradayQuarantined(intradaySql(ctx.partition.firstKey)) }),
  });

  const priorityDaily = define({
    key: 'marts/priority_creator_daily',
    description:
      "Priority creators' intraday movement rolled up per day: quarter hours with an update, followers at the first and last " +
      'of them with the low and high, and views and likes gained between the first and last.',
    tags: { layer: 'marts', cadence: 'daily' },
    partitions: intradayDays,
    ...every15Minutes,
    deps: { intraday: priorityIntraday },
    schema: priorityDailySchema,
    columns: {
      day: { description: 'Day' },
      creator_id: CREATOR_COLUMN_DOCS.creator_id!,
      quarters_updated: { description: 'Quarter hours with an extract record', unit: 'quarter hours' },
      followers_open: { description: 'Followers at the first update of the day', unit: 'accounts' },
      followers_close: { description: 'Followers at the last update of the day', unit: 'accounts' },
      followers_min: { description: 'Lowest followers of the day', unit: 'accounts' },
      followers_max: { description: 'Highest followers of the day', unit: 'accounts' },
      views_gained: { description: 'total_views at the last update minus at the first', unit: 'views' },
      likes_gained: { description: 'total_likes at the last update minus at the first', unit: 'likes' },
    },
    sql: `
      SELECT $partition_key::DATE AS day, creator_id, count(*)::BIGINT AS quarters_updated,
             arg_min(followers, ts) AS followers_open, arg_max(followers, ts) AS followers_close,
             min(followers) AS followers_min, max(followers) AS followers_max,
             arg_max(total_views, ts) - arg_min(total_views, ts) AS views_gained,
             arg_max(total_likes, ts) - arg_min(total_likes, ts) AS likes_gained
      FROM intraday
      GROUP BY creator_id
      ORDER BY creator_id
    `,
  });

  const assets = [
    creatorChanges,
    creatorQuarantine,
    creatorSnapshots,
    creatorHistory,
    videoChanges,
    videoQuarantine,
    videos,
    creatorDailyMetrics,
    categoryDailyMetrics,
    followerSpikes,
    viewSumMismatches,
    priorityIntraday,
    intradayQuarantine,
    priorityDaily,
  ];
  return Object.freeze({
    partitions: daily,
    creatorChanges,
    creatorQuarantine,
    creatorSnapshots,
    creatorHistory,
    videoChanges,
    videoQuarantine,
    videos,
    creatorDailyMetrics,
    categoryDailyMetrics,
    followerSpikes,
    viewSumMismatches,
    priorityIntraday,
    intradayQuarantine,
    priorityDaily,
    sensors: Object.freeze(automated ? [tiktokLandingSensor(landingDir, daily)] : []),
    assets: Object.freeze(assets),
  });
}

/**
 * SQL for the SCD2 history table of creators from `core/creator_history`'s daily merges (`relation`: its
 * view, such as `core__creator_history` in `quarry query`): each creator's rows in the latest partition
 * that has them, without the `history_day` bookkeeping column.
 *
 * ```ts
 * await instance.query(`SELECT * FROM (${creatorHistorySql('core__creator_history')}) WHERE creator_id = 'c_000042'`);
 * ```
 */
export function creatorHistorySql(relation: string): string {
  return `SELECT * EXCLUDE (history_day) FROM ${relation} QUALIFY history_day = max(history_day) OVER (PARTITION BY creator_id)`;
}

/**
 * SQL for every video's state at the end of `day` (`YYYY-MM-DD`) from `core/videos`' daily deltas
 * (`relation`: its view, such as `core__videos` in `quarry query`): each video's row in the latest
 * partition ≤ `day`, as of that day, with zero deltas for videos that did not change on it. These are
 * exactly the rows a full daily snapshot of the video state would hold.
 *
 * ```ts
 * await instance.query(videoStateSql('core__videos', '2026-01-15'));
 * ```
 */
export function videoStateSql(relation: string, day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `videoStateSql: day "${day}" is not a YYYY-MM-DD day.`);
  }
  const at = `DATE '${day}'`;
  const zeroUnlessToday = (c: string) => `CASE WHEN last_changed_day = ${at} THEN ${c} ELSE 0 END AS ${c}`;
  return (
    `SELECT ${at} AS day, ${list(VIDEO_COLUMNS)}, first_seen_day, last_changed_day, ` +
    `${['views_delta', 'likes_delta', 'comments_delta', 'shares_delta'].map(zeroUnlessToday).join(', ')} ` +
    `FROM ${relation} WHERE day <= ${at} QUALIFY row_number() OVER (PARTITION BY video_id ORDER BY day DESC) = 1`
  );
}

/** A cap from the config: undefined when absent; throws `QUARRY_BAD_CONFIG` naming it unless a whole number ≥ 1. */
function positiveInteger(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new QuarryError('QUARRY_BAD_CONFIG', `defineTikTokPipeline: ${name} must be a whole number of bytes ≥ 1, got ${String(value)}.`);
  }
  return value;
}

/** The day after `day` (`YYYY-MM-DD`, UTC). */
function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/**
 * Declares the pipeline over a generated landing folder, taking the partition range from its
 * manifest (`_truth/manifest.json`): the first day to the last, so partitions match the landing.
 */
export function defineTikTokPipelineFromLanding(landingDir: string, options: Omit<TikTokPipelineConfig, 'landingDir' | 'start' | 'end'> = {}): TikTokPipeline {
  const manifest = readLandingManifest(landingDir);
  const last = manifest.days[manifest.days.length - 1]!;
  return defineTikTokPipeline({ ...options, landingDir, start: manifest.start, end: nextDay(last) });
}
