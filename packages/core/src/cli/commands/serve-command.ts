import { QuarryError } from '../../errors.ts';
import type { QuarryLogger } from '../../observability/index.ts';
import { cliLog } from '../cli-logger.ts';
import { writeLine } from '../cli-io.ts';
import { flag, stringOption, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { DAEMON_OPTIONS, startCliDaemon } from './daemon-command.ts';

interface UiServerModule {
  startServer(options: { projectDir: string; quarryHome?: string; target?: string; host?: string; port?: number; token?: string; unmaskToken?: string; logger?: QuarryLogger }): Promise<{ url: string; close(): Promise<void> }>;
}

/**
 * `quarry serve [--host 127.0.0.1] [--port 3000] [--token T] [--unmask-token U]`: the web UI and HTTP API over this project.
 * The server lives in `@quarry/ui-server`, loaded only here, so the core never depends on it.
 */
export const serveCommand: Command = {
  name: 'serve',
  usage: 'quarry serve [--host 127.0.0.1] [--port 3000] [--token TOKEN] [--unmask-token TOKEN] [--daemon]',
  summary: 'start the web UI and HTTP API (binds 127.0.0.1; another host needs --token)',
  options: {
    host: { type: 'string', help: 'address to bind', defaultText: '127.0.0.1' },
    port: { type: 'string', help: 'port (0 picks a free one)', default: '3000' },
    token: { type: 'string', help: 'token required by mutating requests (required off loopback)', defaultText: 'the QUARRY_TOKEN environment variable' },
    'unmask-token': { type: 'string', help: 'a separate token whose holders see PII values in data rows (otherwise masked for everyone)', defaultText: 'the QUARRY_UNMASK_TOKEN environment variable' },
    daemon: { type: 'boolean', help: 'also run the automation daemon in this process (see quarry daemon)' },
    ...DAEMON_OPTIONS,
  },
  maxPositionals: 0,
  async run(args, io) {
    const portText = stringOption(args, 'port') ?? '3000';
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new QuarryError('QUARRY_BAD_ARGUMENT', `--port must be a whole number from 0 to 65535, got "${portText}".`);
    const specifier = '@quarry/ui-server';
    let module: UiServerModule;
    try {
      module = (await import(specifier)) as UiServerModule;
    } catch (error) {
      throw new QuarryError('QUARRY_BAD_CONFIG', `The web UI package @quarry/ui-server is not installed here: run npm install at the repository root. (${(error as Error).message})`);
    }
    const token = stringOption(args, 'token') ?? io.env.QUARRY_TOKEN;
    const unmaskToken = stringOption(args, 'unmask-token') ?? io.env.QUARRY_UNMASK_TOKEN;
    const host = stringOption(args, 'host');
    const server = await module.startServer({
      projectDir: stringOption(args, 'project') ?? io.cwd,
      ...(io.env.QUARRY_HOME ? { quarryHome: io.env.QUARRY_HOME } : {}),
      ...((stringOption(args, 'target') ?? io.env.QUARRY_TARGET) ? { target: (stringOption(args, 'target') ?? io.env.QUARRY_TARGET)! } : {}),
      ...(host !== undefined ? { host } : {}),
      port,
      ...(token !== undefined ? { token } : {}),
      ...(unmaskToken !== undefined ? { unmaskToken } : {}),
      // The server's lines (requests, errors) go through the command's logger: its level, format and secrets.
      logger: cliLog(io),
    });
    writeLine(io.stdout, `Quarry UI at ${server.url} (Ctrl-C to stop)`);
    // The daemon runs in this process, over its own instance of the same project and catalog.
    const controller = new AbortController();
    const daemonInstance = flag(args, 'daemon') ? await openCliInstance(args, io) : undefined;
    const daemon = daemonInstance !== undefined ? startCliDaemon(daemonInstance, args, io, controller.signal) : undefined;
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        controller.abort();
        void Promise.all([server.close(), daemon?.done.then(() => daemonInstance?.close())]).then(() => resolve(), () => resolve());
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
