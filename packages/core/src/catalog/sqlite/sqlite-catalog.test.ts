import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { isQuarryError } from '../../errors.ts';
import type { QuarryErrorCode } from '../../errors.ts';
import type { NewMaterialization } from '../catalog.ts';
import { openSqliteCatalog } from './sqlite-catalog.ts';
import type { SqliteCatalog } from './sqlite-catalog.ts';

const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);

/** A catalog in a fresh temp dir with a clock the test moves by hand. */
function fixture(): { catalog: SqliteCatalog; path: string; clock: { now: number }; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-catalog-'));
  const path = join(dir, 'catalog.sqlite');
  const clock = { now: T0 };
  const catalog = openSqliteCatalog({ path, now: () => new Date(clock.now), hostname: 'test-host' });
  return {
    catalog,
    path,
    clock,
    [Symbol.dispose]() {
      catalog.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function using<T>(fn: (f: ReturnType<typeof fixture>) => T): T {
  const f = fixture();
  try {
    return fn(f);
  } finally {
    f[Symbol.dispose]();
  }
}

function rejects(code: QuarryErrorCode, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(isQuarryError(error, code), `expected ${code}, got ${String(error)}`);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

function version(partitionKey: string, dataVersion: string, extra: Partial<NewMaterialization> = {}): NewMaterialization {
  return { assetKey: 'raw/videos', partitionKey, files: [`raw/videos/${partitionKey}/${dataVersion}.parquet`], dataVersion, codeVersion: 'code-1', ...extra };
}

describe('runs', () => {
  test('createRun fills defaults, getRun and updateRun round-trip every field', () => using(({ catalog, clock }) => {
    const run = catalog.createRun({ kind: 'backfill', selection: '+marts/creator_daily', partitions: { start: '2026-01-01', end: '2026-01-31' }, pid: 123, host: 'h', tags: { owner: 'ana' } });
    assert.match(run.id, /^r_20260115T100000_[0-9a-f]{6}$/);
    assert.equal(run.status, 'queued');
    assert.deepEqual(run.createdAt, new Date(T0));
    assert.equal(run.plan, null);
    assert.equal(run.startedAt, null);
    assert.deepEqual(run.partitions, { start: '2026-01-01', end: '2026-01-31' });
    assert.deepEqual(catalog.getRun(run.id), run);

    clock.now += 1000;
    const updated = catalog.updateRun(run.id, { status: 'running', startedAt: new Date(clock.now), plan: { steps: [{ id: 's1' }] } });
    assert.equal(updated.status, 'running');
    assert.deepEqual(updated.plan, { steps: [{ id: 's1' }] });
    assert.deepEqual(updated.startedAt, new Date(T0 + 1000));
    const finished = catalog.updateRun(run.id, { status: 'failed', finishedAt: new Date(T0 + 5000), error: 'step s1 failed', tags: { owner: 'bo' } });
    assert.equal(finished.error, 'step s1 failed');
    assert.deepEqual(finished.tags, { owner: 'bo' });
    assert.deepEqual(finished.plan, { steps: [{ id: 's1' }] }, 'omitted fields keep their value');
    assert.equal(catalog.updateRun(run.id, { error: null }).error, null);
    assert.equal(catalog.getRun('r_missing'), undefined);
  }));

  test('listRuns returns newest first and filters by status, kind and parent', () => using(({ catalog, clock }) => {
    const a = catalog.createRun({ id: 'r_a', kind: 'materialize', selection: 'x' });
    clock.now += 1000;
    const b = catalog.createRun({ id: 'r_b', kind: 'backfill', selection: 'x', status: 'running' });
    clock.now += 1000;
    const c = catalog.createRun({ id: 'r_c', kind: 'materialize', selection: 'x', parentRunId: a.id, status: 'succeeded' });
    assert.deepEqual(catalog.listRuns().map((r) => r.id), [c.id, b.id, a.id]);
    assert.deepEqual(catalog.listRuns({ limit: 2 }).map((r) => r.id), [c.id, b.id]);
    assert.deepEqual(catalog.listRuns({ status: 'running' }).map((r) => r.id), [b.id]);
    assert.deepEqual(catalog.listRuns({ status: ['queued', 'succeeded'] }).map((r) => r.id), [c.id, a.id]);
    assert.deepEqual(catalog.listRuns({ kind: 'materialize' }).map((r) => r.id), [c.id, a.id]);
    assert.deepEqual(catalog.listRuns({ parentRunId: a.id }).map((r) => r.id), [c.id]);
  }));

  test('bad run input fails with a code that names the value', () => using(({ catalog }) => {
    catalog.createRun({ id: 'r_dup', kind: 'materialize', selection: 'x' });
    assert.throws(() => catalog.createRun({ id: 'r_dup', kind: 'materialize', selection: 'x' }), rejects('QUARRY_BAD_ARGUMENT', /r_dup/));
    assert.throws(() => catalog.createRun({ kind: 'explode' as never, selection: 'x' }), rejects('QUARRY_BAD_ARGUMENT', /"explode"/));
    assert.throws(() => catalog.updateRun('r_nope', { status: 'running' }), rejects('QUARRY_UNKNOWN_RUN', /r_nope/));
    assert.throws(() => catalog.updateRun('r_dup', { status: 'done' as never }), rejects('QUARRY_BAD_ARGUMENT', /"done"/));
    assert.throws(() => catalog.listRuns({ limit: -1 }), rejects('QUARRY_BAD_ARGUMENT'));
  }));
});

describe('steps', () => {
  test('upsertStep inserts, merges partial updates, clears with null and keeps insertion order', () => using(({ catalog, clock }) => {
    const run = catalog.createRun({ kind: 'materialize', selection: 'x' });
    const [first, second] = catalog.upsertSteps([
      { runId: run.id, stepId: 'raw/videos[2026-01-15]', assetKey: 'raw/videos', partitions: ['2026-01-15'], reason: 'missing' },
      { runId: run.id, stepId: 'marts/daily[2026-01]', assetKey: 'marts/daily', partitions: { start: '2026-01-01', end: '2026-01-31' } },
    ]);
    assert.equal(first?.status, 'pending');
    assert.equal(first?.attempt, 0);
    assert.deepEqual(second?.partitions, { start: '2026-01-01', end: '2026-01-31' });
    clock.now += 500;
    const running = catalog.upsertStep({ runId: run.id, stepId: 'raw/videos[2026-01-15]', status: 'running', attempt: 1, startedAt: new Date(clock.now) });
    assert.equal(running.reason, 'missing', 'omitted fields keep their value');
    assert.deepEqual(running.partitions, ['2026-01-15']);
    assert.deepEqual(running.updatedAt, new Date(T0 + 500));
    catalog.upsertStep({ runId: run.id, stepId: 'raw/videos[2026-01-15]', status: 'failed', error: 'boom', timings: { read: 3, compute: 40 } });
    const retried = catalog.upsertStep({ runId: run.id, stepId: 'raw/videos[2026-01-15]', status: 'succeeded', attempt: 2, error: null });
    assert.equal(retried.error, null);
    assert.deepEqual(retried.timings, { read: 3, compute: 40 });
    assert.deepEqual(catalog.listSteps(run.id).map((s) => [s.stepId, s.status, s.attempt]), [['raw/videos[2026-01-15]', 'succeeded', 2], ['marts/daily[2026-01]', 'pending', 0]]);
    assert.deepEqual(catalog.listSteps(run.id)[0], retried);
  }));

  test('a step needs an existing run, and a new step needs its asset key', () => using(({ catalog }) => {
    assert.throws(() => catalog.upsertStep({ runId: 'r_ghost', stepId: 's', assetKey: 'a' }), rejects('QUARRY_UNKNOWN_RUN', /r_ghost/));
    const run = catalog.createRun({ kind: 'materialize', selection: 'x' });
    assert.throws(() => catalog.upsertStep({ runId: run.id, stepId: 's' }), rejects('QUARRY_BAD_ARGUMENT', /assetKey/));
    assert.throws(() => catalog.upsertSteps([
      { runId: run.id, stepId: 'ok', assetKey: 'a' },
      { runId: run.id, stepId: 'bad', assetKey: 'a', status: 'exploded' as never },
    ]), rejects('QUARRY_BAD_ARGUMENT'));
    assert.deepEqual(catalog.listSteps(run.id), [], 'a rejected batch stores nothing');
  }));
});

describe('events', () => {
  test('appendEvents assigns increasing ids; listEvents tails with afterId and filters', () => using(({ catalog, clock }) => {
    const a = catalog.createRun({ kind: 'materialize', selection: 'x' });
    const b = catalog.createRun({ kind: 'materialize', selection: 'y' });
    const first = catalog.appendEvents([
      { runId: a.id, type: 'run_started' },
      { runId: a.id, stepId: 's1', type: 'step_started', level: 'debug', message: 'go' },
      { runId: b.id, type: 'run_started' },
    ]);
    assert.deepEqual(first.map((e) => e.id), [1, 2, 3]);
    assert.equal(first[0]?.level, 'info');
    assert.equal(first[0]?.message, '');
    clock.now += 10;
    const second = catalog.appendEvents([{ runId: a.id, stepId: 's1', type: 'step_failed', level: 'error', message: 'boom', data: { attempt: 1, sql: 'select 1' }, timestamp: new Date(T0 + 5) }]);
    assert.deepEqual(second[0]?.timestamp, new Date(T0 + 5));
    const tail = catalog.listEvents({ runId: a.id });
    assert.deepEqual(tail.map((e) => e.type), ['run_started', 'step_started', 'step_failed']);
    assert.deepEqual(tail[2]?.data, { attempt: 1, sql: 'select 1' });
    assert.deepEqual(catalog.listEvents({ runId: a.id, afterId: tail[1]!.id }).map((e) => e.type), ['step_failed']);
    assert.deepEqual(catalog.listEvents({ runId: a.id, limit: 1 }).map((e) => e.id), [1]);
    assert.deepEqual(catalog.listEvents({ types: ['run_started'] }).map((e) => e.runId), [a.id, b.id]);
    assert.deepEqual(catalog.listEvents({ runId: a.id, stepId: 's1' }).map((e) => e.id), [2, 4]);
    assert.deepEqual(catalog.listEvents({ runId: a.id, afterId: 4 }), []);
    assert.throws(() => catalog.appendEvents([{ runId: a.id, type: 'log', level: 'loud' as never }]), rejects('QUARRY_BAD_ARGUMENT', /"loud"/));
  }));
});

describe('materializations', () => {
  test('seq increases per version; dataSeq moves only when the data version changes', () => using(({ catalog }) => {
    const [v1] = catalog.commitMaterializations([version('2026-01-15', 'aaa')]);
    assert.equal(v1?.seq, 1);
    assert.equal(v1?.dataSeq, 1);
    const [same] = catalog.commitMaterializations([version('2026-01-15', 'aaa', { codeVersion: 'code-2' })]);
    assert.equal(same?.seq, 2);
    assert.equal(same?.dataSeq, 1, 'an unchanged re-materialization keeps dataSeq: early cut-off');
    const [changed] = catalog.commitMaterializations([version('2026-01-15', 'bbb')]);
    assert.equal(changed?.seq, 3);
    assert.equal(changed?.dataSeq, 3);
    const [back] = catalog.commitMaterializations([version('2026-01-15', 'aaa')]);
    assert.equal(back?.dataSeq, 4, 'changing back is a change from the previous current version');
    const [other] = catalog.commitMaterializations([version('2026-01-16', 'aaa')]);
    assert.equal(other?.dataSeq, 5, 'a new partition starts its own dataSeq');
    assert.deepEqual(catalog.materializationHistory('raw/videos', '2026-01-15').map((m) => [m.seq, m.dataSeq, m.current]), [[4, 4, true], [3, 3, false], [2, 1, false], [1, 1, false]]);
    assert.deepEqual(catalog.materializationHistory('raw/videos', undefined, { limit: 2 }).map((m) => m.seq), [5, 4]);
    assert.deepEqual(catalog.materializationHistory('raw/videos', '2026-01-15', { beforeSeq: 3 }).map((m) => m.seq), [2, 1]);
  }));

  test('a commit stores every field and moves the current pointer of each partition', () => using(({ catalog, clock }) => {
    const run = catalog.createRun({ kind: 'materialize', selection: 'x' });
    clock.now += 60_000;
    const records = catalog.commitMaterializations([
      version('2026-01-15', 'v1', { runId: run.id, stepId: 's1', rowCount: 10, bytes: 2048, inputFingerprint: 'fp1', inputSeqs: { 'raw/creators': 7, 'raw/cdc': 9 }, outputSchema: [{ name: 'id', type: 'BIGINT' }], metadata: { engine: 'duckdb' }, files: ['raw/videos/2026-01-15/a.parquet', 'raw/videos/2026-01-15/b.parquet'] }),
      { assetKey: 'marts/summary', partitionKey: '', files: ['marts/summary/v1.parquet'], dataVersion: 'sum1', codeVersion: 'code-9' },
    ]);
    assert.equal(records.length, 2);
    const stored = catalog.currentMaterialization('raw/videos', '2026-01-15');
    assert.deepEqual(stored, records[0]);
    assert.deepEqual(stored, {
      id: 1, assetKey: 'raw/videos', partitionKey: '2026-01-15', runId: run.id, stepId: 's1', createdAt: new Date(T0 + 60_000),
      files: ['raw/videos/2026-01-15/a.parquet', 'raw/videos/2026-01-15/b.parquet'], rowCount: 10, bytes: 2048, dataVersion: 'v1', codeVersion: 'code-1',
      inputFingerprint: 'fp1', inputSeqs: { 'raw/creators': 7, 'raw/cdc': 9 }, outputSchema: [{ name: 'id', type: 'BIGINT' }], metadata: { engine: 'duckdb' },
      seq: 1, dataSeq: 1, current: true,
    });
    assert.deepEqual(catalog.currentMaterialization('marts/summary', ''), records[1]);
    assert.deepEqual(catalog.getMaterialization(2), records[1]);
    assert.equal(catalog.getMaterialization(99), undefined);
    assert.equal(catalog.currentMaterialization('raw/videos', '2026-01-16'), undefined);
    assert.equal(catalog.currentMaterialization('nope', ''), undefined);

    const [replacement] = catalog.commitMaterializations([version('2026-01-15', 'v2')]);
    assert.equal(catalog.currentMaterialization('raw/videos', '2026-01-15')?.id, replacement?.id);
    assert.equal(catalog.getMaterialization(1)?.current, false, 'the superseded version is kept, no longer current');
  }));

  test('the same partition twice in one commit: the last one is current', () => using(({ catalog }) => {
    const records = catalog.commitMaterializations([version('p', 'a'), version('p', 'b')]);
    assert.deepEqual(records.map((r) => [r.seq, r.dataSeq, r.current]), [[1, 1, false], [2, 2, true]]);
    assert.equal(catalog.currentMaterialization('raw/videos', 'p')?.dataVersion, 'b');
  }));

  test('a failing commit stores nothing: no version, no pointer move, no seq, failure markers kept', () => using(({ catalog, path }) => {
    catalog.commitMaterializations([version('2026-01-14', 'old')]);
    catalog.recordPartitionFailure('raw/videos', '2026-01-15', null, 'earlier failure');
    // Make the third insert fail inside the transaction, after two rows went in.
    const raw = new Database(path);
    raw.exec("CREATE TRIGGER explode BEFORE INSERT ON materializations WHEN NEW.partition_key = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    raw.close();
    assert.throws(() => catalog.commitMaterializations([version('2026-01-14', 'new'), version('2026-01-15', 'new'), version('boom', 'x')]), /boom/);
    assert.equal(catalog.currentMaterialization('raw/videos', '2026-01-14')?.dataVersion, 'old');
    assert.equal(catalog.currentMaterialization('raw/videos', '2026-01-15'), undefined);
    assert.deepEqual(catalog.failedPartitions('raw/videos').map((f) => f.partitionKey), ['2026-01-15']);
    assert.equal(catalog.materializationHistory('raw/videos').length, 1);
    assert.deepEqual(catalog.referencedFiles(), ['raw/videos/2026-01-14/old.parquet']);
    const [next] = catalog.commitMaterializations([version('2026-01-15', 'new')]);
    assert.equal(next?.seq, 2, 'the failed commit consumed no seq');
    assert.deepEqual(catalog.failedPartitions('raw/videos'), [], 'a successful commit clears the failure marker');
  }));

  test('invalid materializations are rejected before anything is written', () => using(({ catalog }) => {
    assert.throws(() => catalog.commitMaterializations([version('ok', 'a'), version('bad\u0000key', 'b')]), rejects('QUARRY_BAD_PARTITION_KEY', /bad/));
    assert.throws(() => catalog.commitMaterializations([version('ok', '')]), rejects('QUARRY_BAD_ARGUMENT', /data version/));
    assert.throws(() => catalog.commitMaterializations([version('ok', 'a', { assetKey: '' })]), rejects('QUARRY_BAD_ASSET_KEY'));
    assert.throws(() => catalog.commitMaterializations([version('ok', 'a', { inputSeqs: { up: -1 } })]), rejects('QUARRY_BAD_ARGUMENT', /input seq/));
    assert.throws(() => catalog.commitMaterializations([version('ok', 'a', { rowCount: 1.5 })]), rejects('QUARRY_BAD_ARGUMENT', /rowCount/));
    assert.throws(() => catalog.commitMaterializations([version('ok', 'a', { metadata: { big: 1n } as never })]), rejects('QUARRY_BAD_ARGUMENT', /JSON/));
    assert.throws(() => catalog.commitMaterializations([version('ok', 'a', { inputFingerprint: '' })]), rejects('QUARRY_BAD_ARGUMENT', /fingerprint/));
    assert.equal(catalog.materializationHistory('raw/videos').length, 0);
  }));

  test('currentPartitions returns every current version column-wise in key order', () => using(({ catalog }) => {
    assert.deepEqual(catalog.currentPartitions('raw/videos'), { assetKey: 'raw/videos', size: 0, keys: [], codeVersions: [], dataSeqs: new Float64Array(0), maxInputSeqs: new Float64Array(0) });
    catalog.commitMaterializations([
      version('2026-01-17', 'c', { inputSeqs: { up: 4, other: 9 }, inputFingerprint: 'f3' }),
      version('2026-01-15', 'a', { codeVersion: 'code-2' }),
      version('2026-01-16', 'b', { inputSeqs: { up: 2 }, inputFingerprint: 'f2' }),
    ]);
    catalog.commitMaterializations([version('2026-01-15', 'a', { codeVersion: 'code-1' })]);
    const current = catalog.currentPartitions('raw/videos', { columns: ['materializationIds', 'seqs', 'createdAt', 'dataVersions', 'inputFingerprints', 'inputSeqs'] });
    assert.equal(current.size, 3);
    assert.deepEqual(current.keys, ['2026-01-15', '2026-01-16', '2026-01-17']);
    assert.deepEqual(current.codeVersions, ['code-1', 'code-1', 'code-1']);
    assert.deepEqual([...current.dataSeqs], [2, 3, 1]);
    assert.deepEqual([...current.maxInputSeqs], [0, 2, 9]);
    assert.deepEqual([...current.materializationIds!], [4, 3, 1]);
    assert.deepEqual([...current.seqs!], [4, 3, 1]);
    assert.deepEqual([...current.createdAt!], [T0, T0, T0]);
    assert.deepEqual(current.dataVersions, ['a', 'b', 'c']);
    assert.deepEqual(current.inputFingerprints, [null, 'f2', 'f3']);
    assert.deepEqual(current.inputSeqs, [{}, { up: 2 }, { up: 4, other: 9 }]);
    const lean = catalog.currentPartitions('raw/videos');
    assert.equal(lean.dataVersions, undefined, 'optional columns load only on request');
    assert.equal(lean.materializationIds, undefined);
    assert.ok(Object.is(lean.codeVersions[0], lean.codeVersions[2]), 'code versions are interned');

    catalog.commitMaterializations([{ assetKey: 'marts/one', partitionKey: '', files: [], dataVersion: 'x', codeVersion: '' }]);
    const single = catalog.currentPartitions('marts/one', { columns: ['dataVersions'] });
    assert.deepEqual([single.keys, single.codeVersions, single.dataVersions], [[''], [''], ['x']], 'an unpartitioned asset has the one key ""');
  }));

  test('materializationsAsOf returns the version current at a time, for each partition', () => using(({ catalog, clock }) => {
    catalog.commitMaterializations([version('a', 'a1'), version('b', 'b1')]);
    clock.now = T0 + 60_000;
    catalog.commitMaterializations([version('a', 'a2'), version('c', 'c2')]);
    clock.now = T0 + 120_000;
    catalog.commitMaterializations([version('b', 'b3')]);
    const asOf = (at: Date | number | string) => catalog.materializationsAsOf('raw/videos', at).map((m) => `${m.partitionKey}=${m.dataVersion}`);
    assert.deepEqual(asOf(T0 - 1), []);
    assert.deepEqual(asOf(new Date(T0)), ['a=a1', 'b=b1']);
    assert.deepEqual(asOf(T0 + 59_999), ['a=a1', 'b=b1']);
    assert.deepEqual(asOf('2026-01-15T10:01:00Z'), ['a=a2', 'b=b1', 'c=c2']);
    assert.deepEqual(asOf('2026-01-15T10:01:30.000Z'), ['a=a2', 'b=b1', 'c=c2']);
    assert.deepEqual(asOf('2026-01-15 10:00:59'), ['a=a1', 'b=b1'], 'a time without an offset is UTC');
    assert.deepEqual(asOf('2026-01-15T11:01:00+01:00'), ['a=a2', 'b=b1', 'c=c2']);
    assert.deepEqual(asOf('2026-01-16'), ['a=a2', 'b=b3', 'c=c2']);
    assert.deepEqual(catalog.materializationsAsOf('raw/videos', T0).map((m) => m.current), [false, false]);
    assert.deepEqual(catalog.materializationsAsOf('unknown/asset', T0), []);
    for (const bad of ['yesterday', '2026-13-45T99:00', '', 'NaN']) {
      assert.throws(() => catalog.materializationsAsOf('raw/videos', bad), rejects('QUARRY_BAD_AS_OF'));
    }
    assert.throws(() => catalog.materializationsAsOf('raw/videos', Number.NaN), rejects('QUARRY_BAD_AS_OF'));
  }));

  test('commit times never go backwards, so as-of follows commit order even with a skewed clock', () => using(({ catalog, clock }) => {
    clock.now = T0 + 10_000;
    catalog.commitMaterializations([version('a', 'a1')]);
    clock.now = T0;
    const [late] = catalog.commitMaterializations([version('a', 'a2')]);
    assert.deepEqual(late?.createdAt, new Date(T0 + 10_000));
    assert.deepEqual(catalog.materializationsAsOf('raw/videos', T0 + 10_000).map((m) => m.dataVersion), ['a2']);
  }));

  test('retention deletes old superseded versions, never a current one, and returns the files nothing names', () => using(({ catalog, clock }) => {
    catalog.commitMaterializations([version('a', 'a1'), version('b', 'b1'), version('c', 'c1', { files: ['shared/c.parquet'] })]);
    clock.now = T0 + 1000;
    catalog.commitMaterializations([version('a', 'a2'), version('c', 'c2', { files: ['shared/c.parquet'] })]);
    clock.now = T0 + 2000;
    catalog.commitMaterializations([version('a', 'a3')]);
    assert.deepEqual(catalog.referencedFiles(), ['raw/videos/a/a1.parquet', 'raw/videos/a/a2.parquet', 'raw/videos/a/a3.parquet', 'raw/videos/b/b1.parquet', 'shared/c.parquet']);

    const first = catalog.deleteMaterializationsOlderThan(new Date(T0 + 1000));
    assert.equal(first.deletedCount, 2, 'a1 and c1; b1 is old but current');
    assert.deepEqual(first.unreferencedFiles, ['raw/videos/a/a1.parquet'], 'shared/c.parquet is still named by c2');
    assert.deepEqual(catalog.currentPartitions('raw/videos', { columns: ['dataVersions'] }).dataVersions, ['a3', 'b1', 'c2']);
    assert.deepEqual(catalog.materializationHistory('raw/videos', 'a').map((m) => m.dataVersion), ['a3', 'a2']);

    const second = catalog.deleteMaterializationsOlderThan(new Date(T0 + 1_000_000));
    assert.equal(second.deletedCount, 1);
    assert.deepEqual(second.unreferencedFiles, ['raw/videos/a/a2.parquet']);
    assert.deepEqual(catalog.referencedFiles(), ['raw/videos/a/a3.parquet', 'raw/videos/b/b1.parquet', 'shared/c.parquet']);
    assert.deepEqual(catalog.deleteMaterializationsOlderThan(new Date(T0 + 1_000_000)), { deletedCount: 0, unreferencedFiles: [] });
  }));

  test('retention works through more versions than one batch holds', () => using(({ catalog, clock }) => {
    for (let i = 0; i < 5; i++) {
      catalog.commitMaterializations(Array.from({ length: 1000 }, (_, p) => version(`p${p}`, `v${i}`)));
      clock.now += 1000;
    }
    const result = catalog.deleteMaterializationsOlderThan(new Date(clock.now));
    assert.equal(result.deletedCount, 4000);
    assert.equal(result.unreferencedFiles.length, 4000);
    assert.equal(catalog.currentPartitions('raw/videos').size, 1000);
    assert.equal(catalog.referencedFiles().length, 1000);
  }));
});

describe('failure markers', () => {
  test('record, overwrite, list and clear failure markers', () => using(({ catalog, clock }) => {
    catalog.recordPartitionFailure('raw/videos', '2026-01-16', 'r1', 'first');
    clock.now += 1;
    catalog.recordPartitionFailure('raw/videos', '2026-01-15', 'r1', 'upstream failed', 'blocked');
    catalog.recordPartitionFailure('raw/videos', '2026-01-16', 'r2', 'second');
    assert.deepEqual(catalog.failedPartitions('raw/videos'), [
      { assetKey: 'raw/videos', partitionKey: '2026-01-15', kind: 'blocked', runId: 'r1', message: 'upstream failed', failedAt: new Date(T0 + 1) },
      { assetKey: 'raw/videos', partitionKey: '2026-01-16', kind: 'failed', runId: 'r2', message: 'second', failedAt: new Date(T0 + 1) },
    ]);
    catalog.clearPartitionFailures('raw/videos', ['2026-01-15']);
    assert.deepEqual(catalog.failedPartitions('raw/videos').map((f) => f.partitionKey), ['2026-01-16']);
    catalog.clearPartitionFailures('raw/videos');
    assert.deepEqual(catalog.failedPartitions('raw/videos'), []);
    assert.deepEqual(catalog.failedPartitions('never/seen'), []);
  }));
});

describe('dynamic partitions', () => {
  test('keys keep the order of addition; re-adding keeps the position; remove deletes', () => using(({ catalog }) => {
    const store = catalog.dynamicPartitions;
    assert.deepEqual(store.keys('creators'), []);
    store.add('creators', ['zoe', 'adam', 'mia']);
    store.add('creators', ['adam', 'bob', 'bob']);
    store.add('regions', ['eu']);
    assert.deepEqual(store.keys('creators'), ['zoe', 'adam', 'mia', 'bob']);
    store.remove('creators', ['adam', 'nobody']);
    assert.deepEqual(store.keys('creators'), ['zoe', 'mia', 'bob']);
    store.add('creators', ['adam']);
    assert.deepEqual(store.keys('creators'), ['zoe', 'mia', 'bob', 'adam']);
    assert.deepEqual(store.keys('regions'), ['eu']);
    assert.throws(() => store.add('creators', ['ok', '']), rejects('QUARRY_BAD_PARTITION_KEY'));
    assert.throws(() => store.add('creators', ['tab\tkey']), rejects('QUARRY_BAD_PARTITION_KEY', /tab/));
    assert.deepEqual(store.keys('creators'), ['zoe', 'mia', 'bob', 'adam'], 'a rejected add adds nothing');
  }));
});

describe('leases', () => {
  const owner = { runId: 'r_one', pid: process.pid };
  const other = { runId: 'r_two', pid: process.pid };
  const items = [{ asset: 'raw/videos', partition: '2026-01-15' }, { asset: 'raw/videos', partition: '2026-01-16' }];

  test('leases are taken all or none, and heldBy names the live holders', () => using(({ catalog }) => {
    assert.deepEqual(catalog.acquireLeases(owner, [items[0]!], 60_000), { acquired: true, heldBy: [] });
    const blocked = catalog.acquireLeases(other, items, 60_000);
    assert.equal(blocked.acquired, false);
    assert.deepEqual(blocked.heldBy, [{ asset: 'raw/videos', partition: '2026-01-15', runId: 'r_one', pid: process.pid, host: 'test-host', acquiredAt: new Date(T0), expiresAt: new Date(T0 + 60_000) }]);
    assert.deepEqual(catalog.listLeases().map((l) => [l.partition, l.runId]), [['2026-01-15', 'r_one']], 'the free partition was not taken either');
    assert.equal(catalog.acquireLeases(owner, items, 60_000).acquired, true, 'the holder may extend its set');
    assert.equal(catalog.listLeases('raw/videos').length, 2);
  }));

  test('an expired lease can be taken over; renew extends and reports lost leases; release frees', () => using(({ catalog, clock }) => {
    catalog.acquireLeases(owner, items, 1000);
    clock.now += 500;
    assert.deepEqual(catalog.renewLeases(owner, 1000), { renewed: 2, lost: [] });
    clock.now += 800;
    assert.equal(catalog.acquireLeases(other, [items[0]!], 60_000).acquired, false, 'renewed: not yet expired');
    clock.now += 400;
    assert.equal(catalog.acquireLeases(other, [items[0]!], 60_000).acquired, true, 'expired: taken over');
    assert.deepEqual(catalog.renewLeases(owner, 1000, items), { renewed: 1, lost: [items[0]] });
    assert.equal(catalog.releaseLeases(owner), 1);
    assert.equal(catalog.releaseLeases(other, items), 1);
    assert.deepEqual(catalog.listLeases(), []);
  }));

  test('a lease whose holder process is dead on this host is taken over; on another host only expiry frees it', () => using(({ catalog }) => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    assert.equal(catalog.acquireLeases({ runId: 'r_dead', pid: dead }, [items[0]!], 3_600_000).acquired, true);
    assert.equal(catalog.acquireLeases(other, [items[0]!], 60_000).acquired, true, 'the dead holder lost its lease');
    assert.equal(catalog.acquireLeases({ runId: 'r_remote', pid: dead, host: 'another-host' }, [items[1]!], 3_600_000).acquired, true);
    assert.equal(catalog.acquireLeases(other, [items[1]!], 60_000).acquired, false, 'liveness of a remote pid cannot be checked');
  }));

  test('lease arguments are validated', () => using(({ catalog }) => {
    assert.throws(() => catalog.acquireLeases({ runId: 'r', pid: 0 }, items, 1000), rejects('QUARRY_BAD_ARGUMENT', /pid/));
    assert.throws(() => catalog.acquireLeases(owner, items, 0), rejects('QUARRY_BAD_ARGUMENT', /ttl/));
    assert.throws(() => catalog.acquireLeases(owner, [{ asset: '', partition: 'p' }], 1000), rejects('QUARRY_BAD_ASSET_KEY'));
  }));
});

describe('checks, lineage and summaries', () => {
  test('check results: all results newest first, or the latest per partition and check', () => using(({ catalog, clock }) => {
    const [m] = catalog.commitMaterializations([version('2026-01-15', 'a')]);
    catalog.recordCheckResults([
      { assetKey: 'raw/videos', partitionKey: '2026-01-15', checkName: 'not_null', passed: false, severity: 'error', observedValue: 3, threshold: 0, failingCount: 3, sampleRows: [{ id: 1 }], materializationId: m!.id, runId: 'r1' },
      { assetKey: 'raw/videos', partitionKey: '2026-01-15', checkName: 'row_count', passed: true, severity: 'warn', observedValue: 100, threshold: { min: 1 } },
    ]);
    clock.now += 1000;
    const [rerun] = catalog.recordCheckResults([{ assetKey: 'raw/videos', partitionKey: '2026-01-15', checkName: 'not_null', passed: true, severity: 'error', observedValue: 0, message: 'fixed', metadata: { rule: 'id' } }]);
    assert.deepEqual(rerun, {
      id: 3, assetKey: 'raw/videos', partitionKey: '2026-01-15', checkName: 'not_null', runId: null, materializationId: null, passed: true, severity: 'error',
      observedValue: 0, threshold: null, failingCount: null, sampleRows: null, message: 'fixed', metadata: { rule: 'id' }, createdAt: new Date(T0 + 1000),
    });
    assert.deepEqual(catalog.listCheckResults({ asset: 'raw/videos' }).map((r) => r.id), [3, 2, 1]);
    const latest = catalog.listCheckResults({ asset: 'raw/videos', partition: '2026-01-15', latestOnly: true });
    assert.deepEqual(latest.map((r) => [r.checkName, r.passed, r.id]), [['not_null', true, 3], ['row_count', true, 2]]);
    const first = catalog.listCheckResults({ asset: 'raw/videos', runId: 'r1' })[0];
    assert.deepEqual([first?.sampleRows, first?.failingCount, first?.materializationId], [[{ id: 1 }], 3, m!.id]);
    assert.deepEqual(catalog.listCheckResults({ asset: 'raw/videos', checkName: 'row_count' })[0]?.threshold, { min: 1 });
    assert.deepEqual(catalog.listCheckResults({ asset: 'nothing' }), []);
  }));

  test('lineage edges are written with the commit and read in both directions', () => using(({ catalog }) => {
    const [up] = catalog.commitMaterializations([version('2026-01-15', 'u1')]);
    const [down] = catalog.commitMaterializations([{
      assetKey: 'marts/daily', partitionKey: '2026-01', files: ['marts/daily/2026-01/v1.parquet'], dataVersion: 'd1', codeVersion: 'c',
      lineage: [{ assetKey: 'raw/videos', partitionKey: '2026-01-15', materializationId: up!.id, dataVersion: 'u1' }, { assetKey: 'raw/creators', partitionKey: '2026-01-15' }],
    }]);
    const upstream = catalog.listLineageEdges({ asset: 'marts/daily', direction: 'upstream' });
    assert.deepEqual(upstream.map((e) => [e.fromAssetKey, e.fromPartitionKey, e.fromMaterializationId, e.fromDataVersion, e.toMaterializationId]), [
      ['raw/creators', '2026-01-15', null, null, down!.id],
      ['raw/videos', '2026-01-15', up!.id, 'u1', down!.id],
    ]);
    assert.deepEqual(catalog.listLineageEdges({ asset: 'raw/videos', partition: '2026-01-15', direction: 'downstream' }).map((e) => e.toAssetKey), ['marts/daily']);
    assert.deepEqual(catalog.listLineageEdges({ asset: 'marts/daily', direction: 'upstream', materializationId: 999 }), []);
  }));

  test('assetSummaries counts current and failed partitions per asset', () => using(({ catalog, clock }) => {
    catalog.commitMaterializations([version('a', '1'), version('b', '1')]);
    clock.now += 5;
    catalog.commitMaterializations([version('a', '2')]);
    catalog.recordPartitionFailure('marts/daily', '2026-01', null, 'boom');
    assert.deepEqual(catalog.assetSummaries(), [
      { assetKey: 'marts/daily', currentPartitions: 0, failedPartitions: 1, lastSeq: null, lastMaterializedAt: null },
      { assetKey: 'raw/videos', currentPartitions: 2, failedPartitions: 0, lastSeq: 3, lastMaterializedAt: new Date(T0 + 5) },
    ]);
  }));
});

describe('concurrency plumbing', () => {
  test('a write blocked past the busy timeout fails with QUARRY_CATALOG_BUSY, and works once the lock is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quarry-busy-'));
    const path = join(dir, 'catalog.sqlite');
    const catalog = openSqliteCatalog({ path, busyTimeoutMs: 50 });
    const blocker = new Database(path);
    try {
      blocker.exec('BEGIN IMMEDIATE');
      assert.throws(() => catalog.createRun({ kind: 'materialize', selection: 'x' }), rejects('QUARRY_CATALOG_BUSY', /catalog\.sqlite/));
      assert.deepEqual(catalog.listRuns(), [], 'reads are not blocked by a writer in WAL mode');
      blocker.exec('COMMIT');
      assert.equal(catalog.createRun({ kind: 'materialize', selection: 'x' }).status, 'queued');
    } finally {
      blocker.close();
      catalog.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a :memory: catalog works for tests', () => {
    const catalog = openSqliteCatalog({ path: ':memory:' });
    catalog.commitMaterializations([version('a', '1')]);
    assert.equal(catalog.location, ':memory:');
    assert.equal(catalog.currentPartitions('raw/videos').size, 1);
    catalog.close();
  });
});
