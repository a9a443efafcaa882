// examples/shop as a user runs it: the real `quarry` bin with `--project examples/shop`, its own
// QUARRY_HOME and its own landing folder (SHOP_LANDING) under test-output/, and the example's own
// generator. Nothing of the example is imported: the tests see only what a user sees.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { openInstance, type Instance } from '@quarry/core';

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const QUARRY_BIN = join(REPO_ROOT, 'packages/core/bin/quarry.mjs');
/** The example project under test. */
export const SHOP_DIR = join(REPO_ROOT, 'examples/shop');

/** What a finished process left behind. */
export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A readable description of a process result for assertion messages. */
export function describeResult(result: ProcessResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** Rows of a `quarry query --json` or of the reference, every value as text, sorted: a multiset to compare. */
export type RowSet = string[][];

/** A shop project with its own state and landing folder. */
export interface ShopFixture {
  readonly root: string;
  readonly home: string;
  readonly landingDir: string;
  /** Runs `quarry ARGS --project examples/shop` and resolves when it exits. */
  quarry(args: readonly string[]): Promise<ProcessResult>;
  /** Like `quarry`, but fails unless the exit code is 0. */
  quarryOk(args: readonly string[]): Promise<ProcessResult>;
  /** Runs the example's generator (`npm run generate` in examples/shop) for New York days from..to. */
  generate(from: string, to: string): Promise<void>;
  /**
   * `Instance.query` (what `quarry query` runs) on the project's state, as a sorted row set of text
   * values (cast your columns to VARCHAR). In-process: spawning the CLI costs seconds per query here.
   */
  queryRows(sql: string): Promise<RowSet>;
  /** The same for SQL run directly on DuckDB, for the reference (`{landing}` is replaced by the landing path). */
  referenceRows(sql: string): Promise<RowSet>;
  cleanup(): Promise<void>;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<ProcessResult> {
  // The tests read the CLI's log lines as text; on a pipe the default would be JSON lines.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, QUARRY_LOG_FORMAT: 'pretty', ...env };
  // The test runner's own variables must not leak into the child process.
  delete childEnv.NODE_TEST_CONTEXT;
  delete childEnv.NODE_OPTIONS;
  const child = spawn(command, args, { cwd: SHOP_DIR, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not finish within ${timeoutMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

function sortedRows(rows: readonly (readonly unknown[])[]): RowSet {
  const text = rows.map((row) => row.map((v) => (v === null || v === undefined ? '∅' : String(v))));
  return text.sort((a, b) => (a.join('\u0001') < b.join('\u0001') ? -1 : a.join('\u0001') > b.join('\u0001') ? 1 : 0));
}

/** Creates the fixture's folders under test-output/e2e-shop/. */
export async function createShopFixture(name: string): Promise<ShopFixture> {
  const root = join(REPO_ROOT, 'test-output', 'e2e-shop', `${name}-${randomBytes(4).toString('hex')}`);
  const home = join(root, 'quarry-home');
  const landingDir = join(root, 'landing');
  mkdirSync(landingDir, { recursive: true });
  const env = { QUARRY_HOME: home, SHOP_LANDING: landingDir };
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  await connection.run("SET TimeZone = 'UTC'");
  let instance: Instance | undefined;
  const quarry = (args: readonly string[]) => run(process.execPath, [QUARRY_BIN, ...args, '--project', SHOP_DIR], env);
  const quarryOk = async (args: readonly string[]) => {
    const result = await quarry(args);
    if (result.code !== 0) throw new Error(`quarry ${args.join(' ')} failed: ${describeResult(result)}`);
    return result;
  };
  return {
    root,
    home,
    landingDir,
    quarry,
    quarryOk,
    async generate(from, to) {
      const result = await run(process.execPath, ['--import', 'tsx', join(SHOP_DIR, 'src/generate-landing.ts'), '--from', from, '--to', to], env);
      if (result.code !== 0) throw new Error(`generate failed: ${describeResult(result)}`);
    },
    async queryRows(sql) {
      // The config reads SHOP_LANDING when it is loaded; one fixture per test process.
      process.env.SHOP_LANDING = landingDir;
      instance ??= await openInstance({ projectDir: SHOP_DIR, quarryHome: home });
      const result = await instance.query(sql, { maxRows: 1_000_000 });
      if (result.truncated) throw new Error(`query truncated its result: ${sql}`);
      return sortedRows(result.rows.map((row) => result.columns.map((c) => row[c.name])));
    },
    async referenceRows(sql) {
      const reader = await connection.runAndReadAll(sql.replaceAll('{landing}', landingDir.replaceAll("'", "''")));
      return sortedRows(reader.getRowsJS());
    },
    async cleanup() {
      await instance?.close();
      connection.closeSync();
      db.closeSync();
      if (process.env.QUARRY_E2E_KEEP !== '1') rmSync(root, { recursive: true, force: true });
    },
  };
}
