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
  _zod: { def: { type: string; innerType?: ZodInternals; format?: string; checks?: { _zod: { def: { format?: string } } }[]; entries?: Record<string, string> } };
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
    if ((def.type === 'optional' || def.type === 'nullable' || def.type === 'default' || def.type === 'prefault') && def.innerType) {
      nullable = true;
      current = def.innerType;
      continue;
    }
    break;
  }
  const def = current._zod.def;
  switch (def.type) {
    case 'number': {
      const integer = (def.checks ?? []).some((c) => c._zod.def.format === 'safeint' || c._zod.def.format === 'int32' || c._zod.def.format === 'int64');
      return { name, type: integer ? 'integer' : 'number', nullable };
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
      if (def.format === 'date') return { name, type: 'date', nullable };
      if (def.format === 'datetime') return { name, type: 'timestamp', nullable };
      return { name, type: 'string', nullable };
    default:
      return { name, type: 'json', nullable };
  }
}
