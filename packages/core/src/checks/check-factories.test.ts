import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { defineAsset, type AssetCheckDeclaration } from '../definitions/index.ts';
import { isQuarryError } from '../errors.ts';
import {
  checkRequirements,
  acceptedRange,
  acceptedValues,
  aggregateReconciliation,
  compareRational,
  customSql,
  formatConditions,
  formatRational,
  freshness,
  isCheckDeclaration,
  normalizeThreshold,
  notNull,
  nullPercentage,
  parseDecimal,
  referentialIntegrity,
  rowCount,
  rowCountChange,
  schemaContract,
  thresholdBreached,
  unique,
  zScore,
} from './index.ts';

const badCheck = (e: unknown) => isQuarryError(e, 'QUARRY_BAD_CHECK');

describe('thresholds', () => {
  test('decimals parse exactly', () => {
    assert.deepEqual(parseDecimal('0.05'), { n: 1n, d: 20n });
    assert.deepEqual(parseDecimal('-1.5e2'), { n: -150n, d: 1n });
    assert.deepEqual(parseDecimal('.5'), { n: 1n, d: 2n });
    assert.equal(parseDecimal('abc'), undefined);
    assert.equal(parseDecimal(''), undefined);
    assert.equal(compareRational(parseDecimal('0.1')!, parseDecimal('0.10')!), 0);
    assert.equal(formatRational({ n: 501n, d: 10000n }), '0.0501');
    assert.equal(formatRational({ n: -3n, d: 8n }), '-0.375');
  });

  test('ratio thresholds decide exactly at the boundary', () => {
    const conditions = normalizeThreshold({ ratio: '>0.05' }, 'test');
    assert.equal(thresholdBreached(conditions, { count: 5n, total: 100n, value: null }), false);
    assert.equal(thresholdBreached(conditions, { count: 501n, total: 10000n, value: null }), true);
    assert.equal(thresholdBreached(conditions, { count: 500n, total: 10000n, value: null }), false);
  });

  test('fields of one condition must all hold; any condition of a list is enough', () => {
    const both = normalizeThreshold({ count: '>10', ratio: '>0.01' }, 'test');
    assert.equal(thresholdBreached(both, { count: 11n, total: 100000n, value: null }), false);
    assert.equal(thresholdBreached(both, { count: 11n, total: 1000n, value: null }), true);
    const either = normalizeThreshold([{ value: '<1' }, { value: '>=100' }], 'test');
    assert.equal(thresholdBreached(either, { count: null, total: null, value: 0 }), true);
    assert.equal(thresholdBreached(either, { count: null, total: null, value: 99.99 }), false);
    assert.equal(thresholdBreached(either, { count: null, total: null, value: Infinity }), true);
    assert.equal(thresholdBreached(either, { count: null, total: null, value: null }), false);
    assert.equal(formatConditions(either), 'value < 1 or value >= 100');
  });

  test('malformed thresholds throw QUARRY_BAD_CHECK naming the text', () => {
    assert.throws(() => normalizeThreshold({ count: '=>1' as never }, 'Check "x"'), /threshold bound "=>1" is malformed/);
    assert.throws(() => normalizeThreshold({ rows: '>1' } as never, 'Check "x"'), /threshold field "rows" is unknown/);
    assert.throws(() => normalizeThreshold({}, 'Check "x"'), badCheck);
  });
});

describe('check factories', () => {
  test('return frozen declarations an asset can carry', () => {
    const checks: AssetCheckDeclaration[] = [
      schemaContract(z.object({ a: z.string() })),
      notNull('a'),
      nullPercentage('a', { max: 5 }),
      acceptedRange('a', { min: 0 }),
      acceptedValues('a', ['x']),
      unique(['a', 'b']),
      referentialIntegrity('a', { to: 'raw/creators' }),
      rowCount({ min: 1 }),
      rowCountChange({ maxChangeRatio: 0.5 }),
      freshness('ts', { maxAgeHours: 24 }),
      zScore({ value: 'v', by: 'k', window: 30, threshold: 3 }),
      aggregateReconciliation({ left: { value: 'a' }, right: { from: 'raw/x', value: 'b' } }),
      customSql({ name: 'c', sql: 'select 1' }),
    ];
    for (const check of checks) {
      assert.ok(Object.isFrozen(check), check.name);
      assert.ok(isCheckDeclaration(check), check.name);
    }
    assert.deepEqual(
      checks.map((c) => c.name),
      [
        'schema_contract',
        'not_null_a',
        'null_percentage_a',
        'accepted_range_a',
        'accepted_values_a',
        'unique_a_b',
        'referential_integrity_a',
        'row_count',
        'row_count_change',
        'freshness_ts',
        'z_score_v_by_k',
        'aggregate_reconciliation_a_b',
        'c',
      ],
    );
    const asset = defineAsset({ key: 'marts/x', sql: 'select 1 as a', checks });
    assert.equal(asset.checks.length, 13);
  });

  test('severity and thresholds resolve from the options', () => {
    assert.deepEqual(notNull('a'), {
      name: 'not_null_a',
      kind: 'notNull',
      description: undefined,
      severity: 'error',
      blocking: false,
      dimension: 'completeness',
      warnIf: [],
      errorIf: [{ count: '>0' }],
      columns: ['a'],
    });
    const warnOnly = notNull('a', { warnIf: { ratio: '>0.1' } });
    assert.equal(warnOnly.severity, 'warn');
    assert.deepEqual(warnOnly.errorIf, []);
    assert.deepEqual(warnOnly.warnIf, [{ ratio: '>0.1' }]);
    const alert = nullPercentage('bio', { max: 5, severity: 'warn' });
    assert.deepEqual(alert.warnIf, [{ ratio: '>0.05' }]);
    assert.deepEqual(alert.errorIf, []);
    const twoLevel = nullPercentage('bio', { max: 20, warnIf: { ratio: '>0.05' } });
    assert.equal(twoLevel.severity, 'error');
    assert.deepEqual(twoLevel.errorIf, [{ ratio: '>0.2' }]);
    assert.deepEqual(rowCount({ min: 1, max: 10 }).errorIf, [{ value: '<1' }, { value: '>10' }]);
    assert.equal(customSql({ name: 'v', sql: 'select 1', returns: 'value', warnIf: { value: '>1' } }).severity, 'warn');
    assert.equal(unique('id', { blocking: true, dimension: 'consistency' }).dimension, 'consistency');
  });

  test('invalid declarations throw QUARRY_BAD_CHECK with the offending value', () => {
    assert.throws(() => notNull([]), badCheck);
    assert.throws(() => notNull('a', { name: 'has space' }), /Check name "has space" is not allowed/);
    assert.throws(() => notNull('a', { severity: 'warn', errorIf: { count: '>0' } }), /a 'warn' check cannot fail/);
    assert.throws(() => nullPercentage('a', { max: 120 }), /max is a percentage between 0 and 100, got 120/);
    assert.throws(() => nullPercentage('a', { max: 5, errorIf: { count: '>0' } }), /own bounds or errorIf, not both/);
    assert.throws(() => acceptedRange('a', {}), /needs min, max or both/);
    assert.throws(() => acceptedValues('a', []), badCheck);
    assert.throws(() => referentialIntegrity('a', { to: 'bad key!' }), (e) => isQuarryError(e, 'QUARRY_BAD_ASSET_KEY'));
    assert.throws(() => referentialIntegrity(['a', 'b'], { to: 'raw/x', column: 'a' }), /2 column\(s\) refer to 1/);
    assert.throws(() => rowCount({}), /nothing can breach it/);
    assert.throws(() => rowCountChange({ maxChangeRatio: -1 }), badCheck);
    assert.throws(() => freshness('ts', { maxAgeHours: Number.NaN }), badCheck);
    assert.throws(() => zScore({ window: 30, threshold: 3 }), /exactly one of value/);
    assert.throws(() => zScore({ value: 'v', window: 1, threshold: 3 }), /window is a whole number/);
    assert.throws(() => zScore({ value: 'v', window: 5, threshold: 3, minHistory: 6 }), /minHistory/);
    assert.throws(() => aggregateReconciliation({ left: { value: 'a', by: ['k', 'j'] }, right: { value: 'b', by: 'k' } }), /give as many on both sides/);
    assert.throws(() => customSql({ name: 'v', sql: 'select 1', returns: 'value' }), /nothing can breach it/);
    assert.throws(() => customSql({ name: 'v', sql: ' ' }), badCheck);
  });

  test('checkRequirements lists the history and references an executor must provide', () => {
    assert.deepEqual(
      checkRequirements([
        notNull('a'),
        zScore({ value: 'v', by: 'k', window: 30, threshold: 3 }),
        rowCountChange({ maxChangeRatio: 0.5 }),
        referentialIntegrity('creator_id', { to: 'raw/creators' }),
        aggregateReconciliation({ left: { from: 'raw/videos', value: 'views' }, right: { value: 'total_views' }, by: 'creator_id' }),
        customSql({ name: 'c', sql: 'select * from {{target}} t join {{ref:raw/tags}} g using (id)' }),
        schemaContract(),
      ]),
      { historyPartitions: 30, references: ['raw/creators', 'raw/tags', 'raw/videos'], needsAssetSchema: true },
    );
    assert.deepEqual(checkRequirements([]), { historyPartitions: 0, references: [], needsAssetSchema: false });
  });
});
