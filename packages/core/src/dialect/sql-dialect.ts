import { createRequire } from 'node:module';
import type * as Polyglot from '@polyglot-sql/sdk';
import { QuarryError } from '../errors.ts';

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
export interface TranspileSqlOptions extends SqlDialectOptions {
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
  /** What it is, as written: `count(*) FILTER (WHERE …)`, `arg_max()`. */
  readonly construct: string;
  readonly target: SqlDialect;
  /** What to write instead. */
  readonly wayOut: string;
}

// DuckDB functions polyglot passes through unchanged although BigQuery has no function of that name.
const NOT_IN_BIGQUERY: Readonly<Record<string, string>> = {
  arg_max: 'max_by is not translated either: write ARRAY_AGG(x ORDER BY y DESC LIMIT 1)[OFFSET(0)] in per-engine SQL',
  arg_min: 'write ARRAY_AGG(x ORDER BY y LIMIT 1)[OFFSET(0)] in per-engine SQL',
  max_by: 'write ARRAY_AGG(x ORDER BY y DESC LIMIT 1)[OFFSET(0)] in per-engine SQL',
  min_by: 'write ARRAY_AGG(x ORDER BY y LIMIT 1)[OFFSET(0)] in per-engine SQL',
  list_contains: 'write `value IN UNNEST(list)`',
  array_contains: 'write `value IN UNNEST(list)`',
  list: 'write ARRAY_AGG(x)',
};
const TYPES_NOT_IN_BIGQUERY = new Set(['hugeint', 'ubigint', 'uinteger', 'usmallint', 'utinyint', 'uhugeint', 'int128']);

/**
 * The constructs of `sql` (DuckDB) that do not carry over to `target`: polyglot translates what it
 * can and passes the rest through unchanged, which the target would then reject at run time; these
 * are the ones it is known to pass through.
 *
 * ```ts
 * unsupportedConstructs('select count(*) filter (where x > 1) from t', 'bigquery');
 * // [{ construct: 'count(*) FILTER (WHERE …)', target: 'bigquery', wayOut: 'write COUNTIF(condition)…' }]
 * ```
 */
export function unsupportedConstructs(sql: string, target: SqlDialect, options: SqlDialectOptions = {}): UnsupportedConstruct[] {
  if (target === 'duckdb') return [];
  const found = new Map<string, UnsupportedConstruct>();
  const add = (construct: string, wayOut: string) => {
    if (!found.has(construct)) found.set(construct, { construct, target, wayOut });
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [kind, value] of Object.entries(node as SqlNode)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const payload = value as SqlNode;
        if (payload.filter !== undefined && payload.filter !== null && AGGREGATE_KINDS.has(kind)) {
          add(`${kind}(…) FILTER (WHERE …)`, kind === 'count' ? 'write COUNTIF(condition)' : `write ${kind}(IF(condition, value, NULL))`);
        }
        const name = typeof payload.name === 'string' && (kind === 'function' || kind === 'aggregate_function') ? payload.name.toLowerCase() : kind;
        const way = NOT_IN_BIGQUERY[name];
        if (way !== undefined && (kind === 'function' || kind === 'aggregate_function' || kind === name)) add(`${name}()`, way);
        if (kind === 'cast' && typeof (payload.to as SqlNode | undefined)?.data_type === 'string') {
          const type = String((payload.to as SqlNode).data_type).toLowerCase();
          // polyglot reads DuckDB's HUGEINT as int128: name it as the SQL wrote it.
          if (TYPES_NOT_IN_BIGQUERY.has(type)) add(`CAST(… AS ${type === 'int128' ? 'HUGEINT' : type.toUpperCase()})`, 'cast to BIGINT, NUMERIC or BIGNUMERIC');
        }
      }
      visit(value);
    }
  };
  visit(parseSql(sql, 'duckdb', options));
  return [...found.values()];
}

const AGGREGATE_KINDS = new Set(['count', 'sum', 'avg', 'min', 'max', 'stddev_pop', 'stddev_samp', 'stddev', 'variance', 'var_pop', 'var_samp', 'aggregate_function', 'function']);

/**
 * Transpiles one DuckDB statement to `options.to` (BigQuery): `$partition_key` becomes
 * `@partition_key`, types and functions take the target's names. A construct that does not carry
 * over is a `QUARRY_SQL_UNSUPPORTED` error naming the asset, the construct and what to write
 * instead — never a query that fails (or answers differently) at run time.
 *
 * ```ts
 * transpileSql('select $partition_key::DATE as day, count(*)::BIGINT as n from t', { to: 'bigquery' });
 * // 'SELECT CAST(@partition_key AS DATE) AS day, CAST(count(*) AS INT64) AS n FROM t'
 * ```
 */
export function transpileSql(sql: string, options: TranspileSqlOptions): string {
  const from = options.from ?? 'duckdb';
  if (from === options.to) return sql;
  parseSql(sql, from, options);
  const unsupported = from === 'duckdb' ? unsupportedConstructs(sql, options.to, options) : [];
  if (unsupported.length > 0) {
    throw new QuarryError(
      'QUARRY_SQL_UNSUPPORTED',
      `${prefix(options)}${unsupported.map((u) => `${u.construct} does not transpile to ${u.target} (${u.wayOut})`).join('; ')}. ` +
        `Rewrite it in SQL both dialects share, or give the asset per-engine SQL.`,
      { details: { constructs: unsupported.map((u) => u.construct), target: options.to, ...(options.assetKey !== undefined ? { assetKey: options.assetKey } : {}) } },
    );
  }
  const result = sdk().transpile(prepareSqlForParse(sql), from as never, options.to as never, { unsupportedLevel: 'raise', ...(options.pretty === true ? { pretty: true } : {}) });
  if (!result.success || result.sql === undefined || result.sql.length !== 1) {
    throw new QuarryError('QUARRY_SQL_UNSUPPORTED', `${prefix(options)}the SQL does not transpile from ${from} to ${options.to}: ${result.error ?? 'no statement'}.`, {
      details: { target: options.to },
    });
  }
  return result.sql[0]!;
}

function prefix(options: SqlDialectOptions): string {
  return options.assetKey !== undefined ? `Asset "${options.assetKey}": ` : '';
}
