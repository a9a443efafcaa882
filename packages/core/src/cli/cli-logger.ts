import { createQuarryLogger, resolveLogSettings, secretValuesFromEnv, type LogSettings, type QuarryLogger } from '../observability/index.ts';
import type { CliIo } from './cli-io.ts';

// Options whose values are secrets: never echoed in a log line (`quarry serve --token T`).
const SECRET_OPTIONS = ['token', 'password'];

/**
 * Creates the logger of one `quarry` command on its stderr: level and format from `--log-level` /
 * `--log-format` over `QUARRY_LOG_LEVEL` / `QUARRY_LOG_FORMAT` (json unless stderr is a terminal),
 * with the environment's secret values and secret options' values scrubbed. A bad level or format
 * throws `QUARRY_BAD_ARGUMENT`.
 */
export function createCliLogger(io: CliIo, values: Readonly<Record<string, unknown>> = {}): { log: QuarryLogger; settings: LogSettings } {
  const stderr = io.stderr as unknown as { write(chunk: string): unknown; isTTY?: boolean };
  const level = typeof values['log-level'] === 'string' ? values['log-level'] : undefined;
  const format = typeof values['log-format'] === 'string' ? values['log-format'] : undefined;
  const settings = resolveLogSettings({ level, format, isTTY: stderr.isTTY === true, env: io.env });
  const secrets = [...secretValuesFromEnv(io.env), ...SECRET_OPTIONS.flatMap((name) => (typeof values[name] === 'string' ? [values[name] as string] : []))];
  return { log: createQuarryLogger({ stream: stderr, level: settings.level, format: settings.format, secrets }), settings };
}

/** The command's logger: the one `runCli` made, else one from the environment alone. */
export function cliLog(io: CliIo): QuarryLogger {
  return io.log ?? createCliLogger(io).log;
}
