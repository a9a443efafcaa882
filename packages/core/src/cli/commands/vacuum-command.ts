import { QuarryError } from '../../errors.ts';
import { writeLine } from '../cli-io.ts';
import { flag, stringOption, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

/** `quarry vacuum [--dry-run] [--retention-days N] [--grace-minutes N] [--json]`: remove orphan files, expired versions, old step events, run logs and alerts; compact the catalog. */
export const vacuumCommand: Command = {
  name: 'vacuum',
  usage: 'quarry vacuum [--dry-run] [--retention-days N] [--grace-minutes N] [--json]',
  summary: "remove lake files no version references, expired versions, old step events, run log files and alerts, and the engine's leftover staging tables; compact the catalog",
  options: {
    'dry-run': { type: 'boolean', help: 'list what would be removed, remove nothing' },
    'retention-days': { type: 'string', help: "keep superseded versions, finished runs' step events and log files, and alerts this many days", defaultText: 'the project setting storage.retentionDays, else 30' },
    'grace-minutes': { type: 'string', help: 'keep files of no recorded run (foreign, or a writer the catalog does not know) younger than this', default: '60' },
    json: { type: 'boolean', help: 'print JSON' },
  },
  maxPositionals: 0,
  async run(args, io) {
    const text = stringOption(args, 'retention-days');
    const retentionDays = text === undefined ? undefined : Number(text);
    if (retentionDays !== undefined && !(Number.isFinite(retentionDays) && retentionDays >= 0)) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `--retention-days must be a number ≥ 0, got "${text}".`);
    }
    const graceText = stringOption(args, 'grace-minutes');
    const graceMinutes = graceText === undefined ? undefined : Number(graceText);
    if (graceMinutes !== undefined && !(Number.isFinite(graceMinutes) && graceMinutes >= 0)) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `--grace-minutes must be a number ≥ 0, got "${graceText}".`);
    }
    const instance = await openCliInstance(args, io);
    try {
      const dryRun = flag(args, 'dry-run');
      const result = await instance.vacuum({ dryRun, ...(retentionDays !== undefined ? { retentionDays } : {}), ...(graceMinutes !== undefined ? { graceMinutes } : {}) });
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify({ dryRun, ...result }));
        return 0;
      }
      for (const file of result.removedFiles) writeLine(io.stdout, `${dryRun ? 'would remove' : 'removed'} ${file}`);
      writeLine(
        io.stdout,
        `${dryRun ? 'Would remove' : 'Removed'} ${result.removedFiles.length} file${result.removedFiles.length === 1 ? '' : 's'} (${result.bytes} bytes)${dryRun ? '' : ` and ${result.removedVersions} expired version${result.removedVersions === 1 ? '' : 's'}`}.`,
      );
      writeLine(io.stdout, `${dryRun ? 'Would prune' : 'Pruned'} ${result.prunedEvents} step event${result.prunedEvents === 1 ? '' : 's'} of finished runs older than the retention.`);
      writeLine(
        io.stdout,
        `${dryRun ? 'Would prune' : 'Pruned'} ${result.prunedLogs.files} run log file${result.prunedLogs.files === 1 ? '' : 's'} (${result.prunedLogs.bytes} bytes) and ${result.prunedAlerts} alert${result.prunedAlerts === 1 ? '' : 's'} older than the retention (the newest alert of each incident and undelivered ones stay).`,
      );
      if (result.engineDropped !== undefined) {
        for (const table of result.engineDropped) writeLine(io.stdout, `${dryRun ? 'would drop' : 'dropped'} ${table}`);
        writeLine(io.stdout, `${dryRun ? 'Would drop' : 'Dropped'} ${result.engineDropped.length} staging or input table${result.engineDropped.length === 1 ? '' : 's'} of the target's engine (those of live runs kept).`);
      }
      if (result.catalog !== undefined) writeLine(io.stdout, `Catalog: ${result.catalog.bytesBefore} → ${result.catalog.bytesAfter} bytes.`);
      return 0;
    } finally {
      await instance.close();
    }
  },
};
