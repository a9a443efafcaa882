import { QuarryError } from '../../errors.ts';
import { formatTable, writeLine } from '../cli-io.ts';
import { flag, stringOption, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

/**
 * `quarry quarantine ASSET --partition K [--json]`: the rows an ingestion asset rejected, with reasons.
 * ASSET is the quarantine asset itself (it has a `reason_code` column) or an asset whose
 * `quarantine` tag names it.
 */
export const quarantineCommand: Command = {
  name: 'quarantine',
  usage: 'quarry quarantine ASSET --partition KEY [--limit N] [--unmask] [--json]',
  summary: 'show the rows an asset rejected during validation, with their reasons',
  options: {
    partition: { type: 'string', help: 'the partition key' },
    limit: { type: 'string', help: 'print at most N rows', default: '1000' },
    unmask: { type: 'boolean', help: 'show the values of PII columns instead of masking them' },
    json: { type: 'boolean', help: 'print JSON' },
  },
  maxPositionals: 1,
  async run(args, io) {
    const assetKey = args.positionals[0];
    const partition = stringOption(args, 'partition');
    if (assetKey === undefined || partition === undefined) throw new QuarryError('QUARRY_BAD_ARGUMENT', 'Usage: quarry quarantine ASSET --partition KEY.');
    const limitText = stringOption(args, 'limit') ?? '1000';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1) throw new QuarryError('QUARRY_BAD_ARGUMENT', `--limit must be a whole number ≥ 1, got "${limitText}".`);
    const instance = await openCliInstance(args, io);
    try {
      const asset = instance.asset(assetKey);
      const target = asset.columns.some((c) => c.name === 'reason_code') ? asset.key : asset.tags.quarantine;
      if (target === undefined) {
        throw new QuarryError('QUARRY_BAD_ARGUMENT', `"${asset.key}" has no quarantine: give it a tag quarantine=<asset key of its rejected rows>, or name the quarantine asset itself.`);
      }
      const result = await instance.partitionRows(target, partition, { limit, maskPii: !flag(args, 'unmask') });
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify({ asset: target, partition, rows: result.rows, truncated: result.truncated }));
        return 0;
      }
      const names = result.columns.map((c) => c.name).filter((n) => n !== 'raw_line');
      writeLine(io.stdout, formatTable(names, result.rows.map((r) => names.map((n) => (r[n] === null ? 'NULL' : String(r[n]))))));
      const byReason = new Map<string, number>();
      for (const r of result.rows) byReason.set(String(r.reason_code), (byReason.get(String(r.reason_code)) ?? 0) + 1);
      writeLine(io.stdout, `${result.rows.length} rejected row${result.rows.length === 1 ? '' : 's'} in ${target} [${partition}]: ${[...byReason].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
      return 0;
    } finally {
      await instance.close();
    }
  },
};
