// The synthetic TikTok source generator: deterministic landing folders and their ground truth.
export { generate } from './generate.ts';
export type { GenerateSummary } from './generate.ts';
export { DEFAULT_DEFECT_RATE, MAX_CREATORS, MAX_DAYS, resolveModelOptions } from './generate-options.ts';
export type { GenerateOptions, ResolvedModelOptions, TikTokModelOptions } from './generate-options.ts';
export { TikTokTruth } from './tiktok-truth.ts';
export type { CreatorDefectRef, FollowerSpike, TruthPolicy, TruthQueryOptions, ViewSumMismatch } from './tiktok-truth.ts';
export type { DayTruth, DefectiveRow, FileTruth } from './day-truth.ts';
export { GeneratorError, isGeneratorError } from './generator-error.ts';
export {
  CREATOR_FIELDS,
  DEFECT_KINDS,
  DEFECT_KIND_INFO,
  INTRADAY_FIELDS,
  TIMESTAMP_PATTERN,
  VIDEO_FIELDS,
} from './tiktok-schema.ts';
export type { CreatorRecord, DataFileName, DefectDisposition, DefectKind, DefectKindInfo, FieldSchema } from './tiktok-schema.ts';
export { LANDING_FORMAT_VERSION } from './landing-manifest.ts';
export { PRIORITY_SHARE, QUARTERS_PER_DAY, RECENT_VIDEO_DAYS } from './tiktok-model.ts';
