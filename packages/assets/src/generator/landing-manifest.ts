import type { ResolvedModelOptions } from './generate-options.ts';
import { PRIORITY_SHARE, QUARTERS_PER_DAY, RECENT_VIDEO_DAYS } from './tiktok-model.ts';
import {
  CATEGORIES,
  COUNTRIES,
  CREATOR_FIELDS,
  DEFECT_KIND_INFO,
  INTRADAY_FIELDS,
  TIMESTAMP_PATTERN,
  VIDEO_FIELDS,
} from './tiktok-schema.ts';
import type { DefectKind } from './tiktok-schema.ts';

/** The version of the landing format; a folder written by another version is never reused. */
export const LANDING_FORMAT_VERSION = 1;

/** Totals over all generated days, as written to the manifest. */
export interface LandingTotals {
  rows: { creators: number; videos: number; intraday: number };
  defects: Record<DefectKind, number>;
  creatorsAtEnd: number;
}

/** The content of `_truth/manifest.json`: the arguments, the file formats and the defect kinds. */
export function buildManifest(
  options: ResolvedModelOptions,
  days: readonly string[],
  priorityCreators: readonly string[],
  totals: LandingTotals | null,
): Record<string, unknown> {
  return {
    generator: 'quarry-tiktok',
    version: LANDING_FORMAT_VERSION,
    complete: totals !== null,
    options: {
      creators: options.creators,
      days: options.days,
      start: options.start,
      seed: options.seed,
      defectRate: options.defectRate,
    },
    days,
    layout: {
      '<day>/creators.ndjson':
        'creator CDC extract, one JSON object per line. Day 0 is the initial load (one row per existing creator); later days hold ' +
        'only creators whose updated_at falls that day (1–5% of existing creators, the priority creators every day) plus new creators.',
      '<day>/videos.csv':
        `video extract with a header line: new videos, and stat updates of videos posted in the last ${RECENT_VIDEO_DAYS} days, ` +
        'for creators with an accepted row that day. Day 0 holds every video existing at the start.',
      '<day>/intraday/<HH-MM>.ndjson':
        `${QUARTERS_PER_DAY} files per day from day 1 (none on day 0): for each priority creator with an accepted row that day, a record ` +
        'in each quarter hour it was updated (~60% of quarter hours up to its last update). Values move from the previous day\'s ' +
        'accepted state to this day\'s; the last record of the day equals the creators.ndjson row (ts = its updated_at), except that ' +
        'total_views is always the true video sum (it ignores a view_sum_mismatch). Every file exists, possibly empty.',
      '_truth/<day>.json': 'ground truth of the day: rows and defects per file, expected accepted rows, every defective row with its line.',
      '_truth/manifest.json': 'this file.',
    },
    schemas: {
      'creators.ndjson': CREATOR_FIELDS,
      'videos.csv': VIDEO_FIELDS,
      'intraday/<HH-MM>.ndjson': INTRADAY_FIELDS,
    },
    timestampPattern: TIMESTAMP_PATTERN,
    vocabularies: {
      categories: CATEGORIES.map(([c]) => c),
      countries: COUNTRIES.map(([c]) => c),
    },
    rules: {
      validity:
        'A row is invalid (quarantined) when it has a defect of disposition "invalid": a required field missing, a non-numeric numeric field, ' +
        'a negative count, likes > views or engagement_rate > 1, a timestamp not matching timestampPattern or not a real instant, a timestamp ' +
        'after the end of the file\'s day, or (videos) a creator_id that has no accepted creator row. Invalid rows change no state.',
      firstRows: 'A creator\'s first row (day 0, or its creation day) is never invalid, so real creator ids always resolve.',
      deduplication:
        'Key: creator_id (creators), video_id (videos). Within a file, rows with the same key and updated_at are duplicates and the later ' +
        'line wins. Across files the newer updated_at wins; a re-sent row has the updated_at of its first day, so it changes nothing.',
      acceptedState:
        'The state of a creator at the end of day D is its latest accepted row over the files of days ≤ D (strict policy: invalid rows ' +
        'ignored). Under the fix-suffixes policy, wrong_type rows whose followers value is fixable also count, with the fixed value.',
      aggregation:
        'Under the strict policy, for every creator, total_views and total_likes of its accepted row equal the sums of views and likes over ' +
        'the latest accepted rows of its videos, and video_count their number, except on view_sum_mismatch rows (off by ≥ 20% and ≥ 1,000).',
      priority: `The priority creators are the top ${PRIORITY_SHARE * 100}% (ceil) of the initial load by accepted day-0 followers, ties to the lower id; fixed for the whole range.`,
      spikes: 'Ordinary follower moves between consecutive accepted rows stay within -3%..+10% (±3% more for updated duplicates); follower_spike rows multiply by 5..20.',
    },
    defectKinds: DEFECT_KIND_INFO,
    priorityCreators,
    ...(totals ? { totals } : {}),
  };
}
