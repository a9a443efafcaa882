import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defineAsset, defineProject } from '../definitions/index.ts';
import { dailyPartitions, multiPartitions, staticPartitions } from '../partitions/index.ts';
import { openInstance } from './instance.ts';
import { scopeOf } from './step-runner.ts';

// New York days: 2026-03-08 has 23 hours (spring forward), 2026-11-01 has 25 (fall back).
const days = dailyPartitions({ start: '2026-03-01', timezone: 'America/New_York' });
const regions = staticPartitions(['eu', 'na']);
const dateRegion = multiPartitions({ date: days, region: regions });

test('a date × region partition spans its time dimension’s window: $partition_start/$partition_end are not NULL', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-multi-scope-'));
  const bounds = defineAsset({
    key: 'marts/bounds',
    partitions: dateRegion,
    sql: `select $partition_key as k, $partition_start as s, $partition_end as e, epoch($partition_end) - epoch($partition_start) as seconds`,
  });
  const instance = await openInstance({
    project: defineProject({ name: 'multi-scope', assets: [bounds] }),
    projectDir: dir,
    quarryHome: join(dir, '.quarry'),
    now: new Date('2026-12-01T00:00:00Z'),
  });
  try {
    for (const key of ['2026-03-08|eu', '2026-11-01|na']) {
      const { runId } = await instance.startRun({ selection: 'marts/bounds', partitions: { key } });
      assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
    }
    const result = await instance.query(`select k, strftime(s AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M') as s, seconds from marts__bounds order by k`);
    assert.deepEqual(
      result.rows.map((r) => [r.k, r.s, Number(r.seconds)]),
      [
        ['2026-03-08|eu', '2026-03-08T05:00', 23 * 3600],
        ['2026-11-01|na', '2026-11-01T04:00', 25 * 3600],
      ],
    );
  } finally {
    await instance.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('scopeOf over several multi-partition keys spans the earliest to the latest window; without a time dimension it has no bounds', () => {
  const keys = ['2026-03-09|eu', '2026-03-07|na'];
  const scope = scopeOf(dateRegion, keys, dateRegion.indexOf(keys[0]!), dateRegion.indexOf(keys[1]!), {});
  assert.equal(scope.start?.toISOString(), '2026-03-07T05:00:00.000Z');
  assert.equal(scope.end?.toISOString(), '2026-03-10T04:00:00.000Z');
  const flat = multiPartitions({ region: regions, tier: staticPartitions(['a', 'b']) });
  const none = scopeOf(flat, ['eu|a'], 0, 0, {});
  assert.equal(none.start, undefined);
  assert.equal(none.end, undefined);
});
