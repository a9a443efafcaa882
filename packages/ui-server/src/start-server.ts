import type { FastifyInstance } from 'fastify';
import { QuarryError, createMetricsRegistry, createQuarryLogger, openInstance, secretValuesFromEnv, type MetricsSource, type QuarryLogger } from '@quarry/core';
import { buildApp } from './build-app.ts';
import { reloadingInstance, type ReloadingInstance } from './project-reloader.ts';
import type { UiInstance } from './ui-instance.ts';

/** Options of `startServer` (what `quarry serve` passes). */
export interface ServeOptions {
  /** Project directory (or quarry.config.ts); ignored when `instance` is given. */
  readonly projectDir?: string;
  /** Where state lives (default `$QUARRY_HOME` or `<projectDir>/.quarry`). */
  readonly quarryHome?: string;
  /** The project's target to serve (default `QUARRY_TARGET`, else `dev`); see docs/targets.md. */
  readonly target?: string;
  /** An already open instance to serve (it is not closed with the server). */
  readonly instance?: UiInstance;
  /** Address to bind (default 127.0.0.1); anything but loopback requires `token`. */
  readonly host?: string;
  /** Port (default 3000; 0 picks a free one). */
  readonly port?: number;
  /** Token mutating endpoints require. */
  readonly token?: string | undefined;
  /** Token whose holders see PII values in data rows (`QUARRY_UNMASK_TOKEN`); without it PII is always masked. */
  readonly unmaskToken?: string | undefined;
  /**
   * The server's log: a Quarry logger (`createQuarryLogger`; requests are logged at info), or true to
   * log requests as JSON on stderr. Default: errors only, as JSON on stderr.
   */
  readonly logger?: boolean | QuarryLogger;
  /**
   * Reload the project definition when its .ts files change (default true when the server opens the
   * instance itself): new assets, partitions and definition changes show without a restart.
   */
  readonly watch?: boolean;
  /**
   * Serve Prometheus metrics at `/metrics` (default true when the instance can give them: an
   * `Instance`, or the one the server opens).
   */
  readonly metrics?: boolean;
}

/** A listening UI server. */
export interface RunningServer {
  readonly app: FastifyInstance;
  /** Base URL, such as `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The reloading instance behind the server, when it opened the instance itself. */
  readonly definitions?: ReloadingInstance;
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

/** The `QuarryError` of a failed `listen` (a taken port, a port below 1024, an address not on this machine). */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') {
    return new QuarryError('QUARRY_PORT_IN_USE', `Port ${port} on ${host} is in use by another process (another quarry serve?): stop it, or pick another port with --port N (--port 0 picks a free one).`, { cause: error });
  }
  if (code === 'EACCES') {
    return new QuarryError('QUARRY_BAD_ARGUMENT', `Port ${port} on ${host} needs privileges this process lacks: pick a port above 1023 with --port N.`, { cause: error });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new QuarryError('QUARRY_BAD_ARGUMENT', `--host ${host} is not an address of this machine (${code}): use 127.0.0.1, or 0.0.0.0 for every interface.`, { cause: error });
  }
  return error;
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
      ...(options.target !== undefined ? { target: options.target } : {}),
    }));
  // An instance the server opened reloads its definition on file changes (see project-reloader.ts).
  const reloading = owned ? reloadingInstance(instance, { ...(options.quarryHome !== undefined ? { quarryHome: options.quarryHome } : {}), ...(options.target !== undefined ? { target: options.target } : {}), watch: options.watch ?? true }) : undefined;
  const served = reloading?.instance ?? instance;
  let app: FastifyInstance | undefined;
  try {
    // Errors (500s) always go to stderr, so "the server log has the details" is true of `quarry serve`.
    // Every line goes through Quarry's logger: the serve token and the environment's secrets never appear in it.
    const secrets = [...secretValuesFromEnv(process.env), ...(options.token !== undefined ? [options.token] : [])];
    const logger = typeof options.logger === 'object' ? options.logger : createQuarryLogger({ stream: process.stderr, level: options.logger === true ? 'info' : 'error', format: 'json', secrets });
    // Metrics read the catalog of whichever definition is served (the reloading proxy forwards to it).
    const metrics = options.metrics !== false && isMetricsSource(served) ? createMetricsRegistry(served) : undefined;
    app = await buildApp({
      instance: served,
      ...(reloading ? { definitions: reloading.state } : {}),
      ...(metrics ? { metrics } : {}),
      token: options.token,
      ...(options.unmaskToken !== undefined ? { unmaskToken: options.unmaskToken } : {}),
      host,
      loggerInstance: logger,
    });
    await app.listen({ host, port });
  } catch (error) {
    await app?.close();
    if (reloading) await reloading.close();
    else if (owned) await instance.close();
    throw listenError(error, host, port);
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
    ...(reloading ? { definitions: reloading } : {}),
    close: () =>
      (closing ??= (async () => {
        await app.close();
        if (reloading) await reloading.close();
        else if (owned) await instance.close();
      })()),
  };
}

// A served instance that can feed the metrics: core's `Instance` (or the reloading proxy over one).
function isMetricsSource(instance: UiInstance): instance is UiInstance & MetricsSource {
  const candidate = instance as Partial<MetricsSource>;
  return typeof candidate.catalog === 'object' && candidate.catalog !== null && typeof candidate.partitionsContext === 'function' && typeof candidate.qualityScores === 'function';
}
