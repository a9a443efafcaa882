import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { multiPartitions } from '../multi-partitions.ts';
import { staticPartitions } from '../static-partitions.ts';
import { dailyPartitions, hourlyPartitions, weeklyPartitions } from '../time-window-partitions.ts';
import { defaultMapping } from './default-mapping.ts';

describe('defaultMapping', () => {
  const days = dailyPartitions({ start: '2026-01-01' });
  const hours = hourlyPartitions({ start: '2026-01-01' });
  const genres = staticPartitions(['music', 'sports']);
  const dateGenre = multiPartitions({ date: days, genre: genres });

  it('picks the mapping that fits the two definitions', () => {
    assert.equal(defaultMapping(days, dailyPartitions({ start: '2026-01-01' })).id, 'identity');
    assert.equal(defaultMapping(hours, days).id, 'time-window(startOffset=0,endOffset=0)');
    assert.equal(defaultMapping(days, weeklyPartitions({ start: '2026-01-01' })).id, 'time-window(startOffset=0,endOffset=0)');
    assert.equal(defaultMapping(undefined, days).id, 'all');
    assert.equal(defaultMapping(days, undefined).id, 'all');
    assert.equal(defaultMapping(undefined, undefined).id, 'all');
    assert.equal(defaultMapping(dateGenre, days).id, 'multi-to-single(dimension=date)');
    assert.equal(defaultMapping(genres, dateGenre).id, 'multi-to-single(dimension=genre)');
    assert.equal(defaultMapping(dateGenre, weeklyPartitions({ start: '2026-01-01' })).id, 'multi-to-single(dimension=date)');
  });

  it('asks for an explicit mapping otherwise', () => {
    const other = staticPartitions(['a', 'b']);
    assert.throws(() => defaultMapping(genres, other), {
      code: 'QUARRY_BAD_PARTITION_MAPPING',
      message:
        'No default partition mapping from static(["music","sports"]) (upstream) to static(["a","b"]) (downstream): ' +
        'pass an explicit mapping on the dependency (identityMapping, timeWindowMapping, staticMapping, multiToSingleMapping, allMapping, lastMapping or customMapping).',
    });
    assert.throws(() => defaultMapping(days, genres), { code: 'QUARRY_BAD_PARTITION_MAPPING' });
    assert.throws(() => defaultMapping(dateGenre, multiPartitions({ date: days, other })), { code: 'QUARRY_BAD_PARTITION_MAPPING' });
    assert.throws(() => defaultMapping(other, dateGenre), { code: 'QUARRY_BAD_PARTITION_MAPPING' });
  });
});
