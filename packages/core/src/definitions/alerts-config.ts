import { QuarryError } from '../errors.ts';

/** How urgent an alert is: `critical` pages someone, `warning` is read during the day, `info` is for summaries and tests. */
export type AlertSeverity = 'critical' | 'warning' | 'info';

/** Every `AlertSeverity`, loudest first. */
export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['critical', 'warning', 'info'];

/** SMTP settings of an email route, as nodemailer's SMTP transport takes them. */
export interface SmtpConfig {
  readonly host: string;
  /** Default 587 (465 when `secure`). */
  readonly port?: number;
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  readonly secure?: boolean;
  /** Login; the password is never printed or logged. */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Refuse to send without TLS (default: use STARTTLS when offered, plain otherwise). */
  readonly requireTls?: boolean;
}

/** A PagerDuty Events API v2 destination (see `pagerDuty`). */
export interface PagerDutyDestination {
  readonly type: 'pagerduty';
  /** The integration's routing key; never printed. */
  readonly routingKey: string;
  /** The events endpoint (default `https://events.pagerduty.com/v2/enqueue`). */
  readonly url: string;
}

/** An email destination (see `email`). */
export interface EmailDestination {
  readonly type: 'email';
  readonly smtp: SmtpConfig;
  readonly from: string;
  readonly to: readonly string[];
}

/** A generic webhook receiving Slack-compatible JSON (`text`, `blocks`) (see `webhook`). */
export interface WebhookDestination {
  readonly type: 'webhook';
  /** May hold a secret token (a Slack incoming webhook): only its origin is ever printed. */
  readonly url: string;
}

/** Where an alert goes. */
export type AlertDestination = PagerDutyDestination | EmailDestination | WebhookDestination;

/** One routing rule: alerts of the `when` severities go `to` a destination. */
export interface AlertRoute {
  readonly when: readonly AlertSeverity[];
  readonly to: AlertDestination;
}

/** How often the summary is sent. */
export type SummaryEvery = 'daily' | 'weekly' | 'monthly';

/** The periodic summary: sent `every` period at `at` (HH:MM) in `timeZone`, covering the period just ended. */
export interface AlertSummaryConfig {
  readonly every: SummaryEvery;
  /** Local time of day, `HH:MM` (24 h). Weekly summaries go on Mondays, monthly ones on the 1st. */
  readonly at: string;
  /** IANA time zone of `at` (default `UTC`). */
  readonly timeZone: string;
  readonly to: AlertDestination;
}

/** The resolved `alerts` setting of a project. */
export interface AlertsConfig {
  readonly routes: readonly AlertRoute[];
  readonly summary?: AlertSummaryConfig;
  /**
   * Asset keys whose rows are anomalies (TikTok's `quality/follower_spikes`): a version with rows
   * raises a warning. Assets tagged `anomaly` count too.
   */
  readonly anomalyAssets: readonly string[];
}

/** What a project writes under `alerts` in `defineProject`. */
export interface AlertsConfigInput {
  readonly routes?: readonly { readonly when: AlertSeverity | readonly AlertSeverity[]; readonly to: AlertDestination }[];
  readonly summary?: { readonly every: SummaryEvery; readonly at?: string; readonly timeZone?: string; readonly to: AlertDestination };
  readonly anomalyAssets?: readonly string[];
}

/** The default PagerDuty Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/**
 * A PagerDuty route destination (Events API v2): triggers with a dedup key per asset/check and
 * resolves when it recovers.
 *
 * ```ts
 * alerts: { routes: [{ when: 'critical', to: pagerDuty({ routingKey: process.env.PD_KEY! }) }] }
 * ```
 */
export function pagerDuty(options: { readonly routingKey: string; readonly url?: string }): PagerDutyDestination {
  return Object.freeze({ type: 'pagerduty', routingKey: options?.routingKey, url: options?.url ?? PAGERDUTY_EVENTS_URL });
}

/**
 * An email route destination, sent through SMTP with nodemailer.
 *
 * ```ts
 * email({ smtp: { host: 'smtp.example.com', port: 587, auth: { user, pass } }, from: 'quarry@example.com', to: 'data@example.com' })
 * ```
 */
export function email(options: { readonly smtp: SmtpConfig; readonly from?: string; readonly to: string | readonly string[] }): EmailDestination {
  const to = options?.to;
  return Object.freeze({
    type: 'email',
    smtp: options?.smtp,
    from: options?.from ?? 'quarry@localhost',
    to: Object.freeze(typeof to === 'string' ? [to] : Array.isArray(to) ? [...to] : (to as unknown as string[])),
  });
}

/**
 * A generic webhook destination: alerts are POSTed as Slack-compatible JSON (`text`, `blocks`).
 *
 * ```ts
 * webhook({ url: 'https://hooks.slack.com/services/…' })
 * ```
 */
export function webhook(options: { readonly url: string }): WebhookDestination {
  return Object.freeze({ type: 'webhook', url: options?.url });
}

function bad(path: string, value: unknown, what: string): QuarryError {
  return new QuarryError('QUARRY_BAD_ALERTS_CONFIG', `Project alerts ${path} is ${describe(value)}: ${what}`, { details: { path } });
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function checkUrl(path: string, value: unknown): string {
  if (typeof value !== 'string') throw bad(path, value, 'give an http:// or https:// URL.');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The URL may hold a token: name its place, not its text.
    throw bad(path, '(not a URL)', 'give an http:// or https:// URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(path, url.protocol, 'give an http:// or https:// URL.');
  return value;
}

const EMAIL_ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

function checkDestination(path: string, to: unknown): AlertDestination {
  if (typeof to !== 'object' || to === null || !('type' in to)) {
    throw bad(path, to, 'use pagerDuty({ routingKey }), email({ smtp, from, to }) or webhook({ url }) from @quarry/core.');
  }
  const d = to as AlertDestination;
  switch (d.type) {
    case 'pagerduty':
      if (typeof d.routingKey !== 'string' || d.routingKey.trim() === '') throw bad(`${path}.routingKey`, d.routingKey === undefined ? undefined : '(not a non-empty string)', 'give the PagerDuty integration\'s routing key (a non-empty string, e.g. from an environment variable).');
      checkUrl(`${path}.url`, d.url);
      return d;
    case 'email': {
      const smtp = d.smtp as unknown;
      if (typeof smtp !== 'object' || smtp === null) throw bad(`${path}.smtp`, smtp, 'give { host, port?, secure?, auth?: { user, pass } }.');
      const s = smtp as SmtpConfig;
      if (typeof s.host !== 'string' || s.host === '') throw bad(`${path}.smtp.host`, s.host, 'give the SMTP server host name.');
      if (s.port !== undefined && (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535)) throw bad(`${path}.smtp.port`, s.port, 'give a port number 1–65535.');
      if (s.auth !== undefined && (typeof s.auth?.user !== 'string' || typeof s.auth?.pass !== 'string')) throw bad(`${path}.smtp.auth`, '(hidden)', 'give { user, pass } as strings.');
      if (typeof d.from !== 'string' || !EMAIL_ADDRESS.test(d.from.replace(/^.*<([^>]+)>\s*$/, '$1'))) throw bad(`${path}.from`, d.from, 'give a sender address such as quarry@example.com.');
      if (!Array.isArray(d.to) || d.to.length === 0) throw bad(`${path}.to`, d.to, 'give one recipient address or a non-empty list.');
      d.to.forEach((address, i) => {
        if (typeof address !== 'string' || !EMAIL_ADDRESS.test(address)) throw bad(`${path}.to[${i}]`, address, 'give an address such as data@example.com.');
      });
      return d;
    }
    case 'webhook':
      checkUrl(`${path}.url`, d.url);
      return d;
    default:
      throw bad(`${path}.type`, (d as { type: unknown }).type, 'use pagerDuty(…), email(…) or webhook(…).');
  }
}

function checkSeverities(path: string, when: unknown): AlertSeverity[] {
  const list = Array.isArray(when) ? when : [when];
  if (list.length === 0) throw bad(path, when, `give one of ${ALERT_SEVERITIES.join(', ')} or a list of them.`);
  for (const s of list) if (!ALERT_SEVERITIES.includes(s as AlertSeverity)) throw bad(path, s, `give one of ${ALERT_SEVERITIES.join(', ')} or a list of them.`);
  return [...new Set(list as AlertSeverity[])];
}

/** `HH:MM` → minutes after midnight, or undefined when malformed. */
export function parseTimeOfDay(text: string): number | undefined {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/**
 * Validates and freezes a project's `alerts` setting; a bad value throws `QUARRY_BAD_ALERTS_CONFIG`
 * naming its place (`routes[1].to.url`) and what to give instead. Secrets are never quoted.
 */
export function resolveAlertsConfig(input: AlertsConfigInput | undefined): AlertsConfig {
  if (input === undefined) return Object.freeze({ routes: Object.freeze([]), anomalyAssets: Object.freeze([]) });
  if (typeof input !== 'object' || input === null) throw bad('', input, 'give { routes: [...], summary?: {...} }.');
  const routesIn = input.routes ?? [];
  if (!Array.isArray(routesIn)) throw bad('routes', routesIn, 'give a list of { when, to }.');
  const routes = routesIn.map((route, i) => {
    if (typeof route !== 'object' || route === null) throw bad(`routes[${i}]`, route, 'give { when: "critical" | "warning" | "info", to: pagerDuty(…) | email(…) | webhook(…) }.');
    return Object.freeze({ when: Object.freeze(checkSeverities(`routes[${i}].when`, route.when)), to: checkDestination(`routes[${i}].to`, route.to) });
  });
  let summary: AlertSummaryConfig | undefined;
  if (input.summary !== undefined) {
    const s = input.summary;
    if (typeof s !== 'object' || s === null) throw bad('summary', s, "give { every: 'daily' | 'weekly' | 'monthly', at: 'HH:MM', to }.");
    if (!['daily', 'weekly', 'monthly'].includes(s.every)) throw bad('summary.every', s.every, "give 'daily', 'weekly' or 'monthly'.");
    const at = s.at ?? '08:00';
    if (typeof at !== 'string' || parseTimeOfDay(at) === undefined) throw bad('summary.at', at, "give a time of day as 'HH:MM' (24 h), such as '08:00'.");
    const timeZone = s.timeZone ?? 'UTC';
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw bad('summary.timeZone', timeZone, "give an IANA time zone such as 'Europe/Berlin' or 'UTC'.");
    }
    summary = Object.freeze({ every: s.every, at, timeZone, to: checkDestination('summary.to', s.to) });
  }
  const anomalyAssets = input.anomalyAssets ?? [];
  if (!Array.isArray(anomalyAssets) || anomalyAssets.some((a) => typeof a !== 'string')) throw bad('anomalyAssets', anomalyAssets, 'give a list of asset keys.');
  return Object.freeze({ routes: Object.freeze(routes), ...(summary ? { summary } : {}), anomalyAssets: Object.freeze([...anomalyAssets]) });
}
