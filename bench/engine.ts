/**
 * DuckDB engine overhead against raw DuckDB.
 *
 *   npx tsx bench/engine.ts [--rows 20000000] [--partitions 90] [--repeats 7] [--trivial 200] [--threads N]
 *
 * 1. Generates `rows` rows as `partitions` daily Parquet files (zstd) with DuckDB itself.
 * 2. Times, alternately in one process, (a) raw DuckDB running an aggregate over the files with
 *    `COPY (…) TO '…' (FORMAT parquet)` and (b) `DuckDbEngine.materialize` of an asset with the same SQL
 *    over the same files (views, parameters, data version, atomic move into the store included), and
 *    prints both medians and their ratio (target ≤ 1.10).
 * 3. Times a trivial step (`select count(*)` over a 10-row input) averaged over `trivial` runs
 *    (target ≤ 10 ms/step).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { defineAsset, type AssetLogger, type PartitionScope } from '../packages/core/src/definitions/index.ts';
import { createDuckDbEngine, quoteString, type InputRelation } from '../packages/core/src/engines/index.ts';
import { createLocalObjectStore } from '../packages/core/src/storage/index.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000000' },
    partitions: { type: 'string', default: '90' },
    repeats: { type: 'string', default: '7' },
    trivial: { type: 'string', default: '200' },
    threads: { type: 'string', default: String(availableParallelism()) },
  },
});
const rows = Number(args.rows);
const partitions = Number(args.partitions);
const repeats = Number(args.repeats);
const trivialRuns = Number(args.trivial);
const threads = Number(args.threads);

const AGGREGATE_SQL = `select category, count(*) as n, sum(amount) as total, avg(qty) as avg_qty, min(happened_at) as first_at, max(happened_at) as last_at
from events
group by category`;

const quiet: AssetLogger = { debug() {}, info() {}, warn() {}, error() {} };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function dayKey(day: number): string {
  return new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
}

const dir = await mkdtemp(join(tmpdir(), 'quarry-bench-engine-'));
try {
  const lake = join(dir, 'lake');
  const store = createLocalObjectStore({ root: lake });

  // --- generate --------------------------------------------------------------------------------
  const raw = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const rawConnection = await raw.connect();
  const started = performance.now();
  await mkdir(join(lake, 'raw'), { recursive: true });
  const perPartition = Math.ceil(rows / partitions);
  await rawConnection.run(
    `COPY (
       select i as id,
              (i // ${perPartition})::INTEGER as day,
              'category_' || (hash(i) % 50) as category,
              random() * 100 as amount,
              (hash(i * 7) % 1000)::BIGINT as qty,
              TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_days(((i // ${perPartition}))::INTEGER) + to_seconds((hash(i) % 86400)::BIGINT) as happened_at
       from range(${rows}) t(i)
     ) TO ${quoteString(join(lake, 'raw', 'events'))} (FORMAT parquet, PARTITION_BY (day), COMPRESSION zstd, OVERWRITE_OR_IGNORE)`,
  );
  const paths: string[] = [];
  for (let day = 0; day < partitions; day++) paths.push(`raw/events/day=${day}/data_0.parquet`);
  const existing = await Promise.all(paths.map((p) => store.exists(p)));
  const files = paths.filter((_, i) => existing[i]);
  console.log(`generated ${rows.toLocaleString('en')} rows in ${files.length} Parquet files in ${((performance.now() - started) / 1000).toFixed(1)} s (threads ${threads})`);

  // --- raw DuckDB vs engine --------------------------------------------------------------------
  const localFiles = files.map((p) => store.localPath(p));
  const rawOut = join(dir, 'raw-out.parquet');
  const rawSql = `COPY (${AGGREGATE_SQL.replace('from events', `from read_parquet([${localFiles.map(quoteString).join(', ')}])`)}) TO ${quoteString(rawOut)} (FORMAT parquet, COMPRESSION zstd)`;
  async function runRaw(): Promise<number> {
    const t = performance.now();
    await rawConnection.run(rawSql);
    return performance.now() - t;
  }

  const engine = await createDuckDbEngine({ store, threads, tempDir: dir });
  const asset = defineAsset({ key: 'marts/by_category', sql: AGGREGATE_SQL });
  const inputs: InputRelation[] = [{ name: 'events', assetKey: 'raw/events', files }];
  const scope: PartitionScope = {
    keys: files.map((_, i) => dayKey(i)),
    firstKey: dayKey(0),
    lastKey: dayKey(files.length - 1),
    start: new Date(Date.UTC(2026, 0, 1)),
    end: new Date(Date.UTC(2026, 0, 1) + files.length * 86_400_000),
  };
  let version = 0;
  async function runEngine(): Promise<number> {
    const t = performance.now();
    await engine.materialize({ asset, scope, inputs, outputPath: `marts/by_category/v${++version}.parquet`, runId: 'bench', log: quiet, signal: new AbortController().signal });
    return performance.now() - t;
  }

  await runRaw();
  await runEngine();
  const rawTimes: number[] = [];
  const engineTimes: number[] = [];
  for (let i = 0; i < repeats; i++) {
    // Alternate which goes first, so cache warmth and background work favour neither.
    if (i % 2 === 0) {
      rawTimes.push(await runRaw());
      engineTimes.push(await runEngine());
    } else {
      engineTimes.push(await runEngine());
      rawTimes.push(await runRaw());
    }
  }
  const rawMedian = median(rawTimes);
  const engineMedian = median(engineTimes);
  console.log(`aggregate over ${files.length} files, ${repeats} alternating runs (medians):`);
  console.log(`  raw DuckDB COPY      ${rawMedian.toFixed(1)} ms   [${rawTimes.map((t) => t.toFixed(0)).join(', ')}]`);
  console.log(`  DuckDbEngine         ${engineMedian.toFixed(1)} ms   [${engineTimes.map((t) => t.toFixed(0)).join(', ')}]`);
  console.log(`  ratio engine / raw   ${(engineMedian / rawMedian).toFixed(3)}   (target ≤ 1.10)`);

  // --- trivial step ----------------------------------------------------------------------------
  const tinyAsset = defineAsset({ key: 'raw/tiny', compute: () => Array.from({ length: 10 }, (_, i) => ({ i })) });
  const tiny = await engine.materialize({ asset: tinyAsset, scope, inputs: [], outputPath: 'raw/tiny/v1.parquet', runId: 'bench', log: quiet, signal: new AbortController().signal });
  const trivial = defineAsset({ key: 'marts/trivial', sql: 'select count(*) as n from tiny' });
  const tinyInputs: InputRelation[] = [{ name: 'tiny', assetKey: 'raw/tiny', files: tiny.files }];
  const oneDay: PartitionScope = { keys: ['2026-01-01'], firstKey: '2026-01-01', lastKey: '2026-01-01', start: new Date(Date.UTC(2026, 0, 1)), end: new Date(Date.UTC(2026, 0, 2)) };
  for (let i = 0; i < 10; i++) {
    await engine.materialize({ asset: trivial, scope: oneDay, inputs: tinyInputs, outputPath: `marts/trivial/warm${i}.parquet`, runId: 'bench', log: quiet, signal: new AbortController().signal });
  }
  const stepTimes: number[] = [];
  for (let i = 0; i < trivialRuns; i++) {
    const t = performance.now();
    await engine.materialize({ asset: trivial, scope: oneDay, inputs: tinyInputs, outputPath: `marts/trivial/v${i}.parquet`, runId: 'bench', log: quiet, signal: new AbortController().signal });
    stepTimes.push(performance.now() - t);
  }
  const mean = stepTimes.reduce((a, b) => a + b, 0) / stepTimes.length;
  console.log(`trivial step (select count(*) over a 10-row input), ${trivialRuns} runs: mean ${mean.toFixed(2)} ms/step, median ${median(stepTimes).toFixed(2)} ms   (target ≤ 10 ms)`);
  console.log(`load average while running: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} cores (numbers are only comparable on an idle machine)`);

  rawConnection.closeSync();
  raw.closeSync();
  await engine.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
