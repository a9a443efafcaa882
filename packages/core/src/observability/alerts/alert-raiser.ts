import type { AlertRecord, CheckResultRecord, MaterializationRecord, NewAlert, NewCheckResult, NewMaterialization, RunRecord, RunUpdate } from '../../catalog/index.ts';
import { deliverPendingAlerts, type AlertsHost, type DeliverAlertsResult } from './alert-delivery.ts';
import { allRoutes } from './alert-routes.ts';
import { checkResultAlerts, commitAlerts, overdueAlert, runFinishedAlerts, type OverdueInfo } from './alert-rules.ts';

/**
 * The test-only fault hook: with `QUARRY_TEST_FAULT=kill-after-alert-outbox-write` in its environment,
 * a process kills itself (SIGKILL) right after a transaction wrote alerts to the outbox and before it
 * delivers them — what the "kill -9 between outbox write and delivery" test needs. Never set it elsewhere.
 */
export const ALERT_OUTBOX_FAULT = 'kill-after-alert-outbox-write';

/**
 * Writes the catalog events that raise alerts together with those alerts, in one transaction (the
 * outbox), and delivers them right after in the background. The instance and its step runner write
 * check results, versions and run outcomes through it.
 */
export class AlertRaiser {
  readonly #host: AlertsHost;
  readonly #deliver: boolean;
  #delivering: Promise<void> | undefined;
  #again = false;

  constructor(host: AlertsHost, options: { readonly deliver?: boolean } = {}) {
    this.#host = host;
    this.#deliver = options.deliver ?? true;
  }

  /** Records check results and the alerts they raise (failed checks, recoveries, a quality drop) in one transaction. */
  recordCheckResults(results: readonly NewCheckResult[]): CheckResultRecord[] {
    const { catalog, project } = this.#host;
    return this.#withAlerts(() => {
      const alerts = checkResultAlerts(project, catalog, results);
      return [catalog.recordCheckResults(results), alerts];
    });
  }

  /** Commits versions and the alerts they raise (an anomaly asset with rows) in one transaction. */
  commitMaterializations(materializations: readonly NewMaterialization[], alongside?: (records: MaterializationRecord[]) => void): MaterializationRecord[] {
    const { catalog, project } = this.#host;
    return this.#withAlerts(() => {
      const records = catalog.commitMaterializations(materializations);
      // What must commit with the versions (their engine jobs) shares the transaction.
      alongside?.(records);
      return [records, commitAlerts(project, records)];
    });
  }

  /**
   * Records a run's end and the alerts it raises (failed steps, recoveries) in one transaction, then
   * delivers whatever is due — also alerts a killed process left undelivered in the outbox.
   */
  finishRun(runId: string, update: RunUpdate): RunRecord {
    const { catalog, project } = this.#host;
    const run = this.#withAlerts(() => {
      const run = catalog.updateRun(runId, update);
      return [run, runFinishedAlerts(project, catalog, runId, catalog.listSteps(runId))];
    });
    if (project.alerts.routes.length > 0 || project.alerts.summary !== undefined) this.kick();
    return run;
  }

  /** Raises (or with `fresh`, resolves) the `overdue` alert of an asset; see `raiseOverdueAlert`. */
  raiseOverdue(info: OverdueInfo, options: { readonly fresh?: boolean } = {}): AlertRecord | undefined {
    const { catalog, project } = this.#host;
    let written: AlertRecord[] = [];
    this.#withAlerts(() => {
      const alert = overdueAlert(project, catalog, info, options);
      return [undefined, alert ? [alert] : []];
    }, (records) => (written = records));
    return written[0];
  }

  /** Writes alerts raised elsewhere (the daemon's own rules) and delivers them. */
  raise(alerts: readonly NewAlert[]): AlertRecord[] {
    let written: AlertRecord[] = [];
    this.#withAlerts(() => [undefined, [...alerts]], (records) => (written = records));
    return written;
  }

  /** Resolves when the background delivery this raiser started has finished. */
  async idle(): Promise<void> {
    while (this.#delivering !== undefined) await this.#delivering;
  }

  #withAlerts<T>(write: () => [T, NewAlert[]], written?: (records: AlertRecord[]) => void): T {
    const { catalog } = this.#host;
    let records: AlertRecord[] = [];
    const result = catalog.atomically(() => {
      const [value, alerts] = write();
      if (alerts.length > 0) records = catalog.enqueueAlerts(alerts);
      return value;
    });
    written?.(records);
    if (records.length > 0) {
      if (process.env.QUARRY_TEST_FAULT === ALERT_OUTBOX_FAULT) process.kill(process.pid, 'SIGKILL');
      this.kick();
    }
    return result;
  }

  /** Starts a background delivery of the outbox (or, when one runs, makes it go round once more). */
  kick(): void {
    if (!this.#deliver) return;
    if (this.#delivering !== undefined) {
      this.#again = true;
      return;
    }
    this.#delivering = (async () => {
      do {
        this.#again = false;
        try {
          await deliverPendingAlerts(this.#host);
        } catch (error) {
          // Delivery is retried by the next kick, `quarry alerts deliver` or the daemon: never fail the run for it.
          process.emitWarning(`Alert delivery failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      } while (this.#again);
    })().finally(() => {
      this.#delivering = undefined;
    });
  }
}

/**
 * Raises the critical `overdue` alert of an asset whose data lags past its freshness policy — once
 * per incident, not once per tick — and delivers it; with `fresh: true`, resolves the open incident.
 * The daemon calls it when its freshness evaluation finds an asset overdue (or fresh again).
 *
 * ```ts
 * await raiseOverdueAlert(instance, { assetKey: 'marts/creator_daily', lagMs: 30 * 3600_000, maxLagMs: 26 * 3600_000 });
 * ```
 */
export async function raiseOverdueAlert(host: AlertsHost, info: OverdueInfo, options: { readonly fresh?: boolean; readonly now?: Date } = {}): Promise<{ alert: AlertRecord | undefined; delivery: DeliverAlertsResult }> {
  const raiser = new AlertRaiser(host, { deliver: false });
  const alert = raiser.raiseOverdue(info, options);
  return { alert, delivery: await deliverPendingAlerts(host, options.now ? { now: options.now } : {}) };
}

/** Queues a test alert to every route (and the summary's destination) and delivers it: what `quarry alerts test` does. */
export async function sendTestAlert(host: AlertsHost, options: { readonly now?: Date } = {}): Promise<{ alert: AlertRecord; delivery: DeliverAlertsResult }> {
  const at = options.now ?? new Date();
  const [alert] = host.catalog.enqueueAlerts([{
    kind: 'test', severity: 'info', action: 'trigger', dedupKey: `${host.project.name}/test/${at.toISOString()}`,
    summary: `Test alert from Quarry project ${host.project.name}`, details: { note: 'Sent by quarry alerts test; nothing is wrong.' },
    routes: allRoutes(host.project.alerts),
  }]);
  return { alert: alert!, delivery: await deliverPendingAlerts(host, options.now ? { now: options.now } : {}) };
}
