import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryDynamicPartitionsStore } from './dynamic-partitions-store.ts';
import { PartitionSubset } from './partition-subset.ts';
import { staticPartitions } from './static-partitions.ts';

describe('staticPartitions', () => {
  const genres = staticPartitions(['music', 'sports', 'comedy']);

  it('indexes keys in declaration order', () => {
    assert.equal(genres.kind, 'static');
    assert.equal(genres.id, 'static(["music","sports","comedy"])');
    assert.equal(genres.size(), 3);
    assert.equal(genres.indexOf('comedy'), 2);
    assert.equal(genres.keyAt(1), 'sports');
    assert.deepEqual([...genres.keysOf(genres.all())], ['music', 'sports', 'comedy']);
    assert.deepEqual(genres.range('sports', 'comedy').toJSON(), [1, 3]);
    assert.deepEqual(genres.subsetOfKeys(['comedy', 'music']).toJSON(), [0, 1, 2, 3]);
    assert.ok(Object.isFrozen(genres.keys));
  });

  it('rejects unknown keys with the valid ones', () => {
    assert.throws(() => genres.indexOf('jazz'), {
      code: 'QUARRY_BAD_PARTITION_KEY',
      message: 'Partition key "jazz" is not a key of static(["music","sports","comedy"]): expected one of "music", "sports", "comedy".',
    });
    assert.equal(genres.isValidKey('Music'), false);
    const many = staticPartitions(Array.from({ length: 25 }, (_, i) => `k${i}`));
    assert.throws(() => many.indexOf('x'), {
      message: new RegExp('expected one of "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", … \\(25 keys\\)\\.$'),
    });
  });

  it('rejects reversed ranges and subsets past the end', () => {
    assert.throws(() => genres.range('comedy', 'music'), { code: 'QUARRY_BAD_PARTITION_RANGE' });
    assert.throws(() => genres.keysOf(PartitionSubset.fromRange(2, 4)), {
      code: 'QUARRY_BAD_SUBSET',
      message: 'Partition subset PartitionSubset{[2,4)} reaches index 3, past the end of static(["music","sports","comedy"]), which has 3 partitions.',
    });
  });

  it('validates its keys', () => {
    assert.throws(() => staticPartitions([]), { code: 'QUARRY_BAD_PARTITIONS_DEFINITION' });
    assert.throws(() => staticPartitions(['a', 'a']), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message: 'Static partitions list key "a" twice: each key must appear once.',
    });
    assert.throws(() => staticPartitions(['a|b']), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message: 'Partition key "a|b" of static partitions is not allowed: keys are non-empty strings without "|" ("|" joins the keys of multi-dimensional partitions).',
    });
    assert.throws(() => staticPartitions(['']), { code: 'QUARRY_BAD_PARTITIONS_DEFINITION' });
  });

  it('rejects keys with control characters, naming the character', () => {
    assert.throws(() => staticPartitions(['eu', 'us\n']), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message: 'Partition key "us\\n" of static partitions has a control character (U+000A): keys are printable text; remove it (a stray newline or tab from a file?).',
    });
    assert.throws(() => staticPartitions(['a\u0000b']), { message: /control character \(U\+0000\)/ });
    assert.throws(() => staticPartitions(['tab\there']), { message: /control character \(U\+0009\)/ });
    assert.throws(() => new InMemoryDynamicPartitionsStore().add('creators', ['alice', 'bob\r']), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message: 'Partition key "bob\\r" of dynamic partitions "creators" has a control character (U+000D): keys are printable text; remove it (a stray newline or tab from a file?).',
    });
    assert.equal(staticPartitions(['été', 'naïve key']).size(), 2);
  });
});

