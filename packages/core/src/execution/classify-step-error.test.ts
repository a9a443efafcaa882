import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuarryError } from '../errors.ts';
import { classifyStepError, toStepErrorInfo } from './classify-step-error.ts';

const withCode = (message: string, code: string | number): Error => Object.assign(new Error(message), { code });
const wrapped = (code: 'QUARRY_SQL_ERROR' | 'QUARRY_ENGINE_ERROR' | 'QUARRY_COMPUTE_ERROR' | 'QUARRY_CHECK_ERROR', cause: unknown): QuarryError =>
  new QuarryError(code, `Asset "raw/orders" partition "2026-01-03": failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });

test('deterministic errors are fatal: DuckDB binder/parser/catalog/conversion errors, schema mismatch, missing sources, bugs, QUARRY_BAD_*', () => {
  const cases: [string, unknown][] = [
    ['SQL binder error', wrapped('QUARRY_SQL_ERROR', new Error('Binder Error: Referenced column "nope" not found in FROM clause!'))],
    ['parser error', wrapped('QUARRY_SQL_ERROR', new Error('Parser Error: syntax error at or near "selec"'))],
    ['catalog error', wrapped('QUARRY_ENGINE_ERROR', new Error('Catalog Error: Table with name orders does not exist!'))],
    ['conversion error', wrapped('QUARRY_SQL_ERROR', new Error("Conversion Error: Could not convert string 'x' to INT32"))],
    ['binder error from ctx.connection in a compute function', wrapped('QUARRY_COMPUTE_ERROR', new Error('Binder Error: column "x" not found'))],
    ['TypeError in a compute function', wrapped('QUARRY_COMPUTE_ERROR', new TypeError("Cannot read properties of undefined (reading 'id')"))],
    ['ReferenceError in a compute function', wrapped('QUARRY_COMPUTE_ERROR', new ReferenceError('rows is not defined'))],
    ['RangeError in a compute function', wrapped('QUARRY_COMPUTE_ERROR', new RangeError('Invalid array length'))],
    ['a bare TypeError', new TypeError('x is not a function')],
    ['schema mismatch', new QuarryError('QUARRY_SCHEMA_MISMATCH', 'output lacks "views"')],
    ['missing source file', new QuarryError('QUARRY_SOURCE_MISSING', 'landing/2026-01-03.csv does not exist')],
    ['missing file (ENOENT)', wrapped('QUARRY_COMPUTE_ERROR', withCode("ENOENT: no such file or directory, open 'a.csv'", 'ENOENT'))],
    ['DuckDB: no files match', wrapped('QUARRY_ENGINE_ERROR', new Error('IO Error: No files found that match the pattern "x.parquet"'))],
    ['QUARRY_BAD_COMPUTE_RESULT', new QuarryError('QUARRY_BAD_COMPUTE_RESULT', 'compute returned 42')],
    ['QUARRY_BAD_PARTITION_KEY', new QuarryError('QUARRY_BAD_PARTITION_KEY', 'bad key')],
    ['QUARRY_MISSING_ASSET', new QuarryError('QUARRY_MISSING_ASSET', 'x')],
    ['our own SQL complaint without a cause', new QuarryError('QUARRY_SQL_ERROR', 'uses a positional parameter')],
    ['HTTP 400 of a remote engine', Object.assign(new Error('Bad Request'), { status: 400 })],
    ['HTTP 403 as a numeric code', withCode('Access Denied', 403)],
    ['marked not retryable', Object.assign(new Error('rate limited forever'), { retryable: false })],
    ['an unknown error (default: not retried)', new Error('something odd')],
    ['an unknown wrapped error', wrapped('QUARRY_COMPUTE_ERROR', new Error('something odd'))],
    ['a thrown string', 'a string'],
    ['undefined', undefined],
  ];
  for (const [name, error] of cases) assert.equal(classifyStepError(error), 'fatal', name);
});

test('transient errors are retried: network errno codes, lock contention, HTTP 429/5xx, explicit retryable: true', () => {
  const cases: [string, unknown][] = [
    ['ECONNRESET from a compute function', wrapped('QUARRY_COMPUTE_ERROR', withCode('read ECONNRESET', 'ECONNRESET'))],
    ['ETIMEDOUT', withCode('connect ETIMEDOUT 10.0.0.1:443', 'ETIMEDOUT')],
    ['EAI_AGAIN', withCode('getaddrinfo EAI_AGAIN bigquery.googleapis.com', 'EAI_AGAIN')],
    ['fetch failed (TypeError with a network cause)', wrapped('QUARRY_COMPUTE_ERROR', new TypeError('fetch failed', { cause: withCode('other side closed', 'UND_ERR_SOCKET') }))],
    ['SQLITE_BUSY', wrapped('QUARRY_COMPUTE_ERROR', withCode('database is locked', 'SQLITE_BUSY'))],
    ['QUARRY_CATALOG_BUSY', new QuarryError('QUARRY_CATALOG_BUSY', 'catalog locked')],
    ['DuckDB lock on a file', wrapped('QUARRY_SQL_ERROR', new Error('IO Error: Could not set lock on file "x.duckdb": Conflicting lock is held'))],
    ['DuckDB write conflict', wrapped('QUARRY_ENGINE_ERROR', new Error('Transaction Error: Catalog write-write conflict on create with "t"'))],
    ['HTTP 429 of a remote engine', Object.assign(new Error('Too Many Requests'), { status: 429 })],
    ['HTTP 503 as statusCode', Object.assign(new Error('Service Unavailable'), { statusCode: 503 })],
    ['HTTP 500 as a numeric code (Google APIs)', withCode('backendError', 500)],
    ['a timeout', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })],
    ['marked retryable by an engine', Object.assign(new Error('rateLimitExceeded'), { retryable: true })],
    ['a QuarryError marked retryable', Object.assign(new QuarryError('QUARRY_ENGINE_ERROR', 'job backendError'), { retryable: true })],
  ];
  for (const [name, error] of cases) assert.equal(classifyStepError(error), 'transient', name);
});

test('lease and blocking-check errors keep their own kinds', () => {
  assert.equal(classifyStepError(new QuarryError('QUARRY_LEASE_HELD', 'x')), 'lease_held');
  assert.equal(classifyStepError(new QuarryError('QUARRY_CHECK_BLOCKED', 'x')), 'blocked');
});

test('toStepErrorInfo keeps codes and details, drops stacks of QuarryErrors and copes with non-errors', () => {
  assert.deepEqual(toStepErrorInfo(new QuarryError('QUARRY_SQL_ERROR', 'bad')), { name: 'QuarryError', message: 'bad', code: 'QUARRY_SQL_ERROR', retryable: false });
  assert.deepEqual(toStepErrorInfo(new QuarryError('QUARRY_LEASE_HELD', 'held', { details: { runId: 'r_1' } })), {
    name: 'QuarryError',
    message: 'held',
    code: 'QUARRY_LEASE_HELD',
    details: { runId: 'r_1' },
    retryable: true,
  });
  const plain = toStepErrorInfo(new TypeError('x is undefined'));
  assert.equal(plain.name, 'TypeError');
  assert.equal(plain.retryable, false);
  assert.match(plain.stack ?? '', /TypeError: x is undefined/);
  assert.equal(toStepErrorInfo(withCode('reset', 'ECONNRESET')).retryable, true);
  assert.deepEqual(toStepErrorInfo({ reason: 'odd' }), { name: 'Error', message: '{"reason":"odd"}', retryable: false });
  assert.deepEqual(toStepErrorInfo('boom'), { name: 'Error', message: 'boom', retryable: false });
});
