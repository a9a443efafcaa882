import { QuarryError } from '../errors.ts';
import { BasePartitionsDefinition } from './base-partitions-definition.ts';
import { DAY_MS, daysFromCivil, daysInMonth, mod } from './civil-days.ts';
import type { PartitionsContext, PartitionsDefinition } from './partitions-definition.ts';
import type { TimeGrain } from './time-grain.ts';
import { DEFAULT_TIME_KEY_FORMATS, TIME_GRAINS, subDailyPeriod } from './time-grain.ts';
import { TimeKeyFormat, formatLocalIso, formatUtcOffset } from './time-key-format.ts';
import { TimeZoneRules } from './time-zone-rules.ts';
import type { WindowGrid } from './window-grid.ts';
import { createWindowGrid } from './window-grid.ts';

/** A time window: `start` included, `end` excluded. */
export interface TimeWindow {
  readonly start: Date;
  readonly end: Date;
}

/** A day of the week: 0 = Sunday … 6 = Saturday. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/**
 * A series of consecutive time windows (15 minutes, hours, days, weeks or months) in one time
 * zone, keyed by the local wall-clock time each window starts at. Only complete windows exist:
 * the last partition is the last window that ended at or before `ctx.now` (and `end`, if declared).
 */
export interface TimeWindowPartitionsDefinition extends PartitionsDefinition {
  readonly kind: 'time-window';
  /** The window length. */
  readonly grain: TimeGrain;
  /** The IANA time zone windows are laid out in, as `Intl` names it (`UTC`, `America/New_York`). */
  readonly timezone: string;
  /** The key format, e.g. `yyyy-MM-dd`. */
  readonly format: string;
  /** The first day of a week (only weekly windows use it). */
  readonly weekStartsOn: Weekday;
  /** Where the first window starts (the first window boundary at or after the declared start). */
  readonly start: Date;
  /** Where the last possible window ends (exclusive bound), or undefined when open-ended. */
  readonly end: Date | undefined;
  /** The bounds of window `index`; any integer works, so windows before the first or after the last extend the series. */
  windowOf(index: number): TimeWindow;
  /** The index of the window containing an instant, unbounded: negative before the first window. */
  indexAt(instant: Date | number): number;
  /** The key window `index` has, or would have: any integer works, for naming windows that do not exist. */
  keyOfWindow(index: number): string;
}

/** Where a time series starts or ends: a `Date`, or wall-clock text in the series' time zone (`2026-01-01`, `2026-01-01T06:00`). */
export type TimeBound = string | Date;

/** The options of `dailyPartitions`, `hourlyPartitions`, `fifteenMinutePartitions` and `monthlyPartitions`. */
export interface TimeGrainPartitionsConfig {
  /** The first window is the first one starting at or after `start`. */
  readonly start: TimeBound;
  /** Exclusive bound: the last partition is the last window ending at or before `end` (as in Dagster). */
  readonly end?: TimeBound;
  /** An IANA time zone name; defaults to `UTC`. */
  readonly timezone?: string;
  /** The key format (tokens yyyy, MM, dd, HH, mm); defaults to `DEFAULT_TIME_KEY_FORMATS[grain]`. */
  readonly format?: string;
  /**
   * Moves the last partition by this many windows (Dagster's `end_offset`): 1 includes the current,
   * incomplete window; -1 holds back the last complete one (late data). Default 0.
   */
  readonly endOffset?: number;
  /** Days, weeks and months start at this local hour (0–23; Dagster's `hour_offset`). Default 0. */
  readonly hourOffset?: number;
  /** Days, weeks and months start at this minute of the hour (0–59; Dagster's `minute_offset`). Default 0. */
  readonly minuteOffset?: number;
  /** Months start on this day of the month (1–28; Dagster's `day_offset` of monthly partitions). Default 1. */
  readonly dayOffset?: number;
}

/** The options of `weeklyPartitions`. */
export interface WeeklyPartitionsConfig extends TimeGrainPartitionsConfig {
  /** The first day of each week: 0 = Sunday (default, as in Dagster) … 6 = Saturday. */
  readonly weekStartsOn?: Weekday;
}

/** The options of `timeWindowPartitions`: any grain. */
export interface TimeWindowPartitionsConfig extends WeeklyPartitionsConfig {
  /** The window length: `15min`, `hourly`, `daily`, `weekly` or `monthly` (`TIME_GRAINS`). */
  readonly grain: TimeGrain;
}

const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
// A UTC offset only after a time: Dagster's hourly start "2026-01-01-00:00" is a local time, not the offset -00:00.
const BOUND_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T -](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?$/;

class TimeWindowPartitions extends BasePartitionsDefinition implements TimeWindowPartitionsDefinition {
  readonly kind = 'time-window' as const;
  readonly id: string;
  readonly grain: TimeGrain;
  readonly timezone: string;
  readonly format: string;
  readonly weekStartsOn: Weekday;
  readonly #rules: TimeZoneRules;
  readonly #keyFormat: TimeKeyFormat;
  readonly #grid: WindowGrid;
  readonly #subDaily: boolean;
  readonly #endCount: number;
  readonly #endOffset: number;
  /** Wall-clock ms a key without a time (or day) part lacks: the offsets the window start has. */
  readonly #keyFill: number;

  constructor(config: TimeWindowPartitionsConfig) {
    super();
    const grain = config.grain;
    if (!TIME_GRAINS.includes(grain)) {
      throw new QuarryError(
        'QUARRY_BAD_PARTITIONS_DEFINITION',
        `Time grain ${JSON.stringify(grain) ?? String(grain)} is not one of ${TIME_GRAINS.map((g) => `"${g}"`).join(', ')}.`,
      );
    }
    const weekStartsOn = config.weekStartsOn ?? 0;
    if (!Number.isInteger(weekStartsOn) || weekStartsOn < 0 || weekStartsOn > 6) {
      throw new QuarryError(
        'QUARRY_BAD_PARTITIONS_DEFINITION',
        `weekStartsOn ${String(weekStartsOn)} of weekly partitions is not a weekday: use 0 (Sunday) to 6 (Saturday).`,
      );
    }
    const rules = TimeZoneRules.for(config.timezone ?? 'UTC');
    const keyFormat = TimeKeyFormat.compile(config.format ?? DEFAULT_TIME_KEY_FORMATS[grain], grain);
    if (config.start === undefined) {
      throw new QuarryError('QUARRY_BAD_PARTITIONS_DEFINITION', `${grain} partitions need a start: pass { start: '2026-01-01' } or a Date.`);
    }
    const start = parseBound(config.start, 'start', grain, rules);
    const offsets = validOffsets(config, grain);
    const shift = ((offsets.dayOffset - 1) * 24 * 60 + offsets.hourOffset * 60 + offsets.minuteOffset) * 60_000;
    const grid = createWindowGrid(grain, rules, start, weekStartsOn, shift);
    this.#endOffset = offsets.endOffset;
    this.#keyFill =
      (keyFormat.pattern.includes('dd') ? 0 : (offsets.dayOffset - 1) * DAY_MS) +
      (keyFormat.pattern.includes('HH') ? 0 : offsets.hourOffset * 3_600_000) +
      (keyFormat.pattern.includes('mm') ? 0 : offsets.minuteOffset * 60_000);
    this.grain = grain;
    this.timezone = rules.name;
    this.format = keyFormat.pattern;
    this.weekStartsOn = weekStartsOn;
    this.#rules = rules;
    this.#keyFormat = keyFormat;
    this.#grid = grid;
    this.#subDaily = subDailyPeriod(grain) !== undefined;
    const firstYear = new Date(grid.localStartOf(0)).getUTCFullYear();
    if (firstYear < 1 || firstYear > 9999) {
      throw new QuarryError(
        'QUARRY_BAD_PARTITIONS_DEFINITION',
        `Start ${describeBound(config.start)} of ${grain} partitions is outside the years 0001 to 9999 that keys can name.`,
      );
    }
    if (config.end !== undefined) {
      const endCount = grid.indexAt(parseBound(config.end, 'end', grain, rules));
      if (endCount <= 0) {
        throw new QuarryError(
          'QUARRY_BAD_PARTITIONS_DEFINITION',
          `End ${describeBound(config.end)} of ${grain} partitions leaves no complete window after the start ${formatLocalIso(grid.localStartOf(0), subDailyPeriod(grain) === undefined)}: ` +
            `end is exclusive, so pass an end at least one ${grain} window later.`,
        );
      }
      this.#endCount = endCount;
    } else {
      this.#endCount = Number.POSITIVE_INFINITY;
    }
    const endText = this.#endCount === Number.POSITIVE_INFINITY ? '' : `,end=${this.#boundText(this.#endCount)}`;
    const offsetText = (['dayOffset', 'hourOffset', 'minuteOffset', 'endOffset'] as const)
      .filter((name) => offsets[name] !== (name === 'dayOffset' ? 1 : 0))
      .map((name) => `,${name}=${offsets[name]}`)
      .join('');
    this.id = `${grain}(start=${this.#boundText(0)}${endText},tz=${this.timezone},fmt=${this.format}${offsetText})`;
    Object.freeze(this);
  }

  get start(): Date {
    return new Date(this.#grid.startOf(0));
  }

  get end(): Date | undefined {
    return this.#endCount === Number.POSITIVE_INFINITY ? undefined : new Date(this.#grid.startOf(this.#endCount));
  }

  size(ctx?: PartitionsContext): number {
    const now = ctx?.now ?? new Date();
    const instant = now.getTime();
    if (Number.isNaN(instant)) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `Partitions context "now" is an invalid Date: pass a valid Date or leave it out to use the clock.`);
    }
    return Math.max(0, Math.min(this.#endCount, this.#grid.indexAt(instant) + this.#endOffset));
  }

  windowOf(index: number): TimeWindow {
    if (!Number.isSafeInteger(index)) {
      throw new QuarryError('QUARRY_BAD_SUBSET', `Partition index ${String(index)} of ${this.id} is not an integer.`);
    }
    return Object.freeze({ start: new Date(this.#grid.startOf(index)), end: new Date(this.#grid.startOf(index + 1)) });
  }

  indexAt(instant: Date | number): number {
    const ms = typeof instant === 'number' ? instant : instant.getTime();
    if (!Number.isFinite(ms)) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `Instant ${String(instant)} is not a valid time: pass a valid Date or epoch milliseconds.`);
    }
    return this.#grid.indexAt(ms);
  }

  keyOfWindow(index: number): string {
    if (!Number.isSafeInteger(index)) {
      throw new QuarryError('QUARRY_BAD_SUBSET', `Partition index ${String(index)} of ${this.id} is not an integer.`);
    }
    return this.keyAtUnchecked(index);
  }

  protected keyAtUnchecked(index: number): string {
    if (!this.#subDaily) return this.#keyFormat.format(this.#grid.localStartOf(index));
    const start = this.#grid.startOf(index);
    const offset = this.#rules.offsetAt(start);
    const local = start + offset;
    return this.#keyFormat.format(local, this.#isAmbiguous(start, local) ? offset : undefined);
  }

  protected lookup(key: string, ctx: PartitionsContext | undefined): number {
    const parsed = this.#keyFormat.parse(key);
    if (parsed === undefined) return -1;
    let index: number | undefined;
    if (!this.#subDaily) {
      if (parsed.offset !== undefined) return -1;
      index = this.#grid.indexOfLocalStart(parsed.local + this.#keyFill, Number.NaN);
    } else {
      const instants = this.#rules.instantsOfLocal(parsed.local);
      const instant =
        parsed.offset === undefined
          ? instants.length === 1
            ? instants[0]
            : undefined
          : instants.length === 2 && instants.includes(parsed.local - parsed.offset)
            ? parsed.local - parsed.offset
            : undefined;
      if (instant === undefined) return -1;
      index = this.#grid.indexOfLocalStart(parsed.local, instant);
    }
    return index !== undefined && index >= 0 && index < this.size(ctx) ? index : -1;
  }

  protected badKeyMessage(key: string, ctx: PartitionsContext | undefined): string {
    const parsed = this.#keyFormat.parse(key);
    const period = subDailyPeriod(this.grain);
    if (parsed !== undefined && period !== undefined && mod(parsed.local, period) === 0) {
      const instants = this.#rules.instantsOfLocal(parsed.local);
      const when = formatLocalIso(parsed.local, false).replace('T', ' ');
      if (instants.length === 0) {
        return `Partition key "${key}" is not a key of ${this.id}: ${when} does not exist in ${this.timezone} (clocks skip it); expected ${this.#expectation(ctx)}.`;
      }
      if (instants.length === 2 && parsed.offset === undefined) {
        const [first, second] = instants.map((t) => this.#keyFormat.format(parsed.local, this.#rules.offsetAt(t)));
        return `Partition key "${key}" is ambiguous in ${this.id}: ${when} happens twice in ${this.timezone} (clocks fall back); use "${first}" or "${second}".`;
      }
    }
    return `Partition key "${key}" is not a key of ${this.id}: expected ${this.#expectation(ctx)}.`;
  }

  #expectation(ctx: PartitionsContext | undefined): string {
    const hasToken = (token: string): boolean => this.format.includes(token);
    let form = this.format;
    if (this.grain === 'weekly') form += ` (a ${WEEKDAY_NAMES[this.weekStartsOn]})`;
    else if (this.grain === 'monthly' && hasToken('dd')) form += ' (the first day of a month)';
    else if (this.grain === 'hourly' && hasToken('mm')) form += ' (on the hour)';
    else if (this.grain === '15min') form += ' (at :00, :15, :30 or :45)';
    const size = this.size(ctx);
    if (size > 0) return `${form} from ${this.keyAtUnchecked(0)} to ${this.keyAtUnchecked(size - 1)}`;
    return `${form}, but no partition is complete yet (the first, ${this.keyAtUnchecked(0)}, ends at ${new Date(this.#grid.startOf(1)).toISOString()})`;
  }

  #isAmbiguous(start: number, local: number): boolean {
    if (this.#rules.isUtc || this.#rules.firstTransition(start - 2 * DAY_MS, start + 2 * DAY_MS) === undefined) return false;
    return this.#rules.instantsOfLocal(local).length > 1;
  }

  /** The wall-clock text of window boundary `index`, for the canonical id. */
  #boundText(index: number): string {
    if (!this.#subDaily) return formatLocalIso(this.#grid.localStartOf(index), true);
    const start = this.#grid.startOf(index);
    const offset = this.#rules.offsetAt(start);
    const local = start + offset;
    return formatLocalIso(local, false) + (this.#isAmbiguous(start, local) ? formatUtcOffset(offset) : '');
  }
}

/** The offsets of a time-window config, checked; throws `QUARRY_BAD_PARTITIONS_DEFINITION` naming a bad one. */
function validOffsets(config: TimeWindowPartitionsConfig, grain: TimeGrain): { endOffset: number; hourOffset: number; minuteOffset: number; dayOffset: number } {
  const check = (name: string, value: number | undefined, fallback: number, min: number, max: number, hint: string): number => {
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new QuarryError('QUARRY_BAD_PARTITIONS_DEFINITION', `${name} ${JSON.stringify(value) ?? String(value)} of ${grain} partitions is not allowed: ${hint}.`);
    }
    return value;
  };
  const endOffset = check('endOffset', config.endOffset, 0, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'use an integer number of windows (1 includes the current window)');
  const calendar = subDailyPeriod(grain) === undefined;
  const within = calendar ? '' : ' (only daily, weekly and monthly partitions take it)';
  const hourOffset = check('hourOffset', config.hourOffset, 0, 0, calendar ? 23 : -1, `use an hour from 0 to 23${within}`);
  const minuteOffset = check('minuteOffset', config.minuteOffset, 0, 0, calendar ? 59 : -1, `use a minute from 0 to 59${within}`);
  const dayOffset = check('dayOffset', config.dayOffset, 1, 1, grain === 'monthly' ? 28 : 0, 'use a day of the month from 1 to 28 (only monthly partitions take it; weekly ones take weekStartsOn)');
  return { endOffset, hourOffset, minuteOffset, dayOffset };
}

function parseBound(value: TimeBound, what: 'start' | 'end', grain: TimeGrain, rules: TimeZoneRules): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw badBound(value, what, grain, rules);
    return ms;
  }
  const match = typeof value === 'string' ? BOUND_RE.exec(value) : null;
  if (!match) throw badBound(value, what, grain, rules);
  const [, y, mo, d, h = '00', mi = '00', s = '00', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw badBound(value, what, grain, rules);
  }
  const local = daysFromCivil(year, month, day) * DAY_MS + ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000;
  if (zone === undefined) return rules.startOfLocal(local);
  if (zone === 'Z') return local;
  const offset = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  return local - (zone.startsWith('-') ? -offset : offset);
}

function badBound(value: unknown, what: string, grain: TimeGrain, rules: TimeZoneRules): QuarryError {
  return new QuarryError(
    'QUARRY_BAD_PARTITIONS_DEFINITION',
    `${what === 'start' ? 'Start' : 'End'} ${describeBound(value)} of ${grain} partitions is not a date or time: ` +
      `expected "yyyy-MM-dd" or "yyyy-MM-ddTHH:mm" (wall-clock time in ${rules.name}) or a valid Date.`,
  );
}

function describeBound(value: unknown): string {
  return value instanceof Date ? `Date(${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()})` : (JSON.stringify(value) ?? String(value));
}

/**
 * Declares time-window partitions of any grain; the grain-named factories below are shorthands.
 *
 * ```ts
 * const days = timeWindowPartitions({ grain: 'daily', start: '2026-01-01', timezone: 'Europe/Berlin' });
 * days.keyAt(0); // '2026-01-01'
 * days.windowOf(0); // { start: 2025-12-31T23:00:00.000Z, end: 2026-01-01T23:00:00.000Z }
 * ```
 */
export function timeWindowPartitions(config: TimeWindowPartitionsConfig): TimeWindowPartitionsDefinition {
  return new TimeWindowPartitions(config);
}

/**
 * Declares daily partitions keyed `yyyy-MM-dd`, one per local calendar day (23 or 25 hours long on DST days).
 *
 * ```ts
 * const days = dailyPartitions({ start: '2026-01-01' });
 * days.range('2026-01-01', '2026-01-07', { now: new Date('2026-02-01') }).count; // 7
 * ```
 */
export function dailyPartitions(config: TimeGrainPartitionsConfig): TimeWindowPartitionsDefinition {
  return new TimeWindowPartitions({ ...config, grain: 'daily' });
}

/**
 * Declares hourly partitions keyed `yyyy-MM-dd-HH:mm`, one per real hour: a spring-forward day has
 * 23, a fall-back day 25, and the repeated hour's two keys carry their UTC offsets
 * (`2026-11-01-01:00-04:00`, `2026-11-01-01:00-05:00`).
 *
 * ```ts
 * const hours = hourlyPartitions({ start: '2026-01-01', timezone: 'America/New_York' });
 * ```
 */
export function hourlyPartitions(config: TimeGrainPartitionsConfig): TimeWindowPartitionsDefinition {
  return new TimeWindowPartitions({ ...config, grain: 'hourly' });
}

/**
 * Declares 15-minute partitions keyed `yyyy-MM-dd-HH:mm` (`:00`, `:15`, `:30`, `:45`), with the same
 * DST rules as `hourlyPartitions`.
 *
 * ```ts
 * const quarters = fifteenMinutePartitions({ start: '2026-01-01T00:00' });
 * ```
 */
export function fifteenMinutePartitions(config: TimeGrainPartitionsConfig): TimeWindowPartitionsDefinition {
  return new TimeWindowPartitions({ ...config, grain: '15min' });
}

/**
 * Declares weekly partitions keyed by the week's first day (`yyyy-MM-dd`); weeks start on Sunday
 * unless `weekStartsOn` says otherwise, and the first week is the first one starting at or after `start`.
 *
 * ```ts
 * const weeks = weeklyPartitions({ start: '2026-01-01', weekStartsOn: 1 }); // first key 2026-01-05, a Monday
 * ```
 */
export function weeklyPartitions(config: WeeklyPartitionsConfig): TimeWindowPartitionsDefinition {
  return new TimeWindowPartitions({ ...config, grain: 'weekly' });
}

/**
 * Declares monthly partitions keyed by the month's first day (`yyyy-MM-dd`, as in Dagster; pass
 * `format: 'yyyy-MM'` for `2026-01`); the first month is the first one starting at or after `start`.
 *
 * ```ts
 * const months = monthlyPartitions({ start: '2026-01-01', format: 'yyyy-MM' });
 * months.keyAt(1); // '2026-02'
 * ```
 */
export function monthlyPartitions(config: TimeGrainPartitionsConfig): TimeWindowPartitionsDefinition {
  return new TimeWindowPartitions({ ...config, grain: 'monthly' });
}

/** True when `def` is a time-window partitions definition. */
export function isTimeWindowPartitionsDefinition(def: PartitionsDefinition | undefined): def is TimeWindowPartitionsDefinition {
  return def?.kind === 'time-window';
}
