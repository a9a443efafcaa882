export type { SqliteCatalogConfig } from './sqlite-config.ts';
export { SqliteCatalog, diskFullError, openSqliteCatalog } from './sqlite-catalog.ts';
export { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION, migrateSqliteCatalog } from './migrations.ts';
export type { SqliteMigration } from './migrations.ts';
