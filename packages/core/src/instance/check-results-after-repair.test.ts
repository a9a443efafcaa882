// A blocked attempt's check results stop being "the latest" once a later run finds the partition's
// current version up to date (the bad input was repaired): `quarry checks`, the UI's checks card and
// the quality score then show the current version's results, not the blocked attempt's failures.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acceptedRange } from '../checks/index.ts';
import { defineAsset, defineProject, defineSourceAsset } from '../definitions/index.ts';
import { dailyPartitions } from '../partitions/index.ts';
import { openInstance } from './instance.ts';

const daily = dailyPartitions({ start: '2026-01-01' });
const DAY = '2026-01-03';
const landingFile = (dir: string, day: string) => join(dir, 'landing', `${day}.csv`);

test('after a blocked attempt and a repaired input, the latest check results are the current version’s again and the failure marker is gone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-check-repair-'));
  const landing = defineSourceAsset({
    key: 'landing/prices',
    partitions: daily,
    observe: async ({ projectDir, partitionKey }) => createHash('sha256').update(await readFile(landingFile(projectDir, partitionKey))).digest('hex').slice(0, 16),
  });
  const prices = defineAsset({
    key: 'staging/prices',
    partitions: daily,
    deps: { landing },
    sourceFiles: ({ partition, projectDir }) => [landingFile(projectDir, partition.firstKey)],
    compute: (ctx) => ({ sql: `select * from read_csv('${landingFile(ctx.projectDir, ctx.partition.firstKey)}', header = true)` }),
    checks: [acceptedRange('price', { min: 0, blocking: true })],
  });
  await mkdir(join(dir, 'landing'));
  const good = 'id,price\n1,5\n2,7\n';
  const instance = await openInstance({ project: defineProject({ name: 'check-repair', assets: [landing, prices] }), projectDir: dir, quarryHome: join(dir, '.quarry'), now: new Date('2026-01-10T00:00:00Z') });
  const run = async () => {
    const { runId } = await instance.startRun({ selection: 'staging/prices', partitions: { key: DAY } });
    return (await instance.waitForRun(runId)).status;
  };
  const latest = () => instance.checkResults('staging/prices', { partition: DAY }).map((r) => ({ check: r.checkName, passed: r.passed }));
  try {
    await writeFile(landingFile(dir, DAY), good);
    assert.equal(await run(), 'succeeded');
    assert.deepEqual(latest(), [{ check: 'accepted_range_price', passed: true }]);

    await writeFile(landingFile(dir, DAY), 'id,price\n1,-5\n2,7\n');
    assert.notEqual(await run(), 'succeeded');
    assert.deepEqual(latest(), [{ check: 'accepted_range_price', passed: false }], 'while blocked, the blocked attempt’s failure is the latest');
    assert.equal(instance.partitionFailures('staging/prices', { partition: DAY })[0]?.kind, 'blocked');

    // The repair: the good file again. The step finds the current version up to date and skips it.
    await writeFile(landingFile(dir, DAY), good);
    assert.equal(await run(), 'succeeded');
    assert.deepEqual(instance.partitionFailures('staging/prices', { partition: DAY }), [], 'the blocked attempt no longer stands');
    assert.deepEqual(latest(), [{ check: 'accepted_range_price', passed: true }], 'the current version’s results are the latest again');
    assert.equal(instance.qualityScores('staging/prices', { partition: DAY })[0]?.score, 100);
    // History still keeps the blocked attempt.
    assert.equal(instance.checkResults('staging/prices', { partition: DAY, history: true }).filter((r) => !r.passed).length, 1);
  } finally {
    await instance.close();
    await rm(dir, { recursive: true, force: true });
  }
});
