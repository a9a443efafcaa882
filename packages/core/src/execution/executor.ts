import { setMaxListeners } from 'node:events';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
import type { Plan, PlanStep } from '../planner/plan.ts';
import { classifyStepError, toStepErrorInfo, type StepErrorInfo } from './classify-step-error.ts';
import { systemClock, type Clock } from './clock.ts';
import type { ExecutionEvent, StepLogLevel, StepEventBase } from './execution-event.ts';
import { indexPlan, type PlanGraph } from './plan-graph.ts';
import { ReadyQueue } from './ready-queue.ts';
import { runStatusOf, type RunStepCounts, type RunSummary, type StepResult, type StepSkipReason } from './run-summary.ts';
import { createStepLogger, type StepLogger } from './step-logger.ts';

/**
 * What a step runner resolves with: success (with optional metadata such as row counts), or
 * `blocked` when a blocking quality check failed, which skips the step's dependents with reason
 * `blocked_by_check`. A failure is a thrown error, not an outcome.
 */
export type StepOutcome =
  | { readonly status: 'succeeded'; readonly metadata?: Record<string, unknown> }
  | { readonly status: 'blocked'; readonly message: string; readonly metadata?: Record<string, unknown> };

/**
 * The function that does one attempt of one step (the lead wires it to an engine and the catalog).
 * It should stop soon after `signal` aborts; a thrown error is a failed attempt, retried or not per
 * `classifyStepError`.
 */
export type StepRunner = (step: PlanStep, attempt: number, signal: AbortSignal, log: StepLogger) => Promise<StepOutcome>;

/** How a step waits when another process holds its partition's lease (`QUARRY_LEASE_HELD`). */
export interface LeaseWaitPolicy {
  /** Wait before each new attempt. */
  readonly intervalMs: number;
  /** Total waiting allowed per step before it fails with the lease error. */
  readonly maxWaitMs: number;
}

/** The default lease wait: try again every 2 s, for at most 10 minutes per step. */
export const DEFAULT_LEASE_WAIT: LeaseWaitPolicy = Object.freeze({ intervalMs: 2_000, maxWaitMs: 600_000 });

/** Options of `executePlan`. */
export interface ExecuteOptions {
  readonly runId: string;
  /** Most steps running at once (a whole number ≥ 1). Steps waiting to retry do not hold a slot. */
  readonly concurrency: number;
  readonly runStep: StepRunner;
  /** Retry policy per step (usually its asset's `retry`); `DEFAULT_RETRY_POLICY` when absent. */
  readonly retryPolicy?: (step: PlanStep) => RetryPolicy;
  /** Waiting on a held lease; `DEFAULT_LEASE_WAIT` when absent. */
  readonly leaseWait?: LeaseWaitPolicy;
  /** Time and waiting; `systemClock` when absent. */
  readonly clock?: Clock;
  /** Ids of steps already committed by an earlier, killed run: they count as succeeded and do not run. */
  readonly completed?: ReadonlySet<string>;
  /** Receives every event synchronously, in order. An error it throws becomes a process warning. */
  readonly onEvent?: (event: ExecutionEvent) => void;
  /** Cancels the run when it aborts, like `RunHandle.cancel`. */
  readonly signal?: AbortSignal;
}

/** A run in progress. */
export interface RunHandle {
  readonly runId: string;
  /**
   * Cancels the run: no new step starts, running steps see their signal abort, steps waiting to
   * retry stop waiting. `done` resolves once the running steps have settled.
   */
  cancel(reason?: string): void;
  /** Resolves with the summary when the run ends; rejects only on a bug in the executor. */
  readonly done: Promise<RunSummary>;
}

/**
 * Runs a plan's steps through `runStep`: a step starts once all its `dependsOn` succeeded, ready
 * steps start in plan order with at most `concurrency` at once, failures retry per policy, and a
 * failed or blocked step skips its transitive dependents while independent steps go on.
 *
 * Throws `QUARRY_BAD_ARGUMENT` for a bad concurrency and `QUARRY_BAD_PLAN` for a plan with duplicate
 * ids, unknown dependencies or a cycle; nothing runs before `executePlan` has returned.
 *
 * ```ts
 * const run = executePlan(plan, { runId, concurrency: 4, runStep, onEvent: reporter.onEvent });
 * const summary = await run.done;
 * if (summary.status !== 'succeeded') process.exitCode = 1;
 * ```
 */
export function executePlan(plan: Plan, options: ExecuteOptions): RunHandle {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new QuarryError(
      'QUARRY_BAD_ARGUMENT',
      `Concurrency must be a whole number of at least 1, got ${String(options.concurrency)}. Pass a concurrency of 1 or more.`,
    );
  }
  const lease = options.leaseWait ?? DEFAULT_LEASE_WAIT;
  if (!(lease.intervalMs >= 0) || !(lease.maxWaitMs >= 0)) {
    throw new QuarryError(
      'QUARRY_BAD_ARGUMENT',
      `leaseWait needs intervalMs and maxWaitMs of 0 or more, got ${JSON.stringify(lease)}.`,
    );
  }
  const graph = indexPlan(plan.steps, options.completed);
  return new PlanRun(plan.steps, graph, options, lease).handle;
}

const PENDING = 0;
const READY = 1;
const RUNNING = 2;
const WAITING = 3;
const SUCCEEDED = 4;
const FAILED = 5;
const BLOCKED = 6;
const SKIPPED = 7;
const CANCELLED = 8;

const STATUS_NAMES: Record<number, StepResult['status']> = {
  [SUCCEEDED]: 'succeeded',
  [FAILED]: 'failed',
  [BLOCKED]: 'blocked',
  [SKIPPED]: 'skipped',
  [CANCELLED]: 'cancelled',
};

/** What is kept only for steps that have it, so a 100,000-step run stays in flat arrays. */
interface StepDetail {
  error?: StepErrorInfo;
  message?: string;
  skippedBecause?: { readonly reason: StepSkipReason; readonly stepId: string | undefined };
  metadata?: Readonly<Record<string, unknown>>;
}

/** One execution of a plan: step states in typed arrays, a ready heap, counters. */
class PlanRun {
  readonly handle: RunHandle;
  private readonly n: number;
  private readonly runId: string;
  private readonly concurrency: number;
  private readonly clock: Clock;
  private readonly runStep: StepRunner;
  private readonly retryPolicy: (step: PlanStep) => RetryPolicy;
  private readonly onEvent: ((event: ExecutionEvent) => void) | undefined;
  private readonly state: Uint8Array;
  private readonly attempts: Int32Array;
  private readonly startedAt: Float64Array;
  private readonly finishedAt: Float64Array;
  private readonly details = new Map<number, StepDetail>();
  private readonly leaseWaits = new Map<number, { failures: number; waitedMs: number }>();
  private readonly ready = new ReadyQueue();
  private readonly controller = new AbortController();
  private running = 0;
  private waiting = 0;
  private settled = 0;
  private readonly counts = { succeeded: 0, failed: 0, blocked: 0, skipped: 0, cancelled: 0, fromCheckpoint: 0 };
  private begun = false;
  private finished = false;
  private cancelled = false;
  private cancelReason: string | undefined;
  private earlyCancelReason: string | undefined;
  private runStartedAt = 0;
  private detachSignal: (() => void) | undefined;
  private resolveDone!: (summary: RunSummary) => void;
  private rejectDone!: (error: unknown) => void;

  constructor(
    private readonly steps: readonly PlanStep[],
    private readonly graph: PlanGraph,
    options: ExecuteOptions,
    private readonly leaseWait: LeaseWaitPolicy,
  ) {
    this.n = steps.length;
    this.runId = options.runId;
    this.concurrency = options.concurrency;
    this.clock = options.clock ?? systemClock;
    this.runStep = options.runStep;
    this.retryPolicy = options.retryPolicy ?? (() => DEFAULT_RETRY_POLICY);
    this.onEvent = options.onEvent;
    this.state = new Uint8Array(this.n);
    this.attempts = new Int32Array(this.n);
    this.startedAt = new Float64Array(this.n).fill(Number.NaN);
    this.finishedAt = new Float64Array(this.n).fill(Number.NaN);
    // Every running step may listen on the one run signal; Node would otherwise warn past 10.
    setMaxListeners(0, this.controller.signal);
    const done = new Promise<RunSummary>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.handle = { runId: this.runId, cancel: (reason?: string) => this.cancel(reason), done };
    const external = options.signal;
    if (external !== undefined) {
      const onAbort = (): void => this.cancel(abortReasonText(external.reason));
      external.addEventListener('abort', onAbort, { once: true });
      this.detachSignal = () => external.removeEventListener('abort', onAbort);
      if (external.aborted) this.earlyCancelReason = abortReasonText(external.reason);
    }
    // Starting in a microtask lets the caller hold the handle before the first event or step.
    queueMicrotask(() => this.guard(() => this.begin()));
  }

  private begin(): void {
    this.begun = true;
    this.runStartedAt = this.clock.now();
    const { fromCheckpoint, remaining } = this.graph;
    for (let i = 0; i < this.n; i++) {
      if (fromCheckpoint[i] === 1) {
        this.state[i] = SUCCEEDED;
        this.settled++;
        this.counts.succeeded++;
        this.counts.fromCheckpoint++;
      } else if (remaining[i] === 0) {
        this.state[i] = READY;
        this.ready.push(i);
      }
    }
    this.emit({
      type: 'run_started',
      runId: this.runId,
      time: this.runStartedAt,
      totalSteps: this.n,
      fromCheckpoint: this.counts.fromCheckpoint,
      concurrency: this.concurrency,
    });
    if (this.earlyCancelReason !== undefined) this.cancel(this.earlyCancelReason);
    else this.pump();
  }

  private pump(): void {
    while (!this.cancelled && !this.finished && this.running < this.concurrency) {
      const next = this.ready.pop();
      if (next === undefined) break;
      this.launch(next);
    }
    this.maybeFinish();
  }

  private launch(i: number): void {
    const step = this.steps[i] as PlanStep;
    this.state[i] = RUNNING;
    this.running++;
    const attempt = (this.attempts[i] as number) + 1;
    this.attempts[i] = attempt;
    const startedAt = this.clock.now();
    if (attempt === 1) this.startedAt[i] = startedAt;
    if (this.onEvent !== undefined) this.emit({ type: 'step_started', ...this.base(i, startedAt), attempt });
    let result: Promise<StepOutcome>;
    try {
      result = Promise.resolve(this.runStep(step, attempt, this.controller.signal, createStepLogger(this.logSink, i, attempt)));
    } catch (error) {
      result = Promise.reject(error);
    }
    result
      .then(
        (outcome) => this.afterAttempt(i, attempt, startedAt, outcome, undefined, true),
        (error: unknown) => this.afterAttempt(i, attempt, startedAt, undefined, error, false),
      )
      .catch((bug: unknown) => this.crash(bug));
  }

  private afterAttempt(i: number, attempt: number, startedAt: number, outcome: unknown, error: unknown, ok: boolean): void {
    this.running--;
    if (this.finished) return;
    const time = this.clock.now();
    const durationMs = time - startedAt;
    if (ok) {
      const o = outcome as Partial<StepOutcome> | null | undefined;
      if (o?.status === 'succeeded') {
        this.settleSucceeded(i, attempt, time, durationMs, o.metadata);
      } else if (o?.status === 'blocked' && typeof o.message === 'string') {
        this.settleBlocked(i, attempt, time, durationMs, o.message, o.metadata);
      } else {
        const bad = new QuarryError(
          'QUARRY_BAD_STEP_OUTCOME',
          `The step runner returned ${describeValue(outcome)} for step "${(this.steps[i] as PlanStep).id}"; it must resolve with { status: 'succeeded' } or { status: 'blocked', message } and throw on failure.`,
        );
        this.settleError(i, attempt, time, durationMs, bad);
      }
    } else {
      this.settleError(i, attempt, time, durationMs, error);
    }
    this.pump();
  }

  private settleError(i: number, attempt: number, time: number, durationMs: number, error: unknown): void {
    // An error after cancellation is most likely the abort itself, not a fault of the step.
    if (this.cancelled) {
      this.settleCancelled(i, attempt, time);
      return;
    }
    const kind = classifyStepError(error);
    if (kind === 'blocked') {
      this.settleBlocked(i, attempt, time, durationMs, error instanceof Error ? error.message : String(error), undefined);
      return;
    }
    const info = toStepErrorInfo(error, kind);
    if (kind === 'lease_held') {
      let lease = this.leaseWaits.get(i);
      if (lease === undefined) {
        lease = { failures: 0, waitedMs: 0 };
        this.leaseWaits.set(i, lease);
      }
      const waitMs = this.leaseWait.intervalMs;
      if (lease.waitedMs + waitMs <= this.leaseWait.maxWaitMs) {
        lease.failures++;
        lease.waitedMs += waitMs;
        const policy = this.policyOf(i);
        this.scheduleRetry(i, attempt, time, durationMs, 'lease_held', waitMs, attempt - lease.failures + 1, policy.maxTries, info);
        return;
      }
    } else if (kind === 'transient') {
      const policy = this.policyOf(i);
      const tries = attempt - (this.leaseWaits.get(i)?.failures ?? 0);
      if (tries < policy.maxTries) {
        this.scheduleRetry(i, attempt, time, durationMs, 'error', backoffDelay(policy, tries), tries + 1, policy.maxTries, info);
        return;
      }
    }
    this.settleFailed(i, attempt, time, durationMs, info);
  }

  private policyOf(i: number): { maxTries: number; backoffMs: readonly number[] } {
    const policy = this.retryPolicy(this.steps[i] as PlanStep);
    const maxTries = Number.isFinite(policy.maxTries) && policy.maxTries >= 1 ? Math.floor(policy.maxTries) : 1;
    return { maxTries, backoffMs: policy.backoffMs };
  }

  private scheduleRetry(
    i: number,
    attempt: number,
    time: number,
    durationMs: number,
    reason: 'error' | 'lease_held',
    waitMs: number,
    nextTry: number,
    maxTries: number,
    error: StepErrorInfo,
  ): void {
    this.state[i] = WAITING;
    this.waiting++;
    this.details.set(i, { ...this.details.get(i), error });
    this.emit({ type: 'step_retrying', ...this.base(i, time), attempt, durationMs, reason, waitMs, nextTry, maxTries, error });
    // A listener may have cancelled the run, which settles waiting steps itself.
    if (this.state[i] !== WAITING) return;
    if (waitMs <= 0) {
      this.waiting--;
      this.state[i] = READY;
      this.ready.push(i);
      return;
    }
    this.clock
      .sleep(waitMs, this.controller.signal)
      .then(
        () => this.afterWait(i),
        () => this.afterWait(i),
      )
      .catch((bug: unknown) => this.crash(bug));
  }

  private afterWait(i: number): void {
    if (this.finished || this.state[i] !== WAITING) return;
    this.waiting--;
    if (this.cancelled) this.settleCancelled(i, this.attempts[i] as number, this.clock.now());
    else {
      this.state[i] = READY;
      this.ready.push(i);
    }
    this.pump();
  }

  private settleSucceeded(i: number, attempt: number, time: number, durationMs: number, metadata: Record<string, unknown> | undefined): void {
    this.state[i] = SUCCEEDED;
    this.finishedAt[i] = time;
    this.settled++;
    this.counts.succeeded++;
    if (metadata !== undefined) this.details.set(i, { metadata });
    else if (this.details.has(i)) this.details.delete(i);
    if (this.onEvent !== undefined) {
      this.emit({
        type: 'step_succeeded',
        ...this.base(i, time),
        attempt,
        durationMs,
        ...(metadata === undefined ? {} : { metadata }),
      });
    }
    const { dependentsStart, dependents, remaining } = this.graph;
    for (let k = dependentsStart[i] as number; k < (dependentsStart[i + 1] as number); k++) {
      const d = dependents[k] as number;
      const left = (remaining[d] as number) - 1;
      remaining[d] = left;
      if (left === 0 && this.state[d] === PENDING) {
        this.state[d] = READY;
        this.ready.push(d);
      }
    }
  }

  private settleBlocked(
    i: number,
    attempt: number,
    time: number,
    durationMs: number,
    message: string,
    metadata: Record<string, unknown> | undefined,
  ): void {
    this.state[i] = BLOCKED;
    this.finishedAt[i] = time;
    this.settled++;
    this.counts.blocked++;
    this.details.set(i, metadata === undefined ? { message } : { message, metadata });
    this.emit({
      type: 'step_blocked',
      ...this.base(i, time),
      attempt,
      durationMs,
      message,
      ...(metadata === undefined ? {} : { metadata }),
    });
    this.skipDependents(i, 'blocked_by_check');
  }

  private settleFailed(i: number, attempt: number, time: number, durationMs: number, error: StepErrorInfo): void {
    this.state[i] = FAILED;
    this.finishedAt[i] = time;
    this.settled++;
    this.counts.failed++;
    this.details.set(i, { error });
    this.emit({ type: 'step_failed', ...this.base(i, time), attempt, durationMs, error });
    this.skipDependents(i, 'upstream_failed');
  }

  private settleCancelled(i: number, attempt: number, time: number): void {
    this.state[i] = CANCELLED;
    this.finishedAt[i] = time;
    this.settled++;
    this.counts.cancelled++;
    this.emit({ type: 'step_cancelled', ...this.base(i, time), attempt });
  }

  // Each step is marked once, so skipping costs O(edges) over the whole run.
  private skipDependents(origin: number, reason: StepSkipReason): void {
    const { dependentsStart, dependents } = this.graph;
    const originId = (this.steps[origin] as PlanStep).id;
    const skippedBecause = { reason, stepId: originId };
    const time = this.clock.now();
    const stack = [origin];
    for (let s = stack.pop(); s !== undefined; s = stack.pop()) {
      for (let k = dependentsStart[s] as number; k < (dependentsStart[s + 1] as number); k++) {
        const d = dependents[k] as number;
        if (this.state[d] !== PENDING) continue;
        this.state[d] = SKIPPED;
        this.finishedAt[d] = time;
        this.settled++;
        this.counts.skipped++;
        this.details.set(d, { skippedBecause });
        if (this.onEvent !== undefined) this.emit({ type: 'step_skipped', ...this.base(d, time), reason, upstreamStepId: originId });
        stack.push(d);
      }
    }
  }

  private cancel(reason: string | undefined): void {
    if (this.finished || this.cancelled) return;
    const text = reason ?? 'cancelled';
    if (!this.begun) {
      this.earlyCancelReason ??= text;
      return;
    }
    this.cancelled = true;
    this.cancelReason = text;
    this.ready.clear();
    this.controller.abort(new QuarryError('QUARRY_RUN_CANCELLED', `Run "${this.runId}" was cancelled: ${text}.`));
    const time = this.clock.now();
    const skippedBecause = { reason: 'cancelled' as const, stepId: undefined };
    for (let i = 0; i < this.n; i++) {
      const state = this.state[i];
      if (state === PENDING || state === READY) {
        this.state[i] = CANCELLED;
        this.finishedAt[i] = time;
        this.settled++;
        this.counts.cancelled++;
        this.details.set(i, { skippedBecause });
        if (this.onEvent !== undefined) {
          this.emit({ type: 'step_skipped', ...this.base(i, time), reason: 'cancelled', upstreamStepId: undefined });
        }
      } else if (state === WAITING) {
        this.waiting--;
        this.settleCancelled(i, this.attempts[i] as number, time);
      }
    }
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.finished || !this.begun || this.settled < this.n || this.running > 0 || this.waiting > 0) return;
    this.finished = true;
    this.detachSignal?.();
    const time = this.clock.now();
    const counts: RunStepCounts = { total: this.n, ...this.counts };
    const status = runStatusOf(counts, this.cancelled);
    const durationMs = time - this.runStartedAt;
    this.emit({
      type: 'run_finished',
      runId: this.runId,
      time,
      status,
      counts,
      durationMs,
      ...(this.cancelReason === undefined ? {} : { cancelReason: this.cancelReason }),
    });
    this.resolveDone({
      runId: this.runId,
      status,
      ...(this.cancelReason === undefined ? {} : { cancelReason: this.cancelReason }),
      steps: this.stepResults(),
      counts,
      startedAt: new Date(this.runStartedAt).toISOString(),
      finishedAt: new Date(time).toISOString(),
      durationMs,
    });
  }

  private stepResults(): Record<string, StepResult> {
    const results: Record<string, StepResult> = {};
    for (let i = 0; i < this.n; i++) {
      const started = this.startedAt[i] as number;
      const finished = this.finishedAt[i] as number;
      const detail = this.details.get(i);
      results[(this.steps[i] as PlanStep).id] = {
        status: STATUS_NAMES[this.state[i] as number] as StepResult['status'],
        attempts: this.attempts[i] as number,
        fromCheckpoint: this.graph.fromCheckpoint[i] === 1,
        ...detail,
        startedAt: Number.isNaN(started) ? undefined : new Date(started).toISOString(),
        finishedAt: Number.isNaN(finished) ? undefined : new Date(finished).toISOString(),
        durationMs: Number.isNaN(started) || Number.isNaN(finished) ? undefined : finished - started,
      };
    }
    return results;
  }

  private readonly logSink = (i: number, attempt: number, level: StepLogLevel, message: string, data: Record<string, unknown> | undefined): void => {
    if (this.onEvent === undefined) return;
    this.emit({
      type: 'log',
      ...this.base(i, this.clock.now()),
      attempt,
      level,
      message,
      ...(data === undefined ? {} : { data }),
    });
  };

  private base(i: number, time: number): StepEventBase {
    const step = this.steps[i] as PlanStep;
    return { runId: this.runId, time, stepId: step.id, assetKey: step.assetKey, partition: stepPartitionLabel(step.partitionKeys) };
  }

  private emit(event: ExecutionEvent): void {
    if (this.onEvent === undefined) return;
    try {
      this.onEvent(event);
    } catch (error) {
      // A broken listener (a full disk under the event log) must not strand the run half-scheduled.
      process.emitWarning(
        `The onEvent listener of run "${this.runId}" threw on a ${event.type} event: ${error instanceof Error ? error.message : String(error)}. The run goes on.`,
      );
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (bug) {
      this.crash(bug);
    }
  }

  private crash(bug: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.detachSignal?.();
    this.controller.abort(bug);
    this.rejectDone(bug);
  }
}

/** The wait before try `tries + 1`: the policy's list, its last value repeating. */
function backoffDelay(policy: { readonly backoffMs: readonly number[] }, tries: number): number {
  const list = policy.backoffMs;
  if (list.length === 0) return 0;
  const wait = list[Math.min(tries - 1, list.length - 1)] as number;
  return Number.isFinite(wait) && wait > 0 ? wait : 0;
}

/** The partition label of a step: `''`, its key, or `first..last` for a range. */
export function stepPartitionLabel(keys: readonly string[]): string {
  if (keys.length === 0) return '';
  if (keys.length === 1) return keys[0] as string;
  return `${keys[0] as string}..${keys[keys.length - 1] as string}`;
}

function abortReasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'aborted' : String(reason);
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 80)}…` : text;
  } catch {
    return String(value);
  }
}
