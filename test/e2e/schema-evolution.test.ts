// End-to-end: schema evolution (issue 16, point 3). Each version's schema is recorded with the
// version and run that first wrote it; an asset's `schemaChanges` policy refuses changes in
// write–audit–publish like a blocking check (the previous version stays current, the message names
// the column and the change); `quarry schema ASSET --history` shows the changes.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { defineAsset, defineProject, openInstance, type SchemaChangePolicy } from '@quarry/core';
import { runCli } from '@quarry/core/cli';
import { REPO_ROOT } from './e2e-project.ts';

const root = join(REPO_ROOT, 'test-output', 'e2e', `schema-evolution-${process.pid}-${Date.now().toString(36)}`);
const home = join(root, '.quarry');
const KEY = 'marts/people';
mkdirSync(root, { recursive: true });
after(() => rmSync(root, { recursive: true, force: true }));

/** Materializes the asset with `sql` under `policy`; returns the run's status, the step error and the current version's id. */
async function materialize(sql: string, policy: SchemaChangePolicy, projectPolicy?: SchemaChangePolicy) {
  const project = defineProject({ name: 'schema-evolution', assets: [defineAsset({ key: KEY, sql, schemaChanges: policy })], ...(projectPolicy ? { schemaChanges: projectPolicy } : {}) });
  const instance = await openInstance({ project, projectDir: root, quarryHome: home });
  try {
    const { runId } = await instance.startRun({ selection: KEY });
    const run = await instance.waitForRun(runId);
    const step = instance.listSteps(runId)[0];
    const current = instance.materializations(KEY).find((m) => m.current);
    return { runId, status: run.status, error: step?.error ?? null, currentId: current?.id, failures: instance.partitionFailures(KEY), history: instance.schemaHistory(KEY) };
  } finally {
    await instance.close();
  }
}

test('additive passes an added column and lists it in the history; additive and block refuse a drop, keep the previous version and name the column', async () => {
  const first = await materialize("select 1 as id, 'ann' as name", 'additive');
  assert.equal(first.status, 'succeeded');
  assert.equal(first.history.length, 1);
  assert.deepEqual(first.history[0]!.changes, []);
  assert.equal(first.history[0]!.runId, first.runId);
  assert.equal(first.history[0]!.materializationId, first.currentId);

  const added = await materialize("select 1 as id, 'ann' as name, cast(3.5 as double) as score", 'additive');
  assert.equal(added.status, 'succeeded', String(added.error));
  assert.equal(added.history.length, 2);
  assert.deepEqual(added.history[1]!.changes, [{ kind: 'added', column: 'score', type: 'DOUBLE', nullable: true }]);
  assert.equal(added.history[1]!.runId, added.runId);
  assert.equal(added.history[1]!.materializationId, added.currentId);
  assert.deepEqual(added.history[1]!.columns.map((c) => c.name), ['id', 'name', 'score']);

  const again = await materialize("select 2 as id, 'bo' as name, cast(4.5 as double) as score", 'additive');
  assert.equal(again.status, 'succeeded');
  assert.equal(again.history.length, 2, 'a new version with the same schema records nothing');

  const droppedUnderAdditive = await materialize("select 1 as id, cast(3.5 as double) as score", 'additive');
  assert.notEqual(droppedUnderAdditive.status, 'succeeded');
  assert.equal(droppedUnderAdditive.currentId, again.currentId, 'the previous version stays current');
  assert.match(droppedUnderAdditive.error ?? '', /schema change refused by policy 'additive': dropped column "name" \(VARCHAR\)/);

  const blocked = await materialize("select 1 as id, 'ann' as name", 'block');
  assert.notEqual(blocked.status, 'succeeded');
  assert.equal(blocked.currentId, again.currentId, 'the previous version stays current');
  assert.match(blocked.error ?? '', /policy 'block': dropped column "score" \(DOUBLE\)/);
  assert.deepEqual(blocked.failures.map((f) => [f.kind, /dropped column "score"/.test(f.message)]), [['blocked', true]]);
  assert.equal(blocked.history.length, 2, 'a refused schema is not recorded');

  const typeChanged = await materialize("select 1 as id, 'ann' as name, cast(3 as integer) as score", 'block');
  assert.match(typeChanged.error ?? '', /changed the type of column "score" from DOUBLE to INTEGER/);
  assert.equal(typeChanged.currentId, again.currentId);
});

test('the project default applies to assets without a policy; allow records a drop; quarry schema --history prints every change with its version and run', async () => {
  const projectOnly = defineProject({ name: 'schema-evolution', schemaChanges: 'block', assets: [defineAsset({ key: KEY, sql: "select 1 as id, 'ann' as name" })] });
  const instance = await openInstance({ project: projectOnly, projectDir: root, quarryHome: home });
  try {
    const { runId } = await instance.startRun({ selection: KEY });
    assert.notEqual((await instance.waitForRun(runId)).status, 'succeeded', "the project's 'block' refuses the drop of score");
  } finally {
    await instance.close();
  }
  const allowed = await materialize("select 1 as id, 'ann' as name", 'allow', 'block');
  assert.equal(allowed.status, 'succeeded', 'the asset policy wins over the project default');
  assert.deepEqual(allowed.history.at(-1)!.changes, [{ kind: 'dropped', column: 'score', type: 'DOUBLE' }]);
  assert.equal(allowed.failures.length, 0, 'the published version clears the blocked marker');

  writeFileSync(
    join(root, 'quarry.config.ts'),
    `import { defineAsset, defineProject } from '@quarry/core';\nexport default defineProject({ name: 'schema-evolution', assets: [defineAsset({ key: '${KEY}', sql: "select 1 as id, 'ann' as name", schemaChanges: 'additive' })] });\n`,
  );
  const cli = async (...args: string[]) => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await runCli([...args, '--project', root], { stdout, stderr: new PassThrough(), cwd: root, env: { QUARRY_HOME: home } });
    return { code, out };
  };
  const json = await cli('schema', KEY, '--history', '--json');
  assert.equal(json.code, 0);
  const parsed = JSON.parse(json.out) as { asset: string; policy: string; schemas: { runId: string; materializationId: number; changes: { kind: string; column: string }[] }[] };
  assert.equal(parsed.policy, 'additive');
  assert.deepEqual(parsed.schemas.map((s) => s.changes.map((c) => `${c.kind} ${c.column}`)), [[], ['added score'], ['dropped score']]);
  assert.equal(parsed.schemas[2]!.runId, allowed.runId);
  const text = await cli('schema', KEY, '--history');
  assert.match(text.out, /schema 2: version \d+, run \S+/);
  assert.match(text.out, /added column "score" \(DOUBLE\)/);
  assert.match(text.out, new RegExp(`schema 3: version ${allowed.currentId}, run ${allowed.runId}`));
  assert.match(text.out, /dropped column "score" \(DOUBLE\)/);
  const current = await cli('schema', KEY);
  assert.doesNotMatch(current.out, /schema 1:/, 'without --history only the current schema');
  assert.match(current.out, /schema 3:[\s\S]*COLUMN\s+TYPE\s+NULLABLE[\s\S]*name\s+VARCHAR\s+yes/);
});

test("a bad schemaChanges value is refused where it is declared, naming it", () => {
  assert.throws(() => defineAsset({ key: 'a/b', sql: 'select 1', schemaChanges: 'strict' as SchemaChangePolicy }), /Asset "a\/b": schemaChanges "strict" is not a policy; use 'allow', 'additive' or 'block'/);
  assert.throws(() => defineProject({ name: 'p', assets: [], schemaChanges: 'none' as SchemaChangePolicy }), /Project "p": schemaChanges "none" is not a policy/);
  assert.throws(() => defineAsset({ key: 'a/b', sql: 'select 1', columns: { x: { pii: 'emails' as 'email' } } }), /column "x" has pii "emails", which is not a PII class/);
});
