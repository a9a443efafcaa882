import { z } from 'zod';
import { QuarryError } from '../errors.ts';
import type { RowSchema } from './asset-definition.ts';

/** The engine-neutral type of a column, derived from a zod schema. */
export type LogicalType = 'string' | 'integer' | 'number' | 'decimal' | 'boolean' | 'date' | 'timestamp' | 'json';

/** The metadata `decimal()` puts on its zod schema (zod keeps it through `.min()`, `.optional()`, …). */
interface DecimalMeta {
  readonly quarryType: { readonly kind: 'decimal'; readonly precision: number; readonly scale: number };
}

/**
 * A zod number schema for an exact decimal column: `decimal(18, 2)` is stored as `DECIMAL(18,2)`
 * (DuckDB; NUMERIC on engines that call it so) instead of DOUBLE, so sums are exact and their data
 * versions stable. `precision` is the number of digits in all (1–38), `scale` those after the point.
 *
 * ```ts
 * schema: z.object({ order_id: z.string(), amount: decimal(18, 2), quantity: z.int() })
 * ```
 */
export function decimal(precision: number, scale: number): z.ZodNumber {
  if (!Number.isInteger(precision) || precision < 1 || precision > 38) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `decimal(precision, scale): precision must be a whole number from 1 to 38, got ${String(precision)}.`);
  }
  if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `decimal(${precision}, scale): scale must be a whole number from 0 to ${precision}, got ${String(scale)}.`);
  }
  return z.number().meta({ quarryType: { kind: 'decimal', precision, scale } } satisfies DecimalMeta);
}

function decimalOf(field: ZodInternals): DecimalMeta['quarryType'] | undefined {
  const meta = z.globalRegistry.get(field as unknown as z.ZodType) as Partial<DecimalMeta> | undefined;
  return meta?.quarryType?.kind === 'decimal' ? meta.quarryType : undefined;
}

/** One column of an asset's declared output schema. */
export interface SchemaColumn {
  readonly name: string;
  readonly type: LogicalType;
  readonly nullable: boolean;
  /** Allowed values, for enums. */
  readonly values?: readonly string[];
  /** Digits in all and after the point, for `decimal` columns. */
  readonly precision?: number;
  readonly scale?: number;
}

interface ZodInternals {
  _zod: {
    def: {
      type: string;
      innerType?: ZodInternals;
      format?: string;
      checks?: { _zod: { def: { format?: string } } }[];
      entries?: Record<string, string>;
      values?: unknown[];
    };
  };
}

/** The columns of a zod object schema, in declaration order, with engine-neutral types. */
export function schemaColumns(schema: RowSchema): SchemaColumn[] {
  return Object.entries(schema.shape).map(([name, field]) => describeField(name, field as unknown as ZodInternals));
}

function describeField(name: string, field: ZodInternals): SchemaColumn {
  let nullable = false;
  let current = field;
  // Unwrap optional/nullable/default wrappers to reach the value type.
  for (;;) {
    const def = current._zod.def;
    if ((def.type === 'optional' || def.type === 'nullable') && def.innerType) {
      nullable = true;
      current = def.innerType;
      continue;
    }
    // A default fills in missing values, so the column itself is not nullable.
    if ((def.type === 'default' || def.type === 'prefault' || def.type === 'readonly') && def.innerType) {
      current = def.innerType;
      continue;
    }
    break;
  }
  const def = current._zod.def;
  // zod 4 keeps a format on the def itself (`z.int()`, `z.iso.date()`) or in a check (`z.number().int()`, `z.string().date()`).
  const formats = new Set([def.format, ...(def.checks ?? []).map((c) => c._zod.def.format)].filter((f): f is string => f !== undefined));
  switch (def.type) {
    case 'number': {
      const exact = decimalOf(current);
      if (exact !== undefined) return { name, type: 'decimal', nullable, precision: exact.precision, scale: exact.scale };
      const integer = ['safeint', 'int32', 'uint32', 'int64', 'uint64'].some((f) => formats.has(f));
      return { name, type: integer ? 'integer' : 'number', nullable };
    }
    case 'literal': {
      const values = def.values ?? [];
      const kinds = new Set(values.map((v) => typeof v));
      if (kinds.size === 1 && kinds.has('string')) return { name, type: 'string', nullable, values: values as string[] };
      if (kinds.size === 1 && kinds.has('number')) return { name, type: values.every((v) => Number.isInteger(v)) ? 'integer' : 'number', nullable };
      if (kinds.size === 1 && kinds.has('boolean')) return { name, type: 'boolean', nullable };
      return { name, type: 'json', nullable };
    }
    case 'bigint':
      return { name, type: 'integer', nullable };
    case 'boolean':
      return { name, type: 'boolean', nullable };
    case 'date':
      return { name, type: 'timestamp', nullable };
    case 'enum':
      return { name, type: 'string', nullable, values: Object.values(def.entries ?? {}) };
    case 'string':
      if (formats.has('date')) return { name, type: 'date', nullable };
      if (formats.has('datetime')) return { name, type: 'timestamp', nullable };
      return { name, type: 'string', nullable };
    default:
      return { name, type: 'json', nullable };
  }
}
