import { QuarryError } from '../errors.ts';

/** A log level, least to most severe; `silent` logs nothing. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** How log lines are written: `pretty` (human text) or `json` (one JSON object per line). */
export type LogFormat = 'pretty' | 'json';

/** The log levels, least severe first. */
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** The log formats. */
export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json'];

/** Where the log level and format came from, and what they are. */
export interface LogSettings {
  readonly level: LogLevel;
  /** True when the level was asked for (`--log-level` or `QUARRY_LOG_LEVEL`), false when it is the default. */
  readonly levelGiven: boolean;
  readonly format: LogFormat;
}

/**
 * Resolves the log level and format of a process: the option (`--log-level`, `--log-format`) over
 * the environment (`QUARRY_LOG_LEVEL`, `QUARRY_LOG_FORMAT`) over the defaults (`info`; `pretty` when
 * the log stream is a TTY, else `json`). A value that is not a level or format throws
 * `QUARRY_BAD_ARGUMENT` naming it and the accepted values.
 */
export function resolveLogSettings(options: { level?: string | undefined; format?: string | undefined; isTTY: boolean; env: NodeJS.ProcessEnv }): LogSettings {
  const levelText = options.level ?? nonEmpty(options.env.QUARRY_LOG_LEVEL);
  const formatText = options.format ?? nonEmpty(options.env.QUARRY_LOG_FORMAT);
  const levelSource = options.level !== undefined ? '--log-level' : 'QUARRY_LOG_LEVEL';
  const formatSource = options.format !== undefined ? '--log-format' : 'QUARRY_LOG_FORMAT';
  const level = levelText === undefined ? 'info' : levelText.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `${levelSource} ${JSON.stringify(levelText)} is not a log level: use one of ${LOG_LEVELS.join(', ')}.`);
  }
  const format = formatText === undefined ? (options.isTTY ? 'pretty' : 'json') : formatText.trim().toLowerCase();
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `${formatSource} ${JSON.stringify(formatText)} is not a log format: use pretty or json.`);
  }
  return { level: level as LogLevel, levelGiven: levelText !== undefined, format: format as LogFormat };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
