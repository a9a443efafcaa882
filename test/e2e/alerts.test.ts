// Alert routing end to end, against real peers on loopback: an SMTP server (the `smtp-server`
// package) receives the warning and the daily summary, a local HTTP server stands in for PagerDuty's
// events endpoint (trigger, then resolve with the same dedup key) and for a Slack-style webhook; the
// real `quarry` CLI is killed (kill -9) between the outbox write and the delivery, and a later
// `quarry alerts deliver` sends the alert exactly once. No mocks.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import {
  acceptedRange, ALERT_OUTBOX_FAULT, defineAsset, defineProject, defineSourceAsset, dueSummary, email, nullPercentage, openInstance, pagerDuty,
  sendSummary, summaryPeriod, dailyPartitions, webhook,
} from '@quarry/core';
import { openSqliteCatalog } from '@quarry/core';
import { createE2eProject, describeResult, parseJson, replaceOnce } from './e2e-project.ts';

interface Mail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

async function smtpServer(): Promise<{ port: number; mails: Mail[]; server: SMTPServer }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'quarry' && auth.password === 'smtp-password-secret') callback(null, { user: 'quarry' });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (raw += c));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, mails, server };
}

interface Posted {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

async function httpPeer(): Promise<{ url: string; posted: Posted[]; server: Server }> {
  const posted: Posted[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => {
      posted.push({ path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(req.url?.startsWith('/v2/enqueue') ? 202 : 200, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posted, server };
}

/** The decoded text of a mail (nodemailer may quoted-printable encode long lines). */
function bodyOf(mail: Mail): string {
  const [, ...rest] = mail.raw.split(/\r?\n\r?\n/);
  const latin1 = rest.join('\n\n').replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(latin1, 'latin1').toString('utf8');
}

/** The Subject header, unfolded, with RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`) decoded. */
function subjectOf(mail: Mail): string {
  const match = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(mail.raw);
  const folded = (match?.[1] ?? '').replace(/\?=\r?\n[ \t]+=\?/g, '?==?').replace(/\r?\n[ \t]/g, ' ');
  return folded.replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  );
}

const daily = dailyPartitions({ start: '2026-01-01' });
const DAY = '2026-01-03';
const landingFile = (dir: string) => join(dir, 'landing', `${DAY}.csv`);

test('a warning and the daily summary reach the SMTP server; a blocking check failure triggers PagerDuty and its recovery resolves it with the same dedup key', async () => {
  const smtp = await smtpServer();
  const peer = await httpPeer();
  const dir = await mkdtemp(join(tmpdir(), 'quarry-alerts-e2e-'));
  const landing = defineSourceAsset({
    key: 'landing/people',
    partitions: daily,
    observe: async ({ projectDir }) => createHash('sha256').update(await readFile(landingFile(projectDir))).digest('hex').slice(0, 16),
  });
  const people = defineAsset({
    key: 'staging/people',
    partitions: daily,
    deps: { landing },
    sourceFiles: ({ projectDir }) => [landingFile(projectDir)],
    compute: (ctx) => ({ sql: `select * from read_csv('${landingFile(ctx.projectDir)}', header = true, columns = {'id': 'INTEGER', 'email': 'VARCHAR', 'age': 'INTEGER'})` }),
    checks: [nullPercentage('email', { max: 10 }), acceptedRange('age', { min: 0, blocking: true })],
  });
  const smtpConfig = { host: '127.0.0.1', port: smtp.port, auth: { user: 'quarry', pass: 'smtp-password-secret' } };
  const summaryHour = (new Date().getUTCHours() + 12) % 24;
  const project = defineProject({
    name: 'alerts-e2e',
    assets: [landing, people],
    alerts: {
      routes: [
        { when: 'critical', to: pagerDuty({ routingKey: 'pd-routing-secret', url: `${peer.url}/v2/enqueue` }) },
        { when: 'warning', to: email({ smtp: smtpConfig, from: 'quarry@example.com', to: ['data@example.com', 'oncall@example.com'] }) },
      ],
      summary: { every: 'daily', at: `${String(summaryHour).padStart(2, '0')}:00`, to: email({ smtp: smtpConfig, from: 'quarry@example.com', to: 'summary@example.com' }) },
    },
  });
  await mkdir(join(dir, 'landing'));
  const instance = await openInstance({ project, projectDir: dir, quarryHome: join(dir, '.quarry'), now: new Date('2026-01-10T00:00:00Z') });
  const run = async (csv: string) => {
    await writeFile(landingFile(dir), csv);
    const { runId } = await instance.startRun({ selection: 'staging/people', partitions: { key: DAY } });
    return (await instance.waitForRun(runId)).status;
  };
  const good = 'id,email,age\n1,a@x.io,30\n2,b@x.io,41\n3,c@x.io,25\n';
  try {
    assert.equal(await run(good), 'succeeded');
    assert.deepEqual(instance.catalog.listAlerts(), [], 'a clean run raises nothing');

    // 2 of 4 emails are NULL: the non-blocking null-percentage check fails → a warning by email.
    assert.equal(await run('id,email,age\n1,a@x.io,30\n2,,41\n3,,25\n4,d@x.io,50\n'), 'succeeded');
    const nullMail = smtp.mails.find((m) => subjectOf(m).includes('null_percentage_email'));
    assert.ok(nullMail, `the warning email arrived; got subjects ${JSON.stringify(smtp.mails.map(subjectOf))}`);
    assert.equal(subjectOf(nullMail).startsWith('[WARNING] Check null_percentage_email failed on staging/people [2026-01-03]'), true, subjectOf(nullMail));
    assert.deepEqual(nullMail.to, ['data@example.com', 'oncall@example.com']);
    assert.equal(nullMail.from, 'quarry@example.com');
    const nullBody = bodyOf(nullMail);
    assert.match(nullBody, /kind: null_share/);
    assert.match(nullBody, /observedValue: 50\b/);
    assert.match(nullBody, /failingCount: 2\b/);
    assert.match(nullBody, /dedup key: alerts-e2e\/check\/staging\/people\/null_percentage_email/);
    assert.equal(smtp.mails.some((m) => subjectOf(m).includes("Quality score of staging/people [2026-01-03] fell from 100 to 77.27")), true, `the quality drop is a warning too: ${JSON.stringify(smtp.mails.map((m) => [subjectOf(m), m.raw.slice(0, 600)]))}`);
    assert.equal(peer.posted.length, 0, 'warnings do not page');

    // A negative age fails the blocking check: critical → PagerDuty trigger.
    assert.notEqual(await run('id,email,age\n1,a@x.io,-30\n2,b@x.io,41\n'), 'succeeded');
    assert.equal(peer.posted.length, 1);
    const trigger = peer.posted[0]!.body;
    assert.equal(trigger.event_action, 'trigger');
    assert.equal(trigger.routing_key, 'pd-routing-secret');
    assert.equal(trigger.dedup_key, 'alerts-e2e/check/staging/people/accepted_range_age');
    assert.equal((trigger.payload as { severity: string }).severity, 'critical');
    assert.match((trigger.payload as { summary: string }).summary, /^\[CRITICAL\] Blocking check accepted_range_age failed on staging\/people \[2026-01-03\]/);

    // Repaired: the check passes again → resolve with the same dedup key.
    assert.equal(await run('id,email,age\n1,a@x.io,30\n2,b@x.io,41\n3,c@x.io,25\n4,d@x.io,19\n'), 'succeeded');
    assert.deepEqual(peer.posted.map((p) => [p.body.event_action, p.body.dedup_key]), [
      ['trigger', 'alerts-e2e/check/staging/people/accepted_range_age'],
      ['resolve', 'alerts-e2e/check/staging/people/accepted_range_age'],
    ]);
    assert.equal(smtp.mails.some((m) => subjectOf(m).startsWith('[RESOLVED] Check null_percentage_email on staging/people [2026-01-03] passes again')), true, 'the warning resolves by email too');
    assert.ok(instance.catalog.listAlerts({ limit: 100 }).every((a) => a.deliveries.every((d) => d.state === 'delivered')), 'every delivery is on record as delivered');

    // The daily summary: due once per period, with the figures of the catalog.
    const ref = new Date(Date.now() + 24 * 3_600_000);
    const period = dueSummary(instance, ref);
    assert.ok(period, 'a summary is due');
    assert.deepEqual(period, summaryPeriod(project.alerts.summary!, ref));
    assert.ok(period.from.getTime() < Date.now() - 3_600_000 && period.to.getTime() > Date.now(), 'the period covers the runs');
    const sent = await sendSummary(instance, period);
    assert.equal(sent.delivery.delivered, 1);
    assert.equal(dueSummary(instance, ref), undefined, 'sent once per period');
    const summaryMail = smtp.mails.find((m) => m.to.includes('summary@example.com'));
    assert.ok(summaryMail);
    assert.deepEqual(summaryMail.to, ['summary@example.com']);
    assert.equal(subjectOf(summaryMail), `Quarry daily summary — alerts-e2e — ${period.to.toISOString().slice(0, 10)}`);
    const body = bodyOf(summaryMail);
    const versions = instance.catalog.materializationHistory('staging/people');
    const rows = versions.reduce((n, v) => n + (v.rowCount ?? 0), 0);
    assert.equal(versions.length, 3, 'three published versions (the blocked one was not)');
    assert.equal(rows, 3 + 4 + 4);
    assert.match(body, /Runs: 4 \((1 failed, 3 succeeded|3 succeeded, 1 failed)\)/);
    assert.match(body, /Failures: 1 failed runs, 1 failed steps/);
    assert.match(body, new RegExp(`Rows processed: ${rows} in 3 partition versions`));
    assert.match(body, /Cost: not recorded/);
    assert.match(body, /staging\/people: 100\b/, 'the latest quality score');
    assert.match(body, /Alerts: 1 critical, 2 warning/);
    assert.match(body, /staging\/people: 20\d\d-\d\d-\d\dT/, 'freshness: when it was last materialized');
    for (const mail of smtp.mails) assert.ok(!mail.raw.includes('smtp-password-secret') && !mail.raw.includes('pd-routing-secret'));
  } finally {
    await instance.close();
    await rm(dir, { recursive: true, force: true });
    smtp.server.close();
    peer.server.close();
  }
});

test('a run whose step fails (no retry helps) pages once per asset and incident; a later successful run resolves it with the same dedup key', async () => {
  const peer = await httpPeer();
  const dir = await mkdtemp(join(tmpdir(), 'quarry-alerts-run-'));
  const flag = join(dir, 'fail');
  const flaky = defineAsset({
    key: 'marts/flaky',
    compute: async () => {
      if ((await readFile(flag, 'utf8')) === 'yes') throw new Error('upstream export is malformed');
      return [{ x: 1 }];
    },
  });
  const project = defineProject({ name: 'run-alerts', assets: [flaky], alerts: { routes: [{ when: 'critical', to: pagerDuty({ routingKey: 'k', url: `${peer.url}/v2/enqueue` }) }] } });
  const instance = await openInstance({ project, projectDir: dir, quarryHome: join(dir, '.quarry') });
  const run = async (fail: boolean) => {
    await writeFile(flag, fail ? 'yes' : 'no');
    const { runId } = await instance.startRun({ selection: 'marts/flaky', force: true });
    return (await instance.waitForRun(runId)).status;
  };
  try {
    assert.equal(await run(true), 'failed');
    assert.equal(await run(true), 'failed');
    assert.equal(peer.posted.length, 1, 'the incident is open: the second failure does not page again');
    assert.equal(await run(false), 'succeeded');
    assert.equal(await run(false), 'succeeded');
    assert.deepEqual(peer.posted.map((p) => [p.body.event_action, p.body.dedup_key]), [
      ['trigger', 'run-alerts/run_failed/marts/flaky'],
      ['resolve', 'run-alerts/run_failed/marts/flaky'],
    ], 'one trigger, one resolve, nothing for the second failure or the second success');
    assert.match((peer.posted[0]!.body.payload as { summary: string }).summary, /^\[CRITICAL\] Run r_\S+: marts\/flaky failed after 1 attempt: .*upstream export is malformed/);
  } finally {
    await instance.close();
    await rm(dir, { recursive: true, force: true });
    peer.server.close();
  }
});

test('quarry killed (kill -9) between the outbox write and the delivery: the next process delivers the alert exactly once, the killed run pages and its resume resolves it; quarry alerts lists, tests and delivers without printing secrets', async () => {
  const peer = await httpPeer();
  const summaryAt = `${String((new Date().getUTCHours() + 12) % 24).padStart(2, '0')}:00`;
  const project = createE2eProject('alerts-kill');
  project.editConfig((s) =>
    replaceOnce(
      replaceOnce(s, "import { dailyPartitions, defineAsset, defineProject, timeWindowMapping } from '@quarry/core';", "import { dailyPartitions, defineAsset, defineProject, pagerDuty, timeWindowMapping, webhook } from '@quarry/core';"),
      "export default defineProject({",
      `export default defineProject({
  alerts: {
    routes: [
      { when: 'critical', to: pagerDuty({ routingKey: 'pd-secret-in-config', url: '${peer.url}/v2/enqueue' }) },
      { when: 'warning', to: webhook({ url: '${peer.url}/hooks/secret-webhook-path' }) },
    ],
    anomalyAssets: ['staging/orders_clean'],
    summary: { every: 'daily', at: '${summaryAt}', to: webhook({ url: '${peer.url}/hooks/summary' }) },
  },`,
    ),
  );
  try {
    const killed = await project.quarry(['materialize', '+staging/orders_clean', '--partition', '2026-01-05'], { env: { QUARRY_TEST_FAULT: ALERT_OUTBOX_FAULT } });
    assert.equal(killed.signal, 'SIGKILL', describeResult(killed));
    assert.equal(peer.posted.length, 0, 'killed before delivering');

    const listed = parseJson<{ alerts: { kind: string; severity: string; deliveries: { route: string; state: string }[] }[] }>(await project.quarry(['alerts', '--json']));
    assert.deepEqual(listed.alerts.map((a) => [a.kind, a.severity, a.deliveries.map((d) => [d.route, d.state])]), [['anomaly_rows', 'warning', [['routes[1]:webhook', 'pending']]]]);

    // The next process to open the catalog (here `quarry runs`) settles the killed run as failed: its interrupted
    // step raises run_failed (critical), as a failed run does, and what the killed process left in the outbox goes out.
    const [killedRun] = parseJson<{ runs: { id: string; status: string }[] }>(await project.quarry(['runs', '--json'])).runs;
    assert.equal(killedRun!.status, 'failed');
    const webhookPosts = () => peer.posted.filter((p) => p.path === '/hooks/secret-webhook-path');
    const pagerDutyPosts = () => peer.posted.filter((p) => p.path === '/v2/enqueue');
    assert.equal(webhookPosts().length, 1, 'delivered by the next process');
    assert.deepEqual(pagerDutyPosts().map((p) => p.body.event_action), ['trigger']);
    const settled = parseJson<{ alerts: { kind: string; severity: string; deliveries: { route: string; state: string }[] }[] }>(await project.quarry(['alerts', '--json']));
    assert.deepEqual(settled.alerts.map((a) => [a.kind, a.severity, a.deliveries.map((d) => [d.route, d.state])]).sort(), [
      ['anomaly_rows', 'warning', [['routes[1]:webhook', 'delivered']]],
      ['run_failed', 'critical', [['routes[0]:pagerduty', 'delivered']]],
    ]);
    // Resuming the run commits nothing new (the version was committed with its alert); the step it finishes resolves the page.
    const resumed = await project.quarry(['materialize', '--resume', killedRun!.id]);
    assert.equal(resumed.code, 0, describeResult(resumed));
    assert.equal(webhookPosts().length, 1, 'the warning is not sent again');
    assert.deepEqual(pagerDutyPosts().map((p) => p.body.event_action), ['trigger', 'resolve']);
    assert.equal(pagerDutyPosts()[0]!.body.dedup_key, pagerDutyPosts()[1]!.body.dedup_key);
    const delivered = await project.quarry(['alerts', 'deliver']);
    assert.equal(delivered.code, 0, describeResult(delivered));
    assert.match(delivered.stdout, /Nothing due to deliver\./);
    const again = await project.quarry(['alerts', 'deliver', '--now', new Date(Date.now() + 3_600_000).toISOString()]);
    assert.match(again.stdout, /Nothing due to deliver\./);
    assert.equal(webhookPosts().length, 1, 'exactly once');
    assert.equal(peer.posted.length, 3, 'nothing else was sent');
    const slack = webhookPosts()[0]!;
    assert.equal(slack.path, '/hooks/secret-webhook-path');
    assert.match(String(slack.body.text), /^\[WARNING\] \d+ anomal(y|ies) in staging\/orders_clean \[2026-01-05\]$/);
    assert.ok(Array.isArray(slack.body.blocks) && (slack.body.blocks as unknown[]).length > 0);

    // The summary of the period holding these runs, from the CLI: figures as the catalog has them.
    const ref = new Date(Date.now() + 24 * 3_600_000).toISOString();
    const computedResult = await project.quarry(['alerts', 'summary', '--now', ref, '--json']);
    const computed = parseJson<{ stats: { runs: Record<string, number>; versions: number; rows: number } }>(computedResult);
    const catalog = openSqliteCatalog({ path: project.catalogPath });
    const versions = ['raw/orders', 'staging/orders_clean'].flatMap((k) => catalog.materializationHistory(k));
    catalog.close();
    assert.deepEqual(computed.stats.runs, { succeeded: 1 });
    assert.equal(computed.stats.versions, versions.length);
    assert.equal(computed.stats.rows, versions.reduce((n, v) => n + (v.rowCount ?? 0), 0));
    assert.ok(computed.stats.rows > 0);
    const summarySent = await project.quarry(['alerts', 'summary', '--send', '--now', ref]);
    assert.equal(summarySent.code, 0, describeResult(summarySent));
    assert.match(summarySent.stdout, new RegExp(`Rows processed: ${computed.stats.rows} in ${versions.length} partition versions`));
    const summaryPosts = () => peer.posted.filter((p) => p.path === '/hooks/summary');
    assert.equal(summaryPosts().length, 1);
    assert.match(String(summaryPosts()[0]!.body.text), /^Quarry daily summary — hello — \d{4}-\d\d-\d\d$/);
    const summaryAgain = await project.quarry(['alerts', 'summary', '--send', '--now', ref]);
    assert.match(summaryAgain.stdout, /already been queued/);
    assert.equal(summaryPosts().length, 1, 'one summary per period');

    const text = await project.quarry(['alerts']);
    assert.match(text.stdout, /anomaly_rows/);
    assert.match(text.stdout, /routes\[1\]:webhook delivered/);
    const tested = await project.quarry(['alerts', 'test']);
    assert.equal(tested.code, 0, describeResult(tested));
    assert.match(tested.stdout, /Test alert \d+ sent to 3 routes/);
    assert.match(tested.stdout, /routes\[0\]:pagerduty: PagerDuty via http:\/\/127\.0\.0\.1:\d+ \(routing key hidden\)/);
    assert.deepEqual(peer.posted.slice(4).map((p) => p.path).sort(), ['/hooks/secret-webhook-path', '/hooks/summary', '/v2/enqueue']);
    for (const result of [killed, resumed, delivered, again, computedResult, summarySent, summaryAgain, text, tested]) {
      for (const secret of ['pd-secret-in-config', 'secret-webhook-path']) {
        assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), `${secret} printed by quarry`);
      }
    }
  } finally {
    project.cleanup();
    peer.server.close();
  }
});
