import type { AlertRecord } from '../../catalog/index.ts';
import { QuarryError } from '../../errors.ts';
import {
  computeSummary, deliverPendingAlerts, describeDestination, destinationOf, formatSummary, sendSummary, sendTestAlert, summaryPeriod,
  type DeliverAlertsResult,
} from '../../observability/alerts/index.ts';
import { formatTable, writeLine, type CliIo } from '../cli-io.ts';
import { flag, stringOption, type Command, type CommandArgs } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

const USAGE = 'quarry alerts [list|test|deliver|summary] [--limit N] [--send] [--now TIME] [--json]';

function parseNow(args: CommandArgs): Date | undefined {
  const text = stringOption(args, 'now');
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new QuarryError('QUARRY_BAD_ARGUMENT', `--now ${JSON.stringify(text)} is not a time: give an ISO time such as 2026-12-03T08:00:00Z.`);
  return date;
}

function deliveryState(alert: AlertRecord): string {
  if (alert.deliveries.length === 0) return 'no route';
  return alert.deliveries
    .map((d) => `${d.route} ${d.state}${d.state === 'pending' && d.attempts > 0 ? ` (attempt ${d.attempts + 1} at ${d.nextAttemptAt.toISOString()})` : ''}${d.state === 'failed' && d.lastError ? ` (${d.lastError})` : ''}`)
    .join('; ');
}

function printDelivery(io: CliIo, result: DeliverAlertsResult): void {
  for (const a of result.attempts) writeLine(io.stdout, `  alert ${a.alertId} → ${a.route}: ${a.outcome}${a.error ? ` (${a.error})` : ''}`);
  writeLine(io.stdout, `${result.delivered} delivered, ${result.retrying} to retry, ${result.failed} failed.`);
}

/**
 * `quarry alerts [list|test|deliver|summary]`: lists alerts with their delivery state, sends a test
 * alert to every route, delivers the outbox's due alerts, or computes (and with `--send` sends) the
 * periodic summary. Routing keys, SMTP passwords and webhook paths are never printed.
 */
export const alertsCommand: Command = {
  name: 'alerts',
  usage: USAGE,
  summary: 'list alerts and their delivery; send a test alert; deliver pending ones; the periodic summary',
  options: {
    limit: { type: 'string', help: 'how many alerts to list, newest first', default: '20' },
    send: { type: 'boolean', help: 'with summary: queue and send it to the summary destination' },
    now: { type: 'string', help: 'with summary: the time whose latest period to summarize; with deliver: the time retries are due by', defaultText: 'the current time' },
    json: { type: 'boolean', help: 'print JSON' },
  },
  maxPositionals: 1,
  async run(args, io) {
    const action = args.positionals[0] ?? 'list';
    if (!['list', 'test', 'deliver', 'summary'].includes(action)) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `Unknown alerts action ${JSON.stringify(action)}: give list, test, deliver or summary. Usage: ${USAGE}`);
    }
    const text = stringOption(args, 'limit') ?? '20';
    const limit = Number(text);
    if (!Number.isInteger(limit) || limit < 1) throw new QuarryError('QUARRY_BAD_ARGUMENT', `--limit must be a whole number ≥ 1, got "${text}".`);
    const now = parseNow(args);
    const json = flag(args, 'json');
    const instance = await openCliInstance(args, io);
    try {
      const config = instance.project.alerts;
      if (action === 'list') {
        const alerts = instance.catalog.listAlerts({ limit });
        if (json) {
          writeLine(io.stdout, JSON.stringify({ alerts }));
          return 0;
        }
        if (alerts.length === 0) {
          writeLine(io.stdout, `No alerts yet.${config.routes.length === 0 ? ' The project has no alert routes (see docs/alerts.md).' : ''}`);
          return 0;
        }
        const rows = alerts.map((a) => [String(a.id), a.createdAt.toISOString(), a.severity, a.action, a.kind, a.summary.length > 80 ? `${a.summary.slice(0, 79)}…` : a.summary, deliveryState(a)]);
        writeLine(io.stdout, formatTable(['ID', 'CREATED', 'SEVERITY', 'ACTION', 'KIND', 'SUMMARY', 'DELIVERY'], rows));
        return 0;
      }
      if (action === 'test') {
        if (config.routes.length === 0 && config.summary === undefined) {
          throw new QuarryError('QUARRY_BAD_ALERTS_CONFIG', `Project "${instance.project.name}" has no alert routes to test: add alerts: { routes: [{ when: 'critical', to: pagerDuty({ routingKey }) }] } to defineProject (see docs/alerts.md).`);
        }
        const { alert, delivery } = await sendTestAlert(instance, now ? { now } : {});
        if (json) {
          writeLine(io.stdout, JSON.stringify({ alert, delivery }));
        } else {
          writeLine(io.stdout, `Test alert ${alert.id} sent to ${alert.deliveries.length} route${alert.deliveries.length === 1 ? '' : 's'}:`);
          for (const d of alert.deliveries) {
            const destination = destinationOf(config, d.route);
            writeLine(io.stdout, `  ${d.route}: ${destination ? describeDestination(destination) : '(not configured)'}`);
          }
          printDelivery(io, delivery);
        }
        return delivery.delivered === delivery.attempts.length ? 0 : 1;
      }
      if (action === 'deliver') {
        const delivery = await deliverPendingAlerts(instance, now ? { now } : {});
        if (json) writeLine(io.stdout, JSON.stringify(delivery));
        else if (delivery.attempts.length === 0) writeLine(io.stdout, 'Nothing due to deliver.');
        else printDelivery(io, delivery);
        return delivery.failed > 0 ? 1 : 0;
      }
      const summaryConfig = config.summary;
      if (summaryConfig === undefined) {
        throw new QuarryError('QUARRY_BAD_ALERTS_CONFIG', `Project "${instance.project.name}" has no alerts summary: add alerts: { summary: { every: 'daily', at: '08:00', to: email({ smtp, from, to }) } } to defineProject.`);
      }
      const period = summaryPeriod(summaryConfig, now ?? new Date());
      if (flag(args, 'send')) {
        const sent = await sendSummary(instance, period, now ? { now } : {});
        if (json) writeLine(io.stdout, JSON.stringify(sent));
        else {
          writeLine(io.stdout, formatSummary(sent.summary));
          writeLine(io.stdout);
          writeLine(io.stdout, sent.queued ? `Queued for ${describeDestination(summaryConfig.to)}.` : 'This period\'s summary had already been queued; delivering what is due.');
          printDelivery(io, sent.delivery);
        }
        return sent.delivery.failed > 0 ? 1 : 0;
      }
      const summary = computeSummary(instance, period);
      writeLine(io.stdout, json ? JSON.stringify(summary) : formatSummary(summary));
      return 0;
    } finally {
      await instance.close();
    }
  },
};
