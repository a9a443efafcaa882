import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, linkSync, mkdirSync, opendirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Catalog, CurrentFileRecord, FileChecksum } from '../catalog/index.ts';
import { openSqliteCatalog, resolveQuarryHome } from '../catalog/index.ts';
import { QuarryError } from '../errors.ts';
import { isLakeFile } from '../engines/engine.ts';
import type { ObjectStore } from '../storage/index.ts';
import { loadProject } from './load-project.ts';
import { resolve } from 'node:path';

/** The lake's marker file (relative to the lake root): it names the catalog the lake belongs to. */
export const LAKE_MARKER_FILE = '.quarry-instance.json';

/** What the lake's marker file holds. */
export interface LakeMarker {
  /** The instance id of the catalog whose versions this lake's files are. */
  readonly instanceId: string;
  /** The catalog file the lake was bound to (informative: a restored backup may live elsewhere). */
  readonly catalog: string;
  readonly createdAt: string;
}

/** Reads the lake's marker, or `undefined` when the lake has none. An unreadable marker is a `QUARRY_CATALOG_MISMATCH` naming it. */
export function readLakeMarker(lakeRoot: string): LakeMarker | undefined {
  const path = join(lakeRoot, LAKE_MARKER_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const marker = JSON.parse(text) as Partial<LakeMarker>;
    if (typeof marker.instanceId === 'string' && marker.instanceId !== '') return marker as LakeMarker;
  } catch {
    // reported below
  }
  throw new QuarryError('QUARRY_CATALOG_MISMATCH', `The lake marker ${path} is not valid JSON with an "instanceId": it was damaged. Restore it from a backup of the lake, or move the lake away and run \`quarry init --force-new-catalog\`.`, { details: { path } });
}

/** Writes the lake's marker naming `catalog` (creating the lake directory), when it has none yet. */
export function ensureLakeMarker(lakeRoot: string, catalog: Catalog): void {
  const path = join(lakeRoot, LAKE_MARKER_FILE);
  if (existsSync(path)) return;
  mkdirSync(lakeRoot, { recursive: true });
  const marker: LakeMarker = { instanceId: catalog.instanceId(), catalog: catalog.location, createdAt: new Date().toISOString() };
  // Written whole, then linked into place: a concurrent reader never sees half a marker, and of two
  // processes starting their first runs at once, one creates it and the other finds it.
  const temp = join(lakeRoot, `.quarry-tmp-${LAKE_MARKER_FILE}-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(temp, `${JSON.stringify(marker, null, 2)}\n`);
  try {
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    assertLakeMatchesCatalog(catalog, lakeRoot);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** True when the lake directory holds at least one file other than its marker and half-written temporaries (stops at the first). */
export function lakeHasFiles(lakeRoot: string): boolean {
  const visit = (dir: string, top: boolean): boolean => {
    let handle;
    try {
      handle = opendirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw error;
    }
    try {
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        if (entry.isDirectory()) {
          if (visit(join(dir, entry.name), false)) return true;
        } else if (!(top && entry.name === LAKE_MARKER_FILE) && !entry.name.startsWith('.quarry-tmp-')) return true;
      }
      return false;
    } finally {
      handle.closeSync();
    }
  };
  return visit(lakeRoot, true);
}

/** True when the catalog file is absent or empty, so opening it would start a new catalog. */
export function catalogFileIsNew(catalogPath: string): boolean {
  try {
    return statSync(catalogPath).size === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

function restoreAdvice(catalogPath: string, lakeRoot: string): string {
  return `Nothing was changed. Restore ${catalogPath} from a backup; or, to give up the lake's versions and start over, run \`quarry init --force-new-catalog\` (it moves ${lakeRoot} aside, deleting nothing).`;
}

/**
 * Refuses to start a new catalog over a lake that already holds data: called before the catalog file
 * is opened (and so created), when `catalogFileIsNew`. Throws `QUARRY_CATALOG_MISMATCH` naming both paths.
 */
export function assertLakeAcceptsNewCatalog(catalogPath: string, lakeRoot: string): void {
  const marker = readLakeMarker(lakeRoot);
  if (marker === undefined && !lakeHasFiles(lakeRoot)) return;
  const state = existsSync(catalogPath) ? 'is empty (0 bytes)' : 'does not exist';
  throw new QuarryError(
    'QUARRY_CATALOG_MISMATCH',
    `The catalog ${catalogPath} ${state}, but the lake ${lakeRoot} holds data${marker ? ` of catalog ${marker.instanceId}` : ''}: starting a new catalog would leave every lake file unreferenced (and vacuum would delete them). ${restoreAdvice(catalogPath, lakeRoot)}`,
    { details: { catalogPath, lakeRoot, ...(marker ? { lakeInstanceId: marker.instanceId } : {}) } },
  );
}

/**
 * Checks that the lake belongs to the open `catalog`: its marker names the catalog's instance id, or
 * (no marker) the lake is empty or the catalog already has history (a lake from before markers, which
 * is adopted: the marker is written). Throws `QUARRY_CATALOG_MISMATCH` naming both paths otherwise.
 */
export function assertLakeMatchesCatalog(catalog: Catalog, lakeRoot: string): void {
  const marker = readLakeMarker(lakeRoot);
  const id = catalog.instanceId();
  if (marker !== undefined) {
    if (marker.instanceId === id) return;
    const empty = catalog.isEmpty();
    throw new QuarryError(
      'QUARRY_CATALOG_MISMATCH',
      `The lake ${lakeRoot} belongs to catalog ${marker.instanceId} (${join(lakeRoot, LAKE_MARKER_FILE)}), but ${catalog.location} is ${empty ? 'a new, empty catalog' : 'another catalog'} (${id}). ${empty ? restoreAdvice(catalog.location, lakeRoot) : `Point QUARRY_HOME (or the project's lakeDir) at the catalog and lake that belong together. Nothing was changed.`}`,
      { details: { catalogPath: catalog.location, lakeRoot, lakeInstanceId: marker.instanceId, catalogInstanceId: id } },
    );
  }
  if (!catalog.isEmpty()) {
    ensureLakeMarker(lakeRoot, catalog);
    return;
  }
  if (lakeHasFiles(lakeRoot)) {
    throw new QuarryError(
      'QUARRY_CATALOG_MISMATCH',
      `The catalog ${catalog.location} is new and empty, but the lake ${lakeRoot} already holds files: they belong to a catalog that is gone. ${restoreAdvice(catalog.location, lakeRoot)}`,
      { details: { catalogPath: catalog.location, lakeRoot } },
    );
  }
}

/**
 * Moves the lake directory aside to `<lake>.orphaned-<time>` (nothing is deleted) so that a new
 * catalog can start over an empty lake; returns where it went, or `undefined` when there was no lake.
 */
export function moveLakeAside(lakeRoot: string, now: Date = new Date()): string | undefined {
  if (!existsSync(lakeRoot)) return undefined;
  const target = `${lakeRoot}.orphaned-${now.toISOString().replace(/[:.]/g, '-')}`;
  mkdirSync(dirname(target), { recursive: true });
  renameSync(lakeRoot, target);
  return target;
}

/** The size and SHA-256 of a local file, read once as a stream. */
export async function checksumFile(path: string, objectPath: string): Promise<FileChecksum> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { path: objectPath, size, sha256: hash.digest('hex') };
}

/**
 * The size and SHA-256 of a lake object: read from its local file when the store has one, else
 * fetched through the store (a bucket). Undefined for an engine's locator (not a lake file).
 */
export async function checksumObject(store: ObjectStore, objectPath: string): Promise<FileChecksum | undefined> {
  if (!isLakeFile(objectPath)) return undefined;
  const local = store.localPath(objectPath);
  if (local !== undefined) return checksumFile(local, objectPath);
  const bytes = await store.get(objectPath);
  return { path: objectPath, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The checksums of a version's lake files (its engine locators have none). */
export async function checksumObjects(store: ObjectStore, files: readonly string[]): Promise<FileChecksum[]> {
  const sums = await Promise.all(files.map((f) => checksumObject(store, f)));
  return sums.filter((s): s is FileChecksum => s !== undefined);
}

/**
 * `statDamage` through the store: local files are stat'ed on disk, objects of a store without local
 * paths with `store.stat`; engine locators are skipped.
 */
export async function objectDamage(files: readonly CurrentFileRecord[], store: ObjectStore): Promise<Map<string, FileDamage>> {
  const damaged = statDamage(files, (p) => store.localPath(p));
  for (const file of files) {
    if (!isLakeFile(file.path) || store.localPath(file.path) !== undefined) continue;
    const stat = await store.stat(file.path);
    if (stat === undefined) damaged.set(file.path, 'file lost');
    else if (file.size !== null && stat.size !== file.size) damaged.set(file.path, 'file changed');
  }
  return damaged;
}

/** Why a current version's file cannot be read as committed. */
export type FileDamage = 'file lost' | 'file changed';

/**
 * The cheap check: stats each file (no read) and reports the ones that are gone or whose size differs
 * from the size recorded at commit. `localPath` maps an object path to its file.
 */
export function statDamage(files: readonly CurrentFileRecord[], localPath: (path: string) => string | undefined): Map<string, FileDamage> {
  const damaged = new Map<string, FileDamage>();
  for (const file of files) {
    // An engine's table (`bigquery:…`) is no lake file, and a store without local paths is stat'ed by `objectDamage`.
    if (!isLakeFile(file.path)) continue;
    const local = localPath(file.path);
    if (local === undefined) continue;
    let size: number;
    try {
      size = statSync(local).size;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        damaged.set(file.path, 'file lost');
        continue;
      }
      throw error;
    }
    if (file.size !== null && size !== file.size) damaged.set(file.path, 'file changed');
  }
  return damaged;
}

/**
 * The way out of `QUARRY_CATALOG_MISMATCH` when the old catalog cannot be restored (`quarry init
 * --force-new-catalog`): a missing or empty catalog starts anew, and a lake holding data of another
 * catalog is moved aside to `<lake>.orphaned-<time>` (nothing is deleted). A catalog that has history
 * is refused: move it away first.
 */
export async function startNewCatalog(options: { projectDir: string; quarryHome?: string }): Promise<{ movedLakeTo?: string }> {
  const loaded = await loadProject(options.projectDir);
  const home = resolveQuarryHome(loaded.projectDir, options.quarryHome !== undefined ? { QUARRY_HOME: options.quarryHome } : process.env);
  const lakeRoot = loaded.project.storage.lakeDir ? resolve(loaded.projectDir, loaded.project.storage.lakeDir) : home.lakeDir;
  let instanceId: string | undefined;
  if (!catalogFileIsNew(home.catalogPath)) {
    const catalog = openSqliteCatalog({ path: home.catalogPath });
    try {
      if (!catalog.isEmpty()) {
        throw new QuarryError('QUARRY_BAD_ARGUMENT', `--force-new-catalog starts over only when the catalog is missing or empty, but ${home.catalogPath} holds runs and versions. If it is the wrong catalog, move it away first; nothing was changed.`, { details: { catalogPath: home.catalogPath } });
      }
      instanceId = catalog.instanceId();
    } finally {
      catalog.close();
    }
  }
  const marker = readLakeMarkerOrDamaged(lakeRoot);
  if (marker === 'damaged' || (marker !== undefined && marker.instanceId !== instanceId) || (marker === undefined && lakeHasFiles(lakeRoot))) {
    const movedLakeTo = moveLakeAside(lakeRoot);
    return movedLakeTo === undefined ? {} : { movedLakeTo };
  }
  return {};
}

function readLakeMarkerOrDamaged(lakeRoot: string): LakeMarker | undefined | 'damaged' {
  try {
    return readLakeMarker(lakeRoot);
  } catch (error) {
    if (error instanceof QuarryError && error.code === 'QUARRY_CATALOG_MISMATCH') return 'damaged';
    throw error;
  }
}
