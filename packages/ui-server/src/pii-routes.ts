import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { assetParamsSchema, partitionKeySchema, queryInteger } from './api-schemas.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import { checkPartition } from './asset-routes.ts';
import type { UiInstance } from './ui-instance.ts';

const rowsSchema = z.object({
  columns: z.array(z.looseObject({ name: z.string(), type: z.string() })),
  rows: z.array(z.record(z.string(), z.unknown())),
  truncated: z.boolean(),
  /** False when PII columns were shown as `[masked: CLASS PII]` (the request had no unmask token). */
  unmasked: z.boolean(),
});

const origin = z.object({ asset: z.string(), column: z.string() });

/** Options of `piiRoutes`. */
export interface PiiRoutesOptions {
  /** True when the request holds the server's unmask token: only then does it see PII values. */
  canUnmask(request: FastifyRequest): boolean;
}

/**
 * The routes that serve data rows, PII masked unless the request holds the unmask token: a preview
 * of one partition, a read-only query over every asset; and the project's PII columns.
 */
export function piiRoutes(instance: UiInstance, options: PiiRoutesOptions): ApiRoute[] {
  const routes: ApiRoute[] = [
    defineRoute({
      method: 'GET',
      url: '/api/pii',
      tag: 'assets',
      summary: 'Every PII column of the project, declared or propagated along column lineage, with where it comes from and the downstream columns it flows into.',
      query: z.strictObject({}),
      response: z.object({
        columns: z.array(z.object({ asset: z.string(), column: z.string(), class: z.string(), source: z.enum(['declared', 'propagated']), from: z.array(origin), flowsTo: z.array(origin), stopsAt: z.array(origin) })),
      }),
      handle: async () => ({ columns: (await instance.piiReport?.()) ?? [] }),
    }),
  ];
  if (instance.partitionRows !== undefined) {
    routes.push(
      defineRoute({
        method: 'GET',
        url: '/api/assets/:key/preview',
        tag: 'partitions',
        summary: "The rows of one partition's current version (at most `limit`, default 100). Values of PII columns (declared or propagated) are masked unless the request carries the server's unmask token.",
        params: assetParamsSchema,
        query: z.strictObject({ partition: partitionKeySchema.optional(), limit: queryInteger(1, 1000).optional() }),
        response: rowsSchema,
        handle: async ({ params, query, request }) => {
          const asset = instance.asset(params.key);
          checkPartition(instance, params.key, query.partition);
          const unmask = options.canUnmask(request);
          const result = await instance.partitionRows!(asset.key, query.partition ?? '', { limit: query.limit ?? 100, maskPii: !unmask });
          return { ...result, unmasked: unmask };
        },
      }),
    );
  }
  if (instance.query !== undefined) {
    routes.push(
      defineRoute({
        method: 'POST',
        url: '/api/query',
        tag: 'assets',
        summary:
          "One read-only SELECT over every asset (each a view: raw/orders → raw__orders), at most `limit` rows (default 1000). Values of PII columns read masked inside the views unless the request carries the server's unmask token.",
        body: z.strictObject({ sql: z.string().min(1).max(100_000), limit: z.number().int().min(1).max(10_000).optional() }),
        response: rowsSchema,
        handle: async ({ body, request }) => {
          const unmask = options.canUnmask(request);
          const result = await instance.query!(body.sql, { maxRows: body.limit ?? 1000, maskPii: !unmask });
          return { ...result, unmasked: unmask };
        },
      }),
    );
  }
  return routes;
}
