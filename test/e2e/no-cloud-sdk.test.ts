// A DuckDB-only user never loads a cloud SDK: `npm run demo` (scripts/demo.ts, on a small copy of
// examples/tiktok) and the `quarry` CLI on examples/hello run with a recorder of every module the
// process loads, and no Google Cloud client library may be among them. DuckDB's client must be (so a
// recorder that saw nothing could not pass), and a process that does load an SDK must be caught.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { QUARRY_BIN, REPO_ROOT, createE2eProject } from './e2e-project.ts';

const RECORDER = fileURLToPath(new URL('./module-recorder.mjs', import.meta.url));
const OUTPUT_ROOT = join(REPO_ROOT, 'test-output', 'no-cloud-sdk');

/** Modules of the Google Cloud client libraries and what they stand on (auth, HTTP, metadata server). */
const CLOUD_SDK = /[\\/]node_modules[\\/](@google-cloud[\\/]|google-auth-library[\\/]|gaxios[\\/]|gcp-metadata[\\/]|googleapis-common[\\/])/;
const DUCKDB = /[\\/]node_modules[\\/]@duckdb[\\/]node-api[\\/]/;

/** One module a recorded process loaded, and the module that loaded it (when known). */
interface LoadedModule {
  readonly path: string;
  readonly importer: string;
}

/** What a recorded child process printed and loaded. */
interface RecordedRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly modules: readonly LoadedModule[];
}

const asPath = (url: string): string => (url.startsWith('file:') ? fileURLToPath(url) : url);

/** Runs `node --import module-recorder.mjs ARGS` and returns the modules it loaded. */
async function runRecorded(args: readonly string[], options: { cwd: string; env?: Record<string, string>; timeoutMs: number }): Promise<RecordedRun> {
  mkdirSync(OUTPUT_ROOT, { recursive: true });
  const log = join(OUTPUT_ROOT, `modules-${randomBytes(4).toString('hex')}.log`);
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, QUARRY_TEST_MODULE_LOG: log };
  // The test runner's own variables must not leak into the child.
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['--import', RECORDER, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not finish within ${options.timeoutMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  const modules = readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [path = '', importer = ''] = line.split('\t');
      return { path: asPath(path), importer: asPath(importer) };
    });
  rmSync(log, { force: true });
  return { code, stdout, stderr, modules };
}

/** The package a module file belongs to (`@google-cloud/storage`, `gaxios`), from its last node_modules segment. */
function packageOf(path: string): string {
  const rest = path.split(/[\\/]node_modules[\\/]/).pop() ?? path;
  const parts = rest.split(/[\\/]/);
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** The cloud SDK packages a run loaded, each with the first file of ours on the import chain that reached it. */
function cloudSdkModules(run: RecordedRun): string[] {
  const importerOf = new Map<string, string>();
  for (const m of run.modules) if (m.importer !== '' && !importerOf.has(m.path)) importerOf.set(m.path, m.importer);
  const loaded = new Set<string>();
  for (const path of run.modules.map((m) => m.path).filter((p) => CLOUD_SDK.test(p))) {
    let from = importerOf.get(path);
    const seen = new Set<string>();
    while (from !== undefined && /[\\/]node_modules[\\/]/.test(from) && !seen.has(from)) {
      seen.add(from);
      from = importerOf.get(from);
    }
    loaded.add(`${packageOf(path)}${from !== undefined ? ` (reached from ${relative(REPO_ROOT, from)})` : ''}`);
  }
  return [...loaded].sort();
}

function assertDuckDbOnly(run: RecordedRun, what: string): void {
  assert.equal(run.code, 0, `${what} failed.\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.ok(run.modules.some((m) => DUCKDB.test(m.path)), `${what} loaded @duckdb/node-api (the recorder saw ${run.modules.length} modules)`);
  assert.deepEqual(cloudSdkModules(run), [], `${what} must load no cloud SDK module`);
}

describe('a DuckDB-only project loads no cloud SDK', () => {
  test('the recorder catches a process that loads a cloud SDK, and what the SDK requires in turn', async () => {
    // What a static import of @google-cloud/storage anywhere on the demo's path would do.
    const run = await runRecorded(['--input-type=module', '-e', "await import('@google-cloud/storage');"], { cwd: REPO_ROOT, timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);
    const loaded = cloudSdkModules(run);
    assert.ok(loaded.includes('@google-cloud/storage (reached from [eval1])'), loaded.join('\n'));
    assert.ok(loaded.includes('google-auth-library (reached from [eval1])'), loaded.join('\n'));
    assert.ok(loaded.includes('gaxios (reached from [eval1])'), loaded.join('\n'));
  });

  test('`npm run demo` (scripts/demo.ts on a small copy of examples/tiktok) loads DuckDB and no cloud SDK', async () => {
    // The demo script and the example's config, unchanged, in a copy under test-output/ (gitignored), so
    // the demo writes its landing and state there and resolves @quarry/* from this checkout.
    const dir = join(OUTPUT_ROOT, `demo-${randomBytes(4).toString('hex')}`);
    mkdirSync(join(dir, 'scripts'), { recursive: true });
    mkdirSync(join(dir, 'examples', 'tiktok'), { recursive: true });
    cpSync(join(REPO_ROOT, 'scripts', 'demo.ts'), join(dir, 'scripts', 'demo.ts'));
    cpSync(join(REPO_ROOT, 'examples', 'tiktok', 'quarry.config.ts'), join(dir, 'examples', 'tiktok', 'quarry.config.ts'));
    try {
      // `npm run demo` is `tsx scripts/demo.ts`: the same loader, through --import.
      const run = await runRecorded(['--import', 'tsx', join(dir, 'scripts', 'demo.ts'), '--creators', '20', '--days', '3', '--fresh'], { cwd: REPO_ROOT, timeoutMs: 600_000 });
      assertDuckDbOnly(run, 'npm run demo');
      assert.match(run.stdout, /14 assets, 42 partitions materialized/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('`quarry backfill` and `quarry plan` on examples/hello load DuckDB and no cloud SDK', async () => {
    const project = createE2eProject('no-cloud-sdk');
    try {
      const env = { QUARRY_HOME: project.home, QUARRY_LOG_FORMAT: 'pretty' };
      const backfill = await runRecorded([QUARRY_BIN, 'backfill', '*', '--from', '2026-01-01', '--to', '2026-01-02'], { cwd: project.dir, env, timeoutMs: 300_000 });
      assertDuckDbOnly(backfill, 'quarry backfill');
      const plan = await runRecorded([QUARRY_BIN, 'plan', '--from', '2026-01-01', '--to', '2026-01-02'], { cwd: project.dir, env, timeoutMs: 300_000 });
      assert.equal(plan.code, 0, plan.stderr);
      assert.deepEqual(cloudSdkModules(plan), [], 'quarry plan must load no cloud SDK module');
    } finally {
      project.cleanup();
    }
  });
});
