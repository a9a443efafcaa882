import { z } from 'zod';
import { errorResponseSchema } from './api-schemas.ts';
import type { ApiRoute } from './api-route.ts';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema;
  delete out['$schema'];
  return out;
}

/** Path or query parameters of an object schema, one OpenAPI parameter per field. */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (schema === undefined) return [];
  const object = jsonSchema(schema, 'input');
  const properties = (object['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
    ...(where === 'path' && name === 'key' ? { description: 'Asset key, URL-encoded (raw/creators → raw%2Fcreators).' } : {}),
  }));
}

/**
 * The OpenAPI 3.0 document of the JSON API, generated from the same zod schemas that validate each
 * request and answer.
 */
export function openApiDocument(routes: readonly ApiRoute[], info: { title: string; version: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const errorContent = { 'application/json': { schema: jsonSchema(errorResponseSchema, 'output') } };
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const success = route.stream
      ? { description: 'A text/event-stream; each `log` event carries one of these as JSON.', content: { 'text/event-stream': { schema: jsonSchema(route.response, 'output') } } }
      : { description: 'Success.', content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } };
    const operation: JsonSchema = {
      operationId: `${route.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: route.summary,
      tags: [route.tag],
      parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
      ...(route.method !== 'GET' ? { security: [{ bearerToken: [] }, {}] } : {}),
      responses: {
        [String(route.status ?? 200)]: success,
        '400': { description: 'Malformed input (the message names the bad value), or a plan over the server limits.', content: errorContent },
        ...(route.method !== 'GET'
          ? {
              '401': { description: 'The server has a token and the request lacks it.', content: errorContent },
              '403': { description: 'The request comes from another origin (Origin, Sec-Fetch-Site).', content: errorContent },
              '415': { description: 'The request is not Content-Type: application/json.', content: errorContent },
            }
          : {}),
        ...(route.params ? { '404': { description: 'Unknown asset or run.', content: errorContent } } : {}),
      },
    };
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.0.3',
    info: {
      ...info,
      description:
        'The Quarry HTTP API: assets, partition status as ranges, materializations, checks, lineage, runs, launch and backfill. Every call that is not a GET needs `Content-Type: application/json`, no foreign Origin, and `Authorization: Bearer <token>` when the server was started with a token. PII values in check samples are masked unless the request carries the token.',
    },
    paths,
    components: { securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer' } } },
  };
}
