import { createRequire } from 'node:module';
import type * as Polyglot from '@polyglot-sql/sdk';
import { QuarryError } from '../errors.ts';
import { BIGQUERY_FUNCTIONS, NOT_BIGQUERY_NODE_KINDS } from './bigquery-functions.ts';
import { BIGQUERY_REWRITES, DUCKDB_REWRITES, type Rewrite, type RewriteContext, type TemporalKind } from './bigquery-rewrites.ts';

let polyglot: typeof Polyglot | undefined;
let loading: Promise<typeof Polyglot> | undefined;

/**
 * Loads the SQL dialect layer (polyglot's WebAssembly module, ~0.5 s) once per process; every other
 * function of this layer needs it loaded. It is loaded on demand so that commands that never parse
 * SQL do not pay for it.
 *
 * ```ts
 * await loadSqlDialect();
 * transpileSql(sql, { to: 'bigquery' });
 * ```
 */
export function loadSqlDialect(): Promise<void> {
  loading ??= (async () => {
    // The CommonJS build with an explicit init compiles the module faster than the ESM build's import.
    const sdkModule = createRequire(import.meta.url)('@polyglot-sql/sdk') as typeof Polyglot;
    await sdkModule.init();
    polyglot = sdkModule;
    return sdkModule;
  })();
  return loading.then(() => undefined);
}

/** True once `loadSqlDialect` has finished. */
export function isSqlDialectLoaded(): boolean {
  return polyglot !== undefined;
}

function sdk(): typeof Polyglot {
  if (polyglot === undefined) throw new Error('The SQL dialect layer is not loaded: await loadSqlDialect() first.');
  return polyglot;
}

/** An SQL dialect Quarry writes or runs: asset SQL is written in `duckdb`, engines may run another. */
export type SqlDialect = 'duckdb' | 'bigquery';

/** A node of polyglot's SQL syntax tree (plain JSON: `{ select: {...} }`, `{ column: {...} }`, …). */
export type SqlNode = Record<string, unknown>;

/** Options of `parseSql` and `transpileSql`. */
export interface SqlDialectOptions {
  /** Named in errors (`Asset "marts/x": …`). */
  readonly assetKey?: string;
}

/** Options of `transpileSql`. */
export interface TranspileSqlOptions extends SqlDialectOptions, SqlTypeHints {
  readonly from?: SqlDialect;
  readonly to: SqlDialect;
  /** Pretty-print the result. */
  readonly pretty?: boolean;
}

const CHECK_PLACEHOLDER = /\{\{\s*([A-Za-z_]+)(?::([^}\s]+))?\s*\}\}/g;

/**
 * The SQL a parser can read: the `{{target}}`, `{{history}}`, `{{ref:asset/key}}` relations of check
 * SQL become identifiers (`__quarry_target`, `__quarry_ref__asset__key`) and `{{partition_*}}` values
 * become `$partition_*` parameters, so the parse is of the real query. Asset SQL needs nothing: it
 * names its upstream assets by their dependency names and its values as `$partition_*` parameters,
 * which the dialects parse natively.
 *
 * ```ts
 * prepareSqlForParse('select * from {{ref:raw/orders}} where ts < {{partition_end}}');
 * // 'select * from __quarry_ref__raw__orders where ts < $partition_end'
 * ```
 */
export function prepareSqlForParse(sql: string): string {
  return sql.replace(CHECK_PLACEHOLDER, (_all, name: string, arg: string | undefined) => {
    if (name.startsWith('partition_')) return `$${name}`;
    if (name === 'ref' && arg !== undefined) return checkRelationName(arg);
    return `__quarry_${name}`;
  });
}

/** The identifier `prepareSqlForParse` gives the relation `{{ref:KEY}}`. */
export function checkRelationName(assetKey: string): string {
  return `__quarry_ref__${assetKey.replace(/[^A-Za-z0-9_]/g, '__')}`;
}

/**
 * Parses one SQL statement of `dialect` (default `duckdb`) into polyglot's syntax tree; throws
 * `QUARRY_SQL_PARSE` naming the line and column when it does not parse.
 *
 * ```ts
 * const tree = parseSql('select creator_id, count(*) from videos group by 1');
 * ```
 */
export function parseSql(sql: string, dialect: SqlDialect = 'duckdb', options: SqlDialectOptions = {}): SqlNode {
  const result = sdk().parse(prepareSqlForParse(sql), dialect as never) as { success: boolean; ast?: unknown[]; error?: string | null };
  if (!result.success || !Array.isArray(result.ast) || result.ast.length === 0) {
    throw new QuarryError('QUARRY_SQL_PARSE', `${prefix(options)}the SQL does not parse as ${dialect}: ${result.error ?? 'no statement'}. Fix the SQL.`, {
      details: { dialect, ...(options.assetKey !== undefined ? { assetKey: options.assetKey } : {}) },
    });
  }
  if (result.ast.length > 1) {
    throw new QuarryError('QUARRY_SQL_PARSE', `${prefix(options)}the SQL holds ${result.ast.length} statements; an asset's SQL is one query.`, { details: { dialect } });
  }
  return result.ast[0] as SqlNode;
}

/** One construct of the source SQL that has no equivalent in a target dialect, with the way out. */
export interface UnsupportedConstruct {
  /** What it is, as written: `list()`, `CAST(… AS HUGEINT)`, `timezone() of an expression of unknown type`. */
  readonly construct: string;
  readonly target: SqlDialect;
  /** What to write instead. */
  readonly wayOut: string;
}

const WAY_OUT = "give per-engine SQL (sql: { duckdb, bigquery }) or pin engine: 'duckdb'";

// DuckDB functions with no BigQuery equivalent the dialect layer writes for them.
const NOT_IN_BIGQUERY: Readonly<Record<string, string>> = {
  list: 'write ARRAY_AGG(x) where no value is NULL (BigQuery cannot hold NULL in an array)',
  array_agg: 'BigQuery cannot hold NULL in an array: ' + WAY_OUT,
  read_parquet: 'read an upstream asset through deps instead of a file',
  read_csv: 'read an upstream asset through deps instead of a file',
  read_csv_auto: 'read an upstream asset through deps instead of a file',
  read_json: 'read an upstream asset through deps instead of a file',
  read_json_auto: 'read an upstream asset through deps instead of a file',
  struct_pack: 'write STRUCT(x AS name, …) in per-engine SQL',
  list_transform: 'write ARRAY(SELECT … FROM UNNEST(list)) in per-engine SQL',
  list_filter: 'write ARRAY(SELECT e FROM UNNEST(list) AS e WHERE …) in per-engine SQL',
};
const TYPES_NOT_IN_BIGQUERY = new Set(['hugeint', 'ubigint', 'uinteger', 'usmallint', 'utinyint', 'uhugeint', 'int128', 'uint64', 'uint32', 'uint16', 'uint8', 'uint128']);
const DUCKDB_UNSIGNED: Readonly<Record<string, string>> = { int128: 'HUGEINT', uint64: 'UBIGINT', uint32: 'UINTEGER', uint16: 'USMALLINT', uint8: 'UTINYINT', uint128: 'UHUGEINT' };
// Joins BigQuery does not have, by polyglot's join kind.
const JOINS_NOT_IN_BIGQUERY: Readonly<Record<string, string>> = { Positional: 'POSITIONAL JOIN', AsOf: 'ASOF JOIN' };
// Functions whose BigQuery form depends on a type polyglot does not know (it writes FORMAT_DATE for strftime of a timestamp).
const TYPE_DEPENDENT: Readonly<Record<string, string>> = {
  strftime: 'write FORMAT_TIMESTAMP / FORMAT_DATE in per-engine SQL',
  range: 'write GENERATE_ARRAY(start, stop - 1) in per-engine SQL',
};
const FILTERABLE_AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max', 'stddev_pop', 'stddev_samp', 'stddev', 'variance', 'var_pop', 'var_samp', 'aggregate_function', 'function', 'array_agg', 'any_value', 'median', 'bool_and', 'bool_or', 'string_agg', 'list']);

/** Options of `transpileSql` that say the types a rewrite depends on (see docs/bigquery-sql.md). */
export interface SqlTypeHints {
  /**
   * Columns of the SQL's inputs whose type is unambiguous, by name: `timezone()` and `date_trunc()` need
   * to know whether their argument is a TIMESTAMPTZ, a local TIMESTAMP or a DATE (`compileAssetSql` fills
   * it from the deps' schemas).
   */
  readonly columnKinds?: Readonly<Record<string, TemporalKind>>;
  /** `$name` parameters' kinds; default: `$partition_start` and `$partition_end` are TIMESTAMPTZ, as engines bind them. */
  readonly parameterKinds?: Readonly<Record<string, TemporalKind>>;
}

const DEFAULT_PARAMETER_KINDS: Readonly<Record<string, TemporalKind>> = { partition_start: 'timestamptz', partition_end: 'timestamptz' };

interface BigQueryCompilation {
  readonly sql: string | undefined;
  readonly unsupported: UnsupportedConstruct[];
  /** `$name` parameters the SQL uses, in order of first use. */
  readonly parameters: string[];
}

function isNode(value: unknown): value is SqlNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const MARKER = /^__quarry_rw_(\d+)$/i;

/**
 * Compiles DuckDB SQL to BigQuery: rewrites the constructs polyglot gets wrong into marker calls
 * (their arguments still DuckDB), lets polyglot transpile the rest, renders each marker from its
 * transpiled arguments, then refuses any function BigQuery does not have.
 */
function compileToBigQuery(sql: string, options: TranspileSqlOptions): BigQueryCompilation {
  const tree = parseSql(sql, 'duckdb', options);
  const found = new Map<string, UnsupportedConstruct>();
  const add = (construct: string, wayOut: string) => {
    if (!found.has(construct)) found.set(construct, { construct, target: 'bigquery', wayOut });
  };
  const context: RewriteContext = {
    columnKinds: new Map(Object.entries(options.columnKinds ?? {})),
    parameterKinds: new Map(Object.entries({ ...DEFAULT_PARAMETER_KINDS, ...(options.parameterKinds ?? {}) })),
  };
  const parameters: string[] = [];
  const rewrites: Rewrite[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!isNode(node)) return;
    const entries = Object.entries(node);
    if (entries.length === 1 && isNode(entries[0]![1])) {
      const [kind, payload] = entries[0] as [string, SqlNode];
      if (kind === 'parameter' && typeof payload.name === 'string' && !parameters.includes(payload.name)) parameters.push(payload.name);
      for (const rule of BIGQUERY_REWRITES) {
        const result = rule(kind, payload, context);
        if (result === undefined) continue;
        if ('unsupported' in result) {
          add(result.unsupported, result.wayOut);
          break;
        }
        for (const arg of result.args) visit(arg);
        const index = rewrites.push(result) - 1;
        delete node[kind];
        node.function = { name: `__quarry_rw_${index}`, args: [...result.args], distinct: false, use_bracket_syntax: false, no_parens: false, quoted: false };
        return;
      }
      if (isNode(payload.filter) && FILTERABLE_AGGREGATES.has(kind) && !found.has(`${kind}(…) FILTER (WHERE …)`)) {
        const name = typeof payload.name === 'string' ? payload.name.toLowerCase() : kind;
        add(`${name}(…) FILTER (WHERE …)`, `write ${name}(IF(condition, value, NULL)) where that is the same, or ${WAY_OUT}`);
      }
      const name = (kind === 'function' || kind === 'aggregate_function') && typeof payload.name === 'string' ? payload.name.toLowerCase() : kind;
      const way = NOT_IN_BIGQUERY[name];
      if (way !== undefined) add(`${name}()`, way);
      if ((kind === 'cast' || kind === 'try_cast') && typeof (payload.to as SqlNode | undefined)?.data_type === 'string') {
        const type = String((payload.to as SqlNode).data_type).toLowerCase();
        // polyglot reads DuckDB's HUGEINT as int128: name it as the SQL wrote it.
        if (TYPES_NOT_IN_BIGQUERY.has(type)) add(`CAST(… AS ${DUCKDB_UNSIGNED[type] ?? type.toUpperCase()})`, 'cast to BIGINT, NUMERIC or BIGNUMERIC');
      }
      const typeDependent = TYPE_DEPENDENT[name];
      if (typeDependent !== undefined && (kind === 'function' || kind === 'aggregate_function')) add(`${name}()`, typeDependent);
      if (kind === 'union' && payload.by_name === true) add('UNION … BY NAME', `list the columns in the same order on both sides, or ${WAY_OUT}`);
      if (isNode(payload.sample)) add('USING SAMPLE', `sample in per-engine SQL (BigQuery: TABLESAMPLE SYSTEM (n PERCENT)), or ${WAY_OUT}`);
      if (Array.isArray(payload.joins)) {
        for (const join of payload.joins as SqlNode[]) {
          const construct = JOINS_NOT_IN_BIGQUERY[String(join.kind)];
          if (construct !== undefined) add(construct, `write the join with explicit conditions (a window function for an as-of match), or ${WAY_OUT}`);
        }
      }
      if (isNode(payload.order_by) && Array.isArray(payload.order_by.expressions)) {
        for (const key of payload.order_by.expressions as SqlNode[]) {
          const column = (key.this as SqlNode | undefined)?.column as SqlNode | undefined;
          const id = column?.name as SqlNode | undefined;
          if (column !== undefined && column.table === null && id?.quoted === false && String(id.name).toLowerCase() === 'all') add('ORDER BY ALL', 'list the ORDER BY columns');
        }
      }
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(tree);
  const unsupported = () => [...found.values()];
  if (found.size > 0) return { sql: undefined, unsupported: unsupported(), parameters };
  const duck = generated(sdk().generate([tree], 'duckdb' as never), 'duckdb', options);
  const bigquery = generated(sdk().transpile(duck, 'duckdb' as never, 'bigquery' as never, { unsupportedLevel: 'raise' }), 'bigquery', options);
  const out = bigQueryTree(bigquery, options);
  resolveRewrites(out, rewrites, 'bigquery', (sql) => bigQueryTree(sql, options), options, (kind, value) => {
    if ((kind === 'function' || kind === 'aggregate_function') && isNode(value) && typeof value.name === 'string') {
      const name = value.name.toUpperCase().replace(/^SAFE\./, '');
      if (!BIGQUERY_FUNCTIONS.has(name)) add(`${value.name.toLowerCase()}()`, `BigQuery has no function ${value.name.toUpperCase()}: ${WAY_OUT}`);
    }
    const construct = NOT_BIGQUERY_NODE_KINDS[kind];
    if (construct !== undefined && isNode(value)) add(construct, WAY_OUT);
  });
  if (found.size > 0) return { sql: undefined, unsupported: unsupported(), parameters };
  let text = generated(sdk().generate([out], 'bigquery' as never), 'bigquery', options);
  if (options.pretty === true) text = generated(sdk().transpile(text, 'bigquery' as never, 'bigquery' as never, { pretty: true }), 'bigquery', options);
  return { sql: text, unsupported: [], parameters };
}

/**
 * Replaces, in `tree` (generated for `dialect`), each marker call `__quarry_rw_N(args)` left by a
 * rewrite pass with rewrite N rendered in that dialect from its arguments' text (markers nested in
 * the arguments first); `parse` reads the rendered expression back. `inspect`, when given, sees every
 * other entry of every node, to flag what the dialect lacks.
 */
function resolveRewrites(tree: SqlNode, rewrites: readonly Rewrite[], dialect: SqlDialect, parse: (sql: string) => SqlNode, options: SqlDialectOptions, inspect?: (kind: string, value: unknown) => void): void {
  const resolve = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) resolve(item);
      return;
    }
    if (!isNode(node)) return;
    const call = isNode(node.function) ? node.function : undefined;
    const marker = call !== undefined && typeof call.name === 'string' ? MARKER.exec(call.name) : null;
    if (call !== undefined && marker !== null) {
      const args = (call.args as unknown[]) ?? [];
      for (const arg of args) resolve(arg);
      const texts = args.map((arg) => generated(sdk().generate([arg], dialect as never), dialect, options));
      const select = parse(`SELECT ${rewrites[Number(marker[1])]!.render(texts)}`).select as SqlNode;
      delete node.function;
      Object.assign(node, (select.expressions as SqlNode[])[0]!);
      return;
    }
    for (const [kind, value] of Object.entries(node)) {
      inspect?.(kind, value);
      resolve(value);
    }
  };
  resolve(tree);
}

/**
 * BigQuery SQL parsed so that generating it gives the same types back: polyglot's BigQuery parser
 * reads TIMESTAMP as a local timestamp (which it then writes as DATETIME) and BOOL as BOOLEAN.
 */
function bigQueryTree(sql: string, options: SqlDialectOptions): SqlNode {
  const tree = parseSql(sql, 'bigquery', options);
  const fix = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) fix(item);
      return;
    }
    if (!isNode(node)) return;
    if (node.data_type === 'timestamp') node.timezone = true;
    if (node.data_type === 'boolean') {
      delete node.data_type;
      Object.assign(node, { data_type: 'custom', name: 'BOOL' });
    }
    for (const value of Object.values(node)) fix(value);
  };
  fix(tree);
  return tree;
}

function generated(result: { success: boolean; sql?: string[]; error?: string | null }, dialect: SqlDialect, options: SqlDialectOptions): string {
  if (!result.success || result.sql === undefined || result.sql.length !== 1) {
    throw new QuarryError('QUARRY_SQL_UNSUPPORTED', `${prefix(options)}the SQL does not transpile to ${dialect}: ${result.error ?? 'no statement'}.`, {
      details: { target: dialect, ...(options.assetKey !== undefined ? { assetKey: options.assetKey } : {}) },
    });
  }
  return result.sql[0]!;
}

/**
 * The constructs of `sql` (DuckDB) that do not carry over to `target`: the ones with no BigQuery
 * equivalent the dialect layer writes, those whose rewrite needs a type the SQL does not say, and
 * any function polyglot would pass through that BigQuery does not have.
 *
 * ```ts
 * unsupportedConstructs('select list(x) from t', 'bigquery');
 * // [{ construct: 'list()', target: 'bigquery', wayOut: 'write ARRAY_AGG(x) …' }]
 * ```
 */
export function unsupportedConstructs(sql: string, target: SqlDialect, options: SqlDialectOptions & SqlTypeHints = {}): UnsupportedConstruct[] {
  if (target === 'duckdb') return [];
  return compileToBigQuery(sql, { ...options, to: target }).unsupported;
}

/**
 * Transpiles one DuckDB statement to `options.to` (BigQuery): `$partition_key` becomes
 * `@partition_key`, types and functions take the target's names, and the constructs polyglot gets
 * wrong are rewritten to BigQuery equivalents (`count(*) FILTER (WHERE c)` → `COUNTIF(c)`,
 * `arg_max(x, y)` → `ARRAY_AGG(… ORDER BY y DESC LIMIT 1)[SAFE_OFFSET(0)]`, …; docs/bigquery-sql.md).
 * A construct that does not carry over is a `QUARRY_SQL_UNSUPPORTED` error naming the asset, the
 * construct and what to write instead — never a query that fails (or answers differently) at run time.
 *
 * ```ts
 * transpileSql('select $partition_key::DATE as day, count(*)::BIGINT as n from t', { to: 'bigquery' });
 * // 'SELECT CAST(@partition_key AS DATE) AS day, CAST(COUNT(*) AS INT64) AS n FROM t'
 * ```
 */
export function transpileSql(sql: string, options: TranspileSqlOptions): string {
  const from = options.from ?? 'duckdb';
  if (from === options.to) return sql;
  if (from === 'duckdb' && options.to === 'bigquery') {
    const compiled = compileToBigQuery(sql, options);
    if (compiled.sql === undefined) throw unsupportedError(compiled.unsupported, options);
    return compiled.sql;
  }
  if (from === 'bigquery' && options.to === 'duckdb') return compileBigQueryToDuckDb(sql, options);
  parseSql(sql, from, options);
  const result = sdk().transpile(prepareSqlForParse(sql), from as never, options.to as never, { unsupportedLevel: 'raise', ...(options.pretty === true ? { pretty: true } : {}) });
  return generated(result, options.to, options);
}

/**
 * BigQuery SQL as DuckDB runs it (for tests that run BigQuery queries on DuckDB): `@name` parameters
 * become `$name`, and the forms `transpileSql` writes for BigQuery come back as DuckDB runs them.
 */
function compileBigQueryToDuckDb(sql: string, options: TranspileSqlOptions): string {
  const tree = bigQueryTree(sql, options);
  const context: RewriteContext = { columnKinds: new Map(), parameterKinds: new Map() };
  const rewrites: Rewrite[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!isNode(node)) return;
    const entries = Object.entries(node);
    if (entries.length === 1 && isNode(entries[0]![1])) {
      const [kind, payload] = entries[0] as [string, SqlNode];
      // polyglot reads @name as a column "@name" and writes it for DuckDB as ABS(name).
      const id = kind === 'column' && isNode(payload.name) ? payload.name : undefined;
      if (id !== undefined && typeof id.name === 'string' && id.name.startsWith('@')) id.name = `__quarry_param_${id.name.slice(1)}`;
      for (const rule of DUCKDB_REWRITES) {
        const result = rule(kind, payload, context);
        if (result === undefined || 'unsupported' in result) continue;
        for (const arg of result.args) visit(arg);
        const index = rewrites.push(result) - 1;
        delete node[kind];
        node.function = { name: `__quarry_rw_${index}`, args: [...result.args], distinct: false, use_bracket_syntax: false, no_parens: false, quoted: false };
        return;
      }
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(tree);
  const bigquery = generated(sdk().generate([tree], 'bigquery' as never), 'bigquery', options);
  const duck = generated(sdk().transpile(bigquery, 'bigquery' as never, 'duckdb' as never, { unsupportedLevel: 'raise' }), 'duckdb', options);
  const out = parseSql(duck, 'duckdb', options);
  resolveRewrites(out, rewrites, 'duckdb', (sql) => parseSql(sql, 'duckdb', options), options);
  const text = generated(sdk().generate([out], 'duckdb' as never), 'duckdb', options);
  return text.replace(/\b__quarry_param_([A-Za-z_][A-Za-z0-9_]*)\b/g, '$$$1');
}

/**
 * Compiles DuckDB SQL for BigQuery and names the `$` parameters it uses (BigQuery's `@` query
 * parameters of the same names); throws like `transpileSql`.
 */
export function compileSqlForBigQuery(sql: string, options: SqlDialectOptions & SqlTypeHints & { readonly pretty?: boolean } = {}): { readonly sql: string; readonly parameters: readonly string[] } {
  const compiled = compileToBigQuery(sql, { ...options, to: 'bigquery' });
  if (compiled.sql === undefined) throw unsupportedError(compiled.unsupported, options);
  return { sql: compiled.sql, parameters: compiled.parameters };
}

function unsupportedError(unsupported: readonly UnsupportedConstruct[], options: SqlDialectOptions): QuarryError {
  return new QuarryError(
    'QUARRY_SQL_UNSUPPORTED',
    `${prefix(options)}${unsupported.map((u) => `${u.construct} does not transpile to ${u.target} (${u.wayOut})`).join('; ')}. ` +
      `Rewrite it in SQL both dialects share, give the asset per-engine SQL (sql: { duckdb, bigquery }) or pin it with engine: 'duckdb'.`,
    { details: { constructs: unsupported.map((u) => u.construct), target: unsupported[0]?.target ?? 'bigquery', ...(options.assetKey !== undefined ? { assetKey: options.assetKey } : {}) } },
  );
}

function prefix(options: SqlDialectOptions): string {
  return options.assetKey !== undefined ? `Asset "${options.assetKey}": ` : '';
}
