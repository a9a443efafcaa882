import type { ExecutionEvent, StepEventBase, StepLogLevel } from './execution-event.ts';

/** The part of a writable stream the progress reporter uses (`process.stderr` fits). */
export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  /** Terminal width; the bar is cut to fit when known. */
  readonly columns?: number;
}

/** Options of `createProgressReporter`. */
export interface ProgressReporterConfig {
  readonly stream: ProgressStream;
  /** Draw a redrawn bar (true) or print plain lines (false); default `stream.isTTY === true`. */
  readonly isTTY?: boolean;
  /** Wall clock for the bar's elapsed time (default `Date.now`). */
  readonly now?: () => number;
  /** Characters inside the bar's brackets (default 20). */
  readonly barWidth?: number;
  /** On a TTY, least time between two redraws caused by events (default 100 ms; 0 redraws on every event). */
  readonly redrawIntervalMs?: number;
  /** On a TTY, redraw this often so elapsed time moves while steps run (default 1000 ms; 0 turns it off). */
  readonly tickMs?: number;
  /** Least level of step log lines to print (default `warn`); `silent` prints none. */
  readonly logLevel?: StepLogLevel | 'silent';
  /**
   * Where the lines go (the bar is drawn on `stream`): a structured logger (pino fits) receiving each
   * line with its level and fields `run_id`, `step`, `asset`, `partition`, `attempt`, `event`. Without
   * one, lines are written to `stream` as text.
   */
  readonly logger?: ProgressLogger;
  /** Fields every line of a run carries besides the event's own (the CLI adds `trace_id`). */
  readonly fields?: (runId: string) => Readonly<Record<string, unknown>>;
}

/** The part of a structured logger the progress reporter uses (a pino logger fits). */
export interface ProgressLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A progress display for the CLI, fed with a run's events. */
export interface ProgressReporter {
  /** Pass as `onEvent` to `executePlan` (it is bound). */
  readonly onEvent: (event: ExecutionEvent) => void;
  /** Stops the redraw timer and ends the bar's line; call it if the run ends without `run_finished`. */
  close(): void;
}

const LOG_RANK: Record<StepLogLevel | 'silent', number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * Creates the CLI's progress display. On a TTY it redraws one line,
 * `[#####.....] 45/100 steps · 3 running · 1 failed · 12.3s`, and prints failures, retries and
 * blocks above it; elsewhere (CI logs, pipes) it prints one plain line per step transition:
 * `✓ raw/orders [2026-01-03] 0.4s`, `✗ … 0.4s: message`,
 * `↻ retrying raw/orders [2026-01-03] in 5m (attempt 2 of 4): message`,
 * `⏸ raw/orders [2026-01-03] waiting for the lease held by run r_…, next look in 2s: message`,
 * `− … skipped (upstream_failed: <step id>)`. While steps wait, the bar names the next one due:
 * `… · retrying raw/orders [2026-01-03] in 4m59s`.
 *
 * ```ts
 * const progress = createProgressReporter({ stream: process.stderr });
 * const summary = await executePlan(plan, { runId, concurrency: 4, runStep, onEvent: progress.onEvent }).done;
 * ```
 */
export function createProgressReporter(config: ProgressReporterConfig): ProgressReporter {
  const { stream } = config;
  const tty = config.isTTY ?? stream.isTTY === true;
  const now = config.now ?? Date.now;
  const barWidth = Math.max(1, config.barWidth ?? 20);
  const redrawIntervalMs = config.redrawIntervalMs ?? 100;
  const tickMs = config.tickMs ?? 1000;
  const minLogRank = LOG_RANK[config.logLevel ?? 'warn'];
  const logger = config.logger;

  let total = 0;
  let done = 0;
  let failed = 0;
  let blocked = 0;
  let skipped = 0;
  let cancelled = 0;
  const running = new Set<string>();
  // Steps waiting to run again, with what they wait for: the bar names the next one due.
  const waiting = new Map<string, { readonly label: string; readonly what: string; readonly due: number }>();
  let startedAt: number | undefined;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let barShown = false;
  let ticker: ReturnType<typeof setInterval> | undefined;

  function stopTicker(): void {
    if (ticker !== undefined) clearInterval(ticker);
    ticker = undefined;
  }

  function bar(): string {
    const filled = total === 0 ? barWidth : done >= total ? barWidth : Math.min(barWidth - 1, Math.round((done / total) * barWidth));
    const parts = [`[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${done}/${total} steps`, `${running.size} running`];
    if (failed > 0) parts.push(`${failed} failed`);
    if (blocked > 0) parts.push(`${blocked} blocked`);
    if (skipped > 0) parts.push(`${skipped} skipped`);
    if (cancelled > 0) parts.push(`${cancelled} cancelled`);
    parts.push(formatRunDuration(now() - (startedAt ?? now())));
    let next: { label: string; what: string; due: number } | undefined;
    for (const w of waiting.values()) if (next === undefined || w.due < next.due) next = w;
    if (next !== undefined) {
      const others = waiting.size > 1 ? ` (+${waiting.size - 1} more waiting)` : '';
      parts.push(`${next.what} ${next.label} in ${formatWait(Math.max(0, next.due - now()))}${others}`);
    }
    const line = parts.join(' · ');
    const width = stream.columns;
    return width !== undefined && width > 1 && line.length > width - 1 ? line.slice(0, width - 1).trimEnd() : line;
  }

  function draw(force: boolean): void {
    const t = now();
    if (!force && t - lastDraw < redrawIntervalMs) return;
    lastDraw = t;
    stream.write(`\r${bar()}\x1b[K`);
    barShown = true;
  }

  function emit(line: string, level: StepLogLevel, event: ExecutionEvent): void {
    if (logger === undefined) {
      stream.write(`${line}\n`);
      return;
    }
    const fields: Record<string, unknown> = { run_id: event.runId, ...(config.fields?.(event.runId) ?? {}), event: event.type };
    if ('stepId' in event) {
      fields.step = event.stepId;
      fields.asset = event.assetKey;
      fields.partition = event.partition;
      if ('attempt' in event && typeof event.attempt === 'number') fields.attempt = event.attempt;
    }
    logger[level](fields, line);
  }

  // On a TTY a message goes above the bar: clear the bar's line, print, draw the bar again.
  function print(line: string, onTty: boolean, level: StepLogLevel, event: ExecutionEvent): void {
    if (!tty) {
      emit(line, level, event);
      return;
    }
    if (!onTty) return;
    if (logger === undefined) {
      stream.write(`${barShown ? '\r\x1b[K' : ''}${line}\n`);
    } else {
      if (barShown) stream.write('\r\x1b[K');
      emit(line, level, event);
    }
    barShown = false;
    draw(true);
  }

  function onEvent(event: ExecutionEvent): void {
    if (startedAt === undefined) startedAt = now();
    switch (event.type) {
      case 'run_started': {
        startedAt = now();
        total = event.totalSteps;
        done = event.fromCheckpoint;
        const resumed = event.fromCheckpoint > 0 ? `, ${event.fromCheckpoint} already done` : '';
        print(`Run ${event.runId}: ${event.totalSteps} steps, concurrency ${event.concurrency}${resumed}`, true, 'info', event);
        if (tty && tickMs > 0) {
          stopTicker();
          ticker = setInterval(() => draw(true), tickMs);
          ticker.unref();
        }
        return;
      }
      case 'step_started':
        waiting.delete(event.stepId);
        running.add(event.stepId);
        break;
      case 'step_succeeded':
        waiting.delete(event.stepId);
        running.delete(event.stepId);
        done++;
        if (!tty) print(`✓ ${stepLabel(event)} ${formatRunDuration(event.durationMs)}`, false, 'info', event);
        break;
      case 'step_failed': {
        waiting.delete(event.stepId);
        running.delete(event.stepId);
        done++;
        failed++;
        const tries = event.attempt > 1 ? ` (attempt ${event.attempt})` : '';
        print(`✗ ${stepLabel(event)} ${formatRunDuration(event.durationMs)}: ${firstLine(event.error.message)}${tries}`, true, 'error', event);
        return;
      }
      case 'step_retrying': {
        running.delete(event.stepId);
        const label = stepLabel(event);
        const wait = formatWait(event.waitMs);
        if (event.reason === 'lease_held') {
          const holder = event.error.details?.runId;
          const whose = typeof holder === 'string' ? `the lease held by run ${holder}` : 'a lease another run holds';
          waiting.set(event.stepId, { label, what: 'waiting for a lease:', due: now() + event.waitMs });
          print(`⏸ ${label} waiting for ${whose}, next look in ${wait}: ${firstLine(event.error.message)}`, true, 'info', event);
        } else {
          waiting.set(event.stepId, { label, what: 'retrying', due: now() + event.waitMs });
          print(`↻ retrying ${label} in ${wait} (attempt ${event.nextTry} of ${event.maxTries}): ${firstLine(event.error.message)}`, true, 'warn', event);
        }
        return;
      }
      case 'step_blocked':
        waiting.delete(event.stepId);
        running.delete(event.stepId);
        done++;
        blocked++;
        print(`⊘ ${stepLabel(event)} blocked: ${firstLine(event.message)}`, true, 'warn', event);
        return;
      case 'step_skipped':
        done++;
        if (event.reason === 'cancelled') {
          // One line per never-started step of a cancelled 100,000-step backfill helps nobody; the final line counts them.
          cancelled++;
        } else {
          skipped++;
          if (!tty) print(`− ${stepLabel(event)} skipped (${event.reason}: ${event.upstreamStepId ?? '?'})`, false, 'warn', event);
        }
        break;
      case 'step_cancelled':
        waiting.delete(event.stepId);
        running.delete(event.stepId);
        done++;
        cancelled++;
        print(`■ ${stepLabel(event)} cancelled`, true, 'warn', event);
        return;
      case 'log':
        if (LOG_RANK[event.level] >= minLogRank) print(`! ${stepLabel(event)} ${event.level}: ${firstLine(event.message)}`, true, event.level, event);
        return;
      case 'run_finished': {
        stopTicker();
        const c = event.counts;
        if (tty) {
          total = c.total;
          done = c.total;
          draw(true);
          stream.write('\n');
          barShown = false;
        }
        const parts = [`${c.succeeded}/${c.total} succeeded${c.fromCheckpoint > 0 ? ` (${c.fromCheckpoint} from checkpoint)` : ''}`];
        if (c.failed > 0) parts.push(`${c.failed} failed`);
        if (c.blocked > 0) parts.push(`${c.blocked} blocked`);
        if (c.skipped > 0) parts.push(`${c.skipped} skipped`);
        if (c.cancelled > 0) parts.push(`${c.cancelled} cancelled`);
        parts.push(formatRunDuration(event.durationMs));
        const reason = event.cancelReason === undefined ? '' : ` (${event.cancelReason})`;
        emit(`Run ${event.runId} ${event.status.replace('_', ' ')}: ${parts.join(' · ')}${reason}`, event.status === 'succeeded' ? 'info' : 'error', event);
        return;
      }
    }
    if (tty) draw(false);
  }

  return {
    onEvent,
    close(): void {
      stopTicker();
      if (tty && barShown) stream.write('\n');
      barShown = false;
    },
  };
}

/** Formats a duration for people: `0.4s`, `12.3s`, `2m05s`, `1h07m`. */
export function formatRunDuration(ms: number): string {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  if (safe < 59_950) return `${(safe / 1000).toFixed(1)}s`;
  const seconds = Math.round(safe / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  const minutes = Math.floor(seconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

// Waits are round numbers from a policy, so they read best unpadded: 500ms, 2s, 60s, 5m, 15m.
function formatWait(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds}s`;
  const rest = seconds % 60;
  return rest === 0 ? `${seconds / 60}m` : `${Math.floor(seconds / 60)}m${String(rest).padStart(2, '0')}s`;
}

function stepLabel(event: StepEventBase): string {
  return event.partition === '' ? event.assetKey : `${event.assetKey} [${event.partition}]`;
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : `${text.slice(0, end)} …`;
}
