import { applyStorageTiers, storageReport, type StorageReport } from '../../automation/storage-tiers.ts';
// The CLI is where storage tiers are applied, so it picks the lake's Parquet rewriter (DuckDB's).
import { startDuckDbParquetRewriter } from '../../engines/duckdb/index.ts';
import { QuarryError } from '../../errors.ts';
import { formatTable, writeLine, type CliIo } from '../cli-io.ts';
import { flag, stringOption, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

/**
 * `quarry storage [--json]`: bytes and files per storage tier and the estimated monthly cost against
 * all-hot; `quarry storage apply [--dry-run] [--now ISO]` moves files to the tier their age calls for.
 */
export const storageCommand: Command = {
  name: 'storage',
  usage: 'quarry storage [--json] | quarry storage apply [--dry-run] [--now ISO] [--json]',
  summary: 'bytes per storage tier and monthly cost against all-hot; `apply` moves old partitions to the warm and cold tiers',
  options: {
    'dry-run': { type: 'boolean', help: 'with apply: list the moves, move nothing' },
    now: { type: 'string', help: 'with apply: measure partition ages at this time (ISO 8601)', defaultText: 'the current time' },
    json: { type: 'boolean', help: 'print JSON' },
  },
  maxPositionals: 1,
  async run(args, io) {
    const action = args.positionals[0];
    if (action !== undefined && action !== 'apply') {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `Unknown storage action ${JSON.stringify(action)}: use \`quarry storage\` (report) or \`quarry storage apply [--dry-run]\`.`);
    }
    const nowText = stringOption(args, 'now');
    if (action === undefined && (nowText !== undefined || flag(args, 'dry-run'))) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', '--now and --dry-run go with `quarry storage apply`.');
    }
    let now: Date | undefined;
    if (nowText !== undefined) {
      now = new Date(nowText);
      if (!/^\d{4}-\d{2}-\d{2}/.test(nowText) || !Number.isFinite(now.getTime())) {
        throw new QuarryError('QUARRY_BAD_ARGUMENT', `--now ${JSON.stringify(nowText)} is not an ISO date or time: write such as 2026-06-01 or 2026-06-01T12:00:00Z.`);
      }
    }
    const instance = await openCliInstance(args, io);
    try {
      if (action === undefined) {
        const report = storageReport(instance);
        if (flag(args, 'json')) writeLine(io.stdout, JSON.stringify(report));
        else printReport(report, io);
        return 0;
      }
      const dryRun = flag(args, 'dry-run');
      const result = await applyStorageTiers(instance, { startRewriter: startDuckDbParquetRewriter, dryRun, ...(now !== undefined ? { now } : {}) });
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify(result));
        return result.skipped.length > 0 ? 1 : 0;
      }
      if (result.recovered > 0) writeLine(io.stdout, `Finished ${result.recovered} interrupted move${result.recovered === 1 ? '' : 's'} of an earlier apply.`);
      for (const move of result.moves) {
        writeLine(io.stdout, `${dryRun ? 'would move' : 'moved'} ${move.assetKey} [${move.partitionKey}] ${move.from} → ${move.to} (${Math.floor(move.ageDays)} days old, ${formatBytes(move.bytesBefore)}${move.bytesAfter !== undefined ? ` → ${formatBytes(move.bytesAfter)}` : ''})`);
      }
      for (const skip of result.skipped) writeLine(io.stderr, `skipped ${skip.path}: ${skip.reason}`);
      writeLine(io.stdout, `${dryRun ? 'Would move' : 'Moved'} ${result.moves.length} file${result.moves.length === 1 ? '' : 's'}${result.skipped.length > 0 ? `; ${result.skipped.length} skipped` : ''}.`);
      if (!dryRun) printReport(result.storage, io);
      return result.skipped.length > 0 ? 1 : 0;
    } finally {
      await instance.close();
    }
  },
};

function printReport(report: StorageReport, io: CliIo): void {
  if (!report.configured) writeLine(io.stdout, 'The project declares no storage tiers: every file is hot (see docs/storage-tiers.md).');
  const rows = report.tiers.map((t) => [t.tier, t.store, String(t.files), formatBytes(t.bytes), `$${t.monthlyCost.toFixed(4)}`]);
  rows.push(['total', '', String(report.files), formatBytes(report.bytes), `$${report.monthlyCost.toFixed(4)}`]);
  writeLine(io.stdout, formatTable(['tier', 'store', 'files', 'bytes', 'per month'], rows));
  writeLine(io.stdout, `All hot: ${formatBytes(report.allHotBytes)}, $${report.allHotMonthlyCost.toFixed(4)} per month; saving ${(report.saving * 100).toFixed(1)}% (prices per GiB-month: hot $${report.prices.hot}, warm $${report.prices.warm}, cold $${report.prices.cold}).`);
  if (report.movesInFlight > 0) writeLine(io.stdout, `${report.movesInFlight} tier move${report.movesInFlight === 1 ? '' : 's'} in flight: \`quarry storage apply\` finishes interrupted ones.`);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
