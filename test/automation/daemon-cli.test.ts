// The CLI over a copy of examples/hello with one automated asset: `quarry status` shows freshness,
// `quarry daemon --once` evaluates a tick and runs what it requested, and status then shows it fresh.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createE2eProject, describeResult, replaceOnce } from '../e2e/e2e-project.ts';

const project = createE2eProject('daemon-cli');
after(() => project.cleanup());

test('quarry daemon --once runs a missing() asset; quarry status shows it OVERDUE before and fresh after', async () => {
  project.editConfig((source) =>
    replaceOnce(
      replaceOnce(source, "import { dailyPartitions, defineAsset, defineProject, timeWindowMapping } from '@quarry/core';", "import { dailyPartitions, defineAsset, defineProject, missing, timeWindowMapping } from '@quarry/core';"),
      "export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d] });",
      `export const summary = defineAsset({ key: 'marts/summary', automation: missing(), freshness: { maxLag: '1h' }, compute: () => [{ ok: 1 }] });
export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d, summary] });`,
    ),
  );
  const before = await project.quarry(['status', 'marts/summary']);
  assert.equal(before.code, 0, describeResult(before));
  assert.match(before.stdout, /^marts\/summary: OVERDUE — lag never materialized \(max 1h\)$/m);

  const once = await project.quarry(['daemon', '--once']);
  assert.equal(once.code, 0, describeResult(once));
  assert.match(once.stdout, /^  marts\/summary: missing\(\)$/m);
  assert.match(once.stdout, /^condition marts\/summary: requested — missing\(\): 1 partition\(s\) missing$/m);
  assert.match(once.stdout, /^freshness marts\/summary: failed — marts\/summary is overdue: lag never materialized > max 1h/m);
  assert.match(once.stdout, /^launched 1 run\(s\)$/m);

  const status = await project.quarry(['status', 'marts/summary', '--json']);
  const json = JSON.parse(status.stdout) as { freshness: { assetKey: string; state: string; lagMs: number }[] };
  assert.equal(json.freshness[0]?.assetKey, 'marts/summary');
  assert.equal(json.freshness[0]?.state, 'fresh');

  const again = await project.quarry(['daemon', '--once']);
  assert.match(again.stdout, /^condition marts\/summary: skipped — skipped: nothing to request$/m);
  assert.match(again.stdout, /^launched 0 run\(s\)$/m);
});
