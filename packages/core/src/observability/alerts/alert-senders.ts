import { createTransport } from 'nodemailer';
import type { AlertRecord, JsonValue } from '../../catalog/index.ts';
import type { AlertDestination, EmailDestination, PagerDutyDestination, WebhookDestination } from '../../definitions/index.ts';

/** A message ready to send: what every destination renders from an alert (or a summary). */
export interface AlertMessage {
  readonly alert: AlertRecord;
  /** The email subject and the first line elsewhere. */
  readonly title: string;
  /** Plain-text body (the summary's table, an alert's details). */
  readonly text: string;
  readonly source: string;
}

/** Why a send failed, and whether trying again may help (a 400 from PagerDuty will not). */
export class AlertSendError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.name = 'AlertSendError';
    this.retryable = retryable;
  }
}

/** How long one HTTP or SMTP exchange may take before it counts as failed (and is retried). */
export const SEND_TIMEOUT_MS = 15_000;

/** Renders an alert as a message: `[CRITICAL] <summary>` (resolves as `[RESOLVED]`) and its details as text. */
export function alertMessage(alert: AlertRecord, source: string): AlertMessage {
  const label = alert.action === 'resolve' ? 'RESOLVED' : alert.severity.toUpperCase();
  const title = alert.kind === 'summary' ? alert.summary : `[${label}] ${alert.summary}`;
  const lines = alert.kind === 'summary' && typeof alert.details.text === 'string'
    ? [alert.details.text]
    : [
        alert.summary,
        '',
        `kind: ${alert.kind}`,
        `severity: ${alert.severity}`,
        ...(alert.assetKey ? [`asset: ${alert.assetKey}`] : []),
        ...(alert.partitionKey ? [`partition: ${alert.partitionKey}`] : []),
        ...(alert.runId ? [`run: ${alert.runId}`] : []),
        `dedup key: ${alert.dedupKey}`,
        `raised at: ${alert.createdAt.toISOString()}`,
        ...Object.entries(alert.details).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`),
      ];
  return { alert, title, text: lines.join('\n'), source };
}

async function postJson(url: string, body: unknown, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error instanceof Error ? error.message : String(error));
    throw new AlertSendError(`${what} unreachable (${cause})`, true);
  }
  return response;
}

/** PagerDuty's payload severities. */
function pagerDutySeverity(severity: string): 'critical' | 'error' | 'warning' | 'info' {
  return severity === 'critical' ? 'critical' : severity === 'warning' ? 'warning' : severity === 'error' ? 'error' : 'info';
}

/** Sends to PagerDuty's Events API v2: `trigger` (with payload) or `resolve`, both with the alert's dedup key. */
export async function sendPagerDuty(destination: PagerDutyDestination, message: AlertMessage): Promise<void> {
  const { alert } = message;
  const body = alert.action === 'resolve'
    ? { routing_key: destination.routingKey, event_action: 'resolve', dedup_key: alert.dedupKey }
    : {
        routing_key: destination.routingKey,
        event_action: 'trigger',
        dedup_key: alert.dedupKey,
        payload: {
          summary: message.title.slice(0, 1024),
          source: message.source,
          severity: pagerDutySeverity(alert.severity),
          timestamp: alert.createdAt.toISOString(),
          component: alert.assetKey ?? undefined,
          class: alert.kind,
          custom_details: { ...alert.details, partition: alert.partitionKey, run: alert.runId } as Record<string, JsonValue>,
        },
      };
  const response = await postJson(destination.url, body, 'PagerDuty');
  if (response.ok) return;
  const text = (await response.text().catch(() => '')).slice(0, 300);
  // 429 (rate limited) and 5xx are PagerDuty's "try again"; another 4xx (a bad routing key) will not get better.
  throw new AlertSendError(`PagerDuty answered ${response.status}${text ? `: ${text}` : ''}`, response.status === 429 || response.status >= 500);
}

/** Slack-compatible JSON for a message: `text` (the fallback) and `blocks` (header + body). */
export function slackPayload(message: AlertMessage): { text: string; blocks: unknown[] } {
  return {
    text: message.title,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: message.title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: '```' + message.text.slice(0, 2900) + '```' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Quarry · ${message.source} · dedup key \`${message.alert.dedupKey}\`` }] },
    ],
  };
}

/** POSTs the Slack-compatible JSON to a webhook; any 2xx counts as delivered. */
export async function sendWebhook(destination: WebhookDestination, message: AlertMessage): Promise<void> {
  const response = await postJson(destination.url, slackPayload(message), `Webhook ${new URL(destination.url).origin}`);
  if (response.ok) return;
  throw new AlertSendError(`Webhook ${new URL(destination.url).origin} answered ${response.status}`, response.status === 429 || response.status >= 500 || response.status === 408);
}

/** Sends an email through the destination's SMTP server (nodemailer). */
export async function sendEmail(destination: EmailDestination, message: AlertMessage): Promise<void> {
  const smtp = destination.smtp;
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port ?? (smtp.secure ? 465 : 587),
    secure: smtp.secure ?? false,
    ...(smtp.requireTls ? { requireTLS: true } : {}),
    ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: smtp.auth.pass } } : {}),
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
  });
  try {
    await transport.sendMail({
      from: destination.from,
      to: [...destination.to],
      subject: message.title,
      text: message.text,
      headers: { 'X-Quarry-Dedup-Key': message.alert.dedupKey },
    });
  } catch (error) {
    const e = error as { responseCode?: number; code?: string; message?: string };
    // 5xx SMTP replies are permanent (a refused recipient); connection trouble and 4xx are worth retrying.
    const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.code !== 'EAUTH';
    throw new AlertSendError(`SMTP ${smtp.host}: ${(e.message ?? String(error)).split('\n')[0]}`, !permanent);
  } finally {
    transport.close();
  }
}

/** Sends a message to a destination; throws `AlertSendError` when it was not accepted. */
export function sendToDestination(destination: AlertDestination, message: AlertMessage): Promise<void> {
  switch (destination.type) {
    case 'pagerduty':
      return sendPagerDuty(destination, message);
    case 'email':
      return sendEmail(destination, message);
    case 'webhook':
      return sendWebhook(destination, message);
  }
}
