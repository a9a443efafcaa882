import type { UiRunRecord } from './ui-instance.ts';

/** Run and step statuses after which nothing changes (core's FinalRunStatus and FinalStepStatus). */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'partially_failed', 'cancelled', 'skipped', 'blocked']);

/** True when a run or step status is final (succeeded, failed, cancelled, …). */
export function isFinalStatus(status: string): boolean {
  return FINAL_STATUSES.has(status);
}

/**
 * A run row for listings and event streams: without its stored plan (which can hold thousands of
 * steps), with the plan's step count instead. `GET /api/runs/:id` serves the plan.
 */
export function runSummary<R extends UiRunRecord>(run: R): Omit<R, 'plan'> & { stepCount?: number } {
  const { plan, ...rest } = run as R & { plan?: unknown };
  const steps = (plan as { steps?: unknown } | null | undefined)?.steps;
  return { ...rest, ...(Array.isArray(steps) ? { stepCount: steps.length } : {}) } as Omit<R, 'plan'> & { stepCount?: number };
}
