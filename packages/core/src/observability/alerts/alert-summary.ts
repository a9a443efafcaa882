import { Cron } from 'croner';
import type { AlertRecord, CatalogPeriodStats } from '../../catalog/index.ts';
import type { AlertSummaryConfig, SummaryEvery } from '../../definitions/index.ts';
import { QuarryError } from '../../errors.ts';
import { formatLag, parseTimeOfDay } from '../../definitions/index.ts';
import { deliverPendingAlerts, type AlertsHost, type DeliverAlertsResult } from './alert-delivery.ts';
import { SUMMARY_ROUTE } from './alert-routes.ts';

/** One period the summary covers: `[from, to)`, `to` being the scheduled send time. */
export interface SummaryPeriod {
  readonly every: SummaryEvery;
  readonly from: Date;
  readonly to: Date;
}

/** The figures of one summary. */
export interface AlertSummary {
  readonly project: string;
  readonly period: SummaryPeriod;
  readonly stats: CatalogPeriodStats;
  /** Per asset with checks: its quality score (0–100) over its latest check results, or null. */
  readonly qualityScores: readonly { readonly assetKey: string; readonly score: number | null }[];
  /** Per asset: when it was last materialized, and how long before the period's end. */
  readonly freshness: readonly { readonly assetKey: string; readonly lastMaterializedAt: string | null; readonly ageMs: number | null }[];
  /** Alerts triggered in the period (not summaries or tests), newest first, at most 20. */
  readonly alerts: readonly { readonly severity: string; readonly summary: string; readonly at: string }[];
}

function cronOf(summary: Pick<AlertSummaryConfig, 'every' | 'at' | 'timeZone'>): Cron {
  const minutes = parseTimeOfDay(summary.at);
  if (minutes === undefined) throw new QuarryError('QUARRY_BAD_ALERTS_CONFIG', `Project alerts summary.at is ${JSON.stringify(summary.at)}: give a time of day as 'HH:MM'.`);
  const [h, m] = [Math.floor(minutes / 60), minutes % 60];
  const pattern = summary.every === 'daily' ? `${m} ${h} * * *` : summary.every === 'weekly' ? `${m} ${h} * * 1` : `${m} ${h} 1 * *`;
  return new Cron(pattern, { timezone: summary.timeZone, paused: true });
}

/**
 * The latest summary period that ended at or before `now` (daily: the 24 hours before today's `at`;
 * weekly: Monday to Monday; monthly: the 1st to the 1st, in the summary's time zone).
 */
export function summaryPeriod(summary: Pick<AlertSummaryConfig, 'every' | 'at' | 'timeZone'>, now: Date): SummaryPeriod {
  const [to, from] = cronOf(summary).previousRuns(2, new Date(now.getTime() + 1));
  return { every: summary.every, from: from!, to: to! };
}

function summaryKey(host: AlertsHost, period: SummaryPeriod): string {
  return `${host.project.name}/summary/${period.every}/${period.to.toISOString()}`;
}

/**
 * The summary period due at `now`: the latest period whose send time has passed and whose summary
 * was not sent (or queued) yet; undefined when there is none or no summary is configured. The daemon
 * calls it on every tick and then `sendSummary` for the period it returns.
 */
export function dueSummary(host: AlertsHost, now: Date): SummaryPeriod | undefined {
  const config = host.project.alerts.summary;
  if (config === undefined) return undefined;
  const period = summaryPeriod(config, now);
  return host.catalog.latestAlert(summaryKey(host, period)) === undefined ? period : undefined;
}

/** Computes the summary of a period from the catalog: runs, failures, quality scores, freshness, rows, cost, alerts. */
export function computeSummary(host: AlertsHost, period: SummaryPeriod): AlertSummary {
  const { catalog, project } = host;
  const stats = catalog.periodStats(period.from, period.to);
  const qualityScores = project.assets
    .filter((a) => 'checks' in a && a.checks.length > 0)
    .map((a) => {
      const latest = catalog.listCheckResults({ asset: a.key, latestOnly: true });
      const scored = latest.filter((r) => r.metadata.status !== 'errored');
      if (scored.length === 0) return { assetKey: a.key, score: null };
      // The share of passing results, weighted by rows where counted: the same 0–1 per check as the quality score.
      const parts = scored.map((r) => {
        const total = typeof r.metadata.totalCount === 'number' ? r.metadata.totalCount : null;
        if (r.metadata.unit !== 'value' && r.failingCount !== null && total !== null && total > 0) return Math.max(0, 1 - r.failingCount / total);
        return r.passed ? 1 : r.metadata.status === 'warned' ? 0.5 : 0;
      });
      return { assetKey: a.key, score: Math.round((10000 * parts.reduce((x, y) => x + y, 0)) / parts.length) / 100 };
    });
  const summaries = new Map(catalog.assetSummaries().map((s) => [s.assetKey, s]));
  const freshness = project.assets.map((a) => {
    const at = summaries.get(a.key)?.lastMaterializedAt ?? null;
    return { assetKey: a.key, lastMaterializedAt: at?.toISOString() ?? null, ageMs: at === null ? null : period.to.getTime() - at.getTime() };
  });
  const alerts = catalog.listAlerts({ since: period.from, until: period.to, limit: 200 })
    .filter((a: AlertRecord) => a.action === 'trigger' && a.kind !== 'summary' && a.kind !== 'test')
    .slice(0, 20)
    .map((a) => ({ severity: a.severity, summary: a.summary, at: a.createdAt.toISOString() }));
  return { project: project.name, period, stats, qualityScores, freshness, alerts };
}

/** The summary's email subject: `Quarry daily summary — hello — 2026-12-03`. */
export function summaryTitle(summary: AlertSummary): string {
  return `Quarry ${summary.period.every} summary — ${summary.project} — ${summary.period.to.toISOString().slice(0, 10)}`;
}

/** The summary as plain text (the email body; the webhook's code block). */
export function formatSummary(summary: AlertSummary): string {
  const s = summary.stats;
  const runs = Object.values(s.runs).reduce((a, b) => a + b, 0);
  const lines = [
    `${summaryTitle(summary)}`,
    `Period: ${summary.period.from.toISOString()} → ${summary.period.to.toISOString()}`,
    '',
    `Runs: ${runs} (${Object.entries(s.runs).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'})`,
    `Failures: ${s.runs.failed ?? 0} failed runs, ${s.failedSteps} failed steps`,
    `Rows processed: ${s.rows} in ${s.versions} partition versions (${s.bytes} bytes written)`,
    `Cost: ${s.costUsd === null ? 'not recorded' : `$${s.costUsd.toFixed(2)}`}`,
    `Alerts: ${Object.entries(s.alerts).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`,
    '',
    'Quality scores:',
    ...(summary.qualityScores.length === 0 ? ['  (no asset has checks)'] : summary.qualityScores.map((q) => `  ${q.assetKey}: ${q.score === null ? 'n/a' : q.score}`)),
    '',
    'Freshness (last materialized, age at period end):',
    ...summary.freshness.map((f) => `  ${f.assetKey}: ${f.lastMaterializedAt === null ? 'never' : `${f.lastMaterializedAt} (${formatLag(Math.max(0, f.ageMs ?? 0))} old)`}`),
    ...(summary.alerts.length > 0 ? ['', 'Alerts raised:', ...summary.alerts.map((a) => `  ${a.at} ${a.severity}: ${a.summary}`)] : []),
  ];
  return lines.join('\n');
}

/**
 * Queues the summary of `period` in the outbox (once per period: a second call, or a second daemon,
 * finds it there) and delivers it. Returns the summary and what delivery did (undefined when it had
 * already been queued).
 */
export async function sendSummary(host: AlertsHost, period: SummaryPeriod, options: { readonly now?: Date } = {}): Promise<{ summary: AlertSummary; queued: boolean; delivery: DeliverAlertsResult }> {
  if (host.project.alerts.summary === undefined) {
    throw new QuarryError('QUARRY_BAD_ALERTS_CONFIG', `Project "${host.project.name}" has no alerts summary to send: add alerts: { summary: { every: 'daily', at: '08:00', to: email(…) } } to defineProject.`);
  }
  const summary = computeSummary(host, period);
  const [queued] = host.catalog.enqueueAlerts([{
    kind: 'summary', severity: 'info', action: 'trigger', dedupKey: summaryKey(host, period), onlyOnce: true,
    summary: summaryTitle(summary), details: { text: formatSummary(summary), from: period.from.toISOString(), to: period.to.toISOString() },
    routes: [SUMMARY_ROUTE],
  }]);
  const delivery = await deliverPendingAlerts(host, options.now ? { now: options.now } : {});
  return { summary, queued: queued !== undefined, delivery };
}
