import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { AlertRecord, Catalog } from '../../catalog/index.ts';
import type { ProjectDefinition } from '../../definitions/index.ts';
import { destinationOf } from './alert-routes.ts';
import { alertMessage, AlertSendError, sendToDestination } from './alert-senders.ts';

/** What alert delivery needs of an instance: its project (for the routes) and catalog (the outbox). */
export interface AlertsHost {
  readonly project: ProjectDefinition;
  readonly catalog: Catalog;
}

/** Waits between attempts of one delivery: 1 min, 5 min, then 15 min for every further retry. */
export const ALERT_RETRY_BACKOFF_MS: readonly number[] = [60_000, 5 * 60_000, 15 * 60_000];

/** Attempts of one delivery before it is given up (`failed`): about two hours of retries. */
export const ALERT_MAX_ATTEMPTS = 10;

/** How long a claimed delivery stays the claimer's: past it (the process died mid-send), another process may take it. */
export const ALERT_CLAIM_MS = 2 * 60_000;

/** Options of `deliverPendingAlerts`. */
export interface DeliverAlertsOptions {
  /** "Now" for due times and backoff (tests pass a manual clock's time); default the system time. */
  readonly now?: Date;
  /** Who claims the deliveries (default: host, pid and a random tag of this call). */
  readonly owner?: string;
  /** At most this many deliveries in one call (default 100). */
  readonly limit?: number;
}

/** What one `deliverPendingAlerts` call did. */
export interface DeliverAlertsResult {
  readonly delivered: number;
  /** Deliveries that failed this time and wait for their next attempt. */
  readonly retrying: number;
  /** Deliveries given up: not retryable, out of attempts, or their route is no longer configured. */
  readonly failed: number;
  readonly attempts: readonly { readonly alertId: number; readonly route: string; readonly outcome: 'delivered' | 'retrying' | 'failed'; readonly error?: string }[];
}

/** The wait before attempt `attempts + 1` after `attempts` failed ones (1 → 5 → 15 min, then 15 min). */
export function retryDelayMs(attempts: number): number {
  return ALERT_RETRY_BACKOFF_MS[Math.min(attempts, ALERT_RETRY_BACKOFF_MS.length) - 1] ?? ALERT_RETRY_BACKOFF_MS[0]!;
}

/**
 * Delivers the outbox's due deliveries: claims them with a lease in one transaction (so two processes,
 * the one that raised an alert and the daemon, never send one delivery twice), sends each to its
 * route, and records delivered / retry at (1 → 5 → 15 min backoff) / failed. The daemon calls it on
 * every tick; the process that raised alerts calls it right after.
 *
 * ```ts
 * const { delivered } = await deliverPendingAlerts(instance, { now: clock.now() });
 * ```
 */
export async function deliverPendingAlerts(host: AlertsHost, options: DeliverAlertsOptions = {}): Promise<DeliverAlertsResult> {
  const now = options.now ?? new Date();
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const claimed = host.catalog.claimAlertDeliveries(owner, now, ALERT_CLAIM_MS, options.limit ?? 100);
  const attempts: { alertId: number; route: string; outcome: 'delivered' | 'retrying' | 'failed'; error?: string }[] = [];
  for (const { delivery, alert } of claimed) {
    const destination = destinationOf(host.project.alerts, delivery.route);
    let error: string | undefined;
    let retryable = false;
    if (destination === undefined) {
      error = `route ${delivery.route} is no longer in the project's alerts config`;
    } else {
      try {
        await sendToDestination(destination, alertMessage(alert, sourceOf(host, alert)));
      } catch (caught) {
        error = caught instanceof Error ? caught.message : String(caught);
        retryable = caught instanceof AlertSendError ? caught.retryable : true;
      }
    }
    const at = options.now ?? new Date();
    if (error === undefined) {
      host.catalog.finishAlertDelivery(delivery.id, owner, { delivered: true, at });
      attempts.push({ alertId: alert.id, route: delivery.route, outcome: 'delivered' });
      continue;
    }
    const tried = delivery.attempts + 1;
    const retryAt = retryable && tried < ALERT_MAX_ATTEMPTS ? new Date(now.getTime() + retryDelayMs(tried)) : null;
    host.catalog.finishAlertDelivery(delivery.id, owner, { delivered: false, error, at, retryAt });
    attempts.push({ alertId: alert.id, route: delivery.route, outcome: retryAt === null ? 'failed' : 'retrying', error });
  }
  return {
    delivered: attempts.filter((a) => a.outcome === 'delivered').length,
    retrying: attempts.filter((a) => a.outcome === 'retrying').length,
    failed: attempts.filter((a) => a.outcome === 'failed').length,
    attempts,
  };
}

function sourceOf(host: AlertsHost, alert: AlertRecord): string {
  return `quarry:${host.project.name}${alert.assetKey ? `:${alert.assetKey}` : ''}`;
}
