import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HttpStatusError } from './http-errors.ts';

/**
 * `T` with every array and object readonly and without index signatures, so handlers may return the
 * instance's readonly records (extra fields pass through loose schemas at run time).
 */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T as string extends K ? never : K]: DeepReadonly<T[K]> }
    : T;

/** What a route handler receives: its validated path parameters, query and body. */
export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/**
 * One JSON API route: method, URL, zod schemas for every input and for the answer, and a handler.
 *
 * The same object registers the route with Fastify and describes it in the OpenAPI document.
 */
export interface ApiRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly method: 'GET' | 'POST';
  /** Fastify-style URL (`/api/assets/:key`). */
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly response: R;
  /** Status of a successful answer (default 200). */
  readonly status?: number;
  /** Changes state: needs the token when the server has one. */
  readonly mutating?: boolean;
  /** The handler writes the answer itself (server-sent events); `response` then describes one event. */
  readonly stream?: boolean;
  handle(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<DeepReadonly<z.input<R>> | undefined> | DeepReadonly<z.input<R>> | undefined;
}

/** Declares a route with its types inferred from its schemas. */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(route: ApiRoute<P, Q, B, R>): ApiRoute {
  return route as unknown as ApiRoute;
}

/** Formats the first problems zod found as one sentence naming each bad value. */
export function describeInvalid(where: string, error: z.ZodError, input: unknown): string {
  const parts = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.');
    const value = valueAt(input, issue.path);
    const got = value === undefined ? '' : ` (got ${preview(value)})`;
    if (issue.code === 'unrecognized_keys') return `${where}${path ? ` "${path}"` : ''} has unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${where}${path ? ` "${path}"` : ''} ${issue.message}${got}`;
  });
  return `Invalid request: ${parts.join('; ')}.`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function validate<T extends z.ZodType>(schema: T | undefined, input: unknown, where: string): z.output<T> {
  if (schema === undefined) return undefined as z.output<T>;
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw new HttpStatusError(400, 'QUARRY_BAD_ARGUMENT', describeInvalid(where, result.error, input));
  return result.data;
}

/** Options of `registerRoutes`. */
export interface RegisterRoutesOptions {
  /** Throws when the request may not call the route (token rules). */
  guard(route: ApiRoute, request: FastifyRequest): void;
  /**
   * Longest a read or plan handler may take (ms): past it the client gets 503. Launches and cancels
   * are not cut short (their work is bounded by the plan limits), nor are event streams.
   */
  readonly handlerTimeoutMs?: number;
}

/** Runs `work`, or throws 503 `QUARRY_REQUEST_TIMEOUT` naming the route once `ms` have passed. */
async function withDeadline<T>(route: ApiRoute, ms: number | undefined, work: Promise<T>): Promise<T> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new HttpStatusError(503, 'QUARRY_REQUEST_TIMEOUT', `${route.method} ${route.url} took longer than ${ms / 1000} s: narrow it (a selection or a partition range) or try again later.`),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Registers routes on a Fastify app: validates inputs, runs the handler, checks the answer against its schema. */
export function registerRoutes(app: FastifyInstance, routes: readonly ApiRoute[], options: RegisterRoutesOptions): void {
  const { guard } = options;
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      handler: async (request, reply) => {
        guard(route, request);
        const params = validate(route.params, request.params, 'path parameter');
        const query = validate(route.query, request.query, 'query parameter');
        const body = route.method === 'GET' ? undefined : validate(route.body ?? z.strictObject({}), request.body, 'body field');
        const work = Promise.resolve(route.handle({ params, query, body, request, reply }));
        const answer = route.stream || route.mutating ? await work : await withDeadline(route, options.handlerTimeoutMs, work);
        if (route.stream) return reply;
        const checked = route.response.safeParse(answer);
        if (!checked.success) {
          // The handler broke its own contract: a bug, reported as one (500) with the details in the log.
          request.log.error({ issues: checked.error.issues, url: route.url }, 'response does not match its schema');
          throw new Error(`Response of ${route.method} ${route.url} does not match its schema.`);
        }
        reply.code(route.status ?? 200);
        return checked.data;
      },
    });
  }
}
