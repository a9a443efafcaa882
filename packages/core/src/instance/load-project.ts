import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isProjectDefinition, type ProjectDefinition } from '../definitions/index.ts';
import { QuarryError, isQuarryError } from '../errors.ts';

/** The config file names Quarry looks for in a project directory, in order. */
export const PROJECT_CONFIG_FILES = ['quarry.config.ts', 'quarry.config.mts', 'quarry.config.js', 'quarry.config.mjs'] as const;

/** A loaded project: its definition, the directory it lives in and the config file it came from. */
export interface LoadedProject {
  readonly project: ProjectDefinition;
  readonly projectDir: string;
  readonly configPath: string;
}

/**
 * Finds the config file for `pathOrDir` (a config file, or a directory holding one) and imports it.
 * TypeScript configs load through tsx, which the `quarry` bin registers.
 */
export async function loadProject(pathOrDir: string = process.cwd()): Promise<LoadedProject> {
  const configPath = findProjectConfig(pathOrDir);
  let module: { default?: unknown; project?: unknown };
  try {
    module = (await import(pathToFileURL(configPath).href)) as { default?: unknown; project?: unknown };
  } catch (error) {
    if (isQuarryError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new QuarryError('QUARRY_PROJECT_LOAD_FAILED', `Could not load ${configPath}: ${message}`, { cause: error });
  }
  const project = module.default ?? module.project;
  if (!isProjectDefinition(project)) {
    throw new QuarryError(
      'QUARRY_PROJECT_LOAD_FAILED',
      `${configPath} does not default-export a project: end it with \`export default defineProject({ assets: [...] })\`.`,
    );
  }
  return { project, projectDir: dirname(configPath), configPath };
}

/** Resolves the config file path for a file or directory; throws `QUARRY_PROJECT_NOT_FOUND` naming where it looked. */
export function findProjectConfig(pathOrDir: string): string {
  const target = resolve(pathOrDir);
  if (!existsSync(target)) {
    throw new QuarryError('QUARRY_PROJECT_NOT_FOUND', `No project at ${target}: the path does not exist. Pass --project PATH to a quarry.config.ts.`);
  }
  if (statSync(target).isFile()) return target;
  for (const name of PROJECT_CONFIG_FILES) {
    const candidate = resolve(target, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new QuarryError(
    'QUARRY_PROJECT_NOT_FOUND',
    `No quarry.config.ts in ${target}. Run quarry in a project directory or pass --project PATH.`,
  );
}
