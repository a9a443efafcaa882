import { PII_CLASSES, type PiiClass } from '@quarry/core';
import { z } from 'zod';

// Input schemas are strict allow-lists: every path, query and body value is checked here before it
// reaches the instance (and so SQL or the filesystem). Output schemas describe what the API returns
// and are checked on the way out, so the OpenAPI document cannot drift from the responses.

const ASSET_KEY = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;
// Partition keys: dates and times (2026-01-01, 2026-01-01-13:00, 2026-01-01T13:00), static values
// (US, tier_1) and two-dimensional keys (US|2026-01-01). No slashes, no control characters.
const PARTITION_KEY = /^[A-Za-z0-9_.:|@+\- ]+$/;
const SELECTION = /^[A-Za-z0-9_.@\-/+*:=, ]+$/;
const RUN_ID = /^[A-Za-z0-9_-]+$/;
const TAG_NAME = /^[A-Za-z0-9_.\-/]+$/;

/** An asset key such as `raw/creators` (segments of letters, digits and `_`). */
export const assetKeySchema = z
  .string()
  .min(1, { error: 'must be an asset key, not empty' })
  .max(200, { error: 'must be an asset key of at most 200 characters' })
  .regex(ASSET_KEY, { error: 'must be an asset key: segments of letters, digits and _ separated by /, such as "raw/creators"' });

/** A partition key such as `2026-01-01` or `US|2026-01-01`. */
export const partitionKeySchema = z
  .string()
  .min(1, { error: 'must be a partition key, not empty' })
  .max(128, { error: 'must be a partition key of at most 128 characters' })
  .regex(PARTITION_KEY, { error: 'must be a partition key of letters, digits and _ . : | @ + - (such as "2026-01-01")' });

/** A selection in the CLI's syntax (`key`, `+key`, `key+`, `group:x`, `tag:k=v`, `owner:x`, `*`, comma-separated). */
export const selectionSchema = z
  .string()
  .min(1, { error: 'must be a selection, not empty' })
  .max(2000, { error: 'must be a selection of at most 2,000 characters' })
  .regex(SELECTION, { error: 'must use the selection syntax: comma-separated terms like key, +key, key+, group:NAME, tag:K=V, owner:X' });

/** A run id. */
export const runIdSchema = z
  .string()
  .min(1, { error: 'must be a run id, not empty' })
  .max(100, { error: 'must be a run id of at most 100 characters' })
  .regex(RUN_ID, { error: 'must be a run id (letters, digits, _ and -)' });

/** A whole number in a query string, within bounds. */
/** A whole number from `min` to `max` given as a query string value. */
export function queryInteger(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,10}$/, { error: `must be a whole number between ${min} and ${max}` })
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** Path parameters of `/api/assets/:key/...`. */
export const assetParamsSchema = z.strictObject({ key: assetKeySchema });

/** Path parameters of `/api/runs/:runId/...`. */
export const runParamsSchema = z.strictObject({ runId: runIdSchema });

/** Query of the asset list and graph. */
export const selectionQuerySchema = z.strictObject({ selection: selectionSchema.optional() });

/** Query of the partition key listing: an optional inclusive key range, paged. */
export const partitionKeysQuerySchema = z.strictObject({
  from: partitionKeySchema.optional(),
  to: partitionKeySchema.optional(),
  offset: queryInteger(0, 1_000_000_000).optional(),
  limit: queryInteger(1, 1000).optional(),
});

/** Query naming one partition (optional) of an asset. */
export const partitionQuerySchema = z.strictObject({ partition: partitionKeySchema.optional() });

/** The failure markers of an asset or one partition: its latest attempt failed (or a check blocked it). */
export const partitionFailureListSchema = z.object({
  failures: z.array(
    z.object({ partitionKey: z.string(), kind: z.enum(['failed', 'blocked']), runId: z.string().nullable(), message: z.string(), failedAt: z.string() }),
  ),
});

/** Query of an asset's check results: one partition, one check, and (with `history=true`) the earlier results the latest ones replaced. */
export const checkQuerySchema = z.strictObject({
  partition: partitionKeySchema.optional(),
  check: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}$/, { error: 'must be a check name (letters, digits and _ . : -)' })
    .optional(),
  history: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
});

/** Query naming one partition (optional) and a row limit. */
export const partitionLimitQuerySchema = z.strictObject({ partition: partitionKeySchema.optional(), limit: queryInteger(1, 1000).optional() });

/** Query of the run list. */
export const runListQuerySchema = z.strictObject({ limit: queryInteger(1, 500).optional() });

/** Query of a run's logs: events after a cursor. */
export const runLogsQuerySchema = z.strictObject({ afterId: queryInteger(0, 1_000_000_000_000).optional(), limit: queryInteger(1, 5000).optional() });

/** Which partitions a request covers: one key, an inclusive range, or a list. */
export const partitionSelectionSchema = z.union([
  z.strictObject({ key: partitionKeySchema }),
  z.strictObject({ from: partitionKeySchema, to: partitionKeySchema }),
  z.strictObject({ keys: z.array(partitionKeySchema).min(1).max(10_000) }),
]);

const tagsSchema = z
  .record(z.string().min(1).max(64).regex(TAG_NAME, { error: 'tag names use letters, digits and _ . - /' }), z.string().max(256))
  .refine((tags) => Object.keys(tags).length <= 20, { error: 'at most 20 tags' });

/** What a plan or launch covers: a selection, partitions, and whether fresh partitions run too. */
export const planScopeSchema = z.strictObject({
  selection: selectionSchema.optional(),
  partitions: partitionSelectionSchema.optional(),
  force: z.boolean().optional(),
});

/** Body of `POST /api/plan`: what would run for a selection and partitions, one page of steps at a time. */
export const planRequestSchema = planScopeSchema.extend({
  /** Index of the first step listed (default 0). */
  offset: z.number().int().min(0).max(10_000_000).optional(),
  /** Most steps listed (default 1,000). */
  limit: z.number().int().min(1).max(10_000).optional(),
});

/** Body of `POST /api/runs`: launch a materialization of a selection and partitions. */
export const launchRequestSchema = planScopeSchema.extend({
  concurrency: z.number().int().min(1).max(64).optional(),
  tags: tagsSchema.optional(),
});

/** Body of `POST /api/backfills`: launch a backfill over a partition range (or list). */
export const backfillRequestSchema = launchRequestSchema.extend({ partitions: partitionSelectionSchema });

/** The error body of every 4xx/5xx answer. */
export const errorResponseSchema = z.object({
  statusCode: z.number().int(),
  code: z.string(),
  message: z.string(),
});

const rangeList = z.array(z.tuple([z.number().int(), z.number().int()]));
const stateCounts = z.object({ fresh: z.number().int(), stale: z.number().int(), missing: z.number().int(), failed: z.number().int(), upstream_failed: z.number().int() });

/** What the UI shows of an asset as a whole: fresh, stale, missing, failed, upstream_failed (skipped: an upstream failed) or running. */
export const assetStateSchema = z.enum(['fresh', 'stale', 'missing', 'failed', 'upstream_failed', 'running']);

/** One asset's summary (core's `AssetSummary`). */
export const assetSummarySchema = z.looseObject({
  key: z.string(),
  type: z.enum(['asset', 'source']),
  description: z.string().optional(),
  group: z.string(),
  owners: z.array(z.string()),
  tags: z.record(z.string(), z.string()),
  deps: z.array(z.object({ name: z.string(), asset: z.string(), mapping: z.string() })),
  partitions: z.object({ kind: z.string(), id: z.string(), count: z.number().int(), firstKey: z.string().optional(), lastKey: z.string().optional() }).optional(),
  columns: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      nullable: z.boolean(),
      description: z.string().optional(),
      pii: z.enum(PII_CLASSES as readonly [PiiClass, ...PiiClass[]]),
      /** Set when the class was propagated along column lineage: the upstream columns it came from (`asset.column`). */
      piiFrom: z.array(z.string()).optional(),
    }),
  ),
  checks: z.array(z.looseObject({ name: z.string(), kind: z.string() })),
  kind: z.enum(['sql', 'compute', 'source']),
});

/** The partition status of one asset as index ranges per state (core's `AssetPartitionStatus`). */
export const partitionStatusSchema = z.looseObject({
  assetKey: z.string(),
  partitioned: z.boolean(),
  total: z.number().int(),
  ranges: z.object({ fresh: rangeList, stale: rangeList, missing: rangeList, failed: rangeList, upstream_failed: rangeList }),
  counts: stateCounts,
  /** Ranges that active runs are materializing right now (they overlap the ranges above). */
  running: rangeList.optional(),
  firstKey: z.string().optional(),
  lastKey: z.string().optional(),
  /** For a source asset: how many partitions were observed, and the latest observation. */
  source: z.object({ observed: z.number().int(), lastObservedAt: z.string().optional(), lastVersion: z.string().optional(), lastPartition: z.string().optional() }).optional(),
});

/** One asset with its direct neighbours, status and whether it is being materialized now. */
export const assetDetailSchema = z.object({
  asset: assetSummarySchema,
  parents: z.array(z.string()),
  children: z.array(z.string()),
  state: assetStateSchema,
  status: partitionStatusSchema,
});

/** The asset list. */
export const assetListSchema = z.object({ assets: z.array(assetSummarySchema) });

/** One node of the asset graph. */
export const graphNodeSchema = z.object({
  key: z.string(),
  group: z.string(),
  kind: z.enum(['sql', 'compute', 'source']),
  description: z.string().optional(),
  partitioned: z.boolean(),
  total: z.number().int(),
  counts: stateCounts,
  state: assetStateSchema,
});

/** The asset graph: nodes with their state, and edges from upstream to downstream. */
export const assetGraphSchema = z.object({
  project: z.string(),
  nodes: z.array(graphNodeSchema),
  edges: z.array(z.object({ from: z.string(), to: z.string() })),
});

/** A page of partition keys. */
export const partitionKeysSchema = z.object({ total: z.number().int(), offset: z.number().int(), keys: z.array(z.string()) });

/** Why a step runs. */
export const staleReasonSchema = z.looseObject({
  cause: z.string(),
  upstream: z.object({ asset: z.string(), partition: z.string() }).optional(),
  detail: z.string().optional(),
});

/** The stale partitions a plan leaves out (they need upstream partitions that do not exist, or read blocked ones), one group per asset and cause. */
export const blockedSummarySchema = z.object({
  partitionCount: z.number().int(),
  groups: z.array(
    z.object({
      assetKey: z.string(),
      cause: z.enum(['upstream_nonexistent', 'upstream_blocked']),
      partitionCount: z.number().int(),
      firstKey: z.string(),
      lastKey: z.string(),
      /** The first blocked keys (at most 20). */
      keys: z.array(z.string()),
      detail: z.string(),
      upstream: z.object({ asset: z.string(), partition: z.string() }).optional(),
      nonexistentUpstream: z.array(z.object({ asset: z.string(), from: z.string(), to: z.string(), count: z.number().int() })),
      /** Distinct nonexistent upstream ranges in all (at most 10 listed). */
      nonexistentRanges: z.number().int(),
    }),
  ),
});

/** Why one partition of an asset is stale (the reason a plan gives it), or why it cannot run. */
export const partitionStalenessSchema = z.object({
  partitionKey: z.string(),
  /** The reason it would run (`missing`, `upstream_stale` with the upstream partition, …); null when it is fresh or blocked. */
  reason: staleReasonSchema.nullable(),
  /** Set when it is stale but cannot run: needs upstream partitions that do not exist, or reads blocked ones. */
  blocked: z.object({ cause: z.string(), detail: z.string(), upstream: z.object({ asset: z.string(), partition: z.string() }).optional() }).nullable(),
});

/** A plan: one page of its steps in dependency order, each with its reason, and its size in all. */
export const planSchema = z.looseObject({
  /** Steps of the whole plan. */
  totalSteps: z.number().int(),
  /** Asset partitions the whole plan covers. */
  partitionCount: z.number().int(),
  /** Index of the first step listed. */
  offset: z.number().int(),
  steps: z.array(
    z.looseObject({
      id: z.string(),
      assetKey: z.string(),
      partitionKeys: z.array(z.string()),
      reason: staleReasonSchema,
      dependsOn: z.array(z.string()),
    }),
  ),
  /** Stale partitions left out of the plan, and why. */
  blocked: blockedSummarySchema,
});

/** A run row. */
export const runSchema = z.looseObject({ id: z.string(), status: z.string() });

/** The run list. */
export const runListSchema = z.object({ runs: z.array(runSchema) });

/** A step row of a run. */
export const stepSchema = z.looseObject({ stepId: z.string(), assetKey: z.string(), status: z.string() });

/** One run with its steps. */
export const runDetailSchema = z.object({ run: runSchema, steps: z.array(stepSchema) });

/** The steps of a run. */
export const stepListSchema = z.object({ steps: z.array(stepSchema) });

/** A run event (log line, step transition). */
export const eventSchema = z.looseObject({ id: z.number().int(), runId: z.string() });

/** A page of run events after a cursor. */
export const eventListSchema = z.object({ events: z.array(eventSchema), nextAfterId: z.number().int() });

/** The answer to a launch: the new run's id. */
export const launchResponseSchema = z.object({ runId: z.string() });

/** The answer to a cancel request. */
export const cancelResponseSchema = z.object({ runId: z.string(), status: z.string() });

/** Materializations (partition versions) of an asset, newest first. */
export const materializationListSchema = z.object({ materializations: z.array(z.looseObject({})) });

/** Check results of an asset and its quality score per partition. */
export const checkListSchema = z.object({
  results: z.array(z.looseObject({})),
  scores: z.array(z.looseObject({ partitionKey: z.string(), score: z.number() })),
});

/** Upstream and downstream lineage of an asset or one partition. */
export const lineageSchema = z.object({
  asset: z.string(),
  partition: z.string().optional(),
  upstream: z.array(z.looseObject({ asset: z.string(), partitions: z.array(z.string()).optional() })),
  downstream: z.array(z.looseObject({ asset: z.string(), partitions: z.array(z.string()).optional() })),
});

/** Query of the column lineage endpoint. */
export const columnLineageQuerySchema = z.strictObject({
  column: z
    .string()
    .min(1, { error: 'must be a column name, not empty' })
    .max(200, { error: 'must be a column name of at most 200 characters' })
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be a column name (letters, digits and _)' })
    .optional(),
  direction: z.enum(['upstream', 'downstream'], { error: 'must be upstream or downstream' }).optional(),
  version: z
    .string()
    .min(1)
    .max(200, { error: 'must be a code version of at most 200 characters' })
    .regex(/^[A-Za-z0-9_.:+\-]+$/, { error: 'must be a code version (letters, digits and _ . : + -)' })
    .optional(),
});

const columnTransformationSchema = z.object({
  type: z.enum(['DIRECT', 'INDIRECT']),
  subtype: z.string(),
  description: z.string().optional(),
  masking: z.boolean().optional(),
});
const columnRefSchema = z.object({ asset: z.string(), column: z.string() });

/** Column lineage of an asset: its own (output column → inputs) and the transitive edges of one column or all of them. */
export const columnLineageSchema = z.object({
  asset: z.string(),
  column: z.string().nullable(),
  direction: z.enum(['upstream', 'downstream']),
  codeVersion: z.string().nullable(),
  /** `recorded` when a version committed, `derived` now from the definitions, null when the asset has none. */
  origin: z.enum(['recorded', 'derived']).nullable(),
  source: z.enum(['sql', 'declared']).nullable(),
  recordedAt: z.string().nullable(),
  columns: z.record(z.string(), z.array(z.object({ asset: z.string(), column: z.string(), transformations: z.array(columnTransformationSchema) }))),
  edges: z.array(z.object({ from: columnRefSchema, to: columnRefSchema, transformations: z.array(columnTransformationSchema), depth: z.number().int() })),
  unavailable: z.array(z.object({ asset: z.string(), reason: z.string() })),
});

/** What the SPA needs to know about the server. */
export const serverInfoSchema = z.object({
  project: z.string(),
  projectDir: z.string(),
  tokenRequired: z.boolean(),
  assetCount: z.number().int(),
  /** Which load of the project definition is served: `version` grows with each reload on file changes. */
  definitions: z.object({ version: z.number().int(), loadedAt: z.string(), reloadError: z.string().optional() }).optional(),
});

/** The answer of the asset graph endpoint. */
export type AssetGraphResponse = z.infer<typeof assetGraphSchema>;
/** One node of the asset graph. */
export type GraphNode = z.infer<typeof graphNodeSchema>;
/** The state an asset is shown in. */
export type AssetState = z.infer<typeof assetStateSchema>;
/** The answer of the asset endpoint. */
export type AssetDetailResponse = z.infer<typeof assetDetailSchema>;
/** One asset's summary as served. */
export type AssetSummaryResponse = z.infer<typeof assetSummarySchema>;
/** One asset's partition status as served. */
export type PartitionStatusResponse = z.infer<typeof partitionStatusSchema>;
/** A page of partition keys. */
export type PartitionKeysResponse = z.infer<typeof partitionKeysSchema>;
/** A plan as served. */
export type PlanResponse = z.infer<typeof planSchema>;
/** Why one partition is stale, as served. */
export type PartitionStalenessResponse = z.infer<typeof partitionStalenessSchema>;
/** A run row as served. */
export type RunResponse = z.infer<typeof runSchema>;
/** A step row as served. */
export type StepResponse = z.infer<typeof stepSchema>;
/** A run event as served. */
export type EventResponse = z.infer<typeof eventSchema>;
/** Column lineage as served. */
export type ColumnLineageResponse = z.infer<typeof columnLineageSchema>;
/** Upstream/downstream lineage as served. */
export type LineageResponse = z.infer<typeof lineageSchema>;
/** The check results and scores as served. */
export type CheckListResponse = z.infer<typeof checkListSchema>;
/** Failure markers as served. */
export type PartitionFailureListResponse = z.infer<typeof partitionFailureListSchema>;
/** Materializations as served. */
export type MaterializationListResponse = z.infer<typeof materializationListSchema>;
/** Server info as served. */
export type ServerInfoResponse = z.infer<typeof serverInfoSchema>;
/** What a plan or launch request covers. */
export type PlanScope = z.infer<typeof planScopeSchema>;
/** The body of a plan request. */
export type PlanRequest = z.infer<typeof planRequestSchema>;
/** The body of a launch request. */
export type LaunchRequest = z.infer<typeof launchRequestSchema>;
/** The body of an error answer. */
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
