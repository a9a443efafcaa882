import type { CliIo } from './cli-io.ts';

/** One option of a command, as node:util parseArgs takes it, plus help text. */
export interface CommandOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  readonly help: string;
}

/** A `quarry` verb: its usage line, options and handler returning an exit code. */
export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
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

/** Options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, CommandOption>> = {
  project: { type: 'string', help: 'project directory or quarry.config.ts (default: the current directory)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
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
