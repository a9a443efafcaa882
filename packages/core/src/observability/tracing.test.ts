import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { isQuarryError } from '../errors.ts';
import { createTracing, inSpan, otlpTracesEndpoint, startSpan, traceIdOf, TRACING_OFF } from './tracing.ts';

test('tracing is off unless OTEL_TRACES_EXPORTER names an exporter (and OTEL_SDK_DISABLED is not true)', async () => {
  for (const env of [{}, { OTEL_TRACES_EXPORTER: 'none' }, { OTEL_TRACES_EXPORTER: ' ' }, { OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }]) {
    const tracing = await createTracing({ env });
    assert.equal(tracing, TRACING_OFF, JSON.stringify(env));
    const span = startSpan(tracing, 'quarry.run', undefined);
    assert.equal(traceIdOf(span), undefined, 'a span of tracing off has no trace id');
    span.end();
  }
});

test('an exporter Quarry does not know is refused, naming it', async () => {
  await assert.rejects(createTracing({ env: { OTEL_TRACES_EXPORTER: 'otlp,zipkin' } }), (e: unknown) => isQuarryError(e, 'QUARRY_BAD_CONFIG') && /"zipkin"/.test(e.message) && /otlp, console or none/.test(e.message));
});

test('the OTLP/HTTP traces endpoint follows the standard variables', () => {
  assert.equal(otlpTracesEndpoint({}), 'http://localhost:4318/v1/traces');
  assert.equal(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }), 'http://collector:4318/v1/traces');
  assert.equal(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:9999/traces' }), 'http://other:9999/traces');
});

test('inSpan nests spans under their parent, ends them, and marks a throw as an error with its code', async () => {
  const exporter = new InMemorySpanExporter();
  const tracing = await createTracing({ exporter, env: { OTEL_SERVICE_NAME: 'svc-test' } });
  const root = startSpan(tracing, 'quarry.run', undefined, { 'quarry.run_id': 'r_1' });
  await inSpan(tracing, 'quarry.step', root, {}, async (step) => {
    await assert.rejects(inSpan(tracing, 'quarry.engine.query', step, {}, () => Promise.reject(Object.assign(new Error('boom'), { code: 'QUARRY_SQL_ERROR' }))));
  });
  root.end();
  const spans = exporter.getFinishedSpans();
  const byName = new Map(spans.map((s) => [s.name, s]));
  assert.deepEqual([...byName.keys()].sort(), ['quarry.engine.query', 'quarry.run', 'quarry.step']);
  assert.equal(byName.get('quarry.step')!.parentSpanContext?.spanId, root.spanContext().spanId);
  assert.equal(byName.get('quarry.engine.query')!.parentSpanContext?.spanId, byName.get('quarry.step')!.spanContext().spanId);
  assert.equal(byName.get('quarry.engine.query')!.status.code, 2);
  assert.equal(byName.get('quarry.engine.query')!.attributes['quarry.error_code'], 'QUARRY_SQL_ERROR');
  assert.equal(traceIdOf(root), root.spanContext().traceId);
  assert.equal(byName.get('quarry.run')!.resource.attributes['service.name'], 'svc-test');
  await tracing.shutdown();
});
