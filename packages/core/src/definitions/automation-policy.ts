import { QuarryError } from '../errors.ts';

/**
 * A declarative automation condition as plain data: when the daemon should request an asset's
 * partitions. Built with `onCron`, `eager`, `missing`, `upstreamUpdated`, `and`, `or`, `not`
 * (from the automation layer); stored frozen on the asset definition.
 */
export type AutomationCondition =
  | { readonly kind: 'cron'; readonly cron: string; readonly timeZone: string }
  | { readonly kind: 'eager' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'upstream_updated'; readonly asset: string }
  | { readonly kind: 'and'; readonly conditions: readonly AutomationCondition[] }
  | { readonly kind: 'or'; readonly conditions: readonly AutomationCondition[] }
  | { readonly kind: 'not'; readonly condition: AutomationCondition };

/** The priority tier of an asset's runs in the daemon's queue: `high` goes first. */
export type AssetPriority = 'high' | 'normal' | 'low';

/** Every `AssetPriority`, first served first. */
export const ASSET_PRIORITIES: readonly AssetPriority[] = ['high', 'normal', 'low'];

/** How fresh an asset must be, as declared: `{ maxLag: '30m' }`. */
export interface FreshnessPolicyConfig {
  /** The largest acceptable lag, as a duration (`'30m'`, `'26h'`, `'2d'`) or milliseconds. */
  readonly maxLag: string | number;
}

/** A validated freshness policy. */
export interface FreshnessPolicy {
  /** The declared value, for display. */
  readonly maxLag: string;
  readonly maxLagMs: number;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds of a duration such as `'500ms'`, `'30s'`, `'15m'`, `'26h'` or `'2d'` (or a number of
 * milliseconds); anything else throws `QUARRY_BAD_AUTOMATION` naming `what` and the value.
 */
export function parseAutomationDuration(value: string | number, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  const match = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
  const ms = match === null ? Number.NaN : Number(match[1]) * UNIT_MS[match[2]!]!;
  if (!(ms > 0)) {
    throw new QuarryError('QUARRY_BAD_AUTOMATION', `${what}: ${JSON.stringify(value)} is not a positive duration; write it like '30s', '15m', '26h' or '2d' (or a number of milliseconds).`);
  }
  return ms;
}

/**
 * A lag (or any duration) in words, the one wording of freshness across the daemon, `quarry status`
 * and alerts: `45s`, `12m`, `3h 5m`, `2d 4h`, `never materialized` for `null`. Units are truncated,
 * never rounded up, so a lag just under a limit never reads as the limit.
 */
export function formatLag(ms: number | null): string {
  if (ms === null) return 'never materialized';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.floor(ms / 1000))}s`;
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h${minutes % 60 ? ` ${minutes % 60}m` : ''}`;
  return `${Math.floor(hours / 24)}d${hours % 24 ? ` ${hours % 24}h` : ''}`;
}

/** Validates a freshness policy; a bad `maxLag` throws `QUARRY_BAD_AUTOMATION` naming the asset. */
export function resolveFreshnessPolicy(config: FreshnessPolicyConfig | undefined, where: string): FreshnessPolicy | undefined {
  if (config === undefined) return undefined;
  const maxLagMs = parseAutomationDuration(config.maxLag, `${where}: freshness.maxLag`);
  return Object.freeze({ maxLag: typeof config.maxLag === 'string' ? config.maxLag : `${config.maxLag}ms`, maxLagMs });
}

/** Validates a priority; anything but high/normal/low throws `QUARRY_BAD_AUTOMATION` naming the asset. */
export function resolveAssetPriority(value: unknown, where: string): AssetPriority {
  if (value === undefined) return 'normal';
  if (typeof value === 'string' && (ASSET_PRIORITIES as readonly string[]).includes(value)) return value as AssetPriority;
  throw new QuarryError('QUARRY_BAD_AUTOMATION', `${where}: priority ${JSON.stringify(value)} is not one of 'high', 'normal', 'low'.`);
}

/** True when `value` looks like an `AutomationCondition` (a plain object with a known `kind`). */
export function isAutomationCondition(value: unknown): value is AutomationCondition {
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  return kind === 'cron' || kind === 'eager' || kind === 'missing' || kind === 'upstream_updated' || kind === 'and' || kind === 'or' || kind === 'not';
}

/** What a sensor's `evaluate` receives. */
export interface SensorContext {
  /** The cursor the previous successful evaluation returned, or `undefined` the first time. */
  readonly cursor: string | undefined;
  /** The tick's time, from the daemon's clock. */
  readonly now: Date;
  /** The project directory (to look at landing folders). */
  readonly projectDir: string;
  /** Aborted when the evaluation runs past the sensor's time limit. */
  readonly signal: AbortSignal;
  /** The current keys of a dynamic partitions definition. */
  dynamicPartitionKeys(name: string): readonly string[];
}

/** One run a sensor asks for. */
export interface SensorRunRequest {
  /** Unique per sensor: the same key is launched at most once, ever (default: the tick's cursor and index). */
  readonly runKey?: string;
  /** A selection string (`raw/videos`, `raw/videos+`). */
  readonly selection: string;
  /** Partitions: `{ key }`, `{ keys }` or `{ from, to }`; all selected partitions when absent. */
  readonly partitions?: { readonly key: string } | { readonly keys: readonly string[] } | { readonly from: string; readonly to: string };
  readonly tags?: Readonly<Record<string, string>>;
  /** Overrides the priority the selected assets declare. */
  readonly priority?: AssetPriority;
}

/** What a sensor's `evaluate` returns. */
export interface SensorResult {
  readonly runRequests?: readonly SensorRunRequest[];
  /** Stored and passed back as `ctx.cursor` next time. */
  readonly cursor?: string;
  /** Dynamic partition keys to add before the run requests are recorded, by partitions name. */
  readonly dynamicPartitions?: Readonly<Record<string, { readonly add?: readonly string[] }>>;
  /** Why nothing was requested, shown on the tick. */
  readonly skipReason?: string;
}

/** A sensor as `defineSensor` returns it. */
export interface SensorDefinition {
  readonly type: 'sensor';
  readonly name: string;
  /** Milliseconds between evaluations. */
  readonly everyMs: number;
  /** Milliseconds an evaluation may take before it counts as failed (default 60 s). */
  readonly timeoutMs: number;
  readonly evaluate: (ctx: SensorContext) => SensorResult | readonly SensorRunRequest[] | Promise<SensorResult | readonly SensorRunRequest[]>;
}

/** Options of `defineSensor`. */
export interface SensorConfig {
  /** Unique in the project: letters, digits, `_`, `-`, `.`. */
  name: string;
  /** How often it is evaluated: `'30s'`, `'1m'`, … */
  every: string | number;
  /** Time limit of one evaluation (default `'60s'`). */
  timeout?: string | number;
  evaluate: SensorDefinition['evaluate'];
}

const SENSOR_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Declares a sensor: a function the daemon calls every `every` that turns outside changes (new
 * landing files, …) into run requests, each launched at most once per run key.
 *
 * ```ts
 * const landing = defineSensor({ name: 'landing', every: '1m', evaluate: (ctx) => ({
 *   runRequests: newDays.map((day) => ({ runKey: day, selection: 'raw/videos', partitions: { key: day } })),
 *   dynamicPartitions: { landing_days: { add: newDays } },
 *   cursor: newest,
 * }) });
 * ```
 */
export function defineSensor(config: SensorConfig): SensorDefinition {
  if (typeof config?.name !== 'string' || !SENSOR_NAME.test(config.name)) {
    throw new QuarryError('QUARRY_BAD_AUTOMATION', `Sensor name ${JSON.stringify(config?.name)} is invalid: use letters, digits, '_', '-' and '.'.`);
  }
  if (typeof config.evaluate !== 'function') {
    throw new QuarryError('QUARRY_BAD_AUTOMATION', `Sensor "${config.name}": evaluate must be a function (ctx) => run requests.`);
  }
  return Object.freeze({
    type: 'sensor',
    name: config.name,
    everyMs: parseAutomationDuration(config.every, `Sensor "${config.name}": every`),
    timeoutMs: parseAutomationDuration(config.timeout ?? '60s', `Sensor "${config.name}": timeout`),
    evaluate: config.evaluate,
  });
}

/** Project-wide settings of the daemon's run queue. */
export interface AutomationSettingsConfig {
  /** Runs the daemon keeps going at once (default 1). */
  maxConcurrentRuns?: number;
  /**
   * Limits per pool: `{ 'tag:bigquery': 1, 'asset:marts/x': 1 }`. A `tag:NAME` pool counts runs of
   * assets with tag NAME (`tag:NAME=VALUE`: with that value); `asset:KEY` counts runs of that asset.
   */
  pools?: Record<string, number>;
}

/** Validated daemon settings. */
export interface AutomationSettings {
  readonly maxConcurrentRuns: number;
  readonly pools: Readonly<Record<string, number>>;
}

/** Validates the project's daemon settings; bad values throw `QUARRY_BAD_AUTOMATION` naming them. */
export function resolveAutomationSettings(config: AutomationSettingsConfig | undefined): AutomationSettings {
  const maxConcurrentRuns = config?.maxConcurrentRuns ?? 1;
  if (!Number.isInteger(maxConcurrentRuns) || maxConcurrentRuns < 1) {
    throw new QuarryError('QUARRY_BAD_AUTOMATION', `automation.maxConcurrentRuns must be a whole number ≥ 1, got ${String(maxConcurrentRuns)}.`);
  }
  const pools: Record<string, number> = {};
  for (const [name, limit] of Object.entries(config?.pools ?? {})) {
    if (!/^(tag:[^=\s]+(=.*)?|asset:\S+)$/.test(name)) {
      throw new QuarryError('QUARRY_BAD_AUTOMATION', `automation.pools: pool ${JSON.stringify(name)} must be 'tag:NAME', 'tag:NAME=VALUE' or 'asset:KEY'.`);
    }
    if (!Number.isInteger(limit) || limit < 1) {
      throw new QuarryError('QUARRY_BAD_AUTOMATION', `automation.pools["${name}"] must be a whole number ≥ 1, got ${String(limit)}.`);
    }
    pools[name] = limit;
  }
  return Object.freeze({ maxConcurrentRuns, pools: Object.freeze(pools) });
}
