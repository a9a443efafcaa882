import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryDynamicPartitionsStore } from '../dynamic-partitions-store.ts';
import { dynamicPartitions } from '../dynamic-partitions.ts';
import { PartitionSubset } from '../partition-subset.ts';
import { staticPartitions } from '../static-partitions.ts';
import { staticMapping } from './static-mapping.ts';

describe('staticMapping', () => {
  const countries = staticPartitions(['us', 'ca', 'de', 'at', 'jp']);
  const regions = staticPartitions(['na', 'eu', 'dach', 'apac']);
  const mapping = staticMapping({ us: 'na', ca: ['na'], de: ['eu', 'dach'], at: ['dach', 'eu'] });

  it('has a canonical id', () => {
    assert.equal(mapping.kind, 'static');
    assert.equal(mapping.id, 'static({"at":["dach","eu"],"ca":["na"],"de":["dach","eu"],"us":["na"]})');
    assert.equal(staticMapping({ us: ['na'], ca: 'na', at: ['eu', 'dach'], de: ['eu', 'dach', 'eu'] }).id, mapping.id);
  });

  it('maps downstream keys to the upstream keys that feed them', () => {
    const up = mapping.upstreamFor(regions.subsetOfKeys(['na']), regions, countries);
    assert.deepEqual([...countries.keysOf(up)], ['us', 'ca']);
    const dach = mapping.upstreamFor(regions.subsetOfKeys(['dach', 'apac']), regions, countries);
    assert.deepEqual([...countries.keysOf(dach)], ['de', 'at']);
  });

  it('maps upstream keys to the downstream keys they feed', () => {
    const down = mapping.downstreamFor(countries.subsetOfKeys(['de', 'jp']), countries, regions);
    assert.deepEqual([...regions.keysOf(down)], ['eu', 'dach']);
    assert.ok(mapping.downstreamFor(countries.subsetOfKeys(['jp']), countries, regions).isEmpty);
  });

  it('rejects keys the definitions lack, but tolerates absent dynamic keys', () => {
    const bad = staticMapping({ fr: 'eu' });
    assert.throws(() => bad.downstreamFor(PartitionSubset.fromRange(0, 1), countries, regions), {
      code: 'QUARRY_BAD_PARTITION_MAPPING',
      message: `staticMapping names upstream key "fr", which is not a key of ${countries.id}: fix the mapping or the partitions definition.`,
    });
    const store = new InMemoryDynamicPartitionsStore({ creators: ['alice'] });
    const creators = dynamicPartitions({ name: 'creators' });
    const m = staticMapping({ alice: 'na', bob: 'na' });
    assert.deepEqual(m.upstreamFor(regions.subsetOfKeys(['na']), regions, creators, { dynamicKeys: store.keys }).toJSON(), [0, 1]);
    assert.throws(() => staticMapping({ us: 3 as unknown as string }), { code: 'QUARRY_BAD_PARTITION_MAPPING' });
    assert.throws(() => mapping.upstreamFor(PartitionSubset.fromRange(0, 1), undefined, countries), { code: 'QUARRY_BAD_PARTITION_MAPPING' });
  });
});
