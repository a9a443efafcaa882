import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionSubset } from '../partition-subset.ts';
import { staticPartitions } from '../static-partitions.ts';
import { dailyPartitions } from '../time-window-partitions.ts';
import { specificPartitionsMapping } from './specific-partitions-mapping.ts';

const ctx = { now: new Date('2026-01-11T00:00:00Z') };
const currencies = staticPartitions(['EUR', 'GBP', 'JPY', 'USD']);
const days = dailyPartitions({ start: '2026-01-01' });

describe('specificPartitionsMapping (a fixed set of upstream keys)', () => {
  it('every downstream partition reads the same upstream keys; only they make downstream partitions stale', () => {
    const m = specificPartitionsMapping(['USD', 'EUR']);
    assert.equal(m.kind, 'specific-partitions');
    assert.equal(m.id, 'specific-partitions(["EUR","USD"])');
    const up = m.upstreamFor(days.range('2026-01-03', '2026-01-05', ctx), days, currencies, ctx);
    assert.deepEqual([...currencies.keysOf(up)], ['EUR', 'USD']);
    assert.ok(m.upstreamFor(PartitionSubset.empty(), days, currencies, ctx).isEmpty);
    assert.deepEqual(m.downstreamFor(currencies.subsetOfKeys(['USD']), currencies, days, ctx).toJSON(), [0, 10]);
    assert.ok(m.downstreamFor(currencies.subsetOfKeys(['JPY', 'GBP']), currencies, days, ctx).isEmpty);
    // An unpartitioned downstream asset reads them too.
    assert.deepEqual(m.upstreamFor(PartitionSubset.fromRange(0, 1), undefined, currencies, ctx).toJSON(), [0, 1, 3, 4]);
  });

  it('checks its keys against static upstream partitions, and rejects an empty set', () => {
    assert.throws(() => specificPartitionsMapping(['CHF']).validate!(currencies, days), {
      code: 'QUARRY_BAD_PARTITION_MAPPING',
      message: 'specificPartitionsMapping names upstream key "CHF", which is not a key of static(["EUR","GBP","JPY","USD"]): fix the mapping or the partitions definition.',
    });
    specificPartitionsMapping(['EUR']).validate!(currencies, days);
    assert.throws(() => specificPartitionsMapping([]), { code: 'QUARRY_BAD_PARTITION_MAPPING' });
    assert.throws(() => specificPartitionsMapping(['EUR']).upstreamFor(PartitionSubset.fromRange(0, 1), days, undefined, ctx), { code: 'QUARRY_BAD_PARTITION_MAPPING' });
  });
});
