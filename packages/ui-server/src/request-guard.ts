import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiRoute } from './api-route.ts';
import { HttpStatusError } from './http-errors.ts';

/** Hosts a loopback-bound server answers to; any other Host header is a DNS-rebinding attempt. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True when `host` (an address or name to bind) is on the loopback interface. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.replace(/:\d+$/, '');
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Reads the token a request presents: `Authorization: Bearer T` or `X-Quarry-Token: T`. */
function presentedToken(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) return authorization.slice('Bearer '.length).trim();
  const header = request.headers['x-quarry-token'];
  return typeof header === 'string' ? header : undefined;
}

/**
 * Throws 403 when a loopback-only server is reached under a foreign Host name (DNS rebinding lets a
 * web page address 127.0.0.1 under its own name; the Host header gives it away).
 */
export function checkHost(request: FastifyRequest, loopbackOnly: boolean): void {
  if (!loopbackOnly) return;
  const host = request.headers.host;
  if (typeof host !== 'string' || !LOOPBACK_HOSTS.has(hostnameOf(host).toLowerCase()) && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostnameOf(host))) {
    throw new HttpStatusError(403, 'QUARRY_UNAUTHORIZED', `Host ${JSON.stringify(host ?? '')} is not served: this server only answers on localhost / 127.0.0.1.`);
  }
}

/** Methods that never change state; every other method must come from the server's own origin with a JSON body. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Throws unless a state-changing request (POST, PUT, PATCH, DELETE, …) is one a page of another site
 * cannot send: no `Origin` but the server's own (`null`, from sandboxed iframes and `file:` pages,
 * is refused too), no cross-site `Sec-Fetch-Site`, and a JSON content type — which a cross-origin
 * page can only send after a CORS preflight this server never answers.
 */
export function checkStateChange(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  const what = `${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`;
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const given = Array.isArray(origin) ? origin.join(', ') : origin;
    if (!isOwnOrigin(given, request.headers.host)) {
      throw new HttpStatusError(
        403,
        'QUARRY_FORBIDDEN',
        `${what} from origin ${JSON.stringify(given.slice(0, 200))} refused: state-changing requests are only accepted from the Quarry UI itself (origin http://${request.headers.host ?? 'this-server'}).`,
      );
    }
  }
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
    throw new HttpStatusError(403, 'QUARRY_FORBIDDEN', `${what} refused: the browser says it comes from another site (Sec-Fetch-Site: ${site.slice(0, 40)}); use the Quarry UI itself.`);
  }
  const type = request.headers['content-type'];
  const media = typeof type === 'string' ? (type.split(';')[0] ?? '').trim().toLowerCase() : '';
  if (media !== 'application/json') {
    throw new HttpStatusError(
      415,
      'QUARRY_FORBIDDEN',
      `${what} needs "Content-Type: application/json" (got ${type === undefined ? 'none' : JSON.stringify(String(type).slice(0, 100))}): send a JSON body, {} when there is nothing to say.`,
    );
  }
}

function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || origin === 'null') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin.toLowerCase().replace(/\/$/, '') && url.host === host.toLowerCase();
}

/** Reads the unmask token a request presents: `X-Quarry-Unmask-Token: T`, or `Authorization: Bearer T`. */
function presentedUnmaskToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-quarry-unmask-token'];
  return typeof header === 'string' ? header : presentedToken(request);
}

/** What the server lets a request do: change state (with the token) and see PII in data rows (with the unmask token). */
export interface RequestAccess {
  /** Throws 401 unless a route that is not a plain read carries the server's token (when it has one). */
  guard(route: ApiRoute, request: FastifyRequest): void;
  /** True when the server has a token and the request carries it. */
  isAuthorized(request: FastifyRequest): boolean;
  /** True when the server has an unmask token and the request carries it: only then may it see PII values. */
  canUnmask(request: FastifyRequest): boolean;
}

/**
 * The per-route access rules: every route that is not a GET (launches, cancels, and plans, which
 * cost work) needs the server's token when it has one; PII in data rows is shown only to requests
 * carrying the separate unmask token (a server without one shows PII to nobody). The state-changing
 * token does not unmask, and the unmask token changes no state.
 */
export function createRequestAccess(token: string | undefined, unmaskToken?: string): RequestAccess {
  const expected = token === undefined ? undefined : digest(token);
  const expectedUnmask = unmaskToken === undefined ? undefined : digest(unmaskToken);
  const matches = (given: string | undefined) => given !== undefined && expected !== undefined && timingSafeEqual(digest(given), expected);
  return {
    isAuthorized: (request) => matches(presentedToken(request)),
    canUnmask: (request) => {
      const given = presentedUnmaskToken(request);
      return given !== undefined && expectedUnmask !== undefined && timingSafeEqual(digest(given), expectedUnmask);
    },
    guard: (route, request) => {
      if (route.method === 'GET' || expected === undefined) return;
      const given = presentedToken(request);
      if (!matches(given)) {
        throw new HttpStatusError(
          401,
          'QUARRY_UNAUTHORIZED',
          given === undefined
            ? `${route.method} ${route.url} needs this server's token: send "Authorization: Bearer <token>".`
            : `The token sent to ${route.method} ${route.url} is wrong: use the one the server was started with (--token).`,
        );
      }
    },
  };
}
