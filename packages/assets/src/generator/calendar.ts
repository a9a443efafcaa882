// UTC calendar arithmetic on whole days and seconds, without Date objects in the hot path.

/** Seconds in one day. */
export const DAY_SECONDS = 86_400;

const DAY_KEY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 for a civil UTC date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The civil UTC date of an epoch day, as `[year, month, day]`. */
export function civilFromDays(epochDay: number): [number, number, number] {
  const z = epochDay + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** The epoch day of a `YYYY-MM-DD` key, or `undefined` when the key is not a real date. */
export function parseDayKey(key: string): number | undefined {
  const m = DAY_KEY.exec(key);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const epochDay = daysFromCivil(year, month, day);
  const [y2, m2, d2] = civilFromDays(epochDay);
  return y2 === year && m2 === month && d2 === day ? epochDay : undefined;
}

const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** Two-digit zero-padded string of 0..99. */
export function pad2(n: number): string {
  return PAD2[n] as string;
}

/** The `YYYY-MM-DD` key of an epoch day. */
export function dayKey(epochDay: number): string {
  const [y, m, d] = civilFromDays(epochDay);
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

/**
 * Formats epoch seconds as `YYYY-MM-DDTHH:MM:SSZ`, caching the date part per day because a
 * generated day formats millions of timestamps that share a handful of dates.
 */
export class TimestampFormatter {
  private readonly dates = new Map<number, string>();

  /** The ISO-8601 UTC timestamp (second precision, `Z` suffix) of epoch seconds `sec`. */
  format(sec: number): string {
    const epochDay = Math.floor(sec / DAY_SECONDS);
    let date = this.dates.get(epochDay);
    if (date === undefined) {
      date = `${dayKey(epochDay)}T`;
      if (this.dates.size > 100_000) this.dates.clear();
      this.dates.set(epochDay, date);
    }
    const s = sec - epochDay * DAY_SECONDS;
    const hh = Math.floor(s / 3600);
    const mm = Math.floor((s % 3600) / 60);
    return `${date}${PAD2[hh]}:${PAD2[mm]}:${PAD2[s % 60]}Z`;
  }
}
