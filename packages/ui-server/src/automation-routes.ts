import { automationOverview, setAutomationPaused, type AutomationOverviewHost } from '@quarry/core';
import { z } from 'zod';
import { defineRoute, type ApiRoute } from './api-route.ts';
import { HttpStatusError } from './http-errors.ts';
import type { UiInstance } from './ui-instance.ts';

const tickSchema = z.object({ id: z.number(), kind: z.string(), name: z.string(), tickTime: z.number(), status: z.string(), partitions: z.number(), runKeys: z.array(z.string()), reason: z.string().nullable(), error: z.string().nullable() }).passthrough();

/** The Automation page's data: the daemon lease, schedules/conditions/sensors with next and last ticks, the queue, freshness. */
export const automationOverviewSchema = z.object({
  lease: z.object({ holder: z.string(), expiresAt: z.number(), heartbeatAt: z.number() }).passthrough().nullable(),
  automations: z.array(z.object({ kind: z.string(), name: z.string(), description: z.string(), nextTick: z.number().nullable(), paused: z.boolean(), lastTick: tickSchema.nullable() })),
  queue: z.array(z.object({ runKey: z.string(), source: z.string(), selection: z.string(), priority: z.number(), status: z.string(), chunks: z.number() }).passthrough()),
  freshness: z.array(z.object({ assetKey: z.string(), state: z.string(), lagMs: z.number().nullable(), maxLagMs: z.number() }).passthrough()),
});

/** The body of `POST /api/automation/pause`. */
export const automationPauseSchema = z.strictObject({ kind: z.enum(['schedule', 'condition', 'sensor']), name: z.string().min(1).max(500), paused: z.boolean() });

function hostOf(instance: UiInstance): AutomationOverviewHost {
  const candidate = instance as Partial<AutomationOverviewHost>;
  if (candidate.catalog === undefined || candidate.project === undefined || !Array.isArray((candidate.project as { sensors?: unknown }).sensors) || candidate.partitionsContext === undefined) {
    throw new HttpStatusError(404, 'QUARRY_NOT_FOUND', 'This server’s instance has no automation (no catalog or project sensors).');
  }
  return candidate as AutomationOverviewHost;
}

/** The automation routes: the overview, tick history, and pause/resume (mutating). */
export function automationRoutes(instance: UiInstance): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/automation',
      tag: 'automation',
      summary: 'The daemon lease, every schedule, condition and sensor with its next tick, last tick and pause state, the queued run requests (priority order) and freshness per asset.',
      query: z.strictObject({}),
      response: automationOverviewSchema,
      handle: () => automationOverview(hostOf(instance), Date.now()),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/automation/ticks',
      tag: 'automation',
      summary: 'Tick history, newest first, optionally of one kind (schedule, condition, sensor, freshness) and name.',
      query: z.strictObject({ kind: z.enum(['schedule', 'condition', 'sensor', 'freshness']).optional(), name: z.string().max(500).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
      response: z.object({ ticks: z.array(tickSchema) }),
      handle: ({ query }) => ({ ticks: hostOf(instance).catalog.listTicks({ ...(query.kind ? { kind: query.kind } : {}), ...(query.name ? { name: query.name } : {}), limit: query.limit ?? 50 }) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/automation/pause',
      tag: 'automation',
      summary: 'Pause or resume a schedule, condition or sensor: {"kind": "schedule", "name": "raw/x", "paused": true}. A paused one is not evaluated by the daemon.',
      body: automationPauseSchema,
      response: automationOverviewSchema.shape.automations.element,
      mutating: true,
      handle: ({ body }) => setAutomationPaused(hostOf(instance), body.kind, body.name, body.paused),
    }),
  ];
}
