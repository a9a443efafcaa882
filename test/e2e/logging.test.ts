// Logs (issue 15, point 1) through the real `quarry` CLI: on a pipe the CLI's log lines are JSON with
// the documented fields (docs/logging.md), every run writes them as JSON lines to its log file, secrets
// (a credential in the environment, the serve token, PII-tagged values) never reach a log, and
// --log-level / QUARRY_LOG_LEVEL choose what is written. With OTEL_TRACES_EXPORTER=otlp the trace id
// is on every line and the spans reach an OTLP/HTTP endpoint (a server on loopback).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createE2eProject, describeResult, parseJson, replaceOnce, runIdOf, type CliResult, type E2eProject } from './e2e-project.ts';

const SHOP_TOKEN = 'shop-tok-e2e-9f3a1c77';
const SERVE_TOKEN = 'serve-tok-e2e-41d0be';
const PII_VALUE = 'cust-pii-4242';
// A JSON-lines run, as the CLI on a pipe writes by default (the harness asks for text otherwise).
const JSON_LOGS = { QUARRY_LOG_FORMAT: '', SHOP_API_TOKEN: SHOP_TOKEN, QUARRY_TOKEN: SERVE_TOKEN };

interface LogLine {
  level: string;
  time: string;
  msg: string;
  run_id?: string;
  step?: string;
  asset?: string;
  partition?: string;
  attempt?: number;
  trace_id?: string;
  event?: string;
  data?: Record<string, unknown>;
}

function jsonLines(text: string, where: string): LogLine[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        throw new Error(`${where}: not a JSON line: ${l}`);
      }
    });
}

function assertBasicFields(line: LogLine, where: string): void {
  assert.ok(['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(line.level), `${where}: level ${line.level}`);
  assert.ok(!Number.isNaN(Date.parse(line.time)) && line.time.endsWith('Z'), `${where}: ISO time ${line.time}`);
  assert.equal(typeof line.msg, 'string', `${where}: msg`);
}

function assertOk(result: CliResult): void {
  assert.equal(result.code, 0, describeResult(result));
}

describe('quarry logs', () => {
  let project: E2eProject;
  before(() => {
    project = createE2eProject('logging');
    // raw/orders logs a warning carrying a credential (in the message and a field) and a PII value, and a debug line.
    project.editConfig((source) =>
      replaceOnce(
        source,
        'compute: (ctx) => ordersOfDay(ctx.projectDir, ctx.partition.firstKey),',
        `compute: (ctx) => {
    ctx.log.warn(\`calling the shop API with \${process.env.SHOP_API_TOKEN} (serve token \${process.env.QUARRY_TOKEN})\`, { token: process.env.SHOP_API_TOKEN, customer_id: '${PII_VALUE}', endpoint: 'orders' });
    ctx.log.debug('debug detail of the export');
    return ordersOfDay(ctx.projectDir, ctx.partition.firstKey);
  },`,
      ),
    );
  });
  after(() => project.cleanup());

  test('a run writes JSON lines with the documented fields to stderr and to its log file; traces go to OTLP; no secret is in any log', async () => {
    const received: string[] = [];
    const otlp: Server = createServer((req, res) => {
      let body = '';
      req.setEncoding('latin1').on('data', (c: string) => (body += c));
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => otlp.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(otlp.address() as AddressInfo).port}`;
      const env = { ...JSON_LOGS, OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'quarry-e2e' };
      const result = await project.quarry(['backfill', 'raw/orders+', '--from', '2026-01-01', '--to', '2026-01-02'], { env });
      assertOk(result);
      const runId = runIdOf(result);
      const shown = parseJson<{ run: { traceId: string | null }; logFile: string }>(await project.quarry(['run', runId, '--json']));
      const traceId = shown.run.traceId;
      assert.match(traceId ?? '', /^[0-9a-f]{32}$/, 'the run stores its trace id');

      // stderr: JSON lines; the step lines carry run, step, asset, partition, attempt and trace id.
      const stderr = jsonLines(result.stderr, 'stderr');
      for (const line of stderr) {
        assertBasicFields(line, 'stderr');
        assert.equal(line.run_id, runId);
        assert.equal(line.trace_id, traceId);
      }
      const succeeded = stderr.filter((l) => l.event === 'step_succeeded');
      assert.deepEqual(succeeded.map((l) => l.step).sort(), ['marts/revenue_7d[2026-01-01]', 'marts/revenue_7d[2026-01-02]', 'raw/orders[2026-01-01]', 'raw/orders[2026-01-02]', 'staging/orders_clean[2026-01-01]', 'staging/orders_clean[2026-01-02]']);
      for (const l of succeeded) {
        assert.equal(l.level, 'info');
        assert.equal(l.step, `${l.asset}[${l.partition}]`);
        assert.equal(l.attempt, 1);
        assert.match(l.msg, /^✓ /);
      }
      const warned = stderr.filter((l) => l.event === 'log' && l.level === 'warn');
      assert.equal(warned.length, 2, 'the step warning, once per raw/orders partition');
      assert.match(warned[0]!.msg, /calling the shop API with \[REDACTED\] \(serve token \[REDACTED\]\)/);

      // The run's log file: every line JSON with run_id and trace_id; step lines with their fields; data redacted.
      const file = jsonLines(readFileSync(shown.logFile, 'utf8'), shown.logFile);
      for (const line of file) {
        assertBasicFields(line, 'log file');
        assert.equal(line.run_id, runId);
        assert.equal(line.trace_id, traceId);
      }
      assert.equal(file[0]!.event, 'run_started');
      assert.equal(file.at(-1)!.event, 'run_finished');
      const started = file.filter((l) => l.event === 'step_started');
      assert.equal(started.length, 6);
      for (const l of started) assert.ok(l.step !== undefined && l.asset !== undefined && l.partition !== undefined && l.attempt === 1, JSON.stringify(l));
      const stepWarning = file.find((l) => l.event === 'log' && l.level === 'warn')!;
      assert.deepEqual(stepWarning.data, { token: '[REDACTED]', customer_id: '[REDACTED]', endpoint: 'orders' });
      assert.equal(file.filter((l) => l.level === 'debug').length, 0, 'debug lines stay out at the default level');

      // No secret in any log: stderr, stdout, the log file, the run's stored log lines.
      const logs = await project.quarry(['run', runId, '--logs', '--json'], { env: JSON_LOGS });
      assertOk(logs);
      for (const [where, text] of [['stderr', result.stderr], ['stdout', result.stdout], ['log file', readFileSync(shown.logFile, 'utf8')], ['quarry run --logs', logs.stdout + logs.stderr]] as const) {
        for (const secret of [SHOP_TOKEN, SERVE_TOKEN, PII_VALUE]) assert.ok(!text.includes(secret), `${where} contains ${secret}`);
      }
      assert.match(logs.stdout, /calling the shop API with \[REDACTED\]/);

      // The spans reached the OTLP/HTTP endpoint before the CLI exited.
      assert.ok(received.some((r) => r.startsWith('POST /v1/traces ') && r.includes('quarry.run') && r.includes('quarry-e2e')), `OTLP requests: ${received.map((r) => r.slice(0, 40)).join(' | ')}`);
    } finally {
      await new Promise((resolve) => otlp.close(resolve));
    }
  });

  test('--log-level and QUARRY_LOG_LEVEL choose the lines written, on stderr and in the log file', async () => {
    // warn: no progress lines, the step warning only; the file holds no info line either.
    const warn = await project.quarry(['materialize', 'raw/orders', '--partition', '2026-01-03', '--log-level', 'warn'], { env: JSON_LOGS });
    assertOk(warn);
    const warnLines = jsonLines(warn.stderr, 'stderr');
    assert.deepEqual(warnLines.map((l) => `${l.level} ${l.event}`), ['warn log']);
    const warnFile = jsonLines(readFileSync(parseJson<{ logFile: string }>(await project.quarry(['run', runIdOf(warn), '--json'])).logFile, 'utf8'), 'log file');
    assert.ok(warnFile.length > 0 && warnFile.every((l) => l.level === 'warn' || l.level === 'error'), JSON.stringify(warnFile));

    // debug, as text: the progress lines and the step's debug line; the file has the debug line too.
    const debug = await project.quarry(['materialize', 'raw/orders', '--partition', '2026-01-04', '--log-level', 'debug', '--log-format', 'pretty'], { env: JSON_LOGS });
    assertOk(debug);
    assert.match(debug.stderr, /^! raw\/orders \[2026-01-04\] debug: debug detail of the export$/m);
    assert.match(debug.stderr, /^✓ raw\/orders \[2026-01-04\] \d+\.\ds$/m);
    const debugFile = readFileSync(parseJson<{ logFile: string }>(await project.quarry(['run', runIdOf(debug), '--json'])).logFile, 'utf8');
    assert.ok(jsonLines(debugFile, 'log file').some((l) => l.level === 'debug' && l.msg === 'debug detail of the export'));

    // QUARRY_LOG_LEVEL=error: a successful run logs nothing; its results (stdout) stay.
    const quiet = await project.quarry(['materialize', 'raw/orders', '--partition', '2026-01-05'], { env: { ...JSON_LOGS, QUARRY_LOG_LEVEL: 'error' } });
    assertOk(quiet);
    assert.equal(quiet.stderr, '');
    assert.match(quiet.stdout, /^Run r_\S+ succeeded$/m);

    // A level that is not one names itself and the accepted ones.
    const bad = await project.quarry(['status', '--log-level', 'loud'], { env: { QUARRY_LOG_FORMAT: 'pretty' } });
    assert.equal(bad.code, 1, describeResult(bad));
    assert.match(bad.stderr, /^quarry status: --log-level "loud" is not a log level: use one of trace, debug, info, warn, error, fatal, silent\. \[QUARRY_BAD_ARGUMENT\]\n$/);
  });
});
