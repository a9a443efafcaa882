import { dayKey, parseDayKey } from './calendar.ts';
import { GeneratorError } from './generator-error.ts';

/** The most initial creators the generator accepts (ids and typed arrays stay comfortable below this). */
export const MAX_CREATORS = 50_000_000;
/** The most days the generator accepts. */
export const MAX_DAYS = 3650;
/** The default share of base rows that carry an injected defect. */
export const DEFAULT_DEFECT_RATE = 0.005;

/** Options of one generation (the model part: everything but where to write). */
export interface TikTokModelOptions {
  /** Creators in the initial load on day 0 (new creators are added on later days). */
  creators: number;
  /** Days to generate, day 0 being `start`. */
  days: number;
  /** The first day, `YYYY-MM-DD` (UTC). */
  start: string;
  /** PRNG seed, an integer in [0, 2^32). */
  seed: number;
  /** Probability that a base row carries an injected defect, in [0, 0.5]; 0 disables defects. Default 0.005. */
  defectRate?: number;
}

/** Options of `generate`. */
export interface GenerateOptions extends TikTokModelOptions {
  /** The landing folder to write. */
  out: string;
  /**
   * Rewrite every day folder. By default a folder produced by an earlier run with the same creators,
   * start, seed and defect rate keeps its complete day folders untouched (their content would be
   * byte-identical), so adding day 31 writes only day 31.
   */
  overwrite?: boolean;
}

/** Model options after validation, with defaults filled in. */
export interface ResolvedModelOptions {
  readonly creators: number;
  readonly days: number;
  readonly start: string;
  readonly startEpochDay: number;
  readonly seed: number;
  readonly defectRate: number;
}

/** Validates model options, naming the bad value in a `GeneratorError`. */
export function resolveModelOptions(options: TikTokModelOptions): ResolvedModelOptions {
  const { creators, days, start, seed } = options;
  const defectRate = options.defectRate ?? DEFAULT_DEFECT_RATE;
  if (!Number.isInteger(creators) || creators < 1 || creators > MAX_CREATORS) {
    throw new GeneratorError(`creators ${String(creators)} is not valid: pass a whole number from 1 to ${MAX_CREATORS}.`);
  }
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new GeneratorError(`days ${String(days)} is not valid: pass a whole number from 1 to ${MAX_DAYS}.`);
  }
  const startEpochDay = typeof start === 'string' ? parseDayKey(start) : undefined;
  if (startEpochDay === undefined) {
    throw new GeneratorError(`start "${String(start)}" is not a valid date: pass a real calendar day as YYYY-MM-DD, e.g. 2025-01-01.`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new GeneratorError(`seed ${String(seed)} is not valid: pass a whole number from 0 to 4294967295.`);
  }
  if (typeof defectRate !== 'number' || !Number.isFinite(defectRate) || defectRate < 0 || defectRate > 0.5) {
    throw new GeneratorError(`defect rate ${String(defectRate)} is not valid: pass a number from 0 (no defects) to 0.5.`);
  }
  return Object.freeze({ creators, days, start: dayKey(startEpochDay), startEpochDay, seed, defectRate });
}
