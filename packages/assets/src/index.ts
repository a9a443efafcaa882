/**
 * The TikTok creator/video analytics pipeline on Quarry: its synthetic source generator (ground truth
 * for tests and the demo), its asset definitions and point-in-time queries.
 */
export * from './generator/index.ts';
export * from './pipeline/index.ts';
