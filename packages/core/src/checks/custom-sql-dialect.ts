import type { AssetDefinition } from '../definitions/index.ts';
import { expandCustomSql, type CheckCompileContext } from './check-compiler.ts';
import { isCheckDeclaration, type CustomSqlCheck } from './check-declaration.ts';
import { checkDialect, type CheckDialectName } from './check-dialect.ts';

/** One custom SQL check of an asset, compiled for a dialect with stand-in relations and values. */
export interface CompiledCustomCheck {
  readonly check: string;
  readonly sql: string;
}

/**
 * Compiles every `customSql` check of `asset` for `dialect` the way `evaluateChecks` will, with
 * stand-in relations (`{{target}}` → `quarry_target`, `{{ref:raw/x}}` → `quarry_ref_raw_x`) and the
 * window of a sample day, so a check that does not carry over is found before a run (at plan time):
 * it throws `QUARRY_SQL_UNSUPPORTED` naming the asset, the check and the construct. Needs
 * `await loadSqlDialect()` first for a dialect other than DuckDB.
 *
 * ```ts
 * await loadSqlDialect();
 * for (const asset of project.assets) compileCustomChecks(asset, 'bigquery');
 * ```
 */
export function compileCustomChecks(asset: AssetDefinition, dialect: CheckDialectName): CompiledCustomCheck[] {
  const checks = asset.checks.filter((c): c is CustomSqlCheck => isCheckDeclaration(c) && c.kind === 'customSql');
  const references = new Proxy({} as Record<string, string>, { get: (_target, key) => (typeof key === 'string' ? `quarry_ref_${key.replace(/[^A-Za-z0-9_]/g, '_')}` : undefined) });
  const ctx: CheckCompileContext = {
    dialect: checkDialect(dialect),
    relations: { target: 'quarry_target', history: 'quarry_history', references },
    partitionKey: '2026-01-01',
    partitionStart: new Date('2026-01-01T00:00:00Z'),
    partitionEnd: new Date('2026-01-02T00:00:00Z'),
    now: new Date('2026-01-02T00:00:00Z'),
    schema: asset.schema,
    assetKey: asset.key,
  };
  return checks.map((c) => ({ check: c.name, sql: expandCustomSql(c.sql, ctx, c.name) }));
}
