/**
 * Framework benchmarks: the real `Instance` API (plan, catalog, executor, step runner, DuckDB engine)
 * on projects generated in a temporary directory, each compared with a target within one run.
 *
 * - `aggregate`: framework vs raw DuckDB running the same aggregate SQL over the same Parquet files.
 * - `steps`: per-step overhead of a trivial daily asset backfill, at concurrency 1 and 2, and a
 *   10,000-partition backfill of it in range steps of 1,000.
 * - `million`: `plan` and `status` of one asset with 1,000,000 partitions, 10,000 of them stale.
 *
 * `bench/run.ts` calls these and prints their rows in its table; see `bench/README.md`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  allMapping,
  dailyPartitions,
  defineAsset,
  defineProject,
  codeVersionOf,
  createMetricsRegistry,
  fifteenMinutePartitions,
  createTracing,
  openInstance,
  resolveQuarryHome,
  TRACING_OFF,
  type ExecutionEvent,
  type Instance,
  type InstanceConfig,
  type NewMaterialization,
  type ProjectDefinition,
} from '../packages/core/src/index.ts';
import { seededRandom } from '../packages/assets/src/generator/prng.ts';

/** One line of the benchmark table. */
export interface BenchRow {
  /** The suite that produced it (`aggregate`, `steps`, `million`, or a child script's name). */
  readonly suite: string;
  readonly name: string;
  /** The measured value as shown, with its unit. */
  readonly measured: string;
  /** The target as shown, such as `≤ 10 ms/step`, or `-` for figures shown for information. */
  readonly target: string;
  /** Measured over target (or the compared ratio itself), or `-`. */
  readonly ratio: string;
  readonly verdict: 'PASS' | 'MISS' | 'INFO' | 'FAIL' | 'SKIP';
  /** Raw figures behind the row (all runs, sizes), printed under the table. */
  readonly detail?: string;
}

/** What every framework suite receives from `bench/run.ts`. */
export interface FrameworkBenchOptions {
  /** A fresh directory the suite may fill; the caller removes it. */
  readonly dir: string;
  /** Smaller sizes for a smoke run. */
  readonly quick: boolean;
  /** Timed repetitions per compared variant (alternating); the suites take medians. */
  readonly repeats: number;
  /** Progress lines (to stderr, so the table stays clean on stdout). */
  readonly log: (line: string) => void;
}

/** The median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmtMs = (ms: number): string => (ms >= 100 ? `${Math.round(ms).toLocaleString('en')} ms` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`);
const fmtList = (values: readonly number[]): string => `[${values.map((v) => v.toFixed(0)).join(', ')}]`;
const verdictOf = (ok: boolean): 'PASS' | 'MISS' => (ok ? 'PASS' : 'MISS');
/** CPU milliseconds this process (every thread, DuckDB's included) used since `since`. */
const cpuMsSince = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

async function timeRun(instance: Instance, options: Parameters<Instance['startRun']>[0]): Promise<number> {
  const started = performance.now();
  const { runId } = await instance.startRun(options);
  const run = await instance.waitForRun(runId);
  const elapsed = performance.now() - started;
  if (run.status !== 'succeeded') throw new Error(`bench run ${runId} (${options?.selection ?? '*'}) ended ${run.status}: ${run.error ?? ''}`);
  return elapsed;
}

async function withInstance<T>(project: ProjectDefinition, projectDir: string, fn: (instance: Instance) => Promise<T>, config: Pick<InstanceConfig, 'tracing' | 'logLevel'> = {}): Promise<T> {
  await mkdir(projectDir, { recursive: true });
  const instance = await openInstance({ project, projectDir, quarryHome: join(projectDir, '.quarry'), ...config });
  try {
    return await fn(instance);
  } finally {
    await instance.close();
  }
}

// ------------------------------------------------------------------------------------------ (a)

const AGGREGATE_SQL = `select category, count(*) as n, sum(amount) as total, avg(qty) as avg_qty, min(happened_at) as first_at, max(happened_at) as last_at
from events
group by category`;

/**
 * Framework vs raw DuckDB on one aggregate: a downstream asset reads all 90 daily partitions of an
 * upstream (20M rows, generated in DuckDB through the framework itself) through `allMapping()`;
 * `startRun` + `waitForRun` of it (forced) alternates with raw DuckDB's `COPY (same SQL over
 * read_parquet([same files])) TO … (FORMAT parquet, COMPRESSION zstd)` on a new instance with the
 * engine's thread count. Target: framework median ≤ 1.03 × raw median (issue 12). The CPU time of
 * both (this process, all threads) is shown too: on a loaded machine it is the steadier figure.
 */
export async function aggregateBench(options: FrameworkBenchOptions): Promise<BenchRow[]> {
  const rows = options.quick ? 2_000_000 : 20_000_000;
  const days = 90;
  const threads = availableParallelism();
  const daily = dailyPartitions({ start: '2026-01-01', end: '2026-04-01' });
  const events = defineAsset({
    key: 'events',
    partitions: daily,
    // Rows are generated inside DuckDB, so building 20M rows costs seconds, not minutes of JS.
    compute: (ctx) => {
      const day = Math.round((ctx.partition.start!.getTime() - Date.UTC(2026, 0, 1)) / 86_400_000);
      const lo = Math.floor((day * rows) / days);
      const hi = Math.floor(((day + 1) * rows) / days);
      return {
        sql: `select i as id,
                'category_' || (hash(i) % 50) as category,
                (hash(i * 3) % 100000) / 1000.0 as amount,
                (hash(i * 7) % 1000)::BIGINT as qty,
                TIMESTAMPTZ '${ctx.partition.start!.toISOString()}' + to_seconds((hash(i) % 86400)::BIGINT) as happened_at
              from range(${lo}, ${hi}) t(i)`,
      };
    },
  });
  const agg = defineAsset({ key: 'agg', deps: { events: { asset: events, mapping: allMapping() } }, sql: AGGREGATE_SQL });
  const project = defineProject({ name: 'bench-aggregate', assets: [events, agg] });
  const projectDir = join(options.dir, 'aggregate');

  return withInstance(project, projectDir, async (instance) => {
    const generated = await timeRun(instance, { selection: 'events', kind: 'backfill' });
    const keys = [...daily.keysOf(daily.all(instance.partitionsContext()), instance.partitionsContext())];
    const files = keys.flatMap((k) => instance.catalog.currentMaterialization('events', k)?.files ?? []);
    if (files.length !== days) throw new Error(`expected ${days} upstream files, found ${files.length}`);
    const total = keys.reduce((n, k) => n + (instance.catalog.currentMaterialization('events', k)?.rowCount ?? 0), 0);
    options.log(`aggregate: generated ${total.toLocaleString('en')} rows in ${files.length} partitions through the framework in ${fmtMs(generated)}`);

    const local = files.map((f) => {
      const path = instance.store.localPath(f);
      if (path === undefined) throw new Error(`the lake has no local path for ${f}`);
      return path;
    });
    const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const rawSql = `COPY (${AGGREGATE_SQL.replace('from events', `from read_parquet([${local.map(quote).join(', ')}])`)}) TO ${quote(join(projectDir, 'raw-out.parquet'))} (FORMAT parquet, COMPRESSION zstd)`;
    const raw = await DuckDBInstance.create(':memory:', { threads: String(threads) });
    const connection = await raw.connect();
    try {
      const rawCpu: number[] = [];
      const frameworkCpu: number[] = [];
      const runRaw = async () => {
        const t = performance.now();
        const cpu = process.cpuUsage();
        await connection.run(rawSql);
        rawCpu.push(cpuMsSince(cpu));
        return performance.now() - t;
      };
      const runFramework = async () => {
        const cpu = process.cpuUsage();
        const ms = await timeRun(instance, { selection: 'agg', force: true });
        frameworkCpu.push(cpuMsSince(cpu));
        return ms;
      };
      // Warm-up of both: page cache, JIT, DuckDB's first-query costs.
      await runRaw();
      await runFramework();
      const rawTimes: number[] = [];
      const frameworkTimes: number[] = [];
      for (let i = 0; i < options.repeats; i++) {
        // Alternate which goes first, so background load and cache warmth favour neither.
        if (i % 2 === 0) {
          rawTimes.push(await runRaw());
          frameworkTimes.push(await runFramework());
        } else {
          frameworkTimes.push(await runFramework());
          rawTimes.push(await runRaw());
        }
        options.log(`aggregate: run ${i + 1}/${options.repeats}: raw ${fmtMs(rawTimes.at(-1)!)}, framework ${fmtMs(frameworkTimes.at(-1)!)}`);
      }
      const rawMedian = median(rawTimes);
      const frameworkMedian = median(frameworkTimes);
      const ratio = frameworkMedian / rawMedian;
      const pairRatio = median(frameworkTimes.map((f, i) => f / rawTimes[i]!));
      // The warm-up runs are the first entries; the medians leave them out.
      const cpuRatio = median(frameworkCpu.slice(1)) / median(rawCpu.slice(1));
      const size = `${(total / 1e6).toLocaleString('en')}M rows, ${days} partitions`;
      return [
        {
          suite: 'aggregate',
          name: `aggregate ${size}: framework / raw DuckDB`,
          measured: `${fmtMs(frameworkMedian)} vs ${fmtMs(rawMedian)} (CPU ${cpuRatio.toFixed(3)}×)`,
          target: '≤ 1.03×',
          ratio: ratio.toFixed(3),
          verdict: verdictOf(ratio <= 1.03),
          detail:
            `medians of ${options.repeats} alternating runs, threads ${threads}; ` +
            `framework (startRun+waitForRun, forced) ${fmtList(frameworkTimes)} ms; raw COPY ${fmtList(rawTimes)} ms; ` +
            `median of the per-pair ratios ${pairRatio.toFixed(3)}; ` +
            `CPU (all threads of this process) framework ${fmtList(frameworkCpu.slice(1))} ms, raw ${fmtList(rawCpu.slice(1))} ms; ` +
            `upstream generated through the framework in ${fmtMs(generated)}`,
        },
      ];
    } finally {
      connection.closeSync();
      raw.closeSync();
    }
  });
}

// ------------------------------------------------------------------------------------------ (b)

/**
 * Per-step overhead: a daily asset `select 1 as x` over N partitions (2,000; 200 quick), backfilled
 * from an empty catalog through `startRun` + `waitForRun`, alternating concurrency 2 (the project
 * default) and 1. Time per step = wall time / N (target ≤ 2 ms, issue 12; the CPU time per step of
 * this process, all threads, is shown beside it); the 10,000-partition backfill is
 * extrapolated from it (target < 2 minutes).
 */
export async function stepsBench(options: FrameworkBenchOptions): Promise<BenchRow[]> {
  const n = options.quick ? 200 : 2_000;
  const start = Date.UTC(2000, 0, 1);
  const end = new Date(start + n * 86_400_000).toISOString().slice(0, 10);
  const trivial = defineAsset({ key: 'trivial', partitions: dailyPartitions({ start: '2000-01-01', end }), sql: 'select 1 as x' });
  const project = defineProject({ name: 'bench-steps', assets: [trivial] });
  const repeats = Math.max(1, options.quick ? options.repeats : Math.min(options.repeats, 3));

  interface Sample {
    total: number;
    /** CPU milliseconds of this process (all threads) during the backfill. */
    cpu: number;
    plan: number;
    stepMean: number;
    /** Milliseconds of a first and a second /metrics collection over the backfilled catalog (outside `total`). */
    scrape: readonly [number, number];
  }
  let round = 0;
  // Every backfill starts from a fresh catalog and lake, so it really materializes N missing partitions.
  const backfill = async (concurrency: number): Promise<Sample> => {
    const projectDir = join(options.dir, `steps-${++round}`);
    try {
      return await withInstance(project, projectDir, async (instance) => {
        await instance.engine();
        const planStarted = performance.now();
        const plan = await instance.plan({ selection: 'trivial' });
        const plan0 = performance.now() - planStarted;
        if (plan.steps.length !== n) throw new Error(`expected ${n} steps, planned ${plan.steps.length}`);
        const durations: number[] = [];
        const off = instance.onExecutionEvent((e: ExecutionEvent) => {
          if (e.type === 'step_succeeded') durations.push(e.durationMs);
        });
        const cpu = process.cpuUsage();
        const total = await timeRun(instance, { selection: 'trivial', kind: 'backfill', concurrency });
        const cpuMs = cpuMsSince(cpu);
        off();
        // Metrics record nothing on the step path: their whole cost is the scrape, measured here after the run.
        const registry = createMetricsRegistry(instance, { defaultMetrics: false });
        const scrapeStarted = performance.now();
        await registry.metrics();
        const firstScrape = performance.now() - scrapeStarted;
        const againStarted = performance.now();
        await registry.metrics();
        const scrape = [firstScrape, performance.now() - againStarted] as const;
        return { total, cpu: cpuMs, plan: plan0, stepMean: durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length), scrape };
      });
    } finally {
      await rm(projectDir, { recursive: true, force: true });
    }
  };

  // A short warm-up backfill: JIT, DuckDB and SQLite first-use costs.
  {
    const projectDir = join(options.dir, 'steps-warm');
    const small = defineAsset({ key: 'trivial', partitions: dailyPartitions({ start: '2000-01-01', end: '2000-01-21' }), sql: 'select 1 as x' });
    await withInstance(defineProject({ name: 'bench-steps-warm', assets: [small] }), projectDir, (i) => timeRun(i, { selection: 'trivial' }));
    await rm(projectDir, { recursive: true, force: true });
  }
  const c1: Sample[] = [];
  const c2: Sample[] = [];
  for (let i = 0; i < repeats; i++) {
    if (i % 2 === 0) {
      c2.push(await backfill(2));
      c1.push(await backfill(1));
    } else {
      c1.push(await backfill(1));
      c2.push(await backfill(2));
    }
    options.log(`steps: round ${i + 1}/${repeats}: concurrency 2 ${fmtMs(c2.at(-1)!.total)}, concurrency 1 ${fmtMs(c1.at(-1)!.total)} for ${n} steps`);
  }
  const perStep = (samples: Sample[]) => median(samples.map((s) => s.total)) / n;
  const cpuPerStep = (samples: Sample[]) => median(samples.map((s) => s.cpu)) / n;
  const p2 = perStep(c2);
  const p1 = perStep(c1);
  const extrapolated = (p2 * 10_000) / 1000;
  const describe = (samples: Sample[]) =>
    `totals ${fmtList(samples.map((s) => s.total))} ms, CPU ${fmtList(samples.map((s) => s.cpu))} ms, mean step (runner) ${median(samples.map((s) => s.stepMean)).toFixed(2)} ms, plan of ${n} ${fmtMs(median(samples.map((s) => s.plan)))}`;
  return [
    {
      suite: 'steps',
      name: `per-step overhead, trivial partition (N=${n.toLocaleString('en')}, concurrency 2)`,
      measured: `${p2.toFixed(2)} ms/step (CPU ${cpuPerStep(c2).toFixed(2)})`,
      target: '≤ 2 ms/step',
      ratio: (p2 / 2).toFixed(3),
      verdict: verdictOf(p2 <= 2),
      detail: `median of ${repeats} backfills from an empty catalog (alternating with concurrency 1): ${describe(c2)}`,
    },
    {
      suite: 'steps',
      name: `per-step overhead, trivial partition (N=${n.toLocaleString('en')}, concurrency 1)`,
      measured: `${p1.toFixed(2)} ms/step (CPU ${cpuPerStep(c1).toFixed(2)})`,
      target: '≤ 2 ms/step',
      ratio: (p1 / 2).toFixed(3),
      verdict: verdictOf(p1 <= 2),
      detail: `median of ${repeats} backfills: ${describe(c1)}`,
    },
    {
      suite: 'steps',
      name: 'speed-up of concurrency 2 over 1 (trivial steps)',
      measured: `${(p1 / p2).toFixed(2)}×`,
      target: '-',
      ratio: (p1 / p2).toFixed(3),
      verdict: 'INFO',
      detail: `${availableParallelism()} cores`,
    },
    {
      suite: 'steps',
      name: 'metrics recording overhead on the step path',
      measured: `0 ms/step (scrape-time catalog reads); scrape of the ${n}-step catalog ${median(c2.map((x) => x.scrape[0])).toFixed(1)} ms, repeated ${median(c2.map((x) => x.scrape[1])).toFixed(1)} ms`,
      target: '-',
      ratio: '-',
      verdict: 'INFO',
      detail: `Prometheus figures are read from the catalog when /metrics is scraped, so steps record nothing; first and repeated collection per backfill: ${c2.map((x) => `${x.scrape[0].toFixed(1)}/${x.scrape[1].toFixed(1)}`).join(', ')} ms`,
    },
    await rangeStepsRow(options),
    await observabilityOverheadRow(options),
    {
      suite: 'steps',
      name: '10,000-partition backfill (extrapolated, concurrency 2)',
      measured: `${extrapolated.toFixed(1)} s`,
      target: '< 120 s',
      ratio: (extrapolated / 120).toFixed(3),
      verdict: verdictOf(extrapolated < 120),
      detail: `10,000 × ${p2.toFixed(2)} ms/step measured at N=${n.toLocaleString('en')}`,
    },
  ];
}

/**
 * Observability overhead (issue 15): the trivial daily backfill (N = 1,000; 100 quick) at concurrency
 * 2 with the run log file at `info` and tracing on (an in-memory exporter, every span kept) against
 * logs `silent` and tracing off, alternating, from an empty catalog each time. Ratio of the medians,
 * target ≤ 1.10.
 */
async function observabilityOverheadRow(options: FrameworkBenchOptions): Promise<BenchRow> {
  const n = options.quick ? 100 : 1_000;
  const end = new Date(Date.UTC(2000, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
  const trivial = defineAsset({ key: 'trivial', partitions: dailyPartitions({ start: '2000-01-01', end }), sql: 'select 1 as x' });
  const project = defineProject({ name: 'bench-observability', assets: [trivial] });
  const repeats = Math.max(1, options.quick ? options.repeats : Math.min(options.repeats, 3));
  let round = 0;
  let spans = 0;
  const cpuOn: number[] = [];
  const cpuOff: number[] = [];
  const backfill = async (on: boolean): Promise<number> => {
    const projectDir = join(options.dir, `observability-${++round}`);
    const exporter = new InMemorySpanExporter();
    const tracing = on ? await createTracing({ exporter }) : TRACING_OFF;
    try {
      return await withInstance(
        project,
        projectDir,
        async (instance) => {
          await instance.engine();
          const cpu = process.cpuUsage();
          const total = await timeRun(instance, { selection: 'trivial', kind: 'backfill', concurrency: 2 });
          (on ? cpuOn : cpuOff).push(cpuMsSince(cpu));
          if (on) spans = exporter.getFinishedSpans().length;
          return total;
        },
        { tracing, logLevel: on ? 'info' : 'silent' },
      );
    } finally {
      await tracing.shutdown();
      await rm(projectDir, { recursive: true, force: true });
    }
  };
  const withObs: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < repeats; i++) {
    if (i % 2 === 0) {
      withObs.push(await backfill(true));
      without.push(await backfill(false));
    } else {
      without.push(await backfill(false));
      withObs.push(await backfill(true));
    }
    options.log(`steps: observability round ${i + 1}/${repeats}: on ${fmtMs(withObs.at(-1)!)}, off ${fmtMs(without.at(-1)!)} for ${n} steps`);
  }
  const ratio = median(withObs) / median(without);
  // CPU time of this process is less swayed by other processes than wall time on a loaded machine.
  const cpuRatio = median(cpuOn) / median(cpuOff);
  return {
    suite: 'steps',
    name: `per-step time with logs (info) + tracing on / off (N=${n.toLocaleString('en')}, concurrency 2)`,
    measured: `${(median(withObs) / n).toFixed(2)} vs ${(median(without) / n).toFixed(2)} ms/step (CPU ${cpuRatio.toFixed(3)}×)`,
    target: '≤ 1.10×',
    ratio: ratio.toFixed(3),
    verdict: verdictOf(ratio <= 1.1),
    detail: `medians of ${repeats} alternating backfills from an empty catalog: on (run log file at info, ${spans} spans to an in-memory exporter) ${fmtList(withObs)} ms; off (logs silent, tracing off) ${fmtList(without)} ms; CPU on ${fmtList(cpuOn)} ms, off ${fmtList(cpuOff)} ms`,
  };
}

/**
 * Range steps (issue 12.1): a trivial daily asset (`select` one row per day of the step's range)
 * over 10,000 partitions (2,000 quick) with `backfill: { maxPartitionsPerStep: 1000 }` (200 quick),
 * backfilled from an empty catalog at the project's concurrency: wall time of `startRun` +
 * `waitForRun`, measured (median of the rounds), target ≤ 3 s. Each partition still gets its own
 * file and committed version; the run checks that all of them exist.
 */
export async function rangeStepsRow(options: FrameworkBenchOptions): Promise<BenchRow> {
  const n = options.quick ? 2_000 : 10_000;
  const perStep = options.quick ? 200 : 1_000;
  const repeats = Math.max(1, Math.min(options.repeats, options.quick ? 1 : 3));
  // From 1990, so all 10,000 days lie in the past (daily partitions end at the current day).
  const end = new Date(Date.UTC(1990, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
  const trivial = defineAsset({
    key: 'trivial_ranges',
    partitions: dailyPartitions({ start: '1990-01-01', end }),
    backfill: { maxPartitionsPerStep: perStep, partitionColumn: 'day' },
    sql: 'select unnest($partition_keys) as day, 1 as x',
  });
  const project = defineProject({ name: 'bench-range-steps', assets: [trivial] });
  const totals: number[] = [];
  for (let round = 0; round < repeats; round++) {
    const projectDir = join(options.dir, `range-steps-${round}`);
    try {
      totals.push(
        await withInstance(project, projectDir, async (instance) => {
          await instance.engine();
          const plan = await instance.plan({ selection: 'trivial_ranges' });
          const planned = plan.steps.reduce((sum, step) => sum + step.partitionKeys.length, 0);
          if (plan.steps.length !== n / perStep || planned !== n) throw new Error(`expected ${n / perStep} range steps over ${n} partitions, planned ${plan.steps.length} over ${planned}`);
          const total = await timeRun(instance, { selection: 'trivial_ranges', kind: 'backfill' });
          const last = instance.catalog.currentMaterialization('trivial_ranges', trivial.partitions!.keyAt(n - 1));
          if (last === undefined || last.rowCount !== 1) throw new Error('the last partition was not committed with its one row');
          if ((await instance.plan({ selection: 'trivial_ranges' })).steps.length !== 0) throw new Error('partitions left stale after the range backfill');
          return total;
        }),
      );
    } finally {
      await rm(projectDir, { recursive: true, force: true });
    }
    options.log(`steps: range steps round ${round + 1}/${repeats}: ${fmtMs(totals.at(-1)!)} for ${n} partitions in steps of ${perStep}`);
  }
  const seconds = median(totals) / 1000;
  return {
    suite: 'steps',
    name: `${n.toLocaleString('en')}-partition backfill, range steps of ${perStep.toLocaleString('en')} (measured)`,
    measured: `${seconds.toFixed(2)} s`,
    target: '≤ 3 s',
    ratio: (seconds / 3).toFixed(3),
    verdict: verdictOf(seconds <= 3),
    detail: `median of ${repeats} backfills from an empty catalog, ${n / perStep} steps: totals ${fmtList(totals)} ms; every partition its own file and version`,
  };
}

// ------------------------------------------------------------------------------------------ (c)

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A fingerprint of the SQLite catalog's code (schema and write path): a cached catalog file is
 * reused only while it is unchanged, so a schema change never feeds the bench a stale layout.
 */
function catalogCodeHash(): string {
  const dir = join(REPO_ROOT, 'packages/core/src/catalog/sqlite');
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * `plan` and `status` at a million partitions: one 15-minute asset with 1,000,000 partitions (a
 * fixed end, so the count does not depend on today's date) whose catalog is filled directly through
 * `commitMaterializations` in batches of 100,000, with 10,000 scattered partitions stale (5,000
 * never materialized, 5,000 with an old code version). Times `instance.plan` and `instance.status`
 * (median of 3, alternating, after one cold call each; the later calls reuse the cold call's catalog
 * read, as a long-lived process such as the UI server does) and checks the plan has exactly 10,000 steps
 * and the status counts are exact.
 *
 * Filling a million partitions takes 20–45 s here, so the filled catalog file is kept in
 * `bench-output/cache/` keyed by size, code version and the catalog code's hash, and copied into the
 * fresh project on later runs.
 */
export async function millionBench(options: FrameworkBenchOptions): Promise<BenchRow[]> {
  const size = options.quick ? 100_000 : 1_000_000;
  const staleCount = size / 100;
  const open = fifteenMinutePartitions({ start: '1990-01-01' });
  const ticks = defineAsset({ key: 'ticks', partitions: fifteenMinutePartitions({ start: '1990-01-01', end: open.windowOf(size).start }), sql: 'select 1 as x' });
  const project = defineProject({ name: 'bench-million', assets: [ticks] });
  const projectDir = join(options.dir, 'million');
  const quarryHome = join(projectDir, '.quarry');
  const codeVersion = codeVersionOf(ticks);
  const cacheFile = join(REPO_ROOT, 'bench-output', 'cache', `million-${size}-${codeVersion.slice(0, 12)}-${catalogCodeHash()}.sqlite`);
  const catalogPath = resolveQuarryHome(projectDir, { QUARRY_HOME: quarryHome }).catalogPath;
  const cached = existsSync(cacheFile);
  if (cached) {
    await mkdir(dirname(catalogPath), { recursive: true });
    await copyFile(cacheFile, catalogPath);
  }

  const next = seededRandom(42);
  const picked = new Set<number>();
  while (picked.size < staleCount) picked.add(Math.floor(next() * size));
  const stale = [...picked];
  const missing = new Set(stale.slice(0, staleCount / 2));
  const oldCode = new Set(stale.slice(staleCount / 2));

  // CPU time of this process too: plan and status run on this thread (SQLite included), so it shows
  // their own cost when the machine's load stretches the wall time.
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  const timedStatus = async (instance: Instance, cpus: number[]) => {
    const t = performance.now();
    const cpu = process.cpuUsage();
    const [status] = await instance.status('ticks');
    const ms = performance.now() - t;
    cpus.push(cpuMs(cpu));
    const counts = status?.counts;
    if (counts === undefined || counts.missing !== missing.size || counts.stale !== oldCode.size || counts.fresh !== size - staleCount) {
      throw new Error(`status counts ${JSON.stringify(counts)} do not match ${missing.size} missing, ${oldCode.size} stale, ${size - staleCount} fresh`);
    }
    return ms;
  };

  const result = await withInstance(project, projectDir, async (instance) => {
    const ctx = instance.partitionsContext();
    const definition = ticks.partitions!;
    if (definition.size(ctx) !== size) throw new Error(`expected ${size} partitions, the definition has ${definition.size(ctx)}`);
    if (instance.codeVersion('ticks') !== codeVersion) throw new Error('the instance computes another code version than codeVersionOf');

    let fill = 0;
    if (!cached) {
      const fillStarted = performance.now();
      const BATCH = 100_000;
      for (let from = 0; from < size; from += BATCH) {
        const batch: NewMaterialization[] = [];
        for (let i = from; i < Math.min(size, from + BATCH); i++) {
          if (missing.has(i)) continue;
          batch.push({
            assetKey: 'ticks',
            partitionKey: definition.keyAt(i, ctx),
            files: [],
            rowCount: 1,
            dataVersion: `d${i.toString(36)}`,
            codeVersion: oldCode.has(i) ? 'old-code-version' : codeVersion,
            inputFingerprint: null,
          });
        }
        instance.catalog.commitMaterializations(batch);
      }
      fill = performance.now() - fillStarted;
      options.log(`million: filled the catalog with ${(size - missing.size).toLocaleString('en')} partitions in ${fmtMs(fill)}`);
    } else {
      options.log(`million: reused the filled catalog ${cacheFile}`);
    }

    const planCpu: number[] = [];
    const statusCpu: number[] = [];
    const timePlan = async () => {
      const t = performance.now();
      const cpu = process.cpuUsage();
      const plan = await instance.plan({ selection: 'ticks' });
      const ms = performance.now() - t;
      planCpu.push(cpuMs(cpu));
      if (plan.steps.length !== staleCount) throw new Error(`plan has ${plan.steps.length} steps, expected exactly ${staleCount}`);
      return ms;
    };
    const timeStatus = () => timedStatus(instance, statusCpu);
    // The first plan reads the catalog cold; later calls over the unchanged catalog reuse that read.
    const coldPlan = await timePlan();
    await timeStatus();
    const plans: number[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      if (i % 2 === 0) {
        plans.push(await timePlan());
        statuses.push(await timeStatus());
      } else {
        statuses.push(await timeStatus());
        plans.push(await timePlan());
      }
    }
    // The first (cold) call of each is not in the medians.
    return { plans, statuses, coldPlan, fill, planCpu: median(planCpu.slice(1)), statusCpu: median(statusCpu.slice(1)), coldPlanCpu: planCpu[0]! };
  });
  // A cold status (as `quarry status` runs it): the first call of a fresh instance.
  const coldStatusCpus: number[] = [];
  const coldStatus = await withInstance(project, projectDir, (instance) => timedStatus(instance, coldStatusCpus));
  const coldStatusCpu = coldStatusCpus[0]!;
  if (!cached) {
    // The instance is closed, so the WAL is checkpointed into the file and the copy is complete.
    await mkdir(dirname(cacheFile), { recursive: true });
    // Older fills of this size (another code version or catalog layout) will never match again.
    for (const file of readdirSync(dirname(cacheFile))) {
      if (file.startsWith(`million-${size}-`)) await rm(join(dirname(cacheFile), file), { force: true });
    }
    await copyFile(catalogPath, `${cacheFile}.tmp`);
    await rename(`${cacheFile}.tmp`, cacheFile);
  }

  const { plans, statuses, coldPlan, fill, planCpu, statusCpu, coldPlanCpu } = result;
  const planMedian = median(plans);
  const statusMedian = median(statuses);
  const label = `${size.toLocaleString('en')} partitions, ${staleCount.toLocaleString('en')} stale`;
  const setup = cached ? 'catalog copied from bench-output/cache' : `catalog filled in ${fmtMs(fill)} (commitMaterializations, batches of 100,000)`;
  return [
    {
      suite: 'million',
      name: `plan, ${label} (exactly ${staleCount.toLocaleString('en')} steps), repeated in one process`,
      measured: `${fmtMs(planMedian)} (CPU ${fmtMs(planCpu)})`,
      target: '≤ 250 ms',
      ratio: (planMedian / 250).toFixed(3),
      verdict: verdictOf(planMedian <= 250),
      detail: `wall: median of 3 ${fmtList(plans)} ms; CPU: median of the 3; first call (cold: reads and parses the catalog) ${fmtMs(coldPlan)} (CPU ${fmtMs(coldPlanCpu)}), later calls over the unchanged catalog reuse that read; ${setup}`,
    },
    {
      suite: 'million',
      name: `status, ${label}, repeated in one process`,
      measured: `${fmtMs(statusMedian)} (CPU ${fmtMs(statusCpu)})`,
      target: '≤ 250 ms',
      ratio: (statusMedian / 250).toFixed(3),
      verdict: verdictOf(statusMedian <= 250),
      detail: `wall: median of 3 ${fmtList(statuses)} ms; CPU: median of the 3; first call of a fresh instance (cold) ${fmtMs(coldStatus)} (CPU ${fmtMs(coldStatusCpu)}); counts checked exact`,
    },
    // What one CLI command (`quarry plan`, `quarry status`) pays: the first call of a fresh instance,
    // which reads and parses the whole catalog. Judged on its own, so the kept read cannot hide it.
    {
      suite: 'million',
      name: `plan, ${label}, first call of a fresh process (a CLI command)`,
      measured: `${fmtMs(coldPlan)} (CPU ${fmtMs(coldPlanCpu)})`,
      target: '≤ 250 ms',
      ratio: (coldPlan / 250).toFixed(3),
      verdict: verdictOf(coldPlan <= 250),
      detail: 'one measurement: the cold catalog read, key parsing and planning',
    },
    {
      suite: 'million',
      name: `status, ${label}, first call of a fresh process (a CLI command)`,
      measured: `${fmtMs(coldStatus)} (CPU ${fmtMs(coldStatusCpu)})`,
      target: '≤ 250 ms',
      ratio: (coldStatus / 250).toFixed(3),
      verdict: verdictOf(coldStatus <= 250),
      detail: 'one measurement: the cold catalog read and key parsing',
    },
  ];
}

/** The framework suites by name, in the order `bench/run.ts` runs them. */
export const FRAMEWORK_SUITES: Readonly<Record<string, (options: FrameworkBenchOptions) => Promise<BenchRow[]>>> = {
  aggregate: aggregateBench,
  steps: stepsBench,
  million: millionBench,
};
