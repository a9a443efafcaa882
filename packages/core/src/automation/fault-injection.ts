const hits = new Map<string, number>();

/**
 * TEST-ONLY fault injection: when the environment variable `QUARRY_TEST_DAEMON_CRASH` is
 * `<point>:<n>`, the n-th time the daemon passes `point` the process kills itself with SIGKILL
 * (as `kill -9` would), so tests can prove a crash anywhere in a tick loses and repeats nothing.
 * Never set it outside tests.
 */
export function crashPoint(point: string): void {
  const spec = process.env.QUARRY_TEST_DAEMON_CRASH;
  if (spec === undefined || spec === '') return;
  const at = spec.lastIndexOf(':');
  const name = at < 0 ? spec : spec.slice(0, at);
  if (name !== point) return;
  const n = at < 0 ? 1 : Number(spec.slice(at + 1));
  const count = (hits.get(point) ?? 0) + 1;
  hits.set(point, count);
  if (count === n) process.kill(process.pid, 'SIGKILL');
}

/** The crash points the daemon passes, in the order a tick reaches them (for the kill -9 test). */
export const DAEMON_CRASH_POINTS: readonly string[] = [
  'lease-acquired',
  'schedule-evaluated',
  'tick-recorded',
  'dispatch-planned',
  'chunk-recorded',
  'run-started',
  'run-finished',
  'request-finished',
];
