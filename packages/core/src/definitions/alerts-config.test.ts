import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQuarryError } from '../errors.ts';
import { defineAsset } from './asset-definition.ts';
import { email, pagerDuty, resolveAlertsConfig, webhook } from './alerts-config.ts';
import { defineProject } from './project-definition.ts';

const smtp = { host: '127.0.0.1', port: 2525 };

function rejects(input: unknown, code: string, pattern: RegExp, secret?: string): void {
  assert.throws(() => resolveAlertsConfig(input as never), (error: unknown) => {
    assert.ok(isQuarryError(error, code as never), `expected ${code}, got ${String(error)}`);
    assert.match((error as Error).message, pattern);
    if (secret !== undefined) assert.ok(!(error as Error).message.includes(secret), 'the secret must not be quoted');
    return true;
  });
}

test('alerts config: routes and summary resolve with defaults (UTC, PagerDuty endpoint, one recipient as a list)', () => {
  const config = resolveAlertsConfig({
    routes: [{ when: 'critical', to: pagerDuty({ routingKey: 'R0UT1NG' }) }, { when: ['warning', 'info'], to: email({ smtp, from: 'q@example.com', to: 'data@example.com' }) }],
    summary: { every: 'daily', at: '08:00', to: webhook({ url: 'http://127.0.0.1:9/hook' }) },
  });
  assert.deepEqual(config.routes.map((r) => r.when), [['critical'], ['warning', 'info']]);
  assert.equal((config.routes[0]!.to as { url: string }).url, 'https://events.pagerduty.com/v2/enqueue');
  assert.deepEqual((config.routes[1]!.to as unknown as { to: string[] }).to, ['data@example.com']);
  assert.equal(config.summary?.timeZone, 'UTC');
  assert.ok(Object.isFrozen(config.routes));
});

test('alerts config: each bad value is named with its place and what to give, and secrets are not quoted', () => {
  rejects({ routes: [{ when: 'urgent', to: webhook({ url: 'http://x' }) }] }, 'QUARRY_BAD_ALERTS_CONFIG', /routes\[0\]\.when is "urgent": give one of critical, warning, info/);
  rejects({ routes: [{ when: 'critical', to: pagerDuty({ routingKey: '' }) }] }, 'QUARRY_BAD_ALERTS_CONFIG', /routes\[0\]\.to\.routingKey/);
  rejects({ routes: [{ when: 'critical', to: webhook({ url: 'ftp://host/secret-token' }) }] }, 'QUARRY_BAD_ALERTS_CONFIG', /routes\[0\]\.to\.url is "ftp:"/, 'secret-token');
  rejects({ routes: [{ when: 'warning', to: email({ smtp, from: 'q@example.com', to: ['ok@example.com', 'not an address'] }) }] }, 'QUARRY_BAD_ALERTS_CONFIG', /routes\[0\]\.to\.to\[1\] is "not an address"/);
  rejects({ routes: [{ when: 'warning', to: email({ smtp: { host: 'h', auth: { user: 'u', pass: 42 as never } }, to: 'a@b.c' }) }] }, 'QUARRY_BAD_ALERTS_CONFIG', /smtp\.auth is "\(hidden\)"/);
  rejects({ routes: [{ when: 'warning', to: { type: 'sms' } }] }, 'QUARRY_BAD_ALERTS_CONFIG', /routes\[0\]\.to\.type is "sms"/);
  rejects({ summary: { every: 'hourly', to: webhook({ url: 'http://x' }) } }, 'QUARRY_BAD_ALERTS_CONFIG', /summary\.every is "hourly": give 'daily', 'weekly' or 'monthly'/);
  rejects({ summary: { every: 'daily', at: '8am', to: webhook({ url: 'http://x' }) } }, 'QUARRY_BAD_ALERTS_CONFIG', /summary\.at is "8am"/);
  rejects({ summary: { every: 'daily', at: '08:00', timeZone: 'Mars/Base', to: webhook({ url: 'http://x' }) } }, 'QUARRY_BAD_ALERTS_CONFIG', /summary\.timeZone is "Mars\/Base"/);
});

test('defineProject carries alerts (none by default) and refuses an anomaly asset that is not in the project', () => {
  const a = defineAsset({ key: 'quality/spikes', compute: () => ({ sql: 'select 1 as x' }) });
  assert.deepEqual(defineProject({ assets: [a] }).alerts.routes, []);
  assert.deepEqual(defineProject({ assets: [a], alerts: { anomalyAssets: ['quality/spikes'] } }).alerts.anomalyAssets, ['quality/spikes']);
  assert.throws(() => defineProject({ assets: [a], alerts: { anomalyAssets: ['quality/nope'] } }), /anomalyAssets names "quality\/nope", which is not an asset/);
});
