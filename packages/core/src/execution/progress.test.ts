import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuarryError } from '../errors.ts';
import type { Plan, PlanStep } from '../planner/plan.ts';
import type { ExecutionEvent, StepEventBase } from './execution-event.ts';
import { executePlan } from './executor.ts';
import { createManualClock } from './manual-clock.ts';
import { createProgressReporter, formatRunDuration } from './progress.ts';

function step(id: string, dependsOn: string[] = []): PlanStep {
  const match = /^(.*)\[(.*)\]$/.exec(id);
  return { id, assetKey: match?.[1] ?? id, partitionKeys: [match?.[2] ?? ''], reason: { cause: 'missing' }, dependsOn };
}

function planOf(...steps: PlanStep[]): Plan {
  return { createdAt: '2026-01-03T00:00:00.000Z', selection: undefined, steps };
}

function capture(extra: { isTTY?: boolean; columns?: number } = {}): { chunks: string[]; stream: { write(chunk: string): boolean; columns?: number } } {
  const chunks: string[] = [];
  return { chunks, stream: { write: (chunk: string) => (chunks.push(chunk), true), ...(extra.columns === undefined ? {} : { columns: extra.columns }) } };
}

test('plain output: one line per step transition', async () => {
  const { chunks, stream } = capture();
  const progress = createProgressReporter({ stream, isTTY: false });
  const clock = createManualClock({ start: 1_767_398_400_000 });
  const plan = planOf(
    step('raw/orders[2026-01-03]'),
    step('raw/creators'),
    step('stg/orders[2026-01-03]', ['raw/orders[2026-01-03]']),
    step('marts/daily[2026-01-03]', ['stg/orders[2026-01-03]', 'raw/creators']),
    step('marts/top[2026-01-03]', ['stg/orders[2026-01-03]']),
    step('marts/weekly[2026-01-03]', ['marts/top[2026-01-03]']),
  );
  const summary = await executePlan(plan, {
    runId: 'r1',
    concurrency: 1,
    clock,
    onEvent: progress.onEvent,
    runStep: async (s, attempt, _signal, log) => {
      switch (s.assetKey) {
        case 'raw/orders':
          log.info('not printed');
          log.warn('3 late rows');
          clock.advance(400);
          return { status: 'succeeded' };
        case 'raw/creators':
          return { status: 'blocked', message: 'check unique_ids failed: 2 duplicates' };
        case 'stg/orders':
          if (attempt === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          clock.advance(1_200);
          return { status: 'succeeded' };
        case 'marts/top':
          throw new QuarryError('QUARRY_SQL_ERROR', 'Binder Error: column "views" not found\nLINE 1: select views');
        default:
          return { status: 'succeeded' };
      }
    },
  }).done;
  assert.equal(summary.status, 'partially_failed');
  assert.deepEqual(chunks.join('').split('\n'), [
    'Run r1: 6 steps, concurrency 1',
    '! raw/orders [2026-01-03] warn: 3 late rows',
    '✓ raw/orders [2026-01-03] 0.4s',
    '⊘ raw/creators blocked: check unique_ids failed: 2 duplicates',
    '− marts/daily [2026-01-03] skipped (blocked_by_check: raw/creators)',
    '↻ retrying stg/orders [2026-01-03] in 60s (attempt 2 of 4): socket hang up',
    '✓ stg/orders [2026-01-03] 1.2s',
    '✗ marts/top [2026-01-03] 0.0s: Binder Error: column "views" not found …',
    '− marts/weekly [2026-01-03] skipped (upstream_failed: marts/top[2026-01-03])',
    'Run r1 partially failed: 2/6 succeeded · 1 failed · 1 blocked · 2 skipped · 1m02s',
    '',
  ]);
});

test('plain output of a cancelled, resumed run', async () => {
  const { chunks, stream } = capture();
  const progress = createProgressReporter({ stream, isTTY: false });
  const handle = executePlan(planOf(step('a'), step('b', ['a']), step('c'), step('d')), {
    runId: 'r2',
    concurrency: 1,
    completed: new Set(['a']),
    clock: createManualClock(),
    onEvent: progress.onEvent,
    runStep: (_s, _attempt, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
  });
  await new Promise((resolve) => setImmediate(resolve));
  handle.cancel('user pressed Ctrl-C');
  await handle.done;
  assert.deepEqual(chunks.join('').split('\n'), [
    'Run r2: 4 steps, concurrency 1, 1 already done',
    '■ b cancelled',
    'Run r2 cancelled: 1/4 succeeded (1 from checkpoint) · 3 cancelled · 0.0s (user pressed Ctrl-C)',
    '',
  ]);
});

test('TTY output: one redrawn bar, problems printed above it', () => {
  const { chunks, stream } = capture();
  let now = 0;
  const progress = createProgressReporter({ stream, isTTY: true, now: () => now, barWidth: 10, redrawIntervalMs: 0, tickMs: 0 });
  const base = (stepId: string): StepEventBase => {
    const match = /^(.*)\[(.*)\]$/.exec(stepId);
    return { runId: 'r1', time: now, stepId, assetKey: match?.[1] ?? stepId, partition: match?.[2] ?? '' };
  };
  const events: [number, ExecutionEvent][] = [
    [0, { type: 'run_started', runId: 'r1', time: 0, totalSteps: 4, fromCheckpoint: 0, concurrency: 2 }],
    [100, { type: 'step_started', ...base('raw/a[2026-01-01]'), attempt: 1 }],
    [100, { type: 'step_started', ...base('stg/b[2026-01-01]'), attempt: 1 }],
    [500, { type: 'step_succeeded', ...base('raw/a[2026-01-01]'), attempt: 1, durationMs: 400 }],
    [
      1_200,
      {
        type: 'step_failed',
        ...base('stg/b[2026-01-01]'),
        attempt: 3,
        durationMs: 700,
        error: { name: 'Error', message: 'boom', retryable: true },
      },
    ],
    [1_200, { type: 'step_skipped', ...base('marts/c[2026-01-01]'), reason: 'upstream_failed', upstreamStepId: 'stg/b[2026-01-01]' }],
    [1_300, { type: 'step_started', ...base('marts/d'), attempt: 1 }],
    [1_500, { type: 'step_succeeded', ...base('marts/d'), attempt: 1, durationMs: 200 }],
    [
      1_500,
      {
        type: 'run_finished',
        runId: 'r1',
        time: 1_500,
        status: 'partially_failed',
        counts: { total: 4, succeeded: 2, failed: 1, blocked: 0, skipped: 1, cancelled: 0, fromCheckpoint: 0 },
        durationMs: 1_500,
      },
    ],
  ];
  for (const [at, event] of events) {
    now = at;
    progress.onEvent(event);
  }
  progress.close();
  assert.deepEqual(chunks, [
    'Run r1: 4 steps, concurrency 2\n',
    '\r[..........] 0/4 steps · 0 running · 0.0s\x1b[K',
    '\r[..........] 0/4 steps · 1 running · 0.1s\x1b[K',
    '\r[..........] 0/4 steps · 2 running · 0.1s\x1b[K',
    '\r[###.......] 1/4 steps · 1 running · 0.5s\x1b[K',
    '\r\x1b[K✗ stg/b [2026-01-01] 0.7s: boom (attempt 3)\n',
    '\r[#####.....] 2/4 steps · 0 running · 1 failed · 1.2s\x1b[K',
    '\r[########..] 3/4 steps · 0 running · 1 failed · 1 skipped · 1.2s\x1b[K',
    '\r[########..] 3/4 steps · 1 running · 1 failed · 1 skipped · 1.3s\x1b[K',
    '\r[##########] 4/4 steps · 0 running · 1 failed · 1 skipped · 1.5s\x1b[K',
    '\r[##########] 4/4 steps · 0 running · 1 failed · 1 skipped · 1.5s\x1b[K',
    '\n',
    'Run r1 partially failed: 2/4 succeeded · 1 failed · 1 skipped · 1.5s\n',
  ]);
});

test('TTY redraws are throttled and cut to the terminal width', () => {
  const { chunks, stream } = capture({ columns: 30 });
  let now = 0;
  const progress = createProgressReporter({ stream, isTTY: true, now: () => now, tickMs: 0 });
  progress.onEvent({ type: 'run_started', runId: 'r1', time: 0, totalSteps: 100, fromCheckpoint: 0, concurrency: 4 });
  for (let i = 0; i < 50; i++) {
    now = i;
    progress.onEvent({ type: 'step_started', runId: 'r1', time: now, stepId: `s${i}`, assetKey: `s${i}`, partition: '', attempt: 1 });
  }
  now = 150;
  progress.onEvent({ type: 'step_started', runId: 'r1', time: now, stepId: 'last', assetKey: 'last', partition: '', attempt: 1 });
  progress.close();
  assert.deepEqual(chunks, [
    'Run r1: 100 steps, concurrency 4\n',
    '\r[....................] 0/100\x1b[K',
    '\r[....................] 0/100\x1b[K',
    '\n',
  ]);
});

test('formatRunDuration', () => {
  assert.deepEqual(
    [0, 400, 12_345, 59_940, 59_960, 125_000, 3_599_000, 4_020_000].map(formatRunDuration),
    ['0.0s', '0.4s', '12.3s', '59.9s', '1m00s', '2m05s', '59m59s', '1h07m'],
  );
});

test('TTY output says what waiting steps wait for: a retry with its attempt, a lease with its holder', () => {
  const { chunks, stream } = capture();
  let now = 0;
  const progress = createProgressReporter({ stream, isTTY: true, now: () => now, barWidth: 10, redrawIntervalMs: 0, tickMs: 0 });
  const base = (stepId: string): StepEventBase => {
    const match = /^(.*)\[(.*)\]$/.exec(stepId);
    return { runId: 'r1', time: now, stepId, assetKey: match?.[1] ?? stepId, partition: match?.[2] ?? '' };
  };
  const reset = { name: 'Error', message: 'read ECONNRESET', retryable: true };
  const held = {
    name: 'QuarryError',
    code: 'QUARRY_LEASE_HELD',
    message: 'Partition "2026-01-03" of "stg/b" is being written by run r_other (pid 42 on h); waiting for it.',
    details: { runId: 'r_other', pid: 42, host: 'h' },
    retryable: true,
  };
  const events: [number, ExecutionEvent][] = [
    [0, { type: 'run_started', runId: 'r1', time: 0, totalSteps: 2, fromCheckpoint: 0, concurrency: 2 }],
    [0, { type: 'step_started', ...base('raw/orders[2026-01-03]'), attempt: 1 }],
    [0, { type: 'step_started', ...base('stg/b[2026-01-03]'), attempt: 1 }],
    [1_000, { type: 'step_retrying', ...base('raw/orders[2026-01-03]'), attempt: 1, durationMs: 1_000, reason: 'error', waitMs: 300_000, nextTry: 2, maxTries: 4, error: reset }],
    [2_000, { type: 'step_retrying', ...base('stg/b[2026-01-03]'), attempt: 1, durationMs: 2_000, reason: 'lease_held', waitMs: 2_000, nextTry: 1, maxTries: 4, error: held }],
    [3_000, { type: 'step_started', ...base('stg/b[2026-01-03]'), attempt: 2 }],
  ];
  for (const [at, event] of events) {
    now = at;
    progress.onEvent(event);
  }
  progress.close();
  assert.deepEqual(chunks, [
    'Run r1: 2 steps, concurrency 2\n',
    '\r[..........] 0/2 steps · 0 running · 0.0s\x1b[K',
    '\r[..........] 0/2 steps · 1 running · 0.0s\x1b[K',
    '\r[..........] 0/2 steps · 2 running · 0.0s\x1b[K',
    '\r\x1b[K↻ retrying raw/orders [2026-01-03] in 5m (attempt 2 of 4): read ECONNRESET\n',
    '\r[..........] 0/2 steps · 1 running · 1.0s · retrying raw/orders [2026-01-03] in 5m\x1b[K',
    '\r\x1b[K⏸ stg/b [2026-01-03] waiting for the lease held by run r_other, next look in 2s: Partition "2026-01-03" of "stg/b" is being written by run r_other (pid 42 on h); waiting for it.\n',
    '\r[..........] 0/2 steps · 0 running · 2.0s · waiting for a lease: stg/b [2026-01-03] in 2s (+1 more waiting)\x1b[K',
    '\r[..........] 0/2 steps · 1 running · 3.0s · retrying raw/orders [2026-01-03] in 4m58s\x1b[K',
    '\n',
  ]);
});
