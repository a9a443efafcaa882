/**
 * Partitions layer speed: range-subset algebra at a million partitions and mapping 100,000 days.
 *
 *   npx tsx bench/partitions.ts [--repeats 15]
 *
 * Builds 1,000,000 daily partitions (UTC, from 1000-01-01) and subsets of them with 10,000
 * scattered holes (seeded, so every run uses the same holes), then times, in one process after a
 * warm-up run, the median of `repeats` runs of: union, difference, count (building the holed
 * subset and reading `.count`), a JSON round-trip, and `timeWindowMapping({ startOffset: -6,
 * endOffset: 0 })` upstreamFor / downstreamFor over 100,000 downstream days with 10,000 holes.
 * Prints one row per operation with the target (< 50 ms) and PASS/MISS.
 */
import { parseArgs } from 'node:util';
import {
  PartitionSubset,
  dailyPartitions,
  hourlyPartitions,
  timeWindowMapping,
  type PartitionsContext,
} from '../packages/core/src/partitions/index.ts';
import { seededRandom } from '../packages/assets/src/generator/prng.ts';

const { values: args } = parseArgs({ options: { repeats: { type: 'string', default: '15' } } });
const repeats = Math.max(1, Number(args.repeats));
const TARGET_MS = 50;

function holes(count: number, size: number, seed: number): PartitionSubset {
  const next = seededRandom(seed);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(next() * size));
  return PartitionSubset.fromIndices(picked);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const rows: { name: string; ms: number; detail: string }[] = [];
function time(name: string, run: () => unknown, detail: (result: unknown) => string): void {
  let result = run(); // warm-up: JIT, time zone caches
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    result = run();
    times.push(performance.now() - started);
  }
  rows.push({ name, ms: median(times), detail: detail(result) });
}

// 1,000,000 daily partitions.
const MILLION = 1_000_000;
const open = dailyPartitions({ start: '1000-01-01' });
const days = dailyPartitions({ start: '1000-01-01', end: open.windowOf(MILLION).start });
const farFuture: PartitionsContext = { now: new Date('9999-01-01T00:00:00Z') };
if (days.size(farFuture) !== MILLION) throw new Error(`expected ${MILLION} partitions, got ${days.size(farFuture)}`);
const all = days.all(farFuture);
const holesA = holes(10_000, MILLION, 1);
const holesB = holes(10_000, MILLION, 2);
const a = all.difference(holesA);
const b = all.difference(holesB);
const json = JSON.stringify(a);
const describe = (s: unknown): string => {
  const subset = s as PartitionSubset;
  return `${subset.count.toLocaleString('en')} partitions in ${subset.rangeCount.toLocaleString('en')} ranges`;
};

time('union (A ∪ B)', () => a.union(b), describe);
time('difference (A ∖ B)', () => a.difference(b), describe);
time('count (build all ∖ holes, read .count)', () => all.difference(holesA).count, (n) => `${(n as number).toLocaleString('en')} partitions`);
time('JSON round-trip (stringify + parse + fromJSON)', () => PartitionSubset.fromJSON(JSON.parse(JSON.stringify(a))), (s) => `${describe(s)}, ${json.length.toLocaleString('en')} chars`);

// 100,000 downstream days with 10,000 holes through a 7-day window.
const HUNDRED_K = 100_000;
const recent = dailyPartitions({ start: '1800-01-01' });
const ctx: PartitionsContext = { now: new Date('2100-01-01T00:00:00Z') };
const downstream = PartitionSubset.fromRange(0, HUNDRED_K).difference(holes(10_000, HUNDRED_K, 3));
const lastWeek = timeWindowMapping({ startOffset: -6, endOffset: 0 });
time('upstreamFor, 7-day window, 100k days (10k holes)', () => lastWeek.upstreamFor(downstream, recent, recent, ctx), describe);
time('downstreamFor, 7-day window, 100k days (10k holes)', () => lastWeek.downstreamFor(downstream, recent, recent, ctx), describe);

// The same across grains and a DST time zone: each New York day reads its 23–25 hours.
const nyDays = dailyPartitions({ start: '1800-01-01', timezone: 'America/New_York' });
const nyHours = hourlyPartitions({ start: '1800-01-01', timezone: 'America/New_York' });
const sameWindows = timeWindowMapping();
time('upstreamFor, NY days → hours, 100k days (10k holes)', () => sameWindows.upstreamFor(downstream, nyDays, nyHours, ctx), describe);
const upHours = sameWindows.upstreamFor(downstream, nyDays, nyHours, ctx);
time('downstreamFor, NY hours → days, 2.2M hours (10k ranges)', () => sameWindows.downstreamFor(upHours, nyHours, nyDays, ctx), describe);

const nameWidth = Math.max(...rows.map((r) => r.name.length));
console.log(`partitions bench: median of ${repeats} runs in one process (Node ${process.version})`);
console.log(`${'operation'.padEnd(nameWidth)}  ${'median ms'.padStart(9)}  target   result  detail`);
let missed = 0;
for (const r of rows) {
  const pass = r.ms < TARGET_MS;
  if (!pass) missed++;
  console.log(`${r.name.padEnd(nameWidth)}  ${r.ms.toFixed(3).padStart(9)}  < ${TARGET_MS} ms  ${pass ? 'PASS' : 'MISS'}    ${r.detail}`);
}
if (missed > 0) process.exitCode = 1;
