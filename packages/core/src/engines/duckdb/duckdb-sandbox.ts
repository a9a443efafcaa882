import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, StatementType, type DuckDBConnection } from '@duckdb/node-api';
// A leaf module (no imports): the catalog's liveness probe, so both layers agree on what "dead" means.
import { isProcessAlive } from '../../execution/is-process-alive.ts';
import { QuarryError } from '../../errors.ts';
import { quoteString } from './duckdb-sql.ts';

/** The DuckDB settings every sandboxed instance of one engine shares. */
export interface DuckDbInstanceSettings {
  readonly threads: number;
  readonly memoryLimit: string | undefined;
  readonly timeZone: string;
  readonly parquetMetadataCache: boolean;
}

/** What a locked DuckDB instance may open: exactly these files, and everything under these directories. */
export interface DuckDbFileAccess {
  readonly files: readonly string[];
  readonly directories: readonly string[];
}

/**
 * Starts an in-memory DuckDB instance with `settings`, still unlocked: extensions are never
 * installed or loaded automatically, and `lockDuckDbInstance` must run before any user SQL does.
 * `spillDir` is the instance's own temp directory (instances must not share one).
 */
export async function startDuckDbInstance(settings: DuckDbInstanceSettings, spillDir: string): Promise<DuckDBInstance> {
  const options: Record<string, string> = {
    threads: String(settings.threads),
    temp_directory: spillDir,
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
  };
  if (settings.memoryLimit !== undefined) options['memory_limit'] = settings.memoryLimit;
  return DuckDBInstance.create(':memory:', options);
}

/**
 * Locks `connection`'s instance for good: the session settings are fixed, external access is off
 * except for `access` (DuckDB's `allowed_paths` / `allowed_directories`), and the configuration is
 * locked, so no statement can widen access again (`SET enable_external_access = true` fails), read
 * or write any other file, ATTACH a database file, or install or load an extension. One round trip.
 */
export async function lockDuckDbInstance(connection: DuckDBConnection, settings: DuckDbInstanceSettings, access: DuckDbFileAccess): Promise<void> {
  await connection.run(
    [
      // GLOBAL, so every connection of the instance inherits them.
      `SET GLOBAL TimeZone = ${quoteString(settings.timeZone)}`,
      // Lake files are immutable (a new version gets a new path), so their parsed footers can be kept:
      // binding a view and then the statement over it stops reading every footer twice.
      ...(settings.parquetMetadataCache ? ['SET GLOBAL parquet_metadata_cache = true'] : []),
      lockSql(access),
    ].join(';\n'),
  );
}

/**
 * The statements that lock a DuckDB instance to `access` for good: external access off except for
 * those files and directories, no extension autoload or autoinstall, configuration locked.
 */
export function lockSql(access: DuckDbFileAccess): string {
  const list = (values: readonly string[]) => `[${values.map(quoteString).join(', ')}]::VARCHAR[]`;
  return [
    'SET autoinstall_known_extensions = false',
    'SET autoload_known_extensions = false',
    `SET allowed_paths = ${list(access.files)}`,
    `SET allowed_directories = ${list(access.directories)}`,
    'SET enable_external_access = false',
    'SET lock_configuration = true',
  ].join(';\n');
}

/** The statement kinds `quarry query` and asset SQL accept: queries only. */
export function isQueryStatement(type: StatementType): boolean {
  return type === StatementType.SELECT;
}

/** The upper-case first keyword of `sql`, after comments and opening parentheses (for messages only). */
export function leadingKeyword(sql: string): string {
  const stripped = sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/, '');
  return (/^[A-Za-z_]+/.exec(stripped)?.[0] ?? '').toUpperCase();
}

/** A DuckDB refusal caused by the lock: the file it names, or the extension/setting it refused. */
export interface AccessDenial {
  readonly kind: 'file' | 'extension' | 'setting';
  /** The file or directory DuckDB refused to open (for `file`). */
  readonly path?: string;
}

/** Recognizes DuckDB's errors for what the lock forbids; `undefined` for any other error. */
export function accessDenialOf(message: string): AccessDenial | undefined {
  const file = /Permission Error: Cannot access (?:file|directory) "([^"]*)"/.exec(message);
  if (file) return { kind: 'file', path: file[1]! };
  if (/Permission Error: .*extension/i.test(message) || /extensions? is disabled/i.test(message)) return { kind: 'extension' };
  if (/the configuration has been locked/.test(message)) return { kind: 'setting' };
  if (/Permission Error:/.test(message)) return { kind: 'file' };
  return undefined;
}

/** The name prefix of an engine's scratch folder; the folder holds an owner file naming its process. */
export const SCRATCH_PREFIX = 'quarry-duckdb-';
const OWNER_FILE = '.owner.json';

/**
 * Creates this process's scratch folder under `root` (`quarry-duckdb-<pid>-<random>`), with an owner
 * file holding the host and process id, so a later engine can tell when its owner died.
 */
export async function createScratchDir(root: string): Promise<string> {
  await mkdir(root, { recursive: true });
  const dir = join(root, `${SCRATCH_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir);
  await writeFile(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid, host: hostname() }));
  return dir;
}

/**
 * Removes the scratch folders under `root` whose owning process is dead (killed engines never ran
 * `close()`): only folders with an owner file naming this host and a process that no longer exists.
 * Folders without an owner file (being created, or left by an older Quarry) are kept.
 */
export async function sweepDeadScratchDirs(root: string): Promise<string[]> {
  const removed: string[] = [];
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const host = hostname();
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(SCRATCH_PREFIX)) continue;
    const dir = join(root, entry.name);
    let owner: { pid?: unknown; host?: unknown };
    try {
      owner = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as { pid?: unknown; host?: unknown };
    } catch {
      continue;
    }
    if (owner.host !== host || typeof owner.pid !== 'number' || isProcessAlive(owner.pid)) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** A `QuarryError` for a statement kind `quarry query` refuses, saying what to do instead. */
export function readOnlyError(where: string, keyword: string): QuarryError {
  const why: Record<string, string> = {
    COPY: 'COPY … TO writes files. To export rows, print them with `quarry query --json "select …"` and redirect the output, or declare an asset',
    EXPORT: 'EXPORT DATABASE writes files. To export rows, print them with `quarry query --json "select …"` and redirect the output',
    ATTACH: 'ATTACH opens another database; only the lake\'s asset views are visible',
    DETACH: 'DETACH changes the session; only the lake\'s asset views are visible',
    INSTALL: 'extensions cannot be installed',
    LOAD: 'extensions cannot be loaded',
    FORCE: 'extensions cannot be installed',
    SET: 'settings are locked',
    RESET: 'settings are locked',
    PRAGMA: 'PRAGMA statements change settings or state; ask with a SELECT instead',
  };
  const reason = why[keyword] ?? `${keyword || 'this'} statement${keyword ? 's' : ''} ${keyword ? 'are' : 'is'} not a query; run one SELECT over the asset views (raw/orders → raw__orders)`;
  return new QuarryError('QUARRY_QUERY_READ_ONLY', `${where}: quarry query is read-only: ${reason}.`, { details: { statement: keyword } });
}
