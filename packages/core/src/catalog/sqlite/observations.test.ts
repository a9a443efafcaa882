// Source observations in the SQLite catalog (issue 11, point 2): a new version takes a new catalog
// seq, the same version only moves its time, and the current observation is what staleness reads.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteCatalog } from './index.ts';

test('recordObservations: a changed version gets a new seq, an unchanged one keeps its seq and moves observedAt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-observations-'));
  let now = Date.UTC(2026, 0, 1);
  const catalog = openSqliteCatalog({ path: join(dir, 'catalog.sqlite'), now: () => new Date(now) });
  try {
    const [first] = catalog.recordObservations([{ assetKey: 'landing/prices', partitionKey: '2026-01-01', dataVersion: 'a' }]);
    assert.equal(first?.seq, 1);
    now += 1000;
    const [same] = catalog.recordObservations([{ assetKey: 'landing/prices', partitionKey: '2026-01-01', dataVersion: 'a' }]);
    assert.deepEqual([same?.seq, same?.firstObservedAt.getTime(), same?.observedAt.getTime()], [1, Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 1000]);
    now += 1000;
    const [changed, other] = catalog.recordObservations([
      { assetKey: 'landing/prices', partitionKey: '2026-01-01', dataVersion: 'b' },
      { assetKey: 'landing/prices', partitionKey: '2026-01-02', dataVersion: 'x' },
    ]);
    assert.deepEqual([changed?.seq, other?.seq], [2, 3]);
    assert.deepEqual(catalog.currentObservations('landing/prices').map((o) => [o.partitionKey, o.dataVersion, o.seq]), [['2026-01-01', 'b', 2], ['2026-01-02', 'x', 3]]);
    assert.deepEqual(catalog.currentObservations('landing/prices', ['2026-01-02']).map((o) => o.dataVersion), ['x']);
    assert.deepEqual(catalog.currentObservations('never/seen'), []);
    assert.throws(() => catalog.recordObservations([{ assetKey: 'landing/prices', partitionKey: '2026-01-01', dataVersion: '' }]), /observe must return a non-empty string/);
  } finally {
    catalog.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
