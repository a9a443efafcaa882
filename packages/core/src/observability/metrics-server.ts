import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { QuarryError } from '../errors.ts';

/** Options of `startMetricsServer`. */
export interface MetricsServerConfig {
  /** The registry to expose (see `createMetricsRegistry`). */
  readonly registry: Pick<Registry, 'metrics' | 'contentType'>;
  /** Address to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Port (default 9464, the OpenTelemetry Prometheus exporter's; 0 picks a free one). */
  readonly port?: number;
}

/** A listening metrics endpoint. */
export interface RunningMetricsServer {
  /** The scrape URL, such as `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * A minimal HTTP server answering `GET /metrics` (and `HEAD`) with the registry in the Prometheus
 * text format, for processes without the UI server (`quarry daemon`). Anything else is 404.
 *
 * ```ts
 * const metrics = await startMetricsServer({ registry: createMetricsRegistry(instance), port: 9464 });
 * // scrape_configs: - targets: ['127.0.0.1:9464']
 * ```
 */
export async function startMetricsServer(config: MetricsServerConfig): Promise<RunningMetricsServer> {
  const host = config.host ?? '127.0.0.1';
  const port = config.port ?? 9464;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `Metrics port ${String(port)} is not a port: use a whole number from 0 to 65535 (0 picks a free one).`);
  }
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: metrics are served at GET /metrics.\n');
      return;
    }
    config.registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': config.registry.contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`Collecting metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new QuarryError('QUARRY_PORT_IN_USE', `Metrics port ${port} on ${host} is in use by another process: pick another port (0 picks a free one).`, { cause: error })
          : error,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${bound}/metrics`,
    port: bound,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
