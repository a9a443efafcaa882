import { QuarryError } from '../errors.ts';
import { isAssetDefinition, type AnyAssetDefinition } from './asset-definition.ts';
import { resolveAutomationSettings, type AutomationSettings, type AutomationSettingsConfig, type SensorDefinition } from './automation-policy.ts';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy, type RetryPolicyConfig } from './retry-policy.ts';

/** Where a project keeps its lake and catalog, and how long old versions stay. */
export interface ProjectStorageConfig {
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
  // automation
  /** Sensors the daemon evaluates. */
  readonly sensors: readonly SensorDefinition[];
  /** The daemon's run queue limits. */
  readonly automation: AutomationSettings;
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
  /** Sensors the daemon evaluates (`defineSensor`); names must be unique. */
  sensors?: readonly SensorDefinition[];
  /** The daemon's queue: `{ maxConcurrentRuns: 2, pools: { 'tag:bigquery': 1 } }` (see docs/automation.md). */
  automation?: AutomationSettingsConfig;
}

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
  });
}

/** True when `value` looks like the result of `defineProject`. */
export function isProjectDefinition(value: unknown): value is ProjectDefinition {
  return typeof value === 'object' && value !== null && Array.isArray((value as { assets?: unknown }).assets) && typeof (value as { name?: unknown }).name === 'string';
}
