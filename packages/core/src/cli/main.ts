import { parseArgs } from 'node:util';
import { isQuarryError, QuarryError } from '../errors.ts';
import { writeLine, type CliIo } from './cli-io.ts';
import { COMMON_OPTIONS, optionDefault, type Command, type CommandArgs } from './command.ts';
import { commands } from './commands/index.ts';
import { createCliLogger } from './cli-logger.ts';
import type { QuarryLogger } from '../observability/index.ts';

/** Exit code for a user error (bad input, unknown asset, failed run). */
export const EXIT_USER_ERROR = 1;
/** Exit code for an internal error (a bug: printed with its stack). */
export const EXIT_INTERNAL_ERROR = 70;

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'quarry: software-defined data assets',
    '',
    'Usage: quarry <command> [options]   (every command takes --project PATH)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `quarry <command> --help` for its options.',
  ].join('\n');
}

function commandHelp(command: Command): string {
  const options = { ...command.options, ...COMMON_OPTIONS };
  const width = Math.max(...Object.keys(options).map((k) => k.length)) + 2;
  return [
    `Usage: ${command.usage}`,
    '',
    command.summary,
    '',
    'Options:',
    ...Object.entries(options).map(([name, o]) => {
      const byDefault = o.type === 'string' ? optionDefault(o) : undefined;
      return `  --${name.padEnd(width)} ${o.help}${byDefault !== undefined ? ` (default: ${byDefault})` : ''}`;
    }),
  ].join('\n');
}

function parseCommandArgs(command: Command, argv: readonly string[]): CommandArgs {
  const options = Object.fromEntries(
    Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}), ...(o.default !== undefined ? { default: o.default } : {}) },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const option = /'(-[^']*)'/.exec(error instanceof Error ? error.message : '')?.[1];
    const message =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined
        ? `Unknown option ${option}.`
        : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined
          ? `Option ${option} needs a value.`
          : error instanceof Error
            ? (error.message.split('\n')[0] ?? error.message)
            : String(error);
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `${message} Usage: ${command.usage}`);
  }
  if (parsed.positionals.length > command.maxPositionals) {
    const extra = parsed.positionals.slice(command.maxPositionals).map((p) => JSON.stringify(p)).join(' ');
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `Unexpected argument ${extra}. Usage: ${command.usage}`);
  }
  return { positionals: parsed.positionals, values: parsed.values as CommandArgs['values'] };
}

/**
 * Runs the `quarry` command line with `argv` (without node and script) and returns the exit code.
 * User errors print one line naming the bad value; only bugs print a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    writeLine(verb === undefined ? io.stderr : io.stdout, helpText());
    return verb === undefined ? EXIT_USER_ERROR : 0;
  }
  // Errors before the options are read (or a bad --log-level itself) are logged as the environment says.
  let log: QuarryLogger = fallbackLogger(io);
  const command = commands.find((c) => c.name === verb);
  if (command === undefined) {
    log.error({ err_code: 'QUARRY_BAD_ARGUMENT' }, `quarry: unknown command "${verb}". Commands: ${commands.map((c) => c.name).join(', ')}.`);
    return EXIT_USER_ERROR;
  }
  try {
    const args = parseCommandArgs(command, rest);
    const logger = createCliLogger(io, args.values);
    log = logger.log;
    if (args.values.help === true) {
      writeLine(io.stdout, commandHelp(command));
      return 0;
    }
    return await command.run(args, { ...io, log, logSettings: logger.settings });
  } catch (error) {
    if (isQuarryError(error)) {
      log.error({ err_code: error.code }, `quarry ${verb}: ${error.message} [${error.code}]`);
      return EXIT_USER_ERROR;
    }
    log.error({ err_code: 'internal' }, `quarry ${verb}: internal error (this is a bug):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT_INTERNAL_ERROR;
  }
}

// The environment's log settings, or pretty text at info when they are themselves bad.
function fallbackLogger(io: CliIo): QuarryLogger {
  try {
    return createCliLogger(io).log;
  } catch {
    return createCliLogger({ ...io, env: { ...io.env, QUARRY_LOG_LEVEL: 'info', QUARRY_LOG_FORMAT: 'pretty' } }).log;
  }
}
