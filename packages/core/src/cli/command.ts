import type { CliIo } from './cli-io.ts';

/**
 * One option of a command, as node:util parseArgs takes it, plus help text. These declarations are
 * the one source of `--help` and of docs/reference/cli.md (`npm run docs`).
 */
export interface CommandOption {
  /** `string` takes a value (`--limit 5`), `boolean` is a flag (`--json`). */
  readonly type: 'string' | 'boolean';
  /** A one-letter alias (`-h`). */
  readonly short?: string;
  /** Whether the option may be repeated, collecting its values in a list. */
  readonly multiple?: boolean;
  /** What the option does, in one line. */
  readonly help: string;
  /** The value parseArgs fills in when a string option is absent; help and the reference print it. */
  readonly default?: string;
  /** What an absent option means when no single value says it (`the project setting`); printed as its default. */
  readonly defaultText?: string;
}

/** A `quarry` verb: its usage line, options and handler returning an exit code. */
export interface Command {
  /** The verb (`plan`). */
  readonly name: string;
  /** The usage line help prints, with its positionals and main options. */
  readonly usage: string;
  /** What the command does, in one line. */
  readonly summary: string;
  /** Its own options by long name (without `--`); every command also takes `COMMON_OPTIONS`. */
  readonly options: Readonly<Record<string, CommandOption>>;
  /** How many positionals it takes at most. */
  readonly maxPositionals: number;
  run(args: CommandArgs, io: CliIo): Promise<number>;
}

/** Parsed arguments of a command. */
export interface CommandArgs {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
}

/** The options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, CommandOption>> = {
  project: { type: 'string', help: 'project directory or quarry.config.ts', defaultText: 'the current directory' },
  target: { type: 'string', help: "the project's target to run on (its engine, store and own catalog; see docs/targets.md)", defaultText: 'QUARRY_TARGET, else dev' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  'log-level': { type: 'string', help: 'least level of log lines: trace, debug, info, warn, error, fatal or silent (step log lines below warn show only when asked for)', defaultText: 'QUARRY_LOG_LEVEL, else info' },
  'log-format': { type: 'string', help: 'log lines on stderr as pretty (text) or json (one object per line)', defaultText: 'QUARRY_LOG_FORMAT, else pretty on a terminal and json otherwise' },
};

/** Reads a string option. */
export function stringOption(args: CommandArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Reads a boolean option. */
export function flag(args: CommandArgs, name: string): boolean {
  return args.values[name] === true;
}

/** How help and the reference docs state an option's default: its value, its `defaultText`, `false` for a flag, or undefined when absent means unset. */
export function optionDefault(option: CommandOption): string | undefined {
  if (option.default !== undefined) return option.default;
  if (option.defaultText !== undefined) return option.defaultText;
  return option.type === 'boolean' ? 'false' : undefined;
}
