// examples/shop end to end (issue 11, point 17): backfills across both 2026 DST changes in New York
// through the real CLI, then compares every table the project materializes with a reference that
// DuckDB computes directly from the landing files (its own SQL, with the DST instants written out,
// never reading Quarry's outputs), row set against row set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createShopFixture, type ProcessResult, type ShopFixture } from './shop-fixture.ts';

// The New York days of the changes (2026-03-08 has 23 hours, 2026-11-01 has 25) and one ordinary day
// beside each, on the side that keeps the backfills small: the tests spawn the CLI on a busy machine.
const RANGES = [
  ['2026-03-08', '2026-03-09'],
  ['2026-10-31', '2026-11-01'],
] as const;
const CLOCK_TOO_EARLY = Date.now() < Date.UTC(2026, 10, 2, 12) ? 'the system clock is before 2026-11-02 12:00 UTC, so the November partitions do not exist yet' : false;

// The reference, from the landing files only. The New York day of an instant uses the 2026 DST
// instants written out (EDT, UTC−4, from 2026-03-08 07:00Z to 2026-11-01 06:00Z; EST, UTC−5,
// otherwise) rather than a time zone database, so it does not share Quarry's time zone arithmetic.
const REFERENCE_SETUP = `
  create table landing as
    select *, regexp_extract(filename, '(\\d{4}-\\d{2}-\\d{2})/(\\d{2})\\.csv$', ['day', 'hour']) as file
    from read_csv('{landing}/orders/*/*.csv', header = true, filename = true, columns = {
      'order_id': 'VARCHAR', 'merchant_id': 'VARCHAR', 'region': 'VARCHAR', 'customer_id': 'VARCHAR',
      'amount': 'DECIMAL(10,2)', 'status': 'VARCHAR', 'ordered_at': 'TIMESTAMPTZ'
    });
  create macro ny_day(t) as cast(timezone('UTC', t) - case
    when t >= TIMESTAMPTZ '2026-03-08 07:00:00+00' and t < TIMESTAMPTZ '2026-11-01 06:00:00+00' then interval 4 hour
    else interval 5 hour end as DATE);
  create table hours as
    select distinct cast(file.day || ' ' || file.hour || ':00:00+00' as TIMESTAMPTZ) as hour_start from landing;
  create table day_hours as select ny_day(hour_start) as ny_day, count(*) as hours from hours group by all;
  create table clean as
    select distinct order_id, merchant_id, region, customer_id, amount, ordered_at, ny_day(ordered_at) as ny_day
    from landing where status = 'paid';
  create table regions as select * from read_csv('{landing}/regions.csv', header = true, all_varchar = true);
  create table merchants as select * from read_csv('{landing}/merchants.csv', header = true, all_varchar = true);
`;

/** Per table: the projection of Quarry's table and the reference query, both as text columns. */
const TABLES: Record<string, { quarry: string; reference: string }> = {
  'raw/orders': {
    quarry: `select order_id, merchant_id, region, customer_id, amount::VARCHAR, status, epoch_ms(ordered_at)::VARCHAR from raw__orders`,
    reference: `select order_id, merchant_id, region, customer_id, amount::VARCHAR, status, epoch_ms(ordered_at)::VARCHAR from landing`,
  },
  'staging/orders_clean': {
    quarry: `select order_id, merchant_id, region, customer_id, amount::VARCHAR, epoch_ms(ordered_at)::VARCHAR, ny_day::VARCHAR from staging__orders_clean`,
    reference: `select order_id, merchant_id, region, customer_id, amount::VARCHAR, epoch_ms(ordered_at)::VARCHAR, ny_day::VARCHAR from clean`,
  },
  'ref/regions': {
    quarry: `select region, name, currency from ref__regions`,
    reference: `select region, name, currency from regions`,
  },
  'ref/merchants': {
    quarry: `select merchant_id, name, region, since::VARCHAR from ref__merchants`,
    reference: `select merchant_id, name, region, since from merchants`,
  },
  'marts/daily_revenue': {
    quarry: `select day::VARCHAR, hours_in_day::VARCHAR, hours_with_orders::VARCHAR, orders::VARCHAR, customers::VARCHAR, revenue::VARCHAR from marts__daily_revenue`,
    reference: `
      select d.ny_day::VARCHAR, d.hours::VARCHAR, count(distinct date_trunc('hour', c.ordered_at))::VARCHAR, count(c.order_id)::VARCHAR,
             count(distinct c.customer_id)::VARCHAR, coalesce(sum(c.amount), 0)::DECIMAL(12,2)::VARCHAR
      from day_hours d left join clean c using (ny_day) group by d.ny_day, d.hours`,
  },
  'marts/region_daily_sales': {
    quarry: `select day::VARCHAR, region, currency, orders::VARCHAR, revenue::VARCHAR from marts__region_daily_sales`,
    reference: `
      select d.ny_day::VARCHAR, r.region, r.currency, count(c.order_id)::VARCHAR, coalesce(sum(c.amount), 0)::DECIMAL(12,2)::VARCHAR
      from day_hours d cross join regions r left join clean c on c.ny_day = d.ny_day and c.region = r.region
      group by d.ny_day, r.region, r.currency`,
  },
  'marts/region_merchants': {
    quarry: `select region, name, merchants::VARCHAR, merchant_ids from marts__region_merchants`,
    reference: `
      select r.region, r.name, count(m.merchant_id)::VARCHAR, coalesce(string_agg(m.merchant_id, ',' order by m.merchant_id), '')
      from regions r left join merchants m on m.region = r.region group by r.region, r.name`,
  },
};

interface PlanJson {
  steps: { asset: string; partition: string; reason: string }[];
}

describe('examples/shop: a backfill across both 2026 DST changes', { skip: CLOCK_TOO_EARLY }, () => {
  let shop: ShopFixture;
  const backfills: ProcessResult[] = [];
  let planAfterNewMerchant: PlanJson;

  before(async () => {
    shop = await createShopFixture('backfill');
    // Independent set-up steps run side by side (each spawns a process).
    await Promise.all([
      ...RANGES.map(([from, to]) => shop.generate(from, to)),
      // March first with the three founding merchants; the fourth joins before the autumn range.
      shop.quarryOk(['partitions', 'add', 'merchants', 'na-acme', 'eu-bolt', 'apac-cobalt']),
    ]);
    backfills.push(await shop.quarryOk(['backfill', '*', '--from', RANGES[0][0], '--to', RANGES[0][1]]));
    await shop.quarryOk(['partitions', 'add', 'merchants', 'na-delta']);
    planAfterNewMerchant = JSON.parse((await shop.quarryOk(['plan', 'ref/merchants+', '--json'])).stdout) as PlanJson;
    backfills.push(await shop.quarryOk(['backfill', '*', '--from', RANGES[1][0], '--to', RANGES[1][1]]));
    await shop.referenceRows(REFERENCE_SETUP);
  });
  after(() => shop?.cleanup());

  test('both backfills succeed, and planning either range again has nothing to do', async () => {
    for (const result of backfills) assert.match(result.stdout, /^Run r_\S+ succeeded$/m);
    const plans = await Promise.all(RANGES.map(([from, to]) => shop.quarryOk(['plan', '*', '--from', from, '--to', to, '--json'])));
    plans.forEach((result, i) => assert.deepEqual((JSON.parse(result.stdout) as PlanJson).steps, [], RANGES[i]!.join('..')));
  });

  for (const [asset, sql] of Object.entries(TABLES)) {
    test(`${asset} equals the reference computed from the landing files`, async () => {
      const actual = await shop.queryRows(sql.quarry);
      const expected = await shop.referenceRows(sql.reference);
      assert.ok(expected.length > 0, 'the reference is not empty');
      assert.deepEqual(actual, expected);
    });
  }

  test('the New York days of 2026-03-08 and 2026-11-01 aggregate 23 and 25 hours of orders', async () => {
    const rows = await shop.queryRows(`select day::VARCHAR, hours_in_day::VARCHAR, hours_with_orders::VARCHAR from marts__daily_revenue where day in ('2026-03-08', '2026-11-01')`);
    assert.deepEqual(rows, [
      ['2026-03-08', '23', '23'],
      ['2026-11-01', '25', '25'],
    ]);
    // Every UTC hour of the New York day, and none of the neighbouring days, went into it.
    const hours = await shop.queryRows(
      `select ny_day::VARCHAR, min(date_trunc('hour', ordered_at))::VARCHAR, max(date_trunc('hour', ordered_at))::VARCHAR from staging__orders_clean where ny_day in ('2026-03-08', '2026-11-01') group by ny_day`,
    );
    assert.deepEqual(hours, [
      ['2026-03-08', '2026-03-08 05:00:00+00', '2026-03-09 03:00:00+00'],
      ['2026-11-01', '2026-11-01 04:00:00+00', '2026-11-02 04:00:00+00'],
    ]);
  });

  test('a new merchant (dynamic partition) is one missing partition and makes only its own region stale (custom mapping)', () => {
    const planned = planAfterNewMerchant.steps.map((s) => `${s.asset} [${s.partition}] ${s.reason}`).sort();
    assert.deepEqual(planned, ['marts/region_merchants [na] upstream_stale', 'ref/merchants [na-delta] missing']);
  });
});
