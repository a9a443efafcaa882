import { setTimeout as delay } from 'node:timers/promises';

/**
 * A source of time and of waiting, injected into the executor so that tests of retries and
 * backoff take no real time.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds; rejects (with the signal's reason) as soon as `signal`
   * aborts.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and Node timers. */
export const systemClock: Clock = Object.freeze({
  now: (): number => Date.now(),
  sleep: (ms: number, signal?: AbortSignal): Promise<void> =>
    delay(ms, undefined, signal === undefined ? undefined : { signal }),
});
