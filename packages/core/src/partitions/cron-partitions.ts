import { Cron } from 'croner';
import { QuarryError } from '../errors.ts';
import { BasePartitionsDefinition } from './base-partitions-definition.ts';
import { DAY_MS, daysFromCivil, daysInMonth, mod } from './civil-days.ts';
import type { PartitionsContext } from './partitions-definition.ts';
import type { TimeGrain } from './time-grain.ts';
import { TimeKeyFormat } from './time-key-format.ts';
import { lowerBound } from './lower-bound.ts';
import type { TimeBound, TimeWindow, TimeWindowPartitionsDefinition, Weekday } from './time-window-partitions.ts';
import { TimeZoneRules } from './time-zone-rules.ts';

/** The options of `cronPartitions`. */
export interface CronPartitionsConfig {
  /** A 5-field cron schedule (`0 *\/6 * * *`, `0 0 * * 1-5`, `0 0 1 *\/3 *`) read by croner; windows run from one tick to the next. */
  readonly cron: string;
  /** The first window starts at the first tick at or after `start` (a `Date`, or `yyyy-MM-dd` / `yyyy-MM-ddTHH:mm` wall time in `timezone`). */
  readonly start: TimeBound;
  /** The IANA time zone the schedule's wall-clock times are in; default UTC. */
  readonly timezone?: string;
  /** Key format of a window's start tick (`yyyy`, `MM`, `dd`, `HH`, `mm`); default `yyyy-MM-dd` when every tick is at midnight, else `yyyy-MM-dd-HH:mm`. */
  readonly fmt?: string;
  /** Windows counted past the last complete one (as in Dagster); default 0. */
  readonly endOffset?: number;
}

const CYCLE_YEARS = 400; // the Gregorian calendar (and its weekdays) repeat every 400 years
const BASE_YEAR = 2000; // a cycle inside croner's years; tables are per year of the cycle
const BOUND_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/;

/**
 * The tick arithmetic of one cron schedule in wall-clock time (ms counted as if UTC): ticks of a
 * matching day all have the same times of day, and which days match depends only on a year's
 * type (leap or not, weekday of 1 January). So counting ticks before a time, and finding the k-th
 * tick, are table look-ups and binary searches over bounded tables (14 year types × 366 days, 400
 * years), never a walk from the first tick.
 */
class CronTicks {
  readonly times: readonly number[];
  readonly #cron: Cron;
  readonly #yearPrefix = new Map<number, Int32Array>();
  // Matching days in the years of a cycle before year r of it (r = 0 … 400).
  readonly #cyclePrefix: Int32Array;

  constructor(cron: Cron, times: readonly number[]) {
    this.#cron = cron;
    this.times = times;
    this.#cyclePrefix = new Int32Array(CYCLE_YEARS + 1);
    for (let r = 0; r < CYCLE_YEARS; r++) this.#cyclePrefix[r + 1] = this.#cyclePrefix[r]! + this.#prefixOf(BASE_YEAR + r).at(-1)!;
  }

  get daysPerCycle(): number {
    return this.#cyclePrefix[CYCLE_YEARS]!;
  }

  /** Matching days before each day of `year` (index = day of year, 0-based; last entry = the year's total). */
  #prefixOf(year: number): Int32Array {
    const leap = daysInMonth(year, 2) === 29;
    const first = daysFromCivil(year, 1, 1);
    const type = (leap ? 7 : 0) + mod(first + 4, 7);
    let prefix = this.#yearPrefix.get(type);
    if (prefix === undefined) {
      // Any year of the same type has the same matching days: use the cycle's own.
      const y = BASE_YEAR + mod(year - BASE_YEAR, CYCLE_YEARS);
      const d0 = daysFromCivil(y, 1, 1);
      const length = leap ? 366 : 365;
      prefix = new Int32Array(length + 1);
      for (let d = 0; d < length; d++) prefix[d + 1] = prefix[d]! + (this.#cron.match(new Date((d0 + d) * DAY_MS + this.times[0]!)) ? 1 : 0);
      this.#yearPrefix.set(type, prefix);
    }
    return prefix;
  }

  #yearStart(year: number): number {
    return daysFromCivil(year, 1, 1);
  }

  /** Matching days before day number `day` (days since 1970-01-01). */
  #daysBefore(day: number, year: number): number {
    const cycle = Math.floor((year - BASE_YEAR) / CYCLE_YEARS);
    const r = year - BASE_YEAR - cycle * CYCLE_YEARS;
    return cycle * this.daysPerCycle + this.#cyclePrefix[r]! + this.#prefixOf(year)[day - this.#yearStart(year)]!;
  }

  /** How many ticks are at wall times before `local`. */
  countBefore(local: number): number {
    const day = Math.floor(local / DAY_MS);
    const year = new Date(day * DAY_MS).getUTCFullYear();
    const before = this.#daysBefore(day, year);
    const matches = this.#prefixOf(year)[day - this.#yearStart(year) + 1]! - this.#prefixOf(year)[day - this.#yearStart(year)]! === 1;
    return before * this.times.length + (matches ? lowerBound(this.times.length, (i) => this.times[i]! >= local - day * DAY_MS) : 0);
  }

  /** The wall time of tick `k` (the tick with `k` ticks before it). */
  tickAt(k: number): number {
    const n = Math.floor(k / this.times.length);
    const j = k - n * this.times.length;
    const cycle = Math.floor(n / this.daysPerCycle);
    const rem = n - cycle * this.daysPerCycle;
    const r = lowerBound(CYCLE_YEARS + 1, (i) => this.#cyclePrefix[i]! > rem) - 1;
    const year = BASE_YEAR + cycle * CYCLE_YEARS + r;
    const prefix = this.#prefixOf(year);
    const inYear = rem - this.#cyclePrefix[r]!;
    const doy = lowerBound(prefix.length, (i) => prefix[i]! > inYear) - 1;
    return (this.#yearStart(year) + doy) * DAY_MS + this.times[j]!;
  }
}

function badCron(cron: unknown, why: string): QuarryError {
  return new QuarryError(
    'QUARRY_BAD_PARTITIONS_DEFINITION',
    `Cron schedule ${JSON.stringify(cron) ?? String(cron)} of cronPartitions ${why}: pass 5 fields "minute hour day-of-month month day-of-week", e.g. "0 */6 * * *" or "0 0 * * 1-5".`,
  );
}

/** Reads the schedule with croner (wall-clock times as UTC) and the times of day of a matching day. */
function compileCron(cron: unknown): { cron: Cron; times: number[] } {
  if (typeof cron !== 'string' || cron.trim().split(/\s+/).length !== 5) throw badCron(cron, 'does not have 5 fields');
  let job: Cron;
  try {
    job = new Cron(cron, { timezone: 'UTC', paused: true });
  } catch (error) {
    throw badCron(cron, `is not valid (${(error as Error).message})`);
  }
  const first = job.nextRun(new Date(Date.UTC(BASE_YEAR, 0, 1) - 1));
  if (first === null) throw badCron(cron, 'never fires');
  const day = Math.floor(first.getTime() / DAY_MS);
  const times: number[] = [];
  for (let t: Date | null = first; t !== null && Math.floor(t.getTime() / DAY_MS) === day; t = job.nextRun(t)) times.push(t.getTime() - day * DAY_MS);
  return { cron: job, times };
}

const ticksByCron = new Map<string, CronTicks>();

class CronPartitions extends BasePartitionsDefinition implements TimeWindowPartitionsDefinition {
  readonly kind = 'time-window' as const;
  readonly id: string;
  /** The finest grain whose keys name these windows' starts (`hourly` with a time of day, else `daily`). */
  readonly grain: TimeGrain;
  readonly timezone: string;
  readonly format: string;
  readonly weekStartsOn: Weekday = 0;
  /** The cron schedule, as given. */
  readonly cron: string;
  readonly #rules: TimeZoneRules;
  readonly #ticks: CronTicks;
  readonly #keyFormat: TimeKeyFormat;
  // Ticks before the first window's start tick: partition i is tick #first + i.
  readonly #first: number;
  readonly #endOffset: number;

  constructor(config: CronPartitionsConfig) {
    super();
    const key = typeof config?.cron === 'string' ? config.cron.trim() : config?.cron;
    let ticks = typeof key === 'string' ? ticksByCron.get(key) : undefined;
    if (ticks === undefined) {
      const { cron, times } = compileCron(key);
      if (times.some((t) => t % 60_000 !== 0)) throw badCron(key, 'fires at seconds within a minute, which keys cannot name');
      ticks = new CronTicks(cron, times);
      if (ticks.daysPerCycle === 0) throw badCron(key, 'never fires');
      ticksByCron.set(key as string, ticks);
    }
    this.#ticks = ticks;
    this.cron = key as string;
    const rules = TimeZoneRules.for(config.timezone ?? 'UTC');
    this.#rules = rules;
    this.timezone = rules.name;
    const midnightOnly = ticks.times.length === 1 && ticks.times[0] === 0;
    const fmt = config.fmt ?? (midnightOnly ? 'yyyy-MM-dd' : 'yyyy-MM-dd-HH:mm');
    this.grain = midnightOnly ? 'daily' : 'hourly';
    if (!midnightOnly && !(fmt.includes('HH') && fmt.includes('mm'))) {
      throw new QuarryError(
        'QUARRY_BAD_PARTITIONS_DEFINITION',
        `Key format "${fmt}" of cronPartitions "${this.cron}" has no HH and mm, but the schedule fires at times of day other than midnight: add "HH:mm" (e.g. "yyyy-MM-dd-HH:mm").`,
      );
    }
    this.#keyFormat = TimeKeyFormat.compile(fmt, this.grain);
    this.format = this.#keyFormat.pattern;
    const endOffset = config.endOffset ?? 0;
    if (!Number.isSafeInteger(endOffset)) {
      throw new QuarryError('QUARRY_BAD_PARTITIONS_DEFINITION', `endOffset ${String(endOffset)} of cronPartitions "${this.cron}" is not a whole number: use e.g. 0 or 1.`);
    }
    this.#endOffset = endOffset;
    const start = parseStart(config.start, rules);
    this.#first = ticks.countBefore(start + rules.offsetAt(start));
    // A start inside a repeated hour may read one tick early: the first window starts at or after it.
    while (this.#instantOfTick(this.#first) < start) this.#first += 1;
    this.id = `cron(${this.cron},start=${this.#keyFormat.format(ticks.tickAt(this.#first))},tz=${this.timezone},fmt=${this.format}${endOffset !== 0 ? `,endOffset=${endOffset}` : ''})`;
    Object.freeze(this);
  }

  /** The instant a tick fires: its wall time, the first of two when clocks fall back, the jump when it falls in a spring-forward gap. */
  #instantOfTick(k: number): number {
    return this.#rules.startOfLocal(this.#ticks.tickAt(k));
  }

  get start(): Date {
    return new Date(this.#instantOfTick(this.#first));
  }

  get end(): Date | undefined {
    return undefined;
  }

  /** The index of the window containing an instant (negative before the first). */
  indexAt(instant: Date | number): number {
    const ms = typeof instant === 'number' ? instant : instant.getTime();
    if (!Number.isFinite(ms)) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `Instant ${String(instant)} is not a valid time: pass a valid Date or epoch milliseconds.`);
    }
    let k = this.#ticks.countBefore(ms + this.#rules.offsetAt(ms) + 1) - 1;
    while (this.#instantOfTick(k + 1) <= ms) k += 1;
    while (this.#instantOfTick(k) > ms) k -= 1;
    return k - this.#first;
  }

  size(ctx?: PartitionsContext): number {
    const now = ctx?.now ?? new Date();
    if (Number.isNaN(now.getTime())) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `Partitions context "now" is an invalid Date: pass a valid Date or leave it out to use the clock.`);
    }
    return Math.max(0, this.indexAt(now) + this.#endOffset);
  }

  windowOf(index: number): TimeWindow {
    if (!Number.isSafeInteger(index)) throw new QuarryError('QUARRY_BAD_SUBSET', `Partition index ${String(index)} of ${this.id} is not an integer.`);
    return Object.freeze({ start: new Date(this.#instantOfTick(this.#first + index)), end: new Date(this.#instantOfTick(this.#first + index + 1)) });
  }

  keyOfWindow(index: number): string {
    if (!Number.isSafeInteger(index)) throw new QuarryError('QUARRY_BAD_SUBSET', `Partition index ${String(index)} of ${this.id} is not an integer.`);
    return this.keyAtUnchecked(index);
  }

  protected keyAtUnchecked(index: number): string {
    return this.#keyFormat.format(this.#ticks.tickAt(this.#first + index));
  }

  protected lookup(key: string, ctx: PartitionsContext | undefined): number {
    const parsed = this.#keyFormat.parse(key);
    if (parsed === undefined || parsed.offset !== undefined) return -1;
    const k = this.#ticks.countBefore(parsed.local);
    if (this.#ticks.tickAt(k) !== parsed.local) return -1;
    const index = k - this.#first;
    return index >= 0 && index < this.size(ctx) ? index : -1;
  }

  protected badKeyMessage(key: string, ctx: PartitionsContext | undefined): string {
    const size = this.size(ctx);
    const range = size > 0 ? `from "${this.keyAtUnchecked(0)}" to "${this.keyAtUnchecked(size - 1)}"` : 'none yet';
    return `Partition key "${key}" is not a tick of cron schedule "${this.cron}" in ${this.timezone} formatted "${this.format}" within the partitions (${range}).`;
  }
}

function parseStart(value: TimeBound, rules: TimeZoneRules): number {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
  const match = typeof value === 'string' ? BOUND_RE.exec(value) : null;
  if (match) {
    const [, y, mo, d, h = '00', mi = '00'] = match;
    const year = Number(y);
    const month = Number(mo);
    const day = Number(d);
    if (month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && Number(h) <= 23 && Number(mi) <= 59) {
      return rules.startOfLocal(daysFromCivil(year, month, day) * DAY_MS + (Number(h) * 60 + Number(mi)) * 60_000);
    }
  }
  throw new QuarryError(
    'QUARRY_BAD_PARTITIONS_DEFINITION',
    `Start ${JSON.stringify(value) ?? String(value)} of cronPartitions is not a date or time: expected "yyyy-MM-dd" or "yyyy-MM-ddTHH:mm" (wall-clock time in ${rules.name}) or a valid Date.`,
  );
}

/**
 * Declares time-window partitions between consecutive ticks of a cron schedule (Dagster's
 * `TimeWindowPartitionsDefinition(cron_schedule=…)`), in a time zone: every 6 hours, weekdays only,
 * quarterly. Keys name a window's start tick; index ↔ key is table arithmetic (no walk over ticks).
 * A tick in a spring-forward gap fires at the jump; a tick in a repeated hour fires once, the first time.
 *
 * ```ts
 * const weekdays = cronPartitions({ cron: '0 0 * * 1-5', start: '2026-01-01', timezone: 'America/New_York' });
 * ```
 */
export function cronPartitions(config: CronPartitionsConfig): TimeWindowPartitionsDefinition & { readonly cron: string } {
  return new CronPartitions(config);
}
