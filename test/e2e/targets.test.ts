// End-to-end: targets. `--target NAME` (and QUARRY_TARGET) picks where a project runs; each target has
// its own catalog (dev keeps today's paths), an unknown target is a clear error listing the project's
// targets, and `quarry compile` prints the SQL the target's engine runs (BigQuery: transpiled).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLOCK_TOO_EARLY, createE2eProject, describeResult, parseJson, replaceOnce, type CliResult, type E2eProject } from './e2e-project.ts';

function ok(result: CliResult): CliResult {
  assert.equal(result.code, 0, describeResult(result));
  return result;
}

/** examples/hello with a second DuckDB target on its own lake, and a BigQuery target (compile and plan only: no job runs). */
function withTargets(project: E2eProject, extraSql?: string): void {
  project.editConfig((source) => {
    let next = replaceOnce(source, "import { dailyPartitions, defineAsset, defineProject, timeWindowMapping } from '@quarry/core';", "import { bigquery, dailyPartitions, defineAsset, defineProject, duckdb, local, timeWindowMapping } from '@quarry/core';");
    if (extraSql !== undefined) {
      next = replaceOnce(next, 'export default defineProject(', `export const extra = defineAsset({ key: 'marts/extra', deps: { clean: ordersClean }, partitions: daily, sql: ${JSON.stringify(extraSql)} });\n\nexport default defineProject(`);
      next = replaceOnce(next, 'assets: [orders, ordersClean, revenue7d]', 'assets: [orders, ordersClean, revenue7d, extra]');
    }
    return replaceOnce(
      next,
      "name: 'hello',",
      "name: 'hello', targets: { other: { engine: duckdb(), store: local('.quarry/other-lake') }, prod: { engine: bigquery({ projectId: 'acme-data', dataset: 'hello' }), store: local('.quarry/prod-lake') } },",
    );
  });
}

interface StatusJson {
  assets: { assetKey: string; counts: { fresh: number; missing: number } }[];
}

function freshOf(result: CliResult, asset: string): number {
  return parseJson<StatusJson>(result).assets.find((a) => a.assetKey === asset)!.counts.fresh;
}

describe('targets', { skip: CLOCK_TOO_EARLY }, () => {
  test('--target and QUARRY_TARGET keep separate catalogs; dev keeps the paths it always had', async () => {
    const project = createE2eProject('targets');
    try {
      withTargets(project);
      ok(await project.quarry(['materialize', 'raw/orders', '--partition', '2026-01-02', '--target', 'other']));
      // The other target's catalog and lake are its own; dev's catalog is untouched (not even created).
      assert.ok(existsSync(join(project.home, 'targets', 'other', 'catalog.sqlite')), 'the target keeps its catalog under <home>/targets/other');
      assert.ok(existsSync(join(project.dir, '.quarry', 'other-lake', 'raw', 'orders')), 'the target writes its own lake');
      assert.equal(existsSync(project.catalogPath), false, 'dev has no catalog yet');
      assert.equal(freshOf(ok(await project.quarry(['status', 'raw/orders', '--json', '--target', 'other'])), 'raw/orders'), 1);
      assert.equal(freshOf(ok(await project.quarry(['status', 'raw/orders', '--json', '--target', 'other'], { env: { QUARRY_TARGET: 'dev' } })), 'raw/orders'), 1, '--target wins over QUARRY_TARGET');
      assert.equal(freshOf(ok(await project.quarry(['status', 'raw/orders', '--json'], { env: { QUARRY_TARGET: 'other' } })), 'raw/orders'), 1, 'QUARRY_TARGET picks the target');
      // dev: today's catalog.sqlite and lake under QUARRY_HOME, and nothing of the other target's.
      assert.equal(freshOf(ok(await project.quarry(['status', 'raw/orders', '--json'])), 'raw/orders'), 0);
      ok(await project.quarry(['materialize', 'raw/orders', '--partition', '2026-01-03']));
      assert.ok(existsSync(project.catalogPath), 'dev writes the catalog where it always did');
      assert.ok(existsSync(join(project.lakeDir, 'raw', 'orders', '2026-01-03')), 'dev writes the lake where it always did');
      assert.equal(freshOf(ok(await project.quarry(['status', 'raw/orders', '--json', '--target', 'other'])), 'raw/orders'), 1, 'the other target did not see dev\'s run');
      const runs = parseJson<{ runs: unknown[] }>(ok(await project.quarry(['runs', '--json', '--target', 'other'])));
      assert.equal(runs.runs.length, 1);
    } finally {
      project.cleanup();
    }
  });

  test('an unknown target is a clear error listing the targets, from --target and from QUARRY_TARGET', async () => {
    const project = createE2eProject('targets-unknown');
    try {
      withTargets(project);
      const flagged = await project.quarry(['plan', '--target', 'staging']);
      assert.equal(flagged.code, 1, describeResult(flagged));
      assert.match(flagged.stderr, /QUARRY_UNKNOWN_TARGET/);
      assert.match(flagged.stderr, /no target "staging": use one of "other", "prod", "dev"/);
      const fromEnv = await project.quarry(['status'], { env: { QUARRY_TARGET: 'nope' } });
      assert.equal(fromEnv.code, 1, describeResult(fromEnv));
      assert.match(fromEnv.stderr, /no target "nope" \(from QUARRY_TARGET\)/);
      assert.equal(existsSync(join(project.home, 'targets', 'staging')), false, 'no state is made for an unknown target');
    } finally {
      project.cleanup();
    }
  });

  test('quarry compile prints the SQL each target runs; plan on BigQuery refuses SQL that does not transpile, before any job', async () => {
    const project = createE2eProject('targets-compile');
    try {
      withTargets(project, 'select order_id, struct_pack(a := amount) as top from clean');
      const dev = ok(await project.quarry(['compile', 'staging/orders_clean']));
      assert.match(dev.stdout, /^-- staging\/orders_clean on duckdb \(target dev\)$/m);
      assert.match(dev.stdout, /select order_id, any_value\(customer_id\) as customer_id, max\(amount\) as amount, \$partition_key as day/);
      const prod = parseJson<{ engine: string; transpiled: boolean; sql: string; parameters: Record<string, unknown> }>(ok(await project.quarry(['compile', 'staging/orders_clean', '--target', 'prod', '--partition', '2026-01-02', '--json'])));
      assert.equal(prod.engine, 'bigquery');
      assert.equal(prod.transpiled, true);
      assert.match(prod.sql, /@partition_key/);
      assert.doesNotMatch(prod.sql, /\$partition_key/);
      assert.deepEqual(prod.parameters.partition_key, '2026-01-02');
      assert.equal(prod.parameters.partition_start, '2026-01-02T00:00:00.000Z');
      // A compute asset runs on DuckDB in every target: it has no SQL to compile.
      const compute = await project.quarry(['compile', 'raw/orders', '--target', 'prod']);
      assert.equal(compute.code, 1, describeResult(compute));
      assert.match(compute.stderr, /compute asset/);
      // The construct that does not transpile: named with the asset and the ways out, at compile and at plan.
      const bad = await project.quarry(['compile', 'marts/extra', '--target', 'prod']);
      assert.equal(bad.code, 1, describeResult(bad));
      assert.match(bad.stderr, /QUARRY_SQL_UNSUPPORTED/);
      assert.match(bad.stderr, /marts\/extra/);
      const plan = await project.quarry(['plan', '--target', 'prod', '--partition', '2026-01-02']);
      assert.equal(plan.code, 1, describeResult(plan));
      assert.match(plan.stderr, /Asset "marts\/extra"/);
      assert.match(plan.stderr, /sql: \{ duckdb: '…', bigquery: '…' \}/);
      assert.match(plan.stderr, /engine: 'duckdb'/);
      assert.equal(existsSync(join(project.home, 'targets', 'prod', 'catalog.sqlite')), true);
      // dev plans the same project without a word about BigQuery.
      ok(await project.quarry(['plan', '--partition', '2026-01-02']));
    } finally {
      project.cleanup();
    }
  });
});
