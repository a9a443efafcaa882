import { QuarryError, isQuarryError, type QuarryErrorCode } from '@quarry/core';
import type { ErrorResponse } from './api-schemas.ts';

/** A `QuarryError` that carries the HTTP status it must be answered with (e.g. 403, 413). */
export class HttpStatusError extends QuarryError {
  readonly statusCode: number;

  constructor(statusCode: number, code: QuarryErrorCode, message: string) {
    super(code, message);
    this.statusCode = statusCode;
  }
}

/**
 * The HTTP status of a Quarry error code: the one place codes map to statuses.
 *
 * Unknown things are 404, malformed input and plans over the limit 400, a missing token 401, a
 * foreign origin 403, a held lease or a run that cannot be changed 409, a request over its time 503;
 * anything else is a server-side failure (500).
 */
export function httpStatusForCode(code: string): number {
  if (code === 'QUARRY_UNAUTHORIZED') return 401;
  if (code === 'QUARRY_FORBIDDEN') return 403;
  if (code === 'QUARRY_PLAN_TOO_LARGE') return 400;
  if (code === 'QUARRY_REQUEST_TIMEOUT') return 503;
  if (code === 'QUARRY_LEASE_HELD' || code === 'QUARRY_RUN_NOT_RESUMABLE') return 409;
  if (code.startsWith('QUARRY_UNKNOWN_')) return 404;
  if (code.startsWith('QUARRY_BAD_') || code === 'QUARRY_ASSET_CYCLE' || code === 'QUARRY_MISSING_ASSET') return 400;
  return 500;
}

/** Fastify's own client errors (bad JSON, oversized body, wrong content type) keep their 4xx status. */
function clientStatusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/**
 * Turns anything thrown by a route into the status and body the client gets.
 * Errors that are not `QuarryError`s are bugs: their messages stay in the server log.
 */
export function errorResponseOf(error: unknown): ErrorResponse {
  if (error instanceof HttpStatusError) return { statusCode: error.statusCode, code: error.code, message: error.message };
  if (isQuarryError(error)) {
    // A QuarryError message is written for users (it names the value and the fix), so even a 500 shows it.
    return { statusCode: httpStatusForCode(error.code), code: error.code, message: error.message };
  }
  const clientStatus = clientStatusOf(error);
  if (clientStatus !== undefined) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      statusCode: clientStatus,
      code: 'QUARRY_BAD_ARGUMENT',
      message: clientStatus === 413 ? `Request body is too large (${message}): send a smaller body.` : message,
    };
  }
  return { statusCode: 500, code: 'QUARRY_INTERNAL', message: 'Internal server error; the server log has the details.' };
}
