// Quality checks of the TikTok pipeline's assets, audited on every new partition version before it is
// published (write–audit–publish). Each defect kind the generator injects has one check meant for it
// (TIKTOK_DEFECT_CHECKS); the guards on accepted assets pass because the ingestion quarantined the bad rows.
import {
  acceptedRange,
  customSql,
  notNull,
  nullPercentage,
  referentialIntegrity,
  rowCount,
  schemaContract,
  unique,
  type CheckDeclaration,
} from '@quarry/core';
import { CREATOR_FIELDS, VIDEO_FIELDS, type DataFileName, type DefectKind, type FieldSchema } from '../generator/index.ts';
import { REASON_CODES, type ReasonCode } from './landing-row-classifier.ts';

/** An asset a check reads besides its target: a definition, or anything with its key. */
export interface CheckedAssetRef {
  readonly key: string;
}

// Reason codes only the video rules produce, and the one only the creator rules produce.
const VIDEO_ONLY_REASONS: readonly ReasonCode[] = ['engagement_gt_1', 'unknown_creator'];
const CREATOR_ONLY_REASONS: readonly ReasonCode[] = ['negative_followers'];

const requiredColumns = (fields: readonly FieldSchema[]) => fields.filter((f) => f.required).map((f) => f.name);
const timestampColumns = (fields: readonly FieldSchema[]) => fields.filter((f) => f.type === 'timestamp').map((f) => f.name);

function sqlText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function noFutureTimestamps(columns: readonly string[]): CheckDeclaration {
  return customSql({
    name: 'no_future_timestamp',
    description: `Guard: no accepted row has a ${columns.join(' or ')} at or after the end of its day (those are quarantined as future_timestamp).`,
    sql: `SELECT * FROM {{target}} WHERE ${columns.map((c) => `${c} >= timezone('UTC', {{partition_end}})`).join(' OR ')}`,
  });
}

/**
 * A warning counting the day's rows whose updated_at lies before the file's day. A day's extract
 * carries the changes of that day, so such a row is a re-send of a row an earlier day's file carried;
 * the newest-updated_at-wins rule downstream ignores it. Counted from the day's rows alone: the
 * partitions of a raw asset may be published in any order, so earlier days cannot be relied on here.
 */
function resentRows(entity: 'creator' | 'video'): CheckDeclaration {
  return customSql({
    name: 'resent_rows',
    description: `Rows re-sent from an earlier day's file (updated_at before the file's day); the ${entity} state keeps the newer row.`,
    severity: 'warn',
    dimension: 'uniqueness',
    sql: `SELECT * FROM {{target}} WHERE updated_at < timezone('UTC', {{partition_start}})`,
  });
}

/**
 * One warning check per quarantine reason code: its failing rows are the day's rows quarantined for
 * that reason, so `failingCount` is the number of input rows with that defect.
 */
function quarantineReasonChecks(codes: readonly ReasonCode[]): CheckDeclaration[] {
  return codes.map((code) =>
    customSql({
      name: `quarantined_${code}`,
      description: `Rows of the day's input quarantined as ${code}.`,
      severity: 'warn',
      sql: `SELECT * FROM {{target}} WHERE reason_code = ${sqlText(code)}`,
    }),
  );
}

/**
 * The completeness check of a day's landing rows, `landing_not_empty`: the day must have at least one
 * accepted row. A daily export that is empty (a zero-byte file) or wholly rejected is an upstream
 * outage, never a quiet day, so by default it is a blocking error: the partition is not published,
 * nothing downstream builds on it, and the completeness dimension of the quality score drops to 0.
 * `allowEmpty` turns it into a non-blocking warning.
 */
export function landingNotEmpty(file: string, options: { allowEmpty?: boolean } = {}): CheckDeclaration {
  const allowEmpty = options.allowEmpty ?? false;
  return rowCount({
    name: 'landing_not_empty',
    min: 1,
    severity: allowEmpty ? 'warn' : 'error',
    blocking: !allowEmpty,
    description:
      `Completeness: the day's ${file} holds at least one accepted row. An empty or wholly rejected daily export is an upstream outage, ` +
      (allowEmpty ? 'reported as a warning (allowEmptyLanding: true).' : 'so the day is not published (set allowEmptyLanding: true to only warn).'),
  });
}

/**
 * Checks of `raw/creator_changes` (accepted creator rows): the blocking completeness check
 * `landing_not_empty` (see `landingNotEmpty`), guards that pass because invalid rows were
 * quarantined (schema, required fields, followers ≥ 0, no future timestamps), a ≤ 5 % NULL alert on
 * `country`, and warnings that count re-sent rows and within-file duplicates (both kept here and
 * resolved downstream).
 *
 * ```ts
 * defineAsset({ key: 'raw/creator_changes', …, checks: creatorChangeChecks() })
 * ```
 */
export function creatorChangeChecks(options: { allowEmpty?: boolean } = {}): CheckDeclaration[] {
  return [
    landingNotEmpty('creators.ndjson', options),
    schemaContract(undefined, { description: 'Guard: every column has its declared type (wrong_type rows are quarantined).' }),
    notNull(requiredColumns(CREATOR_FIELDS), { name: 'required_present', description: 'Guard: required fields are present (missing_required rows are quarantined).' }),
    acceptedRange('followers', { min: 0, description: 'Guard: followers ≥ 0 (negative_followers rows are quarantined).' }),
    noFutureTimestamps(timestampColumns(CREATOR_FIELDS)),
    nullPercentage('country', { max: 5, severity: 'warn', description: 'Alert when more than 5 % of the day’s rows have no country.' }),
    resentRows('creator'),
    // unique() counts surplus copies (rows − distinct keys): one per appended duplicate line.
    unique(['creator_id', 'updated_at'], {
      name: 'duplicate_key_within_file',
      severity: 'warn',
      description: 'Extra rows repeating a (creator_id, updated_at) of the same file; core/creator_snapshots keeps the later line.',
    }),
  ];
}

/** Checks of `quality/creator_quarantine`: the day's quarantined creator rows per reason code. */
export function creatorQuarantineChecks(): CheckDeclaration[] {
  return quarantineReasonChecks(REASON_CODES.filter((c) => !VIDEO_ONLY_REASONS.includes(c)));
}

/** Checks of `quality/intraday_quarantine`: the day's quarantined intraday rows per reason code. */
export function intradayQuarantineChecks(): CheckDeclaration[] {
  return quarantineReasonChecks(REASON_CODES.filter((c) => !CREATOR_ONLY_REASONS.includes(c) && !VIDEO_ONLY_REASONS.includes(c)));
}

/** Checks of `quality/video_quarantine`: the day's quarantined video rows per reason code. */
export function videoQuarantineChecks(): CheckDeclaration[] {
  return quarantineReasonChecks(REASON_CODES.filter((c) => !CREATOR_ONLY_REASONS.includes(c)));
}

/**
 * Checks of `raw/video_changes` (accepted video rows): guards (schema, required fields, engagement
 * rate in [0, 1], no future timestamps, every creator_id has an accepted creator row in `creators`)
 * and warnings that count re-sent rows and within-file duplicates.
 *
 * ```ts
 * checks: videoChangeChecks({ creators: creatorChanges })
 * ```
 */
export function videoChangeChecks(options: { creators: CheckedAssetRef }): CheckDeclaration[] {
  return [
    schemaContract(undefined, { description: 'Guard: every column has its declared type (wrong_type rows are quarantined).' }),
    notNull(requiredColumns(VIDEO_FIELDS), { name: 'required_present', description: 'Guard: required fields are present (missing_required rows are quarantined).' }),
    acceptedRange('engagement_rate', { min: 0, max: 1, description: 'Guard: engagement rate in [0, 1] (engagement_gt_1 rows are quarantined).' }),
    noFutureTimestamps(timestampColumns(VIDEO_FIELDS)),
    // Every day's accepted creator rows are the reference: the day's own are published before its videos are classified.
    referentialIntegrity('creator_id', {
      to: options.creators,
      column: 'creator_id',
      description: 'Guard: every video’s creator has an accepted creator row (unknown_creator rows are quarantined).',
    }),
    resentRows('video'),
    unique(['video_id', 'updated_at'], {
      name: 'duplicate_key_within_file',
      severity: 'warn',
      description: 'Extra rows repeating a (video_id, updated_at) of the same file; core/videos keeps the later line.',
    }),
  ];
}

/**
 * Checks of `core/creator_snapshots`: creator_id is unique, blocking: a snapshot holding two states of
 * one creator must not be published.
 */
export function creatorSnapshotChecks(): CheckDeclaration[] {
  return [unique('creator_id', { blocking: true, description: 'One state per creator per day.' })];
}

/** Checks of `marts/creator_daily_metrics`: guards that engagement rates lie in [0, 1] and followers are ≥ 0. */
export function creatorDailyMetricsChecks(): CheckDeclaration[] {
  return [acceptedRange('engagement_rate', { min: 0, max: 1 }), acceptedRange('followers', { min: 0 })];
}

/**
 * Checks of `quality/view_sum_mismatches`: a warning whose failing rows are the day's creators whose
 * reported total_views disagrees with the sum of their videos' views beyond the asset's tolerance.
 * The asset is the reconciliation (aggregateReconciliation would compare with every partition of a
 * referenced asset, not the day's); this check puts its count into the quality results.
 */
export function viewSumMismatchChecks(): CheckDeclaration[] {
  return [
    customSql({
      name: 'view_sum_mismatch',
      description: "Creators whose row of the day reports total_views differing from the sum of their videos' views beyond the tolerance.",
      severity: 'warn',
      dimension: 'consistency',
      sql: 'SELECT * FROM {{target}}',
    }),
  ];
}

/**
 * Checks of `quality/follower_spikes`: a warning whose failing rows are the day's flagged spikes. The
 * asset is the detector: its z-score floors the scale at a share of the previous followers. The
 * built-in zScore check has no such floor, and most creators' daily delta is 0 on most days, so
 * on `marts/creator_daily_metrics` it flags every creator with a flat history that moves at all
 * (100–300 a day on the 10,000-creator demo, against 0–1 true spikes) and, needing earlier deltas,
 * misses spikes on the second day.
 */
export function followerSpikeChecks(): CheckDeclaration[] {
  return [
    customSql({
      name: 'follower_spike',
      description: 'Creators whose follower change of the day lies beyond the spike threshold of their own history.',
      severity: 'warn',
      dimension: 'consistency',
      sql: 'SELECT * FROM {{target}}',
    }),
  ];
}

/** Where the check meant for a defect kind runs, for one landing file. */
export interface DefectCheckLocation {
  readonly file: DataFileName;
  readonly asset: string;
  readonly check: string;
}

const quarantined = (kind: DefectKind, files: readonly DataFileName[]): DefectCheckLocation[] =>
  files.map((file) => ({ file, asset: file === 'creators.ndjson' ? 'quality/creator_quarantine' : 'quality/video_quarantine', check: `quarantined_${kind}` }));

/**
 * The check meant for each defect kind of the generator, per landing file: its `failingCount` on a
 * day's partition equals the number of rows of that kind in that day's file.
 */
export const TIKTOK_DEFECT_CHECKS: Readonly<Record<DefectKind, readonly DefectCheckLocation[]>> = Object.freeze({
  negative_followers: quarantined('negative_followers', ['creators.ndjson']),
  engagement_gt_1: quarantined('engagement_gt_1', ['videos.csv']),
  missing_required: quarantined('missing_required', ['creators.ndjson', 'videos.csv']),
  wrong_type: quarantined('wrong_type', ['creators.ndjson', 'videos.csv']),
  malformed_timestamp: quarantined('malformed_timestamp', ['creators.ndjson', 'videos.csv']),
  future_timestamp: quarantined('future_timestamp', ['creators.ndjson', 'videos.csv']),
  unknown_creator: quarantined('unknown_creator', ['videos.csv']),
  duplicate_key_within_file: [
    { file: 'creators.ndjson', asset: 'raw/creator_changes', check: 'duplicate_key_within_file' },
    { file: 'videos.csv', asset: 'raw/video_changes', check: 'duplicate_key_within_file' },
  ],
  duplicate_key_across_files: [
    { file: 'creators.ndjson', asset: 'raw/creator_changes', check: 'resent_rows' },
    { file: 'videos.csv', asset: 'raw/video_changes', check: 'resent_rows' },
  ],
  follower_spike: [{ file: 'creators.ndjson', asset: 'quality/follower_spikes', check: 'follower_spike' }],
  view_sum_mismatch: [{ file: 'creators.ndjson', asset: 'quality/view_sum_mismatches', check: 'view_sum_mismatch' }],
});
