import type { ErrorResponse } from '../api-schemas.ts';

/** An answer of the API that was not 2xx: its status, Quarry code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const TOKEN_KEY = 'quarry.token';

/** The token for mutating calls, kept for the browser session only. */
export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** Remembers (or forgets, with '') the token for this browser session. */
export function storeToken(token: string): void {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

const UNMASK_TOKEN_KEY = 'quarry.unmaskToken';

/**
 * Moves a `?token=` (and an `?unmask_token=`, which lets this session see PII values) from the
 * address bar into session storage, so neither is left in history.
 */
export function adoptTokenFromUrl(): void {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  const unmask = url.searchParams.get('unmask_token');
  if (token === null && unmask === null) return;
  if (token !== null) storeToken(token);
  if (unmask !== null) sessionStorage.setItem(UNMASK_TOKEN_KEY, unmask);
  url.searchParams.delete('token');
  url.searchParams.delete('unmask_token');
  history.replaceState(null, '', url.toString());
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const token = storedToken();
  if (method !== 'GET' && token) headers['authorization'] = `Bearer ${token}`;
  const unmask = sessionStorage.getItem(UNMASK_TOKEN_KEY);
  if (unmask) headers['x-quarry-unmask-token'] = unmask;
  const response = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), ...(signal ? { signal } : {}) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = json as Partial<ErrorResponse> | undefined;
    throw new ApiError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `${method} ${path} answered ${response.status}.`);
  }
  return json as T;
}

/** Encodes an asset key as one path segment (`raw/creators` → `raw%2Fcreators`). */
export function keySegment(key: string): string {
  return encodeURIComponent(key);
}

/** Builds a query string from defined values. */
export function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The JSON API client of the SPA. */
export const api = {
  get: <T>(path: string, signal?: AbortSignal) => call<T>('GET', path, undefined, signal),
  post: <T>(path: string, body: unknown) => call<T>('POST', path, body),
};
