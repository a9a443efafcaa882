import type { DuckDBConnection } from '@duckdb/node-api';
import { VARCHAR } from '@duckdb/node-api';

/**
 * Table functions asset SQL may call in a shared step instance: they generate rows and open nothing.
 * Every other table function (read_parquet, read_csv, glob, query_table, duckdb_*, table macros, …)
 * is refused, since a shared instance may open any file of the lake.
 */
export const GENERATING_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['range', 'generate_series', 'unnest']);

/** The table reference kinds that hold only other references or expressions (checked recursively). */
const NESTING_TABLE_REFS: ReadonlySet<string> = new Set(['JOIN', 'SUBQUERY', 'EXPRESSION_LIST', 'EMPTY', 'EMPTY_FROM', 'PIVOT']);

/** Something asset SQL names that is not one of its declared inputs. */
export interface UndeclaredReference {
  /** `table`: a relation by name (or a file path as a name); `function`: a table function; `other`: DESCRIBE/SUMMARIZE and the like. */
  readonly kind: 'table' | 'function' | 'other';
  /** The name as written (`other.parquet`, `read_parquet`, `SHOW_REF`). */
  readonly name: string;
  /** The first string argument of a table function (usually the file path it would open). */
  readonly path?: string;
}

/** The outcome of parsing one statement with `json_serialize_sql`. */
export type ParsedStatement =
  | { readonly ok: true; readonly tree: unknown }
  | { readonly ok: false; readonly message: string };

/**
 * Every relation `tree` (DuckDB's `json_serialize_sql` output for one SELECT) reads that is not in
 * `declared` (input view names, compared case-insensitively as DuckDB binds them) nor a CTE in scope
 * where it is read, and every table function but the row generators. CTE scope follows SQL: a CTE is
 * visible to the query that defines it, its subqueries and the CTEs defined after it; a CTE's own
 * body sees its own name only when it is recursive. Qualified names (`schema.table`) and
 * DESCRIBE/SUMMARIZE references are refused outright. Empty when the query reads only what it declares.
 *
 * ```ts
 * undeclaredReferences(tree, new Set(['events'])); // [{ kind: 'function', name: 'read_parquet', path: 'x.parquet' }]
 * ```
 */
export function undeclaredReferences(tree: unknown, declared: ReadonlySet<string>): UndeclaredReference[] {
  const found: UndeclaredReference[] = [];
  const names = new Set([...declared].map((name) => name.toLowerCase()));
  walk(tree, new Set(), names, found);
  return found;
}

function walk(value: unknown, ctes: ReadonlySet<string>, declared: ReadonlySet<string>, found: UndeclaredReference[]): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, ctes, declared, found);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const node = value as Record<string, unknown>;
  let scope = ctes;
  // A query node: its CTEs are visible to the rest of the node; each CTE body sees the outer scope
  // and the CTEs before it (a recursive body adds its own name below, at RECURSIVE_CTE_NODE).
  const cteMap = (node['cte_map'] as { map?: unknown } | undefined)?.map;
  if (Array.isArray(cteMap) && cteMap.length > 0) {
    const growing = new Set(ctes);
    for (const entry of cteMap as { key?: unknown; value?: unknown }[]) {
      walk(entry.value, new Set(growing), declared, found);
      if (typeof entry.key === 'string') growing.add(entry.key.toLowerCase());
    }
    scope = growing;
  }
  if (node['type'] === 'RECURSIVE_CTE_NODE' && typeof node['cte_name'] === 'string') {
    scope = new Set([...scope, node['cte_name'].toLowerCase()]);
  }
  // Every table reference serializes `alias` and `sample`; expressions carry `class`, query nodes end in _NODE.
  const type = node['type'];
  if (typeof type === 'string' && 'alias' in node && 'sample' in node && !('class' in node) && !type.endsWith('_NODE')) {
    if (type === 'BASE_TABLE') {
      const name = String(node['table_name'] ?? '');
      const qualified = String(node['schema_name'] ?? '') !== '' || String(node['catalog_name'] ?? '') !== '';
      const lower = name.toLowerCase();
      if (qualified || node['at_clause'] != null || !(declared.has(lower) || scope.has(lower))) {
        found.push({ kind: 'table', name: qualified ? [node['catalog_name'], node['schema_name'], name].filter((p) => p !== '').join('.') : name });
      }
    } else if (type === 'TABLE_FUNCTION') {
      const fn = node['function'] as Record<string, unknown> | undefined;
      const name = String(fn?.['function_name'] ?? '');
      const qualified = String(fn?.['schema'] ?? '') !== '' || String(fn?.['catalog'] ?? '') !== '';
      if (qualified || !GENERATING_TABLE_FUNCTIONS.has(name.toLowerCase())) {
        const path = firstStringArgument(fn?.['children']);
        found.push({ kind: 'function', name, ...(path !== undefined ? { path } : {}) });
      }
    } else if (!NESTING_TABLE_REFS.has(type)) {
      found.push({ kind: 'other', name: type });
    }
  }
  for (const [key, child] of Object.entries(node)) {
    if (key === 'cte_map') continue;
    if (typeof child === 'object' && child !== null) walk(child, scope, declared, found);
  }
}

function firstStringArgument(children: unknown): string | undefined {
  if (!Array.isArray(children)) return undefined;
  for (const child of children as Record<string, unknown>[]) {
    const constant = child?.['value'] as { type?: { id?: unknown }; value?: unknown } | undefined;
    if (child?.['class'] === 'CONSTANT' && constant?.type?.id === 'VARCHAR' && typeof constant.value === 'string') return constant.value;
    // read_parquet(['a', 'b']) is a list_value function of constants.
    const nested = firstStringArgument(child?.['children']);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

/**
 * Parses `sql` (one statement; nothing is bound or run, so no file is opened) into DuckDB's JSON
 * parse tree. `ok: false` when DuckDB cannot serialize it, which it does for anything but a SELECT.
 */
export async function parseStatementTree(connection: DuckDBConnection, sql: string): Promise<ParsedStatement> {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($sql::VARCHAR)', { sql }, { sql: VARCHAR });
  const parsed = JSON.parse(String(reader.getRows()[0]?.[0] ?? '{}')) as { error?: boolean; error_message?: string; statements?: unknown[] };
  if (parsed.error === true || !Array.isArray(parsed.statements) || parsed.statements.length !== 1) {
    return { ok: false, message: parsed.error_message ?? 'not one SELECT statement' };
  }
  return { ok: true, tree: parsed.statements[0] };
}
