import { QuarryError } from '../../errors.ts';
import { formatRunDuration } from '../../execution/index.ts';
import { formatTable, writeLine } from '../cli-io.ts';
import { flag, stringOption, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { formatBytes, type RunCost } from '../../instance/index.ts';
import { formatUsd } from './plan-command.ts';

/** The lines a run's engine jobs add (bytes billed and cost per step, then the total); none when the run ran no billed jobs. */
export function formatRunCost(cost: RunCost): string[] {
  if (cost.jobs === 0) return [];
  return [
    `Billed: ${formatBytes(cost.bytesBilled)} (${cost.bytesBilled} bytes) in ${cost.jobs} job${cost.jobs === 1 ? '' : 's'}, ${formatUsd(cost.cost)} at ${formatUsd(cost.pricePerTiB)} per TiB`,
    ...cost.steps.map((s) => `  ${s.stepId}  ${formatBytes(s.bytesBilled)} billed (${formatBytes(s.bytesProcessed)} processed)  ${formatUsd(s.cost)}`),
  ];
}

// A run still going shows its time so far; a finished (or settled dead) run its frozen duration.
function duration(start: Date | null, end: Date | null): string {
  if (start === null) return '-';
  return formatRunDuration((end ?? new Date()).getTime() - start.getTime());
}

/** `quarry runs [--limit N] [--json]`: recent runs, newest first. */
export const runsCommand: Command = {
  name: 'runs',
  usage: 'quarry runs [--limit N] [--json]',
  summary: 'list recent runs',
  options: { limit: { type: 'string', help: 'how many runs to list, newest first', default: '20' }, json: { type: 'boolean', help: 'print JSON' } },
  maxPositionals: 0,
  async run(args, io) {
    const text = stringOption(args, 'limit') ?? '20';
    const limit = Number(text);
    if (!Number.isInteger(limit) || limit < 1) throw new QuarryError('QUARRY_BAD_ARGUMENT', `--limit must be a whole number ≥ 1, got "${text}".`);
    const instance = await openCliInstance(args, io);
    try {
      const runs = instance.listRuns({ limit });
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify({ runs: runs.map(({ plan: _plan, ...r }) => r) }));
        return 0;
      }
      const rows = runs.map((r) => [r.id, r.kind, r.status, r.selection, JSON.stringify(r.partitions ?? 'all'), r.createdAt.toISOString(), duration(r.startedAt, r.finishedAt)]);
      writeLine(io.stdout, formatTable(['RUN', 'KIND', 'STATUS', 'SELECTION', 'PARTITIONS', 'CREATED', 'DURATION'], rows));
      return 0;
    } finally {
      await instance.close();
    }
  },
};

/** `quarry run RUN_ID [--logs] [--json]`: one run with its steps (and its log lines). */
export const runCommand: Command = {
  name: 'run',
  usage: 'quarry run RUN_ID [--logs] [--json]',
  summary: 'show one run: status, steps and (with --logs) its log',
  options: { logs: { type: 'boolean', help: 'print the run log' }, json: { type: 'boolean', help: 'print JSON' } },
  maxPositionals: 1,
  async run(args, io) {
    const runId = args.positionals[0];
    if (runId === undefined) throw new QuarryError('QUARRY_BAD_ARGUMENT', 'quarry run needs a run id: quarry run RUN_ID (see quarry runs).');
    const instance = await openCliInstance(args, io);
    try {
      const { plan: _plan, ...run } = instance.getRun(runId);
      const steps = instance.listSteps(runId);
      const events = flag(args, 'logs') ? instance.listEvents({ runId, limit: 100_000 }) : [];
      if (flag(args, 'json')) {
        const cost = instance.runCost(run.id);
        writeLine(io.stdout, JSON.stringify({ run, steps, logFile: instance.runLogPath(run.id), ...(cost.jobs > 0 ? { cost, jobs: instance.catalog.engineJobs(run.id) } : {}), ...(flag(args, 'logs') ? { events } : {}) }));
        return 0;
      }
      writeLine(io.stdout, `Run ${run.id}  ${run.kind}  ${run.status}  selection ${run.selection}  ${duration(run.startedAt, run.finishedAt)}`);
      if (run.error) writeLine(io.stdout, `  ${run.error}`);
      if (run.traceId) writeLine(io.stdout, `  trace ${run.traceId}`);
      writeLine(io.stdout, `  log ${instance.runLogPath(run.id)}`);
      // Engine errors span lines (SQL context, a caret); the table shows the first, --json has all.
      const rows = steps.map((s) => [s.stepId, s.status, String(s.attempt), duration(s.startedAt, s.finishedAt), (s.error ?? s.reason ?? '').split('\n')[0] ?? '']);
      writeLine(io.stdout, formatTable(['STEP', 'STATUS', 'TRIES', 'DURATION', 'NOTE'], rows));
      for (const line of formatRunCost(instance.runCost(run.id))) writeLine(io.stdout, line);
      for (const e of events) writeLine(io.stdout, `${e.timestamp.toISOString()} ${e.level.padEnd(5)} ${e.stepId ?? '-'} ${e.message}`);
      return 0;
    } finally {
      await instance.close();
    }
  },
};
