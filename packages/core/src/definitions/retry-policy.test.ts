import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQuarryError } from '../errors.ts';
import { defineAsset } from './asset-definition.ts';
import { defineProject } from './project-definition.ts';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicyConfig } from './retry-policy.ts';

test('defineProject takes a retry policy with durations; omitted fields keep the default', () => {
  assert.deepEqual(defineProject({ name: 'p', assets: [] }).retry, DEFAULT_RETRY_POLICY);
  assert.deepEqual(defineProject({ name: 'p', assets: [], retry: { maxAttempts: 3, backoff: ['500ms', '30s', '1.5m', '1h', 250] } }).retry, {
    maxTries: 3,
    backoffMs: [500, 30_000, 90_000, 3_600_000, 250],
  });
  assert.deepEqual(defineProject({ name: 'p', assets: [], retry: { maxAttempts: 1 } }).retry, { maxTries: 1, backoffMs: DEFAULT_RETRY_POLICY.backoffMs });
});

test("an asset's retry fields override the project's, field by field", () => {
  const project = resolveRetryPolicy({ maxAttempts: 2, backoff: ['10s'] }, DEFAULT_RETRY_POLICY, 'Project "p"');
  assert.deepEqual(resolveRetryPolicy({ maxAttempts: 5 }, project, 'Asset "a"'), { maxTries: 5, backoffMs: [10_000] });
  assert.deepEqual(resolveRetryPolicy(undefined, project, 'Asset "a"'), project);
});

test('bad retry policies are QUARRY_BAD_DEFINITION errors naming the value and what to write', () => {
  const cases: [unknown, RegExp][] = [
    [{ maxAttempts: 0 }, /^Project "p": retry\.maxAttempts must be a whole number from 1 \(no retry\) to 100, got 0\.$/],
    [{ maxAttempts: 2.5 }, /retry\.maxAttempts .* got 2\.5\./],
    [{ maxAttempts: '3' }, /retry\.maxAttempts .* got "3"\./],
    [{ backoff: [] }, /retry\.backoff must be a non-empty list of waits such as \['1m', '5m', '15m'\], got \[\]\./],
    [{ backoff: '1m' }, /retry\.backoff must be a non-empty list .* got "1m"\./],
    [{ backoff: ['1m', '5 min'] }, /^Project "p": retry\.backoff\[1\] is "5 min"; write a wait of at most 24h such as '30s', '5m' or '1h'/],
    [{ backoff: [-1] }, /retry\.backoff\[0\] is -1;/],
    [{ backoff: ['25h'] }, /retry\.backoff\[0\] is "25h"; write a wait of at most 24h/],
    [{ maxTries: 3 }, /^Project "p": retry has an unknown option "maxTries"; the options are maxAttempts \(tries in all\) and backoff/],
    ['often', /^Project "p": retry must be an object such as \{ maxAttempts: 4, backoff: \['1m', '5m', '15m'\] \}, got "often"\./],
  ];
  for (const [retry, message] of cases) {
    assert.throws(
      () => defineProject({ name: 'p', assets: [], retry: retry as RetryPolicyConfig }),
      (e: unknown) => isQuarryError(e, 'QUARRY_BAD_DEFINITION') && message.test(e.message),
      JSON.stringify(retry),
    );
  }
  assert.throws(
    () => defineAsset({ key: 'raw/a', sql: 'select 1', retry: { backoff: ['soon'] } }),
    (e: unknown) => isQuarryError(e, 'QUARRY_BAD_DEFINITION') && /^Asset "raw\/a": retry\.backoff\[0\] is "soon"/.test(e.message),
  );
});
