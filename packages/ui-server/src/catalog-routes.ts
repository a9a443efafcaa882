import { z } from 'zod';
import { defineRoute, type ApiRoute } from './api-route.ts';
import { HttpStatusError } from './http-errors.ts';
import type { UiInstance } from './ui-instance.ts';

/** The data dictionary as `/api/catalog` answers it (core's `DataDictionary`). */
export const catalogSchema = z.object({
  project: z.string(),
  generatedAt: z.string(),
  assets: z.array(
    z.looseObject({
      key: z.string(),
      kind: z.string(),
      group: z.string(),
      description: z.string().optional(),
      owners: z.array(z.string()),
      tags: z.record(z.string(), z.string()),
      columns: z.array(z.looseObject({ name: z.string(), type: z.string(), description: z.string().optional(), pii: z.string(), term: z.string().optional() })),
      hasPii: z.boolean(),
      freshness: z.enum(['never', 'unknown', 'on_time', 'late']),
      updateFrequency: z.looseObject({}),
      lastMaterializedAt: z.string().optional(),
    }),
  ),
  glossary: z.array(z.looseObject({ key: z.string(), name: z.string(), definition: z.string(), synonyms: z.array(z.string()), usedBy: z.array(z.string()) })),
});

/** The catalog route: the project's data dictionary, for the UI's catalog page. */
export function catalogRoutes(instance: UiInstance): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/catalog',
      tag: 'catalog',
      summary: 'The data dictionary: every asset with its definition, owners, tags, columns (definition, PII, glossary term), update frequency and freshness, and the glossary.',
      response: catalogSchema,
      handle: () => {
        if (instance.dataDictionary === undefined) throw new HttpStatusError(404, 'QUARRY_BAD_ARGUMENT', 'This server\'s instance has no data dictionary: serve the project with quarry serve.');
        return instance.dataDictionary();
      },
    }),
  ];
}
