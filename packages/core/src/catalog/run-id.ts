import { randomBytes } from 'node:crypto';

/**
 * A fresh run id, such as `r_20260115T101500_ab12cd`: the UTC creation second, then 24 random bits,
 * so ids sort by creation time (to the second) and never collide in practice.
 */
export function createRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `r_${stamp}_${randomBytes(3).toString('hex')}`;
}
