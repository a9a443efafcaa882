import { QuarryError } from '../../errors.ts';
import { describeSchemaChange } from '../../lineage/schema-evolution.ts';
import { formatTable, writeLine } from '../cli-io.ts';
import { flag, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

/**
 * `quarry schema ASSET [--history] [--json]`: an asset's current schema and the change that made it,
 * or (`--history`) every schema its versions were written with, each with the version and run that
 * first wrote it and the columns it added, dropped or changed.
 */
export const schemaCommand: Command = {
  name: 'schema',
  usage: 'quarry schema ASSET [--history] [--json]',
  summary: "show an asset's recorded schema and its changes (added, dropped, type, nullability) with the version and run that made them",
  options: {
    history: { type: 'boolean', help: 'list every recorded schema, oldest first, not only the current one' },
    json: { type: 'boolean', help: 'print JSON: { asset, policy, schemas: [{ materializationId, runId, partitionKey, recordedAt, columns, changes }] }' },
  },
  maxPositionals: 1,
  async run(args, io) {
    const assetKey = args.positionals[0];
    if (assetKey === undefined) throw new QuarryError('QUARRY_BAD_ARGUMENT', 'quarry schema needs an asset key: quarry schema marts/daily_revenue [--history].');
    const instance = await openCliInstance(args, io);
    try {
      const asset = instance.graph.get(assetKey);
      const policy = (asset.type === 'asset' ? asset.schemaChanges : undefined) ?? instance.project.schemaChanges ?? 'allow';
      const history = instance.schemaHistory(asset.key);
      const shown = flag(args, 'history') ? history : history.slice(-1);
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify({ asset: asset.key, policy, schemas: shown.map((s) => ({ ...s, recordedAt: s.recordedAt.toISOString() })) }));
        return 0;
      }
      if (history.length === 0) {
        writeLine(io.stdout, `${asset.key} has no recorded schema yet: materialize it first (quarry materialize ${asset.key}).`);
        return 0;
      }
      writeLine(io.stdout, `${asset.key}  schema changes: ${policy}  ·  ${history.length} recorded schema${history.length === 1 ? '' : 's'}`);
      for (const [i, s] of shown.entries()) {
        const number = flag(args, 'history') ? i + 1 : history.length;
        writeLine(io.stdout, '');
        writeLine(io.stdout, `schema ${number}: version ${s.materializationId ?? '-'}${s.partitionKey !== '' ? ` [${s.partitionKey}]` : ''}, run ${s.runId ?? '-'}, ${s.recordedAt.toISOString()}`);
        if (s.changes.length === 0) writeLine(io.stdout, number === 1 ? '  first recorded schema' : '  no column changes');
        for (const change of s.changes) writeLine(io.stdout, `  ${describeSchemaChange(change)}`);
        if (!flag(args, 'history') || i === shown.length - 1) {
          writeLine(io.stdout, formatTable(['COLUMN', 'TYPE', 'NULLABLE'], s.columns.map((c) => [c.name, c.type, c.nullable ? 'yes' : 'no'])));
        }
      }
      return 0;
    } finally {
      await instance.close();
    }
  },
};
