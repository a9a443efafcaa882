import type { CheckSeverity, CheckUnit, QualityDimension } from './check-declaration.ts';

/** A check's outcome: `errored` means the check itself could not run (bad SQL, missing relation). */
export type CheckStatus = 'passed' | 'warned' | 'failed' | 'errored';

import type { JsonValue } from '../catalog/catalog.ts';

export type { JsonValue };

/**
 * The result of one check on one asset partition: a plain, JSON-safe object the catalog stores as is.
 * `failingRatio` is `failingCount / totalCount` (0 when `totalCount` is 0).
 */
export interface CheckResult {
  readonly assetKey: string | null;
  readonly partitionKey: string;
  readonly checkName: string;
  readonly kind: string;
  readonly dimension: QualityDimension;
  readonly severity: CheckSeverity;
  readonly blocking: boolean;
  readonly status: CheckStatus;
  /** True only for `passed`: a warned check did not pass. */
  readonly passed: boolean;
  /** What `failingCount` / `totalCount` count. */
  readonly unit: CheckUnit;
  readonly observedValue: number | null;
  /** The thresholds as text, e.g. `fail if ratio > 0.05; warn if count > 0`. */
  readonly threshold: string;
  readonly failingCount: number | null;
  readonly totalCount: number | null;
  readonly failingRatio: number | null;
  /** Up to `sampleSize` failing rows (or keys, or mismatched columns). */
  readonly sample: readonly { readonly [key: string]: JsonValue }[];
  readonly message: string;
  readonly durationMs: number;
  /** ISO timestamp of the evaluation. */
  readonly evaluatedAt: string;
}

/** Converts an engine value into JSON: bigints become numbers (or strings past 2^53), Dates ISO text. */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toJsonValue(v);
    return out;
  }
  return String(value);
}

/** Converts a row from the engine into a JSON-safe object. */
export function toJsonRow(row: Record<string, unknown>): { [key: string]: JsonValue } {
  return toJsonValue(row) as { [key: string]: JsonValue };
}

/**
 * The results that keep a partition from being published: blocking checks that failed or errored
 * (a blocking check that could not run cannot vouch for the data).
 */
export function blockingFailures(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.blocking && (r.status === 'failed' || r.status === 'errored'));
}

/** The worst status among results (`errored` > `failed` > `warned` > `passed`); `passed` for none. */
export function worstStatus(results: readonly CheckResult[]): CheckStatus {
  const order: CheckStatus[] = ['passed', 'warned', 'failed', 'errored'];
  return results.reduce<CheckStatus>((worst, r) => (order.indexOf(r.status) > order.indexOf(worst) ? r.status : worst), 'passed');
}
