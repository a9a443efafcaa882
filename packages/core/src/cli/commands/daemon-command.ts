import { createDaemon, describeCondition, type Daemon } from '../../automation/index.ts';
import { parseAutomationDuration } from '../../definitions/index.ts';
import { systemClock } from '../../execution/index.ts';
import type { Instance } from '../../instance/index.ts';
import type { TickRecord } from '../../catalog/index.ts';
import type { QuarryLogger } from '../../observability/index.ts';
import { writeLine, type CliIo } from '../cli-io.ts';
import { cliLog } from '../cli-logger.ts';
import { flag, stringOption, type Command, type CommandArgs } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { createMetricsRegistry, startMetricsServer } from '../../observability/metrics.ts';
import { deliverPendingAlerts, dueSummary, raiseOverdueAlert, sendSummary } from '../../observability/alerts/index.ts';

/** The daemon options `quarry daemon` and `quarry serve --daemon` share. */
export const DAEMON_OPTIONS = {
  interval: { type: 'string', help: 'time between evaluation ticks', default: '30s' },
  lease: { type: 'string', help: 'catalog lease period: a second daemon takes over this long after the first stops', default: '60s' },
  'metrics-port': { type: 'string', help: 'also serve Prometheus metrics at http://127.0.0.1:PORT/metrics (0 picks a free port; docs/metrics.md)' },
} as const;

/**
 * What the daemon does for alerting besides its ticks (docs/alerts.md): an overdue asset raises the
 * critical `overdue` alert, and while it holds the lease it delivers pending alerts (retries with
 * backoff) and sends the periodic summary when its period is due.
 */
function routeAlerts(daemon: Daemon, instance: Instance, log: QuarryLogger, intervalMs: number): () => void {
  const report = (error: unknown): void => log.error({ event: 'daemon_alerting_failed', daemon_id: daemon.id }, `daemon alerting failed: ${errorText(error)}`);
  const unsubscribe = daemon.onAssetOverdue((event) =>
    raiseOverdueAlert(instance, { assetKey: event.assetKey, lagMs: event.lagMs ?? Number.MAX_SAFE_INTEGER, maxLagMs: event.maxLagMs }).then(() => undefined, report),
  );
  let busy = false;
  const timer = setInterval(() => {
    if (busy || !daemon.leader) return;
    busy = true;
    void (async () => {
      await deliverPendingAlerts(instance);
      const period = dueSummary(instance, new Date());
      if (period !== undefined) await sendSummary(instance, period);
    })()
      .catch(report)
      .finally(() => (busy = false));
  }, Math.min(intervalMs, 60_000));
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The log line of one daemon tick (docs/logging.md): the text the daemon always printed, with the
 * tick as fields (`event: daemon_tick`, `tick_kind`, `tick_name`, `tick_status`, `partitions`,
 * `run_keys`); a failed tick (an error, an overdue asset) is a warning.
 */
export function logDaemonTick(log: QuarryLogger, tick: TickRecord): void {
  const fields = {
    event: 'daemon_tick',
    daemon_id: tick.daemonId,
    tick_kind: tick.kind,
    tick_name: tick.name,
    tick_status: tick.status,
    partitions: tick.partitions,
    run_keys: tick.runKeys,
    ...(tick.reason ? { reason: tick.reason } : {}),
    ...(tick.error ? { error: tick.error } : {}),
  };
  const text = `${new Date(tick.finishedAt).toISOString()} ${tick.kind} ${tick.name}: ${tick.status}${tick.partitions > 0 ? ` ${tick.partitions} partition(s)` : ''}${tick.reason ? ` — ${tick.reason}` : ''}${tick.error ? ` — ${tick.error}` : ''}`;
  if (tick.status === 'failed') log.warn(fields, text);
  else log.info(fields, text);
}

/** Starts a daemon over `instance` with the command's options, logging each tick that requested, failed or went overdue. */
export function startCliDaemon(instance: Instance, args: CommandArgs, io: CliIo, signal: AbortSignal): { daemon: Daemon; done: Promise<void> } {
  const intervalMs = parseAutomationDuration(stringOption(args, 'interval') ?? '30s', '--interval');
  const leaseMs = parseAutomationDuration(stringOption(args, 'lease') ?? '60s', '--lease');
  let leader: boolean | undefined;
  const log = cliLog(io);
  const daemon = createDaemon({
    host: instance,
    clock: systemClock,
    intervalMs,
    leaseMs,
    onTick: (tick) => {
      if (tick.status === 'skipped' && tick.kind !== 'freshness') return;
      logDaemonTick(log, tick);
    },
  });
  const stopAlerts = routeAlerts(daemon, instance, log, intervalMs);
  const metricsPort = stringOption(args, 'metrics-port');
  const metrics =
    metricsPort === undefined
      ? undefined
      : startMetricsServer({ registry: createMetricsRegistry(instance), port: Number(metricsPort) }).then((server) => {
          writeLine(io.stdout, `metrics at ${server.url}`);
          return server;
        });
  const done = daemon.run(signal, (error) => log.error({ event: 'daemon_tick_failed', daemon_id: daemon.id }, `daemon tick failed: ${errorText(error)}`));
  const watch = setInterval(() => {
    if (leader !== daemon.leader) {
      leader = daemon.leader;
      log.info({ event: leader ? 'daemon_lease_held' : 'daemon_lease_waiting', daemon_id: daemon.id }, leader ? `daemon ${daemon.id} holds the lease` : `daemon ${daemon.id} is waiting: another daemon holds the lease`);
    }
  }, 1000);
  watch.unref();
  const finished = (async () => {
    const server = await metrics; // a bad --metrics-port fails the command before the daemon is left running alone
    try {
      await done;
    } finally {
      clearInterval(watch);
      stopAlerts();
      await server?.close();
    }
  })();
  return { daemon, done: finished };
}

/** `quarry daemon [--interval 30s] [--lease 60s] [--once]`: keeps assets fresh (schedules, sensors, conditions, the run queue). */
export const daemonCommand: Command = {
  name: 'daemon',
  usage: 'quarry daemon [--interval 30s] [--lease 60s] [--once]',
  summary: 'run the automation daemon: schedules, sensors, automation conditions, freshness and the run queue',
  options: { ...DAEMON_OPTIONS, once: { type: 'boolean', help: 'evaluate one tick, wait for the runs it launched, and exit' } },
  maxPositionals: 0,
  async run(args, io) {
    const instance = await openCliInstance(args, io);
    try {
      const automated = instance.graph.keys.filter((k) => { const a = instance.graph.get(k); return a.type === 'asset' && a.automation !== undefined; });
      writeLine(io.stdout, `Quarry daemon for ${instance.project.name}: ${automated.length} automated asset(s), ${instance.project.sensors.length} sensor(s)`);
      for (const key of automated) {
        const asset = instance.graph.get(key);
        if (asset.type === 'asset' && asset.automation) writeLine(io.stdout, `  ${key}: ${describeCondition(asset.automation)}`);
      }
      const controller = new AbortController();
      if (flag(args, 'once')) {
        const daemon = createDaemon({ host: instance, clock: systemClock, leaseMs: parseAutomationDuration(stringOption(args, 'lease') ?? '60s', '--lease') });
        const result = await daemon.tick();
        if (!result.leader) {
          cliLog(io).error({ event: 'daemon_lease_waiting', daemon_id: daemon.id }, 'Another daemon holds the lease of this instance; nothing was evaluated.');
          return 1;
        }
        for (const tick of result.ticks) writeLine(io.stdout, `${tick.kind} ${tick.name}: ${tick.status}${tick.reason ? ` — ${tick.reason}` : ''}${tick.error ? ` — ${tick.error}` : ''}`);
        await daemon.drain();
        // The alerts the launched runs raised are delivered by them; this retries what is still pending.
        await deliverPendingAlerts(instance);
        daemon.releaseLease();
        writeLine(io.stdout, `launched ${result.launched.length} run(s)`);
        return 0;
      }
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const { done } = startCliDaemon(instance, args, io, controller.signal);
      writeLine(io.stdout, 'daemon running (Ctrl-C to stop)');
      await done;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      return 0;
    } finally {
      await instance.close();
    }
  },
};
