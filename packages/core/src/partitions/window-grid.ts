import { DAY_MS, civilFromDays, daysFromCivil, mod, utcYearOf } from './civil-days.ts';
import type { TimeGrain } from './time-grain.ts';
import { subDailyPeriod } from './time-grain.ts';
import type { TimeZoneRules } from './time-zone-rules.ts';

/**
 * The index arithmetic of a series of time windows in one time zone, unbounded in both directions:
 * window 0 is the first window at or after the series start, negative indices lie before it.
 */
export interface WindowGrid {
  /** The index of the window containing an instant (ms). */
  indexAt(instant: number): number;
  /** The instant (ms) window `index` starts at; it ends where `index + 1` starts. */
  startOf(index: number): number;
  /** The wall-clock time (ms, counted as if UTC) window `index` starts at. */
  localStartOf(index: number): number;
  /** The index of the window starting at wall-clock time `local`, or undefined if none starts there. */
  indexOfLocalStart(local: number, instant: number): number | undefined;
}

/**
 * Builds the grid of a grain whose first window is the first one starting at or after `start` (ms).
 * `shift` (ms of wall-clock time, calendar grains only) moves every window start later: 6 h for days
 * starting 06:00, 11 days for months starting on the 12th.
 */
export function createWindowGrid(grain: TimeGrain, rules: TimeZoneRules, start: number, weekStartsOn: number, shift = 0): WindowGrid {
  const period = subDailyPeriod(grain);
  if (period !== undefined) return new SubDailyWindowGrid(rules, period, start);
  return new CalendarWindowGrid(rules, grain === 'monthly' ? 'month' : grain === 'weekly' ? 'week' : 'day', weekStartsOn, start, shift);
}

/**
 * Days, weeks and months: windows are local calendar units, so indices come from calendar
 * arithmetic on local dates (O(1)) and instants only from the zone's offset at a window boundary.
 * A day whose midnight is skipped by a DST jump starts at the jump.
 */
class CalendarWindowGrid implements WindowGrid {
  readonly #rules: TimeZoneRules;
  readonly #unit: 'day' | 'week' | 'month';
  // Day number of a day on the week's first weekday, so weeks are floor((day - anchor) / 7).
  readonly #weekAnchor: number;
  readonly #first: number;
  readonly #shift: number;

  constructor(rules: TimeZoneRules, unit: 'day' | 'week' | 'month', weekStartsOn: number, start: number, shift: number) {
    this.#rules = rules;
    this.#unit = unit;
    this.#weekAnchor = mod(weekStartsOn - 4, 7);
    this.#shift = shift;
    let first = this.#unitOfLocal(start + rules.offsetAt(start));
    if (rules.startOfLocal(this.#localOfUnit(first)) < start) first += 1;
    this.#first = first;
  }

  indexAt(instant: number): number {
    const index = this.#unitOfLocal(instant + this.#rules.offsetAt(instant)) - this.#first;
    if (this.#shift === 0) return index;
    // A shifted start inside a repeated wall-clock hour (01:30 on fall-back day) starts at its first
    // occurrence, so instants of the second occurrence read as the window before: correct by one.
    if (this.startOf(index + 1) <= instant) return index + 1;
    if (this.startOf(index) > instant) return index - 1;
    return index;
  }

  startOf(index: number): number {
    return this.#rules.startOfLocal(this.#localOfUnit(this.#first + index));
  }

  localStartOf(index: number): number {
    return this.#localOfUnit(this.#first + index);
  }

  indexOfLocalStart(local: number): number | undefined {
    const unit = this.#unitOfLocal(local);
    return this.#localOfUnit(unit) === local ? unit - this.#first : undefined;
  }

  #unitOfLocal(local: number): number {
    const days = Math.floor((local - this.#shift) / DAY_MS);
    if (this.#unit === 'day') return days;
    if (this.#unit === 'week') return Math.floor((days - this.#weekAnchor) / 7);
    const { year, month } = civilFromDays(days);
    return year * 12 + month - 1;
  }

  #localOfUnit(unit: number): number {
    if (this.#unit === 'day') return unit * DAY_MS + this.#shift;
    if (this.#unit === 'week') return (this.#weekAnchor + unit * 7) * DAY_MS + this.#shift;
    return daysFromCivil(Math.floor(unit / 12), mod(unit, 12) + 1, 1) * DAY_MS + this.#shift;
  }
}

/**
 * Hours and quarter hours: a window boundary is every instant whose wall-clock time is a multiple
 * of the period, so a spring-forward hour has no window and a fall-back hour has two. Between two
 * "phase breaks" (offset changes that are not a multiple of the period, such as Lord Howe's
 * 30-minute DST for hourly windows, or a zone's move off local mean time) boundaries form a regular
 * grid, so each such piece stores one constant and index = k + floor((t - phase) / period). In
 * whole-hour DST zones there is a single piece and index = (t - start) / period.
 */
class SubDailyWindowGrid implements WindowGrid {
  readonly #rules: TimeZoneRules;
  readonly #period: number;
  readonly #start: number;
  // Known phase breaks, sorted, for the UTC years [#fromYear, #toYear); piece j spans
  // [breaks[j - 1], breaks[j]) and has phase #phases[j] and constant #constants[j].
  #breaks: number[] = [];
  #phases: number[] = [];
  #constants: number[] = [];
  #fromYear: number;
  #toYear: number;

  constructor(rules: TimeZoneRules, period: number, start: number) {
    this.#rules = rules;
    this.#period = period;
    this.#start = this.#firstBoundaryAtOrAfter(start);
    this.#fromYear = utcYearOf(this.#start);
    this.#toYear = this.#fromYear;
    if (!rules.isUtc) this.#cover(this.#start);
  }

  indexAt(instant: number): number {
    if (this.#rules.isUtc) return Math.floor((instant - this.#start) / this.#period);
    this.#cover(instant);
    const j = this.#pieceOf(instant);
    return this.#constants[j]! + Math.floor((instant - this.#phases[j]!) / this.#period);
  }

  startOf(index: number): number {
    if (this.#rules.isUtc) return this.#start + index * this.#period;
    for (;;) {
      // Boundary `index` lies in the one piece whose grid puts it inside the piece.
      let lo = 0;
      let hi = this.#breaks.length;
      let found: number | undefined;
      while (lo <= hi) {
        const j = (lo + hi) >> 1;
        const g = this.#phases[j]! + (index - this.#constants[j]!) * this.#period;
        if (j > 0 && g < this.#breaks[j - 1]!) hi = j - 1;
        else if (j < this.#breaks.length && g >= this.#breaks[j]!) lo = j + 1;
        else {
          found = g;
          break;
        }
      }
      if (found === undefined) throw new Error(`SubDailyWindowGrid(${this.#rules.name}): no piece holds boundary ${index}`);
      if (this.#covers(found)) return found;
      this.#cover(found);
    }
  }

  localStartOf(index: number): number {
    const start = this.startOf(index);
    return start + this.#rules.offsetAt(start);
  }

  indexOfLocalStart(local: number, instant: number): number | undefined {
    return mod(local, this.#period) === 0 ? this.indexAt(instant) : undefined;
  }

  #pieceOf(instant: number): number {
    let lo = 0;
    let hi = this.#breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#breaks[mid]! <= instant) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #covers(instant: number): boolean {
    const year = utcYearOf(instant);
    return year >= this.#fromYear && year < this.#toYear;
  }

  /** Extends the known phase breaks to the UTC year of `instant` and recomputes the pieces. */
  #cover(instant: number): void {
    const year = utcYearOf(instant);
    if (year >= this.#fromYear && year < this.#toYear) return;
    const phase = (offset: number): number => mod(-offset, this.#period);
    const yearBreaks = (y: number): number[] => {
      const found: number[] = [];
      this.#rules.forEachTransition(daysFromCivil(y, 1, 1) * DAY_MS, daysFromCivil(y + 1, 1, 1) * DAY_MS, (t) => {
        if (phase(t.before) !== phase(t.after)) found.push(t.at);
      });
      return found;
    };
    const before: number[] = [];
    if (this.#fromYear === this.#toYear) this.#fromYear = this.#toYear = year;
    while (year < this.#fromYear) before.unshift(...yearBreaks(--this.#fromYear));
    const after: number[] = [];
    while (year >= this.#toYear) after.push(...yearBreaks(this.#toYear++));
    const breaks = [...before, ...this.#breaks, ...after];
    const p = this.#period;
    // Piece j holds [breaks[j - 1], breaks[j]); its phase is that of any instant inside it.
    const phases = breaks.map((b) => phase(this.#rules.offsetAt(b - 1)));
    phases.push(phase(this.#rules.offsetAt(breaks.length > 0 ? breaks[breaks.length - 1]! : this.#start)));
    const constants = new Array<number>(phases.length);
    const s = this.#pieceOfIn(breaks, this.#start);
    constants[s] = -Math.floor((this.#start - phases[s]!) / p);
    const isBoundary = (t: number, ph: number): number => (mod(t - ph, p) === 0 ? 1 : 0);
    for (let j = s + 1; j < phases.length; j++) {
      const b = breaks[j - 1]!;
      const atBreak = constants[j - 1]! + Math.floor((b - 1 - phases[j - 1]!) / p) + isBoundary(b, phases[j]!);
      constants[j] = atBreak - Math.floor((b - phases[j]!) / p);
    }
    for (let j = s - 1; j >= 0; j--) {
      const b = breaks[j]!;
      const beforeBreak = constants[j + 1]! + Math.floor((b - phases[j + 1]!) / p) - isBoundary(b, phases[j + 1]!);
      constants[j] = beforeBreak - Math.floor((b - 1 - phases[j]!) / p);
    }
    this.#breaks = breaks;
    this.#phases = phases;
    this.#constants = constants;
  }

  #pieceOfIn(breaks: readonly number[], instant: number): number {
    let j = 0;
    while (j < breaks.length && breaks[j]! <= instant) j++;
    return j;
  }

  #firstBoundaryAtOrAfter(instant: number): number {
    let cursor = instant;
    for (;;) {
      const offset = this.#rules.offsetAt(cursor);
      const candidate = cursor + mod(-offset - cursor, this.#period);
      const change = this.#rules.firstTransition(cursor, candidate);
      if (change === undefined) return candidate;
      cursor = change.at;
    }
  }
}
