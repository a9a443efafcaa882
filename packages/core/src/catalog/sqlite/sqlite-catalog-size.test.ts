import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { NewMaterialization } from '../catalog.ts';
import { openSqliteCatalog, type SqliteCatalog } from './sqlite-catalog.ts';

// What keeps the catalog from growing without bound (issue 11, point 18): retention takes a deleted
// version's check results and lineage with it, old runs' step events are pruned, and compact() packs
// the rows that stay and gives the freed pages back to the disk.
const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const DAY = 86_400_000;

function withCatalog(fn: (f: { catalog: SqliteCatalog; path: string; clock: { now: number } }) => void, prepare?: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-catalog-size-'));
  const path = join(dir, 'catalog.sqlite');
  prepare?.(path);
  const clock = { now: T0 };
  const catalog = openSqliteCatalog({ path, now: () => new Date(clock.now), hostname: 'test-host' });
  try {
    fn({ catalog, path, clock });
  } finally {
    catalog.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function pragma(path: string, name: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma(name, { simple: true }) as number;
  } finally {
    db.close();
  }
}

/** How full the pages of the events table are (payload / page bytes, from SQLite's dbstat). */
function eventPagesFill(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    const { used, total } = db.prepare("select sum(pgsize - unused) as used, sum(pgsize) as total from dbstat where name = 'events'").get() as { used: number; total: number };
    return used / total;
  } finally {
    db.close();
  }
}

function version(partitionKey: string, dataVersion: string, extra: Partial<NewMaterialization> = {}): NewMaterialization {
  return { assetKey: 'raw/videos', partitionKey, files: [`raw/videos/${partitionKey}/${dataVersion}.parquet`], dataVersion, codeVersion: 'code-1', ...extra };
}

describe('catalog size', () => {
  test("retention deletes an expired version's check results and lineage edges with it", () =>
    withCatalog(({ catalog, clock }) => {
      const [upstream] = catalog.commitMaterializations([{ ...version('2026-01-01', 'u1'), assetKey: 'landing/videos' }]);
      const commit = (dataVersion: string) => {
        const [m] = catalog.commitMaterializations([
          { ...version('2026-01-01', dataVersion), lineage: [{ assetKey: 'landing/videos', partitionKey: '2026-01-01', materializationId: upstream!.id, dataVersion: 'u1' }] },
        ]);
        catalog.recordCheckResults([{ assetKey: 'raw/videos', partitionKey: '2026-01-01', checkName: 'not_null_id', materializationId: m!.id, passed: true, severity: 'error' }]);
        return m!;
      };
      const v1 = commit('v1');
      clock.now += DAY;
      const v2 = commit('v2');
      clock.now += DAY;
      assert.equal(catalog.listCheckResults({ asset: 'raw/videos' }).length, 2);
      assert.equal(catalog.listLineageEdges({ asset: 'raw/videos', partition: '2026-01-01', direction: 'upstream' }).length, 2);

      assert.equal(catalog.deleteMaterializationsOlderThan(new Date(clock.now)).deletedCount, 1);
      assert.deepEqual(catalog.listCheckResults({ asset: 'raw/videos' }).map((r) => r.materializationId), [v2.id], `no check result of version ${v1.id} is left`);
      assert.deepEqual(catalog.listLineageEdges({ asset: 'raw/videos', partition: '2026-01-01', direction: 'upstream' }).map((e) => e.toMaterializationId), [v2.id]);
      assert.equal(catalog.listLineageEdges({ asset: 'landing/videos', partition: '2026-01-01', direction: 'downstream' }).length, 1);
    }));

  test("pruning finished runs' step events keeps their outcomes, and compact() gives the space back", () =>
    withCatalog(({ catalog, path, clock }) => {
      const old = catalog.createRun({ kind: 'materialize', selection: '*' });
      const live = catalog.createRun({ kind: 'materialize', selection: '*' });
      // The two runs' log lines interleave, as concurrent runs' do: pruning one run empties half of each page.
      const chatter = Array.from({ length: 1500 }, (_, i) =>
        [old.id, live.id].map((runId) => ({ runId, stepId: 's1', type: 'log' as const, level: 'info' as const, message: `row batch ${i} `.padEnd(300, '.') })),
      ).flat();
      catalog.appendEvents([
        { runId: old.id, type: 'run_started' },
        { runId: old.id, stepId: 's1', type: 'step_started' },
        ...chatter,
        { runId: old.id, stepId: 's1', type: 'log', level: 'warn', message: 'a warning stays' },
        { runId: old.id, stepId: 's1', type: 'step_succeeded', data: { rowCount: 3 } },
        { runId: old.id, type: 'run_succeeded' },
      ]);
      catalog.updateRun(old.id, { status: 'succeeded', finishedAt: new Date(clock.now) });
      clock.now += 2 * DAY;
      const cutoff = new Date(clock.now - DAY);

      assert.equal(catalog.pruneRunEvents(cutoff, { dryRun: true }), 1501);
      assert.equal(catalog.listEvents({ runId: old.id, limit: 5000 }).length, 1505, 'a dry run deletes nothing');
      assert.equal(catalog.pruneRunEvents(cutoff), 1501);
      assert.deepEqual(
        catalog.listEvents({ runId: old.id }).map((e) => e.type),
        ['run_started', 'log', 'step_succeeded', 'run_succeeded'],
        'run events, step outcomes and warnings stay',
      );
      assert.equal(catalog.listEvents({ runId: live.id, limit: 5000 }).length, 1500, 'a run that has not finished keeps every event');

      const fileBefore = statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
      assert.ok(eventPagesFill(path) < 0.6, 'pruning left the event pages about half empty');
      const { bytesBefore, bytesAfter } = catalog.compact();
      assert.ok(bytesAfter < bytesBefore, `compact() shrank the database (${bytesBefore} → ${bytesAfter} bytes)`);
      assert.equal(pragma(path, 'freelist_count'), 0, 'no free page is left in the file');
      assert.ok(eventPagesFill(path) > 0.8, 'compact() packed the events that stay');
      assert.ok(statSync(path).size < fileBefore, 'the file on disk shrank');
      assert.equal(statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0, 0, 'the WAL was truncated');
    }));
});
