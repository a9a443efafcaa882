import { formatTable, writeLine } from '../cli-io.ts';
import { flag, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

/** `quarry list [--json]`: the project's assets with partitions, group, owners and dependencies. */
export const listCommand: Command = {
  name: 'list',
  usage: 'quarry list [--json]',
  summary: 'list assets with their partitions, group, owners and dependencies',
  options: { json: { type: 'boolean', help: 'print JSON' } },
  maxPositionals: 0,
  async run(args, io) {
    const instance = await openCliInstance(args, io);
    const assets = instance.listAssets();
    if (flag(args, 'json')) {
      writeLine(io.stdout, JSON.stringify({ assets }, null, 2));
      return 0;
    }
    const rows = assets.map((a) => [
      a.key,
      a.kind,
      a.partitions ? `${a.partitions.id} · ${a.partitions.count}${a.partitions.firstKey !== undefined ? ` (${a.partitions.firstKey} … ${a.partitions.lastKey})` : ''}` : 'unpartitioned',
      a.group,
      a.owners.join(',') || '-',
      a.deps.map((d) => d.asset).join(',') || '-',
    ]);
    writeLine(io.stdout, formatTable(['ASSET', 'KIND', 'PARTITIONS', 'GROUP', 'OWNERS', 'DEPS'], rows));
    writeLine(io.stdout, `${assets.length} asset${assets.length === 1 ? '' : 's'}`);
    return 0;
  },
};
