import { writeLine } from '../cli-io.ts';
import { flag, stringOption, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { QuarryError } from '../../errors.ts';
import { DYNAMIC_PARTITIONS_USAGE, runDynamicPartitionsCommand } from './dynamic-partitions-command.ts';

/**
 * `quarry partitions ASSET [--from A --to B] [--json]`: the partition keys of an asset and their count;
 * `quarry partitions add|remove NAME KEY…` changes the keys of dynamic partitions.
 */
export const partitionsCommand: Command = {
  name: 'partitions',
  usage: `quarry partitions ASSET [--from KEY --to KEY] [--json] | ${DYNAMIC_PARTITIONS_USAGE}`,
  summary: "print an asset's partition keys and count; add or remove dynamic partition keys",
  options: {
    from: { type: 'string', help: 'first key (inclusive)' },
    to: { type: 'string', help: 'last key (inclusive)' },
    json: { type: 'boolean', help: 'print JSON' },
  },
  maxPositionals: Number.MAX_SAFE_INTEGER,
  async run(args, io) {
    const asset = args.positionals[0];
    // An asset key has a "/" or is a bare name; "add" and "remove" followed by more words are the subcommands.
    if ((asset === 'add' || asset === 'remove') && args.positionals.length > 1) return runDynamicPartitionsCommand(asset, args, io);
    if (args.positionals.length > 1) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `Unexpected argument ${args.positionals.slice(1).map((p) => JSON.stringify(p)).join(' ')}. Usage: ${this.usage}`);
    }
    if (asset === undefined) throw new QuarryError('QUARRY_BAD_ARGUMENT', 'quarry partitions needs an asset key: quarry partitions ASSET [--from KEY --to KEY].');
    const instance = await openCliInstance(args, io);
    const from = stringOption(args, 'from');
    const to = stringOption(args, 'to');
    const { total, keys } = instance.partitionKeys(asset, { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
    if (flag(args, 'json')) {
      writeLine(io.stdout, JSON.stringify({ asset, count: total, keys }));
      return 0;
    }
    for (const key of keys) writeLine(io.stdout, key === '' ? '(unpartitioned)' : key);
    writeLine(io.stdout, `${total} partition${total === 1 ? '' : 's'}`);
    return 0;
  },
};
