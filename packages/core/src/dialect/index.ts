export { checkRelationName, isSqlDialectLoaded, loadSqlDialect, parseSql, prepareSqlForParse, transpileSql, unsupportedConstructs } from './sql-dialect.ts';
export type { SqlDialect, SqlDialectOptions, SqlNode, TranspileSqlOptions, UnsupportedConstruct } from './sql-dialect.ts';
export { sqlColumnLineage } from './sql-column-lineage.ts';
export type { SqlColumnLineage, SqlColumnLineageInput, SqlColumnLineageOptions, SqlColumnTransformation } from './sql-column-lineage.ts';
