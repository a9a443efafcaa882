import { openInstance, type Instance } from '../instance/index.ts';
import type { CliIo } from './cli-io.ts';
import { stringOption, type CommandArgs } from './command.ts';

/** Opens the instance of the project named by `--project` (or the working directory). */
export function openCliInstance(args: CommandArgs, io: CliIo): Promise<Instance> {
  const project = stringOption(args, 'project');
  return openInstance({ projectDir: project ?? io.cwd, ...(io.env.QUARRY_HOME ? { quarryHome: io.env.QUARRY_HOME } : {}), lineageEnv: io.env });
}
