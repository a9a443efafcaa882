/**
 * Storage tiers on a TikTok bench lake: bytes per tier and the saving against all-hot.
 *
 *   npx tsx bench/tiktok.ts --creators 1000 --days 30 --repeats 1 --keep     # writes bench-output/tiktok-1000x30
 *   npx tsx bench/storage-tiers.ts [--lake bench-output/tiktok-1000x30] [--levels 3,9,19]
 *
 * Works on a copy (`bench-output/storage-tiers-<name>/`, emptied first) of the kept lake's state, so the
 * kept lake stays hot. Steps: (1) how large every hot file would be rewritten at each ZSTD level of
 * `--levels` (the choice behind `WARM_ENCODING`), (2) `applyStorageTiers` with "now" 31 days after the
 * last partition (every file warm), (3) "now" 366 days after it (every file cold), printing bytes per
 * tier, the monthly cost at the default prices and the saving against all-hot after each, and
 * checking that every asset's rows (count and row digest) and status are identical to before.
 */
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { applyStorageTiers, assetRelationName, openInstance, storageReport, type Instance, type StorageReport } from '@quarry/core';
// Not in the public barrel: the warm tier's rewriter, to compare ZSTD levels.
import { ParquetRewriter, startDuckDbParquetRewriter } from '../packages/core/src/engines/duckdb/duckdb-parquet-rewriter.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { lake: { type: 'string' }, levels: { type: 'string', default: '3,9,19' }, help: { type: 'boolean', short: 'h', default: false } } });
if (args.help) {
  process.stdout.write('Usage: npx tsx bench/storage-tiers.ts [--lake bench-output/tiktok-<c>x<d> (a lake kept by bench/tiktok.ts --keep)] [--levels 3,9,19]\n');
  process.exit(0);
}
const source = resolve(root, args.lake ?? 'bench-output/tiktok-1000x30');
if (!existsSync(join(source, '.quarry', 'catalog.sqlite')) || !existsSync(join(source, 'landing'))) {
  process.stderr.write(`bench:storage-tiers: ${source} holds no kept TikTok bench lake (.quarry/catalog.sqlite and landing/). Write one with: npx tsx bench/tiktok.ts --creators 1000 --days 30 --repeats 1 --keep\n`);
  process.exit(2);
}
const levels = args.levels.split(',').map(Number);
const out = (line: string) => process.stdout.write(`${line}\n`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

const dir = join(root, 'bench-output', `storage-tiers-${basename(source)}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
cpSync(join(source, '.quarry'), join(dir, '.quarry'), { recursive: true, filter: (path) => !path.includes(`${join(source, '.quarry', 'tmp')}`) && !path.includes(join(source, '.quarry', 'cold')) });
cpSync(join(source, 'quarry.config.ts'), join(dir, 'quarry.config.ts'));
process.env.TIKTOK_LANDING = join(source, 'landing');
out(`storage tiers on a copy of ${relative(root, source)} in ${relative(root, dir)}`);

const instance = await openInstance({ projectDir: dir, quarryHome: join(dir, '.quarry') });
try {
  const before = await observable(instance);
  const hot = storageReport(instance);
  out(`all hot: ${hot.files} files, ${mib(hot.bytes)}`);

  // (1) The warm encoding's level: every hot file rewritten at each level, sizes and time.
  const files = instance.catalog.storageFiles().filter((f) => f.tier === 'hot');
  const rewriter = await ParquetRewriter.start(join(dir, '.quarry', 'tmp'));
  try {
    for (const level of levels) {
      let bytes = 0;
      const started = performance.now();
      for (const file of files) {
        const target = join(dir, '.quarry', 'tmp', `level-${level}-${bytes}-${Math.random().toString(36).slice(2)}.parquet`);
        await rewriter.rewrite(instance.store.localPath(file.path)!, target, { zstdLevel: level, rowGroupSize: 1_000_000 });
        bytes += statSync(target).size;
        rmSync(target);
      }
      out(`  ZSTD level ${String(level).padStart(2)}, row groups ≤ 1M: ${mib(bytes)} (${((1 - bytes / hot.bytes) * 100).toFixed(1)}% smaller than hot) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await rewriter.close();
  }

  // Stage 1 measures ages from the newest daily partition (so every day is warm); stage 2 from the newest
  // commit (so every file, unpartitioned ones too, is past a year: cold).
  const stored = instance.catalog.storageFiles();
  const lastDay = Math.max(...stored.map((f) => (/^\d{4}-\d{2}-\d{2}$/.test(f.partitionKey) ? Date.parse(`${f.partitionKey}T00:00:00Z`) + 86_400_000 : 0)));
  const lastCommit = Math.max(...stored.map((f) => f.committedAt.getTime()));
  for (const [label, from, days] of [['daily partitions warm', lastDay, 31], ['everything cold', Math.max(lastDay, lastCommit), 366]] as const) {
    const now = new Date(from + days * 86_400_000);
    const started = performance.now();
    const result = await applyStorageTiers(instance, { startRewriter: startDuckDbParquetRewriter, now });
    const seconds = (performance.now() - started) / 1000;
    out(`apply at ${now.toISOString().slice(0, 10)} (${label}): ${result.moves.length} files moved in ${seconds.toFixed(1)} s, ${result.skipped.length} skipped`);
    printReport(result.storage);
    const after = await observable(instance);
    const same = JSON.stringify(after) === JSON.stringify(before);
    out(`  every asset's rows and status identical to before: ${same ? 'yes' : 'NO'}`);
    if (!same) process.exitCode = 1;
  }
} finally {
  await instance.close();
}

function printReport(report: StorageReport): void {
  for (const t of report.tiers) out(`  ${t.tier.padEnd(4)} (${t.store.padEnd(4)}): ${String(t.files).padStart(5)} files, ${mib(t.bytes).padStart(12)}, $${t.monthlyCost.toFixed(6)}/month`);
  out(`  total ${mib(report.bytes)} vs all hot ${mib(report.allHotBytes)}: $${report.monthlyCost.toFixed(6)} vs $${report.allHotMonthlyCost.toFixed(6)} per month, saving ${(report.saving * 100).toFixed(1)}%`);
}

/** Each asset's row count and order-independent row digest, and the status of every asset. */
async function observable(instance: Instance): Promise<unknown> {
  const rows: Record<string, unknown> = {};
  for (const asset of instance.graph.assets()) {
    if (asset.type !== 'asset') continue;
    const view = assetRelationName(asset.key);
    const result = await instance.query(`select count(*)::BIGINT::VARCHAR as n, coalesce(sum(hash(*COLUMNS(*))::HUGEINT), 0)::VARCHAR as digest from ${view}`);
    rows[asset.key] = result.rows;
  }
  const status = (await instance.status()).map((s) => JSON.stringify(s));
  return { rows, status };
}

