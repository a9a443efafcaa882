// examples/shop's checks (issue 11, point 17): every check passes on the generated landing data, and
// a deliberately bad landing file (a negative amount, an order without customer, an unknown merchant)
// fails the run's blocking checks, names the failing values, and leaves the previous versions current.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createShopFixture, describeResult, type ShopFixture } from './shop-fixture.ts';

const DAY = '2026-03-08';
const BAD_HOUR = '2026-03-08-12:00';
const CLOCK_TOO_EARLY = Date.now() < Date.UTC(2026, 2, 9, 12) ? 'the system clock is before 2026-03-09 12:00 UTC' : false;

interface ChecksJson {
  assets: { asset: string; results: { partitionKey: string; checkName: string; passed: boolean; message: string; sampleRows: Record<string, unknown>[] }[] }[];
}

async function checks(shop: ShopFixture, args: string[]): Promise<ChecksJson['assets'][number]['results']> {
  const result = await shop.quarryOk(['checks', ...args, '--json']);
  return (JSON.parse(result.stdout) as ChecksJson).assets.flatMap((a) => a.results);
}

describe('examples/shop checks', { skip: CLOCK_TOO_EARLY }, () => {
  let shop: ShopFixture;

  before(async () => {
    shop = await createShopFixture('checks');
    await Promise.all([shop.generate(DAY, DAY), shop.quarryOk(['partitions', 'add', 'merchants', 'na-acme', 'eu-bolt', 'apac-cobalt'])]);
    await shop.quarryOk(['backfill', '*', '--from', DAY, '--to', DAY]);
  });
  after(() => shop?.cleanup());

  test('every check of every asset passes on the generated data', async () => {
    const results = await checks(shop, ['*', '--from', DAY, '--to', DAY]);
    const failed = results.filter((r) => !r.passed).map((r) => `${r.checkName} [${r.partitionKey}]: ${r.message}`);
    assert.deepEqual(failed, []);
    const names = new Set(results.map((r) => r.checkName));
    for (const name of [
      'not_null_order_id_merchant_id_region_customer_id_amount',
      'accepted_range_amount',
      'unique_order_id',
      'referential_integrity_merchant_id',
      'referential_integrity_region',
      'reconciles_with_clean_orders',
      'accepted_range_hours_in_day',
      'row_count',
    ]) {
      assert.ok(names.has(name), `check ${name} ran: ${[...names].join(', ')}`);
    }
    // 23 clean hours, 1 New York day, 3 day × region partitions, 3 merchants and 3 regions.
    assert.equal(results.filter((r) => r.checkName === 'accepted_range_amount').length, 23);
  });

  test('a bad landing file fails the blocking checks, naming the failing values, and keeps the previous versions', async () => {
    const before = await shop.queryRows(`select day::VARCHAR, orders::VARCHAR, revenue::VARCHAR from marts__daily_revenue`);
    writeFileSync(
      join(shop.landingDir, 'orders', '2026-03-08', '12.csv'),
      [
        'order_id,merchant_id,region,customer_id,amount,status,ordered_at',
        'o-bad-1,na-acme,na,c001,-12.50,paid,2026-03-08T12:05:00Z',
        'o-bad-2,zz-ghost,na,c002,30.00,paid,2026-03-08T12:15:00Z',
        'o-bad-3,eu-bolt,eu,,45.00,paid,2026-03-08T12:25:00Z',
        '',
      ].join('\n'),
    );
    const run = await shop.quarry(['materialize', '--from', DAY, '--to', DAY]);
    assert.equal(run.code, 1, describeResult(run));
    const output = run.stdout + run.stderr;
    assert.match(output, /staging\/orders_clean \[2026-03-08-12:00\] not published: blocking checks failed/);
    assert.match(output, /accepted_range_amount \(1 of 3 rows have amount outside \[0\.01, 1000\] \(observed min -12\.5, max 45\)\.\)/);
    assert.match(output, /not_null_order_id_merchant_id_region_customer_id_amount \(1 of 3 rows/);
    assert.match(output, /marts\/daily_revenue \[2026-03-08\] skipped \(blocked_by_check: staging\/orders_clean\[2026-03-08-12:00\]\)/);

    const results = await checks(shop, ['staging/orders_clean', '--partition', BAD_HOUR]);
    const failed = Object.fromEntries(results.filter((r) => !r.passed).map((r) => [r.checkName, r]));
    assert.deepEqual(Object.keys(failed).sort(), ['accepted_range_amount', 'not_null_order_id_merchant_id_region_customer_id_amount', 'referential_integrity_merchant_id']);
    const sampled = (name: string, column: string) => failed[name]!.sampleRows.map((row) => [row.order_id, row[column]]);
    assert.deepEqual(sampled('accepted_range_amount', 'amount'), [['o-bad-1', -12.5]]);
    assert.deepEqual(sampled('not_null_order_id_merchant_id_region_customer_id_amount', 'customer_id'), [['o-bad-3', null]]);
    assert.deepEqual(sampled('referential_integrity_merchant_id', 'merchant_id'), [['o-bad-2', 'zz-ghost']]);
    assert.match(failed.accepted_range_amount!.message, /observed min -12\.5/);

    // Write–audit–publish: the bad hour was not published, so the day's revenue is what it was.
    assert.deepEqual(await shop.queryRows(`select day::VARCHAR, orders::VARCHAR, revenue::VARCHAR from marts__daily_revenue`), before);
    assert.deepEqual(await shop.queryRows(`select count(*)::VARCHAR from staging__orders_clean where order_id like 'o-bad-%'`), [['0']]);
  });
});
