/**
 * Targets at run time: picks the project's target (`--target`, `QUARRY_TARGET`, default `dev`) and
 * builds its object store and engines. The engine and store modules are reached by dynamic import
 * only, and the cloud ones (`engines/bigquery`, `storage/gcs`) only for a target that names them, so a
 * DuckDB-only project never loads a cloud SDK (and this module imports no engine at all).
 */
import { join } from 'node:path';
import type { BigQueryEngineTarget, GcsStoreTarget, ProjectDefinition, TargetDefinition } from '../definitions/index.ts';
import { DEFAULT_TARGET } from '../definitions/index.ts';
import type { Engine } from '../engines/index.ts';
import { QuarryError } from '../errors.ts';
import type { ObjectStore } from '../storage/index.ts';

/** A project's target, resolved: its name and description. */
export interface ResolvedTarget {
  readonly name: string;
  readonly definition: TargetDefinition;
}

/** USD per TiB processed when the target names no price (BigQuery on-demand). */
export const DEFAULT_PRICE_PER_TIB = 6.25;

/**
 * The target a command runs on: `requested` (from `--target`), else `env.QUARRY_TARGET`, else `dev`.
 * A name the project does not declare is a `QUARRY_UNKNOWN_TARGET` listing the project's targets.
 */
export function resolveProjectTarget(project: ProjectDefinition, requested: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): ResolvedTarget {
  const fromEnv = env.QUARRY_TARGET?.trim();
  const name = requested ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_TARGET);
  const targets = project.targets ?? {};
  const definition = targets[name] ?? (name === DEFAULT_TARGET ? { engine: { kind: 'duckdb' as const }, store: { kind: 'local' as const, dir: project.storage?.lakeDir ?? '.quarry/lake' } } : undefined);
  if (definition === undefined) {
    const known = Object.keys(targets).length > 0 ? Object.keys(targets) : [DEFAULT_TARGET];
    throw new QuarryError(
      'QUARRY_UNKNOWN_TARGET',
      `Project "${project.name}" has no target ${JSON.stringify(name)}${requested === undefined && fromEnv ? ' (from QUARRY_TARGET)' : ''}: use one of ${known.map((t) => JSON.stringify(t)).join(', ')} (declared in quarry.config.ts under targets).`,
      { details: { target: name, targets: known } },
    );
  }
  return { name, definition };
}

/** The state directory of target `name` under the quarry home: `dev` keeps the home itself, others `<home>/targets/<name>`. */
export function targetStateDir(home: string, name: string): string {
  return name === DEFAULT_TARGET ? home : join(home, 'targets', name);
}

/** The USD price per TiB of a target's engine (BigQuery's `pricePerTiB`, default 6.25). */
export function targetPricePerTiB(definition: TargetDefinition): number {
  return definition.engine.kind === 'bigquery' ? (definition.engine.pricePerTiB ?? DEFAULT_PRICE_PER_TIB) : DEFAULT_PRICE_PER_TIB;
}

/** The run's byte limit a target sets (BigQuery's `maxBytesBilled`), if any. */
export function targetMaxBytesBilled(definition: TargetDefinition): number | undefined {
  return definition.engine.kind === 'bigquery' ? definition.engine.maxBytesBilled : undefined;
}

/** Cost in USD of `bytes` at `pricePerTiB`. */
export function costOfBytes(bytes: number, pricePerTiB: number): number {
  return (bytes / 2 ** 40) * pricePerTiB;
}

// Specifiers in variables: the modules load only on the path that needs them (and type-checking does
// not require the cloud folders to exist).
const BIGQUERY_MODULE = '../engines/bigquery/index.ts';
const GCS_MODULE = '../storage/gcs/index.ts';
const DUCKDB_MODULE = '../engines/duckdb/index.ts';

// A cloud module that cannot load (its SDK not installed) is a clear error naming it, not a stack of module resolution.
async function importCloudModule(specifier: string, what: string): Promise<unknown> {
  try {
    return await import(specifier);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      throw new QuarryError('QUARRY_BAD_CONFIG', `The ${what} this target names could not be loaded (${error instanceof Error ? error.message : String(error)}): run npm install at the repository root, or pick a DuckDB target.`, { cause: error });
    }
    throw error;
  }
}

/** The GCP access token the cloud clients use instead of Application Default Credentials, when set. */
function accessTokenFrom(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const token = env.QUARRY_GCP_ACCESS_TOKEN?.trim();
  return token === undefined || token === '' ? undefined : token;
}

/** Builds a GCS object store for `store` (imports `storage/gcs` now, and only now). */
export async function createGcsStore(store: GcsStoreTarget, env: Readonly<Record<string, string | undefined>> = process.env): Promise<ObjectStore> {
  const module = (await importCloudModule(GCS_MODULE, 'GCS store')) as { createGcsObjectStore: (options: Record<string, unknown>) => ObjectStore | Promise<ObjectStore> };
  const token = accessTokenFrom(env);
  return await module.createGcsObjectStore({
    bucket: store.bucket,
    ...(store.prefix !== undefined ? { prefix: store.prefix } : {}),
    ...(store.projectId !== undefined ? { projectId: store.projectId } : {}),
    ...(store.apiEndpoint !== undefined ? { apiEndpoint: store.apiEndpoint } : {}),
    ...(token !== undefined ? { accessToken: token } : {}),
  });
}

/** An engine and what the OpenLineage `processing_engine` facet says about it. */
export interface StartedEngine {
  readonly engine: Engine;
  readonly version: string;
}

/** Starts the embedded DuckDB engine over `store` (imports `engines/duckdb` now). */
export async function startDuckDbEngine(store: ObjectStore, tempDir: string): Promise<StartedEngine> {
  const module = (await import(DUCKDB_MODULE)) as typeof import('../engines/duckdb/index.ts');
  const engine = await module.createDuckDbEngine({ store, tempDir });
  const api = (await import('@duckdb/node-api')) as { version?: () => string };
  return { engine, version: typeof api.version === 'function' ? api.version() : 'unknown' };
}

/** Starts a BigQuery engine for `target` over `store` (imports `engines/bigquery` now, and only now). */
export async function startBigQueryEngine(target: BigQueryEngineTarget, store: ObjectStore, env: Readonly<Record<string, string | undefined>> = process.env): Promise<StartedEngine> {
  const module = (await importCloudModule(BIGQUERY_MODULE, 'BigQuery engine')) as { createBigQueryEngine: (options: Record<string, unknown>) => Engine | Promise<Engine>; BIGQUERY_CLIENT_VERSION?: string };
  const token = accessTokenFrom(env);
  const engine = await module.createBigQueryEngine({ target, store, ...(token !== undefined ? { accessToken: token } : {}) });
  const version = (engine as { version?: unknown }).version;
  return { engine, version: typeof version === 'string' ? version : (module.BIGQUERY_CLIENT_VERSION ?? 'unknown') };
}

/** Starts the engine a target names over the target's store. */
export function startTargetEngine(definition: TargetDefinition, store: ObjectStore, tempDir: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<StartedEngine> {
  return definition.engine.kind === 'bigquery' ? startBigQueryEngine(definition.engine, store, env) : startDuckDbEngine(store, tempDir);
}
