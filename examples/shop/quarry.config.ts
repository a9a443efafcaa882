// An online shop on Quarry: hourly UTC orders rolled up into New York days, by region and by merchant.
//   raw/orders                   each UTC hour's orders, read from landing/orders/<day>/<HH>.csv
//   ref/regions                  one partition per region (static), from landing/regions.csv
//   ref/merchants                one partition per merchant (dynamic: `quarry partitions add merchants …`)
//   staging/orders_clean         paid orders of each hour, duplicates removed, with their New York day
//   marts/daily_revenue          each New York day (23 hours on 2026-03-08, 25 on 2026-11-01)
//   marts/region_daily_sales     New York day × region
//   marts/region_merchants       per region, the merchants based there (a custom mapping)
// Landing files: `npm run generate -- --from 2026-03-06 --to 2026-03-10` (see docs/tutorial-shop.md).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  customSql,
  dailyPartitions,
  decimal,
  defineAsset,
  defineProject,
  dynamicPartitions,
  hourlyPartitions,
  multiPartitions,
  multiToSingleMapping,
  notNull,
  acceptedRange,
  referentialIntegrity,
  rowCount,
  staticPartitions,
  unique,
} from '@quarry/core';
import { z } from 'zod';
import { landingDirOf, landingFileVersion, ordersFileOf, REGIONS } from './src/landing.ts';
import { merchantsOfRegion } from './src/merchant-regions.ts';

// Resolved from this file (not the working directory) so `--project examples/shop` works from anywhere.
const landingDir = landingDirOf(dirname(fileURLToPath(import.meta.url)));
const merchantsFile = join(landingDir, 'merchants.csv');
const regionsFile = join(landingDir, 'regions.csv');

/** Hours in UTC, as the order system exports them. */
export const hourly = hourlyPartitions({ start: '2026-03-01' });
/** The shop's business days: New York calendar days (23 or 25 hours long on DST changes). */
export const newYorkDays = dailyPartitions({ start: '2026-03-01', timezone: 'America/New_York' });
/** The regions the shop sells in: a fixed list. */
export const regionKeys = staticPartitions(REGIONS.map((r) => r.region));
/** The merchants on the shop: keys added and removed at run time, not in code. */
export const merchantKeys = dynamicPartitions({ name: 'merchants' });

function sqlText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Raw orders: one UTC hour of the order system's export per partition. */
export const orders = defineAsset({
  key: 'raw/orders',
  description: "The orders placed in one UTC hour, as the order system exported them (duplicates and cancelled orders included).",
  owners: ['team:shop'],
  tags: { layer: 'raw' },
  partitions: hourly,
  schema: z.object({
    order_id: z.string(),
    merchant_id: z.string().nullable(),
    region: z.string().nullable(),
    customer_id: z.string().nullable(),
    amount: decimal(10, 2).nullable(),
    status: z.string().nullable(),
    ordered_at: z.iso.datetime(),
  }),
  columns: { customer_id: { description: 'Shop customer id', pii: 'user_id' }, amount: { unit: 'currency of the region' } },
  // The file's content hash: a re-exported hour makes the partition stale (`source_changed`).
  observe: ({ partitionKey }) => landingFileVersion(ordersFileOf(landingDir, partitionKey)),
  sourceFiles: ({ partition }) => [ordersFileOf(landingDir, partition.firstKey)],
  compute: (ctx) => ({
    sql: `
      select order_id, merchant_id, region, customer_id, amount, status, ordered_at
      from read_csv(${sqlText(ordersFileOf(landingDir, ctx.partition.firstKey))}, header = true, columns = {
        'order_id': 'VARCHAR', 'merchant_id': 'VARCHAR', 'region': 'VARCHAR', 'customer_id': 'VARCHAR',
        'amount': 'DECIMAL(10,2)', 'status': 'VARCHAR', 'ordered_at': 'TIMESTAMPTZ'
      })
    `,
  }),
});

/** The regions the shop sells in, one static partition each. */
export const regions = defineAsset({
  key: 'ref/regions',
  description: 'One region the shop sells in, from landing/regions.csv.',
  owners: ['team:shop'],
  tags: { layer: 'ref' },
  partitions: regionKeys,
  schema: z.object({ region: z.string(), name: z.string(), currency: z.string() }),
  observe: () => landingFileVersion(regionsFile),
  sourceFiles: [regionsFile],
  compute: () => ({ sql: `select region, name, currency from read_csv(${sqlText(regionsFile)}, header = true, all_varchar = true) where region = $partition_key` }),
  checks: [rowCount({ min: 1, max: 1, blocking: true })],
});

/** The merchants on the shop, one dynamic partition each. */
export const merchants = defineAsset({
  key: 'ref/merchants',
  description: 'One merchant, from landing/merchants.csv; add merchants with `quarry partitions add merchants ID`.',
  owners: ['team:shop'],
  tags: { layer: 'ref' },
  partitions: merchantKeys,
  schema: z.object({ merchant_id: z.string(), name: z.string(), region: z.string(), since: z.iso.date() }),
  observe: () => landingFileVersion(merchantsFile),
  sourceFiles: [merchantsFile],
  compute: () => ({
    sql: `
      select merchant_id, name, region, since::DATE as since
      from read_csv(${sqlText(merchantsFile)}, header = true, all_varchar = true)
      where merchant_id = $partition_key
    `,
  }),
  // A merchant key with no row in merchants.csv is a typo: do not publish an empty merchant.
  checks: [rowCount({ min: 1, max: 1, blocking: true })],
});

/** Paid, de-duplicated orders per UTC hour; its checks guard everything downstream. */
export const ordersClean = defineAsset({
  key: 'staging/orders_clean',
  description: 'Paid orders of one UTC hour, each once, with the New York day they belong to.',
  owners: ['team:shop'],
  tags: { layer: 'staging' },
  deps: { orders },
  partitions: hourly,
  schema: z.object({
    order_id: z.string(),
    merchant_id: z.string().nullable(),
    region: z.string().nullable(),
    customer_id: z.string().nullable(),
    amount: decimal(10, 2).nullable(),
    ordered_at: z.iso.datetime(),
    ny_day: z.iso.date(),
  }),
  columns: { customer_id: { description: 'Shop customer id', pii: 'user_id' }, ny_day: { description: 'Calendar day in America/New_York' } },
  sql: `
    select distinct order_id, merchant_id, region, customer_id, amount, ordered_at,
           timezone('America/New_York', ordered_at)::DATE as ny_day
    from orders
    where status = 'paid'
  `,
  checks: [
    notNull(['order_id', 'merchant_id', 'region', 'customer_id', 'amount'], { blocking: true }),
    acceptedRange('amount', { min: 0.01, max: 1000, blocking: true }),
    unique('order_id'),
    referentialIntegrity('merchant_id', { to: merchants, column: 'merchant_id' }),
    referentialIntegrity('region', { to: regions, column: 'region' }),
  ],
});

/** Orders and revenue per New York day, read from the UTC hours that overlap it. */
export const dailyRevenue = defineAsset({
  key: 'marts/daily_revenue',
  description: 'Orders and revenue of one New York day; hours_in_day is 23 or 25 on DST changes.',
  owners: ['team:finance'],
  tags: { layer: 'marts' },
  // Hourly → daily: the default mapping reads every UTC hour that overlaps the New York day.
  deps: { clean: ordersClean },
  partitions: newYorkDays,
  schema: z.object({
    day: z.iso.date(),
    hours_in_day: z.int(),
    hours_with_orders: z.int(),
    orders: z.int(),
    customers: z.int(),
    revenue: decimal(12, 2),
  }),
  sql: `
    select $partition_key::DATE as day,
           ((epoch($partition_end) - epoch($partition_start)) / 3600)::BIGINT as hours_in_day,
           count(distinct date_trunc('hour', ordered_at)) as hours_with_orders,
           count(*) as orders,
           count(distinct customer_id) as customers,
           coalesce(sum(amount), 0)::DECIMAL(12,2) as revenue
    from clean
  `,
  checks: [
    rowCount({ min: 1, max: 1 }),
    acceptedRange('hours_in_day', { min: 23, max: 25 }),
    // Reconciliation: the day's totals equal the clean orders of that New York day.
    customSql({
      name: 'reconciles_with_clean_orders',
      sql: `
        select d.day, d.orders, d.revenue, c.orders as clean_orders, c.revenue as clean_revenue
        from {{target}} d
        left join (select ny_day, count(*) as orders, sum(amount) as revenue from {{ref:staging/orders_clean}} group by ny_day) c
          on c.ny_day = d.day
        where d.orders is distinct from coalesce(c.orders, 0) or d.revenue is distinct from coalesce(c.revenue, 0)
      `,
    }),
  ],
});

/** Orders and revenue per New York day and region: a date × region multi-partitioned asset. */
export const regionDailySales = defineAsset({
  key: 'marts/region_daily_sales',
  description: 'Orders and revenue of one New York day in one region (date × region partitions).',
  owners: ['team:finance'],
  tags: { layer: 'marts' },
  deps: {
    // The date dimension reads the UTC hours of the New York day; the region dimension its region.
    clean: { asset: ordersClean, mapping: multiToSingleMapping({ dimension: 'date' }) },
    region: { asset: regions, mapping: multiToSingleMapping({ dimension: 'region' }) },
  },
  // The growing dimension first, so new days append partitions.
  partitions: multiPartitions({ date: newYorkDays, region: regionKeys }),
  schema: z.object({ day: z.iso.date(), region: z.string(), currency: z.string(), orders: z.int(), revenue: decimal(12, 2) }),
  sql: `
    select split_part($partition_key, '|', 1)::DATE as day, r.region, r.currency,
           count(c.order_id) as orders, coalesce(sum(c.amount), 0)::DECIMAL(12,2) as revenue
    from region r left join clean c on c.region = r.region
    group by r.region, r.currency
  `,
  checks: [rowCount({ min: 1, max: 1 }), acceptedRange('revenue', { min: 0 })],
});

/** The merchants of each region, through the custom mapping `merchantsOfRegion`. */
export const regionMerchants = defineAsset({
  key: 'marts/region_merchants',
  description: 'The merchants based in one region; a new merchant makes only its own region stale.',
  owners: ['team:shop'],
  tags: { layer: 'marts' },
  deps: { merchants: { asset: merchants, mapping: merchantsOfRegion }, region: regions },
  partitions: regionKeys,
  schema: z.object({ region: z.string(), name: z.string(), merchants: z.int(), merchant_ids: z.string() }),
  sql: `
    select r.region, r.name, count(m.merchant_id) as merchants,
           coalesce(string_agg(m.merchant_id, ',' order by m.merchant_id), '') as merchant_ids
    from region r left join merchants m on m.region = r.region
    group by r.region, r.name
  `,
});

/** The shop project: `quarry` loads this default export. */
export default defineProject({
  name: 'shop',
  assets: [orders, regions, merchants, ordersClean, dailyRevenue, regionDailySales, regionMerchants],
  concurrency: 2,
});
