// A compute asset's code version covers the project modules it reaches (issue 11, point 3): editing a
// helper it calls plans it as code_changed; editing a module it does not reach plans nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createE2eProject, describeResult, parseJson, type E2eProject } from './e2e-project.ts';

const CONFIG = `import { defineProject } from '@quarry/core';
import { totals } from './assets/totals.ts';
import { labels } from './assets/labels.ts';
export default defineProject({ name: 'helpers', assets: [totals, labels] });
`;
const TOTALS = `import { defineAsset } from '@quarry/core';
import { z } from 'zod';
import { scaled } from '../lib/math.ts';
export const totals = defineAsset({
  key: 'totals',
  schema: z.object({ n: z.int() }),
  compute: () => [1, 2, 3].map((n) => ({ n: scaled(n) })),
});
`;
const LABELS = `import { defineAsset } from '@quarry/core';
import { label } from '../lib/text.ts';
export const labels = defineAsset({ key: 'labels', compute: () => [{ label: label('x') }] });
`;
const MATH = `import { FACTOR } from './factor.ts';
/** Scales n. */
export function scaled(n: number): number {
  return n * FACTOR;
}
`;

async function planSteps(project: E2eProject): Promise<[string, string][]> {
  const result = await project.quarry(['plan', '--json']);
  assert.equal(result.code, 0, describeResult(result));
  return parseJson<{ steps: { asset: string; reason: string }[] }>(result).steps.map((s) => [s.asset, s.reason]);
}

test('editing a helper two imports away plans the asset as code_changed; an unrelated module does not', async (t) => {
  const project = createE2eProject('helper-code-version');
  t.after(() => project.cleanup());
  project.editConfig(() => CONFIG);
  project.writeFile('assets/totals.ts', TOTALS);
  project.writeFile('assets/labels.ts', LABELS);
  project.writeFile('lib/math.ts', MATH);
  project.writeFile('lib/factor.ts', 'export const FACTOR = 10;\n');
  project.writeFile('lib/text.ts', "export const label = (s: string): string => `<${s}>`;\n");
  const first = await project.quarry(['materialize', '*']);
  assert.equal(first.code, 0, describeResult(first));
  assert.deepEqual(await planSteps(project), []);

  // A comment and formatting edit of the helper is not a code change.
  project.writeFile('lib/math.ts', MATH.replace('return n * FACTOR;', '// the factor comes from factor.ts\n    return n   *   FACTOR;'));
  assert.deepEqual(await planSteps(project), []);

  // A module only the other asset reaches: totals stays fresh.
  project.writeFile('lib/text.ts', "export const label = (s: string): string => `[${s}]`;\n");
  assert.deepEqual(await planSteps(project), [['labels', 'code_changed']]);
  const second = await project.quarry(['materialize', '*']);
  assert.equal(second.code, 0, describeResult(second));

  // A helper of the helper: totals is stale, labels is not.
  project.writeFile('lib/factor.ts', 'export const FACTOR = 100;\n');
  assert.deepEqual(await planSteps(project), [['totals', 'code_changed']]);
  const plan = await project.quarry(['plan']);
  assert.match(plan.stdout, /code_changed/, describeResult(plan));
});
