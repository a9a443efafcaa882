import type { AutomationCondition } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
import { createCronSchedule } from './cron-schedule.ts';

/**
 * A condition true at each instant of a cron expression in a time zone (default UTC); the daemon then
 * requests the asset's latest complete time partition (or the whole asset when unpartitioned). An
 * invalid expression throws `QUARRY_BAD_CRON` naming it.
 *
 * ```ts
 * defineAsset({ key: 'raw/intraday', partitions: fifteenMinute, automation: onCron('0,15,30,45 * * * *', { timeZone: 'Europe/Berlin' }), … });
 * ```
 */
export function onCron(cron: string, options: { timeZone?: string } = {}): AutomationCondition {
  const timeZone = options.timeZone ?? 'UTC';
  createCronSchedule(cron, timeZone, 'onCron');
  return Object.freeze({ kind: 'cron', cron, timeZone });
}

/**
 * A condition true for partitions whose upstream data changed since they were last materialized.
 * An upstream re-materialized with identical data (same data version) does not count: early cut-off.
 */
export function eager(): AutomationCondition {
  return Object.freeze({ kind: 'eager' });
}

/** A condition true for partitions never materialized. */
export function missing(): AutomationCondition {
  return Object.freeze({ kind: 'missing' });
}

/** A condition true for partitions whose upstream asset `asset` changed data since they were last materialized. */
export function upstreamUpdated(asset: string): AutomationCondition {
  if (typeof asset !== 'string' || asset === '') throw new QuarryError('QUARRY_BAD_AUTOMATION', `upstreamUpdated needs an asset key such as 'raw/videos', got ${JSON.stringify(asset)}.`);
  return Object.freeze({ kind: 'upstream_updated', asset });
}

function conditions(name: string, list: readonly AutomationCondition[]): readonly AutomationCondition[] {
  if (list.length === 0) throw new QuarryError('QUARRY_BAD_AUTOMATION', `${name}() needs at least one condition.`);
  for (const c of list) {
    if (typeof c !== 'object' || c === null || typeof (c as { kind?: unknown }).kind !== 'string') {
      throw new QuarryError('QUARRY_BAD_AUTOMATION', `${name}() takes conditions built with onCron(), eager(), missing(), and(), or(), not(); got ${JSON.stringify(c)}.`);
    }
  }
  return Object.freeze([...list]);
}

/** A condition true for the partitions every one of `list` selects. */
export function and(...list: AutomationCondition[]): AutomationCondition {
  return Object.freeze({ kind: 'and', conditions: conditions('and', list) });
}

/** A condition true for the partitions any of `list` selects. */
export function or(...list: AutomationCondition[]): AutomationCondition {
  return Object.freeze({ kind: 'or', conditions: conditions('or', list) });
}

/** A condition true for the partitions `condition` does not select. */
export function not(condition: AutomationCondition): AutomationCondition {
  return Object.freeze({ kind: 'not', condition: conditions('not', [condition])[0]! });
}

/** A condition's text as docs and the UI print it: `or(missing(), eager())`. */
export function describeCondition(c: AutomationCondition): string {
  switch (c.kind) {
    case 'cron':
      return `onCron('${c.cron}'${c.timeZone !== 'UTC' ? `, { timeZone: '${c.timeZone}' }` : ''})`;
    case 'eager':
      return 'eager()';
    case 'missing':
      return 'missing()';
    case 'upstream_updated':
      return `upstreamUpdated('${c.asset}')`;
    case 'and':
    case 'or':
      return `${c.kind}(${c.conditions.map(describeCondition).join(', ')})`;
    case 'not':
      return `not(${describeCondition(c.condition)})`;
  }
}

/** The cron expressions inside a condition. */
export function conditionCrons(c: AutomationCondition): Extract<AutomationCondition, { kind: 'cron' }>[] {
  if (c.kind === 'cron') return [c];
  if (c.kind === 'and' || c.kind === 'or') return c.conditions.flatMap(conditionCrons);
  if (c.kind === 'not') return conditionCrons(c.condition);
  return [];
}

/** True when the condition reads staleness (eager, missing, upstreamUpdated anywhere in it). */
export function conditionNeedsStaleness(c: AutomationCondition): boolean {
  if (c.kind === 'eager' || c.kind === 'missing' || c.kind === 'upstream_updated') return true;
  if (c.kind === 'and' || c.kind === 'or') return c.conditions.some(conditionNeedsStaleness);
  if (c.kind === 'not') return conditionNeedsStaleness(c.condition);
  return false;
}
