import { QuarryError } from '../errors.ts';

/** A comparison operator of a threshold bound. */
export type ThresholdComparator = '>' | '>=' | '<' | '<=' | '=' | '!=';

/** One bound written as operator and decimal number, such as `'>0'`, `'>=0.05'` or `'<1000'`. */
export type ThresholdBound = `${ThresholdComparator}${number}`;

/**
 * A breach condition on what a check measured: the failing count, the failing ratio (failing ÷
 * total, 0–1) or the check's observed value. Every field given must hold for the condition to hold.
 *
 * ```ts
 * { count: '>0' }                    // any failing row
 * { ratio: '>0.05' }                 // more than 5 % of rows fail; exactly 5 % does not breach
 * { count: '>10', ratio: '>0.01' }   // more than 10 rows AND more than 1 %
 * ```
 */
export interface ThresholdCondition {
  /** A bound on the number of failing rows (or keys, or columns). */
  readonly count?: ThresholdBound;
  /** A bound on the failing share, failing ÷ total, from 0 to 1. */
  readonly ratio?: ThresholdBound;
  /** A bound on the check's observed value (a row count, a z-score, a custom query's value, …). */
  readonly value?: ThresholdBound;
}

/** A threshold: one condition, or a list of which any one breaching is enough. */
export type CheckThreshold = ThresholdCondition | readonly ThresholdCondition[];

/** An exact rational number `n / d` with `d > 0`, so thresholds are decided without rounding. */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

/** What a check measured, as the threshold evaluator sees it. */
export interface ThresholdObservation {
  readonly count: bigint | null;
  readonly total: bigint | null;
  /** The observed value: exact when the check can compute it exactly, a double otherwise. */
  readonly value: Rational | number | null;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const BOUND = /^(>=|<=|!=|>|<|=)(.+)$/;

/** Parses a decimal string (`"0.05"`, `"-3"`, `"1e3"`) exactly; undefined when it is not one. */
export function parseDecimal(text: string): Rational | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  const [, sign, intPart = '', fracPart = '', expPart] = m;
  if (intPart === '' && fracPart === '') return undefined;
  let n = BigInt((intPart || '0') + fracPart);
  let d = 10n ** BigInt(fracPart.length);
  const exp = expPart === undefined ? 0 : Number(expPart);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 400) return undefined;
  if (exp > 0) n *= 10n ** BigInt(exp);
  else if (exp < 0) d *= 10n ** BigInt(-exp);
  if (sign === '-') n = -n;
  return normalize({ n, d });
}

/** The exact rational of a finite number as JavaScript prints it (`0.1` is 1/10, not its binary value). */
export function rationalOf(value: number | bigint): Rational {
  if (typeof value === 'bigint') return { n: value, d: 1n };
  if (!Number.isFinite(value)) throw new RangeError(`rationalOf needs a finite number, got ${value}`);
  const r = parseDecimal(String(value));
  if (!r) throw new RangeError(`cannot read ${value} as a decimal`);
  return r;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function normalize(r: Rational): Rational {
  if (r.d === 0n) throw new RangeError('zero denominator');
  const sign = r.d < 0n ? -1n : 1n;
  const g = gcd(r.n, r.d) || 1n;
  return { n: (sign * r.n) / g, d: (sign * r.d) / g };
}

/** Compares two rationals exactly: negative, zero or positive like `a - b`. */
export function compareRational(a: Rational, b: Rational): number {
  const left = a.n * b.d;
  const right = b.n * a.d;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Divides two integers into an exact rational; `0/0` is 0. */
export function ratioOf(numerator: bigint, denominator: bigint): Rational {
  if (denominator === 0n) return { n: 0n, d: 1n };
  return normalize({ n: numerator, d: denominator });
}

/** Multiplies two rationals exactly. */
export function multiplyRational(a: Rational, b: Rational): Rational {
  return normalize({ n: a.n * b.n, d: a.d * b.d });
}

/** Formats a rational as a decimal string when it has a finite expansion, else as a rounded decimal. */
export function formatRational(r: Rational): string {
  let d = r.d;
  let twos = 0;
  let fives = 0;
  while (d % 2n === 0n) { d /= 2n; twos++; }
  while (d % 5n === 0n) { d /= 5n; fives++; }
  if (d !== 1n) return String(Number(r.n) / Number(r.d));
  const digits = Math.max(twos, fives);
  const scaled = (r.n * 10n ** BigInt(digits)) / r.d;
  const negative = scaled < 0n;
  const text = (negative ? -scaled : scaled).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const frac = text.slice(text.length - digits).replace(/0+$/, '');
  return (negative ? '-' : '') + whole + (frac ? `.${frac}` : '');
}

/** Converts a rational to the nearest double. */
export function rationalToNumber(r: Rational): number {
  return Number(r.n) / Number(r.d);
}

/** A parsed bound: operator and exact right-hand side. */
export interface ParsedBound {
  readonly op: ThresholdComparator;
  readonly rhs: Rational;
  readonly text: string;
}

/** Parses `'>0.05'` into `{ op: '>', rhs: 1/20 }`; throws `QUARRY_BAD_CHECK` naming the bad text. */
export function parseBound(text: string, where: string): ParsedBound {
  const m = BOUND.exec(String(text).replace(/\s+/g, ''));
  const rhs = m ? parseDecimal(m[2] ?? '') : undefined;
  if (!m || !rhs) {
    throw new QuarryError(
      'QUARRY_BAD_CHECK',
      `${where}: threshold bound ${JSON.stringify(text)} is malformed. Write an operator (>, >=, <, <=, =, !=) followed by a number, such as '>0' or '>0.05'.`,
    );
  }
  return { op: m[1] as ThresholdComparator, rhs, text: `${m[1]}${formatRational(rhs)}` };
}

function holds(op: ThresholdComparator, cmp: number): boolean {
  switch (op) {
    case '>': return cmp > 0;
    case '>=': return cmp >= 0;
    case '<': return cmp < 0;
    case '<=': return cmp <= 0;
    case '=': return cmp === 0;
    case '!=': return cmp !== 0;
  }
}

function compareObserved(observed: Rational | number, rhs: Rational): number {
  if (typeof observed === 'number') {
    if (Number.isNaN(observed)) return Number.NaN;
    if (observed === Infinity) return 1;
    if (observed === -Infinity) return -1;
    return compareRational(rationalOf(observed), rhs);
  }
  return compareRational(observed, rhs);
}

/** Turns a threshold into its list of conditions, validating every bound. */
export function normalizeThreshold(threshold: CheckThreshold | undefined, where: string): readonly ThresholdCondition[] {
  if (threshold === undefined) return [];
  const list = (Array.isArray(threshold) ? threshold : [threshold]) as readonly ThresholdCondition[];
  return Object.freeze(
    list.map((condition, index) => {
      if (typeof condition !== 'object' || condition === null) {
        throw new QuarryError('QUARRY_BAD_CHECK', `${where}: threshold ${index} is ${JSON.stringify(condition)}; expected an object such as { count: '>0' }.`);
      }
      const out: Record<string, ThresholdBound> = {};
      for (const [key, bound] of Object.entries(condition)) {
        if (key !== 'count' && key !== 'ratio' && key !== 'value') {
          throw new QuarryError('QUARRY_BAD_CHECK', `${where}: threshold field "${key}" is unknown; use count, ratio or value.`);
        }
        if (bound === undefined) continue;
        out[key] = parseBound(bound as string, where).text as ThresholdBound;
      }
      if (Object.keys(out).length === 0) {
        throw new QuarryError('QUARRY_BAD_CHECK', `${where}: threshold ${index} is empty; give count, ratio or value, such as { count: '>0' }.`);
      }
      return Object.freeze(out) as ThresholdCondition;
    }),
  );
}

/**
 * True when any condition of the list holds for the observation. A field whose observed side is
 * unknown (`null`) does not hold, so an unknown value never breaches by itself.
 */
export function thresholdBreached(conditions: readonly ThresholdCondition[], observation: ThresholdObservation): boolean {
  return conditions.some((condition) =>
    (Object.entries(condition) as [keyof ThresholdCondition, ThresholdBound][]).every(([field, boundText]) => {
      const bound = parseBound(boundText, 'threshold');
      let observed: Rational | number | null;
      if (field === 'count') observed = observation.count === null ? null : { n: observation.count, d: 1n };
      else if (field === 'ratio') observed = observation.count === null || observation.total === null ? null : ratioOf(observation.count, observation.total);
      else observed = observation.value;
      if (observed === null) return false;
      const cmp = compareObserved(observed, bound.rhs);
      return !Number.isNaN(cmp) && holds(bound.op, cmp);
    }),
  );
}

/** Renders a condition list as text: `ratio > 0.05 or count > 100 and ratio > 0.01`. */
export function formatConditions(conditions: readonly ThresholdCondition[]): string {
  return conditions
    .map((condition) =>
      Object.entries(condition)
        .map(([field, bound]) => {
          const parsed = parseBound(bound as string, 'threshold');
          return `${field} ${parsed.op} ${formatRational(parsed.rhs)}`;
        })
        .join(' and '),
    )
    .join(' or ');
}
