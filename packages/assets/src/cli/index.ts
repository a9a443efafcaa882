// The `quarry-tiktok` command line.
export { COMMANDS, main } from './main.ts';
export type { CommandDefinition, CommandIo } from './command.ts';
export { formatSummary, generateCommand } from './generate-command.ts';
