// The smallest Quarry project: three daily-partitioned assets.
//   raw/orders            — each day's orders, from data/orders/<day>.csv or generated
//   staging/orders_clean  — paid orders only, one row per order
//   marts/revenue_7d      — revenue over the 7 days up to each day (reads 7 upstream partitions)
import { dailyPartitions, defineAsset, defineProject, timeWindowMapping } from '@quarry/core';
import { z } from 'zod';
import { ordersOfDay, ordersSourceVersion } from './src/orders-source.ts';

const daily = dailyPartitions({ start: '2026-01-01' });

export const orders = defineAsset({
  key: 'raw/orders',
  description: "The shop's orders of one day, as exported.",
  owners: ['team:shop'],
  tags: { layer: 'raw' },
  partitions: daily,
  schema: z.object({
    order_id: z.string(),
    customer_id: z.string(),
    amount: z.number(),
    status: z.enum(['paid', 'cancelled']),
    ordered_at: z.string(),
  }),
  columns: { customer_id: { description: 'Shop customer id', pii: 'user_id' } },
  observe: ({ projectDir, partitionKey }) => ordersSourceVersion(projectDir, partitionKey),
  compute: (ctx) => ordersOfDay(ctx.projectDir, ctx.partition.firstKey),
});

export const ordersClean = defineAsset({
  key: 'staging/orders_clean',
  description: 'Paid orders, one row per order id.',
  owners: ['team:shop'],
  tags: { layer: 'staging' },
  deps: { orders },
  partitions: daily,
  schema: z.object({ order_id: z.string(), customer_id: z.string(), amount: z.number(), day: z.string() }),
  sql: `
    select order_id, any_value(customer_id) as customer_id, max(amount) as amount, $partition_key as day
    from orders
    where status = 'paid'
    group by order_id
  `,
});

export const revenue7d = defineAsset({
  key: 'marts/revenue_7d',
  description: 'Revenue and order count over the 7 days ending on each day.',
  owners: ['team:finance'],
  tags: { layer: 'marts' },
  // The first 6 days have fewer than 7 days before them: run them anyway (days_covered says how many).
  deps: { clean: { asset: ordersClean, mapping: timeWindowMapping({ startOffset: -6, endOffset: 0, allowNonexistentUpstream: true }) } },
  partitions: daily,
  schema: z.object({ day: z.string(), orders: z.number().int(), revenue: z.number(), days_covered: z.number().int() }),
  sql: `
    select $partition_key as day, count(*)::BIGINT as orders, coalesce(sum(amount), 0)::DOUBLE as revenue,
           count(distinct day)::BIGINT as days_covered
    from clean
  `,
});

export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d] });
