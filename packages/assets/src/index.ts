/**
 * The TikTok creator/video analytics pipeline on Quarry: its synthetic source generator (ground truth
 * for tests and the demo) and, as they land, its asset definitions and checks.
 */
export {};
