import { z } from 'zod';
import { eventSchema, runParamsSchema } from './api-schemas.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import { isFinalStatus, runSummary } from './run-summary.ts';
import type { UiInstance } from './ui-instance.ts';

/** Timing of the run event stream. */
export interface RunEventStreamConfig {
  /** How often the catalog is polled for events written by other processes (ms, default 500). */
  readonly pollMs?: number;
  /** How often a comment line keeps idle connections open through proxies (ms, default 15,000). */
  readonly heartbeatMs?: number;
  /** Open streams register their closer here so the server can end them when it shuts down. */
  readonly openStreams?: Set<() => void>;
}

const streamQuerySchema = z.strictObject({
  afterId: z
    .string()
    .regex(/^\d{1,13}$/, { error: 'must be a whole number (an event id)' })
    .transform(Number)
    .optional(),
});

/**
 * The server-sent-events stream of one run: `log` events (every run event, in id order, each with
 * its id so a reconnecting client resumes after the last one it saw), `run` events when the run's
 * status changes, and a final `end` event once the run has finished and every event was sent.
 *
 * Events of runs in this process wake the stream at once (`onEvent`); the catalog is also polled
 * with a cursor, so runs started by the CLI or another server stream too.
 */
export function runEventStreamRoute(instance: UiInstance, config: RunEventStreamConfig = {}): ApiRoute {
  const pollMs = config.pollMs ?? 500;
  const heartbeatMs = config.heartbeatMs ?? 15_000;
  return defineRoute({
    method: 'GET',
    url: '/api/runs/:runId/events',
    tag: 'runs',
    summary:
      'Server-sent events of a run (text/event-stream): `log` per run event (id = event id; resume with Last-Event-ID or ?afterId), `run` on status changes, `end` when finished.',
    params: runParamsSchema,
    query: streamQuerySchema,
    response: eventSchema,
    stream: true,
    handle: ({ params, query, request, reply }) => {
      const { runId } = params;
      let lastStatus = instance.getRun(runId).status;
      const lastEventId = request.headers['last-event-id'];
      let cursor = query.afterId ?? (typeof lastEventId === 'string' && /^\d{1,13}$/.test(lastEventId) ? Number(lastEventId) : 0);

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
      });
      raw.write(`retry: 2000\n\nevent: run\ndata: ${JSON.stringify(runSummary(instance.getRun(runId)))}\n\n`);

      let closed = false;
      let scheduled = false;
      const cleanups: (() => void)[] = [];
      const close = () => {
        if (closed) return;
        closed = true;
        config.openStreams?.delete(close);
        for (const cleanup of cleanups) cleanup();
        raw.end();
      };

      const flush = () => {
        scheduled = false;
        if (closed) return;
        try {
          for (;;) {
            const events = instance.listEvents({ runId, afterId: cursor, limit: 500 });
            for (const event of events) {
              raw.write(`id: ${event.id}\nevent: log\ndata: ${JSON.stringify(event)}\n\n`);
              cursor = event.id;
            }
            if (events.length < 500) break;
          }
          const run = instance.getRun(runId);
          if (run.status !== lastStatus) {
            lastStatus = run.status;
            raw.write(`event: run\ndata: ${JSON.stringify(runSummary(run))}\n\n`);
          }
          if (isFinalStatus(run.status)) {
            // A last read after seeing the final status catches events committed just before it.
            for (const event of instance.listEvents({ runId, afterId: cursor, limit: 5000 })) {
              raw.write(`id: ${event.id}\nevent: log\ndata: ${JSON.stringify(event)}\n\n`);
              cursor = event.id;
            }
            raw.write(`event: end\ndata: ${JSON.stringify({ runId, status: run.status })}\n\n`);
            close();
          }
        } catch (error) {
          request.log.error({ err: error, runId }, 'run event stream failed');
          raw.write(`event: error\ndata: ${JSON.stringify({ message: 'The event stream failed; reload to resume.' })}\n\n`);
          close();
        }
      };
      const schedule = () => {
        if (scheduled || closed) return;
        scheduled = true;
        setImmediate(flush);
      };

      cleanups.push(instance.onEvent((event) => event.runId === runId && schedule()));
      const poll = setInterval(schedule, pollMs);
      const heartbeat = setInterval(() => !closed && raw.write(': keep-alive\n\n'), heartbeatMs);
      cleanups.push(() => clearInterval(poll), () => clearInterval(heartbeat));
      config.openStreams?.add(close);
      // The response's close (not the request's, which fires once a GET is read) means the client left.
      raw.on('close', close);
      flush();
      return undefined;
    },
  });
}
