import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { OpenLineageTransportConfig, ProjectLineageConfig } from '../../definitions/index.ts';
import { QuarryError } from '../../errors.ts';
import type { OpenLineageRunEvent } from './openlineage-types.ts';

/** Where events go. `send` never throws and never rejects: lineage must not fail a run. */
export interface OpenLineageTransport {
  /** A short description for logs (`file /x/events.ndjson`, `http http://…/api/v1/lineage`). */
  readonly description: string;
  send(event: OpenLineageRunEvent): void;
  /** Resolves once every event handed to `send` was delivered or given up on. */
  flush(): Promise<void>;
}

/**
 * Appends one JSON line per event to an NDJSON file (created with its folder on first write). The file
 * stays open between events (one `write` per line, no open/close per event) until `flush`, which
 * closes it; the next event opens it again. Lines are handed to the OS as they come, so a crashed
 * process loses none, and nothing waits for the disk (no fsync).
 */
export class FileOpenLineageTransport implements OpenLineageTransport {
  readonly path: string;
  readonly description: string;
  #fd: number | undefined;
  #warned = false;

  constructor(path: string) {
    this.path = path;
    this.description = `file ${path}`;
  }

  send(event: OpenLineageRunEvent): void {
    const line = `${JSON.stringify(event)}\n`;
    try {
      if (this.#fd === undefined) {
        mkdirSync(dirname(this.path), { recursive: true });
        this.#fd = openSync(this.path, 'a');
      }
      // One write per line, appended (O_APPEND): concurrent processes of one project interleave whole lines.
      writeSync(this.#fd, line);
    } catch (error) {
      this.#close();
      if (!this.#warned) process.emitWarning(`OpenLineage events could not be written to ${this.path}: ${error instanceof Error ? error.message : String(error)}`);
      this.#warned = true;
    }
  }

  /** Closes the file (every line was written already); a later event opens it again. */
  flush(): Promise<void> {
    this.#close();
    return Promise.resolve();
  }

  #close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing left to release.
    }
  }
}

/** Writes each event as one JSON line to a stream (stderr by default, so command output stays clean). */
export class ConsoleOpenLineageTransport implements OpenLineageTransport {
  readonly description = 'console';
  readonly #write: (line: string) => void;

  constructor(write: (line: string) => void = (line) => process.stderr.write(line)) {
    this.#write = write;
  }

  send(event: OpenLineageRunEvent): void {
    this.#write(`${JSON.stringify(event)}\n`);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Options of `HttpOpenLineageTransport`. */
export interface HttpOpenLineageTransportConfig {
  readonly url: string;
  readonly endpoint?: string;
  readonly apiKey?: string;
  readonly maxAttempts?: number;
  readonly timeoutMs?: number;
  /** Waits between tries in ms (default 250, 1000, 4000). */
  readonly backoffMs?: readonly number[];
  /** How long sending pauses once `PAUSE_AFTER_DROPS` events in a row were dropped (default 60 s). */
  readonly pauseMs?: number;
}

/**
 * POSTs each event as JSON to `${url}/api/v1/lineage` (Marquez, DataHub, OpenMetadata, the
 * OpenLineage proxy). Events go out one at a time in order; a failed POST (network error, 5xx, 429)
 * is tried again, then dropped. Once `PAUSE_AFTER_DROPS` events in a row were dropped the receiver is
 * taken to be down: events are dropped at once for `pauseMs`, then sending resumes. The first drop
 * and, at `flush`, the number dropped since are reported as process warnings. Nothing here fails a run.
 */
export class HttpOpenLineageTransport implements OpenLineageTransport {
  readonly endpoint: string;
  readonly description: string;
  /** Events given up on (after every try, or while the receiver was taken to be down). */
  dropped = 0;
  /** Events the receiver accepted. */
  delivered = 0;
  readonly #config: HttpOpenLineageTransportConfig;
  #queue: Promise<void> = Promise.resolve();
  #droppedInRow = 0;
  #pausedUntil = 0;
  #reported = 0;
  #lastError = '';

  constructor(config: HttpOpenLineageTransportConfig) {
    this.#config = config;
    this.endpoint = `${config.url.replace(/\/+$/, '')}${config.endpoint ?? '/api/v1/lineage'}`;
    this.description = `http ${this.endpoint}`;
  }

  send(event: OpenLineageRunEvent): void {
    const body = JSON.stringify(event);
    this.#queue = this.#queue.then(() => this.#deliver(body));
  }

  /** Waits for the events sent so far, at most `timeoutMs` (default 15 s): a slow receiver does not hold a command open. */
  async flush(timeoutMs = 15_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([this.#queue, timeout]);
    clearTimeout(timer);
    if (this.dropped > this.#reported) {
      process.emitWarning(`${this.dropped - this.#reported} OpenLineage event(s) not delivered to ${this.endpoint}: ${this.#lastError}`);
      this.#reported = this.dropped;
    }
  }

  async #deliver(body: string): Promise<void> {
    if (Date.now() < this.#pausedUntil) {
      this.dropped++;
      return;
    }
    const error = await this.#post(body);
    if (error === undefined) {
      this.delivered++;
      this.#droppedInRow = 0;
      return;
    }
    this.dropped++;
    this.#lastError = error;
    this.#droppedInRow++;
    if (this.dropped === 1) {
      process.emitWarning(`OpenLineage event not delivered to ${this.endpoint}: ${error}`);
      this.#reported = 1;
    }
    if (this.#droppedInRow >= PAUSE_AFTER_DROPS) {
      this.#pausedUntil = Date.now() + (this.#config.pauseMs ?? 60_000);
      this.#droppedInRow = 0;
    }
  }

  /** One event with its tries; the last error, or undefined once delivered. */
  async #post(body: string): Promise<string | undefined> {
    const attempts = Math.max(1, this.#config.maxAttempts ?? 3);
    const backoff = this.#config.backoffMs ?? [250, 1000, 4000];
    let last = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(this.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(this.#config.apiKey ? { authorization: `Bearer ${this.#config.apiKey}` } : {}) },
          body,
          signal: AbortSignal.timeout(this.#config.timeoutMs ?? 5000),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return undefined;
        last = `HTTP ${response.status}`;
        // A 4xx other than 429 means the receiver refuses this event: another try gets the same answer.
        if (response.status < 500 && response.status !== 429) break;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (attempt < attempts) await new Promise((r) => setTimeout(r, backoff[Math.min(attempt - 1, backoff.length - 1)] ?? 1000));
    }
    return last;
  }
}

/** Events dropped in a row after which the HTTP transport pauses sending. */
const PAUSE_AFTER_DROPS = 3;

/** What `createOpenLineageTransport` reads besides the project setting. */
export interface OpenLineageTransportEnvironment {
  readonly OPENLINEAGE_URL?: string | undefined;
  readonly OPENLINEAGE_API_KEY?: string | undefined;
  readonly OPENLINEAGE_ENDPOINT?: string | undefined;
  readonly OPENLINEAGE_DISABLED?: string | undefined;
}

/**
 * The transport of a project: `OPENLINEAGE_DISABLED=true` turns emission off; `OPENLINEAGE_URL`
 * (with `OPENLINEAGE_API_KEY`, `OPENLINEAGE_ENDPOINT`) sends over HTTP whatever the project says;
 * otherwise the project's `lineage.transport`, by default an NDJSON file under the instance's home.
 * Undefined when events go nowhere.
 */
export function createOpenLineageTransport(
  lineage: ProjectLineageConfig | false,
  options: { readonly projectDir: string; readonly home: string; readonly env?: OpenLineageTransportEnvironment },
): OpenLineageTransport | undefined {
  const env = options.env ?? process.env;
  if (/^(1|true|yes)$/i.test(env.OPENLINEAGE_DISABLED ?? '')) return undefined;
  if (env.OPENLINEAGE_URL !== undefined && env.OPENLINEAGE_URL !== '') {
    if (!/^https?:\/\/[^/]/.test(env.OPENLINEAGE_URL)) {
      throw new QuarryError('QUARRY_BAD_LINEAGE_CONFIG', `OPENLINEAGE_URL must be an http(s) URL such as http://localhost:5000, got ${JSON.stringify(env.OPENLINEAGE_URL)}; unset it to use the project's lineage setting.`);
    }
    return new HttpOpenLineageTransport({
      url: env.OPENLINEAGE_URL,
      ...(env.OPENLINEAGE_API_KEY ? { apiKey: env.OPENLINEAGE_API_KEY } : {}),
      ...(env.OPENLINEAGE_ENDPOINT ? { endpoint: env.OPENLINEAGE_ENDPOINT } : {}),
    });
  }
  if (lineage === false) return undefined;
  const transport: OpenLineageTransportConfig = lineage.transport ?? { type: 'file' };
  switch (transport.type) {
    case 'file':
      return new FileOpenLineageTransport(transport.path !== undefined ? resolve(options.projectDir, transport.path) : defaultOpenLineageFile(options.home));
    case 'console':
      return new ConsoleOpenLineageTransport();
    case 'http':
      return new HttpOpenLineageTransport(transport);
  }
}

/** The default NDJSON file of an instance's events: `<home>/openlineage/events.ndjson`. */
export function defaultOpenLineageFile(home: string): string {
  return resolve(home, 'openlineage', 'events.ndjson');
}
