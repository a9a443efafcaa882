import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InMemoryDynamicPartitionsStore } from './dynamic-partitions-store.ts';
import { dynamicPartitions } from './dynamic-partitions.ts';
import { multiPartitions } from './multi-partitions.ts';
import { PartitionSubset } from './partition-subset.ts';
import { staticPartitions } from './static-partitions.ts';
import { dailyPartitions } from './time-window-partitions.ts';

const ctx = { now: new Date('2026-01-11T00:00:00Z') };
const days = dailyPartitions({ start: '2026-01-01' });
const genres = staticPartitions(['music', 'sports']);
const dateGenre = multiPartitions({ date: days, genre: genres });

describe('multiPartitions', () => {
  it('joins dimension keys with | and indexes row-major, first dimension most significant', () => {
    assert.equal(dateGenre.kind, 'multi');
    assert.equal(dateGenre.id, `multi(date=${days.id},genre=${genres.id})`);
    assert.equal(dateGenre.size(ctx), 20);
    assert.equal(dateGenre.keyAt(0, ctx), '2026-01-01|music');
    assert.equal(dateGenre.keyAt(1, ctx), '2026-01-01|sports');
    assert.equal(dateGenre.keyAt(3, ctx), '2026-01-02|sports');
    assert.equal(dateGenre.indexOf('2026-01-15|music', { now: new Date('2026-02-01') }), 28);
    assert.deepEqual(dateGenre.dimensions.map((d) => d.name), ['date', 'genre']);
    assert.equal(dateGenre.dimension('genre'), genres);
  });

  it('splits and joins keys', () => {
    assert.deepEqual(dateGenre.splitKey('2026-01-15|music'), { date: '2026-01-15', genre: 'music' });
    assert.equal(dateGenre.joinKey({ date: '2026-01-15', genre: 'music' }), '2026-01-15|music');
    assert.equal(dateGenre.joinKey(['2026-01-15', 'music']), '2026-01-15|music');
    assert.throws(() => dateGenre.splitKey('2026-01-15'), { code: 'QUARRY_BAD_PARTITION_KEY' });
    assert.throws(() => dateGenre.joinKey(['a']), { code: 'QUARRY_BAD_PARTITION_KEY' });
  });

  it('supports three dimensions', () => {
    const regions = staticPartitions(['eu', 'us', 'apac']);
    const three = multiPartitions({ date: days, genre: genres, region: regions });
    assert.equal(three.size(ctx), 60);
    assert.equal(three.indexOf('2026-01-02|sports|apac', ctx), 1 * 6 + 1 * 3 + 2);
    for (let i = 0; i < three.size(ctx); i++) assert.equal(three.indexOf(three.keyAt(i, ctx), ctx), i);
  });

  it('explains bad keys by dimension', () => {
    assert.throws(() => dateGenre.indexOf('2026-01-02|jazz', ctx), {
      code: 'QUARRY_BAD_PARTITION_KEY',
      message:
        `Partition key "2026-01-02|jazz" is not a key of ${dateGenre.id}: its genre part is bad. ` +
        'Partition key "jazz" is not a key of static(["music","sports"]): expected one of "music", "sports".',
    });
    assert.throws(() => dateGenre.indexOf('music|2026-01-02|x', ctx), {
      message: `Partition key "music|2026-01-02|x" is not a key of ${dateGenre.id}: expected <date>|<genre>, e.g. "2026-01-01|music".`,
    });
    assert.equal(dateGenre.isValidKey('2026-01-11|music', ctx), false);
  });

  it('works with dynamic dimensions', () => {
    const store = new InMemoryDynamicPartitionsStore({ creators: ['alice', 'bob', 'carol'] });
    const c = { ...ctx, dynamicKeys: store.keys };
    const creatorDay = multiPartitions({ creator: dynamicPartitions({ name: 'creators' }), date: days });
    assert.equal(creatorDay.size(c), 30);
    assert.equal(creatorDay.indexOf('bob|2026-01-03', c), 12);
    store.add('creators', ['dave']);
    assert.equal(creatorDay.keyAt(39, c), 'dave|2026-01-10');
  });

  it('projects and expands subsets along a dimension', () => {
    const sportsOnly = dateGenre.expandSubset(PartitionSubset.fromIndices([1]), 'genre', ctx);
    assert.equal(sportsOnly.count, 10);
    assert.ok([...dateGenre.keysOf(sportsOnly, ctx)].every((k) => k.endsWith('|sports')));
    const firstDays = dateGenre.expandSubset(PartitionSubset.fromRange(0, 3), 'date', ctx);
    assert.deepEqual(firstDays.toJSON(), [0, 6]);
    assert.deepEqual(dateGenre.projectSubset(PartitionSubset.fromIndices([3, 4]), 'date', ctx).toJSON(), [1, 3]);
    assert.deepEqual(dateGenre.projectSubset(PartitionSubset.fromIndices([3, 5]), 'genre', ctx).toJSON(), [1, 2]);
    assert.deepEqual(dateGenre.projectSubset(PartitionSubset.fromRange(1, 3), 'genre', ctx).toJSON(), [0, 2]);
    assert.throws(() => dateGenre.projectSubset(PartitionSubset.empty(), 'hour' as 'date', ctx), {
      code: 'QUARRY_BAD_ARGUMENT',
      message: `Dimension "hour" is not a dimension of ${dateGenre.id}: use one of "date", "genre".`,
    });
  });

  it('projects and expands like a brute-force key oracle', () => {
    const regions = staticPartitions(['eu', 'us', 'apac']);
    const three = multiPartitions({ date: days, genre: genres, region: regions });
    const size = three.size(ctx);
    const names = ['date', 'genre', 'region'] as const;
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: 25 }), fc.constantFrom(0, 1, 2), (indices, d) => {
        const subset = PartitionSubset.fromIndices(indices);
        const dim = three.dimensions[d]!.definition;
        const projected = new Set(indices.map((i) => dim.indexOf(three.keyAt(i, ctx).split('|')[d]!, ctx)));
        assert.deepEqual([...three.projectSubset(subset, names[d], ctx).indices()], [...projected].sort((a, b) => a - b));
        const dimSubset = PartitionSubset.fromIndices([...projected]);
        const expanded: number[] = [];
        for (let i = 0; i < size; i++) if (projected.has(dim.indexOf(three.keyAt(i, ctx).split('|')[d]!, ctx))) expanded.push(i);
        assert.deepEqual([...three.expandSubset(dimSubset, names[d], ctx).indices()], expanded);
      }),
      { numRuns: 200 },
    );
  });

  it('validates its dimensions', () => {
    assert.throws(() => multiPartitions({ date: days }), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
      message: 'multiPartitions needs at least two dimensions, got 1: with one, use its definition directly.',
    });
    assert.throws(() => multiPartitions({ a: dateGenre, b: genres }), { code: 'QUARRY_BAD_PARTITIONS_DEFINITION' });
    assert.throws(() => multiPartitions({ 'bad name': days, b: genres }), { code: 'QUARRY_BAD_PARTITIONS_DEFINITION' });
    assert.throws(() => multiPartitions({ a: dailyPartitions({ start: '2026-01-01', format: 'yyyy|MM|dd' }), b: genres }), {
      code: 'QUARRY_BAD_PARTITIONS_DEFINITION',
    });
  });
});
