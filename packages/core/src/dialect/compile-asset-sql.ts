import { schemaColumns, type AssetDefinition, type RowSchema } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
import type { TemporalKind } from './bigquery-rewrites.ts';
import { compileSqlForBigQuery, parseSql, type SqlDialect, type SqlNode } from './sql-dialect.ts';

/** The SQL an engine runs for an asset, as `compileAssetSql` returns it. */
export interface CompiledAssetSql {
  readonly dialect: SqlDialect;
  /** The statement: relations are the dependency names; parameters are `$name` (DuckDB) or `@name` (BigQuery). */
  readonly sql: string;
  /** Names of the partition parameters the statement uses (`partition_key`, …), without `$`/`@`, in order of first use. */
  readonly parameters: readonly string[];
  /** Where the text comes from: the asset's own `sql`, transpiled from it, or the asset's per-engine text. */
  readonly source: 'sql' | 'transpiled' | 'per-engine';
}

/** Options of `compileAssetSql`. */
export interface CompileAssetSqlOptions {
  readonly pretty?: boolean;
}

/**
 * The SQL `dialect`'s engine runs for an SQL asset: its per-engine text when it gives one
 * (`sql: { duckdb, bigquery }`), else its DuckDB `sql` transpiled (`$partition_key` → `@partition_key`,
 * the column types of its deps' schemas telling type-dependent rewrites what they need). Throws
 * `QUARRY_SQL_UNSUPPORTED` naming the asset, the construct and the way out when it does not transpile,
 * and when the asset is pinned to another engine. Needs `await loadSqlDialect()` first.
 *
 * ```ts
 * await loadSqlDialect();
 * const { sql, parameters } = compileAssetSql(asset, 'bigquery');
 * // bind each name of `parameters` as a BigQuery named parameter (@partition_key: STRING, @partition_start: TIMESTAMP, …)
 * ```
 */
export function compileAssetSql(asset: AssetDefinition, dialect: SqlDialect, options: CompileAssetSqlOptions = {}): CompiledAssetSql {
  if (asset.sql === undefined) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `Asset "${asset.key}" is a compute asset: it has no SQL to compile (compute assets run on DuckDB).`);
  }
  if (asset.engine !== undefined && asset.engine !== dialect) {
    throw new QuarryError(
      'QUARRY_SQL_UNSUPPORTED',
      `Asset "${asset.key}" is pinned to engine '${asset.engine}'; it does not run on ${dialect}, so its SQL is not compiled for it.`,
      { details: { assetKey: asset.key, target: dialect } },
    );
  }
  const own = asset.sqlByEngine?.[dialect];
  if (dialect === 'duckdb') {
    const sql = own ?? asset.sql;
    return { dialect, sql, parameters: parametersOf(parseSql(sql, 'duckdb', { assetKey: asset.key }), 'duckdb'), source: own !== undefined && own !== asset.sql ? 'per-engine' : 'sql' };
  }
  if (own !== undefined) {
    return { dialect, sql: own, parameters: parametersOf(parseSql(own, 'bigquery', { assetKey: asset.key }), 'bigquery'), source: 'per-engine' };
  }
  const compiled = compileSqlForBigQuery(asset.sql, { assetKey: asset.key, columnKinds: inputColumnKinds(asset), ...(options.pretty === true ? { pretty: true } : {}) });
  return { dialect, sql: compiled.sql, parameters: compiled.parameters, source: 'transpiled' };
}

/**
 * The temporal kinds of the columns of `schemas` whose name has one kind across them all: a schema
 * `timestamp` column is a TIMESTAMPTZ (a BigQuery TIMESTAMP), a `date` column a DATE.
 */
export function temporalColumnKinds(schemas: readonly RowSchema[]): Record<string, TemporalKind> {
  const kinds = new Map<string, TemporalKind | null>();
  for (const schema of schemas) {
    for (const column of schemaColumns(schema)) {
      const kind: TemporalKind | null = column.type === 'timestamp' ? 'timestamptz' : column.type === 'date' ? 'date' : null;
      const seen = kinds.get(column.name);
      kinds.set(column.name, seen === undefined || seen === kind ? kind : null);
    }
  }
  return Object.fromEntries([...kinds].filter((entry): entry is [string, TemporalKind] => entry[1] !== null));
}

function inputColumnKinds(asset: AssetDefinition): Record<string, TemporalKind> {
  const schemas: RowSchema[] = [];
  for (const dep of Object.values(asset.deps)) {
    if (dep.asset.type === 'asset' && dep.asset.schema !== undefined) schemas.push(dep.asset.schema);
  }
  if (asset.selfDependency !== undefined && asset.schema !== undefined) schemas.push(asset.schema);
  return temporalColumnKinds(schemas);
}

/** Parameter names a parsed statement uses: `$name` parameters (DuckDB) or `@name` references (BigQuery). */
function parametersOf(tree: SqlNode, dialect: SqlDialect): string[] {
  const names: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [kind, value] of Object.entries(node as SqlNode)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const payload = value as SqlNode;
        let name: string | undefined;
        if (dialect === 'duckdb' && kind === 'parameter' && typeof payload.name === 'string') name = payload.name;
        // polyglot reads BigQuery's @name as a column named "@name".
        const column = kind === 'column' ? (payload.name as SqlNode | undefined)?.name : undefined;
        if (dialect === 'bigquery' && typeof column === 'string' && column.startsWith('@')) name = column.slice(1);
        if (name !== undefined && !names.includes(name)) names.push(name);
      }
      visit(value);
    }
  };
  visit(tree);
  return names;
}
