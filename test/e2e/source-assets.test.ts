// Observable source assets (issue 11, point 2), through the real `quarry` CLI on a project whose source
// observes a landing file's content hash: dependents run, a changed file makes them stale with
// reason source_changed, an unchanged one keeps them fresh, and status shows the observation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLOCK_TOO_EARLY, createE2eProject, describeResult, parseJson, type E2eProject } from './e2e-project.ts';

const CONFIG = `import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dailyPartitions, defineAsset, defineProject, defineSourceAsset } from '@quarry/core';

const daily = dailyPartitions({ start: '2026-01-01' });
const file = (dir: string, day: string) => join(dir, 'landing', day + '.csv');

export const landing = defineSourceAsset({
  key: 'landing/prices',
  partitions: daily,
  observe: ({ projectDir, partitionKey }) => {
    const path = file(projectDir, partitionKey);
    return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16) : undefined;
  },
});

export const prices = defineAsset({
  key: 'staging/prices',
  partitions: daily,
  deps: { landing },
  // The SQL reads the landing file itself; the engine lets it open only files the asset declares.
  sourceFiles: ({ partition, projectDir }) => [file(projectDir, partition.firstKey)],
  compute: (ctx) => {
    const path = file(ctx.projectDir, ctx.partition.firstKey);
    return { sql: "select * from read_csv('" + path + "', header = true)" };
  },
});

export const summary = defineAsset({
  key: 'marts/summary',
  partitions: daily,
  deps: { prices },
  sql: 'select $partition_key as day, sum(price)::BIGINT as total from prices',
});

export default defineProject({ name: 'sources', assets: [landing, prices, summary] });
`;

interface PlanJson {
  steps: { asset: string; partition: string; reason: string; upstream?: { asset: string; partition: string } }[];
}

async function ok(project: E2eProject, args: string[]): Promise<string> {
  const result = await project.quarry(args);
  assert.equal(result.code, 0, describeResult(result));
  return result.stdout;
}

test('a source observed by content hash: dependents run, go stale with source_changed when the file changes, stay fresh when not', { skip: CLOCK_TOO_EARLY }, async (t) => {
  const project = createE2eProject('source-assets');
  t.after(() => project.cleanup());
  project.editConfig(() => CONFIG);
  project.writeFile('landing/2026-01-01.csv', 'item,price\na,1\nb,2\n');
  project.writeFile('landing/2026-01-02.csv', 'item,price\na,10\n');
  const range = ['--from', '2026-01-01', '--to', '2026-01-02'];

  // Before any observation the source is shown as never observed, not as missing data to materialize.
  const before = await ok(project, ['status', 'landing/prices']);
  assert.match(before, /^landing\/prices \(source\): never observed/m, before);

  const first = await ok(project, ['materialize', '*', ...range]);
  assert.match(first, /^Run r_\S+: 4 steps$/m, first);
  assert.deepEqual(parseJson<PlanJson>({ code: 0, signal: null, stdout: await ok(project, ['plan', ...range, '--json']), stderr: '' }).steps, []);

  const status = parseJson<{ assets: { assetKey: string; counts: { fresh: number; missing: number }; source?: { observed: number; lastVersion?: string } }[] }>({
    code: 0, signal: null, stdout: await ok(project, ['status', 'landing/prices', '--json']), stderr: '',
  }).assets;
  assert.equal(status.length, 1);
  assert.equal(status[0]?.source?.observed, 2);
  assert.match(status[0]?.source?.lastVersion ?? '', /^[0-9a-f]{16}$/);
  assert.match(await ok(project, ['status', 'landing/prices']), /^landing\/prices \(source\): observed at \S+, version [0-9a-f]{16} \[2026-01-0[12]\]; 2 of \d+ partitions observed$/m);

  // Same content rewritten (new mtime): still fresh.
  project.writeFile('landing/2026-01-01.csv', 'item,price\na,1\nb,2\n');
  const observed = parseJson<{ observations: { asset: string; partition: string; changed: boolean }[] }>({
    code: 0, signal: null, stdout: await ok(project, ['observe', 'landing/prices', ...range, '--json']), stderr: '',
  }).observations;
  assert.deepEqual(observed.map((o) => [o.partition, o.changed]), [['2026-01-01', false], ['2026-01-02', false]]);
  assert.deepEqual(parseJson<PlanJson>({ code: 0, signal: null, stdout: await ok(project, ['plan', ...range, '--json']), stderr: '' }).steps, []);

  // New content for day 2: its dependent is stale because the source changed, and what reads that is stale too.
  project.writeFile('landing/2026-01-02.csv', 'item,price\na,10\nc,5\n');
  const plan = parseJson<PlanJson>({ code: 0, signal: null, stdout: await ok(project, ['plan', ...range, '--json']), stderr: '' });
  assert.deepEqual(plan.steps, [
    { asset: 'staging/prices', partition: '2026-01-02', reason: 'source_changed', upstream: { asset: 'landing/prices', partition: '2026-01-02' } },
    { asset: 'marts/summary', partition: '2026-01-02', reason: 'upstream_stale', upstream: { asset: 'staging/prices', partition: '2026-01-02' } },
  ]);
  // The asset alone says the same (its staleness does not depend on the selection).
  const alone = await ok(project, ['status', 'staging/prices', '--json']);
  assert.equal(parseJson<{ assets: { counts: { stale: number } }[] }>({ code: 0, signal: null, stdout: alone, stderr: '' }).assets[0]?.counts.stale, 1);
  await ok(project, ['materialize', '*', ...range]);
  const rows = parseJson<{ rows: { day: string; total: number }[] }>({ code: 0, signal: null, stdout: await ok(project, ['query', 'select day, total from marts__summary order by day', '--json']), stderr: '' }).rows;
  assert.deepEqual(rows, [{ day: '2026-01-01', total: 3 }, { day: '2026-01-02', total: 15 }]);
  assert.deepEqual(parseJson<PlanJson>({ code: 0, signal: null, stdout: await ok(project, ['plan', ...range, '--json']), stderr: '' }).steps, []);
  // A source is never materialized.
  const refused = await project.quarry(['materialize', 'landing/prices', ...range]);
  assert.doesNotMatch(refused.stdout, /landing\/prices \[/, describeResult(refused));
});
