import type { Writable } from 'node:stream';
import type { LogSettings, QuarryLogger } from '../observability/index.ts';

/** Where a command writes and what it reads from its environment; tests pass their own. */
export interface CliIo {
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** The log of the command (progress, warnings, errors); `runCli` sets it from `--log-level`/`--log-format`. */
  readonly log?: QuarryLogger;
  /** The resolved log settings behind `log`. */
  readonly logSettings?: LogSettings;
}

/** Writes one line to a stream. */
export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}

/** Formats rows as an aligned plain-text table with a header. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
