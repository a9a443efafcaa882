import { openInstance, type Instance } from '../instance/index.ts';
import { createTracing, secretValuesFromEnv } from '../observability/index.ts';
import type { CliIo } from './cli-io.ts';
import { stringOption, type CommandArgs } from './command.ts';

/**
 * Opens the instance of the project named by `--project` (or the working directory), with the
 * command's log level for run log files, its environment's secrets and `OTEL_*` tracing, on the
 * target `--target` (or `QUARRY_TARGET`) names, default `dev`.
 */
export async function openCliInstance(args: CommandArgs, io: CliIo): Promise<Instance> {
  const project = stringOption(args, 'project');
  const level = io.logSettings?.level;
  return openInstance({
    projectDir: project ?? io.cwd,
    ...(io.env.QUARRY_HOME ? { quarryHome: io.env.QUARRY_HOME } : {}),
    ...(level !== undefined ? { logLevel: level } : {}),
    secrets: secretValuesFromEnv(io.env),
    tracing: await createTracing({ env: io.env }),
    lineageEnv: io.env,
    // --target, else QUARRY_TARGET of the command's environment, else dev.
    ...(stringOption(args, 'target') !== undefined ? { target: stringOption(args, 'target')! } : {}),
    env: io.env,
  });
}
