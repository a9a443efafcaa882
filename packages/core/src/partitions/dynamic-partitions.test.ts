import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryDynamicPartitionsStore } from './dynamic-partitions-store.ts';
import { dynamicPartitions } from './dynamic-partitions.ts';

describe('dynamicPartitions', () => {
  const creators = dynamicPartitions({ name: 'creators' });

  it('reads its keys from the context, in the order they were added', () => {
    const store = new InMemoryDynamicPartitionsStore();
    const ctx = { dynamicKeys: store.keys };
    assert.equal(creators.id, 'dynamic(name=creators)');
    assert.equal(creators.size(ctx), 0);
    store.add('creators', ['alice', 'bob']);
    store.add('creators', ['bob', 'carol']);
    assert.deepEqual(store.keys('creators'), ['alice', 'bob', 'carol']);
    assert.equal(creators.size(ctx), 3);
    assert.equal(creators.indexOf('carol', ctx), 2);
    assert.equal(creators.keyAt(0, ctx), 'alice');
    assert.deepEqual([...creators.keysOf(creators.all(ctx), ctx)], ['alice', 'bob', 'carol']);
  });

  it('moves later keys down when a key is removed', () => {
    const store = new InMemoryDynamicPartitionsStore({ creators: ['alice', 'bob', 'carol'] });
    const ctx = { dynamicKeys: store.keys };
    store.remove('creators', ['bob', 'nobody']);
    assert.deepEqual(store.keys('creators'), ['alice', 'carol']);
    assert.equal(creators.indexOf('carol', ctx), 1);
    assert.equal(creators.isValidKey('bob', ctx), false);
    store.add('creators', ['bob']);
    assert.equal(creators.indexOf('bob', ctx), 2);
  });

  it('keeps names apart and hands out frozen arrays', () => {
    const store = new InMemoryDynamicPartitionsStore({ creators: ['alice'], hashtags: ['fyp'] });
    assert.deepEqual(store.keys('hashtags'), ['fyp']);
    assert.deepEqual(store.keys('unknown'), []);
    assert.ok(Object.isFrozen(store.keys('creators')));
    assert.equal(store.keys('creators'), store.keys('creators'));
  });

  it('explains unknown keys and a missing store', () => {
    const store = new InMemoryDynamicPartitionsStore({ creators: ['alice', 'bob'] });
    assert.throws(() => creators.indexOf('zoe', { dynamicKeys: store.keys }), {
      code: 'QUARRY_BAD_PARTITION_KEY',
      message:
        'Partition key "zoe" is not a key of dynamic(name=creators): expected one of the 2 current keys ("alice", "bob"); add it with DynamicPartitionsStore.add("creators", ["zoe"]).',
    });
    assert.throws(() => creators.size(), {
      code: 'QUARRY_NO_DYNAMIC_PARTITIONS',
      message: 'Dynamic partitions "creators" need their current keys: pass a context with dynamicKeys, e.g. { dynamicKeys: store.keys } for a DynamicPartitionsStore.',
    });
  });

  it('validates names and keys', () => {
    assert.throws(() => dynamicPartitions({ name: '' }), { code: 'QUARRY_BAD_PARTITIONS_DEFINITION' });
    const store = new InMemoryDynamicPartitionsStore();
    assert.throws(() => store.add('creators', ['a|b']), { code: 'QUARRY_BAD_PARTITIONS_DEFINITION' });
    assert.throws(() => store.add('creators', ['']), { code: 'QUARRY_BAD_PARTITIONS_DEFINITION' });
  });
});
