import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteCatalog } from './sqlite-catalog.ts';

test('schema versions are listed oldest first (the newest `limit`), and a schema equal to the latest is recorded once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-schema-versions-'));
  const catalog = openSqliteCatalog({ path: join(dir, 'catalog.sqlite') });
  try {
    const v1 = [{ name: 'id', type: 'INTEGER', nullable: true }];
    const v2 = [...v1, { name: 'email', type: 'VARCHAR', nullable: true }];
    const first = catalog.recordSchemaVersion({ assetKey: 'raw/users', materializationId: 1, partitionKey: '2026-01-01', runId: 'r1', columns: v1, changes: [] });
    const again = catalog.recordSchemaVersion({ assetKey: 'raw/users', materializationId: 2, partitionKey: '2026-01-02', runId: 'r2', columns: v1, changes: [] });
    assert.equal(again.id, first.id, 'a parallel step recording the same schema finds the first');
    assert.equal(again.runId, 'r1');
    catalog.recordSchemaVersion({ assetKey: 'raw/users', materializationId: 3, partitionKey: '2026-01-03', runId: 'r3', columns: v2, changes: [{ kind: 'added', column: 'email', type: 'VARCHAR', nullable: true }] });
    const all = catalog.listSchemaVersions('raw/users');
    assert.deepEqual(all.map((s) => [s.materializationId, s.runId, s.partitionKey]), [[1, 'r1', '2026-01-01'], [3, 'r3', '2026-01-03']]);
    assert.deepEqual(all[1]!.columns, v2);
    assert.deepEqual(all[1]!.changes, [{ kind: 'added', column: 'email', type: 'VARCHAR', nullable: true }]);
    assert.deepEqual(catalog.listSchemaVersions('raw/users', { limit: 1 }).map((s) => s.runId), ['r3']);
    assert.deepEqual(catalog.listSchemaVersions('raw/unknown'), []);
  } finally {
    catalog.close();
    await rm(dir, { recursive: true, force: true });
  }
});
