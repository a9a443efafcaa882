import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { QuarryError } from '@quarry/core';
import { serverInfoSchema } from './api-schemas.ts';
import { defineRoute, registerRoutes, type ApiRoute } from './api-route.ts';
import { piiRoutes } from './pii-routes.ts';
import { assetRoutes } from './asset-routes.ts';
import { catalogRoutes } from './catalog-routes.ts';
import { automationRoutes } from './automation-routes.ts';
import { dynamicPartitionsRoutes } from './dynamic-partitions-routes.ts';
import { HttpStatusError, errorResponseOf } from './http-errors.ts';
import { openApiDocument } from './openapi-document.ts';
import { jsonNestingDepth } from './json-depth.ts';
import { checkHost, checkStateChange, createRequestAccess, isLoopbackHost } from './request-guard.ts';
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
   * When set, requests presenting it (`X-Quarry-Unmask-Token`, or `Authorization: Bearer`) see the
   * values of PII columns in data rows; every other request sees them masked (docs/pii.md).
   */
  readonly unmaskToken?: string | undefined;
  /**
   * The host the server will listen on (default 127.0.0.1). A non-loopback host requires a token;
   * a loopback host makes the server refuse foreign Host headers (DNS rebinding).
   */
  readonly host?: string;
  /** Largest accepted request body in bytes (default 64 KiB). */
  readonly bodyLimit?: number;
  /** Fastify logger option (default off). */
  readonly logger?: FastifyServerOptions['logger'];
  /** A pino logger for the server's lines (Quarry's, from `createQuarryLogger`); wins over `logger`. */
  readonly loggerInstance?: FastifyServerOptions['loggerInstance'];
  /** Timing of the run event stream. */
  readonly stream?: Omit<RunEventStreamConfig, 'openStreams'>;
  /** Serve the web UI (default true); the JSON API is always served. */
  readonly web?: boolean;
  /** Bounds on the work one request may cause (defaults: `DEFAULT_REQUEST_LIMITS`). */
  readonly limits?: Partial<RequestLimits>;
  /** Which load of the project definition is served (when it reloads on file changes); in `/api/info`. */
  readonly definitions?: () => { readonly version: number; readonly loadedAt: string; readonly reloadError?: string };
  /** Serve these Prometheus metrics at `GET /metrics` (a prom-client registry, see core's `createMetricsRegistry`). */
  readonly metrics?: { readonly contentType: string; metrics(): Promise<string> };
}

/** Bounds on the work of one request, so no request can exhaust the server's memory or time. */
export interface RequestLimits {
  /** Most steps a plan, launch or backfill may have; larger ones are refused with 400 before planning them. */
  readonly maxPlanSteps: number;
  /** Most asset partitions a plan, launch or backfill may cover; the same 400. */
  readonly maxPlanPartitions: number;
  /** Most steps one `POST /api/plan` answer lists (it pages with `offset`/`limit`). */
  readonly maxPlanPageSteps: number;
  /** Deepest nesting of a JSON body (arrays and objects). */
  readonly maxJsonDepth: number;
  /** Longest a read or plan handler may run before the client gets 503 (ms). */
  readonly handlerTimeoutMs: number;
  /** Longest a client may take to send a whole request (ms; Fastify's `requestTimeout`). */
  readonly requestTimeoutMs: number;
  /** Longest a connection may stay idle (ms; Fastify's `connectionTimeout`; event streams send a heartbeat well within it). */
  readonly connectionTimeoutMs: number;
}

/** The default request limits: 100,000 steps or partitions per plan, 30 s per request. */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = Object.freeze({
  maxPlanSteps: 100_000,
  maxPlanPartitions: 100_000,
  maxPlanPageSteps: 10_000,
  maxJsonDepth: 32,
  handlerTimeoutMs: 30_000,
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 120_000,
});

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
  if (config.unmaskToken !== undefined && (config.unmaskToken.length < 8 || config.unmaskToken === config.token)) {
    throw new QuarryError(
      'QUARRY_BAD_CONFIG',
      config.unmaskToken.length < 8 ? 'The unmask token (QUARRY_UNMASK_TOKEN) is too short: use at least 8 characters.' : 'The unmask token (QUARRY_UNMASK_TOKEN) equals the server token: give it a different secret, so the right to see PII is granted apart from the right to launch runs.',
    );
  }
  if (config.token !== undefined && config.token.length < 8) {
    throw new QuarryError('QUARRY_BAD_CONFIG', 'The server token is too short: use at least 8 characters.');
  }
  const { instance } = config;
  const limits: RequestLimits = { ...DEFAULT_REQUEST_LIMITS, ...config.limits };
  const app = Fastify({
    ...(config.loggerInstance !== undefined ? { loggerInstance: config.loggerInstance } : { logger: config.logger ?? false }),
    bodyLimit: config.bodyLimit ?? 64 * 1024,
    forceCloseConnections: true,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: Math.max(limits.connectionTimeoutMs, 2 * (config.stream?.heartbeatMs ?? 15_000)),
    routerOptions: { maxParamLength: 300 },
    // Errors the router raises before any route or hook runs get the same JSON error body as the rest.
    frameworkErrors: (error, _request, reply) => {
      const body =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? { statusCode: 414, code: 'QUARRY_BAD_ARGUMENT', message: 'A path segment is longer than 300 characters: asset keys and run ids are shorter (encode / in an asset key as %2F).' }
          : error.code === 'FST_ERR_BAD_URL'
            ? { statusCode: 400, code: 'QUARRY_BAD_ARGUMENT', message: 'The URL path is not valid percent-encoding: encode each segment with encodeURIComponent.' }
            : errorResponseOf(error);
      return (reply as FastifyReply).code(body.statusCode).type('application/json; charset=utf-8').send(body);
    },
  });

  // JSON bodies are parsed only after their nesting is checked: 10,000 nested arrays fit in 64 KiB
  // and would otherwise overflow the stack of whatever walks them next.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonNestingDepth(text, limits.maxJsonDepth) > limits.maxJsonDepth) {
      done(new HttpStatusError(400, 'QUARRY_BAD_ARGUMENT', `The JSON body nests more than ${limits.maxJsonDepth} arrays/objects deep: Quarry requests are flat objects such as {"selection":"raw/orders"}.`), undefined);
      return;
    }
    parseJson(request, text, done);
  });

  const openStreams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...openStreams]) close();
  });
  app.addHook('onRequest', async (request) => {
    checkHost(request, loopbackOnly);
    checkStateChange(request);
  });
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

  const access = createRequestAccess(config.token, config.unmaskToken);
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
        ...(config.definitions ? { definitions: config.definitions() } : {}),
      }),
    }),
    ...assetRoutes(instance, { canSeePii: (request) => access.canUnmask(request) }),
    ...piiRoutes(instance, { canUnmask: (request) => access.canUnmask(request) }),
    ...runRoutes(instance, limits),
    ...dynamicPartitionsRoutes(instance),
    ...catalogRoutes(instance),
    ...automationRoutes(instance),
    runEventStreamRoute(instance, { ...config.stream, openStreams }),
  ];
  registerRoutes(app, routes, { guard: access.guard, handlerTimeoutMs: limits.handlerTimeoutMs });
  const document = openApiDocument(routes, { title: 'Quarry API', version: '0.1.0' });
  app.get('/api/openapi.json', async () => document);

  // Read-only text for Prometheus: a GET, so the state-change guard lets it through without a body or token.
  const metrics = config.metrics;
  if (metrics !== undefined) {
    app.get('/metrics', async (_request, reply) => {
      const text = await metrics.metrics();
      return reply.header('cache-control', 'no-store').type(metrics.contentType).send(text);
    });
  }

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
