import { defineGlossary, type ColumnDoc, type GlossaryTerm } from '@quarry/core';

/**
 * The TikTok pipeline's business glossary: the terms its marts and anomaly assets measure, as the
 * creator-analytics team defines them. Columns refer to these terms (see `TIKTOK_COLUMN_TERMS`), so
 * `quarry docs` shows one definition wherever a follower count or an engagement rate appears.
 */
export const TIKTOK_GLOSSARY = defineGlossary({
  creator: {
    name: 'Creator',
    definition: 'A TikTok account that publishes videos, identified by its pseudonymous creator_id (c_ + zero-padded index); handle and display name are PII.',
    synonyms: ['account', 'influencer'],
    owners: ['team:creator-analytics'],
  },
  follower_count: {
    name: 'Follower count',
    definition: 'Accounts following a creator at the end of a day (UTC), from the newest accepted creator row up to that day.',
    synonyms: ['followers', 'audience size'],
    owners: ['team:creator-analytics'],
  },
  follower_delta: {
    name: 'Follower change',
    definition: "Change of a creator's follower count since the previous day; NULL on the first day the creator is known.",
    synonyms: ['follower growth', 'net follows'],
    owners: ['team:creator-analytics'],
  },
  engagement_rate: {
    name: 'Engagement rate',
    definition: '(likes + comments + shares) / views over the accepted videos, 0 without views; a ratio in [0, 1].',
    synonyms: ['ER', 'engagement'],
    owners: ['team:creator-analytics'],
  },
  video_views: {
    name: 'Video views',
    definition: 'Times a video was played, as TikTok reports it; daily figures are the views gained that day.',
    synonyms: ['views', 'plays'],
    owners: ['team:creator-analytics'],
  },
  interactions: {
    name: 'Interactions',
    definition: 'Likes, comments and shares a video received; the numerator of the engagement rate.',
    synonyms: ['likes', 'comments', 'shares'],
    owners: ['team:creator-analytics'],
  },
  content_category: {
    name: 'Content category',
    definition: "The creator's self-declared content category (e.g. gaming, beauty), used to group the category marts.",
    synonyms: ['vertical', 'niche'],
    owners: ['team:creator-analytics'],
  },
  follower_spike: {
    name: 'Follower spike',
    definition: "A day whose follower change is at least 3 standard deviations (|z| ≥ 3) from the creator's own recent changes: bought followers or a viral video.",
    synonyms: ['anomaly', 'z-score'],
    owners: ['team:trust-and-safety'],
  },
  quarantined_row: {
    name: 'Quarantined row',
    definition: 'A landing line rejected by validation, kept with its reason code and source file/line instead of being loaded.',
    synonyms: ['rejected row', 'reject'],
    owners: ['team:data-platform'],
  },
});

/** Owners of the pipeline's assets by group (overridden by `owners` in the pipeline config). */
export const TIKTOK_OWNERS: Readonly<Record<string, readonly string[]>> = {
  raw: ['team:data-platform'],
  quality: ['team:data-platform', 'team:trust-and-safety'],
  core: ['team:data-platform', 'team:creator-analytics'],
  marts: ['team:creator-analytics'],
};

const g = TIKTOK_GLOSSARY;

/** The glossary term of the key columns of each asset (asset key → column → term). */
export const TIKTOK_COLUMN_TERMS: Readonly<Record<string, Readonly<Record<string, GlossaryTerm>>>> = {
  'raw/creator_changes': { creator_id: g.creator, followers: g.follower_count, category: g.content_category, total_views: g.video_views },
  'core/creator_snapshots': { creator_id: g.creator, followers: g.follower_count, category: g.content_category },
  'core/creator_history': { creator_id: g.creator, followers: g.follower_count, category: g.content_category },
  'raw/video_changes': { creator_id: g.creator, views: g.video_views, likes: g.interactions, comments: g.interactions, shares: g.interactions, engagement_rate: g.engagement_rate },
  'core/videos': { creator_id: g.creator, views: g.video_views, views_delta: g.video_views, likes: g.interactions, comments: g.interactions, shares: g.interactions, engagement_rate: g.engagement_rate },
  'marts/creator_daily_metrics': {
    creator_id: g.creator,
    category: g.content_category,
    followers: g.follower_count,
    follower_delta: g.follower_delta,
    views: g.video_views,
    total_views: g.video_views,
    likes: g.interactions,
    comments: g.interactions,
    shares: g.interactions,
    engagement_rate: g.engagement_rate,
  },
  'marts/category_daily_metrics': {
    category: g.content_category,
    followers: g.follower_count,
    follower_delta: g.follower_delta,
    views: g.video_views,
    total_views: g.video_views,
    engagement_rate: g.engagement_rate,
  },
  'quality/follower_spikes': { creator_id: g.creator, followers: g.follower_count, previous_followers: g.follower_count, follower_delta: g.follower_delta, z_score: g.follower_spike },
  'quality/view_sum_mismatches': { creator_id: g.creator, video_views: g.video_views },
  'quality/creator_quarantine': { raw_line: g.quarantined_row },
  'quality/video_quarantine': { raw_line: g.quarantined_row },
  'quality/intraday_quarantine': { raw_line: g.quarantined_row },
  'raw/priority_creator_intraday': { creator_id: g.creator, followers: g.follower_count },
  'marts/priority_creator_daily': { creator_id: g.creator, followers_open: g.follower_count, followers_close: g.follower_count, followers_min: g.follower_count, followers_max: g.follower_count, views_gained: g.video_views },
};

/** An asset's column docs with the glossary terms of `TIKTOK_COLUMN_TERMS` added (a column's own `term` wins). */
export function withTikTokTerms(assetKey: string, columns: Readonly<Record<string, ColumnDoc>> | undefined): Record<string, ColumnDoc> {
  const out: Record<string, ColumnDoc> = { ...(columns ?? {}) };
  for (const [column, term] of Object.entries(TIKTOK_COLUMN_TERMS[assetKey] ?? {})) {
    out[column] = { ...(out[column] ?? {}), term: out[column]?.term ?? term };
  }
  return out;
}
