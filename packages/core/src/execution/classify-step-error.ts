import { isQuarryError, type QuarryErrorCode } from '../errors.ts';

/**
 * What the executor does with an error a step threw: `fatal` fails the step at once, `transient`
 * retries it per the asset's retry policy, `lease_held` retries it after a short wait without using
 * up a try (another process is writing that partition), `blocked` treats it as a blocking check.
 */
export type StepErrorKind = 'fatal' | 'transient' | 'lease_held' | 'blocked';

// Errors that come out the same on every try: retrying them only delays the failure.
const DETERMINISTIC_CODES: ReadonlySet<QuarryErrorCode> = new Set<QuarryErrorCode>([
  'QUARRY_SQL_ERROR',
  'QUARRY_BAD_COMPUTE_RESULT',
  'QUARRY_RUN_CANCELLED',
  'QUARRY_ASSET_CYCLE',
  'QUARRY_DUPLICATE_ASSET',
  'QUARRY_MISSING_ASSET',
  'QUARRY_UNKNOWN_ASSET',
  'QUARRY_DISK_FULL', // retrying cannot make room; `quarry backfill --resume` continues once there is
  'QUARRY_CATALOG_CORRUPT',
]);

/**
 * Classifies an error thrown by a step runner.
 *
 * `QUARRY_LEASE_HELD` → `lease_held`; `QUARRY_CHECK_BLOCKED` → `blocked`; an error with an own
 * boolean `retryable` property follows it; `QUARRY_SQL_ERROR`, `QUARRY_BAD_*` and the other
 * deterministic codes → `fatal`; anything else (network, timeouts, bugs in I/O) → `transient`.
 */
export function classifyStepError(error: unknown): StepErrorKind {
  if (isQuarryError(error, 'QUARRY_LEASE_HELD')) return 'lease_held';
  if (isQuarryError(error, 'QUARRY_CHECK_BLOCKED')) return 'blocked';
  if (typeof error === 'object' && error !== null && typeof (error as { retryable?: unknown }).retryable === 'boolean') {
    return (error as { retryable: boolean }).retryable ? 'transient' : 'fatal';
  }
  if (isQuarryError(error) && (DETERMINISTIC_CODES.has(error.code) || error.code.startsWith('QUARRY_BAD_'))) return 'fatal';
  return 'transient';
}

/** A step error as plain data, fit for events, the catalog and JSON. */
export interface StepErrorInfo {
  /** The error's class name (`QuarryError`, `TypeError`, …). */
  readonly name: string;
  readonly message: string;
  /** The `QuarryError` code, when it is one. */
  readonly code?: string;
  /** The stack, kept only for errors that are not `QuarryError`s (those are bugs worth a trace). */
  readonly stack?: string;
  /** Whether the executor would retry this error. */
  readonly retryable: boolean;
}

/** Turns anything a step threw into a `StepErrorInfo`. */
export function toStepErrorInfo(error: unknown, kind: StepErrorKind = classifyStepError(error)): StepErrorInfo {
  const retryable = kind === 'transient' || kind === 'lease_held';
  if (isQuarryError(error)) return { name: error.name, message: error.message, code: error.code, retryable };
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
