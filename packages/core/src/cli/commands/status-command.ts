import { computeFreshness, formatLag } from '../../automation/index.ts';
import type { AssetPartitionStatus } from '../../instance/index.ts';
import { formatTable, writeLine } from '../cli-io.ts';
import { flag, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { PARTITION_OPTIONS, partitionSelectionOf } from '../partition-options.ts';

/** Formats index ranges as key ranges (`2026-01-01..2026-01-10, 2026-01-15`), at most `max` of them. */
function formatRanges(ranges: readonly (readonly [number, number])[], keyAt: (i: number) => string, max = 4): string {
  if (ranges.length === 0) return '-';
  const shown = ranges.slice(0, max).map(([a, b]) => (b - a === 1 ? keyAt(a) : `${keyAt(a)}..${keyAt(b - 1)}`));
  return shown.join(', ') + (ranges.length > max ? `, … (+${ranges.length - max} ranges)` : '');
}

/** `quarry status [SELECTION] [--partition K | --from A --to B] [--json]`: per asset, fresh / stale / missing / failed / upstream-failed partitions as ranges. */
export const statusCommand: Command = {
  name: 'status',
  usage: 'quarry status [SELECTION] [--partition KEY | --from KEY --to KEY] [--json]',
  summary: 'show fresh, stale, missing, failed and upstream-failed partitions per asset',
  options: { ...PARTITION_OPTIONS, json: { type: 'boolean', help: 'print JSON (ranges are half-open partition index ranges)' } },
  maxPositionals: 1,
  async run(args, io) {
    const instance = await openCliInstance(args, io);
    try {
      const statuses: AssetPartitionStatus[] = await instance.status(args.positionals[0], partitionSelectionOf(args));
      // Freshness of the shown assets that declare a maxLag (measured now, as the daemon does).
      const freshness = computeFreshness(instance.graph, instance.catalog, instance.partitionsContext(), instance.partitionsContext().now!.getTime(), statuses.map((s) => s.assetKey));
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify({ assets: statuses, ...(freshness.length > 0 ? { freshness } : {}) }));
        return 0;
      }
      const ctx = instance.partitionsContext();
      const rows = statuses.map((s) => {
        const definition = instance.partitionsOf(s.assetKey);
        const keyAt = (i: number) => (definition ? definition.keyAt(i, ctx) : '(unpartitioned)');
        return [
          s.assetKey,
          String(s.total),
          String(s.counts.fresh),
          s.counts.stale ? `${s.counts.stale} (${formatRanges(s.ranges.stale, keyAt)})` : '0',
          s.counts.missing ? `${s.counts.missing} (${formatRanges(s.ranges.missing, keyAt)})` : '0',
          s.counts.failed ? `${s.counts.failed} (${formatRanges(s.ranges.failed, keyAt)})` : '0',
          s.counts.upstream_failed ? `${s.counts.upstream_failed} (${formatRanges(s.ranges.upstream_failed, keyAt)})` : '0',
        ];
      });
      writeLine(io.stdout, formatTable(['ASSET', 'PARTITIONS', 'FRESH', 'STALE', 'MISSING', 'FAILED', 'UPSTREAM FAILED'], rows));
      // Sources are observed, not materialized: say when and with which version, or that they never were.
      for (const s of statuses) {
        if (s.source === undefined) continue;
        const latest = s.source.lastObservedAt === undefined
          ? 'never observed (run quarry observe, plan or materialize)'
          : `observed at ${s.source.lastObservedAt}, version ${s.source.lastVersion}${s.source.lastPartition ? ` [${s.source.lastPartition}]` : ''}; ${s.source.observed} of ${s.total} partitions observed`;
        writeLine(io.stdout, `${s.assetKey} (source): ${latest}`);
      }
      for (const f of freshness) {
        writeLine(io.stdout, `${f.assetKey}: ${f.state === 'fresh' ? 'fresh' : 'OVERDUE'} — lag ${formatLag(f.lagMs)} (max ${f.maxLag}${f.newestPartition !== undefined ? `, newest partition ${f.newestPartition}` : ''})`);
      }
      return 0;
    } finally {
      await instance.close();
    }
  },
};
