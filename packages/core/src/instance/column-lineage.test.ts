import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { defineAsset, defineProject, type AssetDefinition } from '../definitions/index.ts';
import { isQuarryError } from '../errors.ts';
import { openInstance, type Instance } from './instance.ts';

// A compute asset without a schema (its columns are only known once it has run), an SQL asset reading
// it with `*`, and a compute asset declaring its column lineage.
const events = defineAsset({
  key: 'raw/events',
  compute: () => [
    { user_id: 'u1', email: 'a@x.io', amount: 3 },
    { user_id: 'u2', email: 'b@x.io', amount: 5 },
  ],
});
const users = defineAsset({
  key: 'staging/users',
  deps: { events },
  schema: z.object({ user_id: z.string(), email: z.string(), amount: z.number(), email_hash: z.string() }),
  sql: 'select *, md5(email) as email_hash from events',
});
const spend = defineAsset({
  key: 'marts/spend',
  deps: { users },
  schema: z.object({ user_key: z.string(), total: z.number() }),
  columnLineage: { user_key: ['users.email_hash'], total: ['users.amount'] },
  compute: async (ctx) => ctx.query(`select email_hash as user_key, sum(amount)::DOUBLE as total from ${ctx.inputs.users} group by 1`),
});

async function withInstance(assets: AssetDefinition[], body: (instance: Instance) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-column-lineage-'));
  const instance = await openInstance({ project: defineProject({ name: 'column-lineage', assets }), projectDir: dir, quarryHome: join(dir, '.quarry') });
  try {
    await body(instance);
  } finally {
    await instance.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const inputsOf = (lineage: Readonly<Record<string, readonly { asset: string; column: string; transformations: readonly { type: string; subtype: string; masking?: boolean }[] }[]>>, column: string) =>
  (lineage[column] ?? []).flatMap((i) => i.transformations.map((t) => `${i.asset}.${i.column} ${t.type}/${t.subtype}${t.masking === true ? ' masking' : ''}`));

describe('column lineage of an instance', () => {
  test('* resolves through the schema the catalog recorded for the upstream; lineage is recorded per code version when a version commits', () =>
    withInstance([events, users, spend], async (instance) => {
      // Before any run, raw/events has neither a declared schema nor a recorded one: `*` cannot resolve.
      await assert.rejects(() => instance.columnLineage('staging/users'), (error: unknown) => isQuarryError(error, 'QUARRY_SQL_LINEAGE') && /input "events" \(raw\/events\) are unknown/.test(error.message));
      const graph = await instance.columnLineageGraph('marts/spend.user_key');
      assert.deepEqual(graph.unavailable.map((u) => u.asset), ['staging/users']);

      const { runId } = await instance.startRun({ selection: '*' });
      assert.equal((await instance.waitForRun(runId)).status, 'succeeded');

      const recorded = (await instance.columnLineage('staging/users'))!;
      assert.equal(recorded.origin, 'recorded');
      assert.equal(recorded.source, 'sql');
      assert.equal(recorded.runId, runId);
      assert.equal(recorded.codeVersion, instance.codeVersion('staging/users'));
      assert.deepEqual(Object.keys(recorded.lineage), ['user_id', 'email', 'amount', 'email_hash']);
      assert.deepEqual(inputsOf(recorded.lineage, 'user_id'), ['raw/events.user_id DIRECT/IDENTITY']);
      assert.deepEqual(inputsOf(recorded.lineage, 'email_hash'), ['raw/events.email DIRECT/TRANSFORMATION masking']);

      const declared = (await instance.columnLineage('marts/spend'))!;
      assert.equal(declared.source, 'declared');
      assert.equal(declared.origin, 'recorded');
      assert.deepEqual(inputsOf(declared.lineage, 'total'), ['staging/users.amount DIRECT/TRANSFORMATION']);

      // By code version: the one recorded, and none for a version that never ran.
      assert.deepEqual((await instance.columnLineage('staging/users', { version: recorded.codeVersion }))?.lineage, recorded.lineage);
      assert.equal(await instance.columnLineage('staging/users', { version: 'no-such-version' }), undefined);

      // Transitive: the mart's user_key comes from the e-mail, through a hash.
      const up = await instance.columnLineageGraph('marts/spend.user_key', { direction: 'upstream' });
      assert.deepEqual(up.unavailable, []);
      assert.deepEqual(
        up.edges.map((e) => `${e.depth} ${e.to.asset}.${e.to.column} <- ${e.from.asset}.${e.from.column} ${e.transformations.map((t) => `${t.type}/${t.subtype}${t.masking === true ? ' masking' : ''}`).join(',')}`),
        ['1 marts/spend.user_key <- staging/users.email_hash DIRECT/TRANSFORMATION', '2 staging/users.email_hash <- raw/events.email DIRECT/TRANSFORMATION masking'],
      );
      const down = await instance.columnLineageGraph('raw/events.amount', { direction: 'downstream' });
      assert.deepEqual(down.edges.map((e) => `${e.depth} ${e.from.asset}.${e.from.column} -> ${e.to.asset}.${e.to.column}`), ['1 raw/events.amount -> staging/users.amount', '2 staging/users.amount -> marts/spend.total']);

      await assert.rejects(() => instance.columnLineageGraph('staging/users.nope'), (error: unknown) => isQuarryError(error, 'QUARRY_BAD_ARGUMENT') && error.message === 'Asset "staging/users" has no column "nope"; its columns: user_id, email, amount, email_hash.');
      await assert.rejects(() => instance.columnLineageGraph('marts/nope.x'), (error: unknown) => isQuarryError(error, 'QUARRY_UNKNOWN_ASSET'));
    }));

  test('a changed SQL records a second lineage under its new code version; the old one stays readable', () =>
    withInstance([events, users], async (first) => {
      const { runId } = await first.startRun({ selection: '*' });
      assert.equal((await first.waitForRun(runId)).status, 'succeeded');
      const before = (await first.columnLineage('staging/users'))!;
      assert.equal(first.catalog.columnLineage('staging/users')?.codeVersion, before.codeVersion);
      // Same catalog, new SQL (the instance is reopened on a project whose SQL changed).
      const changed = defineAsset({ key: 'staging/users', deps: { events }, sql: 'select user_id, amount * 2 as amount from events' });
      const home = first.home;
      await first.close();
      const second = await openInstance({ project: defineProject({ name: 'column-lineage', assets: [events, changed] }), projectDir: first.projectDir, quarryHome: home });
      try {
        const run = await second.startRun({ selection: 'staging/users' });
        assert.equal((await second.waitForRun(run.runId)).status, 'succeeded');
        const after = (await second.columnLineage('staging/users'))!;
        assert.notEqual(after.codeVersion, before.codeVersion);
        assert.deepEqual(inputsOf(after.lineage, 'amount'), ['raw/events.amount DIRECT/TRANSFORMATION']);
        assert.deepEqual(Object.keys((await second.columnLineage('staging/users', { version: before.codeVersion }))!.lineage), ['user_id', 'email', 'amount', 'email_hash']);
      } finally {
        await second.close();
      }
    }));
});

describe('declared columnLineage of a compute asset', () => {
  const declare = (columnLineage: unknown, extra: Record<string, unknown> = {}) => () =>
    defineAsset({ key: 'marts/x', deps: { users }, schema: z.object({ a: z.string() }), compute: () => [], columnLineage: columnLineage as never, ...extra });
  const fails = (message: string) => (error: unknown) => isQuarryError(error, 'QUARRY_BAD_COLUMN_LINEAGE') && error.message === message;

  test('is validated against the deps and the declared schemas', () => {
    assert.deepEqual(declare({ a: ['users.email', 'users.user_id'] })().columnLineage, { a: ['users.email', 'users.user_id'] });
    assert.throws(declare({ a: ['orders.email'] }), fails('Asset "marts/x": columnLineage.a: "orders.email" names the dependency "orders", which the asset does not have (its deps: users).'));
    assert.throws(declare({ a: ['users.phone'] }), fails('Asset "marts/x": columnLineage.a: "users.phone" names the column "phone", which staging/users does not have (it has user_id, email, amount, email_hash).'));
    assert.throws(declare({ b: ['users.email'] }), fails('Asset "marts/x": columnLineage names the output column "b", which the asset\'s schema does not have (it has a).'));
    assert.throws(declare({ a: ['email'] }), fails('Asset "marts/x": columnLineage.a: "email" is not \'dep.column\' (a dependency name, a dot, a column).'));
    assert.throws(declare({ a: 'users.email' }), fails('Asset "marts/x": columnLineage.a must be a list of \'dep.column\' strings, got "users.email".'));
    assert.throws(declare(['users.email']), fails('Asset "marts/x": columnLineage must be an object of output column → [\'dep.column\', …], got ["users.email"].'));
  });

  test('is refused on an SQL asset, whose lineage comes from its SQL', () => {
    assert.throws(
      () => defineAsset({ key: 'marts/y', deps: { users }, sql: 'select email from users', columnLineage: { email: ['users.email'] } }),
      fails('Asset "marts/y": columnLineage is for compute assets; an SQL asset\'s column lineage is derived from its SQL. Remove columnLineage.'),
    );
  });
});
