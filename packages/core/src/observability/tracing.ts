import { ROOT_CONTEXT, SpanStatusCode, TraceFlags, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { QuarryError } from '../errors.ts';

/** Quarry's traces: a tracer (a no-op one when tracing is off) and how to flush and stop it. */
export interface Tracing {
  /** False when no exporter is configured: spans cost next to nothing and no trace id is recorded. */
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** Exports the spans ended so far. */
  flush(): Promise<void>;
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

/** Options of `createTracing`. */
export interface TracingConfig {
  /** Export to this exporter (tests pass an `InMemorySpanExporter`), whatever the environment says. */
  readonly exporter?: SpanExporter;
  /** The environment read for `OTEL_*` settings (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

/** Tracing off: the OpenTelemetry API's no-op tracer, no SDK loaded. */
export const TRACING_OFF: Tracing = Object.freeze({
  enabled: false,
  tracer: trace.getTracer('quarry'),
  flush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
});

/**
 * Creates Quarry's tracing from the standard OpenTelemetry variables: `OTEL_TRACES_EXPORTER`
 * (`otlp`, `console`, `none`; a comma list for several; unset means off), `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * or `OTEL_EXPORTER_OTLP_ENDPOINT` (+ `/v1/traces`; default `http://localhost:4318/v1/traces`),
 * `OTEL_SERVICE_NAME` (default `quarry`) and `OTEL_SDK_DISABLED=true`. The SDK is imported only when
 * tracing is on. An unknown exporter name throws `QUARRY_BAD_CONFIG`.
 *
 * ```ts
 * const exporter = new InMemorySpanExporter();
 * const instance = await openInstance({ projectDir, tracing: await createTracing({ exporter }) });
 * ```
 */
export async function createTracing(config: TracingConfig = {}): Promise<Tracing> {
  const env = config.env ?? process.env;
  const exporters: { exporter: SpanExporter; batch: boolean }[] = [];
  if (config.exporter !== undefined) {
    exporters.push({ exporter: config.exporter, batch: false });
  } else {
    if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return TRACING_OFF;
    const names = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
    if (names.length === 0 || names.includes('none')) return TRACING_OFF;
    for (const name of names) {
      if (name === 'console') {
        const { ConsoleSpanExporter } = await import('@opentelemetry/sdk-trace-base');
        exporters.push({ exporter: new ConsoleSpanExporter(), batch: false });
      } else if (name === 'otlp') {
        const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
        exporters.push({ exporter: new OTLPTraceExporter({ url: otlpTracesEndpoint(env) }), batch: true });
      } else {
        throw new QuarryError('QUARRY_BAD_CONFIG', `OTEL_TRACES_EXPORTER names ${JSON.stringify(name)}, which Quarry does not export to: use otlp, console or none (or unset it to turn tracing off).`);
      }
    }
  }
  const sdk = await import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const provider = new sdk.BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || 'quarry' }),
    spanProcessors: exporters.map(({ exporter, batch }) => (batch ? new sdk.BatchSpanProcessor(exporter) : new sdk.SimpleSpanProcessor(exporter))),
  });
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    tracer: provider.getTracer('quarry'),
    flush: () => provider.forceFlush(),
    shutdown: () => (stopped ??= provider.shutdown()),
  };
}

/** Where OTLP/HTTP traces go, from the standard variables. */
export function otlpTracesEndpoint(env: NodeJS.ProcessEnv): string {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) return `${base.replace(/\/+$/, '')}/v1/traces`;
  return 'http://localhost:4318/v1/traces';
}

/** Starts a span named `name`, the child of `parent` (a root span when absent). */
export function startSpan(tracing: Tracing, name: string, parent: Span | undefined, attributes: Attributes = {}): Span {
  return tracing.tracer.startSpan(name, { attributes }, parent === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, parent));
}

/** Marks a span failed with `error` (its message and, for a QuarryError, its code). */
export function recordSpanError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') span.setAttribute('quarry.error_code', code);
}

/**
 * Runs `work` inside a new span (child of `parent`), ending it when the work settles; a throw marks
 * the span failed and is rethrown.
 */
export async function inSpan<T>(tracing: Tracing, name: string, parent: Span | undefined, attributes: Attributes, work: (span: Span) => Promise<T> | T): Promise<T> {
  const span = startSpan(tracing, name, parent, attributes);
  try {
    return await work(span);
  } catch (error) {
    recordSpanError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** The trace id of a sampled span, or undefined (tracing off, or not sampled). */
export function traceIdOf(span: Span): string | undefined {
  const context = span.spanContext();
  return trace.isSpanContextValid(context) && (context.traceFlags & TraceFlags.SAMPLED) !== 0 ? context.traceId : undefined;
}

/** The span names Quarry emits, parent before child. */
export const SPAN_NAMES = {
  run: 'quarry.run',
  step: 'quarry.step',
  partition: 'quarry.partition',
  engineQuery: 'quarry.engine.query',
  check: 'quarry.check',
  catalogCommit: 'quarry.catalog.commit',
} as const;
