// The TikTok pipeline as Quarry assets, and point-in-time queries over it.
export { defineTikTokPipeline, defineTikTokPipelineFromLanding, creatorClassificationSql, intradayClassificationSql, videoClassificationSql, videoStateSql, creatorHistorySql } from './tiktok-pipeline.ts';
export { DEFAULT_LANDING_LIMITS, prepareLandingFile, scanLandingFile, REJECTED_LINE_MARKER } from './landing-line-scan.ts';
export type { LandingLimits, RejectedLine, RejectedLineCode } from './landing-line-scan.ts';
export type { TikTokPipeline, TikTokPipelineConfig } from './tiktok-pipeline.ts';
export { TIKTOK_LANDING_SELECTION, TIKTOK_LANDING_SENSOR, landingDayVersion, tiktokLandingSensor } from './tiktok-automation.ts';
export { REASON_CODES, compileLandingClassification } from './landing-row-classifier.ts';
export type { LandingClassification, ReasonCode } from './landing-row-classifier.ts';
export { landingFilePath, landingFileVersion, readLandingManifest } from './landing-files.ts';
export type { LandingFileName, LandingManifestInfo } from './landing-files.ts';
export * from './tiktok-schemas.ts';
export { asOfInstant, creatorAsOf, followersAsOf } from './followers-as-of.ts';
export type { CreatorVersionAsOf } from './followers-as-of.ts';
export { asofCommand } from './asof-command.ts';
export * from './tiktok-checks.ts';
export { TIKTOK_GLOSSARY, TIKTOK_OWNERS, TIKTOK_COLUMN_TERMS, withTikTokTerms } from './tiktok-glossary.ts';
