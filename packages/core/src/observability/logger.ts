import { pino, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { LogFormat, LogLevel } from './log-settings.ts';
import { createSecretScrubber, REDACTED } from './secret-scrubber.ts';

/** Quarry's logger: a pino logger writing structured lines (see docs/logging.md for the fields). */
export type QuarryLogger = Logger;

/** Where a logger writes: anything with a `write` of strings (`process.stderr`, a file destination). */
export interface LogStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

/** Options of `createQuarryLogger`. */
export interface QuarryLoggerConfig {
  /** Where lines go. */
  readonly stream: LogStream;
  /** Least level written (default `info`). */
  readonly level?: LogLevel;
  /** `json` (default) writes one JSON object per line; `pretty` writes the message as text. */
  readonly format?: LogFormat;
  /** Values that never appear in a line (the serve token, credentials from the environment). */
  readonly secrets?: readonly string[];
  /** More field names whose values are redacted wherever they appear (PII-tagged columns). */
  readonly redactKeys?: readonly string[];
  /** Fields every line carries (`run_id`, `trace_id`). */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** Field names whose values are always redacted, wherever they are in a line's fields. */
export const SECRET_FIELD_NAMES: readonly string[] = [
  'token',
  'password',
  'passwd',
  'secret',
  'apiKey',
  'api_key',
  'credential',
  'credentials',
  'authorization',
  'Authorization',
  'cookie',
  'routingKey',
  'routing_key',
  'privateKey',
  'private_key',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'client_secret',
];

/** The Quarry fields of a line besides pino's own (`level`, `time`, `msg`); the pretty format hides them. */
export const LOG_FIELDS: readonly string[] = ['run_id', 'step', 'asset', 'partition', 'attempt', 'trace_id', 'event', 'data', 'err_code', 'daemon_id', 'tick_kind', 'tick_name', 'tick_status', 'partitions', 'run_keys', 'reason', 'error'];

/** The pino `redact` paths of every logger: the credentials of HTTP requests and responses (serialized by Fastify). */
export const HTTP_REDACT_PATHS: readonly string[] = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-quarry-token"]', 'res.headers["set-cookie"]'];

/**
 * A line's fields with the value of every field named in `keys` replaced by `[REDACTED]`, at any
 * depth of plain objects and arrays; the object itself when nothing is redacted (no copy), and never
 * changed in place. (pino's wildcard redaction paths cost about 100 µs a line; this walk, a few.)
 */
export function redactFields<T>(value: T, keys: ReadonlySet<string>, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > 20) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = redactFields(item, keys, depth + 1);
      if (next !== item) (out ??= value.slice())[i] = next;
    });
    return (out ?? value) as T;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    const next = keys.has(key) ? REDACTED : redactFields(item, keys, depth + 1);
    if (next !== item) (out ??= { ...(value as Record<string, unknown>) })[key] = next;
  }
  return (out ?? value) as T;
}

/**
 * The pino options of every Quarry logger: ISO `time`, the level as a word, `msg`, no pid/hostname
 * noise, secret fields redacted and secret values scrubbed from the serialized line.
 */
export function quarryPinoOptions(config: Omit<QuarryLoggerConfig, 'stream' | 'format'>): import('pino').LoggerOptions {
  const scrub = createSecretScrubber(config.secrets ?? []);
  const keys = new Set([...SECRET_FIELD_NAMES, ...(config.redactKeys ?? [])]);
  return {
    level: config.level ?? 'info',
    base: { ...(config.fields ?? {}) },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }), log: (fields) => redactFields(fields, keys) },
    redact: { paths: [...HTTP_REDACT_PATHS], censor: REDACTED },
    hooks: { streamWrite: scrub },
  };
}

/**
 * Creates a Quarry logger: structured JSON lines, or (format `pretty`) the message of each line as
 * text through `pino-pretty`, for people at a terminal. Both formats are written synchronously, in
 * order with anything else written to the same stream (the CLI's progress bar).
 *
 * ```ts
 * const log = createQuarryLogger({ stream: process.stderr, level: 'info', format: 'json', secrets: [token] });
 * log.info({ run_id: runId, step: stepId }, 'step started');
 * ```
 */
export function createQuarryLogger(config: QuarryLoggerConfig): QuarryLogger {
  const destination = config.format === 'pretty' ? prettyStream(config.stream) : config.stream;
  return pino(quarryPinoOptions(config), destination as import('pino').DestinationStream);
}

// The message alone, as the CLI always printed it: the fields are for machines (the JSON format).
// A server line names its request (`request completed: GET /api/runs → 200 in 3 ms`).
function prettyStream(stream: LogStream): LogStream {
  const format = prettyFactory({
    colorize: false,
    ignore: ['pid', 'hostname', 'time', 'level', ...LOG_FIELDS].join(','),
    hideObject: true,
    singleLine: true,
    messageFormat: (line, messageKey) => {
      const message = String(line[messageKey] ?? '');
      const req = line.req as { method?: unknown; url?: unknown } | undefined;
      const res = line.res as { statusCode?: unknown } | undefined;
      if (req === undefined && res === undefined) return message;
      const request = req !== undefined ? ` ${String(req.method)} ${String(req.url)}` : '';
      const status = res?.statusCode !== undefined ? ` → ${String(res.statusCode)}` : '';
      const time = typeof line.responseTime === 'number' ? ` in ${line.responseTime.toFixed(0)} ms` : '';
      return `${message}:${request}${status}${time}`;
    },
  });
  return {
    write(line: string) {
      const text = format(line);
      return stream.write(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
}
