export { checkRelationName, compileSqlForBigQuery, isSqlDialectLoaded, loadSqlDialect, parseSql, prepareSqlForParse, transpileSql, unsupportedConstructs } from './sql-dialect.ts';
export type { SqlDialect, SqlDialectOptions, SqlNode, SqlTypeHints, TranspileSqlOptions, UnsupportedConstruct } from './sql-dialect.ts';
export type { TemporalKind } from './bigquery-rewrites.ts';
export { compileAssetSql, temporalColumnKinds } from './compile-asset-sql.ts';
export type { CompileAssetSqlOptions, CompiledAssetSql } from './compile-asset-sql.ts';
export { sqlColumnLineage } from './sql-column-lineage.ts';
export type { SqlColumnLineage, SqlColumnLineageInput, SqlColumnLineageOptions, SqlColumnTransformation } from './sql-column-lineage.ts';
