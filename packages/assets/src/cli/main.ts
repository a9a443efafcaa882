import { isGeneratorError } from '../generator/index.ts';
import type { CommandDefinition, CommandIo } from './command.ts';
import { generateCommand } from './generate-command.ts';

/** The `quarry-tiktok` subcommands by verb; add a verb by adding an entry. */
export const COMMANDS: Readonly<Record<string, CommandDefinition>> = {
  generate: generateCommand,
  asof: (await import('../pipeline/asof-command.ts')).asofCommand,
};

const processIo: CommandIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

function usage(): string {
  const verbs = Object.entries(COMMANDS).map(([verb, c]) => `  ${verb.padEnd(10)} ${c.summary}`);
  return ['Usage: quarry-tiktok <command> [options]', '', 'Commands:', ...verbs, '', 'Run quarry-tiktok <command> --help for its options.'].join('\n');
}

/**
 * Runs `quarry-tiktok` with `argv` (without the node and script paths) and returns the exit code:
 * 0 on success, 1 on a user error (one line on stderr naming the bad value), 2 on an unknown command.
 *
 * ```ts
 * process.exitCode = await main(['generate', '--creators', '1000', '--days', '7', '--out', 'landing']);
 * ```
 */
export async function main(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    io.stdout(usage());
    return verb === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, verb) ? COMMANDS[verb] : undefined;
  if (command === undefined) {
    io.stderr(`quarry-tiktok: unknown command "${verb}": use one of ${Object.keys(COMMANDS).join(', ')}.`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isGeneratorError(error)) {
      io.stderr(`quarry-tiktok ${verb}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
