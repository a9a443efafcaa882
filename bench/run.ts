/**
 * Runs Quarry's benchmark suites and prints one table: name, measured, target, ratio, verdict.
 *
 *   npx tsx bench/run.ts [--quick] [--only aggregate,steps,million,partitions,engine,checks,ui] [--repeats N] [--keep]
 *
 * The framework suites (`bench/framework.ts`) run in this process on projects generated under
 * `bench-output/`; the other bench scripts (`bench/partitions.ts`, `engine.ts`, `checks.ts`, `ui.ts`,
 * when present) run as child processes with `npx tsx`, their output passed through, and their target
 * lines become rows of the table. Every comparison is measured within this one run (alternating
 * variants, medians), because the machine is noisy. Exits 1 when any row is MISS or FAIL.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FRAMEWORK_SUITES, type BenchRow } from './framework.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(BENCH_DIR, '..');

/** A bench script run as a child process, with the arguments it gets in a quick run. */
interface ScriptSuite {
  readonly file: string;
  /** Options for `--quick`; each is passed only when the script declares that option. */
  readonly quickArgs: readonly (readonly [string, string | undefined])[];
}

const SCRIPT_SUITES: Record<string, ScriptSuite> = {
  partitions: { file: 'partitions.ts', quickArgs: [['repeats', '5']] },
  engine: { file: 'engine.ts', quickArgs: [['rows', '2000000'], ['repeats', '3'], ['trivial', '50'], ['quick', undefined]] },
  checks: { file: 'checks.ts', quickArgs: [['rows', '2000000'], ['repeats', '3'], ['quick', undefined]] },
  ui: { file: 'ui.ts', quickArgs: [['repeats', '3'], ['quick', undefined]] },
  tiktok: { file: 'tiktok.ts', quickArgs: [['creators', '2000'], ['days', '7'], ['repeats', '3'], ['quick', undefined]] },
};
// Bench scripts added later run too (without quick arguments), so a new suite shows up in the table at once.
const OWN_FILES = new Set(['run.ts', 'framework.ts']);
for (const file of readdirSync(BENCH_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !OWN_FILES.has(f)).sort()) {
  const name = file.slice(0, -'.ts'.length);
  if (!Object.values(SCRIPT_SUITES).some((s) => s.file === file)) SCRIPT_SUITES[name] = { file, quickArgs: [] };
}

const ALIASES: Readonly<Record<string, string>> = { a: 'aggregate', b: 'steps', c: 'million' };
const ALL_SUITES = [...Object.keys(FRAMEWORK_SUITES), ...Object.keys(SCRIPT_SUITES)];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    repeats: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  console.log(`usage: npx tsx bench/run.ts [--quick] [--only ${ALL_SUITES.join(',')}] [--repeats N] [--keep]
  --quick     smaller sizes for a smoke run
  --only      comma-separated suites (a, b, c stand for aggregate, steps, million)
  --repeats   timed runs per compared variant (default 11, quick 3; steps runs at most 3 rounds, million 3)
  --keep      keep the generated projects under bench-output/`);
  process.exit(0);
}

const selected = args.only === undefined ? ALL_SUITES : args.only.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => ALIASES[s] ?? s);
const unknown = selected.filter((s) => !ALL_SUITES.includes(s));
if (unknown.length > 0) {
  console.error(`Unknown suite ${unknown.map((s) => `"${s}"`).join(', ')}: choose from ${ALL_SUITES.join(', ')} (or a, b, c).`);
  process.exit(2);
}
const quick = args.quick;
const repeats = args.repeats !== undefined ? Number(args.repeats) : quick ? 3 : 11;
if (!Number.isInteger(repeats) || repeats < 1) {
  console.error(`--repeats must be a whole number ≥ 1, got ${String(args.repeats)}.`);
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Runs one bench script with `npx tsx`, streaming its output through with a prefix, and returns it. */
function runScript(name: string, suite: ScriptSuite): Promise<{ code: number | null; output: string; ms: number }> {
  const path = join(BENCH_DIR, suite.file);
  const source = readFileSync(path, 'utf8');
  const scriptArgs: string[] = [];
  if (quick) {
    // Pass only the options the script declares, so a script without them does not fail on parseArgs.
    for (const [option, value] of suite.quickArgs) {
      if (!new RegExp(`\\b${option}\\s*:\\s*\\{\\s*type`).test(source)) continue;
      scriptArgs.push(`--${option}`, ...(value === undefined ? [] : [value]));
    }
  }
  log(`── ${name}: npx tsx bench/${suite.file} ${scriptArgs.join(' ')}`);
  const started = performance.now();
  return new Promise((resolvePromise) => {
    const child = spawn('npx', ['tsx', join('bench', suite.file), ...scriptArgs], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const pass = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      process.stderr.write(text.replace(/^(?=.)/gm, `  [${name}] `));
    };
    child.stdout.on('data', pass);
    child.stderr.on('data', pass);
    child.on('error', (error) => {
      output += `\n${error.message}`;
    });
    child.on('close', (code) => resolvePromise({ code, output, ms: performance.now() - started }));
  });
}

const NUMBER = /-?\d[\d,]*(?:\.\d+)?/;

function firstNumber(text: string): number | undefined {
  const found = text.match(NUMBER);
  return found === null ? undefined : Number(found[0]!.replace(/,/g, ''));
}

/**
 * The table rows in a child script's output: every line carrying a verdict (PASS/MISS) or a target
 * (`(target ≤ 10 ms)`). Lines are split into fields on runs of 2+ spaces: the first is the name, the
 * next the measured value (or, on `name: value` lines, the text after the colon), and the target is
 * the `(target …)` text or else the field just before a lone PASS/MISS field.
 */
function parseScriptRows(suite: string, output: string): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const verdictMatch = /\b(PASS|MISS)\b/.exec(line);
    const targetMatch = /\(target\s*([^)]*)\)/.exec(line);
    if (verdictMatch === null && targetMatch === null) continue;
    const fields = line.split(/\s{2,}/);
    const verdictIndex = fields.findIndex((f) => /^(PASS|MISS)$/.test(f));
    const targetIndex = targetMatch !== null ? fields.findIndex((f) => f.includes('(target')) : verdictIndex >= 2 ? verdictIndex - 1 : -1;
    const before = fields.slice(0, targetIndex >= 0 ? targetIndex : verdictIndex >= 0 ? verdictIndex : fields.length);
    let name = before[0] ?? line;
    let measured = before[1] ?? '';
    if (before.length < 2) {
      const colon = name.lastIndexOf(': ');
      if (colon > 0) {
        measured = name.slice(colon + 2);
        name = name.slice(0, colon);
      }
    }
    const target = targetMatch?.[1]?.trim() ?? (targetIndex >= 0 ? fields[targetIndex]!.trim() : '-');
    // A bare number under a header such as "median ms" takes the target's unit.
    const unit = /\d\s*(ms|s|%)$/.exec(target)?.[1];
    if (unit !== undefined && /^-?[\d,.]+$/.test(measured)) measured = `${measured} ${unit}`;
    const value = firstNumber(measured);
    const bound = /^[<≤]/.test(target) ? firstNumber(target) : undefined;
    let verdict: BenchRow['verdict'];
    if (verdictMatch !== null) verdict = verdictMatch[1] as 'PASS' | 'MISS';
    else if (value !== undefined && bound !== undefined) verdict = (target.startsWith('<') && !target.startsWith('<=') ? value < bound : value <= bound) ? 'PASS' : 'MISS';
    else verdict = 'INFO';
    rows.push({
      suite,
      name: name.length > 64 ? `${name.slice(0, 61)}...` : name,
      measured: measured.length > 34 ? `${measured.slice(0, 31)}...` : measured,
      target,
      ratio: value !== undefined && bound !== undefined && bound !== 0 ? (value / bound).toFixed(3) : '-',
      verdict,
    });
  }
  return rows;
}

function printTable(rows: readonly BenchRow[]): void {
  const header = { suite: 'suite', name: 'name', measured: 'measured', target: 'target', ratio: 'ratio', verdict: 'verdict' } as const;
  const columns = ['suite', 'name', 'measured', 'target', 'ratio', 'verdict'] as const;
  const width = Object.fromEntries(columns.map((c) => [c, Math.max(header[c].length, ...rows.map((r) => r[c].length))])) as Record<(typeof columns)[number], number>;
  const line = (r: Readonly<Record<(typeof columns)[number], string>>) =>
    columns.map((c) => (c === 'measured' || c === 'ratio' ? r[c].padStart(width[c]) : r[c].padEnd(width[c]))).join('  ').trimEnd();
  console.log(line(header));
  console.log(columns.map((c) => '-'.repeat(width[c])).join('  '));
  for (const r of rows) console.log(line(r));
}

const runDir = join(REPO_ROOT, 'bench-output', `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${process.pid}`);
const rows: BenchRow[] = [];
const started = performance.now();
const loadBefore = loadavg()[0]!;
try {
  for (const name of selected) {
    const framework = FRAMEWORK_SUITES[name];
    if (framework !== undefined) {
      log(`── ${name} (framework${quick ? ', quick' : ''})`);
      const dir = join(runDir, name);
      await mkdir(dir, { recursive: true });
      const t = performance.now();
      try {
        rows.push(...(await framework({ dir, quick, repeats, log: (l) => log(`  [${name}] ${l}`) })));
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`  [${name}] failed: ${message}`);
        rows.push({ suite: name, name: `${name} suite`, measured: 'error', target: '-', ratio: '-', verdict: 'FAIL', detail: message.split('\n')[0]! });
      } finally {
        if (!args.keep) await rm(dir, { recursive: true, force: true });
      }
      log(`  [${name}] done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      continue;
    }
    const script = SCRIPT_SUITES[name]!;
    if (!existsSync(join(BENCH_DIR, script.file))) {
      rows.push({ suite: name, name: `bench/${script.file}`, measured: 'not present', target: '-', ratio: '-', verdict: 'SKIP' });
      continue;
    }
    const result = await runScript(name, script);
    const parsed = parseScriptRows(name, result.output);
    rows.push(...parsed);
    if (result.code !== 0 && !parsed.some((r) => r.verdict === 'MISS')) {
      rows.push({ suite: name, name: `bench/${script.file} exit code`, measured: String(result.code), target: '0', ratio: '-', verdict: 'FAIL', detail: result.output.trim().split('\n').slice(-3).join(' | ') });
    } else if (parsed.length === 0) {
      rows.push({ suite: name, name: `bench/${script.file}`, measured: `${(result.ms / 1000).toFixed(1)} s`, target: '-', ratio: '-', verdict: 'INFO', detail: 'no target lines in its output (see above)' });
    }
  }
} finally {
  if (!args.keep) await rm(runDir, { recursive: true, force: true });
}

console.log('');
console.log(`Quarry benchmarks${quick ? ' (quick)' : ''}: Node ${process.version}, ${availableParallelism()} cores, load average ${loadBefore.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}, ${((performance.now() - started) / 1000).toFixed(0)} s`);
printTable(rows);
const details = rows.filter((r) => r.detail !== undefined);
if (details.length > 0) {
  console.log('');
  for (const r of details) console.log(`* ${r.name}: ${r.detail}`);
}
const failed = rows.filter((r) => r.verdict === 'MISS' || r.verdict === 'FAIL');
console.log('');
console.log(`${rows.filter((r) => r.verdict === 'PASS').length} PASS, ${rows.filter((r) => r.verdict === 'MISS').length} MISS, ${rows.filter((r) => r.verdict === 'FAIL').length} FAIL`);
if (failed.length > 0) process.exitCode = 1;
