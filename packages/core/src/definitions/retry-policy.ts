import { QuarryError } from '../errors.ts';

/** A retry policy as the executor uses it: how many tries in all and the waits between them. */
export interface RetryPolicy {
  /** Tries in all, including the first (default 4: the first and three retries). */
  readonly maxTries: number;
  /** Waits in milliseconds before try 2, 3, … (the last value repeats; default 1 min, 5 min, 15 min). */
  readonly backoffMs: readonly number[];
}

/**
 * The default retry policy from the design: a transient failure is retried 3 times, after 1 min →
 * 5 min → 15 min. Deterministic errors are never retried (see `classifyStepError`).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxTries: 4,
  backoffMs: Object.freeze([60_000, 300_000, 900_000]),
});

/**
 * A retry policy as a project (`defineProject({ retry })`) or an asset (`defineAsset({ retry })`)
 * declares it. Omitted fields take the project's value, then `DEFAULT_RETRY_POLICY`'s.
 *
 * ```ts
 * defineProject({ name: 'shop', assets, retry: { maxAttempts: 3, backoff: ['30s', '2m'] } });
 * ```
 */
export interface RetryPolicyConfig {
  /** Tries in all, including the first: 1 turns retries off; at most 100. */
  readonly maxAttempts?: number;
  /**
   * Waits before try 2, 3, …, as durations (`'500ms'`, `'30s'`, `'5m'`, `'1h'`) or milliseconds; the
   * last one repeats when there are more retries than waits.
   */
  readonly backoff?: readonly (string | number)[];
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const MAX_WAIT_MS = 24 * 3_600_000;

/**
 * Turns a declared retry policy into the executor's `RetryPolicy`, filling what it omits from
 * `base`. Throws `QUARRY_BAD_DEFINITION` naming `where` (`Project "shop"`, `Asset "raw/orders"`) and the
 * bad value: an unknown option, a `maxAttempts` that is not a whole number from 1 to 100, a `backoff`
 * that is not a non-empty list of durations up to 24 h.
 */
export function resolveRetryPolicy(config: RetryPolicyConfig | undefined, base: RetryPolicy, where: string): RetryPolicy {
  if (config === undefined) return base;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `${where}: retry must be an object such as { maxAttempts: 4, backoff: ['1m', '5m', '15m'] }, got ${describe(config)}.`);
  }
  for (const name of Object.keys(config)) {
    if (name !== 'maxAttempts' && name !== 'backoff') {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `${where}: retry has an unknown option "${name}"; the options are maxAttempts (tries in all) and backoff (waits such as ['1m', '5m', '15m']).`);
    }
  }
  const maxTries = config.maxAttempts ?? base.maxTries;
  if (typeof maxTries !== 'number' || !Number.isInteger(maxTries) || maxTries < 1 || maxTries > 100) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `${where}: retry.maxAttempts must be a whole number from 1 (no retry) to 100, got ${describe(config.maxAttempts)}.`);
  }
  let backoffMs = base.backoffMs;
  if (config.backoff !== undefined) {
    if (!Array.isArray(config.backoff) || config.backoff.length === 0) {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `${where}: retry.backoff must be a non-empty list of waits such as ['1m', '5m', '15m'], got ${describe(config.backoff)}.`);
    }
    backoffMs = Object.freeze(config.backoff.map((wait, i) => durationMs(wait, `${where}: retry.backoff[${i}]`)));
  }
  return Object.freeze({ maxTries, backoffMs });
}

function durationMs(value: unknown, where: string): number {
  let ms: number | undefined;
  if (typeof value === 'number') ms = Number.isFinite(value) && value >= 0 ? value : undefined;
  else if (typeof value === 'string') {
    const match = DURATION.exec(value.trim());
    if (match !== null) ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  if (ms === undefined || ms > MAX_WAIT_MS) {
    throw new QuarryError(
      'QUARRY_BAD_DEFINITION',
      `${where} is ${describe(value)}; write a wait of at most 24h such as '30s', '5m' or '1h' (units ms, s, m, h), or a number of milliseconds.`,
    );
  }
  return Math.round(ms);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
