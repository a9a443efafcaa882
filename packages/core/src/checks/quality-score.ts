import { QuarryError } from '../errors.ts';
import type { QualityDimension } from './check-declaration.ts';
import type { CheckResult } from './check-result.ts';

/** Weight of each quality dimension in the composite score; only the ratios matter. */
export type QualityWeights = Readonly<Record<QualityDimension, number>>;

/** The default weights (docs/quality-score.md): validity 30, completeness 25, consistency 20, uniqueness 15, timeliness 10. */
export const DEFAULT_QUALITY_WEIGHTS: QualityWeights = Object.freeze({
  validity: 30,
  completeness: 25,
  uniqueness: 15,
  consistency: 20,
  timeliness: 10,
});

const DIMENSIONS: readonly QualityDimension[] = ['validity', 'completeness', 'uniqueness', 'consistency', 'timeliness'];

/** One dimension's part of a score. */
export interface DimensionScore {
  /** 0–100, or null when no check of the dimension could be scored. */
  readonly score: number | null;
  /** Checks that were scored. */
  readonly checks: number;
  /** Checks left out because they errored. */
  readonly errored: number;
}

/** A composite quality score (0–100, null with nothing to score) and its dimensions. */
export interface QualityScore {
  readonly score: number | null;
  readonly dimensions: Readonly<Record<QualityDimension, DimensionScore>>;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function checkWeights(weights: QualityWeights): void {
  const values = DIMENSIONS.map((d) => weights[d]);
  if (values.some((w) => typeof w !== 'number' || !Number.isFinite(w) || w < 0) || values.every((w) => w === 0)) {
    throw new QuarryError(
      'QUARRY_BAD_CHECK',
      `Quality weights must be numbers ≥ 0 for ${DIMENSIONS.join(', ')}, at least one above 0; got ${JSON.stringify(weights)}.`,
    );
  }
}

/**
 * The 0–1 score of one result: the share of its rows (or keys, or columns) that pass when it
 * counts them, else 1 / 0.5 / 0 for passed / warned / failed; `null` for an errored check.
 */
export function checkScore(result: Pick<CheckResult, 'status' | 'unit' | 'failingCount' | 'totalCount'>): number | null {
  if (result.status === 'errored') return null;
  if (result.unit !== 'value' && result.failingCount !== null && result.totalCount !== null && result.totalCount > 0) {
    return Math.min(1, Math.max(0, 1 - result.failingCount / result.totalCount));
  }
  return result.status === 'passed' ? 1 : result.status === 'warned' ? 0.5 : 0;
}

/**
 * The composite quality score of one asset partition from its check results: each dimension is the
 * mean of its checks' scores × 100, and the score is the weighted mean of the dimensions that have
 * checks (weights of empty dimensions are left out, not counted as 100). Rounded to 2 decimals.
 *
 * ```ts
 * qualityScore(results)   // { score: 93.4, dimensions: { validity: { score: 98, checks: 3, errored: 0 }, … } }
 * ```
 */
export function qualityScore(results: readonly CheckResult[], weights: QualityWeights = DEFAULT_QUALITY_WEIGHTS): QualityScore {
  checkWeights(weights);
  const dimensions = {} as Record<QualityDimension, DimensionScore>;
  let weighted = 0;
  let weightSum = 0;
  for (const dim of DIMENSIONS) {
    const mine = results.filter((r) => r.dimension === dim);
    const scores = mine.map(checkScore).filter((s): s is number => s !== null);
    const score = scores.length === 0 ? null : (100 * scores.reduce((a, b) => a + b, 0)) / scores.length;
    dimensions[dim] = Object.freeze({ score: score === null ? null : round2(score), checks: scores.length, errored: mine.length - scores.length });
    if (score !== null && weights[dim] > 0) {
      weighted += weights[dim] * score;
      weightSum += weights[dim];
    }
  }
  return Object.freeze({ score: weightSum === 0 ? null : round2(weighted / weightSum), dimensions: Object.freeze(dimensions) });
}

/** One partition's contribution to a range score. */
export interface PartitionQuality {
  readonly partitionKey: string;
  /** Rows of the partition: its weight in the range score. */
  readonly rowCount: number;
  readonly results: readonly CheckResult[];
}

/**
 * The quality score of an asset over a range of partitions: the row-weighted mean of the partition
 * scores (and of each dimension), so a 10-row partition does not count as much as a 10-million-row
 * one. Partitions without a score are left out; when every partition has 0 rows the plain mean is used.
 */
export function qualityScoreOverRange(partitions: readonly PartitionQuality[], weights: QualityWeights = DEFAULT_QUALITY_WEIGHTS): QualityScore {
  checkWeights(weights);
  const scored = partitions.map((p) => ({ weight: Math.max(0, p.rowCount), score: qualityScore(p.results, weights) }));
  const mean = (pick: (s: QualityScore) => number | null): number | null => {
    const items = scored.map((s) => ({ w: s.weight, v: pick(s.score) })).filter((x): x is { w: number; v: number } => x.v !== null);
    if (items.length === 0) return null;
    const total = items.reduce((a, x) => a + x.w, 0);
    const value = total > 0 ? items.reduce((a, x) => a + x.w * x.v, 0) / total : items.reduce((a, x) => a + x.v, 0) / items.length;
    return round2(value);
  };
  const dimensions = {} as Record<QualityDimension, DimensionScore>;
  for (const dim of DIMENSIONS) {
    dimensions[dim] = Object.freeze({
      score: mean((s) => s.dimensions[dim].score),
      checks: scored.reduce((a, s) => a + s.score.dimensions[dim].checks, 0),
      errored: scored.reduce((a, s) => a + s.score.dimensions[dim].errored, 0),
    });
  }
  return Object.freeze({ score: mean((s) => s.score), dimensions: Object.freeze(dimensions) });
}
