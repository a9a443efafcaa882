import type { TimestampFormatter } from './calendar.ts';
import type { CreatorRow, CreatorStatic, VideoRow } from './tiktok-model.ts';
import { VIDEO_FIELDS } from './tiktok-schema.ts';

/** The header line of `videos.csv`. */
export const VIDEO_CSV_HEADER = `${VIDEO_FIELDS.map((f) => f.name).join(',')}\n`;

/** One `creators.ndjson` line (with its newline), applying the row's defect encoding. */
export function formatCreatorLine(s: CreatorStatic, row: CreatorRow, ts: TimestampFormatter): string {
  const defect = row.defect;
  if (defect === null || defect.field === undefined || defect.kind === 'future_timestamp') {
    return (
      `{"creator_id":"${s.id}","handle":"${s.handle}","display_name":${JSON.stringify(s.displayName)},` +
      `"category":"${s.category}","country":"${s.country}","followers":${row.followers},"following":${row.following},` +
      `"total_likes":${row.totalLikes},"total_views":${row.totalViews},"video_count":${row.videoCount},` +
      `"verified":${s.verified},"created_at":"${ts.format(s.createdAtSec)}","updated_at":"${ts.format(row.updatedAtSec)}"}\n`
    );
  }
  const fields: [string, string][] = [
    ['creator_id', `"${s.id}"`],
    ['handle', `"${s.handle}"`],
    ['display_name', JSON.stringify(s.displayName)],
    ['category', `"${s.category}"`],
    ['country', `"${s.country}"`],
    ['followers', String(row.followers)],
    ['following', String(row.following)],
    ['total_likes', String(row.totalLikes)],
    ['total_views', String(row.totalViews)],
    ['video_count', String(row.videoCount)],
    ['verified', String(s.verified)],
    ['created_at', `"${ts.format(s.createdAtSec)}"`],
    ['updated_at', `"${ts.format(row.updatedAtSec)}"`],
  ];
  const parts: string[] = [];
  for (const [name, json] of fields) {
    if (name !== defect.field) parts.push(`"${name}":${json}`);
    else if (defect.variant === 'absent') continue;
    else if (defect.variant === 'null') parts.push(`"${name}":null`);
    else parts.push(`"${name}":${JSON.stringify(defect.raw ?? '')}`);
  }
  return `{${parts.join(',')}}\n`;
}

/** One `videos.csv` line (with its newline), applying the row's defect encoding. */
export function formatVideoLine(videoId: string, creatorId: string, row: VideoRow, ts: TimestampFormatter): string {
  const engagement = ((row.likes + row.comments + row.shares) / row.views).toFixed(6);
  const defect = row.defect;
  if (defect === null || defect.field === undefined || defect.kind === 'future_timestamp' || defect.kind === 'unknown_creator') {
    return (
      `${videoId},${creatorId},${ts.format(row.postedAtSec)},${row.durationS},${row.views},${row.likes},` +
      `${row.comments},${row.shares},${ts.format(row.updatedAtSec)},${engagement}\n`
    );
  }
  const cells = [
    videoId, creatorId, ts.format(row.postedAtSec), String(row.durationS), String(row.views), String(row.likes),
    String(row.comments), String(row.shares), ts.format(row.updatedAtSec), engagement,
  ];
  const i = VIDEO_FIELDS.findIndex((f) => f.name === defect.field);
  cells[i] = defect.variant === 'empty' ? '' : (defect.raw ?? '');
  return `${cells.join(',')}\n`;
}

/** One `intraday/HH-MM.ndjson` line (with its newline). */
export function formatIntradayLine(creatorId: string, ts: string, followers: number, views: number, likes: number): string {
  return `{"creator_id":"${creatorId}","ts":"${ts}","followers":${followers},"total_views":${views},"total_likes":${likes}}\n`;
}
