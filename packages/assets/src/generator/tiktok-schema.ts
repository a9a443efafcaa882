// The shape of the generated landing folder: record types, file schemas, defect kinds and the
// vocabularies that make rows look real. `manifest.json` is written from these constants.

/** Every kind of injected defect, each counted exactly in the ground truth. */
export const DEFECT_KINDS = [
  'negative_followers',
  'engagement_gt_1',
  'missing_required',
  'wrong_type',
  'malformed_timestamp',
  'future_timestamp',
  'unknown_creator',
  'duplicate_key_within_file',
  'duplicate_key_across_files',
  'follower_spike',
  'view_sum_mismatch',
] as const;

/** One kind of injected defect. */
export type DefectKind = (typeof DEFECT_KINDS)[number];

/**
 * What a correct pipeline does with a row of that kind: `invalid` rows are quarantined and change no
 * state; `duplicate` rows are dropped by deduplication; `anomaly` rows are valid and accepted, but a
 * check should flag them.
 */
export type DefectDisposition = 'invalid' | 'duplicate' | 'anomaly';

/** The data files of one day that carry defects. */
export type DataFileName = 'creators.ndjson' | 'videos.csv';

/** Documentation of one defect kind, as written to `manifest.json`. */
export interface DefectKindInfo {
  readonly disposition: DefectDisposition;
  readonly files: readonly DataFileName[];
  readonly description: string;
  readonly encoding: string;
}

/** How each defect kind is encoded and how a pipeline should treat it. */
export const DEFECT_KIND_INFO: Readonly<Record<DefectKind, DefectKindInfo>> = {
  negative_followers: {
    disposition: 'invalid',
    files: ['creators.ndjson'],
    description: 'followers is a negative integer (a sign bug upstream).',
    encoding: '"followers": -12345 (the negated intended value, at most -1).',
  },
  engagement_gt_1: {
    disposition: 'invalid',
    files: ['videos.csv'],
    description: 'likes exceed views, so engagement_rate = (likes+comments+shares)/views is above 1.',
    encoding: 'likes = views × 1.5..4; engagement_rate is computed from the written counts (> 1).',
  },
  missing_required: {
    disposition: 'invalid',
    files: ['creators.ndjson', 'videos.csv'],
    description: 'a required field is missing.',
    encoding:
      'creators: creator_id, followers or updated_at is absent from the object (variant "absent") or null (variant "null"); ' +
      'videos: video_id, creator_id, views or updated_at is an empty cell (variant "empty").',
  },
  wrong_type: {
    disposition: 'invalid',
    files: ['creators.ndjson', 'videos.csv'],
    description:
      'a numeric field holds a string. Variant "suffix" ("12.3k", "1.25M") is fixable by the k/m suffix rule ' +
      '(/^(\\d+(?:\\.\\d+)?)([kKmM])$/ → number × 1e3 or 1e6, rounded) and the truth lists the fixed value; ' +
      'variant "garbage" ("N/A", "unknown", "12k+", "~5k", "1.2.3", "ten thousand") is not fixable.',
    encoding: 'creators: "followers" (suffix or garbage) or "total_views" (garbage) as a JSON string; videos: the views cell.',
  },
  malformed_timestamp: {
    disposition: 'invalid',
    files: ['creators.ndjson', 'videos.csv'],
    description: 'a timestamp does not match YYYY-MM-DDTHH:MM:SSZ or is not a real instant.',
    encoding:
      'creators: updated_at; videos: updated_at or posted_at. Variants: "2025/01/02 13:45:07", "02/01/2025 13:45", ' +
      '"2025-01-02T25:45:07Z" (hour ≥ 24), "2025-14-02T13:45:07Z" (month ≥ 13), "0000-00-00T00:00:00Z", "not a date".',
  },
  future_timestamp: {
    disposition: 'invalid',
    files: ['creators.ndjson', 'videos.csv'],
    description: 'a well-formed timestamp 30 to 730 days after the end of the file\'s day.',
    encoding: 'creators: updated_at; videos: updated_at or posted_at.',
  },
  unknown_creator: {
    disposition: 'invalid',
    files: ['videos.csv'],
    description: 'an extra video row whose creator_id never exists in any creators file (ids from 100 × creators upward).',
    encoding: 'an extra row right after a real video row; video_id v_<ghost digits>_<DDDD><SSSS>.',
  },
  duplicate_key_within_file: {
    disposition: 'duplicate',
    files: ['creators.ndjson', 'videos.csv'],
    description:
      'an extra row with the same key and the same updated_at as an earlier row of the same file, appended at the end of the file. ' +
      'Variant "exact" is byte-identical; variant "updated" differs in non-key fields. Tie-break: the later line wins.',
    encoding:
      'creators "updated": followers × (1 ± 0.5..3%) and following ± 1..5; videos "updated": comments and shares ' +
      '(and so engagement_rate) differ. The truth row has ofLine = the line of the earlier row.',
  },
  duplicate_key_across_files: {
    disposition: 'duplicate',
    files: ['creators.ndjson', 'videos.csv'],
    description:
      'a byte-identical re-send of an accepted row from 1–3 days earlier, written at the top of the file (after the CSV header). ' +
      'Its updated_at lies on the earlier day; across files the newer updated_at wins, so it changes nothing.',
    encoding: 'the truth row has fromDay = the day whose file first carried the row.',
  },
  follower_spike: {
    disposition: 'anomaly',
    files: ['creators.ndjson'],
    description:
      'a valid row whose followers jumped ×5..×20 over the creator\'s previous accepted row (normal moves stay within -3%..+10%). ' +
      'The spiked count stays: later days grow from it.',
    encoding: 'the truth row has from (previous accepted followers) and to (the new followers).',
  },
  view_sum_mismatch: {
    disposition: 'anomaly',
    files: ['creators.ndjson'],
    description:
      'a valid row whose total_views disagrees with the sum of views over the creator\'s accepted videos by at least 20% and 1,000 views. ' +
      'Clean rows match that sum exactly (under the strict policy). The accepted state keeps the wrong total until the creator\'s next valid row.',
    encoding: 'the truth row has reported (total_views written) and actual (the video sum).',
  },
};

/** Defect kinds a creator row can get on days after its first. */
export const CREATOR_EVENT_KINDS: readonly DefectKind[] = [
  'negative_followers',
  'missing_required',
  'wrong_type',
  'malformed_timestamp',
  'future_timestamp',
  'follower_spike',
  'view_sum_mismatch',
  'duplicate_key_within_file',
  'duplicate_key_across_files',
];

/**
 * Defect kinds a creator's first row (initial load or creation day) can get: never an invalid one,
 * so every real creator id that videos reference has an accepted creator row from its first day.
 */
export const FIRST_ROW_EVENT_KINDS: readonly DefectKind[] = [
  'view_sum_mismatch',
  'duplicate_key_within_file',
  'duplicate_key_across_files',
];

/** Defect kinds a video row can get. */
export const VIDEO_EVENT_KINDS: readonly DefectKind[] = [
  'engagement_gt_1',
  'missing_required',
  'wrong_type',
  'malformed_timestamp',
  'future_timestamp',
  'unknown_creator',
  'duplicate_key_within_file',
  'duplicate_key_across_files',
];

/** True for kinds whose row a correct pipeline quarantines. */
export function isInvalidKind(kind: DefectKind | null): boolean {
  return kind !== null && DEFECT_KIND_INFO[kind].disposition === 'invalid';
}

/** One creator record as written to `creators.ndjson` (clean rows) and as the truth answers it. */
export interface CreatorRecord {
  creator_id: string;
  handle: string;
  display_name: string;
  category: string;
  country: string;
  followers: number;
  following: number;
  total_likes: number;
  total_views: number;
  video_count: number;
  verified: boolean;
  created_at: string;
  updated_at: string;
}

/** One field of a generated file, as documented in `manifest.json`. */
export interface FieldSchema {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'timestamp';
  readonly required: boolean;
  readonly description: string;
}

/** Fields of `creators.ndjson`, in the order they are written. */
export const CREATOR_FIELDS: readonly FieldSchema[] = [
  { name: 'creator_id', type: 'string', required: true, description: 'c_ + zero-padded index (at least 6 digits); the key' },
  { name: 'handle', type: 'string', required: true, description: 'unique lowercase handle, e.g. sunny.fox123' },
  { name: 'display_name', type: 'string', required: false, description: 'free text; may hold non-ASCII letters and quotes' },
  { name: 'category', type: 'string', required: false, description: 'one of the categories in the manifest' },
  { name: 'country', type: 'string', required: false, description: 'ISO 3166-1 alpha-2' },
  { name: 'followers', type: 'integer', required: true, description: '≥ 0' },
  { name: 'following', type: 'integer', required: false, description: '≥ 0' },
  { name: 'total_likes', type: 'integer', required: false, description: 'sum of likes over the creator\'s accepted videos' },
  { name: 'total_views', type: 'integer', required: false, description: 'sum of views over the creator\'s accepted videos' },
  { name: 'video_count', type: 'integer', required: false, description: 'number of the creator\'s accepted videos' },
  { name: 'verified', type: 'boolean', required: false, description: 'constant per creator' },
  { name: 'created_at', type: 'timestamp', required: true, description: 'constant per creator' },
  { name: 'updated_at', type: 'timestamp', required: true, description: 'within the file\'s day (except re-sent rows and defects)' },
];

/** Columns of `videos.csv`, in order (the first line is this header). */
export const VIDEO_FIELDS: readonly FieldSchema[] = [
  { name: 'video_id', type: 'string', required: true, description: 'v_<creator digits>_<4-digit sequence>; the key' },
  { name: 'creator_id', type: 'string', required: true, description: 'references creators.ndjson' },
  { name: 'posted_at', type: 'timestamp', required: true, description: 'constant per video' },
  { name: 'duration_s', type: 'integer', required: false, description: '5..600 seconds' },
  { name: 'views', type: 'integer', required: true, description: '≥ 1, never decreases' },
  { name: 'likes', type: 'integer', required: true, description: '≤ views on clean rows' },
  { name: 'comments', type: 'integer', required: false, description: '≥ 0' },
  { name: 'shares', type: 'integer', required: false, description: '≥ 0' },
  { name: 'updated_at', type: 'timestamp', required: true, description: 'within the file\'s day, ≤ the creator row\'s updated_at' },
  { name: 'engagement_rate', type: 'number', required: false, description: '(likes+comments+shares)/views with 6 decimals; mostly 0.02..0.15' },
];

/** Fields of `intraday/HH-MM.ndjson` records. */
export const INTRADAY_FIELDS: readonly FieldSchema[] = [
  { name: 'creator_id', type: 'string', required: true, description: 'a priority creator' },
  { name: 'ts', type: 'timestamp', required: true, description: 'the quarter hour of the file, HH:MM:00Z' },
  { name: 'followers', type: 'integer', required: true, description: 'followers at ts' },
  { name: 'total_views', type: 'integer', required: true, description: 'sum of views over accepted videos at ts' },
  { name: 'total_likes', type: 'integer', required: true, description: 'sum of likes over accepted videos at ts' },
];

/** The strict timestamp contract: a valid timestamp matches this and names a real UTC instant. */
export const TIMESTAMP_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$';

/** Creator categories and their relative weights. */
export const CATEGORIES: readonly (readonly [string, number])[] = [
  ['entertainment', 18], ['comedy', 12], ['dance', 10], ['lifestyle', 9], ['beauty', 8], ['fashion', 7],
  ['food', 7], ['gaming', 6], ['music', 6], ['sports', 4], ['education', 4], ['pets', 3], ['travel', 2],
  ['tech', 2], ['diy', 2],
];

/** Creator countries (ISO 3166-1 alpha-2) and their relative weights. */
export const COUNTRIES: readonly (readonly [string, number])[] = [
  ['US', 22], ['ID', 10], ['BR', 9], ['MX', 7], ['PH', 5], ['VN', 5], ['GB', 5], ['TR', 4], ['DE', 4], ['JP', 4],
  ['FR', 3], ['TH', 3], ['EG', 3], ['SA', 2], ['CA', 2], ['ES', 2], ['IT', 2], ['NG', 2], ['KR', 2], ['AU', 2], ['PL', 1], ['NL', 1],
];

/** First names for display names; a few carry non-ASCII letters to exercise UTF-8 handling. */
export const FIRST_NAMES: readonly string[] = [
  'Luna', 'Mia', 'Noah', 'Liam', 'Emma', 'Ava', 'Leo', 'Zoë', 'José', 'Søren', 'Chloé', 'Mateo', 'Aiko', 'Hana',
  'Ravi', 'Priya', 'Kai', 'Ivy', 'Omar', 'Lina', 'Jin', 'Yuki', 'Sofia', 'Lucas', 'Aria', 'Ben', 'Nia', 'Tariq',
  'Elif', 'Đức', 'Łukasz', 'Renée', 'Mai', 'Ana', 'Gabe', 'Zara', 'Finn', 'Maya', 'Theo', 'Isla',
];

/** Last names or nicknames for display names; one carries double quotes to exercise JSON escaping. */
export const LAST_NAMES: readonly string[] = [
  'Fox', 'Rivera', 'Chen', 'Kim', 'Nguyen', 'Silva', 'Santos', 'Müller', 'Dubois', 'Rossi', 'Tanaka', 'Kowalski',
  'Öztürk', 'Haddad', 'Okafor', 'Smith', 'García', 'Park', 'Costa', 'Novak', '"The Chef"', 'Eats', 'Plays', 'Moves',
  'Vibes', 'Daily', 'Official', 'TV', 'Studio', 'Life',
];

/** Adjectives for handles. */
export const HANDLE_WORDS_A: readonly string[] = [
  'sunny', 'lazy', 'happy', 'wild', 'tiny', 'epic', 'cosmic', 'urban', 'golden', 'silent', 'crazy', 'lucky', 'chill',
  'retro', 'neon', 'spicy', 'sweet', 'brave', 'daily', 'real',
];

/** Nouns for handles. */
export const HANDLE_WORDS_B: readonly string[] = [
  'fox', 'panda', 'chef', 'gamer', 'dancer', 'cat', 'wave', 'pixel', 'rider', 'baker', 'coder', 'queen', 'king',
  'nomad', 'vibes', 'lab', 'studio', 'tales', 'beats', 'moves',
];

/** Unfixable strings injected into numeric fields by `wrong_type` (no comma, so CSV needs no quoting). */
export const GARBAGE_NUMBERS: readonly string[] = ['N/A', 'unknown', '12k+', '~5k', '1.2.3', 'ten thousand'];
