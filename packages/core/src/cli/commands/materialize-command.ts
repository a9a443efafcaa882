import { QuarryError } from '../../errors.ts';
import { createProgressReporter, type ExecutionEvent, type StepLogLevel } from '../../execution/index.ts';
import type { LogLevel } from '../../observability/index.ts';
import { cliLog } from '../cli-logger.ts';
import type { Instance, RunOptions } from '../../instance/index.ts';
import { writeLine, type CliIo } from '../cli-io.ts';
import { flag, stringOption, type Command, type CommandArgs } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { concurrencyOf, PARTITION_OPTIONS, partitionSelectionOf } from '../partition-options.ts';
import { formatBlocked, formatPlan } from './plan-command.ts';
import { formatRunCost } from './runs-command.ts';

/** Runs (or resumes) a run in this process with a progress display, and returns the exit code. */
async function runWithProgress(instance: Instance, io: CliIo, start: () => Promise<{ runId: string; stepCount: number; resumed?: number }>): Promise<number> {
  const stderr = io.stderr as unknown as { write(s: string): unknown; isTTY?: boolean };
  const log = cliLog(io);
  const settings = io.logSettings;
  const progress = createProgressReporter({
    stream: stderr,
    // The bar is for a person at a terminal; JSON lines stay one object per line.
    isTTY: stderr.isTTY === true && settings?.format !== 'json',
    logger: log,
    fields: (runId) => {
      const traceId = instance.traceIdOf(runId);
      return traceId === undefined ? {} : { trace_id: traceId };
    },
    // Step log lines below warn are noise in a terminal unless the log level was asked for.
    logLevel: settings?.levelGiven === true ? stepLogLevel(settings.level) : 'warn',
  });
  const stopExecutionEvents = instance.onExecutionEvent((event: ExecutionEvent) => progress.onEvent(event));
  const { runId, stepCount, resumed } = await start();
  writeLine(io.stdout, `Run ${runId}: ${stepCount} step${stepCount === 1 ? '' : 's'}${resumed ? ` (${resumed} already done)` : ''}`);
  const onSignal = () => void instance.cancelRun(runId);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const run = await instance.waitForRun(runId);
    progress.close();
    writeLine(io.stdout, `Run ${runId} ${run.status}${run.error ? `: ${run.error}` : ''}`);
    for (const line of formatRunCost(instance.runCost(runId))) writeLine(io.stdout, line);
    if (run.status !== 'succeeded') {
      const traceId = instance.traceIdOf(runId);
      for (const step of instance.listSteps(runId).filter((s) => s.status === 'failed')) {
        log.error({ run_id: runId, ...(traceId !== undefined ? { trace_id: traceId } : {}), step: step.stepId, asset: step.assetKey, attempt: step.attempt, event: 'step_failed' }, `  ✗ ${step.stepId}: ${step.error ?? 'failed'}`);
      }
    }
    return run.status === 'succeeded' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stopExecutionEvents();
  }
}

function stepLogLevel(level: LogLevel): StepLogLevel | 'silent' {
  return level === 'trace' ? 'debug' : level === 'fatal' ? 'error' : level;
}

async function materialize(args: CommandArgs, io: CliIo, kind: 'materialize' | 'backfill'): Promise<number> {
  const resume = stringOption(args, 'resume');
  const instance = await openCliInstance(args, io);
  try {
    const concurrency = concurrencyOf(args);
    if (resume !== undefined) {
      if (args.positionals.length > 0 || partitionSelectionOf(args) !== undefined) {
        throw new QuarryError('QUARRY_BAD_ARGUMENT', '--resume RUN_ID takes no selection or partitions: the run keeps its own plan.');
      }
      return await runWithProgress(instance, io, async () => {
        const maxText = stringOption(args, 'max-bytes-billed');
        const r = await instance.resumeRun(resume, {
          ...(concurrency !== undefined ? { concurrency } : {}),
          ...(maxText !== undefined ? { maxBytesBilled: parseByteSize(maxText, '--max-bytes-billed') } : {}),
        });
        return { runId: r.runId, stepCount: r.plan.steps.length, resumed: r.completed };
      });
    }
    const partitions = partitionSelectionOf(args, kind === 'backfill');
    if (kind === 'backfill' && args.positionals[0] === undefined) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', 'quarry backfill needs a selection: quarry backfill SELECTION --from KEY --to KEY.');
    }
    const maxText = stringOption(args, 'max-bytes-billed');
    const maxBytesBilled = maxText === undefined ? undefined : parseByteSize(maxText, '--max-bytes-billed');
    const options: RunOptions = {
      kind,
      ...(maxBytesBilled !== undefined ? { maxBytesBilled } : {}),
      ...(args.positionals[0] !== undefined ? { selection: args.positionals[0] } : {}),
      ...(partitions ? { partitions } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(flag(args, 'force') ? { force: true } : {}),
    };
    const plan = await instance.plan(options);
    if (plan.steps.length === 0) {
      const blocked = formatBlocked(plan);
      writeLine(io.stdout, `Nothing to do: every selected partition is up to date${blocked.length > 0 ? ' or blocked' : ''}.`);
      for (const line of blocked) writeLine(io.stdout, line);
      return 0;
    }
    if (flag(args, 'verbose')) for (const line of formatPlan(plan)) writeLine(io.stdout, line);
    else for (const line of formatBlocked(plan)) writeLine(io.stdout, line);
    return await runWithProgress(instance, io, async () => {
      const r = await instance.startRun(options);
      return { runId: r.runId, stepCount: r.plan.steps.length };
    });
  } finally {
    await instance.close();
  }
}

const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40 };

/** A byte count as people write it: `1000`, `500MB`, `50GB`, `1.5TiB` (KB/MB/GB/TB decimal, KiB/MiB/GiB/TiB binary). */
export function parseByteSize(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$/i.exec(text);
  const unit = BYTE_UNITS[(match?.[2] ?? '').toUpperCase()];
  const bytes = match === null || unit === undefined ? Number.NaN : Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `${option} must be a byte count such as 1000000000, 500MB, 50GB or 1TiB, got "${text}".`);
  }
  return bytes;
}

const RUN_OPTIONS = {
  ...PARTITION_OPTIONS,
  concurrency: { type: 'string', help: 'steps run at once', defaultText: 'the project setting concurrency, else 2' },
  force: { type: 'boolean', help: 'materialize fresh partitions too' },
  verbose: { type: 'boolean', help: 'print the plan before running' },
  'max-bytes-billed': { type: 'string', help: "refuse the run, before any job starts, when the engine's dry runs say it would process more bytes than this (1000000, 500MB, 50GB, 1TiB)", defaultText: "the target's maxBytesBilled, else no limit" },
} as const;

/** `quarry materialize [SELECTION] [--partition K | --from A --to B] [--concurrency N]`. */
export const materializeCommand: Command = {
  name: 'materialize',
  usage: 'quarry materialize [SELECTION] [--partition KEY | --from KEY --to KEY] [--concurrency N] [--resume RUN_ID]',
  summary: 'materialize the stale partitions of the selected assets',
  options: { ...RUN_OPTIONS, resume: { type: 'string', help: 'resume a killed or failed run' } },
  maxPositionals: 1,
  run: (args, io) => materialize(args, io, 'materialize'),
};

/** `quarry backfill SELECTION --from A --to B [--concurrency N]` and `quarry backfill --resume RUN_ID`. */
export const backfillCommand: Command = {
  name: 'backfill',
  usage: 'quarry backfill SELECTION --from KEY --to KEY [--concurrency N] | quarry backfill --resume RUN_ID',
  summary: 'materialize a range of partitions (resumable after a crash with --resume)',
  options: { ...RUN_OPTIONS, resume: { type: 'string', help: 'resume a killed or failed backfill by its run id' } },
  maxPositionals: 1,
  run: (args, io) => materialize(args, io, 'backfill'),
};
