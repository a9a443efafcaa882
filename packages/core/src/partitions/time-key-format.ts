import { QuarryError } from '../errors.ts';
import { DAY_MS, civilFromDays, daysFromCivil, daysInMonth } from './civil-days.ts';
import type { TimeGrain } from './time-grain.ts';

type Token = 'yyyy' | 'MM' | 'dd' | 'HH' | 'mm';
type Segment = { readonly token: Token } | { readonly literal: string };

const REQUIRED_TOKENS: Readonly<Record<TimeGrain, readonly Token[]>> = {
  '15min': ['yyyy', 'MM', 'dd', 'HH', 'mm'],
  hourly: ['yyyy', 'MM', 'dd', 'HH'],
  daily: ['yyyy', 'MM', 'dd'],
  weekly: ['yyyy', 'MM', 'dd'],
  monthly: ['yyyy', 'MM'],
};

/** A partition key parsed back into wall-clock time, with the UTC offset suffix if the key had one. */
export interface ParsedTimeKey {
  readonly local: number;
  readonly offset: number | undefined;
}

/**
 * A compiled key format such as `yyyy-MM-dd-HH:mm`: tokens `yyyy`, `MM`, `dd`, `HH`, `mm`, anything
 * else literal. Keys of wall-clock times that happen twice (clocks falling back) get the UTC offset
 * appended (`2026-11-01-01:00-04:00`); `parse` accepts that suffix.
 */
export class TimeKeyFormat {
  /** The format pattern as declared. */
  readonly pattern: string;
  readonly #segments: readonly Segment[];
  readonly #regex: RegExp;
  readonly #tokenOrder: readonly Token[];
  // Where each token's digits and each literal character sit in a key without an offset suffix, for
  // the fast path of `parse` (a million keys read from the catalog per plan).
  readonly #fixedLength: number;
  readonly #digitsAt: readonly { readonly token: Token; readonly at: number; readonly width: number }[];
  readonly #literalsAt: readonly { readonly at: number; readonly code: number }[];

  private constructor(pattern: string, segments: readonly Segment[]) {
    this.pattern = pattern;
    this.#segments = segments;
    const tokens: Token[] = [];
    let source = '^';
    for (const segment of segments) {
      if ('token' in segment) {
        tokens.push(segment.token);
        source += segment.token === 'yyyy' ? '(\\d{4})' : '(\\d{2})';
      } else {
        source += segment.literal.replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&');
      }
    }
    this.#regex = new RegExp(`${source}(?:([+-])(\\d{2}):(\\d{2})(?::(\\d{2}))?)?$`);
    this.#tokenOrder = tokens;
    const digitsAt: { token: Token; at: number; width: number }[] = [];
    const literalsAt: { at: number; code: number }[] = [];
    let at = 0;
    for (const segment of segments) {
      if ('token' in segment) {
        const width = segment.token === 'yyyy' ? 4 : 2;
        digitsAt.push({ token: segment.token, at, width });
        at += width;
      } else {
        for (let i = 0; i < segment.literal.length; i++) literalsAt.push({ at: at + i, code: segment.literal.charCodeAt(i) });
        at += segment.literal.length;
      }
    }
    this.#fixedLength = at;
    this.#digitsAt = digitsAt;
    this.#literalsAt = literalsAt;
  }

  /** Compiles a pattern for a grain; throws `QUARRY_BAD_PARTITIONS_DEFINITION` when it cannot name every window. */
  static compile(pattern: string, grain: TimeGrain): TimeKeyFormat {
    const segments: Segment[] = [];
    const seen = new Set<Token>();
    const tokenRe = /yyyy|MM|dd|HH|mm/g;
    let at = 0;
    const fail = (why: string): never => {
      throw new QuarryError(
        'QUARRY_BAD_PARTITIONS_DEFINITION',
        `Key format "${pattern}" of ${grain} partitions ${why}: use tokens yyyy, MM, dd, HH, mm (e.g. "${REQUIRED_TOKENS[grain].join('-')}").`,
      );
    };
    const addLiteral = (literal: string): void => {
      if (literal === '') return;
      if (/[yMdHm]/.test(literal)) fail(`has an unknown token in "${literal}"`);
      segments.push({ literal });
    };
    for (const match of pattern.matchAll(tokenRe)) {
      addLiteral(pattern.slice(at, match.index));
      const token = match[0] as Token;
      if (seen.has(token)) fail(`repeats ${token}`);
      seen.add(token);
      segments.push({ token });
      at = match.index + token.length;
    }
    addLiteral(pattern.slice(at));
    const missing = REQUIRED_TOKENS[grain].filter((t) => !seen.has(t));
    if (missing.length > 0) fail(`lacks ${missing.join(', ')}`);
    return new TimeKeyFormat(pattern, segments);
  }

  /** The key of a wall-clock time (ms, wall clock counted as if UTC), with an optional UTC offset suffix. */
  format(local: number, offset?: number): string {
    const days = Math.floor(local / DAY_MS);
    const { year, month, day } = civilFromDays(days);
    const ms = local - days * DAY_MS;
    let key = '';
    for (const segment of this.#segments) {
      if ('literal' in segment) {
        key += segment.literal;
        continue;
      }
      switch (segment.token) {
        case 'yyyy':
          key += String(year).padStart(4, '0');
          break;
        case 'MM':
          key += pad2(month);
          break;
        case 'dd':
          key += pad2(day);
          break;
        case 'HH':
          key += pad2(Math.floor(ms / 3_600_000));
          break;
        case 'mm':
          key += pad2(Math.floor(ms / 60_000) % 60);
          break;
      }
    }
    return offset === undefined ? key : key + formatUtcOffset(offset);
  }

  /** The wall-clock time a key names, or undefined when the key does not match or names no real date. */
  parse(key: string): ParsedTimeKey | undefined {
    if (key.length === this.#fixedLength) return this.#parseFixed(key);
    const match = this.#regex.exec(key);
    if (!match) return undefined;
    const value: Record<Token, number> = { yyyy: 0, MM: 1, dd: 1, HH: 0, mm: 0 };
    this.#tokenOrder.forEach((token, i) => {
      value[token] = Number(match[i + 1]);
    });
    const { yyyy, MM, dd, HH, mm } = value;
    if (MM < 1 || MM > 12 || dd < 1 || dd > daysInMonth(yyyy, MM) || HH > 23 || mm > 59) return undefined;
    const local = daysFromCivil(yyyy, MM, dd) * DAY_MS + HH * 3_600_000 + mm * 60_000;
    const n = this.#tokenOrder.length;
    const sign = match[n + 1];
    if (sign === undefined) return { local, offset: undefined };
    const offset = ((Number(match[n + 2]) * 60 + Number(match[n + 3])) * 60 + Number(match[n + 4] ?? 0)) * 1000;
    return { local, offset: sign === '-' ? -offset : offset };
  }

  // `parse` without a regex or allocations, for keys without an offset suffix.
  #parseFixed(key: string): ParsedTimeKey | undefined {
    for (const { at, code } of this.#literalsAt) if (key.charCodeAt(at) !== code) return undefined;
    let yyyy = 0;
    let MM = 1;
    let dd = 1;
    let HH = 0;
    let mm = 0;
    for (const { token, at, width } of this.#digitsAt) {
      let n = 0;
      for (let i = at; i < at + width; i++) {
        const d = key.charCodeAt(i) - 48;
        if (d < 0 || d > 9) return undefined;
        n = n * 10 + d;
      }
      if (token === 'yyyy') yyyy = n;
      else if (token === 'MM') MM = n;
      else if (token === 'dd') dd = n;
      else if (token === 'HH') HH = n;
      else mm = n;
    }
    if (MM < 1 || MM > 12 || dd < 1 || dd > daysInMonth(yyyy, MM) || HH > 23 || mm > 59) return undefined;
    return { local: daysFromCivil(yyyy, MM, dd) * DAY_MS + HH * 3_600_000 + mm * 60_000, offset: undefined };
  }
}

/** A UTC offset in ms as `+HH:MM` / `-HH:MM`, with `:SS` for the odd local-mean-time offset. */
export function formatUtcOffset(offset: number): string {
  const seconds = Math.round(Math.abs(offset) / 1000);
  const text = `${offset < 0 ? '-' : '+'}${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}`;
  return seconds % 60 === 0 ? text : `${text}:${pad2(seconds % 60)}`;
}

/** A wall-clock time as ISO `yyyy-MM-dd` (when at midnight and `dateOnly`) or `yyyy-MM-ddTHH:mm`. */
export function formatLocalIso(local: number, dateOnly: boolean): string {
  const days = Math.floor(local / DAY_MS);
  const { year, month, day } = civilFromDays(days);
  const date = `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
  if (dateOnly) return date;
  const ms = local - days * DAY_MS;
  return `${date}T${pad2(Math.floor(ms / 3_600_000))}:${pad2(Math.floor(ms / 60_000) % 60)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
