// The two assets the BigQuery end-to-end tests build on: raw orders made in TypeScript (so they run
// on DuckDB and reach BigQuery through a GCS load), and a daily SQL mart over them (run on BigQuery).
import { defineAsset, type PartitionsDefinition } from '@quarry/core';

/** `raw/orders` (three orders a day, computed) and `marts/daily` (their count and sum per day, SQL) on `days`. */
export function ordersAndDailyMart(days: PartitionsDefinition) {
  const orders = defineAsset({
    key: 'raw/orders',
    partitions: days,
    compute: ({ partition }) => [1, 2, 3].map((i) => ({ order_id: `${partition.firstKey}-${i}`, day: partition.firstKey, amount: i * 10 })),
  });
  const daily = defineAsset({
    key: 'marts/daily',
    partitions: days,
    deps: { orders },
    sql: 'SELECT day, count(*) AS orders, sum(amount) AS amount FROM orders GROUP BY day',
  });
  return { orders, daily };
}
