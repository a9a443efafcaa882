import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { multiPartitions } from '../multi-partitions.ts';
import { PartitionSubset } from '../partition-subset.ts';
import { staticPartitions } from '../static-partitions.ts';
import { dailyPartitions, weeklyPartitions } from '../time-window-partitions.ts';
import { identityMapping } from './identity-mapping.ts';
import { multiToSingleMapping } from './multi-to-single-mapping.ts';

describe('multiToSingleMapping', () => {
  const ctx = { now: new Date('2026-01-11T00:00:00Z') };
  const days = dailyPartitions({ start: '2026-01-01' });
  const genres = staticPartitions(['music', 'sports', 'comedy']);
  const dateGenre = multiPartitions({ date: days, genre: genres });
  const byDate = multiToSingleMapping({ dimension: 'date' });
  const byGenre = multiToSingleMapping({ dimension: 'genre' });

  it('has an id naming the dimension', () => {
    assert.equal(byDate.id, 'multi-to-single(dimension=date)');
    assert.equal(multiToSingleMapping({ dimension: 'date', dimensionMapping: identityMapping() }).id, 'multi-to-single(dimension=date,mapping=identity)');
  });

  it('maps a single downstream partition to every upstream partition with its dimension key', () => {
    const up = byDate.upstreamFor(days.range('2026-01-02', '2026-01-03', ctx), days, dateGenre, ctx);
    assert.deepEqual(up.toJSON(), [3, 9]);
    assert.deepEqual([...dateGenre.keysOf(up, ctx)].slice(0, 3), ['2026-01-02|music', '2026-01-02|sports', '2026-01-02|comedy']);
    const sports = byGenre.upstreamFor(genres.subsetOfKeys(['sports']), genres, dateGenre, ctx);
    assert.equal(sports.count, 10);
    assert.ok([...dateGenre.keysOf(sports, ctx)].every((k) => k.endsWith('|sports')));
  });

  it('maps multi upstream partitions to the single partitions of their dimension keys', () => {
    const up = dateGenre.subsetOfKeys(['2026-01-02|comedy', '2026-01-05|music', '2026-01-05|sports'], ctx);
    assert.deepEqual([...days.keysOf(byDate.downstreamFor(up, dateGenre, days, ctx), ctx)], ['2026-01-02', '2026-01-05']);
    assert.deepEqual([...genres.keysOf(byGenre.downstreamFor(up, dateGenre, genres, ctx))], ['music', 'sports', 'comedy']);
  });

  it('maps a single upstream to a multi downstream, both directions', () => {
    const down = dateGenre.subsetOfKeys(['2026-01-04|music', '2026-01-07|comedy'], ctx);
    assert.deepEqual([...days.keysOf(byDate.upstreamFor(down, dateGenre, days, ctx), ctx)], ['2026-01-04', '2026-01-07']);
    const affected = byDate.downstreamFor(days.range('2026-01-04', '2026-01-04', ctx), days, dateGenre, ctx);
    assert.deepEqual([...dateGenre.keysOf(affected, ctx)], ['2026-01-04|music', '2026-01-04|sports', '2026-01-04|comedy']);
  });

  it('converts grains between the dimension and the single side', () => {
    const weeks = weeklyPartitions({ start: '2026-01-01' });
    const c = { now: new Date('2026-02-01T00:00:00Z') };
    const up = byDate.upstreamFor(weeks.range('2026-01-04', '2026-01-04', c), weeks, dateGenre, c);
    assert.equal(up.count, 7 * 3);
    assert.deepEqual([...dateGenre.keysOf(up, c)][0], '2026-01-04|music');
  });

  it('needs exactly one multi-dimensional side with the dimension', () => {
    assert.throws(() => byDate.upstreamFor(PartitionSubset.fromRange(0, 1), days, days, ctx), {
      code: 'QUARRY_BAD_PARTITION_MAPPING',
      message: `multiToSingleMapping({ dimension: "date" }) cannot map ${days.id} (upstream) to ${days.id} (downstream): it needs multi-dimensional partitions on exactly one side and partitions on the other.`,
    });
    assert.throws(() => multiToSingleMapping({ dimension: 'hour' }).upstreamFor(PartitionSubset.fromRange(0, 1), days, dateGenre, ctx), {
      code: 'QUARRY_BAD_PARTITION_MAPPING',
    });
  });
});
