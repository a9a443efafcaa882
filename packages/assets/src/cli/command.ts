/** Where a command writes its output; tests pass collectors, the bin passes the process streams. */
export interface CommandIo {
  stdout(line: string): void;
  stderr(line: string): void;
}

/** One `quarry-tiktok` subcommand: its one-line summary, usage text and handler (returns the exit code). */
export interface CommandDefinition {
  summary: string;
  usage: string;
  run(args: string[], io: CommandIo): Promise<number>;
}
