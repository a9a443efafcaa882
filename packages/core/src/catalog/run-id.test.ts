import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRunId } from './run-id.ts';

test('createRunId: r_<UTC second>_<6 hex>, sortable by time and unique', () => {
  assert.match(createRunId(new Date('2026-01-15T10:15:00.789Z')), /^r_20260115T101500_[0-9a-f]{6}$/);
  const earlier = createRunId(new Date('2026-01-15T10:15:00Z'));
  const later = createRunId(new Date('2026-01-15T10:15:01Z'));
  assert.ok(earlier < later);
  const ids = new Set(Array.from({ length: 1000 }, () => createRunId(new Date('2026-01-15T10:15:00Z'))));
  assert.ok(ids.size > 990, 'random suffixes rarely collide (the catalog retries on a collision)');
});
