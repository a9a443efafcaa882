import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BlockedStep } from '@quarry/core';
import { summarizeBlocked } from './blocked-summary.ts';

const hour = (i: number) => `2026-01-${String(1 + Math.floor(i / 24)).padStart(2, '0')}-${String(i % 24).padStart(2, '0')}:00`;

describe('summarizeBlocked', () => {
  it('groups thousands of blocked partitions per asset and cause, with counts, first keys and reasons', () => {
    const blocked: BlockedStep[] = [];
    for (let i = 0; i < 5000; i++) {
      blocked.push({
        id: `marts/h[${hour(i)}]`,
        assetKey: 'marts/h',
        partitionKeys: [hour(i)],
        reason: { cause: 'upstream_nonexistent', detail: `requires upstream partitions that do not exist: raw/x ${hour(i)}` },
        nonexistentUpstream: [{ asset: 'raw/x', from: hour(i), to: hour(i), count: 1 }],
      });
      blocked.push({
        id: `marts/r[${hour(i)}]`,
        assetKey: 'marts/r',
        partitionKeys: [hour(i)],
        reason: { cause: 'upstream_blocked', upstream: { asset: 'marts/h', partition: hour(i) }, detail: `reads marts/h [${hour(i)}], which is blocked` },
        nonexistentUpstream: [],
      });
    }
    const summary = summarizeBlocked(blocked);
    assert.equal(summary.partitionCount, 10000);
    assert.deepEqual(summary.groups.map((g) => [g.assetKey, g.cause, g.partitionCount, g.firstKey, g.lastKey, g.keys.length]), [
      ['marts/h', 'upstream_nonexistent', 5000, '2026-01-01-00:00', hour(4999), 20],
      ['marts/r', 'upstream_blocked', 5000, '2026-01-01-00:00', hour(4999), 20],
    ]);
    const [h, r] = summary.groups;
    assert.equal(h!.nonexistentUpstream.length, 10);
    assert.equal(h!.nonexistentRanges, 5000);
    assert.equal(h!.detail, 'requires upstream partitions that do not exist: raw/x 2026-01-01-00:00');
    assert.deepEqual(r!.upstream, { asset: 'marts/h', partition: '2026-01-01-00:00' });
    assert.ok(JSON.stringify(summary).length < 5000, 'the summary stays small');
  });

  it('is empty without blocked partitions', () => {
    assert.deepEqual(summarizeBlocked(undefined), { partitionCount: 0, groups: [] });
    assert.deepEqual(summarizeBlocked([]), { partitionCount: 0, groups: [] });
  });
});
