import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reexecuteRequests } from './run-page.ts';
import { visibleWindow } from './virtual-list.ts';

test('re-executing failed steps asks for exactly their partitions: assets failed on the same keys share a request', () => {
  assert.deepEqual(
    reexecuteRequests([
      { assetKey: 'raw/a', partitionKeys: ['2026-01-02'] },
      { assetKey: 'raw/a', partitionKeys: ['2026-01-01'] },
      { assetKey: 'raw/b', partitionKeys: ['2026-01-01', '2026-01-02'] },
      { assetKey: 'marts/c', partitionKeys: ['2026-01-05'] },
      { assetKey: 'marts/all', partitionKeys: [''] },
    ]),
    [
      { selection: 'raw/a,raw/b', force: true, partitions: { keys: ['2026-01-01', '2026-01-02'] } },
      { selection: 'marts/c', force: true, partitions: { keys: ['2026-01-05'] } },
      { selection: 'marts/all', force: true },
    ],
  );
  assert.deepEqual(reexecuteRequests([]), []);
});

test('a virtual list draws the rows in view plus a margin, and reaches the last row', () => {
  assert.deepEqual(visibleWindow(400, 0, 320, 32, 2), { first: 0, last: 12 });
  assert.deepEqual(visibleWindow(400, 400 * 32 - 320, 320, 32, 2), { first: 388, last: 400 });
  assert.deepEqual(visibleWindow(400, 1_000_000, 320, 32, 2), { first: 400, last: 400 });
  assert.deepEqual(visibleWindow(0, 0, 320, 32), { first: 0, last: 0 });
});
