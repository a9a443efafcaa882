import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RETRY_POLICY } from '../definitions/index.ts';
import { QuarryError, isQuarryError } from '../errors.ts';
import type { Plan, PlanStep } from '../planner/plan.ts';
import type { ExecutionEvent } from './execution-event.ts';
import { executePlan, type ExecuteOptions, type StepOutcome, type StepRunner } from './executor.ts';
import { createManualClock } from './manual-clock.ts';

/** A step from an id like `raw/a[2026-01-01]` (or `raw/a` for an unpartitioned asset). */
function step(id: string, dependsOn: string[] = []): PlanStep {
  const match = /^(.*)\[(.*)\]$/.exec(id);
  return {
    id,
    assetKey: match?.[1] ?? id,
    partitionKeys: [match?.[2] ?? ''],
    reason: { cause: 'missing' },
    dependsOn,
  };
}

function planOf(...steps: PlanStep[]): Plan {
  return { createdAt: '2026-01-01T00:00:00.000Z', selection: undefined, steps };
}

const succeed = (): Promise<StepOutcome> => Promise.resolve({ status: 'succeeded' });

/** An error the executor retries: a network failure with its errno code, as Node raises it. */
function transient(message: string, code = 'ECONNRESET'): Error {
  return Object.assign(new Error(message), { code });
}

function run(plan: Plan, options: Partial<ExecuteOptions> & { runStep: StepRunner }) {
  return executePlan(plan, { runId: 'r1', concurrency: 2, clock: createManualClock(), ...options });
}

interface Deferred {
  readonly promise: Promise<StepOutcome>;
  resolve(outcome?: StepOutcome): void;
}

function deferred(): Deferred {
  let resolve!: (outcome: StepOutcome) => void;
  const promise = new Promise<StepOutcome>((r) => (resolve = r));
  return { promise, resolve: (outcome = { status: 'succeeded' }) => resolve(outcome) };
}

/** Lets every pending promise callback run (no timers, no real waiting). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A step runner that waits until the run's signal aborts, then throws its reason. */
const untilAborted: StepRunner = (_step, _attempt, signal) =>
  new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

test('a step starts only after every dependency succeeded', async () => {
  const plan = planOf(step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c']), step('e'), step('f', ['e', 'd']));
  const finished = new Set<string>();
  const summary = await run(plan, {
    concurrency: 4,
    runStep: async (s) => {
      for (const dep of s.dependsOn) assert.ok(finished.has(dep), `${s.id} started before ${dep} finished`);
      for (let k = 0; k < s.id.charCodeAt(0) % 4; k++) await Promise.resolve();
      finished.add(s.id);
      return { status: 'succeeded' };
    },
  }).done;
  assert.equal(summary.status, 'succeeded');
  assert.equal(finished.size, 6);
  assert.deepEqual(summary.counts, { total: 6, succeeded: 6, failed: 0, blocked: 0, skipped: 0, cancelled: 0, fromCheckpoint: 0 });
});

test('ready steps start in plan order, also when one becomes ready later', async () => {
  const started: string[] = [];
  const plan = planOf(step('a'), step('b', ['a']), step('c'), step('d'));
  await run(plan, { concurrency: 1, runStep: (s) => (started.push(s.id), succeed()) }).done;
  // After a, the queue holds b, c, d: b comes first because it comes first in the plan.
  assert.deepEqual(started, ['a', 'b', 'c', 'd']);
});

test('at most `concurrency` steps run at once', async () => {
  const plan = planOf(...Array.from({ length: 10 }, (_, i) => step(`s${i}`)));
  const gates = new Map<string, Deferred>();
  let inFlight = 0;
  let maxInFlight = 0;
  const handle = run(plan, {
    concurrency: 3,
    runStep: async (s) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const gate = deferred();
      gates.set(s.id, gate);
      const outcome = await gate.promise;
      inFlight--;
      return outcome;
    },
  });
  await flush();
  assert.deepEqual([...gates.keys()], ['s0', 's1', 's2']);
  gates.get('s1')?.resolve();
  await flush();
  assert.deepEqual([...gates.keys()], ['s0', 's1', 's2', 's3']);
  assert.equal(inFlight, 3);
  for (let i = 0; i < 10; i++) {
    gates.get(`s${i}`)?.resolve();
    await flush();
  }
  const summary = await handle.done;
  assert.equal(summary.status, 'succeeded');
  assert.equal(maxInFlight, 3);
});

test('the default policy tries 4 times, waiting 1 min, 5 min, then 15 min', async () => {
  const clock = createManualClock({ start: 0 });
  const attempts: number[] = [];
  const summary = await run(planOf(step('raw/a[2026-01-01]')), {
    clock,
    runStep: (_s, attempt) => {
      attempts.push(attempt);
      return Promise.reject(transient('connection reset'));
    },
  }).done;
  assert.deepEqual(attempts, [1, 2, 3, 4]);
  assert.deepEqual(clock.sleeps, [60_000, 300_000, 900_000]);
  const result = summary.steps['raw/a[2026-01-01]'];
  assert.equal(result?.status, 'failed');
  assert.equal(result?.attempts, 4);
  assert.equal(result?.error?.message, 'connection reset');
  assert.equal(result?.durationMs, 1_260_000);
  assert.equal(summary.status, 'failed');
});

test('backoff waits exactly 1 min → 5 min → 15 min, repeats the last, and stops after maxTries', async () => {
  for (const [maxTries, waits] of [
    [4, [60_000, 300_000, 900_000]],
    [5, [60_000, 300_000, 900_000, 900_000]],
    [1, []],
  ] as const) {
    const clock = createManualClock();
    let calls = 0;
    const summary = await run(planOf(step('a')), {
      clock,
      retryPolicy: () => ({ maxTries, backoffMs: DEFAULT_RETRY_POLICY.backoffMs }),
      runStep: () => (calls++, Promise.reject(transient('flaky'))),
    }).done;
    assert.deepEqual(clock.sleeps, waits);
    assert.equal(calls, maxTries);
    assert.equal(summary.steps['a']?.attempts, maxTries);
    assert.equal(summary.steps['a']?.status, 'failed');
  }
});

test('a step that succeeds on its third try succeeds', async () => {
  const clock = createManualClock();
  const summary = await run(planOf(step('a'), step('b', ['a'])), {
    clock,
    runStep: (s, attempt) => (s.id === 'a' && attempt < 3 ? Promise.reject(Object.assign(new Error('503'), { status: 503 })) : succeed()),
  }).done;
  assert.equal(summary.status, 'succeeded');
  assert.equal(summary.steps['a']?.attempts, 3);
  assert.equal(summary.steps['a']?.error, undefined);
  assert.equal(summary.steps['b']?.attempts, 1);
  assert.deepEqual(clock.sleeps, [60_000, 300_000]);
});

test('SQL errors, compute bugs, schema mismatches, missing sources, QUARRY_BAD_*, retryable:false and unknown errors fail at once', async () => {
  const flagged = Object.assign(new Error('quota exceeded for good'), { retryable: false });
  for (const error of [
    new QuarryError('QUARRY_SQL_ERROR', 'Binder Error: column "x" not found'),
    new QuarryError('QUARRY_COMPUTE_ERROR', 'compute threw: Binder Error: column "x" not found', { cause: new Error('Binder Error: column "x" not found') }),
    new QuarryError('QUARRY_COMPUTE_ERROR', "compute threw: Cannot read properties of undefined (reading 'id')", { cause: new TypeError("Cannot read properties of undefined (reading 'id')") }),
    new QuarryError('QUARRY_SCHEMA_MISMATCH', 'output lacks "views"'),
    new QuarryError('QUARRY_SOURCE_MISSING', 'landing/2026-01-03/videos.csv does not exist'),
    new QuarryError('QUARRY_BAD_COMPUTE_RESULT', 'compute returned 42'),
    new QuarryError('QUARRY_BAD_PARTITION_KEY', 'bad key'),
    flagged,
    new Error('something nobody classified'),
  ]) {
    const clock = createManualClock();
    const events: ExecutionEvent[] = [];
    const summary = await run(planOf(step('a')), { clock, onEvent: (e) => events.push(e), runStep: () => Promise.reject(error) }).done;
    assert.deepEqual(events.filter((e) => e.type === 'step_retrying'), [], error.message);
    assert.equal(summary.steps['a']?.status, 'failed');
    assert.equal(summary.steps['a']?.attempts, 1);
    assert.equal(summary.steps['a']?.error?.message, error.message);
    assert.equal(summary.steps['a']?.error?.retryable, false);
    assert.deepEqual(clock.sleeps, []);
  }
});

test('a runner that throws synchronously fails like one that rejects', async () => {
  const summary = await run(planOf(step('a')), {
    runStep: () => {
      throw new QuarryError('QUARRY_SQL_ERROR', 'syntax error at "selec"');
    },
  }).done;
  assert.equal(summary.steps['a']?.status, 'failed');
  assert.equal(summary.steps['a']?.error?.code, 'QUARRY_SQL_ERROR');
});

test('a runner that resolves with something else than an outcome fails with QUARRY_BAD_STEP_OUTCOME', async () => {
  const summary = await run(planOf(step('a')), { runStep: () => Promise.resolve({ rows: 3 } as unknown as StepOutcome) }).done;
  assert.equal(summary.steps['a']?.attempts, 1);
  assert.equal(summary.steps['a']?.error?.code, 'QUARRY_BAD_STEP_OUTCOME');
  assert.match(summary.steps['a']?.error?.message ?? '', /returned \{"rows":3\} for step "a"/);
});

test('a held lease is retried after short waits that do not use up tries', async () => {
  const clock = createManualClock();
  const lease = new QuarryError('QUARRY_LEASE_HELD', 'run r0 holds the lease of raw/a[2026-01-01]');
  const summary = await run(planOf(step('a')), {
    clock,
    retryPolicy: () => ({ maxTries: 1, backoffMs: [] }),
    runStep: (_s, attempt) => (attempt < 3 ? Promise.reject(lease) : succeed()),
  }).done;
  assert.equal(summary.steps['a']?.status, 'succeeded');
  assert.equal(summary.steps['a']?.attempts, 3);
  assert.deepEqual(clock.sleeps, [2_000, 2_000]);
});

test('lease waits end after leaseWait.maxWaitMs; lease waits and tries are counted apart', async () => {
  const lease = new QuarryError('QUARRY_LEASE_HELD', 'lease held');
  const clock = createManualClock();
  const summary = await run(planOf(step('a')), {
    clock,
    leaseWait: { intervalMs: 1_000, maxWaitMs: 3_000 },
    runStep: () => Promise.reject(lease),
  }).done;
  assert.deepEqual(clock.sleeps, [1_000, 1_000, 1_000]);
  assert.equal(summary.steps['a']?.attempts, 4);
  assert.equal(summary.steps['a']?.error?.code, 'QUARRY_LEASE_HELD');

  const retrying: [number, number, string][] = [];
  const clock2 = createManualClock();
  const mixed = await run(planOf(step('a')), {
    clock: clock2,
    retryPolicy: () => ({ maxTries: 2, backoffMs: [60_000] }),
    runStep: (_s, attempt) => Promise.reject(attempt === 1 ? lease : transient('timeout', 'ETIMEDOUT')),
    onEvent: (e) => {
      if (e.type === 'step_retrying') retrying.push([e.attempt, e.nextTry, e.reason]);
    },
  }).done;
  assert.deepEqual(retrying, [
    [1, 1, 'lease_held'],
    [2, 2, 'error'],
  ]);
  assert.deepEqual(clock2.sleeps, [2_000, 60_000]);
  assert.equal(mixed.steps['a']?.attempts, 3);
  assert.equal(mixed.steps['a']?.status, 'failed');
});

test('a failed step skips its transitive dependents; independent steps finish', async () => {
  const ran: string[] = [];
  const plan = planOf(
    step('raw/a[1]'),
    step('raw/x[1]'),
    step('stg/b[1]', ['raw/a[1]']),
    step('stg/y[1]', ['raw/x[1]']),
    step('marts/c[1]', ['stg/b[1]', 'stg/y[1]']),
    step('marts/z[1]', ['stg/y[1]']),
  );
  const summary = await run(plan, {
    runStep: (s) => {
      ran.push(s.id);
      return s.id === 'raw/a[1]' ? Promise.reject(new QuarryError('QUARRY_SQL_ERROR', 'division by zero')) : succeed();
    },
  }).done;
  assert.deepEqual(ran, ['raw/a[1]', 'raw/x[1]', 'stg/y[1]', 'marts/z[1]']);
  assert.equal(summary.status, 'partially_failed');
  assert.deepEqual(summary.steps['stg/b[1]']?.skippedBecause, { reason: 'upstream_failed', stepId: 'raw/a[1]' });
  assert.deepEqual(summary.steps['marts/c[1]']?.skippedBecause, { reason: 'upstream_failed', stepId: 'raw/a[1]' });
  assert.equal(summary.steps['marts/c[1]']?.status, 'skipped');
  assert.equal(summary.steps['marts/c[1]']?.attempts, 0);
  assert.equal(summary.steps['marts/z[1]']?.status, 'succeeded');
  assert.deepEqual(summary.counts, { total: 6, succeeded: 3, failed: 1, blocked: 0, skipped: 2, cancelled: 0, fromCheckpoint: 0 });
});

test('a blocked step skips its dependents with blocked_by_check', async () => {
  const plan = planOf(step('a'), step('b', ['a']), step('c', ['b']), step('d'));
  const summary = await run(plan, {
    runStep: (s) =>
      Promise.resolve<StepOutcome>(
        s.id === 'a' ? { status: 'blocked', message: 'check orders_not_null failed: 3 null rows', metadata: { failedRows: 3 } } : { status: 'succeeded' },
      ),
  }).done;
  assert.equal(summary.status, 'partially_failed');
  assert.equal(summary.steps['a']?.status, 'blocked');
  assert.equal(summary.steps['a']?.message, 'check orders_not_null failed: 3 null rows');
  assert.deepEqual(summary.steps['a']?.metadata, { failedRows: 3 });
  assert.deepEqual(summary.steps['b']?.skippedBecause, { reason: 'blocked_by_check', stepId: 'a' });
  assert.deepEqual(summary.steps['c']?.skippedBecause, { reason: 'blocked_by_check', stepId: 'a' });
  assert.equal(summary.steps['d']?.status, 'succeeded');
  assert.equal(summary.counts.blocked, 1);

  // A thrown QUARRY_CHECK_BLOCKED means the same, and is not retried.
  const thrown = await run(planOf(step('a'), step('b', ['a'])), {
    runStep: () => Promise.reject(new QuarryError('QUARRY_CHECK_BLOCKED', 'check unique_ids failed')),
  }).done;
  assert.equal(thrown.steps['a']?.status, 'blocked');
  assert.equal(thrown.steps['a']?.attempts, 1);
  assert.equal(thrown.steps['b']?.skippedBecause?.reason, 'blocked_by_check');
  assert.equal(thrown.status, 'failed');
});

test('run status: failed when nothing succeeded, succeeded for an empty plan', async () => {
  const failing = await run(planOf(step('a'), step('b')), { runStep: () => Promise.reject(new QuarryError('QUARRY_SQL_ERROR', 'x')) }).done;
  assert.equal(failing.status, 'failed');
  const events: ExecutionEvent[] = [];
  const empty = await run(planOf(), { runStep: succeed, onEvent: (e) => events.push(e) }).done;
  assert.equal(empty.status, 'succeeded');
  assert.deepEqual(empty.steps, {});
  assert.deepEqual(
    events.map((e) => e.type),
    ['run_started', 'run_finished'],
  );
});

test('cancel mid-run aborts running steps and starts no other', async () => {
  const plan = planOf(step('a'), step('b'), step('c'), step('d', ['a']));
  const calls: string[] = [];
  const signals: AbortSignal[] = [];
  const events: ExecutionEvent[] = [];
  const handle = run(plan, {
    concurrency: 2,
    runStep: (s, attempt, signal, log) => {
      calls.push(s.id);
      signals.push(signal);
      return untilAborted(s, attempt, signal, log);
    },
    onEvent: (e) => events.push(e),
  });
  await flush();
  assert.deepEqual(calls, ['a', 'b']);
  handle.cancel('user pressed Ctrl-C');
  const summary = await handle.done;
  assert.deepEqual(calls, ['a', 'b']);
  assert.ok(signals.every((s) => s.aborted));
  assert.ok(isQuarryError(signals[0]?.reason, 'QUARRY_RUN_CANCELLED'));
  assert.equal(summary.status, 'cancelled');
  assert.equal(summary.cancelReason, 'user pressed Ctrl-C');
  assert.deepEqual(
    Object.fromEntries(Object.entries(summary.steps).map(([id, r]) => [id, [r.status, r.attempts]])),
    { a: ['cancelled', 1], b: ['cancelled', 1], c: ['cancelled', 0], d: ['cancelled', 0] },
  );
  assert.deepEqual(
    events.slice(3).map((e) => (e.type === 'step_skipped' ? `${e.type}:${e.stepId}:${e.reason}` : e.type === 'run_finished' ? e.type : `${e.type}:${'stepId' in e ? e.stepId : ''}`)),
    ['step_skipped:c:cancelled', 'step_skipped:d:cancelled', 'step_cancelled:a', 'step_cancelled:b', 'run_finished'],
  );
  handle.cancel('again');
  assert.equal((await handle.done).cancelReason, 'user pressed Ctrl-C');
});

test('a step that finishes its commit despite the cancel counts as succeeded', async () => {
  const gate = deferred();
  const handle = run(planOf(step('a'), step('b', ['a'])), { runStep: (s) => (s.id === 'a' ? gate.promise : succeed()) });
  await flush();
  handle.cancel();
  gate.resolve();
  const summary = await handle.done;
  assert.equal(summary.steps['a']?.status, 'succeeded');
  assert.equal(summary.steps['b']?.status, 'cancelled');
  assert.equal(summary.status, 'cancelled');
  assert.equal(summary.cancelReason, 'cancelled');
});

test('cancel during a backoff wait stops the wait at once', async () => {
  const clock = createManualClock({ autoAdvance: false });
  let calls = 0;
  const handle = run(planOf(step('a'), step('b', ['a'])), {
    clock,
    runStep: () => (calls++, Promise.reject(transient('timeout', 'ETIMEDOUT'))),
  });
  await flush();
  assert.equal(clock.pendingSleeps, 1);
  assert.deepEqual(clock.sleeps, [60_000]);
  handle.cancel('deploy');
  const summary = await handle.done;
  assert.equal(clock.pendingSleeps, 0);
  assert.equal(calls, 1);
  assert.equal(summary.status, 'cancelled');
  assert.equal(summary.steps['a']?.status, 'cancelled');
  assert.equal(summary.steps['a']?.attempts, 1);
  assert.equal(summary.steps['b']?.status, 'cancelled');
});

test('a step waiting to retry frees its slot for other steps', async () => {
  const clock = createManualClock({ autoAdvance: false });
  const started: string[] = [];
  const handle = run(planOf(step('a'), step('b')), {
    clock,
    concurrency: 1,
    runStep: (s, attempt) => (started.push(`${s.id}${attempt}`), s.id === 'a' && attempt === 1 ? Promise.reject(transient('timeout', 'ETIMEDOUT')) : succeed()),
  });
  await flush();
  assert.deepEqual(started, ['a1', 'b1']);
  clock.advance(60_000);
  const summary = await handle.done;
  assert.deepEqual(started, ['a1', 'b1', 'a2']);
  assert.equal(summary.status, 'succeeded');
  assert.equal(summary.steps['a']?.durationMs, 60_000);
});

test('an external AbortSignal cancels the run, also when it is already aborted', async () => {
  const controller = new AbortController();
  const handle = run(planOf(step('a'), step('b', ['a'])), { signal: controller.signal, runStep: untilAborted });
  await flush();
  controller.abort(new Error('SIGTERM'));
  const summary = await handle.done;
  assert.equal(summary.status, 'cancelled');
  assert.equal(summary.cancelReason, 'SIGTERM');

  let calls = 0;
  const events: string[] = [];
  const aborted = await run(planOf(step('a'), step('b')), {
    signal: AbortSignal.abort('shutting down'),
    runStep: () => (calls++, succeed()),
    onEvent: (e) => events.push(e.type),
  }).done;
  assert.equal(calls, 0);
  assert.equal(aborted.status, 'cancelled');
  assert.equal(aborted.cancelReason, 'shutting down');
  assert.deepEqual(events, ['run_started', 'step_skipped', 'step_skipped', 'run_finished']);
});

test('cancel right after executePlan returns runs nothing', async () => {
  let calls = 0;
  const handle = run(planOf(step('a')), { runStep: () => (calls++, succeed()) });
  handle.cancel('changed my mind');
  const summary = await handle.done;
  assert.equal(calls, 0);
  assert.equal(summary.status, 'cancelled');
  assert.equal(summary.steps['a']?.status, 'cancelled');
});

test('completed steps (a checkpoint) are not run again and count as succeeded', async () => {
  const ran: string[] = [];
  const plan = planOf(step('a'), step('b', ['a']), step('c', ['b']), step('d', ['gone']));
  const summary = await run(plan, {
    completed: new Set(['a', 'b', 'gone']),
    runStep: (s) => (ran.push(s.id), succeed()),
  }).done;
  assert.deepEqual(ran, ['c', 'd']);
  assert.equal(summary.status, 'succeeded');
  assert.deepEqual(summary.steps['a'], {
    status: 'succeeded',
    attempts: 0,
    fromCheckpoint: true,
    startedAt: undefined,
    finishedAt: undefined,
    durationMs: undefined,
  });
  assert.equal(summary.counts.fromCheckpoint, 2);
  assert.equal(summary.counts.succeeded, 4);
});

test('the events of a small run, in order', async () => {
  const t0 = 1_767_225_600_000;
  const plan = planOf(step('raw/a[2026-01-01]'), step('stg/b[2026-01-01]', ['raw/a[2026-01-01]']), step('marts/c[2026-01-01]', ['stg/b[2026-01-01]']), step('marts/d', ['marts/c[2026-01-01]']));
  const events: ExecutionEvent[] = [];
  const summary = await run(plan, {
    concurrency: 1,
    clock: createManualClock({ start: t0 }),
    onEvent: (e) => events.push(e),
    runStep: async (s, attempt, _signal, log) => {
      if (s.assetKey === 'raw/a') {
        const { info } = log;
        info('read 3 rows', { rows: 3 });
        return { status: 'succeeded', metadata: { rows: 3 } };
      }
      if (s.assetKey === 'stg/b' && attempt === 1) throw transient('socket hang up');
      if (s.assetKey === 'marts/c') throw new QuarryError('QUARRY_SQL_ERROR', 'column "views" not found');
      return { status: 'succeeded' };
    },
  }).done;
  const base = (stepId: string, time = t0) => {
    const match = /^(.*)\[(.*)\]$/.exec(stepId);
    return { runId: 'r1', time, stepId, assetKey: match?.[1] ?? stepId, partition: match?.[2] ?? '' };
  };
  const A = 'raw/a[2026-01-01]';
  const B = 'stg/b[2026-01-01]';
  const C = 'marts/c[2026-01-01]';
  const t1 = t0 + 60_000;
  const withoutStacks = events.map((e) => ('error' in e && e.error.stack !== undefined ? { ...e, error: { ...e.error, stack: '<stack>' } } : e));
  assert.deepEqual(withoutStacks, [
    { type: 'run_started', runId: 'r1', time: t0, totalSteps: 4, fromCheckpoint: 0, concurrency: 1 },
    { type: 'step_started', ...base(A), attempt: 1 },
    { type: 'log', ...base(A), attempt: 1, level: 'info', message: 'read 3 rows', data: { rows: 3 } },
    { type: 'step_succeeded', ...base(A), attempt: 1, durationMs: 0, metadata: { rows: 3 } },
    { type: 'step_started', ...base(B), attempt: 1 },
    {
      type: 'step_retrying',
      ...base(B),
      attempt: 1,
      durationMs: 0,
      reason: 'error',
      waitMs: 60_000,
      nextTry: 2,
      maxTries: 4,
      error: { name: 'Error', message: 'socket hang up', stack: '<stack>', retryable: true },
    },
    { type: 'step_started', ...base(B, t1), attempt: 2 },
    { type: 'step_succeeded', ...base(B, t1), attempt: 2, durationMs: 0 },
    { type: 'step_started', ...base(C, t1), attempt: 1 },
    {
      type: 'step_failed',
      ...base(C, t1),
      attempt: 1,
      durationMs: 0,
      error: { name: 'QuarryError', message: 'column "views" not found', code: 'QUARRY_SQL_ERROR', retryable: false },
    },
    { type: 'step_skipped', ...base('marts/d', t1), reason: 'upstream_failed', upstreamStepId: C },
    {
      type: 'run_finished',
      runId: 'r1',
      time: t1,
      status: 'partially_failed',
      counts: { total: 4, succeeded: 2, failed: 1, blocked: 0, skipped: 1, cancelled: 0, fromCheckpoint: 0 },
      durationMs: 60_000,
    },
  ]);
  assert.equal(summary.startedAt, '2026-01-01T00:00:00.000Z');
  assert.equal(summary.finishedAt, '2026-01-01T00:01:00.000Z');
  assert.deepEqual(summary.steps[B], {
    status: 'succeeded',
    attempts: 2,
    fromCheckpoint: false,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    durationMs: 60_000,
  });
});

test('a listener that throws does not stop the run', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const summary = await run(planOf(step('a'), step('b', ['a'])), {
      runStep: succeed,
      onEvent: (e) => {
        if (e.type === 'step_succeeded') throw new Error('disk full');
      },
    }).done;
    assert.equal(summary.status, 'succeeded');
    await flush();
    assert.match(warnings[0] ?? '', /onEvent listener of run "r1" threw on a step_succeeded event: disk full/);
  } finally {
    process.off('warning', onWarning);
  }
});

test('a 10,000-step plan runs every step once, after its dependencies', async (t) => {
  const partitions = 2_500;
  const steps: PlanStep[] = [];
  const id = (asset: number, p: number): string => `a${asset}/x[${p}]`;
  for (let asset = 0; asset < 4; asset++) {
    for (let p = 0; p < partitions; p++) {
      const deps = asset === 0 ? [] : asset === 1 ? [id(0, p), ...(p > 0 ? [id(0, p - 1)] : [])] : asset === 2 ? [id(1, p)] : [id(2, p), id(1, p)];
      steps.push(step(id(asset, p), deps));
    }
  }
  const finished = new Set<string>();
  let violations = 0;
  const began = performance.now();
  const summary = await run(planOf(...steps), {
    concurrency: 8,
    runStep: (s) => {
      for (const dep of s.dependsOn) if (!finished.has(dep)) violations++;
      finished.add(s.id);
      return succeed();
    },
  }).done;
  t.diagnostic(`10,000 trivial steps in ${(performance.now() - began).toFixed(0)} ms`);
  assert.equal(violations, 0);
  assert.equal(finished.size, 10_000);
  assert.equal(summary.status, 'succeeded');
  assert.equal(summary.counts.succeeded, 10_000);
});

test('bad plans and arguments are refused before anything runs', () => {
  const throwsCode = (fn: () => unknown, code: string, message: RegExp): void =>
    assert.throws(fn, (e: unknown) => isQuarryError(e) && e.code === code && message.test(e.message));
  throwsCode(() => run(planOf(step('a'), step('a')), { runStep: succeed }), 'QUARRY_BAD_PLAN', /Plan step id "a" appears twice \(steps 1 and 2\)/);
  throwsCode(() => run(planOf(step('a', ['zz'])), { runStep: succeed }), 'QUARRY_BAD_PLAN', /Plan step "a" depends on "zz", which is neither a step of the plan nor a completed step/);
  throwsCode(
    () => run(planOf(step('x'), step('a', ['c']), step('b', ['a']), step('c', ['b'])), { runStep: succeed }),
    'QUARRY_BAD_PLAN',
    /cycle: "a" → "c" → "b" → "a" \(each depends on the next\)/,
  );
  throwsCode(() => run(planOf(step('a')), { runStep: succeed, concurrency: 0 }), 'QUARRY_BAD_ARGUMENT', /Concurrency must be a whole number of at least 1, got 0/);
});
