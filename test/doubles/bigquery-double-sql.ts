/**
 * The BigQuery double's SQL layer: BigQuery Standard SQL in, DuckDB SQL out. Query parameters are
 * substituted as typed BigQuery literals, backtick paths are split into their parts, polyglot
 * transpiles, and the fix-ups below make polyglot's output run on DuckDB. Test infrastructure.
 *
 * Transpile fix-ups (polyglot 0.12 BigQuery → DuckDB output that does not run or answers differently):
 * 1. `@name` parameters: polyglot reads `@x` as the ABS operator (`ABS(x)`). The double substitutes each
 *    parameter by a BigQuery literal of its declared type before transpiling (`@day` → `DATE '2024-01-01'`).
 * 2. `` `project.dataset.table` `` is read as ONE quoted identifier (`"project.dataset.table"`): the
 *    double splits backtick paths into `` `project`.`dataset`.`table` `` first. The DuckDB database is
 *    attached under the project id, so three-part names resolve as they do in BigQuery.
 * 3. NUMERIC → `DECIMAL` is DuckDB's DECIMAL(18,3) (overflows a FARM_FINGERPRINT): NUMERIC is
 *    DECIMAL(38,9) and BIGNUMERIC (passed through unchanged) DECIMAL(38,0) here.
 * 4. FARM_FINGERPRINT is passed through: a DuckDB macro over `hash()` giving an INT64 (not Google's
 *    FarmHash values, but deterministic, which is what a data version needs).
 * 5. FORMAT_TIMESTAMP(fmt, ts[, tz]) is passed through: DuckDB macros over `strftime`.
 * 6. TIMESTAMP: polyglot makes BigQuery's TIMESTAMP casts and typed literals a naive DuckDB TIMESTAMP
 *    (as it does DATETIME). The double marks them in the syntax tree (QUARRY_TSTZ) and writes TIMESTAMPTZ,
 *    an instant as in BigQuery, with the session time zone set to UTC.
 * 7. Float literals (`1.5`, `1e3`) are DECIMAL in DuckDB but FLOAT64 in BigQuery: cast to DOUBLE.
 * 8. DATE(ts, 'zone') becomes STRPTIME(ts, 'zone'): rewritten to DATE(DATETIME(ts, 'zone')) first.
 */
import { createRequire } from 'node:module';
import type * as Polyglot from '@polyglot-sql/sdk';

let polyglot: typeof Polyglot | undefined;
let loading: Promise<typeof Polyglot> | undefined;

/** Loads polyglot once per process (as packages/core/src/dialect/sql-dialect.ts does). */
export async function loadPolyglot(): Promise<typeof Polyglot> {
  loading ??= (async () => {
    const sdkModule = createRequire(import.meta.url)('@polyglot-sql/sdk') as typeof Polyglot;
    await sdkModule.init();
    polyglot = sdkModule;
    return sdkModule;
  })();
  return loading;
}

function sdk(): typeof Polyglot {
  if (polyglot === undefined) throw new Error('polyglot is not loaded: await loadPolyglot() first');
  return polyglot;
}

/** The DuckDB statements that give DuckDB the BigQuery functions polyglot passes through (fix-ups 4–5). */
export const DUCKDB_MACROS: readonly string[] = [
  `CREATE OR REPLACE MACRO farm_fingerprint(s) AS CAST(CAST(hash(s) AS HUGEINT) - 9223372036854775808 AS BIGINT)`,
  `CREATE OR REPLACE MACRO format_timestamp(fmt, ts) AS strftime(CAST(ts AS TIMESTAMPTZ), fmt)`,
  `CREATE OR REPLACE MACRO format_timestamp(fmt, ts, tz) AS strftime(timezone(tz, CAST(ts AS TIMESTAMPTZ)), fmt)`,
];

/** An error in the SQL a client sent, reported as BigQuery's `invalidQuery` (or `notFound`). */
export class BigQuerySqlError extends Error {
  constructor(
    message: string,
    readonly reason: 'invalidQuery' | 'notFound' = 'invalidQuery',
  ) {
    super(message);
  }
}

/** One BigQuery query parameter as the REST API carries it. */
export interface QueryParameter {
  name?: string;
  parameterType: { type: string; arrayType?: { type: string }; structTypes?: unknown[] };
  parameterValue?: { value?: string | null; arrayValues?: Array<{ value?: string | null }> };
}

// A lexer just good enough to skip strings, quoted identifiers and comments.
function scan(sql: string, onCode: (index: number) => number | undefined): void {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const rest = sql.startsWith('--', i) || c === '#' ? 'line' : sql.startsWith('/*', i) ? 'block' : undefined;
    if (rest === 'line') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
      continue;
    }
    if (rest === 'block') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const triple = c !== '`' && sql.startsWith(c.repeat(3), i);
      const raw = i > 0 && /[rR]/.test(sql[i - 1]!) && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? ' ');
      const close = triple ? c.repeat(3) : c;
      let j = i + close.length;
      while (j < sql.length && !sql.startsWith(close, j)) j += sql[j] === '\\' && !raw && c !== '`' ? 2 : 1;
      i = j + close.length;
      continue;
    }
    const skip = onCode(i);
    i = skip ?? i + 1;
  }
}

/** `` `a.b.c` `` → `` `a`.`b`.`c` `` (fix-up 2). */
export function splitBacktickPaths(sql: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  while (i < sql.length) {
    // Reuse the scanner's notion of strings by walking token starts ourselves.
    const c = sql[i]!;
    if (c === '`') {
      const end = sql.indexOf('`', i + 1);
      if (end < 0) break;
      const inner = sql.slice(i + 1, end);
      if (inner.includes('.')) {
        out += sql.slice(last, i) + inner.split('.').map((part) => `\`${part}\``).join('.');
        last = end + 1;
      }
      i = end + 1;
      continue;
    }
    if (c === "'" || c === '"') {
      const triple = sql.startsWith(c.repeat(3), i);
      const close = triple ? c.repeat(3) : c;
      let j = i + close.length;
      while (j < sql.length && !sql.startsWith(close, j)) j += sql[j] === '\\' ? 2 : 1;
      i = j + close.length;
      continue;
    }
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
      continue;
    }
    i += 1;
  }
  return out + sql.slice(last);
}

function stringLiteral(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

const SCALAR_TYPES: Readonly<Record<string, string>> = {
  STRING: 'STRING',
  INT64: 'INT64',
  INTEGER: 'INT64',
  FLOAT64: 'FLOAT64',
  FLOAT: 'FLOAT64',
  BOOL: 'BOOL',
  BOOLEAN: 'BOOL',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  DATETIME: 'DATETIME',
  NUMERIC: 'NUMERIC',
  BIGNUMERIC: 'BIGNUMERIC',
  BYTES: 'BYTES',
  JSON: 'JSON',
};

function scalarLiteral(type: string, raw: unknown, name: string): string {
  const bqType = SCALAR_TYPES[type.toUpperCase()];
  if (bqType === undefined) throw new BigQuerySqlError(`Unsupported query parameter type ${type} for parameter ${name}`);
  if (raw === null || raw === undefined) return `CAST(NULL AS ${bqType})`;
  // The client sends some values as JSON booleans and numbers, not strings.
  const value = String(raw);
  switch (bqType) {
    case 'STRING':
      return stringLiteral(value);
    case 'INT64':
      if (!/^-?\d+$/.test(value.trim())) throw new BigQuerySqlError(`Invalid INT64 value ${JSON.stringify(value)} for query parameter ${name}`);
      return `CAST(${value.trim()} AS INT64)`;
    case 'BOOL':
      if (!/^(true|false)$/i.test(value)) throw new BigQuerySqlError(`Invalid BOOL value ${JSON.stringify(value)} for query parameter ${name}`);
      return value.toLowerCase() === 'true' ? 'TRUE' : 'FALSE';
    case 'BYTES':
      return `FROM_BASE64(${stringLiteral(value)})`;
    default:
      return `CAST(${stringLiteral(value)} AS ${bqType})`;
  }
}

function parameterLiteral(parameter: QueryParameter, name: string): string {
  const type = parameter.parameterType.type.toUpperCase();
  if (type === 'ARRAY') {
    const elementType = parameter.parameterType.arrayType?.type ?? 'STRING';
    const values = parameter.parameterValue?.arrayValues ?? [];
    const bqElement = SCALAR_TYPES[elementType.toUpperCase()] ?? elementType.toUpperCase();
    return `ARRAY<${bqElement}>[${values.map((v) => scalarLiteral(elementType, v.value, name)).join(', ')}]`;
  }
  if (type === 'STRUCT') throw new BigQuerySqlError(`STRUCT query parameters are not supported by the BigQuery double (parameter ${name})`);
  return scalarLiteral(type, parameter.parameterValue?.value, name);
}

/**
 * Replaces each `@name` (named mode) or `?` (positional mode) of `sql` by its parameter's value as a
 * BigQuery literal (fix-up 1); an unknown name is BigQuery's "Query parameter 'x' not found".
 */
export function substituteParameters(sql: string, parameters: readonly QueryParameter[] | undefined, mode: string | undefined): string {
  const params = parameters ?? [];
  const named = new Map(params.filter((p) => p.name !== undefined).map((p) => [p.name!.toLowerCase(), p]));
  let positional = 0;
  let out = '';
  let last = 0;
  scan(sql, (i) => {
    const c = sql[i]!;
    if (c === '@' && sql[i + 1] !== '@' && sql[i - 1] !== '@') {
      const match = /^@([A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(i));
      if (match === null) return undefined;
      const parameter = named.get(match[1]!.toLowerCase());
      if (parameter === undefined) {
        const before = sql.slice(0, i).split('\n');
        throw new BigQuerySqlError(`Query parameter '${match[1]}' not found at [${before.length}:${before.at(-1)!.length + 1}]`);
      }
      out += sql.slice(last, i) + parameterLiteral(parameter, match[1]!);
      last = i + match[0].length;
      return last;
    }
    if (c === '?' && (mode ?? '').toUpperCase() === 'POSITIONAL') {
      const parameter = params[positional];
      if (parameter === undefined) throw new BigQuerySqlError(`Positional query parameter ${positional + 1} is not set`);
      positional += 1;
      out += sql.slice(last, i) + parameterLiteral(parameter, String(positional));
      last = i + 1;
      return last;
    }
    if (/[A-Za-z0-9_]/.test(c)) {
      // Skip the rest of an identifier so `a@b` inside names is not touched.
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_$]/.test(sql[j]!)) j += 1;
      return j;
    }
    return undefined;
  });
  return out + sql.slice(last);
}

/** A node of polyglot's syntax tree. */
type Node = Record<string, unknown>;

/** A table a statement names, as written (`project` and `dataset` may be absent). */
export interface TableName {
  project?: string;
  dataset?: string;
  table: string;
  alias?: string;
}

/** What the double needs to know about a parsed statement. */
export interface StatementInfo {
  /** BigQuery's statementType: SELECT, CREATE_TABLE_AS_SELECT, DROP_TABLE, INSERT, DELETE, … */
  kind: string;
  /** The tables it reads (CTE names excluded), in order of appearance, deduplicated. */
  tables: TableName[];
  /** The table a DDL or DML statement creates, drops or changes. */
  target?: TableName;
  /** CREATE TABLE: IF NOT EXISTS / OR REPLACE. */
  ifNotExists?: boolean;
  orReplace?: boolean;
  /** DROP TABLE: IF EXISTS. */
  ifExists?: boolean;
  /** CREATE TABLE … PARTITION BY / CLUSTER BY. */
  partitioning?: { type: string; field: string };
  clustering?: string[];
  /** Lower-cased names of every column it mentions. */
  columns: Set<string>;
  /** True when it selects `*` (or a table as a value, `TO_JSON_STRING(t)`): all columns are read. */
  readsAllColumns: boolean;
  /** WHERE conjuncts per table (by `dataset.table`, lower case) that name only one column, as BigQuery SQL. */
  conjuncts: Array<{ table: TableName; column: string; sql: string }>;
}

function identName(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  const name = (value as Node).name;
  return typeof name === 'string' ? name : undefined;
}

const STATEMENT_KINDS: Readonly<Record<string, string>> = {
  select: 'SELECT',
  union: 'SELECT',
  intersect: 'SELECT',
  except: 'SELECT',
  create_table: 'CREATE_TABLE',
  drop_table: 'DROP_TABLE',
  insert: 'INSERT',
  delete: 'DELETE',
  update: 'UPDATE',
  merge: 'MERGE',
};

/** Parses one BigQuery statement (after `splitBacktickPaths`) and tells what it reads. */
export function analyzeStatement(sql: string): StatementInfo {
  const result = sdk().parse(sql, 'bigquery' as never) as { success: boolean; ast?: Node[]; error?: string | null };
  if (!result.success || result.ast === undefined || result.ast.length === 0) {
    throw new BigQuerySqlError(`Syntax error: ${result.error ?? 'empty query'}`);
  }
  if (result.ast.length > 1) throw new BigQuerySqlError('Multi-statement scripts are not supported by the BigQuery double');
  const root = result.ast[0]!;
  const rootKind = Object.keys(root)[0] ?? 'select';
  let kind = STATEMENT_KINDS[rootKind] ?? rootKind.toUpperCase();
  if (rootKind === 'create_table' && (root.create_table as Node).as_select != null) kind = 'CREATE_TABLE_AS_SELECT';
  const cteNames = new Set<string>();
  const tables: TableName[] = [];
  const columns = new Set<string>();
  let readsAllColumns = false;
  const selects: Node[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Node)) {
      if (value === null || typeof value !== 'object') continue;
      const payload = value as Node;
      if (key === 'cte' || key === 'ctes') {
        for (const cte of Array.isArray(value) ? value : [value]) {
          const alias = identName((cte as Node).alias) ?? identName(((cte as Node).cte as Node | undefined)?.alias);
          if (alias !== undefined) cteNames.add(alias.toLowerCase());
        }
      }
      if (key === 'table' && !Array.isArray(value) && identName(payload.name) !== undefined && 'schema' in payload) {
        const name: TableName = { table: identName(payload.name)! };
        const dataset = identName(payload.schema);
        const project = identName(payload.catalog);
        const alias = identName(payload.alias);
        if (dataset !== undefined) name.dataset = dataset;
        if (project !== undefined) name.project = project;
        if (alias !== undefined) name.alias = alias;
        tables.push(name);
      }
      if (key === 'column' && !Array.isArray(value)) {
        const name = identName(payload.name);
        if (name !== undefined) columns.add(name.toLowerCase());
      }
      if (key === 'star') readsAllColumns = true;
      if (key === 'select' && !Array.isArray(value)) selects.push(payload);
      visit(value);
    }
  };
  visit(root);
  const seen = new Set<string>();
  const unique = tables.filter((t) => {
    if (t.dataset === undefined && cteNames.has(t.table.toLowerCase())) return false;
    const id = `${t.project ?? ''}.${t.dataset ?? ''}.${t.table}`.toLowerCase();
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  // A column named like a table or its alias is the whole row (`TO_JSON_STRING(t)`).
  for (const t of tables) if (columns.has((t.alias ?? t.table).toLowerCase())) readsAllColumns = true;
  const info: StatementInfo = { kind, tables: unique, columns, readsAllColumns, conjuncts: conjunctsOf(selects, tables) };
  const payload = root[rootKind] as Node;
  const targetNode =
    rootKind === 'create_table' ? (payload.name as Node)
    : rootKind === 'drop_table' ? ((payload.names as Node[] | undefined)?.[0])
    : rootKind === 'merge' ? (((payload.this as Node | undefined)?.alias as Node | undefined)?.this as Node | undefined)?.table as Node | undefined ?? ((payload.this as Node | undefined)?.table as Node | undefined)
    : ['insert', 'delete', 'update'].includes(rootKind) ? (payload.table as Node | undefined)
    : undefined;
  if (targetNode !== undefined && targetNode !== null && identName(targetNode.name) !== undefined) {
    const target: TableName = { table: identName(targetNode.name)! };
    const dataset = identName(targetNode.schema);
    const project = identName(targetNode.catalog);
    if (dataset !== undefined) target.dataset = dataset;
    if (project !== undefined) target.project = project;
    info.target = target;
    // INSERT and DDL do not read their target; DELETE, UPDATE and MERGE scan it.
    if (!['delete', 'update', 'merge'].includes(rootKind)) {
      const id = (t: TableName) => `${t.dataset ?? ''}.${t.table}`.toLowerCase();
      info.tables = info.tables.filter((t) => id(t) !== id(target));
    }
  }
  if (rootKind === 'create_table') {
    info.ifNotExists = payload.if_not_exists === true;
    info.orReplace = payload.or_replace === true;
    for (const property of (payload.properties as Node[] | undefined) ?? []) {
      const partition = property.partition_by_property as Node | undefined;
      if (partition !== undefined) {
        const expression = (partition.expressions as Node[] | undefined)?.[0];
        const parsed = expression !== undefined ? partitionExpression(expression) : undefined;
        if (parsed === undefined) throw new BigQuerySqlError('PARTITION BY supports only a time column, DATE(col), TIMESTAMP_TRUNC(col, unit), DATE_TRUNC(col, unit) or DATETIME_TRUNC(col, unit) in the BigQuery double');
        info.partitioning = parsed;
      }
      const cluster = property.cluster_by_columns_property as Node | undefined;
      if (cluster !== undefined) info.clustering = ((cluster.columns as Node[] | undefined) ?? []).map((c) => identName(c)!).filter(Boolean);
    }
  }
  if (rootKind === 'drop_table') info.ifExists = payload.if_exists === true;
  return info;
}

function partitionExpression(expression: Node): { type: string; field: string } | undefined {
  const column = expression.column as Node | undefined;
  if (column !== undefined) return { type: 'DAY', field: identName(column.name)! };
  const fn = expression.function as Node | undefined;
  const name = typeof fn?.name === 'string' ? fn.name.toUpperCase() : undefined;
  const args = (fn?.args as Node[] | undefined) ?? [];
  const field = identName((args[0]?.column as Node | undefined)?.name);
  if (field === undefined || name === undefined) return undefined;
  if (name === 'DATE') return { type: 'DAY', field };
  const unit = String(((args[1]?.var as Node | undefined)?.this as string | undefined) ?? identName((args[1]?.column as Node | undefined)?.name) ?? '').toUpperCase();
  if (['TIMESTAMP_TRUNC', 'DATE_TRUNC', 'DATETIME_TRUNC'].includes(name) && ['HOUR', 'DAY', 'MONTH', 'YEAR'].includes(unit)) return { type: unit, field };
  return undefined;
}

function columnsIn(node: unknown, out: Array<{ name: string; table?: string }>): void {
  if (Array.isArray(node)) {
    for (const item of node) columnsIn(item, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'column' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const name = identName((value as Node).name);
      const table = identName((value as Node).table);
      if (name !== undefined) out.push(table !== undefined ? { name, table } : { name });
    }
    if (key === 'select' || key === 'subquery' || key === 'exists') {
      out.push({ name: '*subquery*' });
      continue;
    }
    columnsIn(value, out);
  }
}

// The single-column conjuncts of each single-table SELECT's WHERE, for partition pruning.
function conjunctsOf(selects: Node[], allTables: TableName[]): StatementInfo['conjuncts'] {
  const out: StatementInfo['conjuncts'] = [];
  for (const select of selects) {
    const where = (select.where_clause as Node | null | undefined)?.this;
    const from = (select.from as Node | null | undefined)?.expressions;
    if (where === undefined || where === null || !Array.isArray(from)) continue;
    const fromTables = from.map((f) => (f as Node).table as Node | undefined).filter((t): t is Node => t !== undefined && t !== null);
    const joins = Array.isArray(select.joins) ? select.joins : [];
    const joinTables = joins.map((j) => ((j as Node).this as Node | undefined)?.table as Node | undefined).filter((t): t is Node => t !== undefined && t !== null);
    const candidates = [...fromTables, ...joinTables];
    const parts: unknown[] = [];
    const split = (node: unknown) => {
      const and = (node as Node).and as Node | undefined;
      if (and !== undefined && and !== null) {
        split(and.left ?? and.this);
        split(and.right ?? and.expression);
      } else parts.push(node);
    };
    split(where);
    for (const part of parts) {
      const cols: Array<{ name: string; table?: string }> = [];
      columnsIn(part, cols);
      const names = new Set(cols.map((c) => c.name.toLowerCase()));
      if (names.size !== 1 || names.has('*subquery*')) continue;
      const column = [...names][0]!;
      const qualifier = cols.find((c) => c.table !== undefined)?.table?.toLowerCase();
      const owners = candidates.filter((t) => qualifier === undefined || [identName(t.alias), identName(t.name)].some((n) => n?.toLowerCase() === qualifier));
      if (owners.length !== 1) continue;
      const owner = owners[0]!;
      const table = allTables.find((t) => t.table === identName(owner.name) && t.dataset === identName(owner.schema)) ?? { table: identName(owner.name)! };
      const generated = generateExpression(part);
      if (generated !== undefined) out.push({ table, column, sql: generated });
    }
  }
  return out;
}

// polyglot generates statements, not expressions: wrap the expression in `SELECT <expr>`.
function generateExpression(expression: unknown): string | undefined {
  const template = sdk().parse('SELECT 1', 'bigquery' as never) as { ast?: Node[] };
  const select = template.ast?.[0]?.select as Node | undefined;
  if (select === undefined) return undefined;
  select.expressions = [stripQualifiers(structuredClone(expression))];
  const generated = sdk().generate(template.ast!, 'bigquery' as never) as { success: boolean; sql?: string[] | null };
  const text = generated.success ? generated.sql?.[0] : undefined;
  return text?.replace(/^SELECT\s+/i, '');
}

function stripQualifiers(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripQualifiers);
  if (node === null || typeof node !== 'object') return node;
  const copy: Node = {};
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'column' && value !== null && typeof value === 'object') copy[key] = { ...(value as Node), table: null };
    else copy[key] = stripQualifiers(value);
  }
  return copy;
}

/** Transpiles one BigQuery statement (parameters already substituted) to DuckDB, with the fix-ups. */
export function transpileToDuckDb(sql: string): string {
  // Fix-up 6: BigQuery's TIMESTAMP type (cast targets, typed literals) is DuckDB's TIMESTAMPTZ; polyglot
  // makes both TIMESTAMP and DATETIME a naive TIMESTAMP, so mark the instants before it runs.
  const parsed = sdk().parse(sql, 'bigquery' as never) as { success: boolean; ast?: Node[]; error?: string | null };
  if (!parsed.success || parsed.ast === undefined) throw new BigQuerySqlError(`Syntax error: ${parsed.error ?? 'the statement does not parse'}`);
  rewriteFunctions(parsed.ast);
  const marked = JSON.stringify(parsed.ast).replace(/\{"data_type":"timestamp","precision":null,"timezone":false\}/g, '{"data_type":"custom","name":"QUARRY_TSTZ"}');
  const regenerated = sdk().generate(JSON.parse(marked), 'bigquery' as never) as { success: boolean; sql?: string[] | null; error?: string | null };
  if (!regenerated.success || regenerated.sql == null || regenerated.sql.length !== 1) {
    throw new BigQuerySqlError(`Syntax error: ${regenerated.error ?? 'the statement does not parse'}`);
  }
  const bigquery = regenerated.sql[0]!.replace(/ AS TIMESTAMP\)/g, ' AS QUARRY_TSTZ)');
  const result = sdk().transpile(bigquery, 'bigquery' as never, 'duckdb' as never, {}) as { success: boolean; sql?: string[] | null; error?: string | null };
  if (!result.success || result.sql == null || result.sql.length !== 1) {
    throw new BigQuerySqlError(`Syntax error: ${result.error ?? 'the statement does not parse'}`);
  }
  return fixUpDuckDb(result.sql[0]!);
}

// Fix-up 8, on the BigQuery syntax tree.
function rewriteFunctions(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteFunctions(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const value of Object.values(node as Node)) rewriteFunctions(value);
  const fn = (node as Node).function as Node | undefined;
  if (fn !== undefined && fn !== null && typeof fn.name === 'string' && fn.name.toUpperCase() === 'DATE' && Array.isArray(fn.args) && fn.args.length === 2) {
    fn.args = [{ function: { ...fn, name: 'DATETIME', args: fn.args } }];
  }
}

/** Fix-ups 3, 6 and 7 on polyglot's DuckDB output (outside string literals). */
export function fixUpDuckDb(sql: string): string {
  let out = '';
  let last = 0;
  scan(sql, (i) => {
    const match = /^(BIGNUMERIC|BIGDECIMAL|DECIMAL|NUMERIC|QUARRY_TSTZ)\b(?!\s*\()/i.exec(sql.slice(i));
    if (match !== null && (i === 0 || !/[A-Za-z0-9_]/.test(sql[i - 1]!))) {
      const word = match[1]!.toUpperCase();
      out += sql.slice(last, i) + (word === 'QUARRY_TSTZ' ? 'TIMESTAMPTZ' : word.startsWith('BIG') ? 'DECIMAL(38,0)' : 'DECIMAL(38,9)');
      last = i + match[0].length;
      return last;
    }
    const number = /^(\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)/.exec(sql.slice(i));
    if (number !== null && (i === 0 || !/[A-Za-z0-9_.]/.test(sql[i - 1]!))) {
      out += sql.slice(last, i) + `CAST(${number[0]} AS DOUBLE)`;
      last = i + number[0].length;
      return last;
    }
    if (/[A-Za-z0-9_]/.test(sql[i]!)) {
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j]!)) j += 1;
      return j;
    }
    return undefined;
  });
  return out + sql.slice(last);
}

/** A DuckDB identifier, quoted. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A DuckDB string literal. */
export function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
