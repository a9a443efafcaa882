import { QuarryError } from '../errors.ts';

/**
 * An asset key: a path of one or more segments separated by `/`, such as `raw/creators`.
 *
 * Segments hold letters, digits and `_` and start with a letter or `_`, so a key is safe as a SQL
 * identifier part, a file path and a URL segment.
 */
export type AssetKey = string;

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `value` is a well-formed asset key. */
export function isAssetKey(value: unknown): value is AssetKey {
  return typeof value === 'string' && value.length > 0 && value.length <= 200 && value.split('/').every((s) => SEGMENT.test(s));
}

/** Returns `value` when it is a well-formed asset key; throws `QUARRY_BAD_ASSET_KEY` naming it otherwise. */
export function parseAssetKey(value: unknown): AssetKey {
  if (isAssetKey(value)) return value;
  throw new QuarryError(
    'QUARRY_BAD_ASSET_KEY',
    `Asset key ${JSON.stringify(value)} is malformed: use one or more segments of letters, digits and _ separated by /, such as "raw/creators".`,
  );
}

/** The SQL relation name an asset key gets when every asset is a view (`raw/creators` → `raw__creators`). */
export function assetRelationName(key: AssetKey): string {
  return key.split('/').join('__');
}
