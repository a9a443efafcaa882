import type { StepErrorInfo } from './classify-step-error.ts';

/** How a run ended. */
export type FinalRunStatus = 'succeeded' | 'failed' | 'partially_failed' | 'cancelled';

/** How one step ended. */
export type FinalStepStatus = 'succeeded' | 'failed' | 'skipped' | 'blocked' | 'cancelled';

/**
 * Why a step did not run: an upstream step failed, a blocking check of an upstream step failed, or
 * the run was cancelled before the step started.
 */
export type StepSkipReason = 'upstream_failed' | 'blocked_by_check' | 'cancelled';

/** The result of one step in a run summary. */
export interface StepResult {
  readonly status: FinalStepStatus;
  /** Runner calls made (0 for a step skipped, cancelled before it started, or taken from the checkpoint). */
  readonly attempts: number;
  /** True when the step was in `completed` (a checkpoint of an earlier run) and was not run again. */
  readonly fromCheckpoint: boolean;
  /** For a failed step: the last error. */
  readonly error?: StepErrorInfo;
  /** For a blocked step: the blocking check's message. */
  readonly message?: string;
  /** For a skipped step: why, and which step started the chain (the failed or blocked one). */
  readonly skippedBecause?: { readonly reason: StepSkipReason; readonly stepId: string | undefined };
  /** What the runner returned with a success or a block. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** ISO time of the first attempt's start; undefined when the step never started. */
  readonly startedAt: string | undefined;
  /** ISO time the step reached its final status; undefined for checkpointed steps. */
  readonly finishedAt: string | undefined;
  /** From the first attempt's start to the end, backoff waits included; undefined when it never started. */
  readonly durationMs: number | undefined;
}

/** How many steps ended in each status (`succeeded` includes `fromCheckpoint`). */
export interface RunStepCounts {
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly blocked: number;
  readonly skipped: number;
  readonly cancelled: number;
  readonly fromCheckpoint: number;
}

/** The outcome of a whole run, as `RunHandle.done` resolves it. */
export interface RunSummary {
  readonly runId: string;
  readonly status: FinalRunStatus;
  /** The reason given to `cancel` (or the abort signal's), for a cancelled run. */
  readonly cancelReason?: string;
  /** Every plan step by id. */
  readonly steps: Readonly<Record<string, StepResult>>;
  readonly counts: RunStepCounts;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
}

/**
 * The status of a run from its counts: succeeded when every step succeeded; otherwise cancelled when
 * it was cancelled; failed when no step succeeded; partially_failed when some did.
 */
export function runStatusOf(counts: RunStepCounts, cancelled: boolean): FinalRunStatus {
  if (counts.succeeded === counts.total) return 'succeeded';
  if (cancelled) return 'cancelled';
  return counts.succeeded === 0 ? 'failed' : 'partially_failed';
}
