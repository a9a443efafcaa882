import { QuarryError } from '../../errors.ts';
import type { ColumnTransformation } from '../../lineage/index.ts';
import { formatTable, writeLine } from '../cli-io.ts';
import { flag, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

/** `DIRECT/AGGREGATION (masking)` for a list of transformations. */
export function formatTransformations(transformations: readonly ColumnTransformation[]): string {
  return transformations.map((t) => `${t.type}/${t.subtype}${t.masking === true ? ' (masking)' : ''}`).join(', ');
}

/**
 * `quarry lineage ASSET[.COLUMN] [--upstream | --downstream] [--direct] [--json]`: transitive column
 * lineage — the columns a column (or every column of an asset) derives from, or the columns derived
 * from it — with the transformation of each edge.
 */
export const lineageCommand: Command = {
  name: 'lineage',
  usage: 'quarry lineage ASSET[.COLUMN] [--upstream | --downstream] [--direct] [--json]',
  summary: 'show column lineage: what a column derives from, or what derives from it, and how',
  options: {
    upstream: { type: 'boolean', help: 'the columns it derives from, transitively (the default)' },
    downstream: { type: 'boolean', help: 'the columns derived from it, transitively' },
    direct: { type: 'boolean', help: 'only DIRECT edges (values flowing), not INDIRECT ones (filters, joins, groups)' },
    json: { type: 'boolean', help: 'print JSON: { asset, column, direction, edges: [{ from, to, transformations, depth }], unavailable }' },
  },
  maxPositionals: 1,
  async run(args, io) {
    const target = args.positionals[0];
    if (target === undefined) throw new QuarryError('QUARRY_BAD_ARGUMENT', 'quarry lineage needs ASSET or ASSET.COLUMN, e.g. quarry lineage marts/creator_daily_metrics.followers.');
    if (flag(args, 'upstream') && flag(args, 'downstream')) throw new QuarryError('QUARRY_BAD_ARGUMENT', 'Give --upstream or --downstream, not both.');
    const direction = flag(args, 'downstream') ? 'downstream' : 'upstream';
    const instance = await openCliInstance(args, io);
    try {
      const graph = await instance.columnLineageGraph(target, { direction, directOnly: flag(args, 'direct') });
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify(graph));
        return 0;
      }
      const what = graph.column === undefined ? graph.asset : `${graph.asset}.${graph.column}`;
      if (graph.edges.length === 0) {
        writeLine(io.stdout, `${what}: no ${direction} column lineage.`);
      } else {
        writeLine(io.stdout, `${direction === 'upstream' ? 'Upstream' : 'Downstream'} column lineage of ${what}:`);
        const rows = graph.edges.map((e) =>
          direction === 'upstream'
            ? [String(e.depth), `${e.to.asset}.${e.to.column}`, '←', `${e.from.asset}.${e.from.column}`, formatTransformations(e.transformations)]
            : [String(e.depth), `${e.from.asset}.${e.from.column}`, '→', `${e.to.asset}.${e.to.column}`, formatTransformations(e.transformations)],
        );
        writeLine(io.stdout, formatTable(['DEPTH', 'COLUMN', '', direction === 'upstream' ? 'DERIVES FROM' : 'FEEDS', 'TRANSFORMATION'], rows));
      }
      for (const u of graph.unavailable) writeLine(io.stdout, `note: no column lineage for ${u.asset}: ${u.reason}`);
      return 0;
    } finally {
      await instance.close();
    }
  },
};
