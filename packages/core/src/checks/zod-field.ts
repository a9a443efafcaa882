import type { RowSchema } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';

/**
 * The logical type of a schema field as the checks layer sees it: `int` (`z.number().int()`,
 * `z.int()`), `number`, `bigint`, `boolean`, `string`, `datetime` (`z.iso.datetime()`, stored as a
 * UTC TIMESTAMP), `date` (`z.iso.date()`, stored as DATE), `timestamp` (`z.date()`), `enum`
 * (`z.enum`, `z.literal`) and `unknown` (anything else: arrays, objects, unions).
 */
export type FieldKind = 'int' | 'number' | 'bigint' | 'boolean' | 'string' | 'datetime' | 'date' | 'timestamp' | 'enum' | 'unknown';

/** A numeric or temporal bound of a field (`.min(0)`, `.lt(5)`, `.nonnegative()`). */
export interface FieldBound {
  readonly value: number | bigint | Date;
  readonly inclusive: boolean;
}

/** A pattern a string field must match: its regex source (RE2-compatible) and flags. */
export interface FieldPattern {
  readonly source: string;
  readonly caseInsensitive: boolean;
  /** What zod called it: `regex`, `email`, `uuid`, `starts_with`, … */
  readonly format: string;
}

/** What the checks layer reads from one zod field: type, optionality, ranges, formats. */
export interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  /** Missing values are accepted (`.optional()`, `.nullish()`, `.default()`). */
  readonly optional: boolean;
  /** `null` is accepted (`.nullable()`, `.nullish()`). */
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly min: FieldBound | undefined;
  readonly max: FieldBound | undefined;
  readonly multipleOf: number | undefined;
  readonly minLength: number | undefined;
  readonly maxLength: number | undefined;
  readonly patterns: readonly FieldPattern[];
  readonly enumValues: readonly (string | number | boolean)[] | undefined;
  /** Rules SQL cannot express (`.refine()`, `.url()`, transforms): validated in JavaScript. */
  readonly jsOnly: readonly string[];
}

interface ZodInternals {
  _zod: { def: Record<string, unknown> & { type: string; checks?: ZodInternals[] } };
}

function defOf(schema: unknown): ZodInternals['_zod']['def'] {
  const internals = (schema as Partial<ZodInternals> | null)?._zod;
  if (!internals || typeof internals.def !== 'object') {
    throw new QuarryError('QUARRY_BAD_CHECK', `Expected a zod (v4) schema, got ${typeof schema}. Pass a z.object({...}) built with zod 4.`);
  }
  return internals.def;
}

const INT_FORMATS: Record<string, [number, number]> = {
  safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};
const FLOAT_FORMATS: Record<string, [number, number]> = {
  float32: [-3.4028234663852886e38, 3.4028234663852886e38],
  float64: [-Number.MAX_VALUE, Number.MAX_VALUE],
};
// Constructs RE2 (DuckDB, BigQuery) does not have; such patterns are checked in JavaScript.
const JS_ONLY_REGEX = /\(\?<?[=!]|\(\?<[A-Za-z]|\\[1-9]|\\k</;

function tighterMin(a: FieldBound | undefined, b: FieldBound): FieldBound {
  if (!a) return b;
  const av = Number(a.value);
  const bv = Number(b.value);
  if (bv > av || (bv === av && !b.inclusive)) return b;
  return a;
}

function tighterMax(a: FieldBound | undefined, b: FieldBound): FieldBound {
  if (!a) return b;
  const av = Number(a.value);
  const bv = Number(b.value);
  if (bv < av || (bv === av && !b.inclusive)) return b;
  return a;
}

/** Reads one zod field into a `FieldSpec`; `name` is the column it describes. */
export function inspectZodField(name: string, schema: unknown): FieldSpec {
  let def = defOf(schema);
  let optional = false;
  let nullable = false;
  let hasDefault = false;
  let defaultValue: unknown;
  const jsOnly: string[] = [];
  // Peel wrappers; their order does not matter for what SQL can check.
  for (;;) {
    if (def.type === 'optional') optional = true;
    else if (def.type === 'nullable') nullable = true;
    else if (def.type === 'default' || def.type === 'prefault') {
      hasDefault = true;
      optional = true;
      const raw = def.defaultValue;
      defaultValue = typeof raw === 'function' ? (raw as () => unknown)() : raw;
    } else if (def.type === 'readonly' || def.type === 'catch' || def.type === 'nonoptional') {
      if (def.type === 'catch') jsOnly.push('catch');
    } else if (def.type === 'pipe') {
      jsOnly.push('pipe');
      def = defOf(def.in);
      continue;
    } else break;
    def = defOf(def.innerType);
  }

  let kind: FieldKind = 'unknown';
  let min: FieldBound | undefined;
  let max: FieldBound | undefined;
  let multipleOf: number | undefined;
  let minLength: number | undefined;
  let maxLength: number | undefined;
  const patterns: FieldPattern[] = [];
  let enumValues: (string | number | boolean)[] | undefined;

  const applyCheck = (check: Record<string, unknown>): void => {
    switch (check.check) {
      case 'number_format': {
        const format = String(check.format);
        const intRange = INT_FORMATS[format];
        const floatRange = FLOAT_FORMATS[format];
        if (intRange) {
          kind = kind === 'bigint' ? 'bigint' : 'int';
          min = tighterMin(min, { value: intRange[0], inclusive: true });
          max = tighterMax(max, { value: intRange[1], inclusive: true });
        } else if (floatRange) {
          min = tighterMin(min, { value: floatRange[0], inclusive: true });
          max = tighterMax(max, { value: floatRange[1], inclusive: true });
        }
        break;
      }
      case 'bigint_format':
        break;
      case 'greater_than':
        min = tighterMin(min, { value: check.value as number, inclusive: Boolean(check.inclusive) });
        break;
      case 'less_than':
        max = tighterMax(max, { value: check.value as number, inclusive: Boolean(check.inclusive) });
        break;
      case 'multiple_of':
        multipleOf = Number(check.value);
        break;
      case 'min_length':
        minLength = Math.max(minLength ?? 0, Number(check.minimum));
        break;
      case 'max_length':
        maxLength = Math.min(maxLength ?? Infinity, Number(check.maximum));
        break;
      case 'length_equals':
        minLength = Number(check.length);
        maxLength = Number(check.length);
        break;
      case 'string_format': {
        const format = String(check.format);
        if (format === 'datetime') kind = 'datetime';
        else if (format === 'date') kind = 'date';
        else if (check.pattern instanceof RegExp) {
          const re = check.pattern;
          if (JS_ONLY_REGEX.test(re.source)) jsOnly.push(format);
          else patterns.push({ source: (re.flags.includes('s') ? '(?s)' : '') + (re.flags.includes('m') ? '(?m)' : '') + re.source, caseInsensitive: re.flags.includes('i'), format });
        } else jsOnly.push(format);
        break;
      }
      case 'overwrite':
        // A transform such as .trim(): it changes the value rather than validating it; autoFix does that in SQL.
        break;
      default:
        jsOnly.push(String(check.check ?? check.type ?? 'custom'));
    }
  };

  switch (def.type) {
    case 'number':
      kind = 'number';
      break;
    case 'int':
      kind = 'int';
      break;
    case 'bigint':
      kind = 'bigint';
      break;
    case 'boolean':
      kind = 'boolean';
      break;
    case 'string':
      kind = 'string';
      break;
    case 'date':
      kind = 'timestamp';
      break;
    case 'enum':
      kind = 'enum';
      enumValues = Object.values(def.entries as Record<string, string | number>);
      break;
    case 'literal':
      kind = 'enum';
      enumValues = [...(def.values as (string | number | boolean)[])];
      break;
    default:
      kind = 'unknown';
  }
  // z.int(), z.iso.datetime(), z.email(): the schema itself is a format check.
  if (typeof def.check === 'string') applyCheck(def);
  for (const check of def.checks ?? []) applyCheck(defOf(check) as Record<string, unknown>);
  if (kind === 'string' && typeof def.format === 'string' && def.format !== 'datetime' && def.format !== 'date' && patterns.length === 0 && !jsOnly.includes(def.format)) {
    jsOnly.push(def.format);
  }
  if (kind === 'enum' && enumValues?.some((v) => typeof v !== typeof enumValues?.[0])) jsOnly.push('mixed_enum');

  return Object.freeze({
    name,
    kind,
    optional,
    nullable,
    hasDefault,
    defaultValue,
    min,
    max,
    multipleOf,
    minLength,
    maxLength: maxLength === Infinity ? undefined : maxLength,
    patterns: Object.freeze(patterns),
    enumValues: enumValues ? Object.freeze(enumValues) : undefined,
    jsOnly: Object.freeze(jsOnly),
  });
}

/** Reads every field of a zod object schema, in declaration order, plus object-level refinements. */
export function inspectRowSchema(schema: RowSchema): { fields: readonly FieldSpec[]; objectRefinements: boolean } {
  const def = defOf(schema);
  if (def.type !== 'object') {
    throw new QuarryError('QUARRY_BAD_CHECK', `Row schema must be a z.object({...}), got a zod ${def.type}.`);
  }
  const shape = def.shape as Record<string, unknown>;
  return {
    fields: Object.freeze(Object.entries(shape).map(([name, field]) => inspectZodField(name, field))),
    objectRefinements: (def.checks ?? []).length > 0,
  };
}
