// End-to-end: `quarry query` is read-only and asset SQL sees only its declared inputs, through the
// real `quarry` CLI on a copy of examples/hello (issue "Trust", points 3 and 4).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lakeFiles } from './catalog-snapshot.ts';
import { CLOCK_TOO_EARLY, createE2eProject, describeResult, parseJson, replaceOnce, type CliResult, type E2eProject } from './e2e-project.ts';

const RANGE = ['--from', '2026-01-01', '--to', '2026-01-03'] as const;

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function assertRefused(result: CliResult, code: string, ...fragments: string[]): void {
  assert.notEqual(result.code, 0, describeResult(result));
  assert.ok(result.stderr.includes(`[${code}]`), `expected ${code}: ${describeResult(result)}`);
  for (const fragment of fragments) assert.ok(result.stderr.includes(fragment), `stderr should include ${JSON.stringify(fragment)}: ${describeResult(result)}`);
  // A QuarryError is one line, never DuckDB's raw "Permission Error" or a stack trace.
  assert.doesNotMatch(result.stderr, /^\s+at /m, describeResult(result));
}

describe('declared inputs only, on examples/hello', { skip: CLOCK_TOO_EARLY }, () => {
  let project: E2eProject;
  let ordersFile: string;

  before(async () => {
    project = createE2eProject('declared-inputs');
    const backfill = await project.quarry(['backfill', '*', ...RANGE]);
    assert.equal(backfill.code, 0, describeResult(backfill));
    const file = lakeFiles(project.lakeDir).find((path) => path.startsWith('raw/orders/') && path.endsWith('.parquet'));
    assert.ok(file, 'raw/orders has a committed Parquet file');
    ordersFile = join(project.lakeDir, file);
  });

  after(() => project?.cleanup());

  test('quarry query refuses to write: COPY … TO, a committed lake file, ATTACH, EXPORT DATABASE; status stays fresh', async () => {
    const before = sha256(ordersFile);
    const csv = join(project.dir, 'orders.csv');
    const [copy, overwrite, attach, exported, smuggled] = await Promise.all([
      project.quarry(['query', `COPY (select * from raw__orders) TO '${csv}'`]),
      project.quarry(['query', `COPY (select 'evil' as order_id) TO '${ordersFile}' (FORMAT parquet)`]),
      project.quarry(['query', `ATTACH '${join(project.dir, 'other.duckdb')}' AS other`]),
      project.quarry(['query', `EXPORT DATABASE '${join(project.dir, 'export')}'`]),
      project.quarry(['query', `select count(*) from raw__orders; COPY (select 1) TO '${csv}'`]),
    ]);
    assertRefused(copy, 'QUARRY_QUERY_READ_ONLY', 'read-only', 'COPY … TO writes files', '--json');
    assertRefused(overwrite, 'QUARRY_QUERY_READ_ONLY', 'COPY … TO writes files');
    assertRefused(attach, 'QUARRY_QUERY_READ_ONLY', 'ATTACH');
    assertRefused(exported, 'QUARRY_QUERY_READ_ONLY', 'EXPORT DATABASE writes files');
    assertRefused(smuggled, 'QUARRY_QUERY_READ_ONLY', '2 statements');
    assert.equal(existsSync(csv), false);
    assert.equal(existsSync(join(project.dir, 'other.duckdb')), false);
    assert.equal(existsSync(join(project.dir, 'export')), false);
    assert.equal(sha256(ordersFile), before, 'the committed Parquet file is unchanged');
    const plan = await project.quarry(['plan', ...RANGE, '--json']);
    assert.equal(plan.code, 0, describeResult(plan));
    assert.deepEqual(parseJson<{ steps: unknown[] }>(plan).steps, [], 'nothing is stale');
  });

  test('quarry query reads only the lake views: no arbitrary file, no settings, no extensions, no PRAGMA', async () => {
    const results = await Promise.all([
      project.quarry(['query', "select * from read_csv('/etc/passwd')"]),
      project.quarry(['query', "select * from read_text('/etc/hostname')"]),
      project.quarry(['query', `select * from glob('${project.lakeDir}/**')`]),
      project.quarry(['query', 'SET enable_external_access = true']),
      project.quarry(['query', 'LOAD httpfs']),
      project.quarry(['query', 'INSTALL httpfs']),
      project.quarry(['query', 'PRAGMA version']),
      project.quarry(['query', `select count(*) as n from read_parquet('${ordersFile}')`, '--json', '--unmask']),
      project.quarry(['query', 'select count(*) as n from raw__orders', '--json']),
      project.quarry(['query', `select count(*) as n from read_parquet('${ordersFile}')`, '--json']),
    ]);
    const [passwd, text, glob, set, load, install, pragma, viewFile, view, maskedFile] = results;
    assertRefused(passwd!, 'QUARRY_BAD_FILE_ACCESS', '/etc/passwd', "lake's asset views");
    assertRefused(text!, 'QUARRY_BAD_FILE_ACCESS', '/etc/hostname');
    assertRefused(glob!, 'QUARRY_BAD_FILE_ACCESS');
    assertRefused(set!, 'QUARRY_QUERY_READ_ONLY', 'settings are locked');
    assertRefused(load!, 'QUARRY_QUERY_READ_ONLY', 'extensions cannot be loaded');
    assertRefused(install!, 'QUARRY_QUERY_READ_ONLY', 'extensions cannot be installed');
    assertRefused(pragma!, 'QUARRY_QUERY_READ_ONLY', 'PRAGMA');
    // raw/orders has a PII column (customer_id): with PII masked, its file by path would bypass the view's masking.
    assertRefused(maskedFile!, 'QUARRY_BAD_FILE_ACCESS', 'PII is masked');
    // A file of a current version is what the views read, so with --unmask it is readable by its path too.
    assert.equal(viewFile!.code, 0, describeResult(viewFile!));
    assert.deepEqual(parseJson<{ rows: unknown[] }>(viewFile!).rows, [{ n: 20 }]);
    assert.equal(view!.code, 0, describeResult(view!));
    assert.deepEqual(parseJson<{ rows: unknown[] }>(view!).rows, [{ n: 60 }]);
  });

  test('asset SQL reading another asset’s lake files without declaring it fails naming the asset and deps; declared, it runs', async () => {
    const sneaky = `
export const sneaky = defineAsset({
  key: 'marts/sneaky',
  sql: \`select count(*) as n from read_parquet('${project.lakeDir}/raw/orders/**/*.parquet')\`,
});
export const honest = defineAsset({ key: 'marts/honest', deps: { orders }, partitions: daily, sql: 'select count(*) as n from orders' });
export const landing = defineAsset({ key: 'raw/landing', sql: \`select count(*) as n from read_csv('/etc/passwd', header = false)\` });
`;
    project.editConfig((source) =>
      replaceOnce(source, "export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d] });", `${sneaky}\nexport default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d, sneaky, honest, landing] });`),
    );
    const [sneakyRun, landingRun, honestRun] = await Promise.all([
      project.quarry(['materialize', 'marts/sneaky']),
      project.quarry(['materialize', 'raw/landing']),
      project.quarry(['materialize', 'marts/honest', '--partition', '2026-01-02']),
    ]);
    for (const [result, asset, path] of [[sneakyRun, 'marts/sneaky', `${project.lakeDir}/raw/orders/`], [landingRun, 'raw/landing', '/etc/passwd']] as const) {
      assert.notEqual(result.code, 0, describeResult(result));
      const output = result.stdout + result.stderr;
      for (const fragment of [asset, path, "not one of the asset's declared inputs", 'deps', 'sourceFiles']) assert.ok(output.includes(fragment), `output should include ${JSON.stringify(fragment)}: ${describeResult(result)}`);
    }
    assert.equal(honestRun.code, 0, describeResult(honestRun));
  });
});
