import type { DynamicPartitionsChangeResult } from '../../partitions/index.ts';
import { writeLine, type CliIo } from '../cli-io.ts';
import { flag, type CommandArgs } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { QuarryError } from '../../errors.ts';

/** The usage of `quarry partitions add|remove`. */
export const DYNAMIC_PARTITIONS_USAGE = 'quarry partitions add|remove NAME KEY… [--json]';

/**
 * `quarry partitions add|remove NAME KEY…`: adds or removes keys of the dynamic partitions NAME
 * (the name given to `dynamicPartitions({ name })`). New keys are missing partitions in status and
 * plans; a removed key's partition versions stay in the history, but the partition no longer exists.
 */
export async function runDynamicPartitionsCommand(action: 'add' | 'remove', args: CommandArgs, io: CliIo): Promise<number> {
  const [, name, ...keys] = args.positionals;
  if (name === undefined || keys.length === 0) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `quarry partitions ${action} needs the dynamic partitions name and at least one key: ${DYNAMIC_PARTITIONS_USAGE}.`);
  }
  const instance = await openCliInstance(args, io);
  try {
    const result = instance.updateDynamicPartitions(name, action === 'add' ? { add: keys } : { remove: keys });
    if (flag(args, 'json')) {
      writeLine(io.stdout, JSON.stringify(result));
      return 0;
    }
    for (const line of describeChange(result)) writeLine(io.stdout, line);
    return 0;
  } finally {
    await instance.close();
  }
}

function describeChange(result: DynamicPartitionsChangeResult): string[] {
  const lines: string[] = [];
  const list = (keys: readonly string[]) => keys.map((k) => JSON.stringify(k)).join(', ');
  if (result.added.length > 0) lines.push(`Added ${result.added.length} key${result.added.length === 1 ? '' : 's'} to "${result.name}": ${list(result.added)}`);
  if (result.alreadyPresent.length > 0) lines.push(`Already present (unchanged): ${list(result.alreadyPresent)}`);
  if (result.removed.length > 0) lines.push(`Removed ${result.removed.length} key${result.removed.length === 1 ? '' : 's'} from "${result.name}": ${list(result.removed)}`);
  for (const { key, assets } of result.removedMaterialized) {
    lines.push(`  ${JSON.stringify(key)} had been materialized (${assets.join(', ')}): its versions stay in the history; the partition no longer exists.`);
  }
  lines.push(`"${result.name}" now has ${result.keys.length} key${result.keys.length === 1 ? '' : 's'} (partitions of ${result.assets.join(', ')})`);
  return lines;
}
