import { resolveSelection } from '../../graph/index.ts';
import { writeLine } from '../cli-io.ts';
import type { Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

/**
 * `quarry graph [SELECTION]`: the selected assets as a tree from their roots downwards. An asset with
 * several parents is drawn in full once and referred to as `(see above)` afterwards.
 */
export const graphCommand: Command = {
  name: 'graph',
  usage: 'quarry graph [SELECTION]',
  summary: 'print the asset graph (or a selection of it) as a tree',
  options: {},
  maxPositionals: 1,
  async run(args, io) {
    const instance = await openCliInstance(args, io);
    const graph = instance.graph;
    const selected = new Set(resolveSelection(graph, args.positionals[0]));
    const roots = graph.ordered(selected).filter((k) => !graph.parents(k).some((p) => selected.has(p)));
    const drawn = new Set<string>();
    const label = (key: string) => {
      const a = instance.asset(key);
      const p = a.partitions ? `${a.partitions.kind} ${a.partitions.count}` : 'unpartitioned';
      return `${key}  [${a.kind}, ${p}]`;
    };
    const draw = (key: string, prefix: string, connector: string) => {
      const seen = drawn.has(key);
      writeLine(io.stdout, `${prefix}${connector}${label(key)}${seen ? '  (see above)' : ''}`);
      if (seen) return;
      drawn.add(key);
      const children = graph.children(key).filter((c) => selected.has(c));
      const childPrefix = prefix + (connector === '' ? '' : connector === '└─ ' ? '   ' : '│  ');
      children.forEach((c, i) => draw(c, childPrefix, i === children.length - 1 ? '└─ ' : '├─ '));
    };
    for (const root of roots) draw(root, '', '');
    writeLine(io.stdout, `${selected.size} asset${selected.size === 1 ? '' : 's'}`);
    return 0;
  },
};
