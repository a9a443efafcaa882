import type { Clock } from './clock.ts';

/** Options of `createManualClock`. */
export interface ManualClockConfig {
  /** Initial `now()` in epoch milliseconds (default 0). */
  readonly start?: number;
  /**
   * When true (the default), every `sleep` moves time forward by its length and resolves at once;
   * when false, sleeps stay pending until `advance` passes their due time.
   */
  readonly autoAdvance?: boolean;
}

/** A fake clock for tests: records every requested wait and lets the test move time. */
export interface ManualClock extends Clock {
  /** Every wait requested through `sleep`, in milliseconds, in call order. */
  readonly sleeps: readonly number[];
  /** How many sleeps are waiting for `advance` (always 0 with `autoAdvance`). */
  readonly pendingSleeps: number;
  /** Moves time forward by `ms` and resolves, in due order, the sleeps that are then due. */
  advance(ms: number): void;
}

interface PendingSleep {
  readonly due: number;
  readonly seq: number;
  readonly resolve: () => void;
  readonly cleanup: () => void;
}

/**
 * Creates a fake clock for tests of retries, backoff and cancellation.
 *
 * ```ts
 * const clock = createManualClock();
 * await executePlan(plan, { runId: 'r1', concurrency: 2, runStep, clock }).done;
 * assert.deepEqual(clock.sleeps, [60_000, 300_000]);
 * ```
 */
export function createManualClock(config: ManualClockConfig = {}): ManualClock {
  let now = config.start ?? 0;
  let seq = 0;
  const autoAdvance = config.autoAdvance ?? true;
  const sleeps: number[] = [];
  let pending: PendingSleep[] = [];

  function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (autoAdvance) {
      now += Math.max(0, ms);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        pending = pending.filter((p) => p !== entry);
        reject(signal?.reason);
      };
      const entry: PendingSleep = {
        due: now + Math.max(0, ms),
        seq: seq++,
        resolve,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      pending.push(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  function advance(ms: number): void {
    now += ms;
    const due = pending.filter((p) => p.due <= now).sort((a, b) => a.due - b.due || a.seq - b.seq);
    pending = pending.filter((p) => p.due > now);
    for (const p of due) {
      p.cleanup();
      p.resolve();
    }
  }

  return {
    now: () => now,
    sleep,
    advance,
    get sleeps() {
      return sleeps;
    },
    get pendingSleeps() {
      return pending.length;
    },
  };
}
