import { QuarryError } from '../../errors.ts';

/** A JSON-safe value, as Quarry returns query rows (the DuckDB engine's `JsonSafeValue`): no bigint, no Date, no NaN. */
export type JsonSafeValue = null | boolean | number | string | JsonSafeValue[] | { [key: string]: JsonSafeValue };

/** A field of a BigQuery result schema, as the REST API returns it. */
export interface BigQueryField {
  readonly name: string;
  readonly type: string;
  readonly mode?: string;
  readonly fields?: readonly BigQueryField[];
}

/** A row of a REST result: `{ f: [{ v }, …] }`. */
export interface BigQueryRawRow {
  readonly f: readonly { readonly v: unknown }[];
}

/**
 * A BigQuery REST row as JSON-safe JavaScript, as the DuckDB engine returns rows (duckdb-values.ts):
 * INT64 → `number` when safe, else its decimal `string`; FLOAT64 → `number` (NaN/±Infinity as text);
 * NUMERIC/BIGNUMERIC → `number`; TIMESTAMP → ISO 8601 UTC (`2026-01-15T08:30:00.000Z`, microseconds
 * kept when non-zero); DATE, DATETIME, TIME → BigQuery's text; BYTES → base64; REPEATED → arrays;
 * RECORD → objects; JSON → parsed.
 */
export function rowFromRest(fields: readonly BigQueryField[], row: BigQueryRawRow): Record<string, JsonSafeValue> {
  const out: Record<string, JsonSafeValue> = {};
  fields.forEach((field, i) => {
    out[field.name] = fieldValue(field, row.f[i]?.v ?? null);
  });
  return out;
}

function fieldValue(field: BigQueryField, value: unknown): JsonSafeValue {
  if (value === null || value === undefined) return null;
  if (field.mode === 'REPEATED') {
    return (value as { v: unknown }[]).map((item) => scalarValue(field, item.v));
  }
  return scalarValue(field, value);
}

function scalarValue(field: BigQueryField, value: unknown): JsonSafeValue {
  if (value === null || value === undefined) return null;
  const type = field.type.toUpperCase();
  if (type === 'RECORD' || type === 'STRUCT') return rowFromRest(field.fields ?? [], value as BigQueryRawRow);
  const text = String(value);
  switch (type) {
    case 'INTEGER':
    case 'INT64':
      return safeInteger(text);
    case 'FLOAT':
    case 'FLOAT64': {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return Number(text);
    case 'BOOLEAN':
    case 'BOOL':
      return text.toLowerCase() === 'true';
    case 'TIMESTAMP':
      return timestampText(text);
    case 'JSON':
      try {
        return JSON.parse(text) as JsonSafeValue;
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** A decimal integer as a number when it is safe, else the text (as the DuckDB engine returns BIGINT). */
export function safeInteger(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text).toString();
}

/**
 * A REST TIMESTAMP as ISO 8601 UTC: the API returns int64 microseconds (`formatOptions.useInt64Timestamp`,
 * which the client asks for), float seconds (`1.7684658E9`) without it, or ISO text.
 */
export function timestampText(value: string): string {
  let micros: bigint;
  if (/^-?\d+$/.test(value)) micros = BigInt(value);
  else if (/^-?[\d.]+(E[+-]?\d+)?$/i.test(value)) micros = BigInt(Math.round(Number(value) * 1e6));
  else {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new QuarryError('QUARRY_ENGINE_ERROR', `BigQuery returned a TIMESTAMP Quarry cannot read: ${JSON.stringify(value)}.`);
    return new Date(ms).toISOString();
  }
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const iso = new Date(Number(ms)).toISOString();
  const rest = Number(((micros % 1000n) + 1000n) % 1000n);
  return rest === 0 ? iso : `${iso.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}

/** A BigQuery REST query parameter, named (`@name`). */
export interface BigQueryQueryParameter {
  readonly name: string;
  readonly parameterType: { type: string; arrayType?: { type: string } };
  readonly parameterValue: { value?: string | null; arrayValues?: { value: string | null }[] };
}

/** A typed parameter value: `type` is BigQuery's (`STRING`, `INT64`, `TIMESTAMP`, `ARRAY<STRING>`). */
export interface TypedParameter {
  readonly type: string;
  readonly value: unknown;
}

/** The REST form of a named parameter. */
export function restParameter(name: string, parameter: TypedParameter): BigQueryQueryParameter {
  const array = /^ARRAY<(.+)>$/.exec(parameter.type);
  if (array !== null) {
    const values = (parameter.value as unknown[] | null) ?? [];
    return { name, parameterType: { type: 'ARRAY', arrayType: { type: array[1]! } }, parameterValue: { arrayValues: values.map((v) => ({ value: scalarText(v) })) } };
  }
  return { name, parameterType: { type: parameter.type }, parameterValue: { value: scalarText(parameter.value) } };
}

function scalarText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '+00:00');
  return String(value);
}

/** The BigQuery type of a JavaScript value bound as a user parameter, or undefined when it cannot be bound. */
export function parameterFromJs(value: unknown): TypedParameter | undefined {
  if (value === null || value === undefined) return { type: 'STRING', value: null };
  if (typeof value === 'string') return { type: 'STRING', value };
  if (typeof value === 'boolean') return { type: 'BOOL', value };
  if (typeof value === 'bigint') return { type: 'INT64', value };
  if (typeof value === 'number') return Number.isInteger(value) ? { type: 'INT64', value } : Number.isFinite(value) ? { type: 'FLOAT64', value } : undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : { type: 'TIMESTAMP', value };
  if (Array.isArray(value)) {
    const first = value.find((v) => v !== null && v !== undefined);
    const element = first === undefined ? { type: 'STRING', value: null } : parameterFromJs(first);
    if (element === undefined || element.type.startsWith('ARRAY')) return undefined;
    if (value.some((v) => v !== null && v !== undefined && parameterFromJs(v)?.type !== element.type)) return undefined;
    return { type: `ARRAY<${element.type}>`, value };
  }
  return undefined;
}
