import { QuarryError } from '../errors.ts';
import { checkSchemaChangePolicy, isAssetDefinition, type AnyAssetDefinition, type SchemaChangePolicy } from './asset-definition.ts';
import { resolveAlertsConfig, type AlertsConfig, type AlertsConfigInput } from './alerts-config.ts';
import { defineGlossary, type Glossary, type GlossaryTerm } from './glossary.ts';
import { resolveAutomationSettings, type AutomationSettings, type AutomationSettingsConfig, type SensorDefinition } from './automation-policy.ts';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy, type RetryPolicyConfig } from './retry-policy.ts';
import { resolveStorageTiers, type StorageTiersConfig } from './storage-tiers.ts';
import { resolveTargets, type TargetDefinition } from './targets.ts';

/**
 * Where a project keeps its lake and catalog, how long old versions stay, and its storage tiers
 * (`hot`, `warm`, `cold`, `coldStore`, `prices`: see `StorageTiersConfig` and docs/storage-tiers.md).
 */
export interface ProjectStorageConfig extends StorageTiersConfig {
  /** Lake root: a local directory (relative to the project) — the embedded default is `.quarry/lake`. */
  readonly lakeDir?: string;
  /** Days superseded partition versions are kept for time travel before `quarry vacuum` removes them. */
  readonly retentionDays?: number;
}

/** A Quarry project: its assets and settings, as returned by `defineProject`. */
export interface ProjectDefinition {
  readonly name: string;
  readonly assets: readonly AnyAssetDefinition[];
  readonly storage: ProjectStorageConfig;
  /** Steps run at once by default. */
  readonly concurrency: number;
  /** How transient step failures are retried, unless an asset declares its own `retry` (default `DEFAULT_RETRY_POLICY`). */
  readonly retry: RetryPolicy;
  /** Where alerts go and the periodic summary (no routes by default); see docs/alerts.md. */
  readonly alerts: AlertsConfig;
  /** Where OpenLineage events go (`false`: nowhere); see `ProjectLineageConfig`. */
  readonly lineage: ProjectLineageConfig | false;
  /** Business terms columns refer to by name (`columns: { followers: { term: 'follower_count' } }`). */
  readonly glossary: Glossary;
  /** The schema change policy of assets that declare none (default `allow`); see docs/schema-evolution.md. */
  readonly schemaChanges: SchemaChangePolicy;
  // automation
  /** Sensors the daemon evaluates. */
  readonly sensors: readonly SensorDefinition[];
  /** The daemon's run queue limits. */
  readonly automation: AutomationSettings;
  /**
   * Where the project runs, by target name (`--target`, `QUARRY_TARGET`); `dev` is always there
   * (DuckDB and the local lake in `storage.lakeDir`, unless the project declares its own `dev`).
   */
  readonly targets: Readonly<Record<string, TargetDefinition>>;
}

/** Options of `defineProject`. */
export interface ProjectConfig {
  name?: string;
  assets: readonly AnyAssetDefinition[] | Record<string, AnyAssetDefinition>;
  storage?: ProjectStorageConfig;
  concurrency?: number;
  /**
   * Retries of transient failures (network, locks, timeouts) for every asset, such as
   * `{ maxAttempts: 3, backoff: ['30s', '2m'] }`; deterministic errors are never retried. Default:
   * 4 attempts after 1 min → 5 min → 15 min. See docs/retries.md.
   */
  retry?: RetryPolicyConfig;
  /**
   * Alert routing, such as `{ routes: [{ when: 'critical', to: pagerDuty({ routingKey }) }],
   * summary: { every: 'daily', at: '08:00', to: email({ smtp, from, to }) } }`. See docs/alerts.md.
   */
  alerts?: AlertsConfigInput;
  /**
   * OpenLineage events of every step: `{ transport: { type: 'http', url: 'http://marquez:5000' } }`,
   * `{ type: 'console' }`, or `{ type: 'file', path }` (the default: `.quarry/openlineage/events.ndjson`);
   * `false` emits nothing. `OPENLINEAGE_URL` (+ `OPENLINEAGE_API_KEY`) overrides it. See docs/openlineage.md.
   */
  lineage?: ProjectLineageConfig | false;
  /** The project's glossary: business terms shared across assets (see `defineGlossary`, docs/data-dictionary.md). */
  glossary?: Glossary;
  /** Which schema changes a new version may make, for assets that declare no `schemaChanges` of their own (default `allow`). */
  schemaChanges?: SchemaChangePolicy;
  /** Sensors the daemon evaluates (`defineSensor`); names must be unique. */
  sensors?: readonly SensorDefinition[];
  /** The daemon's queue: `{ maxConcurrentRuns: 2, pools: { 'tag:bigquery': 1 } }` (see docs/automation.md). */
  automation?: AutomationSettingsConfig;
  /**
   * Where the project can run: `{ dev: { engine: duckdb(), store: local('.quarry/lake') }, prod: {
   * engine: bigquery({ projectId, dataset, location }), store: gcs({ bucket }) } }`. `dev` is the default
   * target; `--target` or `QUARRY_TARGET` picks another. See docs/bigquery.md.
   */
  targets?: Record<string, TargetDefinition>;
}

// metadata: OpenLineage and data dictionary
/** Where OpenLineage events are sent. */
export type OpenLineageTransportConfig =
  | { readonly type: 'file'; /** NDJSON file, relative to the project (default `<quarry home>/openlineage/events.ndjson`). */ readonly path?: string }
  | {
      readonly type: 'http';
      /** Base URL of the receiver (Marquez, DataHub, OpenMetadata); events are POSTed to `${url}${endpoint}`. */
      readonly url: string;
      /** Path of the lineage endpoint (default `/api/v1/lineage`). */
      readonly endpoint?: string;
      /** Sent as `Authorization: Bearer <apiKey>`. */
      readonly apiKey?: string;
      /** Tries per event before it is dropped with a warning (default 3). */
      readonly maxAttempts?: number;
      /** Milliseconds before one POST is abandoned (default 5000). */
      readonly timeoutMs?: number;
    }
  | { readonly type: 'console' };

/** The project's OpenLineage settings. */
export interface ProjectLineageConfig {
  readonly transport?: OpenLineageTransportConfig;
  /** Namespace of jobs and datasets (default `quarry://<project name>`). */
  readonly namespace?: string;
}

function resolveLineageConfig(lineage: ProjectLineageConfig | false | undefined, name: string): ProjectLineageConfig | false {
  if (lineage === false || lineage === undefined) return lineage ?? Object.freeze({});
  const transport = lineage.transport;
  if (transport !== undefined) {
    const type = (transport as { type?: unknown }).type;
    if (type !== 'file' && type !== 'http' && type !== 'console') {
      throw new QuarryError('QUARRY_BAD_LINEAGE_CONFIG', `Project "${name}": lineage.transport.type must be 'file', 'http' or 'console', got ${JSON.stringify(type)}.`);
    }
    if (transport.type === 'http') {
      let ok = false;
      try {
        ok = /^https?:$/.test(new URL(transport.url).protocol);
      } catch {
        ok = false;
      }
      if (!ok) throw new QuarryError('QUARRY_BAD_LINEAGE_CONFIG', `Project "${name}": lineage.transport.url must be an http(s) URL such as http://localhost:5000, got ${JSON.stringify(transport.url)}.`);
    }
  }
  return Object.freeze({ ...lineage, ...(transport ? { transport: Object.freeze({ ...transport }) } : {}) });
}

/**
 * The project's glossary: its own terms plus the term objects its columns refer to; a term named by
 * key must be one of them, and one key cannot stand for two different terms.
 */
function resolveGlossary(declared: Glossary | undefined, assets: readonly AnyAssetDefinition[]): Glossary {
  const terms: Record<string, GlossaryTerm> = { ...(declared === undefined ? {} : defineGlossary(declared)) };
  for (const asset of assets) {
    for (const [column, doc] of Object.entries(asset.columns)) {
      const term = doc.term;
      if (term === undefined || typeof term === 'string') continue;
      const key = term.key;
      if (key === undefined) {
        throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${asset.key}", column "${column}": its term object has no key; take terms from defineGlossary({ … }) or name one by its key.`);
      }
      const known = terms[key];
      if (known !== undefined && known !== term && known.definition !== term.definition) {
        throw new QuarryError('QUARRY_BAD_DEFINITION', `Glossary term "${key}" is defined twice with different definitions (asset "${asset.key}", column "${column}"); keep one.`);
      }
      terms[key] ??= term;
    }
  }
  for (const asset of assets) {
    for (const [column, doc] of Object.entries(asset.columns)) {
      if (typeof doc.term === 'string' && !Object.hasOwn(terms, doc.term)) {
        const known = Object.keys(terms);
        throw new QuarryError(
          'QUARRY_UNKNOWN_GLOSSARY_TERM',
          `Asset "${asset.key}", column "${column}": term ${JSON.stringify(doc.term)} is not in the project's glossary (${known.length === 0 ? 'the project declares none: pass glossary to defineProject' : `known: ${known.join(', ')}`}).`,
        );
      }
    }
  }
  return Object.freeze(terms);
}
// end metadata

/**
 * Declares a project: the assets Quarry plans and materializes. `quarry.config.ts` default-exports one.
 *
 * ```ts
 * export default defineProject({ name: 'hello', assets: [orders, dailyRevenue] });
 * ```
 */
export function defineProject(config: ProjectConfig): ProjectDefinition {
  const list = Array.isArray(config.assets) ? [...config.assets] : Object.values(config.assets);
  list.forEach((asset, index) => {
    if (!isAssetDefinition(asset)) {
      throw new QuarryError(
        'QUARRY_BAD_DEFINITION',
        `Project assets[${index}] is not an asset definition (got ${typeof asset}). Pass the objects returned by defineAsset/defineSourceAsset.`,
      );
    }
  });
  const concurrency = config.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `Project concurrency must be a whole number ≥ 1, got ${String(concurrency)}.`);
  }
  const name = config.name ?? 'quarry-project';
  const retry = resolveRetryPolicy(config.retry, DEFAULT_RETRY_POLICY, `Project "${name}"`);
  const alerts = resolveAlertsConfig(config.alerts);
  for (const key of alerts.anomalyAssets) {
    if (!list.some((a) => a.key === key)) {
      throw new QuarryError('QUARRY_BAD_ALERTS_CONFIG', `Project alerts anomalyAssets names "${key}", which is not an asset of the project. Give the key of one of its assets.`);
    }
  }
  const glossary = resolveGlossary(config.glossary, list);
  checkSchemaChangePolicy(config.schemaChanges, `Project "${name}"`);
  // Checked here so a bad tier setting fails when the project loads, not at the first `quarry storage apply`.
  resolveStorageTiers(config.storage);
  const sensors = [...(config.sensors ?? [])];
  const sensorNames = new Set<string>();
  for (const sensor of sensors) {
    if (sensor?.type !== 'sensor') throw new QuarryError('QUARRY_BAD_AUTOMATION', `Project sensors must be made with defineSensor (got ${typeof sensor}).`);
    if (sensorNames.has(sensor.name)) throw new QuarryError('QUARRY_BAD_AUTOMATION', `Project declares two sensors named "${sensor.name}": sensor names must be unique.`);
    sensorNames.add(sensor.name);
  }
  return Object.freeze({
    name,
    sensors: Object.freeze(sensors),
    automation: resolveAutomationSettings(config.automation),
    assets: Object.freeze(list),
    storage: Object.freeze({ ...(config.storage ?? {}) }),
    concurrency,
    retry,
    alerts,
    lineage: resolveLineageConfig(config.lineage, name),
    glossary,
    schemaChanges: config.schemaChanges ?? 'allow',
    targets: resolveTargets(config.targets, config.storage?.lakeDir),
  });
}

/** True when `value` looks like the result of `defineProject`. */
export function isProjectDefinition(value: unknown): value is ProjectDefinition {
  return typeof value === 'object' && value !== null && Array.isArray((value as { assets?: unknown }).assets) && typeof (value as { name?: unknown }).name === 'string';
}
