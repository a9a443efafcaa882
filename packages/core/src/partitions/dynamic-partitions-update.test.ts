import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryDynamicPartitionsStore } from './dynamic-partitions-store.ts';
import { dynamicPartitionsNames, updateDynamicPartitions } from './dynamic-partitions-update.ts';
import { dynamicPartitions } from './dynamic-partitions.ts';
import { multiPartitions } from './multi-partitions.ts';
import { staticPartitions } from './static-partitions.ts';

describe('updateDynamicPartitions', () => {
  it('adds new keys, reports present ones, removes, and returns the keys now', () => {
    const store = new InMemoryDynamicPartitionsStore({ shops: ['north', 'south'] });
    assert.deepEqual(updateDynamicPartitions(store, 'shops', { add: ['east', 'north'], remove: ['south'] }), {
      name: 'shops',
      added: ['east'],
      alreadyPresent: ['north'],
      removed: ['south'],
      keys: ['north', 'east'],
    });
  });

  it('rejects a bad key by name and changes nothing', () => {
    const store = new InMemoryDynamicPartitionsStore({ shops: ['north'] });
    const cases: [Parameters<typeof updateDynamicPartitions>[2], RegExp][] = [
      [{ add: ['ok', ''] }, /^An empty key cannot be added to dynamic partitions "shops"/],
      [{ add: ['a', 'b', 'a'] }, /^The key "a" is given twice to add/],
      [{ add: ['new\nline'] }, /^The key "new\\nline" .* control character/],
      [{ add: ['zero\u200bwidth', 'del\u007f'] }, /^The key "del\\u007f" .* control character/],
      [{ add: ['x|y'] }, /^The key "x\|y" .* contains "\|"/],
      [{ add: ['k'.repeat(201)] }, /is 201 characters long: keys may have at most 200/],
      [{ add: [42 as unknown as string] }, /^The key 42 to add .* is not a string/],
      [{ remove: ['north', 'gone'] }, /^Cannot remove "gone" from dynamic partitions "shops": it is not among its 1 current keys \("north"\)\. Nothing was changed\.$/],
      [{ add: ['west'], remove: ['west'] }, /"west" is both added to and removed from/],
    ];
    for (const [change, message] of cases) {
      assert.throws(() => updateDynamicPartitions(store, 'shops', change), { code: 'QUARRY_BAD_PARTITION_KEY', message }, JSON.stringify(change));
    }
    assert.throws(() => updateDynamicPartitions(store, 'shops', {}), { code: 'QUARRY_BAD_ARGUMENT' });
    assert.deepEqual(store.keys('shops'), ['north']);
    assert.equal(updateDynamicPartitions(store, 'shops', { add: ['k'.repeat(200)] }).added.length, 1, '200 characters are allowed');
  });
});

describe('dynamicPartitionsNames', () => {
  it('finds dynamic partitions, also as a dimension of multi partitions', () => {
    const shops = dynamicPartitions({ name: 'shops' });
    const regions = staticPartitions(['eu', 'us']);
    const names = dynamicPartitionsNames([shops, undefined, multiPartitions({ shop: shops, region: regions }), regions, dynamicPartitions({ name: 'tags' })]);
    assert.deepEqual([...names], [['shops', [0, 2]], ['tags', [4]]]);
  });
});
