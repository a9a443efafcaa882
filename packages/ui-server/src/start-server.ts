import type { FastifyInstance } from 'fastify';
import { QuarryError, openInstance } from '@quarry/core';
import { buildApp } from './build-app.ts';
import type { UiInstance } from './ui-instance.ts';

/** Options of `startServer` (what `quarry serve` passes). */
export interface ServeOptions {
  /** Project directory (or quarry.config.ts); ignored when `instance` is given. */
  readonly projectDir?: string;
  /** Where state lives (default `$QUARRY_HOME` or `<projectDir>/.quarry`). */
  readonly quarryHome?: string;
  /** An already open instance to serve (it is not closed with the server). */
  readonly instance?: UiInstance;
  /** Address to bind (default 127.0.0.1); anything but loopback requires `token`. */
  readonly host?: string;
  /** Port (default 3000; 0 picks a free one). */
  readonly port?: number;
  /** Token mutating endpoints require. */
  readonly token?: string | undefined;
  /** Log requests with pino (default false). */
  readonly logger?: boolean;
}

/** A listening UI server. */
export interface RunningServer {
  readonly app: FastifyInstance;
  /** Base URL, such as `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops listening, ends event streams and closes the instance it opened. */
  close(): Promise<void>;
}

/** Checks `quarry serve` options before anything opens: port range, host shape, token rules. */
export function checkServeOptions(options: Pick<ServeOptions, 'host' | 'port' | 'token'>): { host: string; port: number } {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `--port ${String(port)} is not a port: use a whole number from 0 to 65535.`);
  }
  if (!/^[A-Za-z0-9.:[\]_-]{1,253}$/.test(host)) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `--host ${JSON.stringify(host)} is not a host name or address: use e.g. 127.0.0.1 or 0.0.0.0.`);
  }
  return { host, port };
}

/**
 * Starts the UI server over a project's state: opens the instance (the same state the CLI uses, so
 * both can run at once), builds the app and listens.
 *
 * ```ts
 * const server = await startServer({ projectDir: 'examples/hello', port: 3000 });
 * console.log(`Quarry UI at ${server.url}`);
 * ```
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { host, port } = checkServeOptions(options);
  const owned = options.instance === undefined;
  const instance: UiInstance =
    options.instance ??
    (await openInstance({
      ...(options.projectDir !== undefined ? { projectDir: options.projectDir } : {}),
      ...(options.quarryHome !== undefined ? { quarryHome: options.quarryHome } : {}),
    }));
  let app: FastifyInstance;
  try {
    app = await buildApp({ instance, token: options.token, host, logger: options.logger ?? false });
    await app.listen({ host, port });
  } catch (error) {
    if (owned) await instance.close();
    throw error;
  }
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    app,
    url: `http://${urlHost}:${boundPort}`,
    host,
    port: boundPort,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        if (owned) await instance.close();
      })()),
  };
}
