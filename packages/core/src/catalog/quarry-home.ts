import { isAbsolute, join, resolve } from 'node:path';

/** Where a project keeps its state: the catalog database and the local lake. */
export interface QuarryHome {
  /** The state directory: `$QUARRY_HOME`, or `<projectDir>/.quarry`. */
  readonly dir: string;
  /** The SQLite catalog file, `<dir>/catalog.sqlite`. */
  readonly catalogPath: string;
  /** The local lake root, `<dir>/lake`. */
  readonly lakeDir: string;
}

/**
 * Resolves the state directory of the project in `projectDir`: `QUARRY_HOME` from `env` when set
 * (a relative value is taken relative to `projectDir`), otherwise `<projectDir>/.quarry`.
 *
 * ```ts
 * const home = resolveQuarryHome(process.cwd(), process.env);
 * const catalog = openSqliteCatalog({ path: home.catalogPath });
 * ```
 */
export function resolveQuarryHome(projectDir: string, env: Readonly<Record<string, string | undefined>> = process.env): QuarryHome {
  const configured = env.QUARRY_HOME?.trim();
  const dir = configured ? (isAbsolute(configured) ? resolve(configured) : resolve(projectDir, configured)) : resolve(projectDir, '.quarry');
  return { dir, catalogPath: join(dir, 'catalog.sqlite'), lakeDir: join(dir, 'lake') };
}
