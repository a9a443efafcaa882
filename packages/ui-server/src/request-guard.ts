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

/**
 * The per-route guard: a mutating route needs the server's token (when it has one) and, from a
 * browser, a same-origin request (so another site's page cannot launch runs through the user's browser).
 */
export function createRouteGuard(token: string | undefined): (route: ApiRoute, request: FastifyRequest) => void {
  const expected = token === undefined ? undefined : digest(token);
  return (route, request) => {
    if (!route.mutating) return;
    const origin = request.headers.origin;
    if (typeof origin === 'string' && origin !== 'null') {
      let originHost: string;
      try {
        originHost = new URL(origin).host;
      } catch {
        originHost = '';
      }
      if (originHost !== request.headers.host) {
        throw new HttpStatusError(403, 'QUARRY_UNAUTHORIZED', `Cross-origin request from ${JSON.stringify(origin)} refused: launch runs from the Quarry UI itself.`);
      }
    }
    if (expected === undefined) return;
    const given = presentedToken(request);
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new HttpStatusError(
        401,
        'QUARRY_UNAUTHORIZED',
        given === undefined
          ? `${route.method} ${route.url} changes state and this server requires a token: send "Authorization: Bearer <token>".`
          : `The token sent to ${route.method} ${route.url} is wrong: use the one the server was started with (--token).`,
      );
    }
  };
}
