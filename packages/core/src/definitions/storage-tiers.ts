import { QuarryError } from '../errors.ts';

/** A storage tier: `hot` (as written), `warm` (rewritten, more compressed, same lake), `cold` (in the cold store). */
export type StorageTier = 'hot' | 'warm' | 'cold';

/** Every `StorageTier`, warmest first: a file only ever moves to a later one. */
export const STORAGE_TIERS: readonly StorageTier[] = ['hot', 'warm', 'cold'];

/** Where cold files go: a folder on this machine (`local('…')`); a GCS bucket comes later. */
export interface ColdStoreConfig {
  readonly kind: 'local';
  /** The folder, relative to the project directory unless absolute. */
  readonly dir: string;
}

/**
 * A cold store that is a local folder (a second disk, a mounted archive), for `storage.coldStore`.
 *
 * ```ts
 * defineProject({ …, storage: { hot: '30d', warm: '365d', cold: 'after 365d', coldStore: local('/mnt/archive/tiktok') } });
 * ```
 */
export function local(dir: string): ColdStoreConfig {
  if (typeof dir !== 'string' || dir.trim() === '') {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `local(${JSON.stringify(dir)}) needs a folder path for the cold store, such as local('.quarry/cold').`);
  }
  return Object.freeze({ kind: 'local', dir });
}

/** Monthly storage prices per tier in US dollars per GiB (2^30 bytes) and month. */
export interface StoragePrices {
  readonly hot: number;
  readonly warm: number;
  readonly cold: number;
}

/**
 * The default price table: Google Cloud Storage list prices in us-central1 (Iowa), from
 * https://cloud.google.com/storage/pricing: Standard $0.020 for hot and warm files (warm files stay
 * in the lake's bucket: their saving is compression), Archive $0.0012 for cold files. Operations,
 * retrieval and early-deletion fees are not counted.
 */
export const DEFAULT_STORAGE_PRICES: StoragePrices = Object.freeze({ hot: 0.02, warm: 0.02, cold: 0.0012 });

/** The storage-tier settings of `defineProject({ storage })`, resolved (see `resolveStorageTiers`). */
export interface StorageTiers {
  /** Files of partitions at least this old (milliseconds) are warm. */
  readonly warmAfterMs: number;
  /** Files of partitions at least this old are cold; `undefined`: no cold tier (warm forever). */
  readonly coldAfterMs: number | undefined;
  readonly coldStore: ColdStoreConfig | undefined;
  readonly prices: StoragePrices;
}

/** The tier keys of `ProjectStorageConfig` (see docs/storage-tiers.md). */
export interface StorageTiersConfig {
  /** How long a partition stays hot, such as `'30d'` (units m, h, d, w): older ones are rewritten warm. */
  readonly hot?: string;
  /** The age at which warm ends and cold begins, such as `'365d'`; `'forever'` (or omitted) keeps them warm. */
  readonly warm?: string;
  /** `'after 365d'` (must equal `warm`) or `'never'`; omitted: cold after `warm` when `warm` is set. */
  readonly cold?: string;
  /** Where cold files go (required with a cold tier): `local('…')`. */
  readonly coldStore?: ColdStoreConfig;
  /** US dollars per GiB and month per tier, for `quarry storage`; default `DEFAULT_STORAGE_PRICES`. */
  readonly prices?: Partial<StoragePrices>;
}

const DURATION = /^(\d+)\s*(m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses a tier age such as `'30d'` (a whole number and a unit: m, h, d or w) into milliseconds;
 * anything else throws `QUARRY_BAD_DEFINITION` naming `where` and the value.
 */
export function parseTierDuration(value: unknown, where: string): number {
  const match = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
  const ms = match === null ? Number.NaN : Number(match[1]) * UNIT_MS[match[2]!]!;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `${where} is ${describe(value)}: write an age above zero as a whole number and a unit (m, h, d or w), such as '30d' or '52w'.`, { details: { value: describe(value) } });
  }
  return ms;
}

/**
 * Checks the tier keys of a project's `storage` and resolves them, or returns `undefined` when the
 * project declares no tiers. Bad ages, a `warm` not after `hot`, a `cold` that disagrees with `warm`,
 * a cold tier without `coldStore` and bad prices throw `QUARRY_BAD_DEFINITION` saying what to write.
 */
export function resolveStorageTiers(config: StorageTiersConfig | undefined): StorageTiers | undefined {
  if (config === undefined) return undefined;
  const { hot, warm, cold, coldStore, prices } = config;
  if (hot === undefined && warm === undefined && cold === undefined && coldStore === undefined && prices === undefined) return undefined;
  if (hot === undefined) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `Project storage sets ${[warm !== undefined && 'warm', cold !== undefined && 'cold', coldStore !== undefined && 'coldStore', prices !== undefined && 'prices'].filter(Boolean).join(', ')} but not hot: add how long partitions stay hot, such as storage: { hot: '30d', … }.`);
  }
  const warmAfterMs = parseTierDuration(hot, 'Project storage.hot');
  let coldAfterMs: number | undefined;
  if (warm !== undefined && warm !== 'forever') {
    coldAfterMs = parseTierDuration(warm, 'Project storage.warm');
    if (coldAfterMs <= warmAfterMs) {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Project storage.warm (${JSON.stringify(warm)}) must be longer than storage.hot (${JSON.stringify(hot)}): both are ages, and warm ends where cold begins.`);
    }
  }
  if (cold !== undefined) {
    if (cold === 'never') {
      if (coldAfterMs !== undefined) {
        throw new QuarryError('QUARRY_BAD_DEFINITION', `Project storage.cold is 'never' but storage.warm is ${JSON.stringify(warm)}, which ends the warm tier: write warm: 'forever' (or leave it out) to keep files warm.`);
      }
    } else {
      const match = typeof cold === 'string' ? /^after\s+(.+)$/.exec(cold.trim()) : null;
      if (match === null) {
        throw new QuarryError('QUARRY_BAD_DEFINITION', `Project storage.cold is ${describe(cold)}: write 'after 365d' (the age at which files go cold) or 'never'.`);
      }
      const after = parseTierDuration(match[1], 'The age in project storage.cold');
      if (coldAfterMs !== undefined && after !== coldAfterMs) {
        throw new QuarryError('QUARRY_BAD_DEFINITION', `Project storage.cold (${JSON.stringify(cold)}) disagrees with storage.warm (${JSON.stringify(warm)}): warm ends where cold begins, so write the same age in both (or leave one out).`);
      }
      if (after <= warmAfterMs) {
        throw new QuarryError('QUARRY_BAD_DEFINITION', `Project storage.cold (${JSON.stringify(cold)}) must be later than storage.hot (${JSON.stringify(hot)}).`);
      }
      coldAfterMs = after;
    }
  }
  if (coldStore !== undefined && (typeof coldStore !== 'object' || coldStore === null || coldStore.kind !== 'local' || typeof coldStore.dir !== 'string' || coldStore.dir === '')) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `Project storage.coldStore is ${describe(coldStore)}: write coldStore: local('path/to/folder').`);
  }
  if (coldAfterMs !== undefined && coldStore === undefined) {
    throw new QuarryError('QUARRY_BAD_DEFINITION', `Project storage has a cold tier (files go cold after ${cold ?? warm}) but no cold store: add coldStore: local('path/to/folder') (import { local } from '@quarry/core'), or write warm: 'forever' to keep old files warm.`);
  }
  const resolvedPrices = { ...DEFAULT_STORAGE_PRICES, ...(prices ?? {}) };
  for (const tier of ['hot', 'warm', 'cold'] as const) {
    const price = resolvedPrices[tier];
    if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Project storage.prices.${tier} is ${describe(price)}: give US dollars per GiB and month as a number ≥ 0, such as 0.02.`);
    }
  }
  return Object.freeze({ warmAfterMs, coldAfterMs, coldStore, prices: Object.freeze(resolvedPrices) });
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
