import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { QuarryError } from '@quarry/core';
import { serverInfoSchema } from './api-schemas.ts';
import { defineRoute, registerRoutes, type ApiRoute } from './api-route.ts';
import { assetRoutes } from './asset-routes.ts';
import { errorResponseOf } from './http-errors.ts';
import { openApiDocument } from './openapi-document.ts';
import { checkHost, createRouteGuard, isLoopbackHost } from './request-guard.ts';
import { runEventStreamRoute, type RunEventStreamConfig } from './run-event-stream.ts';
import { runRoutes } from './run-routes.ts';
import type { UiInstance } from './ui-instance.ts';
import { buildWebBundle } from './web-bundle.ts';
import { z } from 'zod';

/** Options of `buildApp`. */
export interface UiServerConfig {
  /** The instance (project state) the server reads and launches runs on. */
  readonly instance: UiInstance;
  /** When set, mutating endpoints require `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /**
   * The host the server will listen on (default 127.0.0.1). A non-loopback host requires a token;
   * a loopback host makes the server refuse foreign Host headers (DNS rebinding).
   */
  readonly host?: string;
  /** Largest accepted request body in bytes (default 64 KiB). */
  readonly bodyLimit?: number;
  /** Fastify logger option (default off). */
  readonly logger?: FastifyServerOptions['logger'];
  /** Timing of the run event stream. */
  readonly stream?: Omit<RunEventStreamConfig, 'openStreams'>;
  /** Serve the web UI (default true); the JSON API is always served. */
  readonly web?: boolean;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
} as const;

/**
 * Builds the Quarry UI server (JSON API under /api, OpenAPI at /api/openapi.json, the web UI at /)
 * without listening, so tests drive it with `app.inject()`.
 *
 * ```ts
 * const instance = await openInstance({ projectDir: 'examples/hello' });
 * const app = await buildApp({ instance });
 * await app.listen({ host: '127.0.0.1', port: 3000 });
 * ```
 */
export async function buildApp(config: UiServerConfig): Promise<FastifyInstance> {
  const host = config.host ?? '127.0.0.1';
  const loopbackOnly = isLoopbackHost(host);
  if (!loopbackOnly && (config.token === undefined || config.token === '')) {
    throw new QuarryError(
      'QUARRY_BAD_CONFIG',
      `Refusing to serve on ${host} without a token: anyone who can reach it could launch runs. Pass --token <secret> (or bind 127.0.0.1).`,
    );
  }
  if (config.token !== undefined && config.token.length < 8) {
    throw new QuarryError('QUARRY_BAD_CONFIG', 'The server token is too short: use at least 8 characters.');
  }
  const { instance } = config;
  const app = Fastify({
    logger: config.logger ?? false,
    bodyLimit: config.bodyLimit ?? 64 * 1024,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 300 },
  });

  const openStreams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...openStreams]) close();
  });
  app.addHook('onRequest', async (request) => checkHost(request, loopbackOnly));
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    return payload;
  });
  app.setErrorHandler((error, request, reply) => {
    const body = errorResponseOf(error);
    if (body.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const hint = path.startsWith('/api/assets/') ? ' Asset keys are one path segment: encode / as %2F (raw/orders → raw%2Forders).' : '';
    return reply.code(404).send({
      statusCode: 404,
      code: 'QUARRY_NOT_FOUND',
      message: `No route ${request.method} ${path.slice(0, 200)}: see /api/openapi.json for the API.${hint}`,
    });
  });

  const routes: ApiRoute[] = [
    defineRoute({
      method: 'GET',
      url: '/api/info',
      tag: 'server',
      summary: 'The project this server serves and whether mutating calls need a token.',
      query: z.strictObject({}),
      response: serverInfoSchema,
      handle: () => ({
        project: instance.project?.name ?? 'quarry',
        projectDir: instance.projectDir,
        tokenRequired: config.token !== undefined,
        assetCount: instance.graph.keys.length,
      }),
    }),
    ...assetRoutes(instance),
    ...runRoutes(instance),
    runEventStreamRoute(instance, { ...config.stream, openStreams }),
  ];
  registerRoutes(app, routes, createRouteGuard(config.token));
  const document = openApiDocument(routes, { title: 'Quarry API', version: '0.1.0' });
  app.get('/api/openapi.json', async () => document);

  if (config.web ?? true) {
    const bundle = await buildWebBundle();
    const serve = (type: string, body: string) => async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
      reply.header('cache-control', 'no-cache').header('etag', bundle.etag).type(type);
      if (request.headers['if-none-match'] === bundle.etag) return reply.code(304).send();
      return body;
    };
    app.get('/', serve('text/html; charset=utf-8', bundle.html));
    app.get('/ui/app.js', serve('text/javascript; charset=utf-8', bundle.js));
    app.get('/ui/app.css', serve('text/css; charset=utf-8', bundle.css));
    app.get('/favicon.svg', serve('image/svg+xml', bundle.favicon));
  }
  return app;
}
