import { DEPRECATED_PII_CLASSES } from '../../definitions/index.ts';
import { formatTable, writeLine } from '../cli-io.ts';
import { flag, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

/**
 * `quarry pii [--json]`: every PII column of the project, declared or propagated along column
 * lineage, with where it comes from and the downstream columns it flows into.
 */
export const piiCommand: Command = {
  name: 'pii',
  usage: 'quarry pii [--json]',
  summary: 'list every PII column (declared, or propagated along column lineage) and where it flows',
  options: { json: { type: 'boolean', help: 'print JSON: { columns: [{ asset, column, class, source, from, flowsTo, stopsAt }] }' } },
  maxPositionals: 0,
  async run(args, io) {
    const instance = await openCliInstance(args, io);
    try {
      const columns = await instance.piiReport();
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify({ columns }));
        return 0;
      }
      const ref = (o: { asset: string; column: string }) => `${o.asset}.${o.column}`;
      writeLine(
        io.stdout,
        formatTable(
          ['ASSET', 'COLUMN', 'CLASS', 'SOURCE', 'FLOWS TO'],
          columns.map((c) => [
            c.asset,
            c.column,
            c.class,
            c.source === 'declared' ? 'declared' : `propagated from ${c.from.map(ref).join(', ')}`,
            [...c.flowsTo.map(ref), ...c.stopsAt.map((o) => `${ref(o)} (declared not PII)`)].join(', ') || '-',
          ]),
        ),
      );
      const propagated = columns.filter((c) => c.source === 'propagated').length;
      writeLine(io.stdout, `${columns.length} PII column${columns.length === 1 ? '' : 's'} (${columns.length - propagated} declared, ${propagated} propagated)`);
      for (const c of columns) {
        const advice = c.source === 'declared' && c.class in DEPRECATED_PII_CLASSES ? DEPRECATED_PII_CLASSES[c.class as keyof typeof DEPRECATED_PII_CLASSES] : undefined;
        if (advice !== undefined) writeLine(io.stdout, `deprecated: ${c.asset}.${c.column} declares pii '${c.class}', ${advice}`);
      }
      return 0;
    } finally {
      await instance.close();
    }
  },
};
