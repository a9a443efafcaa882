import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryDynamicPartitionsStore } from '../dynamic-partitions-store.ts';
import { dynamicPartitions } from '../dynamic-partitions.ts';
import { multiPartitions } from '../multi-partitions.ts';
import type { PartitionsContext, PartitionsDefinition } from '../partitions-definition.ts';
import { staticPartitions } from '../static-partitions.ts';
import { dailyPartitions, hourlyPartitions, monthlyPartitions, weeklyPartitions } from '../time-window-partitions.ts';
import { customMapping } from './custom-mapping.ts';
import { identityMapping } from './identity-mapping.ts';
import { multiPartitionMapping } from './multi-partition-mapping.ts';
import { multiToSingleMapping } from './multi-to-single-mapping.ts';
import type { PartitionMapping } from './partition-mapping.ts';
import { specificPartitionsMapping } from './specific-partitions-mapping.ts';
import { staticMapping } from './static-mapping.ts';
import { timeWindowMapping } from './time-window-mapping.ts';

// Every mapping that can need upstream partitions that do not exist reports them, as timeWindowMapping
// does, so the planner blocks those downstream partitions (issue 11, point 7).

const now = new Date('2026-02-01T00:00:00Z');
const store = new InMemoryDynamicPartitionsStore({ merchants: ['m1', 'm3'], shops: ['m1', 'm2', 'm3'] });
const ctx: PartitionsContext = { now, dynamicKeys: store.keys };
const merchants = dynamicPartitions({ name: 'merchants' });
const shops = dynamicPartitions({ name: 'shops' });
const regions = staticPartitions(['eu', 'us']);
const days = dailyPartitions({ start: '2026-01-01' });
const laterDays = dailyPartitions({ start: '2026-01-05' });

/** What a mapping reports for downstream `keys`: the downstream keys needing missing upstream ones, and those upstream ranges. */
function report(mapping: PartitionMapping, keys: readonly string[] | 'all', down: PartitionsDefinition, up: PartitionsDefinition) {
  assert.ok(mapping.nonexistentUpstreamFor, `${mapping.kind} reports nonexistent upstream partitions`);
  const subset = keys === 'all' ? down.all(ctx) : down.subsetOfKeys(keys, ctx);
  const gap = mapping.nonexistentUpstreamFor(subset, down, up, ctx);
  return { downstream: [...down.keysOf(gap.downstream, ctx)], ranges: gap.ranges.map((r) => ({ ...r })) };
}

const janDays = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `2026-01-${String(from + i).padStart(2, '0')}`);

describe('nonexistent upstream partitions, every mapping', () => {
  it('identity between time windows with different starts: days before the upstream start', () => {
    const gap = report(identityMapping(), janDays(1, 10), days, laterDays);
    assert.deepEqual(gap, { downstream: janDays(1, 4), ranges: [{ from: '2026-01-01', to: '2026-01-04', count: 4 }] });
    assert.equal(identityMapping().allowNonexistentUpstream, false);
    assert.equal(identityMapping({ allowNonexistentUpstream: true }).allowNonexistentUpstream, true);
    assert.equal(identityMapping({ allowNonexistentUpstream: true }).id, 'identity');
    // The same definition on both sides needs nothing missing.
    assert.deepEqual(report(identityMapping(), 'all', days, days), { downstream: [], ranges: [] });
  });

  it('identity between time windows of different grains: no downstream key is an upstream key', () => {
    const hours = hourlyPartitions({ start: '2026-01-01-00:00' });
    const gap = report(identityMapping(), ['2026-01-02', '2026-01-03'], days, hours);
    assert.deepEqual(gap.downstream, ['2026-01-02', '2026-01-03']);
    assert.deepEqual(gap.ranges.map((r) => r.from), ['2026-01-02', '2026-01-03']);
  });

  it('identity between dynamic partitions: keys not added upstream yet', () => {
    assert.deepEqual(report(identityMapping(), 'all', shops, merchants), { downstream: ['m2'], ranges: [{ from: 'm2', to: 'm2', count: 1 }] });
    assert.deepEqual(report(identityMapping(), ['m1', 'm3'], shops, merchants), { downstream: [], ranges: [] });
  });

  it('staticMapping from dynamic upstream keys that do not exist yet', () => {
    const m = staticMapping({ m1: 'eu', m9: 'eu', m3: 'us' });
    assert.deepEqual(report(m, 'all', regions, merchants), { downstream: ['eu'], ranges: [{ from: 'm9', to: 'm9', count: 1 }] });
    assert.deepEqual(report(m, ['us'], regions, merchants), { downstream: [], ranges: [] });
    assert.deepEqual([...merchants.keysOf(m.upstreamFor(regions.subsetOfKeys(['eu']), regions, merchants, ctx), ctx)], ['m1']);
    assert.equal(m.allowNonexistentUpstream, false);
    assert.equal(staticMapping({ m1: 'eu' }, { allowNonexistentUpstream: true }).allowNonexistentUpstream, true);
  });

  it('staticMapping from a time-window upstream naming a day not reached yet', () => {
    const m = staticMapping({ '2026-01-31': 'eu', '2026-03-01': 'us' });
    assert.deepEqual(report(m, 'all', regions, days), { downstream: ['us'], ranges: [{ from: '2026-03-01', to: '2026-03-01', count: 1 }] });
  });

  it('specificPartitionsMapping (a fixed set): every downstream partition needs the missing key', () => {
    const m = specificPartitionsMapping(['m1', 'm9']);
    assert.deepEqual(report(m, 'all', regions, merchants), { downstream: ['eu', 'us'], ranges: [{ from: 'm9', to: 'm9', count: 1 }] });
    // It reads the keys that exist instead of failing on the missing one.
    assert.deepEqual([...merchants.keysOf(m.upstreamFor(regions.all(ctx), regions, merchants, ctx), ctx)], ['m1']);
    assert.equal(specificPartitionsMapping(['m1'], { allowNonexistentUpstream: true }).allowNonexistentUpstream, true);
  });

  it('multiPartitionMapping: per dimension, named by dimension', () => {
    const regionDay = multiPartitions({ region: regions, date: days });
    const regionWeek = multiPartitions({ region: regions, date: weeklyPartitions({ start: '2026-01-01' }) });
    const twoWeeks = multiPartitionMapping({ date: timeWindowMapping({ startOffset: -1 }) });
    const first = regionWeek.keyAt(0, ctx); // eu|<first week>
    const gap = report(twoWeeks, [first, regionWeek.keyAt(1, ctx)], regionWeek, regionDay);
    assert.deepEqual(gap.downstream, [first]);
    assert.equal(gap.ranges.length, 1);
    assert.match(gap.ranges[0]!.from, /^date=2025-12-/);
    assert.equal(gap.ranges[0]!.to, 'date=2025-12-31');
    // Default per-dimension mapping between dates with different starts; a dimension that allows it does not report.
    const regionLaterDay = multiPartitions({ region: regions, date: laterDays });
    assert.deepEqual(report(multiPartitionMapping({}), ['eu|2026-01-04', 'us|2026-01-05'], regionDay, regionLaterDay), {
      downstream: ['eu|2026-01-04'],
      ranges: [{ from: 'date=2026-01-04', to: 'date=2026-01-04', count: 1 }],
    });
    const allowing = multiPartitionMapping({ date: timeWindowMapping({ allowNonexistentUpstream: true }) });
    assert.deepEqual(report(allowing, ['eu|2026-01-04'], regionDay, regionLaterDay), { downstream: [], ranges: [] });
  });

  it('multiToSingleMapping in both directions', () => {
    const regionDay = multiPartitions({ region: regions, date: days });
    // Multi downstream, single upstream starting later: every region of the early days.
    const down = report(multiToSingleMapping({ dimension: 'date' }), 'all', regionDay, laterDays);
    assert.deepEqual(down.downstream, janDays(1, 4).flatMap((d) => [`eu|${d}`, `us|${d}`]).sort((a, b) => regionDay.indexOf(a, ctx) - regionDay.indexOf(b, ctx)));
    assert.deepEqual(down.ranges, [{ from: '2026-01-01', to: '2026-01-04', count: 4 }]);
    // Multi upstream starting later, single downstream: named by the dimension.
    const regionLaterDay = multiPartitions({ region: regions, date: laterDays });
    const up = report(multiToSingleMapping({ dimension: 'date' }), janDays(3, 6), days, regionLaterDay);
    assert.deepEqual(up, { downstream: janDays(3, 4), ranges: [{ from: 'date=2026-01-03', to: 'date=2026-01-04', count: 2 }] });
    assert.equal(multiToSingleMapping({ dimension: 'date', dimensionMapping: identityMapping({ allowNonexistentUpstream: true }) }).allowNonexistentUpstream, true);
  });

  it('customMapping: keys the function returns that the upstream lacks are reported, not an error', () => {
    const months = monthlyPartitions({ start: '2026-01-01', format: 'yyyy-MM' });
    const nextMonth = customMapping({
      id: 'next-month@1',
      upstreamFor: (dayKeys) => dayKeys.map((d) => (d.slice(0, 7) === '2026-01' ? '2026-02' : '2026-03')),
      downstreamFor: () => [],
    });
    const jan31 = days.subsetOfKeys(['2026-01-31'], ctx);
    // 2026-02 is not complete on 2026-02-01, so it does not exist yet.
    assert.ok(nextMonth.upstreamFor(jan31, days, months, ctx).isEmpty);
    assert.deepEqual(report(nextMonth, ['2026-01-30', '2026-01-31'], days, months), { downstream: ['2026-01-30', '2026-01-31'], ranges: [{ from: '2026-02', to: '2026-02', count: 1 }] });
    const sameMonth = customMapping({ id: 'same-month@1', upstreamFor: (d) => d.map((k) => k.slice(0, 7)), downstreamFor: () => [], allowNonexistentUpstream: true });
    assert.equal(sameMonth.allowNonexistentUpstream, true);
    assert.deepEqual(report(sameMonth, ['2026-01-31'], days, months), { downstream: [], ranges: [] });
  });
});
