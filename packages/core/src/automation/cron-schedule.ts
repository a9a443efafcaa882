import { Cron } from 'croner';
import { QuarryError } from '../errors.ts';

/** A validated cron expression in a time zone, answering "which cron instants fall in this interval". */
export interface CronSchedule {
  readonly cron: string;
  readonly timeZone: string;
  /** The first cron instant strictly after `afterMs`, or undefined when there is none. */
  next(afterMs: number): number | undefined;
  /** The cron instants in `(afterMs, untilMs]`, oldest first, at most `limit` of them. */
  between(afterMs: number, untilMs: number, limit?: number): number[];
  /** The latest cron instant at or before `untilMs`, or undefined. */
  latest(untilMs: number): number | undefined;
}

/**
 * Parses a cron expression (5 fields, or 6 with seconds) in an IANA time zone with `croner`, which
 * follows wall-clock time across DST: a 15-minute schedule fires every 15 real minutes through a
 * repeated hour, a daily `30 2 * * *` fires once on the fall-back day and at 03:00 on the
 * spring-forward day. A bad expression or zone throws `QUARRY_BAD_CRON` naming it.
 *
 * ```ts
 * createCronSchedule('0,15,30,45 * * * *', 'Europe/Berlin').between(from, to);
 * ```
 */
export function createCronSchedule(cron: string, timeZone = 'UTC', where = 'Cron schedule'): CronSchedule {
  if (typeof cron !== 'string' || cron.trim() === '') {
    throw new QuarryError('QUARRY_BAD_CRON', `${where}: the cron expression ${JSON.stringify(cron)} is empty; write five fields such as '*/15 * * * *'.`);
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new QuarryError('QUARRY_BAD_CRON', `${where}: time zone ${JSON.stringify(timeZone)} of cron ${JSON.stringify(cron)} is not an IANA time zone; use one such as 'Europe/Berlin' or 'UTC'.`);
  }
  let pattern: Cron;
  try {
    pattern = new Cron(cron, { timezone: timeZone, paused: true });
  } catch (error) {
    throw new QuarryError('QUARRY_BAD_CRON', `${where}: invalid cron expression ${JSON.stringify(cron)}: ${error instanceof Error ? error.message : String(error)}. Write five fields (minute hour day-of-month month day-of-week), such as '*/15 * * * *'.`, { details: { cron } });
  }
  const next = (afterMs: number): number | undefined => pattern.nextRun(new Date(afterMs))?.getTime();
  return Object.freeze({
    cron,
    timeZone,
    next,
    latest(untilMs: number): number | undefined {
      return pattern.previousRuns(1, new Date(untilMs + 1))[0]?.getTime();
    },
    between(afterMs: number, untilMs: number, limit = 1000): number[] {
      const out: number[] = [];
      let t = next(afterMs);
      while (t !== undefined && t <= untilMs && out.length < limit) {
        out.push(t);
        t = next(t);
      }
      return out;
    },
  });
}
