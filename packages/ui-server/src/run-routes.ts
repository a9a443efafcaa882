import { resolveSelection, type PartitionSelection } from '@quarry/core';
import { summarizeBlocked } from './blocked-summary.ts';
import {
  backfillRequestSchema,
  cancelResponseSchema,
  eventListSchema,
  launchRequestSchema,
  launchResponseSchema,
  planRequestSchema,
  planSchema,
  runDetailSchema,
  runListQuerySchema,
  runListSchema,
  runLogsQuerySchema,
  runParamsSchema,
  stepListSchema,
  type PlanScope,
} from './api-schemas.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import type { RequestLimits } from './build-app.ts';
import { HttpStatusError } from './http-errors.ts';
import { isFinalStatus, runSummary } from './run-summary.ts';
import type { UiInstance } from './ui-instance.ts';

/**
 * Checks a plan/launch request against the project before anything runs: the selection resolves
 * (unknown keys are 404, bad syntax 400) and every partition key fits every selected partitioned asset.
 */
export function checkLaunchRequest(instance: UiInstance, request: PlanScope): void {
  const keys = resolveSelection(instance.graph, request.selection);
  if (keys.length === 0) {
    throw new HttpStatusError(400, 'QUARRY_BAD_SELECTION', `Selection ${JSON.stringify(request.selection)} matches no asset: check the group, tag or owner name.`);
  }
  const partitions = request.partitions;
  if (partitions === undefined) return;
  const partitioned = keys.filter((k) => instance.asset(k).partitions !== undefined);
  if (partitioned.length === 0) {
    throw new HttpStatusError(400, 'QUARRY_BAD_ARGUMENT', `Partitions were given, but no selected asset is partitioned (${keys.join(', ')}): drop "partitions".`);
  }
  for (const key of partitioned) {
    if ('key' in partitions) instance.partitionKeys(key, { from: partitions.key, to: partitions.key, limit: 1 });
    else if ('from' in partitions) instance.partitionKeys(key, { from: partitions.from, to: partitions.to, limit: 1 });
    else for (const k of partitions.keys) instance.partitionKeys(key, { from: k, to: k, limit: 1 });
  }
}

/** The plan options of a request, with the server's bounds (a plan over them is refused before it is built). */
function planOptions(request: PlanScope, limits: Pick<RequestLimits, 'maxPlanSteps' | 'maxPlanPartitions'>) {
  return {
    ...(request.selection !== undefined ? { selection: request.selection } : {}),
    ...(request.partitions !== undefined ? { partitions: request.partitions as PartitionSelection } : {}),
    ...(request.force !== undefined ? { force: request.force } : {}),
    maxSteps: limits.maxPlanSteps,
    maxPartitions: limits.maxPlanPartitions,
  };
}

/** The run routes: plan, launch a materialization or a backfill, list and read runs, steps and logs, cancel. */
export function runRoutes(instance: UiInstance, limits: Pick<RequestLimits, 'maxPlanSteps' | 'maxPlanPartitions' | 'maxPlanPageSteps'>): ApiRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/plan',
      tag: 'launch',
      summary:
        'Plan a materialization without running it: one page (offset/limit) of the steps (asset × partitions) with the reason each runs, the plan size in all, and the stale partitions left out (blocked) grouped per asset and cause. A plan over the server limits is refused with 400.',
      body: planRequestSchema,
      response: planSchema,
      handle: async ({ body }) => {
        const { offset = 0, limit = 1000, ...scope } = body;
        checkLaunchRequest(instance, scope);
        const plan = await instance.plan(planOptions(scope, limits));
        const pageSize = Math.min(limit, limits.maxPlanPageSteps);
        return {
          ...plan,
          // Thousands of blocked partitions come as one group per asset and cause.
          blocked: summarizeBlocked(plan.blocked),
          totalSteps: plan.steps.length,
          partitionCount: plan.steps.reduce((n, step) => n + step.partitionKeys.length, 0),
          offset,
          steps: plan.steps.slice(offset, offset + pageSize),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/runs',
      tag: 'launch',
      summary: 'Launch a materialization of a selection and partitions; answers with the run id at once.',
      body: launchRequestSchema,
      response: launchResponseSchema,
      status: 202,
      mutating: true,
      handle: async ({ body }) => {
        checkLaunchRequest(instance, body);
        return instance.startRun({ ...planOptions(body, limits), kind: 'materialize', ...(body.concurrency ? { concurrency: body.concurrency } : {}), ...(body.tags ? { tags: body.tags } : {}) });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/backfills',
      tag: 'launch',
      summary: 'Launch a backfill of a selection over a partition range (or list); answers with the run id at once.',
      body: backfillRequestSchema,
      response: launchResponseSchema,
      status: 202,
      mutating: true,
      handle: async ({ body }) => {
        checkLaunchRequest(instance, body);
        return instance.startRun({ ...planOptions(body, limits), kind: 'backfill', ...(body.concurrency ? { concurrency: body.concurrency } : {}), ...(body.tags ? { tags: body.tags } : {}) });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/runs',
      tag: 'runs',
      summary: 'Recent runs, newest first (without their plans; `stepCount` instead).',
      query: runListQuerySchema,
      response: runListSchema,
      handle: ({ query }) => ({ runs: instance.listRuns({ limit: query.limit ?? 50 }).map(runSummary) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/runs/:runId',
      tag: 'runs',
      summary: 'One run with its plan (every step with its partitions and reason) and its step records (status, times).',
      params: runParamsSchema,
      response: runDetailSchema,
      handle: ({ params }) => ({ run: instance.getRun(params.runId), steps: [...instance.listSteps(params.runId)] }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/runs/:runId/steps',
      tag: 'runs',
      summary: 'The steps of a run with their status and times (for the timeline).',
      params: runParamsSchema,
      response: stepListSchema,
      handle: ({ params }) => {
        instance.getRun(params.runId);
        return { steps: [...instance.listSteps(params.runId)] };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/runs/:runId/logs',
      tag: 'runs',
      summary: 'Events and log lines of a run after a cursor (`afterId`); `nextAfterId` is the cursor for the next page.',
      params: runParamsSchema,
      query: runLogsQuerySchema,
      response: eventListSchema,
      handle: ({ params, query }) => {
        instance.getRun(params.runId);
        const afterId = query.afterId ?? 0;
        const events = [...instance.listEvents({ runId: params.runId, afterId, limit: query.limit ?? 1000 })];
        return { events, nextAfterId: events.at(-1)?.id ?? afterId };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/runs/:runId/cancel',
      tag: 'runs',
      summary: 'Cancel a run: running steps are aborted, queued steps never start.',
      params: runParamsSchema,
      response: cancelResponseSchema,
      status: 202,
      mutating: true,
      handle: async ({ params }) => {
        const run = instance.getRun(params.runId);
        if (isFinalStatus(run.status)) {
          throw new HttpStatusError(409, 'QUARRY_BAD_ARGUMENT', `Run ${params.runId} already finished (${run.status}); only a queued or running run can be cancelled.`);
        }
        await instance.cancelRun(params.runId);
        return { runId: params.runId, status: instance.getRun(params.runId).status };
      },
    }),
  ];
}
