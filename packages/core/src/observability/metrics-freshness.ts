/** Seconds from `base` (see `freshnessBase` in versioning/) to `now`, never negative. */
export function freshnessLagSeconds(base: Date, now: Date): number {
  return Math.max(0, (now.getTime() - base.getTime()) / 1000);
}
