import { z } from 'zod';
import { defineRoute, type ApiRoute } from './api-route.ts';
import { HttpStatusError } from './http-errors.ts';
import type { UiInstance } from './ui-instance.ts';

/** The name of a dynamic partitions definition, as a path parameter. */
const dynamicNameSchema = z.string().min(1, 'must not be empty').max(200, 'is longer than 200 characters');

/** Path parameters of the dynamic partitions routes. */
export const dynamicPartitionsParamsSchema = z.strictObject({ name: dynamicNameSchema });

// Key rules (non-empty, no control characters, no "|", at most 200 characters, no duplicates) are
// checked by core, whose errors name the bad key; the schema only bounds the request's shape.
const keyListSchema = z.array(z.string()).max(10_000, 'has more than 10,000 keys: split the change');

/** The body of `POST /api/partitions/:name/keys`: keys to add and to remove, in one all-or-nothing change. */
export const dynamicPartitionsChangeSchema = z.strictObject({ add: keyListSchema.optional(), remove: keyListSchema.optional() });

/** The keys of a dynamic partitions definition and the assets it partitions. */
export const dynamicPartitionsSchema = z.object({ name: z.string(), keys: z.array(z.string()), assets: z.array(z.string()) });

/** What a change did: the keys added, already present and removed, the removed keys that had been materialized, and the keys now. */
export const dynamicPartitionsChangeResultSchema = dynamicPartitionsSchema.extend({
  added: z.array(z.string()),
  alreadyPresent: z.array(z.string()),
  removed: z.array(z.string()),
  removedMaterialized: z.array(z.object({ key: z.string(), assets: z.array(z.string()) })),
});

function dynamicOf(instance: UiInstance): Required<Pick<UiInstance, 'dynamicPartitions' | 'updateDynamicPartitions'>> {
  if (instance.dynamicPartitions === undefined || instance.updateDynamicPartitions === undefined) {
    throw new HttpStatusError(404, 'QUARRY_NOT_FOUND', 'This server’s instance does not manage dynamic partitions.');
  }
  return { dynamicPartitions: instance.dynamicPartitions.bind(instance), updateDynamicPartitions: instance.updateDynamicPartitions.bind(instance) };
}

/**
 * The dynamic partitions routes: read the keys of a dynamic partitions definition, and add or remove
 * keys (mutating: same-origin JSON requests, with the token when the server has one). A removed key's
 * partition versions stay in the history; its partition no longer exists.
 */
export function dynamicPartitionsRoutes(instance: UiInstance): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/partitions/:name',
      tag: 'partitions',
      summary: 'The current keys of the dynamic partitions definition NAME (oldest first) and the assets it partitions.',
      params: dynamicPartitionsParamsSchema,
      query: z.strictObject({}),
      response: dynamicPartitionsSchema,
      handle: ({ params }) => dynamicOf(instance).dynamicPartitions(params.name),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/partitions/:name/keys',
      tag: 'partitions',
      summary:
        'Add and remove keys of the dynamic partitions definition NAME: {"add": [...], "remove": [...]}. All or nothing: a bad key (empty, duplicate, control character, "|", over 200 characters, or removing an absent key) changes nothing.',
      params: dynamicPartitionsParamsSchema,
      body: dynamicPartitionsChangeSchema,
      response: dynamicPartitionsChangeResultSchema,
      mutating: true,
      handle: ({ params, body }) => dynamicOf(instance).updateDynamicPartitions(params.name, body),
    }),
  ];
}
