import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkScore, DEFAULT_QUALITY_WEIGHTS, qualityScore, qualityScoreOverRange, type CheckResult, type QualityDimension } from './index.ts';

function result(dimension: QualityDimension, status: CheckResult['status'], failing: number | null, total: number | null, unit: CheckResult['unit'] = 'rows'): CheckResult {
  return {
    assetKey: 'a',
    partitionKey: 'p',
    checkName: `${dimension}_${status}_${failing}`,
    kind: 'notNull',
    dimension,
    severity: 'error',
    blocking: false,
    status,
    passed: status === 'passed',
    unit,
    observedValue: null,
    threshold: '',
    failingCount: failing,
    totalCount: total,
    failingRatio: failing !== null && total ? failing / total : null,
    sample: [],
    message: '',
    durationMs: 0,
    evaluatedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('quality score', () => {
  test('a check scores its passing share, or 1 / 0.5 / 0 by status when it has no counts', () => {
    assert.equal(checkScore(result('completeness', 'failed', 25, 100)), 0.75);
    assert.equal(checkScore(result('completeness', 'passed', 0, 100)), 1);
    assert.equal(checkScore(result('timeliness', 'passed', null, 100, 'value')), 1);
    assert.equal(checkScore(result('timeliness', 'warned', null, 100, 'value')), 0.5);
    assert.equal(checkScore(result('timeliness', 'failed', null, 100, 'value')), 0);
    assert.equal(checkScore(result('validity', 'failed', 0, 0)), 0, 'no rows to count: status decides');
    assert.equal(checkScore(result('validity', 'errored', null, null)), null);
  });

  test('dimensions average their checks; the score weighs the dimensions present', () => {
    const results = [
      result('validity', 'passed', 0, 1000), // 1
      result('validity', 'failed', 100, 1000), // 0.9
      result('completeness', 'warned', 50, 1000), // 0.95
      result('uniqueness', 'passed', 0, 1000), // 1
      result('consistency', 'failed', 2, 4, 'keys'), // 0.5
      result('timeliness', 'warned', null, 1000, 'value'), // 0.5
      result('timeliness', 'errored', null, null), // left out
    ];
    const s = qualityScore(results);
    assert.deepEqual(s.dimensions, {
      validity: { score: 95, checks: 2, errored: 0 },
      completeness: { score: 95, checks: 1, errored: 0 },
      uniqueness: { score: 100, checks: 1, errored: 0 },
      consistency: { score: 50, checks: 1, errored: 0 },
      timeliness: { score: 50, checks: 1, errored: 1 },
    });
    // (30·95 + 25·95 + 15·100 + 20·50 + 10·50) / 100
    assert.equal(s.score, 82.25);
  });

  test('dimensions without checks do not count as perfect', () => {
    const s = qualityScore([result('validity', 'failed', 1, 4), result('timeliness', 'passed', null, 4, 'value')]);
    // (30·75 + 10·100) / 40
    assert.equal(s.score, 81.25);
    assert.equal(s.dimensions.completeness.score, null);
    assert.equal(qualityScore([]).score, null);
  });

  test('custom weights; invalid weights are refused', () => {
    const results = [result('validity', 'failed', 1, 2), result('uniqueness', 'passed', 0, 2)];
    assert.equal(qualityScore(results, { ...DEFAULT_QUALITY_WEIGHTS, validity: 1, uniqueness: 3 }).score, 87.5);
    assert.throws(() => qualityScore(results, { ...DEFAULT_QUALITY_WEIGHTS, validity: -1 }), /Quality weights/);
    assert.throws(() => qualityScore(results, { validity: 0, completeness: 0, uniqueness: 0, consistency: 0, timeliness: 0 }), /at least one above 0/);
  });

  test('over a range: row-weighted mean of partition scores', () => {
    const big = { partitionKey: '2026-01-01', rowCount: 900, results: [result('validity', 'passed', 0, 900)] };
    const small = { partitionKey: '2026-01-02', rowCount: 100, results: [result('validity', 'failed', 50, 100)] };
    const empty = { partitionKey: '2026-01-03', rowCount: 0, results: [] };
    const s = qualityScoreOverRange([big, small, empty]);
    assert.equal(s.score, 95); // (900·100 + 100·50) / 1000
    assert.deepEqual(s.dimensions.validity, { score: 95, checks: 2, errored: 0 });
    assert.equal(qualityScoreOverRange([{ ...big, rowCount: 0 }, { ...small, rowCount: 0 }]).score, 75, 'all empty: plain mean');
  });
});
