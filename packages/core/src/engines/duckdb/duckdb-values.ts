import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  HUGEINT,
  JsonDuckDBValueConverter,
  LIST,
  TIMESTAMPTZ,
  VARCHAR,
  doubleFromDecimalValue,
  jsToDuckDBValue,
  listValue,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBValueConverter,
  type Json,
} from '@duckdb/node-api';
import type { ColumnSchema } from '../engine.ts';

/** A JSON-safe value as Quarry returns query rows: no bigint, no Date, no NaN. */
export type JsonSafeValue = null | boolean | number | string | JsonSafeValue[] | { [key: string]: JsonSafeValue };

const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/**
 * Converts DuckDB values to JSON-safe JavaScript, the representation of every row Quarry hands out
 * (`ctx.query`, `Engine.query`):
 * - integers of any width → `number` when it is a safe integer, else its decimal `string`;
 * - DECIMAL → `number`; DOUBLE/FLOAT NaN and ±Infinity → `'NaN'`, `'Infinity'`, `'-Infinity'`;
 * - TIMESTAMP WITH TIME ZONE → ISO 8601 UTC (`2026-01-15T08:30:00.000Z`, microseconds kept when non-zero);
 *   TIMESTAMP → the same without `Z`; DATE → `YYYY-MM-DD`; TIME and INTERVAL → DuckDB's text;
 * - LIST/ARRAY → arrays, STRUCT → objects, MAP → `{ key, value }[]`; everything else → DuckDB's text.
 */
export const jsonSafeValueConverter: DuckDBValueConverter<JsonSafeValue> = (value, type, converter) => {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return safeInteger(value as bigint);
    case DuckDBTypeId.DECIMAL:
      return doubleFromDecimalValue(value);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestampText(value as DuckDBTimestampTZValue, (value as DuckDBTimestampTZValue).micros, true);
    case DuckDBTypeId.TIMESTAMP:
      return timestampText(value as DuckDBTimestampValue, (value as DuckDBTimestampValue).micros, false);
    case DuckDBTypeId.TIMESTAMP_S:
      return timestampText(value as DuckDBTimestampSecondsValue, (value as DuckDBTimestampSecondsValue).seconds * 1_000_000n, false);
    case DuckDBTypeId.TIMESTAMP_MS:
      return timestampText(value as DuckDBTimestampMillisecondsValue, (value as DuckDBTimestampMillisecondsValue).millis * 1000n, false);
    case DuckDBTypeId.TIMESTAMP_NS:
      return timestampText(value as DuckDBTimestampNanosecondsValue, floorDiv((value as DuckDBTimestampNanosecondsValue).nanos, 1000n), false);
    case DuckDBTypeId.BLOB:
      return String(value);
    default:
      // Nested values (lists, structs) recurse through `converter`, i.e. back into this function.
      return JsonDuckDBValueConverter(value, type, converter as unknown as DuckDBValueConverter<Json>) as JsonSafeValue;
  }
};

function safeInteger(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** ISO 8601 text of a timestamp given in microseconds since the epoch; `Z` only for TIMESTAMPTZ. */
export function isoFromMicros(micros: bigint, utc: boolean): string {
  const millis = floorDiv(micros, 1000n);
  const extraMicros = micros - millis * 1000n;
  let text = new Date(Number(millis)).toISOString();
  if (extraMicros !== 0n) text = `${text.slice(0, -1)}${extraMicros.toString().padStart(3, '0')}Z`;
  return utc ? text : text.slice(0, -1);
}

function timestampText(value: { readonly isFinite: boolean; toString(): string }, micros: bigint, utc: boolean): string {
  // ±infinity and years outside JavaScript's Date range keep DuckDB's own spelling.
  if (!value.isFinite || micros > 8_640_000_000_000_000_000n || micros < -8_640_000_000_000_000_000n) return value.toString();
  return isoFromMicros(micros, utc);
}

const ISO_TIMESTAMP = /^(-?\d{4,6})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Microseconds since the epoch of an ISO 8601 date or date-time string (`2026-01-15`,
 * `2026-01-15T08:30:00.123456Z`, `2026-01-15 08:30:00+02:00`); a string without offset is UTC.
 * Returns `undefined` for anything else, including impossible dates such as `2026-02-30`.
 */
export function microsFromIso(text: string): bigint | undefined {
  const m = ISO_TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  date.setUTCHours(hour, minute, second, 0);
  let micros = BigInt(date.getTime()) * 1000n + BigInt(fraction.padEnd(9, '0').slice(0, 6) || '0');
  if (offset && offset !== 'Z' && offset !== 'z') {
    const sign = offset.startsWith('-') ? -1n : 1n;
    const digits = offset.slice(1).replace(':', '');
    const minutes = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
    micros -= sign * minutes * 60_000_000n;
  }
  return micros;
}

/** A JavaScript value that does not fit a column; the row writer adds the asset, row and column. */
export class ColumnValueError extends Error {
  constructor(readonly expected: string) {
    super(`expected ${expected}`);
    this.name = 'ColumnValueError';
  }
}

/** Converts one JavaScript value to a DuckDB value of a given column type, or throws `ColumnValueError`. */
export type ColumnValueWriter = (value: unknown) => DuckDBValue;

/**
 * The converter of JavaScript row values into a column of DuckDB type `type`. Besides the obvious JS
 * types it accepts the spellings compute functions naturally produce: ISO strings, `Date`s and epoch
 * milliseconds for timestamps and dates, integer strings and bigints for BIGINT, any JSON value for JSON.
 */
export function columnValueWriter(type: DuckDBType): ColumnValueWriter {
  if (type.alias === 'JSON') {
    return (value) => (value === null || value === undefined ? null : JSON.stringify(value));
  }
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return (value) => {
        if (value === null || value === undefined) return null;
        if (typeof value === 'boolean') return value;
        throw new ColumnValueError('a boolean');
      };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return (value) => {
        if (value === null || value === undefined) return null;
        if (typeof value === 'number' && Number.isInteger(value)) return value;
        if (typeof value === 'bigint' && value >= -(2n ** 32n) && value < 2n ** 32n) return Number(value);
        throw new ColumnValueError('an integer');
      };
    case DuckDBTypeId.BIGINT:
      return (value) => {
        if (value === null || value === undefined) return null;
        const n = integerFrom(value);
        if (n === undefined || n < MIN_INT64 || n > MAX_INT64) throw new ColumnValueError('an integer (a whole number, bigint or integer string within 64 bits)');
        return n;
      };
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return (value) => {
        if (value === null || value === undefined) return null;
        const n = integerFrom(value);
        if (n === undefined) throw new ColumnValueError('an integer');
        return n;
      };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return (value) => {
        if (value === null || value === undefined) return null;
        if (typeof value === 'number') return value;
        if (typeof value === 'bigint') return Number(value);
        throw new ColumnValueError('a number');
      };
    case DuckDBTypeId.VARCHAR:
      return (value) => {
        if (value === null || value === undefined) return null;
        if (typeof value === 'string') return value;
        throw new ColumnValueError('a string');
      };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return (value) => {
        if (value === null || value === undefined) return null;
        return new DuckDBTimestampTZValue(timestampMicros(value));
      };
    case DuckDBTypeId.TIMESTAMP:
      return (value) => {
        if (value === null || value === undefined) return null;
        return new DuckDBTimestampValue(timestampMicros(value));
      };
    case DuckDBTypeId.DATE:
      return (value) => {
        if (value === null || value === undefined) return null;
        if (typeof value === 'string' && /^-?\d{4,6}-\d{2}-\d{2}$/.test(value)) {
          const micros = microsFromIso(value);
          if (micros !== undefined) return new DuckDBDateValue(Number(micros / 86_400_000_000n));
        }
        if (value instanceof Date && !Number.isNaN(value.getTime())) return new DuckDBDateValue(Math.floor(value.getTime() / 86_400_000));
        throw new ColumnValueError('a date (a "YYYY-MM-DD" string or a Date)');
      };
    case DuckDBTypeId.BLOB:
      return (value) => {
        if (value === null || value === undefined) return null;
        if (value instanceof Uint8Array) return new DuckDBBlobValue(value);
        throw new ColumnValueError('bytes (a Uint8Array)');
      };
    default:
      return (value) => {
        if (value === null || value === undefined) return null;
        try {
          return jsToDuckDBValue(value as never, type);
        } catch {
          throw new ColumnValueError(`a value of type ${String(type)}`);
        }
      };
  }
}

function integerFrom(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return undefined;
}

function timestampMicros(value: unknown): bigint {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return BigInt(value.getTime()) * 1000n;
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.round(value * 1000));
  if (typeof value === 'string') {
    const micros = microsFromIso(value);
    if (micros !== undefined) return micros;
  }
  throw new ColumnValueError('a timestamp (an ISO 8601 string, a Date or epoch milliseconds)');
}

/** The kind of a JavaScript value, for inferring a column type from sample rows. */
type ValueKind = 'boolean' | 'integer' | 'number' | 'bigint' | 'string' | 'date' | 'bytes' | 'json';

function kindOf(value: unknown): ValueKind {
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'bigint':
      return 'bigint';
    case 'string':
      return 'string';
    default:
      if (value instanceof Date) return 'date';
      if (value instanceof Uint8Array) return 'bytes';
      return 'json';
  }
}

/**
 * The columns of rows that come without a schema, inferred from `sample` (the first batch): keys in
 * first-seen order; booleans → BOOLEAN, whole numbers and bigints → BIGINT, other numbers → DOUBLE,
 * strings → VARCHAR, Dates → TIMESTAMP WITH TIME ZONE, Uint8Arrays → BLOB, arrays/objects → JSON, a
 * column that is always null → VARCHAR. Returns the name of a column that mixes kinds it cannot
 * reconcile (such as strings and numbers) as `conflict`.
 */
export function inferColumns(sample: readonly Record<string, unknown>[]): { columns: ColumnSchema[]; conflict?: { column: string; kinds: string[] } } {
  const kinds = new Map<string, Set<ValueKind>>();
  for (const row of sample) {
    for (const key in row) {
      let set = kinds.get(key);
      if (!set) kinds.set(key, (set = new Set()));
      const value = row[key];
      if (value !== null && value !== undefined) set.add(kindOf(value));
    }
  }
  const columns: ColumnSchema[] = [];
  for (const [name, set] of kinds) {
    const type = typeOfKinds(set);
    if (type === undefined) return { columns, conflict: { column: name, kinds: [...set].sort() } };
    columns.push({ name, type });
  }
  return { columns };
}

function typeOfKinds(kinds: Set<ValueKind>): string | undefined {
  if (kinds.size === 0) return 'VARCHAR';
  const only = (...allowed: ValueKind[]): boolean => [...kinds].every((k) => allowed.includes(k));
  if (only('boolean')) return 'BOOLEAN';
  if (only('integer', 'bigint')) return 'BIGINT';
  if (only('integer', 'number', 'bigint')) return 'DOUBLE';
  if (only('string')) return 'VARCHAR';
  if (only('date')) return 'TIMESTAMP WITH TIME ZONE';
  if (only('bytes')) return 'BLOB';
  if (only('json')) return 'JSON';
  return undefined;
}

/** A named SQL parameter value with the DuckDB type it is bound as. */
export interface BoundParameter {
  readonly value: DuckDBValue;
  readonly type: DuckDBType;
}

/**
 * The DuckDB value and type of a user-supplied parameter: strings → VARCHAR, booleans → BOOLEAN, whole
 * numbers → BIGINT, other numbers → DOUBLE, bigints → BIGINT (HUGEINT beyond 64 bits), Dates →
 * TIMESTAMPTZ, null → NULL, arrays of those → LISTs. Returns `undefined` for anything else.
 */
export function parameterFromJs(value: unknown): BoundParameter | undefined {
  if (value === null || value === undefined) return { value: null, type: VARCHAR };
  switch (typeof value) {
    case 'string':
      return { value, type: VARCHAR };
    case 'boolean':
      return { value, type: BOOLEAN };
    case 'number':
      return Number.isSafeInteger(value) ? { value: BigInt(value), type: BIGINT } : { value, type: DOUBLE };
    case 'bigint':
      return value >= MIN_INT64 && value <= MAX_INT64 ? { value, type: BIGINT } : { value, type: HUGEINT };
    default:
      break;
  }
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return { value: new DuckDBTimestampTZValue(BigInt(value.getTime()) * 1000n), type: TIMESTAMPTZ };
  }
  if (Array.isArray(value)) {
    const items = value.map(parameterFromJs);
    if (items.some((item) => item === undefined)) return undefined;
    const itemType = (items as BoundParameter[]).find((item) => item.value !== null)?.type ?? VARCHAR;
    if ((items as BoundParameter[]).some((item) => item.value !== null && String(item.type) !== String(itemType))) {
      // Mixed whole and fractional numbers: bind the list as DOUBLE rather than failing.
      if ((items as BoundParameter[]).every((item) => item.value === null || typeof item.value === 'bigint' || typeof item.value === 'number')) {
        return { value: listValue((items as BoundParameter[]).map((item) => (item.value === null ? null : Number(item.value)))), type: LIST(DOUBLE) };
      }
      return undefined;
    }
    return { value: listValue((items as BoundParameter[]).map((item) => item.value)), type: LIST(itemType) };
  }
  return undefined;
}
