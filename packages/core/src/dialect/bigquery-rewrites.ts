// DuckDB constructs polyglot does not carry over to BigQuery correctly (it passes them through, or
// writes a function BigQuery does not have), each with the BigQuery text that computes the same value.
// sql-dialect.ts swaps each matched node for a marker function whose arguments polyglot transpiles,
// then renders the marker from the transpiled arguments with the rule's template.
import type { SqlNode } from './sql-dialect.ts';

/** What a DuckDB expression's type is known to be, where a rewrite depends on it. */
export type TemporalKind = 'timestamptz' | 'timestamp' | 'date';

/** What a rule needs to know beyond the node: the types of columns and parameters. */
export interface RewriteContext {
  /** Column name → kind, for columns of the SQL's inputs whose type is unambiguous. */
  readonly columnKinds: ReadonlyMap<string, TemporalKind>;
  /** Parameter name (without `$`) → kind. */
  readonly parameterKinds: ReadonlyMap<string, TemporalKind>;
}

/** A matched construct: the sub-expressions polyglot transpiles, and the BigQuery text built from them. */
export interface Rewrite {
  readonly args: readonly SqlNode[];
  readonly render: (args: readonly string[]) => string;
}

/** A construct that matched no equivalent: what it is and what to write instead. */
export interface NoRewrite {
  readonly unsupported: string;
  readonly wayOut: string;
}

type Rule = (kind: string, payload: SqlNode, context: RewriteContext) => Rewrite | NoRewrite | undefined;

const PER_ENGINE = "give per-engine SQL (sql: { duckdb, bigquery }) or pin engine: 'duckdb'";

// Aggregates whose FILTER (WHERE c) is the aggregate of IF(c, x, NULL): they ignore NULL inputs.
const NULL_IGNORING_AGGREGATES: Readonly<Record<string, string>> = {
  sum: 'SUM',
  avg: 'AVG',
  min: 'MIN',
  max: 'MAX',
  stddev_pop: 'STDDEV_POP',
  stddev_samp: 'STDDEV_SAMP',
  stddev: 'STDDEV',
  var_pop: 'VAR_POP',
  var_samp: 'VAR_SAMP',
  variance: 'VARIANCE',
};

function present(value: unknown): value is SqlNode {
  return value !== null && value !== undefined && typeof value === 'object';
}

/** `count(*) FILTER (WHERE c)` → `COUNTIF(c)`; `sum(x) FILTER (WHERE c)` → `SUM(IF(c, x, NULL))`; … */
const aggregateFilter: Rule = (kind, payload) => {
  if (!present(payload.filter)) return undefined;
  const filter = payload.filter;
  if (kind === 'count') {
    if (payload.star === true) return { args: [filter], render: ([c]) => `COUNTIF(${c})` };
    if (!present(payload.this)) return undefined;
    if (payload.distinct === true) return { args: [filter, payload.this], render: ([c, x]) => `COUNT(DISTINCT IF(${c}, ${x}, NULL))` };
    return { args: [filter, payload.this], render: ([c, x]) => `COUNT(IF(${c}, ${x}, NULL))` };
  }
  const name = NULL_IGNORING_AGGREGATES[kind];
  if (name !== undefined && present(payload.this) && payload.distinct !== true) {
    return { args: [filter, payload.this], render: ([c, x]) => `${name}(IF(${c}, ${x}, NULL))` };
  }
  const label = kind === 'aggregate_function' || kind === 'function' ? String(payload.name ?? kind) : kind;
  return { unsupported: `${label}(…) FILTER (WHERE …)`, wayOut: `write ${label}(IF(condition, value, NULL)) where that is the same, or ${PER_ENGINE}` };
};

function argsOf(payload: SqlNode): SqlNode[] {
  return Array.isArray(payload.args) ? (payload.args as SqlNode[]) : [];
}

function functionName(kind: string, payload: SqlNode): string | undefined {
  if ((kind === 'function' || kind === 'aggregate_function') && typeof payload.name === 'string') return payload.name.toLowerCase();
  return undefined;
}

/**
 * `arg_max(x, y)` → the x of the row with the largest y. DuckDB skips rows where x or y is NULL (and
 * returns NULL without such rows); ARRAY_AGG with IGNORE NULLS over IF(y IS NULL, NULL, x) skips the same rows.
 */
const argExtreme: Rule = (kind, payload) => {
  const name = functionName(kind, payload);
  if (name !== 'arg_max' && name !== 'arg_min' && name !== 'max_by' && name !== 'min_by') return undefined;
  const args = argsOf(payload);
  if (args.length !== 2 || present(payload.filter) || payload.distinct === true) {
    return { unsupported: `${name}() with ${args.length === 3 ? 'a count' : 'FILTER or DISTINCT'}`, wayOut: PER_ENGINE };
  }
  const order = name === 'arg_max' || name === 'max_by' ? 'DESC' : 'ASC';
  return { args, render: ([x, y]) => `ARRAY_AGG(IF((${y}) IS NULL, NULL, ${x}) IGNORE NULLS ORDER BY ${y} ${order} LIMIT 1)[SAFE_OFFSET(0)]` };
};

/** `string_agg(x, sep ORDER BY k)` → `STRING_AGG(x, sep ORDER BY k)` with DuckDB's NULLS LAST spelled out. */
const stringAgg: Rule = (kind, payload) => {
  if (kind !== 'string_agg' && functionName(kind, payload) !== 'string_agg' && functionName(kind, payload) !== 'group_concat' && functionName(kind, payload) !== 'listagg') return undefined;
  if (kind !== 'string_agg') return { unsupported: `${String(payload.name)}()`, wayOut: `write string_agg(x, separator ORDER BY …), or ${PER_ENGINE}` };
  if (present(payload.filter)) return { unsupported: 'string_agg(…) FILTER (WHERE …)', wayOut: `write string_agg(CASE WHEN condition THEN x END, …), or ${PER_ENGINE}` };
  const order = Array.isArray(payload.order_by) ? (payload.order_by as SqlNode[]) : [];
  const args: SqlNode[] = [payload.this as SqlNode];
  const separator = present(payload.separator) ? payload.separator : undefined;
  if (separator !== undefined) args.push(separator);
  for (const o of order) args.push(o.this as SqlNode);
  const distinct = payload.distinct === true ? 'DISTINCT ' : '';
  return {
    args,
    render: (texts) => {
      const [x, ...rest] = texts;
      const sep = separator !== undefined ? rest.shift()! : "','";
      // BigQuery sorts NULL first ascending and last descending; DuckDB sorts NULL last either way.
      const keys = order.map((o, i) => {
        const key = rest[i]!;
        const desc = o.desc === true;
        // BigQuery's aggregate ORDER BY has no NULLS FIRST/LAST: a leading IS NULL key places them.
        if (desc) return o.nulls_first === true ? `(${key}) IS NULL DESC, ${key} DESC` : `${key} DESC`;
        return o.nulls_first === true ? key : `(${key}) IS NULL, ${key}`;
      });
      return `STRING_AGG(${distinct}${x}, ${sep}${keys.length > 0 ? ` ORDER BY ${keys.join(', ')}` : ''})`;
    },
  };
};

/** `CAST(x AS DECIMAL(p, s))` keeps its precision and scale (polyglot writes a bare NUMERIC, scale 9). */
const decimalCast: Rule = (kind, payload) => {
  if (kind !== 'cast' && kind !== 'try_cast') return undefined;
  const to = payload.to as SqlNode | undefined;
  if (to?.data_type !== 'decimal') return undefined;
  // DuckDB's DECIMAL without a width is DECIMAL(18, 3).
  const precision = typeof to.precision === 'number' ? to.precision : 18;
  const scale = typeof to.scale === 'number' ? to.scale : to.precision === null || to.precision === undefined ? 3 : 0;
  const type = precision - scale <= 29 && scale <= 9 ? 'NUMERIC' : 'BIGNUMERIC';
  if (precision - scale > 38 || scale > 38) return { unsupported: `CAST(… AS DECIMAL(${precision}, ${scale}))`, wayOut: `use a precision BigQuery's BIGNUMERIC holds, or ${PER_ENGINE}` };
  const fn = kind === 'try_cast' ? 'SAFE_CAST' : 'CAST';
  return { args: [payload.this as SqlNode], render: ([x]) => `${fn}(${x} AS ${type}(${precision}, ${scale}))` };
};

/** The temporal kind of a DuckDB expression, where the SQL says it (literal, cast, typed parameter or input column). */
export function temporalKindOf(node: unknown, context: RewriteContext): TemporalKind | undefined {
  if (!present(node)) return undefined;
  const [kind, payload] = Object.entries(node)[0] ?? [];
  if (kind === undefined || !present(payload)) return undefined;
  if (kind === 'literal') return payload.literal_type === 'timestamp' ? 'timestamp' : payload.literal_type === 'date' ? 'date' : undefined;
  if (kind === 'cast' || kind === 'try_cast') {
    const to = payload.to as SqlNode | undefined;
    if (to?.data_type === 'timestamp') return to.timezone === true ? 'timestamptz' : 'timestamp';
    if (to?.data_type === 'date') return 'date';
    return undefined;
  }
  if (kind === 'paren') return temporalKindOf(payload.this, context);
  if (kind === 'parameter' && typeof payload.name === 'string') return context.parameterKinds.get(payload.name);
  if (kind === 'column') {
    const name = (payload.name as SqlNode | undefined)?.name;
    return typeof name === 'string' ? context.columnKinds.get(name) : undefined;
  }
  return undefined;
}

const TYPE_WAY_OUT = 'cast the argument so its type is known: CAST(x AS TIMESTAMPTZ), CAST(x AS TIMESTAMP) or CAST(x AS DATE)';

/** `timezone(tz, x)` / `x AT TIME ZONE tz`: TIMESTAMPTZ → local DATETIME; TIMESTAMP (local) → TIMESTAMP. */
const timeZone: Rule = (kind, payload, context) => {
  let zone: SqlNode | undefined;
  let value: SqlNode | undefined;
  if (functionName(kind, payload) === 'timezone' && argsOf(payload).length === 2) [zone, value] = argsOf(payload);
  else if (kind === 'at_time_zone') [zone, value] = [payload.zone as SqlNode, payload.this as SqlNode];
  else return undefined;
  const label = kind === 'at_time_zone' ? '… AT TIME ZONE …' : 'timezone()';
  const of = temporalKindOf(value, context);
  if (of === 'timestamptz') return { args: [value!, zone!], render: ([x, tz]) => `DATETIME(${x}, ${tz})` };
  if (of === 'timestamp') return { args: [value!, zone!], render: ([x, tz]) => `TIMESTAMP(${x}, ${tz})` };
  return { unsupported: `${label} of an expression of unknown type`, wayOut: `${TYPE_WAY_OUT}, or ${PER_ENGINE}` };
};

const TRUNC_PARTS: Readonly<Record<string, string>> = {
  microsecond: 'MICROSECOND', millisecond: 'MILLISECOND', second: 'SECOND', minute: 'MINUTE', hour: 'HOUR',
  day: 'DAY', week: 'ISOWEEK', month: 'MONTH', quarter: 'QUARTER', year: 'YEAR',
};

/** `date_trunc('hour', x)` → TIMESTAMP_TRUNC / DATETIME_TRUNC / DATE_TRUNC by the type of x (DuckDB truncates dates to a TIMESTAMP). */
const dateTrunc: Rule = (kind, payload, context) => {
  if (functionName(kind, payload) !== 'date_trunc' && functionName(kind, payload) !== 'datetrunc') return undefined;
  const [partNode, value] = argsOf(payload);
  const literal = (partNode as { literal?: SqlNode } | undefined)?.literal;
  const part = literal?.literal_type === 'string' && typeof literal.value === 'string' ? TRUNC_PARTS[literal.value.toLowerCase()] : undefined;
  if (part === undefined) return { unsupported: 'date_trunc() with a part that is not a literal', wayOut: `write the part as a literal ('hour', 'day', 'month', …), or ${PER_ENGINE}` };
  const of = temporalKindOf(value, context);
  // DuckDB truncates in the session time zone, which Quarry's DuckDB engine sets to UTC, as BigQuery's default.
  if (of === 'timestamptz') return { args: [value!], render: ([x]) => `TIMESTAMP_TRUNC(${x}, ${part})` };
  if (of === 'timestamp') return { args: [value!], render: ([x]) => `DATETIME_TRUNC(${x}, ${part})` };
  if (of === 'date') return { args: [value!], render: ([x]) => `DATETIME(DATE_TRUNC(${x}, ${part}))` };
  return { unsupported: 'date_trunc() of an expression of unknown type', wayOut: `${TYPE_WAY_OUT}, or ${PER_ENGINE}` };
};

/** `epoch(x)` (seconds, DOUBLE), `epoch_ms(x)`, `epoch_us(x)`: Unix time of a timestamp or date (a local TIMESTAMP read as UTC, as DuckDB does). */
const epoch: Rule = (kind, payload) => {
  const name = kind === 'epoch' ? 'epoch' : functionName(kind, payload);
  const value = kind === 'epoch' ? (payload.this as SqlNode) : argsOf(payload)[0];
  if (name === 'epoch' && value !== undefined) return { args: [value], render: ([x]) => `(UNIX_MICROS(CAST(${x} AS TIMESTAMP)) / 1000000)` };
  if (name === 'epoch_us' && value !== undefined) return { args: [value], render: ([x]) => `UNIX_MICROS(CAST(${x} AS TIMESTAMP))` };
  if (name === 'epoch_ms' && value !== undefined && argsOf(payload).length === 1) return { args: [value], render: ([x]) => `UNIX_MILLIS(CAST(${x} AS TIMESTAMP))` };
  return undefined;
};

/** `split_part(s, sep, n)` for a literal n ≥ 1: DuckDB gives '' past the last part, NULL for NULL input. */
const splitPart: Rule = (kind, payload) => {
  if (functionName(kind, payload) !== 'split_part') return undefined;
  const [text, separator, index] = argsOf(payload);
  const literal = (index as { literal?: SqlNode } | undefined)?.literal;
  const n = literal?.literal_type === 'number' ? Number(literal.value) : NaN;
  if (text === undefined || separator === undefined || !Number.isSafeInteger(n) || n < 1) {
    return { unsupported: 'split_part() with a part number that is not a literal ≥ 1', wayOut: `write the part number as a literal, or ${PER_ENGINE}` };
  }
  return { args: [text, separator], render: ([s, d]) => `IF((${s}) IS NULL OR (${d}) IS NULL, NULL, COALESCE(SPLIT(${s}, ${d})[SAFE_OFFSET(${n - 1})], ''))` };
};

/** `list_contains(list, v)`: NULL for a NULL list or value, else whether an element equals v (NULL elements do not make it NULL). */
const listContains: Rule = (kind, payload) => {
  const name = functionName(kind, payload);
  if (name !== 'list_contains' && name !== 'array_contains' && name !== 'list_has' && name !== 'array_has') return undefined;
  const [list, value] = argsOf(payload);
  if (list === undefined || value === undefined) return undefined;
  return {
    args: [list, value],
    render: ([l, v]) => `IF((${l}) IS NULL OR (${v}) IS NULL, NULL, EXISTS(SELECT 1 FROM UNNEST(${l}) AS _quarry_e WHERE _quarry_e = ${v}))`,
  };
};

/** Every rule, tried in order on each node of the DuckDB tree. */
export const BIGQUERY_REWRITES: readonly Rule[] = [aggregateFilter, argExtreme, stringAgg, decimalCast, timeZone, dateTrunc, epoch, splitPart, listContains];

// BigQuery → DuckDB (the other way, for running BigQuery SQL on DuckDB: the BigQuery test double).

function offsetZero(index: unknown): boolean {
  const call = present(index) ? (index.function as SqlNode | undefined) : undefined;
  const name = typeof call?.name === 'string' ? call.name.toUpperCase() : '';
  const [arg] = Array.isArray(call?.args) ? (call!.args as SqlNode[]) : [];
  const literal = (arg as { literal?: SqlNode } | undefined)?.literal;
  if (literal?.literal_type !== 'number') return false;
  return ((name === 'OFFSET' || name === 'SAFE_OFFSET') && literal.value === '0') || ((name === 'ORDINAL' || name === 'SAFE_ORDINAL') && literal.value === '1');
}

/**
 * `ARRAY_AGG(x [IGNORE NULLS] ORDER BY k… LIMIT 1)[SAFE_OFFSET(0)]` (the first x in that order) →
 * DuckDB's `first(x ORDER BY k…)`, with BigQuery's NULL order spelled out (first ascending, last
 * descending) and IGNORE NULLS as a FILTER. polyglot writes a LIMIT inside the aggregate, which DuckDB rejects.
 */
const firstOfArrayAgg: Rule = (kind, payload) => {
  if (kind !== 'subscript' || !offsetZero(payload.index)) return undefined;
  const agg = present(payload.this) ? (payload.this.array_agg as SqlNode | undefined) : undefined;
  const limit = (agg?.limit as { literal?: SqlNode } | undefined)?.literal;
  if (agg === undefined || limit?.value !== '1' || agg.distinct === true || present(agg.filter) || !present(agg.this)) return undefined;
  const order = Array.isArray(agg.order_by) ? (agg.order_by as SqlNode[]) : [];
  const ignoreNulls = agg.ignore_nulls === true;
  return {
    args: [agg.this, ...order.map((o) => o.this as SqlNode)],
    render: ([x, ...keys]) => {
      const by = order.map((o, i) => {
        const desc = o.desc === true;
        const nullsFirst = o.nulls_first === true || ((o.nulls_first === null || o.nulls_first === undefined) && !desc);
        return `${keys[i]}${desc ? ' DESC' : ''} NULLS ${nullsFirst ? 'FIRST' : 'LAST'}`;
      });
      return `first(${x}${by.length > 0 ? ` ORDER BY ${by.join(', ')}` : ''})${ignoreNulls ? ` FILTER (WHERE (${x}) IS NOT NULL)` : ''}`;
    },
  };
};

/** `CAST(x AS NUMERIC(p, s))` keeps its precision and scale (polyglot writes a bare DECIMAL, which is DECIMAL(18, 3)). */
const numericCast: Rule = (kind, payload) => {
  if (kind !== 'cast' && kind !== 'try_cast' && kind !== 'safe_cast') return undefined;
  const to = payload.to as SqlNode | undefined;
  if ((to?.data_type !== 'decimal' && to?.data_type !== 'bignumeric') || typeof to.precision !== 'number') return undefined;
  const fn = kind === 'cast' ? 'CAST' : 'TRY_CAST';
  return { args: [payload.this as SqlNode], render: ([x]) => `${fn}(${x} AS DECIMAL(${to.precision}, ${typeof to.scale === 'number' ? to.scale : 0}))` };
};

/** `COUNTIF(c)` → `count(*) FILTER (WHERE c)`: 0 without a true row, where DuckDB's count_if gives NULL for all-NULL input. */
const countIf: Rule = (kind, payload) => {
  if (kind !== 'count_if' || !present(payload.this) || payload.distinct === true) return undefined;
  return { args: [payload.this], render: ([c]) => `count(*) FILTER (WHERE ${c})` };
};

/** `STRING_AGG(x, sep ORDER BY k…)` → DuckDB's `string_agg` with BigQuery's NULL order spelled out (polyglot writes LISTAGG). */
const stringAggToDuckDb: Rule = (kind, payload) => {
  if (kind !== 'string_agg' || !present(payload.this) || present(payload.filter)) return undefined;
  const order = Array.isArray(payload.order_by) ? (payload.order_by as SqlNode[]) : [];
  const separator = present(payload.separator) ? payload.separator : undefined;
  return {
    args: [payload.this, ...(separator !== undefined ? [separator] : []), ...order.map((o) => o.this as SqlNode)],
    render: (texts) => {
      const [x, ...rest] = texts;
      const sep = separator !== undefined ? rest.shift()! : "','";
      const by = order.map((o, i) => {
        const desc = o.desc === true;
        const nullsFirst = o.nulls_first === true || ((o.nulls_first === null || o.nulls_first === undefined) && !desc);
        return `${rest[i]}${desc ? ' DESC' : ''} NULLS ${nullsFirst ? 'FIRST' : 'LAST'}`;
      });
      return `string_agg(${payload.distinct === true ? 'DISTINCT ' : ''}${x}, ${sep}${by.length > 0 ? ` ORDER BY ${by.join(', ')}` : ''})`;
    },
  };
};

/** Every rule of the BigQuery → DuckDB direction. */
export const DUCKDB_REWRITES: readonly Rule[] = [firstOfArrayAgg, numericCast, countIf, stringAggToDuckDb];
