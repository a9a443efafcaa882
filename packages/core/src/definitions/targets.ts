/**
 * Targets: where a project runs. A target pairs an engine (DuckDB, BigQuery) with an object store
 * (a local lake, a GCS bucket); `dev` (DuckDB + the local lake) is the default, and `--target` or
 * `QUARRY_TARGET` picks another. Each target keeps its own catalog state.
 *
 * These are plain, frozen descriptions: nothing here loads a cloud SDK. The instance resolves them,
 * importing `@quarry/core/bigquery` and `@quarry/core/gcs` only for a target that names them.
 *
 * ```ts
 * export default defineProject({ name: 'tiktok', assets, targets: {
 *   dev:  { engine: duckdb(), store: local('.quarry/lake') },
 *   prod: { engine: bigquery({ projectId: 'acme-data', dataset: 'tiktok', location: 'EU' }), store: gcs({ bucket: 'acme-lake' }) },
 * } });
 * ```
 */
import { QuarryError } from '../errors.ts';

/** The embedded engine. */
export interface DuckDbEngineTarget {
  readonly kind: 'duckdb';
}

/** BigQuery: credentials come from Google's Application Default Credentials. */
export interface BigQueryEngineTarget {
  readonly kind: 'bigquery';
  /** The Google Cloud project that runs (and pays for) the jobs. */
  readonly projectId: string;
  /** The dataset holding the asset tables (and Quarry's staging tables, prefixed `_quarry_`). */
  readonly dataset: string;
  /** Where jobs run and the dataset lives (`EU`, `US`, `europe-west1`); default `US`. */
  readonly location?: string;
  /** USD per TiB processed, for cost estimates (default 6.25, on-demand pricing). */
  readonly pricePerTiB?: number;
  /** A run refuses to start when its dry runs say it would process more than this (bytes); per-job `maximumBytesBilled` too. */
  readonly maxBytesBilled?: number;
  /** REST endpoint override (emulators, the test double): `http://127.0.0.1:9050`. */
  readonly apiEndpoint?: string;
  /** Labels every job carries, besides Quarry's own (`quarry_run`, `quarry_asset`, `quarry_partition`). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** An engine a target runs on. */
export type EngineTarget = DuckDbEngineTarget | BigQueryEngineTarget;

/** A lake in a local directory, relative to the project: `local('.quarry/lake')` (the `local` of storage-tiers.ts). */
export interface LocalStoreTarget {
  readonly kind: 'local';
  readonly dir: string;
}

/** A lake in a Google Cloud Storage bucket. */
export interface GcsStoreTarget {
  readonly kind: 'gcs';
  readonly bucket: string;
  /** Object name prefix inside the bucket (default none): `lake/` keeps Quarry's objects apart. */
  readonly prefix?: string;
  /** The Google Cloud project of the bucket, when not the credentials' own. */
  readonly projectId?: string;
  /** JSON API endpoint override (emulators, the test double): `http://127.0.0.1:4443`. */
  readonly apiEndpoint?: string;
}

/** A store a target keeps its lake files in. */
export type StoreTarget = LocalStoreTarget | GcsStoreTarget;

/** One target: an engine and a store. */
export interface TargetDefinition {
  readonly engine: EngineTarget;
  readonly store: StoreTarget;
}

/** The default target's name. */
export const DEFAULT_TARGET = 'dev';

/** Target names: letters, digits, `_` and `-`, starting with a letter (they name catalog folders). */
const TARGET_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Checks a project's `targets` and returns them frozen, with `dev` (DuckDB and the local lake at
 * `lakeDir`, default `.quarry/lake`) added when the project does not declare it.
 */
export function resolveTargets(targets: Record<string, TargetDefinition> | undefined, lakeDir: string | undefined): Readonly<Record<string, TargetDefinition>> {
  if (targets !== undefined && (typeof targets !== 'object' || targets === null || Array.isArray(targets))) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `Project targets must be an object of named targets, such as { prod: { engine: bigquery({ … }), store: gcs({ bucket }) } } (got ${Array.isArray(targets) ? 'an array' : typeof targets}).`);
  }
  const resolved: Record<string, TargetDefinition> = {};
  for (const [name, target] of Object.entries(targets ?? {})) {
    if (!TARGET_NAME.test(name)) throw new QuarryError('QUARRY_BAD_DEFINITION', `Project target name ${JSON.stringify(name)} is invalid: use letters, digits, '_' and '-', starting with a letter (such as "prod").`);
    const engine = (target as { engine?: { kind?: unknown } } | undefined)?.engine;
    const store = (target as { store?: { kind?: unknown } } | undefined)?.store;
    if (engine?.kind !== 'duckdb' && engine?.kind !== 'bigquery') {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Project target "${name}" has no valid engine (got ${JSON.stringify(engine?.kind ?? engine ?? null)}): write engine: duckdb() or engine: bigquery({ projectId, dataset }).`);
    }
    if (store?.kind !== 'local' && store?.kind !== 'gcs') {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Project target "${name}" has no valid store (got ${JSON.stringify(store?.kind ?? store ?? null)}): write store: local('.quarry/lake') or store: gcs({ bucket }).`);
    }
    if (engine.kind === 'bigquery') {
      const bq = engine as BigQueryEngineTarget;
      for (const field of ['projectId', 'dataset'] as const) {
        if (typeof bq[field] !== 'string' || bq[field] === '') throw new QuarryError('QUARRY_BAD_DEFINITION', `Project target "${name}": bigquery() needs ${field} (got ${JSON.stringify(bq[field] ?? null)}), such as bigquery({ projectId: 'acme-data', dataset: 'tiktok' }).`);
      }
      if (!/^[A-Za-z0-9_]+$/.test(bq.dataset)) throw new QuarryError('QUARRY_BAD_DEFINITION', `Project target "${name}": BigQuery dataset ${JSON.stringify(bq.dataset)} may hold only letters, digits and '_'.`);
    }
    if (store.kind === 'gcs' && (typeof (store as GcsStoreTarget).bucket !== 'string' || (store as GcsStoreTarget).bucket === '')) {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Project target "${name}": gcs() needs a bucket name, such as gcs({ bucket: 'acme-lake' }).`);
    }
    resolved[name] = Object.freeze({ engine: Object.freeze({ ...engine }), store: Object.freeze({ ...store }) }) as TargetDefinition;
  }
  resolved[DEFAULT_TARGET] ??= Object.freeze({ engine: duckdb(), store: Object.freeze({ kind: 'local' as const, dir: lakeDir ?? '.quarry/lake' }) });
  return Object.freeze(resolved);
}

/** The embedded DuckDB engine (the default). */
export function duckdb(): DuckDbEngineTarget {
  return Object.freeze({ kind: 'duckdb' as const });
}

/** BigQuery, as `{ projectId, dataset, location }`; see `BigQueryEngineTarget`. */
export function bigquery(options: Omit<BigQueryEngineTarget, 'kind'>): BigQueryEngineTarget {
  return Object.freeze({ ...options, kind: 'bigquery' as const });
}

/** A GCS bucket, as `{ bucket, prefix }`; see `GcsStoreTarget`. */
export function gcs(options: Omit<GcsStoreTarget, 'kind'>): GcsStoreTarget {
  return Object.freeze({ ...options, kind: 'gcs' as const });
}
