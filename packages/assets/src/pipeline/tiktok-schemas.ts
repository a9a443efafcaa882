// Row schemas of the TikTok pipeline's assets; DuckDB column types follow from them
// (z.number().int() → BIGINT, z.iso.datetime() → TIMESTAMPTZ, z.iso.date() → DATE).
import { z } from 'zod';
import type { ColumnDoc } from '@quarry/core';

const int = () => z.number().int();
const timestamp = () => z.iso.datetime();
const date = () => z.iso.date();

/** Where a landing row came from: the partition day, the file relative to the landing folder and its 1-based line. */
const sourceShape = {
  day: date(),
  _source_file: z.string(),
  _source_line: int(),
};

/** The typed fields of a creator row, as written to `creators.ndjson`. */
const creatorShape = {
  creator_id: z.string(),
  handle: z.string(),
  display_name: z.string().nullable(),
  category: z.string().nullable(),
  country: z.string().nullable(),
  followers: int(),
  following: int().nullable(),
  total_likes: int().nullable(),
  total_views: int().nullable(),
  video_count: int().nullable(),
  verified: z.boolean().nullable(),
  created_at: timestamp(),
  updated_at: timestamp(),
};

/** The typed fields of a video row, as written to `videos.csv`. */
const videoShape = {
  video_id: z.string(),
  creator_id: z.string(),
  posted_at: timestamp(),
  duration_s: int().nullable(),
  views: int(),
  likes: int(),
  comments: int().nullable(),
  shares: int().nullable(),
  updated_at: timestamp(),
  engagement_rate: z.number().nullable(),
};

/** Accepted creator change rows of one day (`raw/creator_changes`). */
export const creatorChangeSchema = z.object({ ...sourceShape, ...creatorShape });

/** Accepted video change rows of one day (`raw/video_changes`). */
export const videoChangeSchema = z.object({ ...sourceShape, ...videoShape });

/** Quarantined landing rows of one day, with why (`quality/creator_quarantine`, `quality/video_quarantine`). */
export const quarantineSchema = z.object({
  ...sourceShape,
  record_key: z.string().nullable(),
  reason_code: z.string(),
  reason: z.string(),
  raw_line: z.string(),
});

/** Every creator's accepted state at the end of a day (`core/creator_snapshots`). */
export const creatorSnapshotSchema = z.object({
  day: date(),
  ...creatorShape,
  first_seen_day: date(),
  last_changed_day: date(),
});

/** SCD type-2 history of creators (`core/creator_history`), with the day each creator's history was last merged. */
export const creatorHistorySchema = z.object({
  ...creatorShape,
  version: int(),
  valid_from: timestamp(),
  valid_to: timestamp().nullable(),
  is_current: z.boolean(),
  source_day: date(),
  _source_file: z.string(),
  _source_line: int(),
  history_day: date(),
});

/** A video's new accepted state on the day it changed, with the change since its previous state (`core/videos`, daily deltas). */
export const videoStateSchema = z.object({
  day: date(),
  ...videoShape,
  first_seen_day: date(),
  last_changed_day: date(),
  views_delta: int(),
  likes_delta: int(),
  comments_delta: int(),
  shares_delta: int(),
});

/** Daily metrics per creator (`marts/creator_daily_metrics`). */
export const creatorDailyMetricsSchema = z.object({
  day: date(),
  creator_id: z.string(),
  category: z.string().nullable(),
  country: z.string().nullable(),
  followers: int(),
  follower_delta: int().nullable(),
  videos_posted: int(),
  views: int(),
  likes: int(),
  comments: int(),
  shares: int(),
  video_count: int(),
  total_views: int(),
  total_likes: int(),
  total_comments: int(),
  total_shares: int(),
  engagement_rate: z.number(),
});

/** Daily metrics per category (`marts/category_daily_metrics`). */
export const categoryDailyMetricsSchema = z.object({
  day: date(),
  category: z.string().nullable(),
  creators: int(),
  followers: int(),
  follower_delta: int(),
  videos_posted: int(),
  views: int(),
  likes: int(),
  comments: int(),
  shares: int(),
  total_views: int(),
  engagement_rate: z.number(),
});

/** Suspicious follower jumps (`quality/follower_spikes`). */
export const followerSpikeSchema = z.object({
  day: date(),
  creator_id: z.string(),
  previous_followers: int(),
  followers: int(),
  follower_delta: int(),
  history_days: int(),
  mean_delta: z.number(),
  stddev_delta: z.number(),
  z_score: z.number(),
});

/** Creators whose reported total_views disagrees with their videos' views (`quality/view_sum_mismatches`). */
export const viewSumMismatchSchema = z.object({
  day: date(),
  creator_id: z.string(),
  reported_total_views: int(),
  video_views: int(),
  difference: int(),
});

/** Intraday creator metrics per quarter hour (`raw/priority_creator_intraday`). */
export const intradaySchema = z.object({
  ts: timestamp(),
  creator_id: z.string(),
  followers: int(),
  total_views: int(),
  total_likes: int(),
  _source_file: z.string(),
});

/** Intraday metrics of priority creators rolled up per day (`marts/priority_creator_daily`). */
export const priorityDailySchema = z.object({
  day: date(),
  creator_id: z.string(),
  quarters_updated: int(),
  followers_open: int(),
  followers_close: int(),
  followers_min: int(),
  followers_max: int(),
  views_gained: int(),
  likes_gained: int(),
});

/** Column docs shared by the assets that carry creator attributes; handles and display names are PII. */
export const CREATOR_COLUMN_DOCS: Record<string, ColumnDoc> = {
  creator_id: { description: 'Creator key (c_ + zero-padded index); a pseudonymous id', pii: 'user_id' },
  handle: { description: 'Public @handle of the creator', pii: 'username' },
  display_name: { description: 'Display name as shown on the profile', pii: 'name' },
  category: { description: 'Content category of the creator' },
  country: { description: 'ISO 3166-1 alpha-2 country of the creator' },
  followers: { description: 'Followers at updated_at', unit: 'accounts' },
  following: { description: 'Accounts the creator follows', unit: 'accounts' },
  total_likes: { description: "Likes over the creator's videos, as reported on the row", unit: 'likes' },
  total_views: { description: "Views over the creator's videos, as reported on the row", unit: 'views' },
  video_count: { description: "Number of the creator's videos, as reported on the row", unit: 'videos' },
  verified: { description: 'Verified badge' },
  created_at: { description: 'When the account was created (UTC)' },
  updated_at: { description: 'When the source system last changed the row (UTC); the CDC ordering key' },
};

/** Column docs of the landing provenance columns. */
export const SOURCE_COLUMN_DOCS: Record<string, ColumnDoc> = {
  day: { description: 'The landing day (partition) the row came from' },
  _source_file: { description: 'Landing file, relative to the landing folder' },
  _source_line: { description: '1-based physical line in the landing file (the CSV header is line 1)' },
};

/**
 * Column docs of a quarantine asset (`quarantineSchema`): the source location, the reason, and the
 * two columns whose meaning and PII class depend on the file (the record key and the raw line).
 */
export function quarantineColumnDocs(recordKey: ColumnDoc, rawLine: ColumnDoc): Record<string, ColumnDoc> {
  return {
    ...SOURCE_COLUMN_DOCS,
    record_key: recordKey,
    reason_code: { description: 'Why the row was rejected (first failing rule)' },
    reason: { description: 'Human-readable detail naming the field and value' },
    raw_line: rawLine,
  };
}

/** Column docs of video fields. */
export const VIDEO_COLUMN_DOCS: Record<string, ColumnDoc> = {
  video_id: { description: 'Video key (v_<creator digits>_<sequence>)' },
  creator_id: { description: 'Creator who posted the video', pii: 'user_id' },
  posted_at: { description: 'When the video was posted (UTC)' },
  duration_s: { description: 'Length of the video', unit: 'seconds' },
  views: { description: 'Views at updated_at', unit: 'views' },
  likes: { description: 'Likes at updated_at', unit: 'likes' },
  comments: { description: 'Comments at updated_at', unit: 'comments' },
  shares: { description: 'Shares at updated_at', unit: 'shares' },
  updated_at: { description: 'When the source system last changed the row (UTC)' },
  engagement_rate: { description: '(likes + comments + shares) / views, in [0, 1]', unit: 'ratio' },
};
