import type { AssetKey } from '../definitions/index.ts';
import type { StepErrorInfo } from './classify-step-error.ts';
import type { RunStepCounts, FinalRunStatus, StepSkipReason } from './run-summary.ts';

/** Severity of a step log line. */
export type StepLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Fields every step event carries. */
export interface StepEventBase {
  readonly runId: string;
  /** Epoch milliseconds from the run's clock. */
  readonly time: number;
  readonly stepId: string;
  readonly assetKey: AssetKey;
  /** `''` (unpartitioned), a partition key, or `first..last` for a range step. */
  readonly partition: string;
}

/** The run began; `fromCheckpoint` steps are already done and will not run. */
export interface RunStartedEvent {
  readonly type: 'run_started';
  readonly runId: string;
  readonly time: number;
  readonly totalSteps: number;
  readonly fromCheckpoint: number;
  readonly concurrency: number;
}

/** An attempt of a step began (once per attempt). */
export interface StepStartedEvent extends StepEventBase {
  readonly type: 'step_started';
  readonly attempt: number;
}

/** A step succeeded; `durationMs` is that of the last attempt. */
export interface StepSucceededEvent extends StepEventBase {
  readonly type: 'step_succeeded';
  readonly attempt: number;
  readonly durationMs: number;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A step failed for good (no tries left, or a non-retryable error); its dependents are skipped next. */
export interface StepFailedEvent extends StepEventBase {
  readonly type: 'step_failed';
  readonly attempt: number;
  readonly durationMs: number;
  readonly error: StepErrorInfo;
}

/**
 * An attempt failed and the step will run again after `waitMs`. `reason: 'lease_held'` means
 * another process held the partition's lease; such waits do not use up a try.
 */
export interface StepRetryingEvent extends StepEventBase {
  readonly type: 'step_retrying';
  /** The attempt that failed. */
  readonly attempt: number;
  readonly durationMs: number;
  readonly reason: 'error' | 'lease_held';
  readonly waitMs: number;
  /** The retry policy's try number of the next attempt (lease waits are not tries). */
  readonly nextTry: number;
  readonly maxTries: number;
  readonly error: StepErrorInfo;
}

/** A blocking quality check of the step failed; its dependents are skipped next. */
export interface StepBlockedEvent extends StepEventBase {
  readonly type: 'step_blocked';
  readonly attempt: number;
  readonly durationMs: number;
  readonly message: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/**
 * A step will not run: an upstream step failed or was blocked (`upstreamStepId` names the step that
 * started the chain), or the run was cancelled before the step started.
 */
export interface StepSkippedEvent extends StepEventBase {
  readonly type: 'step_skipped';
  readonly reason: StepSkipReason;
  readonly upstreamStepId: string | undefined;
}

/** A step that had started (running, or waiting to retry) was cancelled with the run. */
export interface StepCancelledEvent extends StepEventBase {
  readonly type: 'step_cancelled';
  readonly attempt: number;
}

/** A line a step logged through its `StepLogger`. */
export interface StepLogEvent extends StepEventBase {
  readonly type: 'log';
  readonly attempt: number;
  readonly level: StepLogLevel;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The run ended; no event follows. */
export interface RunFinishedEvent {
  readonly type: 'run_finished';
  readonly runId: string;
  readonly time: number;
  readonly status: FinalRunStatus;
  readonly counts: RunStepCounts;
  readonly durationMs: number;
  readonly cancelReason?: string;
}

/** A structured event per transition of a run, in the order they happened. */
export type ExecutionEvent =
  | RunStartedEvent
  | StepStartedEvent
  | StepSucceededEvent
  | StepFailedEvent
  | StepRetryingEvent
  | StepBlockedEvent
  | StepSkippedEvent
  | StepCancelledEvent
  | StepLogEvent
  | RunFinishedEvent;
