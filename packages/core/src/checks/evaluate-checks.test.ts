import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { createDuckDbCheckRunner } from '../engines/duckdb/index.ts';
import { isQuarryError } from '../errors.ts';
import {
  acceptedRange,
  acceptedValues,
  aggregateReconciliation,
  blockingFailures,
  compileCheckQueries,
  customSql,
  evaluateChecks,
  freshness,
  notNull,
  nullPercentage,
  referentialIntegrity,
  rowCount,
  rowCountChange,
  schemaContract,
  unique,
  worstStatus,
  zScore,
  type CheckDeclaration,
  type CheckDialectName,
  type CheckQueryRunner,
  type CheckResult,
  type CheckStatus,
} from './index.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let runner: CheckQueryRunner;
let tableNo = 0;

before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  runner = createDuckDbCheckRunner(connection);
});

after(() => {
  connection.closeSync();
  instance.closeSync();
});

/** Creates a fresh table from a SELECT and returns its name. */
async function table(select: string): Promise<string> {
  const name = `t${++tableNo}`;
  await runner.query(`CREATE TABLE ${name} AS ${select}`);
  return name;
}

async function one(check: CheckDeclaration, target: string, extra: Parameters<typeof evaluateChecks>[3] = {}, relations: Omit<Parameters<typeof evaluateChecks>[2], 'target'> = {}): Promise<CheckResult> {
  const [result] = await evaluateChecks(runner, [check], { target, ...relations }, extra);
  assert.ok(result);
  return result;
}

async function statuses(check: CheckDeclaration, targets: readonly string[], extra: Parameters<typeof evaluateChecks>[3] = {}, relations: Omit<Parameters<typeof evaluateChecks>[2], 'target'> = {}): Promise<CheckStatus[]> {
  const out: CheckStatus[] = [];
  for (const target of targets) out.push((await one(check, target, extra, relations)).status);
  return out;
}

/** 100 rows, of which `nulls` have a NULL in column a. */
function withNulls(nulls: number): string {
  return `SELECT i AS id, CASE WHEN i < ${nulls} THEN NULL ELSE i END AS a, 'x' AS b FROM range(100) r(i)`;
}

describe('notNull', () => {
  test('passes with no NULL and fails with one NULL in any of its columns', async () => {
    const clean = await table(withNulls(0));
    const dirty = await table(`SELECT * REPLACE (CASE WHEN id = 50 THEN NULL ELSE b END AS b) FROM (${withNulls(0)})`);
    assert.deepEqual(await statuses(notNull(['a', 'b']), [clean, dirty]), ['passed', 'failed']);
    const failed = await one(notNull(['a', 'b']), dirty);
    assert.equal(failed.failingCount, 1);
    assert.equal(failed.totalCount, 100);
    assert.equal(failed.failingRatio, 0.01);
    assert.equal(failed.sample.length, 1);
    assert.equal(failed.sample[0]?.id, 50);
    assert.equal(failed.threshold, 'fail if count > 0');
  });

  test('warns at exactly 5 % and fails above it with warnIf/errorIf', async () => {
    const check = notNull('a', { warnIf: { count: '>0' }, errorIf: { ratio: '>0.05' } });
    const targets = [await table(withNulls(0)), await table(withNulls(5)), await table(withNulls(6))];
    assert.deepEqual(await statuses(check, targets), ['passed', 'warned', 'failed']);
    assert.equal(check.severity, 'error');
    assert.equal((await one(check, targets[1]!)).threshold, 'fail if ratio > 0.05; warn if count > 0');
  });

  test('a warn-severity check never fails', async () => {
    const check = notNull('a', { severity: 'warn' });
    assert.deepEqual(await statuses(check, [await table(withNulls(0)), await table(withNulls(100))]), ['passed', 'warned']);
  });
});

describe('nullPercentage', () => {
  // 10,000 rows: 500 NULLs is 5.00 %, 501 is 5.01 %.
  const rows = (nulls: number) => `SELECT i AS id, CASE WHEN i < ${nulls} THEN NULL ELSE 'bio' END AS bio FROM range(10000) r(i)`;

  test('5.00 % passes and 5.01 % fails with max 5', async () => {
    const check = nullPercentage('bio', { max: 5 });
    assert.deepEqual(await statuses(check, [await table(rows(500)), await table(rows(501))]), ['passed', 'failed']);
    const r = await one(check, await table(rows(501)));
    assert.equal(r.observedValue, 5.01);
    assert.equal(r.failingCount, 501);
    assert.equal(r.threshold, 'fail if ratio > 0.05');
  });

  test('the design alert: warn above 5 %, fail above 20 %', async () => {
    const check = nullPercentage('bio', { max: 20, warnIf: { ratio: '>0.05' } });
    const targets = [await table(rows(500)), await table(rows(501)), await table(rows(2000)), await table(rows(2001))];
    assert.deepEqual(await statuses(check, targets), ['passed', 'warned', 'warned', 'failed']);
  });

  test('a fractional max is exact too: 5.01 % passes max 5.01', async () => {
    assert.deepEqual(await statuses(nullPercentage('bio', { max: 5.01 }), [await table(rows(501)), await table(rows(502))]), ['passed', 'failed']);
  });
});

describe('acceptedRange', () => {
  test('inclusive bounds accept the bounds themselves; NULLs are not failures', async () => {
    const edges = await table(`SELECT * FROM (VALUES (0.0::DOUBLE), (1.0), (0.5), (NULL)) t(rate)`);
    const over = await table(`SELECT * FROM (VALUES (0.0::DOUBLE), (1.0000001)) t(rate)`);
    assert.deepEqual(await statuses(acceptedRange('rate', { min: 0, max: 1 }), [edges, over]), ['passed', 'failed']);
    const open = await one(acceptedRange('rate', { min: 0, max: 1, inclusive: false }), edges);
    assert.equal(open.status, 'failed');
    assert.equal(open.failingCount, 2);
  });

  test('warns and fails at exact ratios', async () => {
    const rows = (bad: number) => `SELECT CASE WHEN i < ${bad} THEN -1 ELSE i END AS followers FROM range(200) r(i)`;
    const check = acceptedRange('followers', { min: 0, warnIf: { count: '>=1' }, errorIf: { ratio: '>0.01' } });
    assert.deepEqual(await statuses(check, [await table(rows(0)), await table(rows(2)), await table(rows(3))]), ['passed', 'warned', 'failed']);
  });

  test('timestamp bounds given as text or Date', async () => {
    const t = await table(`SELECT * FROM (VALUES (TIMESTAMP '2026-01-01 00:00:00'), (TIMESTAMP '2026-01-31 23:59:59')) t(ts)`);
    assert.equal((await one(acceptedRange('ts', { min: '2026-01-01', max: new Date('2026-02-01T00:00:00Z') }), t)).status, 'passed');
    assert.equal((await one(acceptedRange('ts', { min: '2026-01-01 00:00:01' }), t)).failingCount, 1);
  });
});

describe('acceptedValues', () => {
  test('values outside the list fail; NULL does not', async () => {
    const ok = await table(`SELECT * FROM (VALUES ('dance'), ('food'), (NULL)) t(category)`);
    const bad = await table(`SELECT * FROM (VALUES ('dance'), ('opera'), ('opera')) t(category)`);
    const check = acceptedValues('category', ['dance', 'food', 'comedy']);
    assert.deepEqual(await statuses(check, [ok, bad]), ['passed', 'failed']);
    const r = await one(check, bad, { sampleSize: 1 });
    assert.equal(r.failingCount, 2);
    assert.deepEqual(r.sample, [{ category: 'opera' }]);
  });

  test('warns below and fails above a count threshold', async () => {
    const rows = (bad: number) => `SELECT CASE WHEN i < ${bad} THEN 3 ELSE 1 END AS tier FROM range(50) r(i)`;
    const check = acceptedValues('tier', [1, 2], { warnIf: { count: '>0' }, errorIf: { count: '>2' } });
    assert.deepEqual(await statuses(check, [await table(rows(0)), await table(rows(2)), await table(rows(3))]), ['passed', 'warned', 'failed']);
  });
});

describe('unique', () => {
  test('integer keys (bitmap path): surplus rows counted, NULL keys ignored, duplicates sampled', async () => {
    const t = await table(`SELECT * FROM (VALUES (1), (2), (2), (3), (3), (3), (NULL), (NULL)) t(video_id)`);
    const r = await one(unique('video_id'), t);
    assert.equal(r.status, 'failed');
    assert.equal(r.failingCount, 3);
    assert.equal(r.totalCount, 8);
    assert.deepEqual(r.sample, [
      { video_id: 3, duplicate_count: 3 },
      { video_id: 2, duplicate_count: 2 },
    ]);
    assert.equal((await one(unique('video_id'), await table(`SELECT i AS video_id FROM range(1000) r(i)`))).status, 'passed');
  });

  test('integer keys spread wider than the bitmap fall back to counting distinct', async () => {
    const t = await table(`SELECT * FROM (VALUES (0::BIGINT), (1000000000000), (1000000000000), (-5)) t(id)`);
    assert.equal((await one(unique('id'), t)).failingCount, 1);
  });

  test('composite text keys, with exact warn and fail counts', async () => {
    const rows = (dups: number) => `SELECT 'c' || (i % 10) AS creator_id, CASE WHEN i < ${10 + dups} THEN 'd1' ELSE 'd' || i END AS day FROM range(40) r(i)`;
    const check = unique(['creator_id', 'day'], { warnIf: { count: '>0' }, errorIf: { count: '>2' } });
    assert.deepEqual(await statuses(check, [await table(rows(0)), await table(rows(2)), await table(rows(3))]), ['passed', 'warned', 'failed']);
  });
});

describe('referentialIntegrity', () => {
  test('orphans fail; NULL references are ignored; composite keys work', async () => {
    const creators = await table(`SELECT i AS creator_id, 'tt' AS platform FROM range(10) r(i)`);
    const good = await table(`SELECT i % 10 AS creator_id, 'tt' AS platform FROM range(30) r(i) UNION ALL SELECT NULL, 'tt'`);
    const bad = await table(`SELECT i % 12 AS creator_id, 'tt' AS platform FROM range(24) r(i)`);
    const check = referentialIntegrity('creator_id', { to: 'raw/creators' });
    const refs = { references: { 'raw/creators': creators } };
    assert.deepEqual(await statuses(check, [good, bad], {}, refs), ['passed', 'failed']);
    const r = await one(check, bad, {}, refs);
    assert.equal(r.failingCount, 4);
    assert.deepEqual(
      r.sample.map((s) => s.creator_id),
      [10, 11, 10, 11],
    );
    const composite = referentialIntegrity(['creator_id', 'platform'], { to: { key: 'raw/creators' }, errorIf: { ratio: '>0.1' } });
    const mixed = await table(`SELECT i AS creator_id, CASE WHEN i < 2 THEN 'yt' ELSE 'tt' END AS platform FROM range(10) r(i)`);
    assert.equal((await one(composite, mixed, {}, refs)).status, 'failed');
    const few = await table(`SELECT i AS creator_id, CASE WHEN i < 1 THEN 'yt' ELSE 'tt' END AS platform FROM range(10) r(i)`);
    assert.equal((await one(composite, few, {}, refs)).status, 'passed');
  });

  test('a missing reference relation errors without stopping other checks', async () => {
    const t = await table(`SELECT 1 AS creator_id`);
    const [ri, rc] = await evaluateChecks(runner, [referentialIntegrity('creator_id', { to: 'raw/creators' }), rowCount({ min: 1 })], { target: t });
    assert.equal(ri?.status, 'errored');
    assert.match(ri?.message ?? '', /relations\.references has no relation for it/);
    assert.equal(rc?.status, 'passed');
  });
});

describe('rowCount', () => {
  test('bounds are inclusive; warnIf adds an early warning', async () => {
    const check = rowCount({ min: 10, max: 20, warnIf: { value: '<15' } });
    const sizes = [9, 10, 14, 15, 20, 21];
    const targets = await Promise.all(sizes.map((n) => table(`SELECT i FROM range(${n}) r(i)`)));
    assert.deepEqual(await statuses(check, targets), ['failed', 'warned', 'warned', 'passed', 'passed', 'failed']);
    const r = await one(check, targets[0]!);
    assert.equal(r.observedValue, 9);
    assert.equal(r.threshold, 'fail if value < 10 or value > 20; warn if value < 15');
  });
});

describe('rowCountChange', () => {
  const history = `SELECT '2026-01-01' AS _partition_key, i FROM range(100) r(i) UNION ALL SELECT '2026-01-02', i FROM range(200) r(i) UNION ALL SELECT '2026-01-04', i FROM range(5) r(i)`;

  test('exactly ±50 % passes, beyond fails, against the latest earlier partition', async () => {
    const hist = await table(history);
    const check = rowCountChange({ maxChangeRatio: 0.5 });
    const sizes = [99, 100, 300, 301];
    const targets = await Promise.all(sizes.map((n) => table(`SELECT i FROM range(${n}) r(i)`)));
    assert.deepEqual(await statuses(check, targets, { partitionKey: '2026-01-03' }, { history: hist }), ['failed', 'passed', 'passed', 'failed']);
    const r = await one(check, targets[3]!, { partitionKey: '2026-01-03' }, { history: hist });
    assert.equal(r.observedValue, 0.505);
    assert.match(r.message, /against 200 in partition "2026-01-02": \+50\.5 %/);
  });

  test('no earlier partition passes; no history relation errors', async () => {
    const hist = await table(history);
    const t = await table(`SELECT 1 AS i`);
    const first = await one(rowCountChange({ maxChangeRatio: 0.1 }), t, { partitionKey: '2025-12-31' }, { history: hist });
    assert.equal(first.status, 'passed');
    assert.equal(first.observedValue, null);
    assert.equal((await one(rowCountChange({ maxChangeRatio: 0.1 }), t, { partitionKey: '2026-01-03' })).status, 'errored');
  });
});

describe('freshness', () => {
  const end = new Date('2026-01-16T00:00:00Z');

  test('exactly maxAgeHours before the partition end passes; a microsecond more fails', async () => {
    const fresh = await table(`SELECT TIMESTAMP '2026-01-15 00:00:00' AS updated_at UNION ALL SELECT TIMESTAMP '2026-01-10 00:00:00'`);
    const stale = await table(`SELECT TIMESTAMP '2026-01-14 23:59:59.999999' AS updated_at`);
    const check = freshness('updated_at', { maxAgeHours: 24 });
    assert.deepEqual(await statuses(check, [fresh, stale], { partitionEnd: end }), ['passed', 'failed']);
    assert.equal((await one(check, fresh, { partitionEnd: end })).observedValue, 24);
  });

  test('warn severity, relativeTo now, DATE columns and empty partitions', async () => {
    const dates = await table(`SELECT DATE '2026-01-15' AS day`);
    const warnCheck = freshness('day', { maxAgeHours: 12, severity: 'warn' });
    assert.equal((await one(warnCheck, dates, { partitionEnd: end })).status, 'warned');
    const nowCheck = freshness('day', { maxAgeHours: 48, relativeTo: 'now' });
    assert.equal((await one(nowCheck, dates, { partitionEnd: end, now: new Date('2026-01-17T00:00:00Z') })).status, 'passed');
    assert.equal((await one(nowCheck, dates, { partitionEnd: end, now: new Date('2026-01-17T00:00:01Z') })).status, 'failed');
    const empty = await table(`SELECT DATE '2026-01-15' AS day WHERE false`);
    const r = await one(freshness('day', { maxAgeHours: 1000 }), empty, { partitionEnd: end });
    assert.equal(r.status, 'failed');
    assert.match(r.message, /stale/);
  });
});

describe('zScore', () => {
  // 40 daily partitions; the last 30 alternate 8 / 12 (mean 10, population sd 2), older ones are wild.
  const historySql = `SELECT strftime(DATE '2026-01-01' + INTERVAL (p) DAY, '%Y-%m-%d') AS _partition_key, 'c' || k AS creator_id,
      CASE WHEN p < 10 THEN 1000 WHEN k = 2 THEN 5 WHEN p % 2 = 0 THEN 8 ELSE 12 END AS follower_delta
    FROM range(40) a(p), range(3) b(k)`;
  const key = '2026-02-10';

  test('per key: |z| = 3 passes, beyond fails, a constant history fails on any change', async () => {
    const hist = await table(historySql);
    const check = zScore({ value: 'follower_delta', by: 'creator_id', window: 30, threshold: 3 });
    const at = await table(`SELECT * FROM (VALUES ('c0', 16), ('c1', 4), ('c2', 5), ('c3', 1000000)) t(creator_id, follower_delta)`);
    const r = await one(check, at, { partitionKey: key }, { history: hist });
    assert.equal(r.status, 'passed', r.message);
    assert.equal(r.totalCount, 3, 'c3 has no history and is skipped');
    assert.equal(r.observedValue, 3);
    const beyond = await table(`SELECT * FROM (VALUES ('c0', 17), ('c1', 10), ('c2', 6)) t(creator_id, follower_delta)`);
    const failed = await one(check, beyond, { partitionKey: key }, { history: hist });
    assert.equal(failed.status, 'failed');
    assert.equal(failed.failingCount, 2);
    assert.deepEqual(failed.sample[0], { creator_id: 'c2', value: 6, mean: 5, stddev: 0, z: null, history_partitions: 30 });
    assert.deepEqual(failed.sample[1], { creator_id: 'c0', value: 17, mean: 10, stddev: 2, z: 3.5, history_partitions: 30 });
  });

  test('warns on one anomalous key and fails on a ratio of them', async () => {
    const hist = await table(historySql);
    const check = zScore({ value: 'follower_delta', by: 'creator_id', window: 30, threshold: 3, warnIf: { count: '>0' }, errorIf: { ratio: '>0.34' } });
    const one1 = await table(`SELECT * FROM (VALUES ('c0', 17), ('c1', 10), ('c2', 5)) t(creator_id, follower_delta)`);
    const two = await table(`SELECT * FROM (VALUES ('c0', 17), ('c1', 3), ('c2', 5)) t(creator_id, follower_delta)`);
    assert.deepEqual(await statuses(check, [one1, two], { partitionKey: key }, { history: hist }), ['warned', 'failed']);
  });

  test('per-partition metric (daily row count) and minHistory', async () => {
    const hist = await table(historySql);
    const check = zScore({ metric: 'count(*)', window: 30, threshold: 3, name: 'daily_rows' });
    const same = await table(`SELECT i FROM range(3) r(i)`);
    const more = await table(`SELECT i FROM range(4) r(i)`);
    assert.deepEqual(await statuses(check, [same, more], { partitionKey: key }, { history: hist }), ['passed', 'failed']);
    const early = await one(zScore({ metric: 'count(*)', window: 30, threshold: 3, minHistory: 5 }), more, { partitionKey: '2026-01-04' }, { history: hist });
    assert.equal(early.status, 'passed');
    assert.equal(early.totalCount, 0);
  });
});

describe('aggregateReconciliation', () => {
  test('sum of video views ≈ creator total_views within 10 % of the creator total (exact at the edge)', async () => {
    const creators = await table(`SELECT * FROM (VALUES (1, 1000), (2, 500)) t(creator_id, total_views)`);
    const videos = (views: number) => table(`SELECT * FROM (VALUES (1, ${views - 600}), (1, 600), (2, 250), (2, 250)) t(creator_id, views)`);
    const check = aggregateReconciliation({
      left: { from: 'raw/videos', value: 'views' },
      right: { value: 'total_views' },
      by: 'creator_id',
      tolerance: { relative: 0.1 },
    });
    const results: CheckStatus[] = [];
    for (const views of [900, 1100, 1101, 899]) {
      results.push((await one(check, creators, {}, { references: { 'raw/videos': await videos(views) } })).status);
    }
    assert.deepEqual(results, ['passed', 'passed', 'failed', 'failed']);
  });

  test('absolute tolerance, keys missing on one side, warn/fail by key count', async () => {
    const left = await table(`SELECT * FROM (VALUES (1, 10), (2, 20), (3, 7)) t(k, v)`);
    const right = await table(`SELECT * FROM (VALUES (1, 15), (2, 20), (4, 5)) t(k, v)`);
    const check = aggregateReconciliation({
      left: { value: 'v' },
      right: { from: 'other/table', value: 'v' },
      by: 'k',
      tolerance: { absolute: 5 },
      warnIf: { count: '>0' },
      errorIf: { count: '>2' },
    });
    const r = await one(check, left, { sampleSize: 10 }, { references: { 'other/table': right } });
    assert.equal(r.status, 'warned');
    assert.equal(r.failingCount, 1, 'only k=3 (7 vs 0) is beyond 5; k=1 differs by exactly 5, k=4 by exactly 5');
    assert.equal(r.totalCount, 4);
    assert.deepEqual(r.sample, [{ k: 3, left_value: 7, right_value: 0, difference: 7 }]);
  });
});

describe('customSql', () => {
  test('failing rows, with placeholders', async () => {
    const t = await table(`SELECT * FROM (VALUES (1, 10, 5), (2, 10, 11)) t(id, views, likes)`);
    const check = customSql({ name: 'likes_le_views', sql: 'select * from {{target}} where likes > views and {{partition_key}} = \'2026-01-15\';' });
    const r = await one(check, t, { partitionKey: '2026-01-15' });
    assert.equal(r.status, 'failed');
    assert.deepEqual(r.sample, [{ id: 2, views: 10, likes: 11 }]);
    assert.equal((await one(check, t, { partitionKey: '2026-01-16' })).status, 'passed');
  });

  test('a single observed value judged at its exact threshold', async () => {
    const t = await table(`SELECT * FROM (VALUES (5), (15)) t(views)`);
    const check = customSql({ name: 'avg_views', returns: 'value', sql: 'select avg(views) as value from {{target}}', warnIf: { value: '<10' }, errorIf: { value: '<5' } });
    assert.equal(check.severity, 'error');
    const r = await one(check, t);
    assert.equal(r.status, 'passed');
    assert.equal(r.observedValue, 10);
    assert.equal((await one(check, await table(`SELECT 9.99 AS views`))).status, 'warned');
    assert.equal((await one(check, await table(`SELECT 4 AS views`))).status, 'failed');
    const many = customSql({ name: 'many', returns: 'value', sql: 'select * from {{target}}', errorIf: { value: '>1' } });
    assert.equal((await one(many, t)).status, 'errored');
  });

  test('an unknown placeholder errors', async () => {
    const r = await one(customSql({ name: 'x', sql: 'select * from {{nope}}' }), await table('SELECT 1 AS a'));
    assert.equal(r.status, 'errored');
    assert.match(r.message, /unknown placeholder \{\{nope\}\}/);
  });
});

describe('schemaContract', () => {
  const schema = z.object({
    creator_id: z.string(),
    followers: z.number().int().nonnegative(),
    engagement_rate: z.number().min(0).max(1),
    updated_at: z.iso.datetime(),
    verified: z.boolean().optional(),
  });

  test('passes with compatible types, fails on missing, mistyped and (optionally) extra columns', async () => {
    const good = await table(`SELECT 'c1' AS creator_id, 10::BIGINT AS followers, 0.5::DOUBLE AS engagement_rate, TIMESTAMP '2026-01-01' AS updated_at, true AS verified, 'x' AS extra`);
    assert.equal((await one(schemaContract(schema), good)).status, 'passed');
    const strict = await one(schemaContract(schema, { allowExtraColumns: false }), good);
    assert.equal(strict.status, 'failed');
    assert.deepEqual(strict.sample, [{ column: 'extra', expected: null, actual: 'VARCHAR', problem: 'extra' }]);
    const bad = await table(`SELECT 'c1' AS creator_id, 10.5::DOUBLE AS followers, '0.5' AS engagement_rate, TIMESTAMP '2026-01-01' AS updated_at`);
    const r = await one(schemaContract(schema), bad);
    assert.equal(r.status, 'failed');
    assert.equal(r.failingCount, 3);
    assert.deepEqual(
      r.sample.map((s) => `${s.column}:${s.problem}`),
      ['followers:type', 'engagement_rate:type', 'verified:missing'],
    );
  });

  test('fails on NULL in a required column and on text that is not of the column kind, naming column and rows', async () => {
    const loose = z.object({ creator_id: z.string(), followers: z.number().int(), country: z.string().nullable() });
    const t = await table(
      `SELECT * FROM (VALUES ('c1', '10', 'FR'), (NULL, '12', NULL), ('c3', 'lots', NULL), ('c4', 'n/a', 'DE')) v(creator_id, followers, country)`,
    );
    const r = await one(schemaContract(loose), t);
    assert.equal(r.status, 'failed');
    assert.equal(r.failingCount, 2, 'two columns fail: creator_id (NULL) and followers (VARCHAR with text)');
    assert.deepEqual(
      r.sample.map((s) => `${s.column}:${s.problem}${s.rows === undefined ? '' : `:${s.rows}`}`),
      ['followers:type', 'creator_id:null_in_required:1', 'followers:bad_values:2'],
    );
    assert.match(r.message, /creator_id is required but 1 row\(s\) hold NULL/);
    assert.match(r.message, /followers holds 2 text value\(s\) that are not an integer/);
    // Typed columns with a NULL only where the schema allows it pass.
    const ok = await table(`SELECT * FROM (VALUES ('c1', 10::BIGINT, NULL::VARCHAR)) v(creator_id, followers, country)`);
    assert.equal((await one(schemaContract(loose), ok)).status, 'passed');
    const nullKey = await table(`SELECT * FROM (VALUES (NULL::VARCHAR, 10::BIGINT, 'FR')) v(creator_id, followers, country)`);
    const n = await one(schemaContract(loose), nullKey);
    assert.equal(n.status, 'failed');
    assert.deepEqual(n.sample.map((s) => `${s.column}:${s.problem}`), ['creator_id:null_in_required']);
  });

  test("uses the asset's schema from the options when declared without one", async () => {
    const good = await table(`SELECT 'c1' AS creator_id, 10 AS followers, 0.5 AS engagement_rate, TIMESTAMP '2026-01-01' AS updated_at, NULL::BOOLEAN AS verified`);
    assert.equal((await one(schemaContract(), good, { schema })).status, 'passed');
    assert.equal((await one(schemaContract(), good)).status, 'errored');
  });
});

describe('evaluateChecks', () => {
  test('one shared scan: a broken check errors alone, results keep declaration order and catalog fields', async () => {
    const t = await table(`SELECT i AS video_id, CASE WHEN i = 3 THEN NULL ELSE i END AS views FROM range(10) r(i)`);
    const results = await evaluateChecks(
      runner,
      [rowCount({ min: 1 }), notNull('no_such_column', { blocking: true }), notNull('views', { blocking: true }), unique('video_id')],
      { target: t },
      { assetKey: 'marts/videos', partitionKey: '2026-01-15' },
    );
    assert.deepEqual(
      results.map((r) => [r.checkName, r.status]),
      [
        ['row_count', 'passed'],
        ['not_null_no_such_column', 'errored'],
        ['not_null_views', 'failed'],
        ['unique_video_id', 'passed'],
      ],
    );
    assert.equal(results[0]?.assetKey, 'marts/videos');
    assert.equal(results[0]?.partitionKey, '2026-01-15');
    assert.ok(Object.isFrozen(results[0]));
    assert.deepEqual(
      blockingFailures(results).map((r) => r.checkName),
      ['not_null_no_such_column', 'not_null_views'],
    );
    assert.equal(worstStatus(results), 'errored');
    // Every result is plain JSON.
    assert.deepEqual(JSON.parse(JSON.stringify(results)), results);
  });

  test('samples are JSON-safe and sized by sampleSize; 0 skips them', async () => {
    const t = await table(`SELECT i::BIGINT AS id, TIMESTAMP '2026-01-15 10:00:00' AS ts, NULL::VARCHAR AS bio, 12.5::DECIMAL(10,2) AS d FROM range(10) r(i)`);
    const r = await one(notNull('bio'), t, { sampleSize: 3 });
    assert.equal(r.sample.length, 3);
    assert.deepEqual(r.sample[0], { id: 0, ts: '2026-01-15T10:00:00.000Z', bio: null, d: 12.5 });
    assert.equal((await one(notNull('bio'), t, { sampleSize: 0 })).sample.length, 0);
  });

  test('rejects unknown declarations and duplicate names', async () => {
    const t = await table('SELECT 1 AS a');
    await assert.rejects(evaluateChecks(runner, [{ name: 'x', kind: 'nope' }], { target: t }), (e) => isQuarryError(e, 'QUARRY_BAD_CHECK'));
    await assert.rejects(evaluateChecks(runner, [notNull('a'), notNull('a')], { target: t }), /Two checks are named "not_null_a"/);
  });

  test('an unreadable target errors every check', async () => {
    const results = await evaluateChecks(runner, [rowCount({ min: 1 }), notNull('a')], { target: 'no_such_table' });
    assert.deepEqual(results.map((r) => r.status), ['errored', 'errored']);
  });
});

describe('compiled SQL per engine', () => {
  const checks = [notNull('a'), acceptedRange('r', { min: 0 }), freshness('ts', { maxAgeHours: 1 }), referentialIntegrity('k', { to: 'raw/ref' })];
  const expected: Record<CheckDialectName, { statistics: string | undefined; scan: string; ref: string }> = {
    duckdb: {
      statistics:
        'SELECT count(*) AS _q_n, min("r") AS _q_0, max("r") AS _q_1, coalesce(min("r") >= 0, TRUE) AS _q_2, epoch_us(max("ts")) AS _q_3 FROM target_view',
      scan: 'SELECT count(*) FILTER (WHERE "a" IS NULL) AS _q_0, count(*) FILTER (WHERE "r" IS NOT NULL AND NOT ("r" >= 0)) AS _q_1 FROM target_view',
      ref:
        'SELECT count(*) AS failing FROM target_view _q_t LEFT JOIN (SELECT DISTINCT "k" AS _q_k0, TRUE AS _q_found FROM ref_view WHERE "k" IS NOT NULL) _q_r ' +
        'ON _q_t."k" = _q_r._q_k0 WHERE _q_t."k" IS NOT NULL AND _q_r._q_found IS NULL',
    },
    bigquery: {
      statistics: undefined,
      scan:
        'SELECT count(*) AS _q_n, min(`r`) AS _q_0, max(`r`) AS _q_1, coalesce(min(`r`) >= 0, TRUE) AS _q_2, UNIX_MICROS(CAST(max(`ts`) AS TIMESTAMP)) AS _q_3, ' +
        'COUNTIF(`a` IS NULL) AS _q_4, COUNTIF(`r` IS NOT NULL AND NOT (`r` >= 0)) AS _q_5 FROM target_view',
      ref:
        'SELECT count(*) AS failing FROM target_view _q_t LEFT JOIN (SELECT DISTINCT `k` AS _q_k0, TRUE AS _q_found FROM ref_view WHERE `k` IS NOT NULL) _q_r ' +
        'ON _q_t.`k` = _q_r._q_k0 WHERE _q_t.`k` IS NOT NULL AND _q_r._q_found IS NULL',
    },
  };
  for (const dialect of Object.keys(expected) as CheckDialectName[]) {
    test(`${dialect}: single-table checks share the statistics and full passes; joins run alone`, () => {
      const compiled = compileCheckQueries(dialect, checks, { target: 'target_view', references: { 'raw/ref': 'ref_view' } });
      assert.equal(compiled.statistics, expected[dialect].statistics);
      assert.equal(compiled.scan, expected[dialect].scan);
      assert.deepEqual(compiled.checks.referential_integrity_k, [expected[dialect].ref]);
      assert.deepEqual(compiled.checks.not_null_a, []);
    });
  }

  test('the statistics pass settles in-range columns so the full pass skips them', async () => {
    const t = await table(`SELECT i AS r, i AS s FROM range(10) r(i)`);
    const seen: string[] = [];
    const spy: CheckQueryRunner = { dialect: 'duckdb', query: (sql) => (seen.push(sql), runner.query(sql)) };
    const results = await evaluateChecks(spy, [acceptedRange('r', { min: 0, max: 9 }), acceptedRange('s', { min: 1 }), rowCount({ min: 1 })], { target: t });
    assert.deepEqual(results.map((r) => [r.status, r.failingCount]), [['passed', 0], ['failed', 1], ['passed', null]]);
    assert.equal(seen.length, 3, 'statistics pass, full pass, one sample');
    assert.ok(!seen[1]!.includes('"r"'), seen[1]);
    assert.ok(seen[1]!.includes('"s"'), seen[1]);
  });

  test('a dialect without a statistics pass runs both passes as one query', async () => {
    const t = await table(`SELECT i AS r, NULL::INT AS n FROM range(10) r(i)`);
    const seen: string[] = [];
    const merged: CheckQueryRunner = { dialect: 'duckdb', statisticsPass: false, query: (sql) => (seen.push(sql), runner.query(sql)) };
    const results = await evaluateChecks(merged, [acceptedRange('r', { min: 0 }), nullPercentage('n', { max: 50 }), unique('r')], { target: t }, { sampleSize: 0 });
    assert.deepEqual(results.map((r) => r.status), ['passed', 'failed', 'passed']);
    assert.equal(results[2]?.failingCount, 0);
    assert.equal(seen.length, 3, 'describe, one pass, the unique count');
  });
});
