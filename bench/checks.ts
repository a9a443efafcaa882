/**
 * Quality-check overhead on a materialization.
 *
 *   npx tsx bench/checks.ts [--rows 20000000] [--repeats 5] [--threads N]
 *
 * Baseline "materialization": DuckDB generates a videos-like table of `rows` rows and writes it to
 * Parquet with `COPY (SELECT …) TO '…' (FORMAT parquet, COMPRESSION zstd)`. The audited run does the
 * same and then evaluates 10 built-in checks on the written file with `evaluateChecks` (schema
 * contract, row count, not-null, null %, two ranges, accepted values, unique video_id, freshness and
 * referential integrity against a 200,000-row creators table). Runs alternate in one process after a
 * warm-up pair; prints the medians, the overhead as a ratio of medians and as the median of each
 * audited run against its neighbouring baseline, and in process CPU time (steadier on a shared
 * machine); target ≤ 30 %.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { z } from 'zod';
import {
  acceptedRange,
  acceptedValues,
  evaluateChecks,
  freshness,
  notNull,
  nullPercentage,
  referentialIntegrity,
  rowCount,
  schemaContract,
  unique,
  type CheckResult,
} from '../packages/core/src/checks/index.ts';
import { createDuckDbCheckRunner } from '../packages/core/src/engines/duckdb/index.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000000' },
    repeats: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(availableParallelism()) },
  },
});
const rows = Number(args.rows);
const repeats = Math.max(1, Number(args.repeats));
const threads = Number(args.threads);
const CREATORS = 200_000;
const TARGET = 0.3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

const videoSchema = z.object({
  video_id: z.int(),
  creator_id: z.int(),
  views: z.int().nonnegative(),
  engagement_rate: z.number().min(0).max(1),
  category: z.enum(['dance', 'comedy', 'food', 'music', 'tech']),
  title: z.string().nullable(),
  created_at: z.iso.datetime(),
});

const checks = [
  schemaContract(videoSchema),
  rowCount({ min: 1 }),
  notNull(['video_id', 'creator_id']),
  nullPercentage('title', { max: 5 }),
  acceptedRange('engagement_rate', { min: 0, max: 1 }),
  acceptedRange('views', { min: 0 }),
  acceptedValues('category', ['dance', 'comedy', 'food', 'music', 'tech']),
  unique('video_id'),
  freshness('created_at', { maxAgeHours: 24 }),
  referentialIntegrity('creator_id', { to: 'raw/creators' }),
];

const dir = await mkdtemp(join(tmpdir(), 'quarry-bench-checks-'));
const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
const file = join(dir, 'videos.parquet');
// The runner locks the instance to what it is given: the bench's own directory (rewriting the file
// goes through a tmp_ file beside it).
const runner = createDuckDbCheckRunner(connection, { directories: [dir] });
try {
  await connection.run(`CREATE TABLE creators AS SELECT i AS creator_id, 'creator_' || i AS handle FROM range(${CREATORS}) r(i)`);
  const generate = `SELECT i AS video_id,
      (i * 7919) % ${CREATORS} AS creator_id,
      (hash(i) % 1000000)::BIGINT AS views,
      (hash(i * 13) % 1001) / 1000.0::DOUBLE AS engagement_rate,
      ['dance', 'comedy', 'food', 'music', 'tech'][(i % 5) + 1] AS category,
      CASE WHEN i % 50 = 0 THEN NULL ELSE 'video ' || i END AS title,
      TIMESTAMP '2026-01-15 00:00:00' + to_seconds(hash(i) % 86400) AS created_at
    FROM range(${rows}) r(i)`;
  const copy = `COPY (${generate}) TO ${quote(file)} (FORMAT parquet, COMPRESSION zstd)`;

  // CPU time of the whole process (DuckDB's worker threads included) moves far less than wall time
  // when other processes share the machine, so both are reported.
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  const baseCpu: number[] = [];
  const auditedCpu: number[] = [];
  async function materialize(): Promise<number> {
    const started = performance.now();
    const cpu = process.cpuUsage();
    await connection.run(copy);
    baseCpu.push(cpuMs(cpu));
    return performance.now() - started;
  }
  let last: CheckResult[] = [];
  async function materializeAndAudit(): Promise<{ total: number; checks: number }> {
    const started = performance.now();
    const cpu = process.cpuUsage();
    await connection.run(copy);
    const audit = performance.now();
    last = await evaluateChecks(
      runner,
      checks,
      { target: `read_parquet(${quote(file)})`, references: { 'raw/creators': 'creators' } },
      { partitionKey: '2026-01-15', partitionEnd: new Date('2026-01-16T00:00:00Z'), assetKey: 'raw/videos' },
    );
    const end = performance.now();
    auditedCpu.push(cpuMs(cpu));
    return { total: end - started, checks: end - audit };
  }

  await materialize();
  await materializeAndAudit();
  baseCpu.length = 0;
  auditedCpu.length = 0;
  const base: number[] = [];
  const audited: number[] = [];
  const checkOnly: number[] = [];
  const pairOverheads: number[] = [];
  for (let i = 0; i < repeats; i++) {
    // Alternate which goes first, so cache warmth and background work favour neither.
    if (i % 2 === 0) base.push(await materialize());
    const a = await materializeAndAudit();
    audited.push(a.total);
    checkOnly.push(a.checks);
    if (i % 2 === 1) base.push(await materialize());
    pairOverheads.push(a.total / base[base.length - 1]! - 1);
  }
  const baseMedian = median(base);
  const auditedMedian = median(audited);
  const overhead = auditedMedian / baseMedian - 1;
  // Each audited run against its neighbouring baseline: robust when other work loads the machine.
  const pairOverhead = median(pairOverheads);
  console.log(`${rows.toLocaleString('en')} rows, ${checks.length} checks, threads ${threads}, ${repeats} alternating runs (medians):`);
  console.log(`  COPY … TO parquet              ${baseMedian.toFixed(0)} ms   [${base.map((t) => t.toFixed(0)).join(', ')}]`);
  console.log(`  COPY + evaluateChecks          ${auditedMedian.toFixed(0)} ms   [${audited.map((t) => t.toFixed(0)).join(', ')}]`);
  console.log(`  checks alone                   ${median(checkOnly).toFixed(0)} ms`);
  console.log(`  overhead (ratio of medians)    ${(overhead * 100).toFixed(1)} %   (target ≤ ${TARGET * 100} %) ${overhead <= TARGET ? 'PASS' : 'MISS'}`);
  console.log(`  overhead (median of pairs)     ${(pairOverhead * 100).toFixed(1)} %   [${pairOverheads.map((o) => (o * 100).toFixed(0)).join(', ')}]`);
  console.log(`  checks alone / baseline        ${((median(checkOnly) / baseMedian) * 100).toFixed(1)} %`);
  console.log(`  overhead (ratio of fastest)    ${((Math.min(...audited) / Math.min(...base) - 1) * 100).toFixed(1)} %   (least disturbed runs)`);
  const cpuOverhead = median(auditedCpu) / median(baseCpu) - 1;
  console.log(`  CPU time: COPY ${median(baseCpu).toFixed(0)} ms, COPY + checks ${median(auditedCpu).toFixed(0)} ms, overhead ${(cpuOverhead * 100).toFixed(1)} %`);
  console.log('last audit:');
  for (const r of last) console.log(`  ${r.checkName.padEnd(34)} ${r.status.padEnd(7)} ${String(r.durationMs).padStart(6)} ms  ${r.message}`);
  if (last.some((r) => r.status !== 'passed')) {
    console.error('some checks did not pass on clean generated data');
    process.exitCode = 1;
  }
} finally {
  connection.closeSync();
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
}
