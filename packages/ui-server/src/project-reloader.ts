import { watch, type FSWatcher } from 'node:fs';
import { register } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { QuarryError, findProjectConfig, isProjectDefinition, openInstance, type ProjectDefinition } from '@quarry/core';
import type { UiInstance } from './ui-instance.ts';

let hooksRegistered = false;
let generation = 0;

/**
 * Imports a project's config afresh: Node caches ES modules by URL, so the config is imported with a
 * `?quarry-reload=N` query that a resolve hook passes on to the project files it imports by relative
 * path; packages (`@quarry/core`, `zod`) stay the one shared copy.
 */
export async function importProjectFresh(projectDir: string): Promise<{ project: ProjectDefinition; projectDir: string }> {
  if (!hooksRegistered) {
    register(new URL('./fresh-import-hooks.mjs', import.meta.url));
    hooksRegistered = true;
  }
  const configPath = findProjectConfig(projectDir);
  let module: { default?: unknown; project?: unknown };
  try {
    module = (await import(`${pathToFileURL(configPath).href}?quarry-reload=${++generation}`)) as { default?: unknown; project?: unknown };
  } catch (error) {
    throw new QuarryError('QUARRY_PROJECT_LOAD_FAILED', `Could not reload ${configPath}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const project = module.default ?? module.project;
  if (!isProjectDefinition(project)) {
    throw new QuarryError('QUARRY_PROJECT_LOAD_FAILED', `${configPath} does not default-export a project: end it with \`export default defineProject({ assets: [...] })\`.`);
  }
  return { project, projectDir: dirname(configPath) };
}

/** What the server knows of the project definition it serves: which load, and the last reload error. */
export interface DefinitionsState {
  /** 1 for the definition loaded at start, +1 per successful reload. */
  readonly version: number;
  /** When the definition now served was loaded. */
  readonly loadedAt: string;
  /** The error of the last reload attempt when it failed (the previous definition stays served). */
  readonly reloadError?: string;
}

/** An instance whose project definition reloads when the project's .ts files change. */
export interface ReloadingInstance {
  /** Forwards every call to the instance of the latest definition. */
  readonly instance: UiInstance;
  state(): DefinitionsState;
  /** Reloads now (what a file change does after the debounce). */
  reload(): Promise<DefinitionsState>;
  close(): Promise<void>;
}

/**
 * Serves `first` and, on changes of the project directory's .ts/.js files (debounced `debounceMs`),
 * loads the definition afresh into a new instance over the same state and serves that one. The old
 * instance closes once no run of it is active. A failed reload keeps the old definition and says why.
 */
export function reloadingInstance(first: UiInstance, options: { quarryHome?: string; target?: string; debounceMs?: number; watch?: boolean } = {}): ReloadingInstance {
  let current = first;
  let state: DefinitionsState = { version: 1, loadedAt: new Date().toISOString() };
  const retired: UiInstance[] = [];
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reloading: Promise<DefinitionsState> | undefined;
  const proxy = new Proxy({} as UiInstance, {
    get: (_target, property) => {
      const value = Reflect.get(current, property, current) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
    has: (_target, property) => Reflect.has(current, property),
  });
  const closeIdle = async () => {
    for (const old of [...retired]) {
      const active = old.listRuns({ limit: 50 }).some((r) => r.status === 'running' || r.status === 'queued' || r.status === 'starting');
      if (active) continue;
      retired.splice(retired.indexOf(old), 1);
      await old.close().catch(() => {});
    }
  };
  const reload = async (): Promise<DefinitionsState> => {
    try {
      const loaded = await importProjectFresh(current.projectDir);
      const next = await openInstance({ projectDir: loaded.projectDir, project: loaded.project, ...(options.quarryHome !== undefined ? { quarryHome: options.quarryHome } : {}), ...(options.target !== undefined ? { target: options.target } : {}) });
      if (closed) {
        await next.close();
        return state;
      }
      retired.push(current);
      current = next;
      state = { version: state.version + 1, loadedAt: new Date().toISOString() };
      await closeIdle();
    } catch (error) {
      state = { ...state, reloadError: error instanceof Error ? error.message : String(error) };
    }
    return state;
  };
  const queueReload = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      reloading = (reloading ?? Promise.resolve(state)).then(reload);
    }, options.debounceMs ?? 300);
  };
  let watcher: FSWatcher | undefined;
  if (options.watch !== false) {
    try {
      watcher = watch(first.projectDir, { recursive: true }, (_event, file) => {
        const name = String(file ?? '');
        if (/(^|[\\/])(node_modules|\.quarry|dist|\.git)([\\/]|$)/.test(name)) return;
        if (/\.(m?ts|m?js)$/.test(name)) queueReload();
      });
      watcher.on('error', () => {});
    } catch {
      watcher = undefined; // No file watching here: reload through POST /api/reload.
    }
  }
  return {
    instance: proxy,
    state: () => state,
    reload: () => (reloading = (reloading ?? Promise.resolve(state)).then(reload)),
    close: async () => {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
      await reloading?.catch(() => {});
      for (const old of retired.splice(0)) await old.close().catch(() => {});
      await current.close();
    },
  };
}
