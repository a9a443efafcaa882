import { QuarryError } from '../errors.ts';
import { DAY_MS, daysFromCivil, utcYearOf } from './civil-days.ts';

/** The UTC offsets of one UTC year of a time zone: the offset at its start and each change in it. */
interface YearOffsets {
  readonly start: number;
  readonly end: number;
  readonly base: number;
  /** Instants where the offset changes, in (start, end]; `offsets[k]` holds from `times[k]` on. */
  readonly times: readonly number[];
  readonly offsets: readonly number[];
}

/** One change of a zone's UTC offset: from `at` on, `after` replaces `before` (both in ms). */
export interface OffsetTransition {
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

// Offsets never exceed ±18 h, so every instant showing a given wall-clock time lies within a day of it.
const SEARCH_MS = 2 * DAY_MS;
const rulesByName = new Map<string, TimeZoneRules>();

/**
 * The UTC offsets of an IANA time zone, read from `Intl.DateTimeFormat` and cached per UTC year.
 *
 * Offsets and instants are milliseconds; "local" values are wall-clock milliseconds counted as if
 * the wall clock were UTC (local = instant + offset). Transitions are found by sampling each day of
 * a year and bisecting to the second, so a year costs a few hundred `Intl` calls once per process.
 */
export class TimeZoneRules {
  /** The canonical zone name as `Intl` resolves it (`utc` → `UTC`). */
  readonly name: string;
  /** True for UTC, where every conversion is the identity. */
  readonly isUtc: boolean;
  readonly #format: Intl.DateTimeFormat | undefined;
  readonly #years = new Map<number, YearOffsets>();
  #last: YearOffsets | undefined;

  private constructor(name: string, format: Intl.DateTimeFormat | undefined) {
    this.name = name;
    this.isUtc = format === undefined;
    this.#format = format;
  }

  /** The (shared, cached) rules of a time zone; throws `QUARRY_BAD_PARTITIONS_DEFINITION` for an unknown name. */
  static for(timeZone: string): TimeZoneRules {
    const cached = rulesByName.get(timeZone);
    if (cached) return cached;
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    } catch {
      throw new QuarryError(
        'QUARRY_BAD_PARTITIONS_DEFINITION',
        `Time zone "${timeZone}" is not an IANA time zone name: use one such as "UTC", "America/New_York" or "Europe/Berlin".`,
      );
    }
    const name = format.resolvedOptions().timeZone;
    const rules = rulesByName.get(name) ?? new TimeZoneRules(name, name === 'UTC' ? undefined : format);
    rulesByName.set(name, rules);
    rulesByName.set(timeZone, rules);
    return rules;
  }

  /** The UTC offset (ms) in effect at an instant. */
  offsetAt(instant: number): number {
    if (this.isUtc) return 0;
    let year = this.#last;
    if (year === undefined || instant < year.start || instant >= year.end) {
      year = this.#year(utcYearOf(instant));
      this.#last = year;
    }
    const { times, offsets } = year;
    if (times.length === 0 || instant < times[0]!) return year.base;
    let lo = 0;
    let hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid]! <= instant) lo = mid;
      else hi = mid - 1;
    }
    return offsets[lo]!;
  }

  /** Calls `visit` for each offset transition in the instant interval (from, to], in order. */
  forEachTransition(from: number, to: number, visit: (transition: OffsetTransition) => void): void {
    if (this.isUtc || to <= from) return;
    const lastYear = utcYearOf(to);
    for (let y = utcYearOf(from) - 1; y <= lastYear; y++) {
      // A transition at the very start of a year is listed with the year before, hence `- 1`.
      const year = this.#year(y);
      for (let k = 0; k < year.times.length; k++) {
        const at = year.times[k]!;
        if (at > from && at <= to) visit({ at, before: k === 0 ? year.base : year.offsets[k - 1]!, after: year.offsets[k]! });
      }
    }
  }

  /** The first transition in the instant interval (from, to], if any. */
  firstTransition(from: number, to: number): OffsetTransition | undefined {
    let first: OffsetTransition | undefined;
    this.forEachTransition(from, to, (t) => {
      first ??= t;
    });
    return first;
  }

  /**
   * The instants whose wall-clock time is `local`, earliest first: one normally, none in a
   * spring-forward gap, two when clocks fall back.
   */
  instantsOfLocal(local: number): number[] {
    if (this.isUtc) return [local];
    const candidates = [this.offsetAt(local - SEARCH_MS)];
    this.forEachTransition(local - SEARCH_MS, local + SEARCH_MS, (t) => {
      if (!candidates.includes(t.after)) candidates.push(t.after);
    });
    const instants: number[] = [];
    for (const offset of candidates) {
      const instant = local - offset;
      if (this.offsetAt(instant) === offset && !instants.includes(instant)) instants.push(instant);
    }
    return instants.sort((a, b) => a - b);
  }

  /**
   * The first instant whose wall-clock time is at or after `local`: the earlier of two when clocks
   * fall back, and the moment clocks jump when `local` falls in a spring-forward gap.
   */
  startOfLocal(local: number): number {
    const instants = this.instantsOfLocal(local);
    if (instants.length > 0) return instants[0]!;
    let gapEnd: number | undefined;
    this.forEachTransition(local - SEARCH_MS, local + SEARCH_MS, (t) => {
      if (gapEnd === undefined && t.at + t.before <= local && local < t.at + t.after) gapEnd = t.at;
    });
    if (gapEnd === undefined) throw new Error(`TimeZoneRules(${this.name}): no instant shows local time ${local}`);
    return gapEnd;
  }

  #year(year: number): YearOffsets {
    let offsets = this.#years.get(year);
    if (offsets === undefined) {
      offsets = this.#scanYear(year);
      this.#years.set(year, offsets);
    }
    return offsets;
  }

  #scanYear(year: number): YearOffsets {
    const start = daysFromCivil(year, 1, 1) * DAY_MS;
    const end = daysFromCivil(year + 1, 1, 1) * DAY_MS;
    const base = this.#rawOffset(start);
    const times: number[] = [];
    const offsets: number[] = [];
    let previous = base;
    for (let t = start + DAY_MS; t <= end; t += DAY_MS) {
      const current = this.#rawOffset(t);
      if (current === previous) continue;
      // Offsets change on whole seconds, so bisecting to one second finds the exact instant.
      let lo = t - DAY_MS;
      let hi = t;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (this.#rawOffset(mid) === previous) lo = mid;
        else hi = mid;
      }
      times.push(hi);
      offsets.push(this.#rawOffset(hi));
      previous = current;
    }
    return { start, end, base, times, offsets };
  }

  #rawOffset(instant: number): number {
    const text = this.#format!.format(instant);
    const at = text.lastIndexOf('GMT');
    if (at < 0 || at + 3 === text.length) return 0;
    const sign = text.charCodeAt(at + 3) === 45 /* - */ || text.charCodeAt(at + 3) === 0x2212 ? -1 : 1;
    const h = Number(text.slice(at + 4, at + 6));
    const m = Number(text.slice(at + 7, at + 9));
    const s = text.length > at + 9 ? Number(text.slice(at + 10, at + 12)) : 0;
    return sign * ((h * 60 + m) * 60 + s) * 1000;
  }
}
