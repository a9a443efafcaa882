import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ExecutionEvent } from '../execution/index.ts';
import type { LogLevel } from './log-settings.ts';
import { quarryPinoOptions, type QuarryLogger } from './logger.ts';

/** The JSON-lines log file of a run: `<home>/logs/<runId>.jsonl`. */
export function runLogPath(home: string, runId: string): string {
  return join(home, 'logs', `${runId}.jsonl`);
}

/**
 * Deletes (with `dryRun`, only counts) the run log files under `<home>/logs/` that retention no
 * longer needs: those of runs that finished at or before `cutoff`, and those of runs the catalog
 * does not know (`finishedAt` answers undefined) last written before it. Files of running runs stay.
 */
export function pruneRunLogs(home: string, cutoff: Date, finishedAt: (runId: string) => Date | null | undefined, options: { readonly dryRun?: boolean } = {}): { files: number; bytes: number } {
  const dir = join(home, 'logs');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: 0, bytes: 0 };
    throw error;
  }
  let files = 0;
  let bytes = 0;
  for (const name of names) {
    if (!name.endsWith('.jsonl')) continue;
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined || !stat.isFile()) continue;
    const finished = finishedAt(name.slice(0, -'.jsonl'.length));
    const expired = finished === undefined ? stat.mtimeMs < cutoff.getTime() : finished !== null && finished.getTime() <= cutoff.getTime();
    if (!expired) continue;
    if (options.dryRun !== true) unlinkSync(path);
    files += 1;
    bytes += stat.size;
  }
  return { files, bytes };
}

/** A run's file logger and how to close its file. */
export interface RunLog {
  readonly path: string;
  readonly logger: QuarryLogger;
  /** Flushes and closes the file. */
  close(): void;
}

/** Options of `openRunLog`. */
export interface RunLogConfig {
  readonly home: string;
  readonly runId: string;
  readonly traceId?: string | undefined;
  readonly level?: LogLevel;
  readonly secrets?: readonly string[];
  readonly redactKeys?: readonly string[];
}

/**
 * Opens (appending: a resumed run continues its file) the JSON-lines log file of a run, every line
 * carrying `run_id` and, when tracing is on, `trace_id`. Lines are written synchronously, so a killed
 * run's file holds every line up to the kill.
 */
export function openRunLog(config: RunLogConfig): RunLog {
  const path = runLogPath(config.home, config.runId);
  mkdirSync(join(config.home, 'logs'), { recursive: true });
  const destination = pino.destination({ dest: path, sync: true, append: true });
  const fields = { run_id: config.runId, ...(config.traceId !== undefined ? { trace_id: config.traceId } : {}) };
  const logger = pino(quarryPinoOptions({ level: config.level ?? 'info', fields, ...(config.secrets ? { secrets: config.secrets } : {}), ...(config.redactKeys ? { redactKeys: config.redactKeys } : {}) }), destination);
  let closed = false;
  return {
    path,
    logger,
    close() {
      if (closed) return;
      closed = true;
      destination.flushSync();
      destination.end();
    },
  };
}

/** The level an execution event is logged at. */
export function executionEventLevel(event: ExecutionEvent): 'debug' | 'info' | 'warn' | 'error' {
  switch (event.type) {
    case 'log':
      return event.level;
    case 'step_failed':
      return 'error';
    case 'run_finished':
      return event.status === 'succeeded' ? 'info' : 'error';
    case 'step_retrying':
    case 'step_blocked':
    case 'step_skipped':
    case 'step_cancelled':
      return 'warn';
    default:
      return 'info';
  }
}

/** The documented fields of an execution event's log line (`step`, `asset`, `partition`, `attempt`, `event`, `data`). */
export function executionEventFields(event: ExecutionEvent): Record<string, unknown> {
  const fields: Record<string, unknown> = { event: event.type };
  if ('stepId' in event) {
    fields.step = event.stepId;
    fields.asset = event.assetKey;
    fields.partition = event.partition;
    if ('attempt' in event && typeof event.attempt === 'number') fields.attempt = event.attempt;
  }
  if (event.type === 'log' && event.data !== undefined) fields.data = event.data;
  return fields;
}

/** Writes an execution event as one line of `logger`, with `message` (the catalog's wording of it). */
export function logExecutionEvent(logger: QuarryLogger, event: ExecutionEvent, message: string): void {
  const level = executionEventLevel(event);
  if (!logger.isLevelEnabled(level)) return;
  logger[level](executionEventFields(event), message);
}
