import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuarryError } from '@quarry/core';
import { HttpStatusError, errorResponseOf, httpStatusForCode } from './http-errors.ts';

test('httpStatusForCode maps Quarry codes to HTTP statuses in one place', () => {
  assert.equal(httpStatusForCode('QUARRY_UNKNOWN_ASSET'), 404);
  assert.equal(httpStatusForCode('QUARRY_UNKNOWN_RUN'), 404);
  assert.equal(httpStatusForCode('QUARRY_BAD_PARTITION_KEY'), 400);
  assert.equal(httpStatusForCode('QUARRY_BAD_SELECTION'), 400);
  assert.equal(httpStatusForCode('QUARRY_UNAUTHORIZED'), 401);
  assert.equal(httpStatusForCode('QUARRY_LEASE_HELD'), 409);
  assert.equal(httpStatusForCode('QUARRY_SQL_ERROR'), 500);
});

test('errorResponseOf keeps Quarry messages, keeps client statuses and hides bug messages', () => {
  assert.deepEqual(errorResponseOf(new QuarryError('QUARRY_UNKNOWN_ASSET', 'Unknown asset "x".')), { statusCode: 404, code: 'QUARRY_UNKNOWN_ASSET', message: 'Unknown asset "x".' });
  assert.equal(errorResponseOf(new HttpStatusError(403, 'QUARRY_UNAUTHORIZED', 'no')).statusCode, 403);
  const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
  assert.equal(errorResponseOf(tooLarge).statusCode, 413);
  const bug = errorResponseOf(new TypeError('secret internal detail'));
  assert.equal(bug.statusCode, 500);
  assert.doesNotMatch(bug.message, /secret/);
});
