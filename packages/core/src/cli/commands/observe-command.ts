import { formatTable, writeLine } from '../cli-io.ts';
import { flag, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { PARTITION_OPTIONS, partitionSelectionOf } from '../partition-options.ts';

/**
 * `quarry observe [SELECTION] [--partition K | --from A --to B] [--json]`: calls the `observe`
 * function of each selected source asset (and each source the selected assets read) and records
 * the versions in the catalog. `plan` and `materialize` observe the sources they need themselves.
 */
export const observeCommand: Command = {
  name: 'observe',
  usage: 'quarry observe [SELECTION] [--partition KEY | --from KEY --to KEY] [--json]',
  summary: 'observe source assets and record their versions',
  options: { ...PARTITION_OPTIONS, json: { type: 'boolean', help: 'print JSON: { observations: [{ asset, partition, dataVersion, observedAt, changed }] }' } },
  maxPositionals: 1,
  async run(args, io) {
    const instance = await openCliInstance(args, io);
    try {
      const partitions = partitionSelectionOf(args);
      const records = await instance.observe(args.positionals[0], partitions);
      const rows = records.map((r) => ({
        asset: r.assetKey,
        partition: r.partitionKey,
        dataVersion: r.dataVersion,
        observedAt: r.observedAt.toISOString(),
        // A version seen for the first time now is a change (or the first observation).
        changed: r.firstObservedAt.getTime() === r.observedAt.getTime(),
      }));
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify({ observations: rows }));
        return 0;
      }
      if (rows.length === 0) {
        writeLine(io.stdout, 'Nothing observed: no selected source has an observe function, or every one reported no data.');
        return 0;
      }
      writeLine(io.stdout, formatTable(['SOURCE', 'PARTITION', 'VERSION', 'OBSERVED AT', 'CHANGED'], rows.map((r) => [r.asset, r.partition || '(unpartitioned)', r.dataVersion, r.observedAt, r.changed ? 'yes' : 'no'])));
      return 0;
    } finally {
      await instance.close();
    }
  },
};
