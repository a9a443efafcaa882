import type { RowSchema } from './asset-definition.ts';

/** The engine-neutral type of a column, derived from a zod schema. */
export type LogicalType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'timestamp' | 'json';

/** One column of an asset's declared output schema. */
export interface SchemaColumn {
  readonly name: string;
  readonly type: LogicalType;
  readonly nullable: boolean;
  /** Allowed values, for enums. */
  readonly values?: readonly string[];
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
