import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isQuarryError } from '../errors.ts';
import { PartitionSubset, PartitionSubsetBuilder } from './partition-subset.ts';

const UNIVERSE = 200;
const indexSet = fc.uniqueArray(fc.integer({ min: 0, max: UNIVERSE - 1 }), { maxLength: 120 });

function oracle(subset: PartitionSubset): number[] {
  return [...subset.indices()];
}

function sorted(values: Iterable<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The ranges are sorted, disjoint, non-adjacent and non-empty. */
function assertCanonical(subset: PartitionSubset): void {
  let previousEnd = -1;
  for (const [start, end] of subset.ranges()) {
    assert.ok(start < end, `empty range in ${subset}`);
    assert.ok(start > previousEnd, `overlapping or adjacent ranges in ${subset}`);
    previousEnd = end;
  }
}

describe('PartitionSubset', () => {
  it('stores indices as merged ranges', () => {
    const s = PartitionSubset.fromIndices([5, 1, 2, 3, 9, 2, 10]);
    assert.deepEqual([...s.ranges()], [[1, 4], [5, 6], [9, 11]]);
    assert.equal(s.count, 6);
    assert.equal(s.rangeCount, 3);
    assert.equal(s.first, 1);
    assert.equal(s.last, 10);
    assert.equal(s.toString(), 'PartitionSubset{[1,4) [5,6) [9,11)}');
  });

  it('normalizes overlapping, adjacent and unsorted ranges', () => {
    const s = PartitionSubset.fromRanges([[10, 12], [0, 3], [3, 5], [4, 8], [20, 20]]);
    assert.deepEqual(s.toJSON(), [0, 8, 10, 12]);
    assert.ok(PartitionSubset.fromRange(3, 3).isEmpty);
    assert.ok(PartitionSubset.fromRange(5, 2).isEmpty);
  });

  it('has an empty subset with no first or last', () => {
    const e = PartitionSubset.empty();
    assert.equal(e.count, 0);
    assert.ok(e.isEmpty);
    assert.equal(e.first, undefined);
    assert.equal(e.last, undefined);
    assert.deepEqual(e.toJSON(), []);
    assert.ok(e.equals(PartitionSubset.fromIndices([])));
  });

  it('complements within a size, dropping indices past it', () => {
    const s = PartitionSubset.fromRanges([[2, 4], [8, 20]]);
    assert.deepEqual(s.complement(10).toJSON(), [0, 2, 4, 8]);
    assert.deepEqual(PartitionSubset.empty().complement(3).toJSON(), [0, 3]);
    assert.ok(PartitionSubset.fromRange(0, 3).complement(3).isEmpty);
  });

  it('clamps and shifts', () => {
    const s = PartitionSubset.fromRanges([[0, 5], [10, 15]]);
    assert.deepEqual(s.clamp(3, 12).toJSON(), [3, 5, 10, 12]);
    assert.deepEqual(s.shift(-3).toJSON(), [0, 2, 7, 12]);
    assert.deepEqual(s.shift(2).toJSON(), [2, 7, 12, 17]);
  });

  it('serializes to flat range boundaries and back', () => {
    const s = PartitionSubset.fromRanges([[0, 31], [40, 59]]);
    assert.equal(JSON.stringify(s), '[0,31,40,59]');
    assert.ok(PartitionSubset.fromJSON(JSON.parse(JSON.stringify(s))).equals(s));
  });

  it('rejects malformed JSON and bad indices with QUARRY_BAD_SUBSET', () => {
    for (const bad of [{ ranges: [] }, [1], [3, 1], [0, 1.5], ['0', '1'], [-1, 2]]) {
      assert.throws(() => PartitionSubset.fromJSON(bad), (e) => isQuarryError(e, 'QUARRY_BAD_SUBSET'), JSON.stringify(bad));
    }
    assert.throws(() => PartitionSubset.fromJSON([3, 1]), {
      message: 'Partition subset JSON [3,1] has a bad range at position 0: expected integers start <= end.',
    });
    assert.throws(() => PartitionSubset.fromIndices([-1]), {
      message: 'Partition index -1 is not a non-negative integer: partition indices count from 0.',
    });
    assert.throws(() => PartitionSubset.fromRange(0, 2.5), (e) => isQuarryError(e, 'QUARRY_BAD_SUBSET'));
  });

  it('is immutable', () => {
    const s = PartitionSubset.fromRange(0, 3);
    assert.ok(Object.isFrozen(s));
    s.union(PartitionSubset.fromRange(5, 6));
    assert.deepEqual(s.toJSON(), [0, 3]);
  });

  it('builder accepts ranges in any order', () => {
    const b = new PartitionSubsetBuilder().add(10, 12).add(0, 2).add(2, 3).add(11, 15).add(7, 7);
    assert.deepEqual(b.build().toJSON(), [0, 3, 10, 15]);
    assert.deepEqual(new PartitionSubsetBuilder().addSubset(PartitionSubset.fromRange(1, 4)).add(4, 6).build().toJSON(), [1, 6]);
  });

  it('matches a Set<number> oracle on random inputs', () => {
    fc.assert(
      fc.property(indexSet, indexSet, fc.integer({ min: 0, max: UNIVERSE + 20 }), (xs, ys, size) => {
        const a = PartitionSubset.fromIndices(xs);
        const b = PartitionSubset.fromIndices(ys);
        const setA = new Set(xs);
        const setB = new Set(ys);
        for (const s of [a, b]) assertCanonical(s);
        assert.deepEqual(oracle(a), sorted(setA));
        assert.equal(a.count, setA.size);
        assert.equal(a.isEmpty, setA.size === 0);
        assert.equal(a.first, setA.size ? Math.min(...setA) : undefined);
        assert.equal(a.last, setA.size ? Math.max(...setA) : undefined);

        const union = a.union(b);
        const intersection = a.intersect(b);
        const difference = a.difference(b);
        const complement = a.complement(size);
        for (const s of [union, intersection, difference, complement]) assertCanonical(s);
        assert.deepEqual(oracle(union), sorted(new Set([...setA, ...setB])));
        assert.deepEqual(oracle(intersection), sorted(xs.filter((x) => setB.has(x))));
        assert.deepEqual(oracle(difference), sorted(xs.filter((x) => !setB.has(x))));
        const expectedComplement: number[] = [];
        for (let i = 0; i < size; i++) if (!setA.has(i)) expectedComplement.push(i);
        assert.deepEqual(oracle(complement), expectedComplement);
        assert.equal(union.count, new Set([...setA, ...setB]).size);

        for (let i = -1; i <= UNIVERSE; i++) assert.equal(a.has(i), setA.has(i), `has(${i})`);
        assert.ok(PartitionSubset.fromJSON(JSON.parse(JSON.stringify(a))).equals(a));
        assert.equal(a.equals(b), sorted(setA).join() === sorted(setB).join());
        assert.equal(intersection.isSubsetOf(a), true);
        assert.equal(a.isSubsetOf(b), xs.every((x) => setB.has(x)));
      }),
      { numRuns: 400 },
    );
  });

  it('matches the oracle for ranges given in any order', () => {
    const range = fc.tuple(fc.integer({ min: 0, max: UNIVERSE }), fc.integer({ min: 0, max: 30 })).map(([s, n]) => [s, s + n] as [number, number]);
    fc.assert(
      fc.property(fc.array(range, { maxLength: 30 }), (ranges) => {
        const s = PartitionSubset.fromRanges(ranges);
        assertCanonical(s);
        const expected = new Set<number>();
        for (const [a, b] of ranges) for (let i = a; i < b; i++) expected.add(i);
        assert.deepEqual(oracle(s), sorted(expected));
      }),
      { numRuns: 300 },
    );
  });

  it('handles a million indices with ten thousand holes as ranges', () => {
    const holes: number[] = [];
    for (let i = 0; i < 10_000; i++) holes.push(i * 100 + 37);
    const all = PartitionSubset.fromRange(0, 1_000_000);
    const holed = all.difference(PartitionSubset.fromIndices(holes));
    assert.equal(holed.count, 990_000);
    assert.equal(holed.rangeCount, 10_001);
    assert.equal(holed.union(PartitionSubset.fromIndices(holes)).rangeCount, 1);
    assert.equal(holed.complement(1_000_000).count, 10_000);
  });
});
