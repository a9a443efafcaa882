import { QuarryError } from '../errors.ts';
import type { CheckSqlDialect } from './check-dialect.ts';
import type { JsonValue } from './check-result.ts';

/**
 * An automatic repair applied to a raw text column before validation:
 *
 * - `trim`: strip surrounding spaces.
 * - `lowercase` / `uppercase`: normalize case.
 * - `empty_to_null`: blank text becomes missing.
 * - `parse_k_suffix`: `"12k"` → `"12000"`, `"1.2M"` → `"1200000"`, `"3B"` → `"3000000000"` (exact decimal).
 * - `parse_thousands`: `"1,234"` → `"1234"`, `"-12,345.5"` → `"-12345.5"`.
 * - `median_impute`: a missing numeric value becomes the median of the column (over the partition,
 *   or the trailing window relation given as `medianFrom`); an integer column takes the lower middle
 *   observed value so the result stays a whole number.
 */
export type AutoFixKind = 'trim' | 'lowercase' | 'uppercase' | 'empty_to_null' | 'parse_k_suffix' | 'parse_thousands' | 'median_impute';

/** Opt-in fixes per column, applied in the order listed: `{ followers: ['parse_k_suffix', 'median_impute'] }`. */
export type AutoFixConfig = Readonly<Record<string, readonly AutoFixKind[]>>;

/** One line of the fix audit trail: how many values of `column` the fix changed, with examples. */
export interface AutoFixAudit {
  readonly column: string;
  readonly fix: AutoFixKind;
  readonly count: number;
  /** Up to `sampleSize` changes as `{ before, after }` (plus the source location columns). */
  readonly sample: readonly { readonly [key: string]: JsonValue }[];
}

/** Every fix kind, in documentation order. */
export const AUTO_FIX_KINDS: readonly AutoFixKind[] = Object.freeze([
  'trim',
  'lowercase',
  'uppercase',
  'empty_to_null',
  'parse_k_suffix',
  'parse_thousands',
  'median_impute',
]);

// At most 15 integer and 9 decimal digits, so the scaled value always fits DECIMAL(38, 9).
const K_NUMBER = String.raw`^\s*([+-]?(?:\d{1,15}(?:\.\d{0,9})?|\.\d{1,9}))\s*[kKmMbB]\s*$`;
const K_SUFFIX = String.raw`^\s*[+-]?(?:\d{1,15}(?:\.\d{0,9})?|\.\d{1,9})\s*([kKmMbB])\s*$`;
const THOUSANDS = String.raw`^\s*[+-]?\d{1,3}(,\d{3})+(\.\d+)?\s*$`;

/** Validates an auto-fix configuration against the schema's columns; throws `QUARRY_BAD_CHECK`. */
export function validateAutoFix(config: AutoFixConfig | undefined, columns: readonly string[], numericColumns: ReadonlySet<string>): void {
  for (const [column, fixes] of Object.entries(config ?? {})) {
    if (!columns.includes(column)) {
      throw new QuarryError('QUARRY_BAD_CHECK', `autoFix names column "${column}", which is not in the schema (${columns.join(', ')}).`);
    }
    if (!Array.isArray(fixes) || fixes.length === 0) {
      throw new QuarryError('QUARRY_BAD_CHECK', `autoFix.${column} must be a non-empty list of fixes such as ['trim'].`);
    }
    for (const fix of fixes) {
      if (!AUTO_FIX_KINDS.includes(fix)) {
        throw new QuarryError('QUARRY_BAD_CHECK', `autoFix.${column}: unknown fix ${JSON.stringify(fix)}; use one of ${AUTO_FIX_KINDS.join(', ')}.`);
      }
      if (fix === 'median_impute' && !numericColumns.has(column)) {
        throw new QuarryError('QUARRY_BAD_CHECK', `autoFix.${column}: median_impute needs a numeric column, but the schema types "${column}" otherwise.`);
      }
    }
  }
}

/** Removes trailing zeros of a decimal's text (`1200000.000000000` → `1200000`). */
function trimDecimalText(expr: string): string {
  return `CASE WHEN strpos(${expr}, '.') > 0 THEN rtrim(rtrim(${expr}, '0'), '.') ELSE ${expr} END`;
}

/**
 * The SQL of one text-to-text fix applied to `expr` (`median_impute` is applied by row validation,
 * which knows the median).
 */
export function autoFixSql(d: CheckSqlDialect, fix: Exclude<AutoFixKind, 'median_impute'>, expr: string): string {
  switch (fix) {
    case 'trim':
      return `trim(${expr})`;
    case 'lowercase':
      return `lower(${expr})`;
    case 'uppercase':
      return `upper(${expr})`;
    case 'empty_to_null':
      return `CASE WHEN trim(${expr}) = '' THEN NULL ELSE ${expr} END`;
    case 'parse_k_suffix': {
      const number = d.regexExtract(expr, K_NUMBER);
      const suffix = `upper(${d.regexExtract(expr, K_SUFFIX)})`;
      const scaled = `CAST(${d.tryCast(number, 'decimal')} * CASE ${suffix} WHEN 'K' THEN 1000 WHEN 'M' THEN 1000000 ELSE 1000000000 END AS ${d.type('decimal')})`;
      return `CASE WHEN ${d.regexContains(expr, K_NUMBER, false)} THEN ${trimDecimalText(d.toText(scaled))} ELSE ${expr} END`;
    }
    case 'parse_thousands':
      return `CASE WHEN ${d.regexContains(expr, THOUSANDS, false)} THEN replace(trim(${expr}), ',', '') ELSE ${expr} END`;
  }
}
