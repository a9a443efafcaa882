import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { openInstance, type Instance } from '@quarry/core';
import { buildApp, type UiServerConfig } from './build-app.ts';

/** The repository root (where examples/ and node_modules/ live). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/** A throw-away copy of an example project. */
export interface ExampleProjectCopy {
  /** The copy's directory (holds quarry.config.ts; its state goes to `<dir>/.quarry`). */
  readonly dir: string;
  remove(): void;
}

/**
 * Copies `examples/<name>` to a fresh temp directory (without its state), linking the repository's
 * node_modules so `@quarry/core` and `zod` resolve, for tests that need a real project they may change.
 */
export function copyExampleProject(name = 'hello'): ExampleProjectCopy {
  const source = join(REPO_ROOT, 'examples', name);
  if (!existsSync(join(source, 'quarry.config.ts'))) throw new Error(`No example project at ${source}.`);
  const dir = mkdtempSync(join(tmpdir(), `quarry-${name}-`));
  cpSync(source, dir, { recursive: true, filter: (path) => !/[\\/](\.quarry|node_modules)([\\/]|$)/.test(path.slice(source.length)) });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A UI server app over a real instance of a fresh copy of an example project. */
export interface ExampleApp {
  readonly app: FastifyInstance;
  readonly instance: Instance;
  readonly dir: string;
  close(): Promise<void>;
}

/** Opens a real instance on a fresh copy of `examples/<name>` and builds the app over it (not listening). */
export async function openExampleApp(options: Omit<UiServerConfig, 'instance'> & { example?: string } = {}): Promise<ExampleApp> {
  const copy = copyExampleProject(options.example ?? 'hello');
  const instance = await openInstance({ projectDir: copy.dir, quarryHome: join(copy.dir, '.quarry') });
  const app = await buildApp({ ...options, instance, stream: { pollMs: 100, ...options.stream } });
  await app.ready();
  return {
    app,
    instance,
    dir: copy.dir,
    close: async () => {
      await app.close();
      await instance.close();
      copy.remove();
    },
  };
}
