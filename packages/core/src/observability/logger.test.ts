import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ExecutionEvent } from '../execution/index.ts';
import { isQuarryError } from '../errors.ts';
import { resolveLogSettings } from './log-settings.ts';
import { createQuarryLogger, redactFields } from './logger.ts';
import { logExecutionEvent, openRunLog, pruneRunLogs } from './run-log.ts';
import { createSecretScrubber, redactValue, secretValuesFromEnv } from './secret-scrubber.ts';

function capture(): { text: () => string; lines: () => Record<string, unknown>[]; stream: { write(s: string): boolean } } {
  const chunks: string[] = [];
  return {
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
    stream: { write: (s: string) => (chunks.push(s), true) },
  };
}

test('a JSON line has the level as a word, an ISO time, msg and the given fields', () => {
  const out = capture();
  const log = createQuarryLogger({ stream: out.stream, format: 'json', fields: { run_id: 'r_1' } });
  log.info({ step: 'raw/orders[2026-01-01]', asset: 'raw/orders', partition: '2026-01-01', attempt: 2 }, 'step started');
  log.debug('not written at info');
  const [line, ...rest] = out.lines();
  assert.equal(rest.length, 0);
  assert.deepEqual(Object.keys(line!), ['level', 'time', 'run_id', 'step', 'asset', 'partition', 'attempt', 'msg']);
  assert.equal(line!.level, 'info');
  assert.match(String(line!.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(line!.msg, 'step started');
  assert.equal(line!.attempt, 2);
});

test('secret fields are redacted at any of the first three levels, PII-tagged columns too, and HTTP credentials', () => {
  const out = capture();
  const log = createQuarryLogger({ stream: out.stream, format: 'json', redactKeys: ['customer_id', 'e-mail'] });
  log.info({ token: 't1', data: { password: 'p1', customer_id: 'c-1', 'e-mail': 'a@b.c', keep: 'k' }, deep: { x: { apiKey: 'k1', credentials: { a: 1 } } } }, 'one');
  log.info({ req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1', 'x-quarry-token': 'xyz', accept: '*/*' } } }, 'two');
  const [one, two] = out.lines();
  assert.deepEqual(one, { ...one, token: '[REDACTED]', data: { password: '[REDACTED]', customer_id: '[REDACTED]', 'e-mail': '[REDACTED]', keep: 'k' }, deep: { x: { apiKey: '[REDACTED]', credentials: '[REDACTED]' } } });
  assert.deepEqual((two!.req as { headers: unknown }).headers, { authorization: '[REDACTED]', cookie: '[REDACTED]', 'x-quarry-token': '[REDACTED]', accept: '*/*' });
});

test('secret values are scrubbed wherever they appear in a line: message, nested strings, error stacks, JSON-escaped', () => {
  const out = capture();
  const quoted = 'pa"ss\\word-42';
  const log = createQuarryLogger({ stream: out.stream, format: 'json', secrets: ['s3cr3t-token', quoted, 'short'] });
  log.error({ url: '/api/runs?token=s3cr3t-token', note: `with ${quoted}`, err: new Error('auth s3cr3t-token refused') }, 'login with s3cr3t-token failed; short stays');
  const text = out.text();
  assert.ok(!text.includes('s3cr3t-token') && !text.includes(JSON.stringify(quoted).slice(1, -1)), text);
  const [line] = out.lines();
  assert.equal(line!.msg, 'login with [REDACTED] failed; short stays');
  assert.equal(line!.url, '/api/runs?token=[REDACTED]');
  assert.equal(line!.note, 'with [REDACTED]');
  assert.match(String((line!.err as { stack: string }).stack), /^Error: auth \[REDACTED\] refused/);
});

test('the pretty format writes the message alone, one line per call, secrets scrubbed', () => {
  const out = capture();
  const log = createQuarryLogger({ stream: out.stream, format: 'pretty', level: 'debug', secrets: ['s3cr3t-token'] });
  log.info({ run_id: 'r_1', step: 'a[1]', asset: 'a', partition: '1', attempt: 1, event: 'step_succeeded' }, '✓ a [1] 0.4s');
  log.error({ err_code: 'QUARRY_BAD_ARGUMENT' }, 'quarry plan: bad s3cr3t-token');
  log.debug('two\nlines');
  assert.equal(out.text(), '✓ a [1] 0.4s\nquarry plan: bad [REDACTED]\ntwo\nlines\n');
});

test('redactValue scrubs strings and redacts named fields at any depth', () => {
  const scrub = createSecretScrubber(['tok-123456']);
  assert.deepEqual(redactValue({ a: 'x tok-123456', b: [{ token: 'y' }, 'tok-123456'], c: 3, d: null }, scrub, new Set(['token'])), { a: 'x [REDACTED]', b: [{ token: '[REDACTED]' }, '[REDACTED]'], c: 3, d: null });
});

test('secretValuesFromEnv takes the values of secret-looking names of 6 characters or more', () => {
  const env = { QUARRY_TOKEN: 'serve-token-1', SMTP_PASSWORD: 'hunter22', PAGERDUTY_ROUTING_KEY: 'rk-000001', GCP_API_KEY: 'k', HOME: '/home/me', AWS_SECRET_ACCESS_KEY: 'abcdefgh', SLACK_WEBHOOK_URL: 'https://hooks.example/T0/B0/x', GIT_AUTHOR_NAME: 'Jane Author', TOKENIZER_MODEL: 'bpe-large' };
  assert.deepEqual(secretValuesFromEnv(env).sort(), ['abcdefgh', 'https://hooks.example/T0/B0/x', 'hunter22', 'rk-000001', 'serve-token-1']);
});

test('log settings: option over environment over defaults (info; pretty on a terminal, json elsewhere); bad values name themselves', () => {
  assert.deepEqual(resolveLogSettings({ isTTY: true, env: {} }), { level: 'info', levelGiven: false, format: 'pretty' });
  assert.deepEqual(resolveLogSettings({ isTTY: false, env: {} }), { level: 'info', levelGiven: false, format: 'json' });
  assert.deepEqual(resolveLogSettings({ isTTY: false, env: { QUARRY_LOG_LEVEL: 'WARN', QUARRY_LOG_FORMAT: 'pretty' } }), { level: 'warn', levelGiven: true, format: 'pretty' });
  assert.deepEqual(resolveLogSettings({ level: 'debug', format: 'json', isTTY: true, env: { QUARRY_LOG_LEVEL: 'warn', QUARRY_LOG_FORMAT: 'pretty' } }), { level: 'debug', levelGiven: true, format: 'json' });
  assert.deepEqual(resolveLogSettings({ isTTY: true, env: { QUARRY_LOG_LEVEL: ' ', QUARRY_LOG_FORMAT: '' } }), { level: 'info', levelGiven: false, format: 'pretty' });
  assert.throws(
    () => resolveLogSettings({ level: 'loud', isTTY: false, env: {} }),
    (e: unknown) => isQuarryError(e, 'QUARRY_BAD_ARGUMENT') && e.message === '--log-level "loud" is not a log level: use one of trace, debug, info, warn, error, fatal, silent.',
  );
  assert.throws(
    () => resolveLogSettings({ isTTY: false, env: { QUARRY_LOG_FORMAT: 'xml' } }),
    (e: unknown) => isQuarryError(e, 'QUARRY_BAD_ARGUMENT') && e.message === 'QUARRY_LOG_FORMAT "xml" is not a log format: use pretty or json.',
  );
});

test('redactFields redacts named fields at any depth without changing the caller objects, and copies nothing when there is nothing to redact', () => {
  const keys = new Set(['token', 'email']);
  const clean = { a: 1, b: { c: [1, { d: 'x' }] } };
  assert.equal(redactFields(clean, keys), clean);
  const error = Object.assign(new Error('boom'), { token: 'kept on an Error: pino serializes it, the value scrubber covers it' });
  const input = { list: [{ email: 'a@b.c' }, 'x'], deep: { x: { y: { z: { token: 't' } } } }, err: error };
  const out = redactFields(input, keys);
  assert.deepEqual(out, { list: [{ email: '[REDACTED]' }, 'x'], deep: { x: { y: { z: { token: '[REDACTED]' } } } }, err: error });
  assert.deepEqual(input.list[0], { email: 'a@b.c' });
  assert.equal(input.deep.x.y.z.token, 't');
});

test('the pretty format names the request of a server line', () => {
  const out = capture();
  const log = createQuarryLogger({ stream: out.stream, format: 'pretty' });
  log.info({ reqId: 'req-1', req: { method: 'GET', url: '/api/runs' } }, 'incoming request');
  log.info({ reqId: 'req-1', res: { statusCode: 200 }, responseTime: 3.2 }, 'request completed');
  assert.equal(out.text(), 'incoming request: GET /api/runs\nrequest completed: → 200 in 3 ms\n');
});

test('a step event at a disabled level builds no log line: its fields are never read', () => {
  const home = mkdtempSync(join(tmpdir(), 'quarry-runlog-'));
  try {
    const log = openRunLog({ home, runId: 'r1', level: 'warn' });
    let read = 0;
    const event = { type: 'step_started', runId: 'r1', time: 0, get stepId() { read++; return 's1'; }, assetKey: 'a', partition: '', attempt: 1 } as unknown as ExecutionEvent;
    logExecutionEvent(log.logger, event, 'a started');
    assert.equal(read, 0, 'info is off at level warn');
    const on = openRunLog({ home, runId: 'r2', level: 'info' });
    logExecutionEvent(on.logger, event, 'a started');
    assert.ok(read > 0, 'read when the level is on');
    on.close();
    log.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('pruneRunLogs deletes the logs of runs finished by the cutoff and of unknown runs last written before it; running runs keep theirs', () => {
  const home = mkdtempSync(join(tmpdir(), 'quarry-prune-logs-'));
  try {
    const cutoff = new Date('2026-06-01T00:00:00Z');
    const before = new Date(cutoff.getTime() - 86_400_000);
    const after = new Date(cutoff.getTime() + 86_400_000);
    mkdirSync(join(home, 'logs'));
    const runs: Record<string, Date | null> = { r_old: before, r_at_cutoff: cutoff, r_recent: after, r_running: null };
    for (const runId of [...Object.keys(runs), 'r_unknown_old', 'r_unknown_new']) writeFileSync(join(home, 'logs', `${runId}.jsonl`), `{"run_id":"${runId}"}\n`);
    utimesSync(join(home, 'logs', 'r_unknown_old.jsonl'), before, before);
    utimesSync(join(home, 'logs', 'r_unknown_new.jsonl'), after, after);
    // Not a run log: left alone whatever its age.
    writeFileSync(join(home, 'logs', 'notes.txt'), 'x');
    utimesSync(join(home, 'logs', 'notes.txt'), before, before);
    const finishedAt = (runId: string) => (runId in runs ? runs[runId] : undefined);

    const dryRun = pruneRunLogs(home, cutoff, finishedAt, { dryRun: true });
    assert.equal(dryRun.files, 3);
    assert.equal(readdirSync(join(home, 'logs')).length, 7, 'a dry run deletes nothing');
    assert.deepEqual(pruneRunLogs(home, cutoff, finishedAt), dryRun);
    assert.deepEqual(readdirSync(join(home, 'logs')).sort(), ['notes.txt', 'r_recent.jsonl', 'r_running.jsonl', 'r_unknown_new.jsonl']);
    assert.deepEqual(pruneRunLogs(join(home, 'nowhere'), cutoff, finishedAt), { files: 0, bytes: 0 }, 'no logs folder: nothing to do');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
