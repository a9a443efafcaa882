import type { Catalog, RunRecord, RunUpdate, StepUpsert } from '../catalog/index.ts';

/**
 * How often a live run touches its started steps in the catalog, so a reader that later finds the
 * run's process dead knows when it was last alive (its end time is frozen there).
 */
export const RUN_HEARTBEAT_MS = 15_000;

/**
 * Settles, durably, a run marked running whose process is dead (kill -9, power loss): the run becomes
 * `failed` with an "interrupted" error, and it ends at its last sign of life (latest event or step
 * heartbeat), not at the time someone looked, so its duration stops growing. Its steps stop being
 * `running`: a step that had started is `failed` at its own last update; one that never started is
 * `cancelled`. `quarry backfill --resume` still continues the run. The caller has checked the process.
 * `finish` records the run's end (the instance passes its alert raiser's, so the failed steps raise
 * their `run_failed` alerts as a run that ended by itself does); default: the catalog's `updateRun`.
 */
export function settleDeadRun(catalog: Catalog, run: RunRecord, finish: (runId: string, update: RunUpdate) => RunRecord = (id, update) => catalog.updateRun(id, update)): RunRecord {
  const started = run.startedAt ?? run.createdAt;
  const seen = catalog.lastRunActivity(run.id);
  const end = seen !== null && seen.getTime() > started.getTime() ? seen : started;
  const process = `process ${run.pid ?? '?'}${run.host ? ` on ${run.host}` : ''}`;
  const updates: StepUpsert[] = [];
  for (const step of catalog.listSteps(run.id)) {
    const begun = step.status === 'running' || (step.status === 'pending' && step.attempt > 0);
    if (begun) {
      updates.push({
        runId: run.id,
        stepId: step.stepId,
        status: 'failed',
        finishedAt: step.updatedAt.getTime() < end.getTime() ? step.updatedAt : end,
        error: `interrupted: ${process} died during attempt ${step.attempt}${step.error ? ` (the attempt before failed: ${step.error})` : ''}`,
      });
    } else if (step.status === 'pending') {
      updates.push({ runId: run.id, stepId: step.stepId, status: 'cancelled', finishedAt: end, error: `not run: ${process} died first` });
    }
  }
  // Steps first: should this process die in between, the run still reads as running and is settled again.
  catalog.upsertSteps(updates);
  return finish(run.id, {
    status: 'failed',
    finishedAt: end,
    error: `interrupted: ${process} died; last activity at ${end.toISOString()}. Resume it with quarry backfill --resume ${run.id}`,
  });
}
