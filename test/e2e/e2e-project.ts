import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout under test: this repository (test/e2e/ is two levels down), or QUARRY_E2E_REPO to run
 * the suite against another checkout's bin and examples (e.g. one with a candidate patch applied).
 */
export const REPO_ROOT = process.env.QUARRY_E2E_REPO ?? fileURLToPath(new URL('../..', import.meta.url));

/** The `quarry` bin every test spawns, as a user would run it. */
export const QUARRY_BIN = join(REPO_ROOT, 'packages/core/bin/quarry.mjs');

const HELLO_DIR = join(REPO_ROOT, 'examples/hello');

// Under the repo (gitignored), so the copied quarry.config.ts resolves '@quarry/core' and 'zod' by
// walking up to /work/main/node_modules.
const OUTPUT_ROOT = join(REPO_ROOT, 'test-output/e2e');

/** What a finished `quarry` process left behind. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of one `quarry` invocation. */
export interface QuarryCallOptions {
  /** Extra environment variables (fault injection switches). */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the process (SIGKILL) and fail after this long; default 60 s. */
  readonly timeoutMs?: number;
}

/** A copy of examples/hello in its own temp directory, with its own QUARRY_HOME. */
export interface E2eProject {
  readonly dir: string;
  /** QUARRY_HOME: catalog.sqlite and lake/ live here. */
  readonly home: string;
  readonly lakeDir: string;
  readonly catalogPath: string;
  /** Runs `quarry ARGS` in the project directory and resolves when it exits. */
  quarry(args: readonly string[], options?: QuarryCallOptions): Promise<CliResult>;
  /** Starts `quarry ARGS` and returns the child with its output collected so far (for kill tests). */
  start(args: readonly string[], options?: QuarryCallOptions): RunningQuarry;
  /** Rewrites quarry.config.ts; `edit` must change it (so a test never silently edits nothing). */
  editConfig(edit: (source: string) => string): void;
  /** Writes a file under the project directory, creating folders. */
  writeFile(relativePath: string, text: string): void;
  /** Deletes the temp directory (kept when QUARRY_E2E_KEEP=1, for debugging). */
  cleanup(): void;
}

/** A `quarry` process still running. */
export interface RunningQuarry {
  readonly child: ChildProcess;
  /** stdout and stderr received so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when the process has exited. */
  readonly done: Promise<CliResult>;
  /** Resolves once stderr has at least `count` lines matching `pattern`. */
  waitForLines(pattern: RegExp, count: number): Promise<void>;
}

/**
 * Copies examples/hello (quarry.config.ts, src/, package.json; never its .quarry state) into a fresh
 * directory under test-output/e2e/ and returns helpers to run the real CLI against it.
 */
export function createE2eProject(name: string): E2eProject {
  const dir = join(OUTPUT_ROOT, `${name}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  for (const entry of ['quarry.config.ts', 'src', 'package.json']) cpSync(join(HELLO_DIR, entry), join(dir, entry), { recursive: true });
  const home = join(dir, '.quarry-home');
  const configPath = join(dir, 'quarry.config.ts');

  const start = (args: readonly string[], options: QuarryCallOptions = {}): RunningQuarry => {
    // The tests read the CLI's log lines as a person would (text); stderr is a pipe here, where the
    // default is JSON lines. test/e2e/logging.test.ts covers the JSON format.
    const env: NodeJS.ProcessEnv = { ...process.env, QUARRY_HOME: home, QUARRY_LOG_FORMAT: 'pretty', ...options.env };
    // The test runner's own variables must not leak into the CLI process.
    delete env.NODE_TEST_CONTEXT;
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [QUARRY_BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const waiters: { pattern: RegExp; count: number; resolve: () => void }[] = [];
    const checkWaiters = () => {
      for (const w of [...waiters]) {
        const lines = stderr.split('\n').filter((l) => w.pattern.test(l)).length;
        if (lines >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    };
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      checkWaiters();
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    const done = new Promise<CliResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`quarry ${args.join(' ')} did not finish within ${timeoutMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      }, timeoutMs);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
    return {
      child,
      output: () => ({ stdout, stderr }),
      done,
      waitForLines: (pattern, count) =>
        new Promise<void>((resolve, reject) => {
          waiters.push({ pattern, count, resolve });
          checkWaiters();
          done.then(
            (r) => reject(new Error(`quarry ${args.join(' ')} exited (code ${r.code}, signal ${r.signal}) before printing ${count} lines matching ${pattern}.\nstderr:\n${r.stderr}`)),
            reject,
          );
        }),
    };
  };

  return {
    dir,
    home,
    lakeDir: join(home, 'lake'),
    catalogPath: join(home, 'catalog.sqlite'),
    quarry: (args, options) => start(args, options).done,
    start,
    editConfig(edit) {
      const before = readFileSync(configPath, 'utf8');
      const after = edit(before);
      if (after === before) throw new Error('editConfig: the edit changed nothing; has examples/hello/quarry.config.ts changed?');
      writeFileSync(configPath, after);
    },
    writeFile(relativePath, text) {
      const path = join(dir, relativePath);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    },
    cleanup() {
      if (process.env.QUARRY_E2E_KEEP === '1') return;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Replaces exactly one occurrence of `search` in `source`; throws when it is absent or repeated. */
export function replaceOnce(source: string, search: string, replacement: string): string {
  const at = source.indexOf(search);
  if (at < 0 || source.indexOf(search, at + 1) >= 0) {
    throw new Error(`replaceOnce: expected exactly one ${JSON.stringify(search)} in quarry.config.ts`);
  }
  return source.slice(0, at) + replacement + source.slice(at + search.length);
}

/** The run id a `materialize`/`backfill` printed on stdout (`Run r_…: N steps`). */
export function runIdOf(result: { stdout: string }): string {
  const match = /^Run (r_[A-Za-z0-9_]+): \d+ steps?/m.exec(result.stdout);
  if (match === null) throw new Error(`no "Run r_…: N steps" line in stdout:\n${result.stdout}`);
  return match[1]!;
}

/** Parses a command's `--json` stdout, with the output in the error when it is not JSON. */
export function parseJson<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** A readable description of a CLI result for assertion messages. */
export function describeResult(result: CliResult): string {
  return `exit ${result.code}${result.signal ? ` (${result.signal})` : ''}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** The keys from `from` to `to` inclusive (yyyy-MM-dd). */
export function dayKeys(from: string, to: string): string[] {
  const keys: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) keys.push(new Date(t).toISOString().slice(0, 10));
  return keys;
}

/**
 * The daily partitions of examples/hello exist up to yesterday (UTC), so the tests' fixed ranges
 * (January 2026) need a clock past 2026-02-01.
 */
export const CLOCK_TOO_EARLY = Date.now() < Date.UTC(2026, 1, 2) ? 'the system clock is before 2026-02-02, so the January 2026 partitions of examples/hello do not exist yet' : false;
