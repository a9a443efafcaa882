import { customMapping, type PartitionMapping } from '@quarry/core';
import { REGIONS } from './landing.ts';

const REGION_KEYS = new Set(REGIONS.map((r) => r.region));

/** The home region of a merchant key: the text before its first `-` (`na-acme` → `na`). */
export function regionOfMerchant(merchantId: string): string {
  const dash = merchantId.indexOf('-');
  return dash < 0 ? '' : merchantId.slice(0, dash);
}

/**
 * The custom partition mapping from the dynamic `merchants` partitions to the static `region`
 * partitions: a region partition reads the partitions of the merchants based there, and a new
 * merchant makes only its own region stale. Merchants whose prefix is no region map to nothing.
 *
 * ```ts
 * deps: { merchants: { asset: merchants, mapping: merchantsOfRegion } }
 * ```
 */
export const merchantsOfRegion: PartitionMapping = customMapping({
  // Change the version when the functions below change: it is part of the code version.
  id: 'merchants-of-region@1',
  upstreamFor: (regions, ctx) => {
    const wanted = new Set(regions);
    return (ctx.dynamicKeys?.('merchants') ?? []).filter((merchant) => wanted.has(regionOfMerchant(merchant)));
  },
  downstreamFor: (merchants) => new Set(merchants.map(regionOfMerchant).filter((region) => REGION_KEYS.has(region))),
});
