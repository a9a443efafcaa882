import { writeLine } from '../cli-io.ts';
import { flag, stringOption, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { QuarryError } from '../../errors.ts';

/** `quarry partitions ASSET [--from A --to B] [--json]`: the partition keys of an asset and their count. */
export const partitionsCommand: Command = {
  name: 'partitions',
  usage: 'quarry partitions ASSET [--from KEY --to KEY] [--json]',
  summary: "print an asset's partition keys and count",
  options: {
    from: { type: 'string', help: 'first key (inclusive)' },
    to: { type: 'string', help: 'last key (inclusive)' },
    json: { type: 'boolean', help: 'print JSON' },
  },
  maxPositionals: 1,
  async run(args, io) {
    const asset = args.positionals[0];
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
