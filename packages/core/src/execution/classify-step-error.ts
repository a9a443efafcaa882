import { isQuarryError, type QuarryErrorCode } from '../errors.ts';

/**
 * What the executor does with an error a step threw: `fatal` fails the step at once, `transient`
 * retries it per the retry policy, `lease_held` retries it after a short wait without using up a
 * try (another process is writing that partition), `blocked` treats it as a blocking check.
 */
export type StepErrorKind = 'fatal' | 'transient' | 'lease_held' | 'blocked';

// Quarry errors that come out the same on every try: retrying them only delays the failure.
// (`QUARRY_BAD_*` codes are deterministic too.)
const DETERMINISTIC_CODES: ReadonlySet<QuarryErrorCode> = new Set<QuarryErrorCode>([
  'QUARRY_BAD_COMPUTE_RESULT',
  'QUARRY_RUN_CANCELLED',
  'QUARRY_ASSET_CYCLE',
  'QUARRY_DUPLICATE_ASSET',
  'QUARRY_MISSING_ASSET',
  'QUARRY_UNKNOWN_ASSET',
  'QUARRY_SCHEMA_MISMATCH',
  'QUARRY_SOURCE_MISSING',
  'QUARRY_NOT_MATERIALIZED',
  'QUARRY_NO_DYNAMIC_PARTITIONS',
  'QUARRY_ROW_VALIDATION_MISMATCH',
  'QUARRY_OBJECT_NOT_FOUND',
  'QUARRY_CATALOG_MIGRATION',
  'QUARRY_DISK_FULL', // retrying cannot make room; `quarry backfill --resume` continues once there is
  'QUARRY_CATALOG_CORRUPT',
]);

// Quarry errors that another process or a busy machine causes and that clear up by themselves.
const TRANSIENT_CODES: ReadonlySet<QuarryErrorCode> = new Set<QuarryErrorCode>(['QUARRY_CATALOG_BUSY', 'QUARRY_LEASE_HELD']);

// Quarry errors that wrap what the engine or the user's code threw: their cause decides; without a
// cause they are Quarry's own deterministic complaints (a positional parameter, a closed engine).
const WRAPPER_CODES: ReadonlySet<QuarryErrorCode> = new Set<QuarryErrorCode>(['QUARRY_ENGINE_ERROR', 'QUARRY_SQL_ERROR', 'QUARRY_COMPUTE_ERROR', 'QUARRY_CHECK_ERROR']);

/** System and driver error codes (`error.code`) of failures that clear up by themselves. */
export const TRANSIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  // network
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'ENETDOWN', 'EHOSTUNREACH', 'EHOSTDOWN',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
  // local resources and locks
  'EBUSY', 'EAGAIN', 'EMFILE', 'ENFILE', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED',
]);

/** DuckDB error classes (the message's `<Class> Error:` prefix) that no retry can fix. */
const DETERMINISTIC_DUCKDB = /^(Binder|Parser|Catalog|Conversion|Invalid Input|Invalid|Out of Range|Constraint|Not implemented|Type Mismatch|Mismatch Type|Syntax|Dependency|Permission|Sequence|Invalid Configuration) Error:/;
/** DuckDB messages of transient conditions: another process holds a file lock, a write conflict, a remote hiccup. */
const TRANSIENT_DUCKDB = /^(IO Error: Could not set lock|IO Error: .*(Resource temporarily unavailable|Too many open files|Connection (reset|refused|timed out))|Transaction Error: .*[Cc]onflict|HTTP Error: .*\b(408|429|5\d\d)\b)/;

/**
 * Classifies an error thrown by a step runner.
 *
 * `QUARRY_LEASE_HELD` → `lease_held`; `QUARRY_CHECK_BLOCKED` → `blocked`. Otherwise the error and its
 * `cause` chain are read outside in, and the first clear sign decides:
 *
 * - an own boolean `retryable` property (how an engine marks its errors, e.g. a BigQuery
 *   `rateLimitExceeded`) → `transient` when true, `fatal` when false;
 * - Quarry codes: `QUARRY_CATALOG_BUSY` → `transient`; `QUARRY_SCHEMA_MISMATCH`,
 *   `QUARRY_SOURCE_MISSING`, `QUARRY_BAD_*` and the other deterministic codes → `fatal`;
 *   `QUARRY_ENGINE_ERROR`, `QUARRY_SQL_ERROR`, `QUARRY_COMPUTE_ERROR`, `QUARRY_CHECK_ERROR` defer to
 *   their cause (`fatal` without one);
 * - a string `code` in `TRANSIENT_ERROR_CODES` (ECONNRESET, ETIMEDOUT, EAI_AGAIN, SQLITE_BUSY, …)
 *   → `transient`, any other errno-style code (ENOENT, EACCES, …) → `fatal`;
 * - an HTTP status (`status`, `statusCode` or a numeric `code`): 408, 429 and 5xx → `transient`,
 *   other 4xx → `fatal`;
 * - a `TimeoutError` → `transient`; `TypeError`, `ReferenceError`, `RangeError`, `SyntaxError`
 *   (bugs in a compute function) → `fatal`;
 * - DuckDB messages: Binder/Parser/Catalog/Conversion/… errors → `fatal`; "Could not set lock",
 *   write conflicts and HTTP 429/5xx → `transient`.
 *
 * Anything else is `fatal`: an unknown error is not retried unless it is marked transient, so a bug
 * fails in seconds instead of after 21 minutes of backoff (see docs/retries.md).
 */
export function classifyStepError(error: unknown): StepErrorKind {
  if (isQuarryError(error, 'QUARRY_LEASE_HELD')) return 'lease_held';
  if (isQuarryError(error, 'QUARRY_CHECK_BLOCKED')) return 'blocked';
  const seen = new Set<unknown>();
  for (let e: unknown = error; e !== undefined && e !== null && !seen.has(e) && seen.size < 10; e = causeOf(e)) {
    seen.add(e);
    const verdict = verdictOf(e);
    if (verdict === 'transient') return 'transient';
    if (verdict === 'fatal') return 'fatal';
    if (verdict === 'fatal_unless_cause' && causeOf(e) === undefined) return 'fatal';
  }
  return 'fatal';
}

type Verdict = 'transient' | 'fatal' | 'fatal_unless_cause' | undefined;

function verdictOf(e: unknown): Verdict {
  if (typeof e !== 'object') return typeof e === 'string' ? messageVerdict(e) : undefined;
  const fields = e as { retryable?: unknown; code?: unknown; status?: unknown; statusCode?: unknown; name?: unknown; message?: unknown };
  if (typeof fields.retryable === 'boolean') return fields.retryable ? 'transient' : 'fatal';
  if (isQuarryError(e)) {
    if (TRANSIENT_CODES.has(e.code)) return 'transient';
    if (WRAPPER_CODES.has(e.code)) return 'fatal_unless_cause';
    if (DETERMINISTIC_CODES.has(e.code) || e.code.startsWith('QUARRY_BAD_')) return 'fatal';
    return 'fatal_unless_cause';
  }
  if (typeof fields.code === 'string') {
    if (TRANSIENT_ERROR_CODES.has(fields.code)) return 'transient';
    if (/^E[A-Z]+$/.test(fields.code) || fields.code.startsWith('SQLITE_')) return 'fatal';
  }
  const status = [fields.status, fields.statusCode, fields.code].find((v) => typeof v === 'number' && Number.isInteger(v) && v >= 400 && v <= 599) as number | undefined;
  if (status !== undefined) return status === 408 || status === 429 || status >= 500 ? 'transient' : 'fatal';
  if (fields.name === 'TimeoutError') return 'transient';
  const message = typeof fields.message === 'string' ? messageVerdict(fields.message) : undefined;
  if (message !== undefined) return message;
  // A wrapper such as undici's `TypeError: fetch failed` carries the real reason in its cause.
  if (causeOf(e) !== undefined) return undefined;
  if (e instanceof TypeError || e instanceof ReferenceError || e instanceof RangeError || e instanceof SyntaxError) return 'fatal';
  return undefined;
}

function messageVerdict(message: string): Verdict {
  if (TRANSIENT_DUCKDB.test(message)) return 'transient';
  if (DETERMINISTIC_DUCKDB.test(message)) return 'fatal';
  return undefined;
}

function causeOf(e: unknown): unknown {
  return typeof e === 'object' && e !== null && 'cause' in e ? (e as { cause?: unknown }).cause : undefined;
}

/** A step error as plain data, fit for events, the catalog and JSON. */
export interface StepErrorInfo {
  /** The error's class name (`QuarryError`, `TypeError`, …). */
  readonly name: string;
  readonly message: string;
  /** The `QuarryError` code, when it is one. */
  readonly code?: string;
  /** The `QuarryError`'s details, when it has some (such as the run holding a lease: `{ runId, pid, host }`). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The stack, kept only for errors that are not `QuarryError`s (those are bugs worth a trace). */
  readonly stack?: string;
  /** Whether the executor would retry this error. */
  readonly retryable: boolean;
}

/** Turns anything a step threw into a `StepErrorInfo`. */
export function toStepErrorInfo(error: unknown, kind: StepErrorKind = classifyStepError(error)): StepErrorInfo {
  const retryable = kind === 'transient' || kind === 'lease_held';
  if (isQuarryError(error)) {
    return error.details === undefined
      ? { name: error.name, message: error.message, code: error.code, retryable }
      : { name: error.name, message: error.message, code: error.code, details: error.details, retryable };
  }
  if (error instanceof Error) {
    return error.stack === undefined
      ? { name: error.name, message: error.message, retryable }
      : { name: error.name, message: error.message, stack: error.stack, retryable };
  }
  return { name: 'Error', message: typeof error === 'string' ? error : safeString(error), retryable };
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
