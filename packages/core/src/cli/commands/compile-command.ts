import { QuarryError } from '../../errors.ts';
import { writeLine } from '../cli-io.ts';
import { flag, stringOption, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

/** `quarry compile ASSET [--target NAME] [--partition KEY] [--json]`: the SQL the target's engine would run for an asset. */
export const compileCommand: Command = {
  name: 'compile',
  usage: 'quarry compile ASSET [--target NAME] [--partition KEY] [--json]',
  summary: "print the SQL the target's engine runs for an asset (BigQuery: transpiled from DuckDB's, or the asset's own)",
  options: {
    partition: { type: 'string', help: 'show the partition parameters a step of this partition binds ($partition_key, …)' },
    json: { type: 'boolean', help: 'print JSON: { asset, target, engine, transpiled, sql, parameters? }' },
  },
  maxPositionals: 1,
  async run(args, io) {
    const key = args.positionals[0];
    if (key === undefined) throw new QuarryError('QUARRY_BAD_ARGUMENT', 'quarry compile needs an asset: quarry compile ASSET [--target NAME] (see quarry list).');
    const instance = await openCliInstance(args, io);
    try {
      if (!instance.graph.has(key)) throw new QuarryError('QUARRY_UNKNOWN_ASSET', `Unknown asset "${key}": see quarry list for the project's assets.`);
      const compiled = await instance.compile(key);
      const partition = stringOption(args, 'partition');
      const parameters = partition === undefined ? undefined : partitionParameters(instance, key, partition);
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify({ asset: key, target: instance.target.name, engine: compiled.engine, transpiled: compiled.transpiled, sql: compiled.sql, ...(parameters !== undefined ? { parameters } : {}) }));
        return 0;
      }
      writeLine(io.stdout, `-- ${key} on ${compiled.engine} (target ${instance.target.name})${compiled.transpiled ? ', transpiled from DuckDB SQL' : ''}`);
      if (parameters !== undefined) {
        const mark = compiled.engine === 'bigquery' ? '@' : '$';
        for (const [name, value] of Object.entries(parameters)) writeLine(io.stdout, `-- ${mark}${name} = ${JSON.stringify(value)}`);
      }
      writeLine(io.stdout, compiled.sql);
      return 0;
    } finally {
      await instance.close();
    }
  },
};

// The values the partition parameters take in a step of one partition (see PARTITION_SQL_PARAMETERS).
function partitionParameters(instance: Awaited<ReturnType<typeof openCliInstance>>, key: string, partition: string): Record<string, unknown> {
  const definition = instance.partitionsOf(key);
  if (definition === undefined) {
    if (partition !== '') throw new QuarryError('QUARRY_BAD_PARTITION_KEY', `Asset "${key}" is not partitioned: leave out --partition.`);
    return { partition_key: '', partition_last_key: '', partition_keys: [''], partition_start: null, partition_end: null };
  }
  const ctx = instance.partitionsContext();
  const index = definition.indexOf(partition, ctx);
  if (index < 0) throw new QuarryError('QUARRY_BAD_PARTITION_KEY', `"${partition}" is not a partition of "${key}": see quarry partitions ${key}.`);
  const window = (definition as { windowOf?: (i: number, c: typeof ctx) => { start: Date; end: Date } }).windowOf?.(index, ctx);
  return {
    partition_key: partition,
    partition_last_key: partition,
    partition_keys: [partition],
    partition_start: window?.start.toISOString() ?? null,
    partition_end: window?.end.toISOString() ?? null,
  };
}
