import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuarryError } from '../errors.ts';
import { classifyStepError, toStepErrorInfo } from './classify-step-error.ts';

test('classifyStepError sorts errors into fatal, transient, lease_held and blocked', () => {
  const cases: [unknown, string][] = [
    [new QuarryError('QUARRY_SQL_ERROR', 'x'), 'fatal'],
    [new QuarryError('QUARRY_BAD_COMPUTE_RESULT', 'x'), 'fatal'],
    [new QuarryError('QUARRY_BAD_PARTITION_KEY', 'x'), 'fatal'],
    [new QuarryError('QUARRY_MISSING_ASSET', 'x'), 'fatal'],
    [new QuarryError('QUARRY_LEASE_HELD', 'x'), 'lease_held'],
    [new QuarryError('QUARRY_CHECK_BLOCKED', 'x'), 'blocked'],
    [new QuarryError('QUARRY_ENGINE_ERROR', 'x'), 'transient'],
    [new QuarryError('QUARRY_COMPUTE_ERROR', 'x'), 'transient'],
    [new Error('ECONNRESET'), 'transient'],
    [Object.assign(new Error('rate limited forever'), { retryable: false }), 'fatal'],
    [Object.assign(new QuarryError('QUARRY_SQL_ERROR', 'deadlock'), { retryable: true }), 'transient'],
    ['a string', 'transient'],
    [undefined, 'transient'],
  ];
  assert.deepEqual(
    cases.map(([error]) => classifyStepError(error)),
    cases.map(([, kind]) => kind),
  );
});

test('toStepErrorInfo keeps codes, drops stacks of QuarryErrors and copes with non-errors', () => {
  assert.deepEqual(toStepErrorInfo(new QuarryError('QUARRY_SQL_ERROR', 'bad')), { name: 'QuarryError', message: 'bad', code: 'QUARRY_SQL_ERROR', retryable: false });
  const plain = toStepErrorInfo(new TypeError('x is undefined'));
  assert.equal(plain.name, 'TypeError');
  assert.equal(plain.retryable, true);
  assert.match(plain.stack ?? '', /TypeError: x is undefined/);
  assert.deepEqual(toStepErrorInfo({ reason: 'odd' }), { name: 'Error', message: '{"reason":"odd"}', retryable: true });
  assert.deepEqual(toStepErrorInfo('boom'), { name: 'Error', message: 'boom', retryable: true });
});
