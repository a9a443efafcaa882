import { QuarryError } from '../../errors.ts';
import { lockSql } from './duckdb-sandbox.ts';

/** The part of a `@duckdb/node-api` `DuckDBConnection` the checks runner calls. */
export interface DuckDbConnectionLike {
  runAndReadAll(sql: string, values?: Record<string, never>): Promise<{ getRowObjectsJS(): Record<string, unknown>[] }>;
}

/**
 * A checks query runner over one DuckDB connection: the shape of the checks layer's `CheckQueryRunner`
 * (engines sit below checks, so this module names the shape rather than importing it).
 */
export interface DuckDbCheckRunner {
  readonly dialect: 'duckdb';
  query(sql: string, params?: Record<string, unknown>): Promise<Record<string, unknown>[]>;
}

/** Options of `createDuckDbCheckRunner`. */
export interface DuckDbCheckRunnerOptions {
  /** Local files the checks' relations read by path (a `read_parquet('…')` target); nothing else is readable. */
  readonly files?: readonly string[];
  /** Directories whose files the checks may read. */
  readonly directories?: readonly string[];
}

/**
 * Creates a `CheckQueryRunner` over a DuckDB connection: rows come back as JavaScript values (BIGINT as
 * bigint, TIMESTAMP as Date), which the checks layer reads exactly.
 *
 * Check SQL gets the engine's locked-down settings: before its first query the runner locks the
 * connection's instance (external access off except for `options.files` and `options.directories`,
 * no extension autoload, configuration locked), so a check reads only the relations it is given. An
 * instance that is already locked (an engine's) is used as it is, unless its external access is on.
 *
 * ```ts
 * const connection = await (await DuckDBInstance.create(':memory:')).connect();
 * const runner = createDuckDbCheckRunner(connection, { files: ['/lake/videos/v1.parquet'] });
 * const results = await evaluateChecks(runner, checks, { target: "read_parquet('/lake/videos/v1.parquet')" });
 * ```
 */
export function createDuckDbCheckRunner(connection: DuckDbConnectionLike, options: DuckDbCheckRunnerOptions = {}): DuckDbCheckRunner {
  let locked: Promise<void> | undefined;
  const lock = async (): Promise<void> => {
    const state = (await connection.runAndReadAll("SELECT current_setting('lock_configuration') AS locked, current_setting('enable_external_access') AS external")).getRowObjectsJS()[0];
    if (state?.['locked'] === true) {
      if (state['external'] === true) {
        throw new QuarryError(
          'QUARRY_BAD_CONFIG',
          'The DuckDB connection given to createDuckDbCheckRunner has its configuration locked with external access still on, so check SQL could read any file. Pass a connection of an unlocked instance (the runner locks it) or one locked with enable_external_access = false.',
        );
      }
      return;
    }
    await connection.runAndReadAll(lockSql({ files: options.files ?? [], directories: options.directories ?? [] }));
  };
  return Object.freeze({
    dialect: 'duckdb' as const,
    async query(sql: string, params?: Record<string, unknown>): Promise<Record<string, unknown>[]> {
      await (locked ??= lock());
      const reader = await connection.runAndReadAll(sql, params as Record<string, never> | undefined);
      return reader.getRowObjectsJS();
    },
  });
}
