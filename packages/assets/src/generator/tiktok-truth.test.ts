import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GeneratorError } from './generator-error.ts';
import { TikTokTruth } from './tiktok-truth.ts';

describe('TikTokTruth', () => {
  const truth = new TikTokTruth({ creators: 1000, days: 10, start: '2024-12-28', seed: 5, defectRate: 0.05 });

  it('answers nothing for creators that do not exist yet or never exist', () => {
    const late = truth.creatorsCreatedMidRange(1000).at(-1) as string;
    assert.equal(truth.followersAt(late, '2024-12-28'), undefined);
    assert.equal(typeof truth.followersAt(late, '2025-01-06'), 'number');
    assert.equal(truth.followersAt('c_100000000', '2025-01-06'), undefined);
    assert.equal(truth.followersAt('nobody', '2025-01-06'), undefined);
    assert.equal(truth.creatorStateAt('c_9', '2025-01-06'), undefined, 'ids are zero-padded');
  });

  it('rejects days outside the range, naming them', () => {
    assert.throws(() => truth.followersAt('c_000001', '2025-01-07'), (e: unknown) => e instanceof GeneratorError && /"2025-01-07"/.test(e.message) && /2024-12-28\.\.2025-01-06/.test(e.message));
    assert.throws(() => truth.creatorsChangedOn('2024-13-01'), GeneratorError);
  });

  it('agrees with a longer range on the days both cover', () => {
    const longer = new TikTokTruth({ creators: 1000, days: 12, start: '2024-12-28', seed: 5, defectRate: 0.05 });
    for (const id of truth.creatorsChangedSeveralTimes({ limit: 50 })) {
      assert.deepEqual(longer.creatorStateAt(id, '2025-01-06'), truth.creatorStateAt(id, '2025-01-06'));
    }
    assert.deepEqual(longer.defectsOn('2025-01-03'), truth.defectsOn('2025-01-03'));
    assert.deepEqual(longer.priorityCreators(), truth.priorityCreators());
  });

  it('keeps invalid rows out of the state', () => {
    const invalid = truth.creatorsWithDefectiveRows({ kinds: ['negative_followers', 'malformed_timestamp', 'future_timestamp', 'missing_required'], limit: 20 });
    assert.ok(invalid.length > 0, 'some invalid rows');
    for (const { creatorId, day } of invalid) {
      const d = truth.dayIndex(day);
      const before = truth.creatorStateAt(creatorId, truth.days[d - 1] as string);
      assert.deepEqual(truth.creatorStateAt(creatorId, day), before, `${creatorId} unchanged by its invalid row on ${day}`);
    }
  });

  it('samples creators for tests', () => {
    const several = truth.creatorsChangedSeveralTimes({ minChanges: 3, limit: 5 });
    assert.equal(several.length, 5);
    for (const id of several) {
      const changes = truth.days.slice(1).filter((day) => truth.creatorsChangedOn(day).includes(id)).length;
      assert.ok(changes >= 3, `${id} changed ${changes} times`);
    }
    const created = truth.creatorsCreatedMidRange(3);
    assert.equal(created.length, 3);
    assert.ok(created.every((id) => id >= 'c_001000'), 'created after the initial load');
    assert.equal(truth.priorityCreators().length, 10);
    const spikes = truth.followerSpikes();
    for (const s of spikes) assert.equal(truth.followersAt(s.creatorId, s.day), s.to);
  });
});
