import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isProjectDefinition, type ProjectDefinition } from '../definitions/index.ts';
import { BasePartitionsDefinition } from '../partitions/base-partitions-definition.ts';
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
    throw new QuarryError('QUARRY_PROJECT_LOAD_FAILED', `Could not load ${configPath}: ${message}${commonJsHint(configPath)}`, { cause: error });
  }
  const project = module.default ?? module.project;
  if (!isProjectDefinition(project)) {
    throw new QuarryError(
      'QUARRY_PROJECT_LOAD_FAILED',
      `${configPath} does not default-export a project: end it with \`export default defineProject({ assets: [...] })\`.`,
    );
  }
  // Definitions made by another copy of @quarry/core (the config loaded as CommonJS beside this ES
  // module copy) fail later with errors such as "Cannot read private member": say so now.
  const foreign = project.assets.find((a) => a.partitions !== undefined && !(a.partitions instanceof BasePartitionsDefinition));
  if (foreign !== undefined) {
    throw new QuarryError(
      'QUARRY_PROJECT_LOAD_FAILED',
      `${configPath}: the partitions of "${foreign.key}" were not made by the @quarry/core running quarry (a second copy of it, or an object of its own).${commonJsHint(configPath) || ' Make partitions with the factories of "@quarry/core" (dailyPartitions, staticPartitions, …), from one installed copy.'}`,
    );
  }
  return { project, projectDir: dirname(configPath), configPath };
}

/**
 * When `configPath` would load as CommonJS (a `.ts`/`.js` file with no `"type": "module"` in its
 * nearest package.json), the sentence that says so and how to fix it; otherwise ''.
 */
export function commonJsHint(configPath: string): string {
  const extension = extname(configPath);
  if (extension !== '.ts' && extension !== '.js') return '';
  for (let dir = dirname(resolve(configPath)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      let type: unknown;
      try {
        type = (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type;
      } catch {
        return '';
      }
      if (type === 'module') return '';
      return ` The config loads as CommonJS because ${manifest} does not say "type": "module", while @quarry/core is an ES module: add "type": "module" to it, or rename the config to quarry.config.mts.`;
    }
    if (dirname(dir) === dir) {
      return ` The config loads as CommonJS because no package.json above it says "type": "module", while @quarry/core is an ES module: add a package.json with { "type": "module" } to ${dirname(resolve(configPath))}, or rename the config to quarry.config.mts.`;
    }
  }
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
