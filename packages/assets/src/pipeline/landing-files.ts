import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { QuarryError, type QuarryErrorCode } from '@quarry/core';

/** A data file of one landing day folder. */
export type LandingFileName = 'creators.ndjson' | 'videos.csv';

/** What the pipeline needs from a landing folder's `_truth/manifest.json`. */
export interface LandingManifestInfo {
  /** First day of the landing (`YYYY-MM-DD`), the first partition of every daily asset. */
  readonly start: string;
  /** Every day of the landing, in order. */
  readonly days: readonly string[];
  readonly creators: number;
  readonly seed: number;
  readonly defectRate: number;
  /** High-priority creators (with intraday extracts). */
  readonly priorityCreators: readonly string[];
  /** False while the generator is still writing the folder. */
  readonly complete: boolean;
}

/** The path of a day's landing file. */
export function landingFilePath(landingDir: string, day: string, file: LandingFileName): string {
  return join(landingDir, day, file);
}

/**
 * Reads the landing manifest; throws `QUARRY_SOURCE_MISSING` naming the folder and how to create it
 * when there is none.
 */
export function readLandingManifest(landingDir: string): LandingManifestInfo {
  const path = join(landingDir, '_truth', 'manifest.json');
  if (!existsSync(path)) {
    throw new QuarryError(
      'QUARRY_SOURCE_MISSING',
      `No TikTok landing at ${landingDir} (${path} does not exist): generate one with ` +
        `\`npx quarry-tiktok generate --creators 1000 --days 7 --start 2026-01-01 --out ${landingDir}\` or run \`npm run demo\`, ` +
        'or point TIKTOK_LANDING at an existing landing folder.',
    );
  }
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as {
    complete?: boolean;
    days?: string[];
    options?: { start?: string; creators?: number; seed?: number; defectRate?: number };
    priorityCreators?: string[];
  };
  const days = manifest.days ?? [];
  const start = manifest.options?.start ?? days[0];
  if (start === undefined || days.length === 0) {
    throw new QuarryError('QUARRY_BAD_CONFIG', `Landing manifest ${path} lists no days: regenerate the landing folder.`);
  }
  return Object.freeze({
    start,
    days: Object.freeze([...days]),
    creators: Number(manifest.options?.creators ?? 0),
    seed: Number(manifest.options?.seed ?? 0),
    defectRate: Number(manifest.options?.defectRate ?? 0),
    priorityCreators: Object.freeze([...(manifest.priorityCreators ?? [])]),
    complete: manifest.complete === true,
  });
}

/**
 * What a remembered landing file version is bound to: the file's stat signal (size, mtime, ctime,
 * inode) and a hash of its first and last bytes. ctime cannot be set back by user tools (`utimes`
 * sets mtime and atime only) and changes on every write, so content rewritten with the same size and
 * mtime, a file replaced by another (new inode) or a copied folder all miss the cache and are hashed
 * again in full; the head/tail sample catches what a coarse clock could hide.
 */
interface CachedVersion {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly sample: string;
  readonly version: string;
}

/** Bytes read at each end of a file for its sample hash. */
const SAMPLE_BYTES = 16 * 1024;

const versionCache = new Map<string, CachedVersion>();
/** Landing folders whose on-disk version cache has been read into `versionCache`. */
const loadedCacheFiles = new Set<string>();

/** Where a landing day's file versions are remembered across processes: beside the files. */
function cacheFileOf(path: string): string {
  return join(dirname(path), '.quarry-versions.json');
}

function isCachedVersion(value: unknown): value is CachedVersion {
  const v = value as Partial<CachedVersion> | null;
  return (
    typeof v === 'object' && v !== null &&
    typeof v.size === 'number' && typeof v.mtimeMs === 'number' && typeof v.ctimeMs === 'number' && typeof v.ino === 'number' &&
    typeof v.sample === 'string' && typeof v.version === 'string'
  );
}

function loadCacheFile(cacheFile: string): void {
  if (loadedCacheFiles.has(cacheFile)) return;
  loadedCacheFiles.add(cacheFile);
  try {
    const entries = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, unknown>;
    // Entries of another shape (an older cache) are dropped; the others are only trusted when their signal matches the file.
    for (const [name, entry] of Object.entries(entries)) if (isCachedVersion(entry)) versionCache.set(join(dirname(cacheFile), name), entry);
  } catch {
    // No cache yet, or a damaged one: versions are recomputed from the files.
  }
}

function saveCacheFile(cacheFile: string): void {
  const dir = dirname(cacheFile);
  const entries: Record<string, CachedVersion> = {};
  for (const [path, entry] of versionCache) if (dirname(path) === dir) entries[basename(path)] = entry;
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    // Written atomically (temp file + rename), so a concurrent reader sees an old or a new cache, never half of one.
    writeFileSync(temp, JSON.stringify(entries));
    renameSync(temp, cacheFile);
  } catch {
    // A read-only landing folder only costs re-hashing in the next process.
    rmSync(temp, { force: true });
  }
}

/** A hash of a file's size and its first and last `SAMPLE_BYTES` bytes (the whole file when it is smaller). */
function sampleHash(path: string, size: number): string {
  const hash = createHash('sha256').update(`${size}\n`);
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, SAMPLE_BYTES));
    hash.update(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
    if (size > SAMPLE_BYTES) {
      const tail = Buffer.alloc(Math.min(size - SAMPLE_BYTES, SAMPLE_BYTES));
      hash.update(tail.subarray(0, readSync(fd, tail, 0, tail.length, size - tail.length)));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex').slice(0, 16);
}

/** The SHA-256 of a whole file, read in chunks so a large file is never held in memory at once. */
function contentHash(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let read = readSync(fd, chunk, 0, chunk.length, null); read > 0; read = readSync(fd, chunk, 0, chunk.length, null)) {
      hash.update(chunk.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return `sha256:${hash.digest('hex').slice(0, 16)}`;
}

/**
 * The version of a landing file: a SHA-256 prefix of its content (so a copied folder keeps its
 * versions), remembered — in memory and in a `.quarry-versions.json` beside the day's files — so
 * planning in a new process does not re-hash unchanged files. A remembered version is used only
 * while the file's size, mtime, ctime and inode and the hash of its first and last 16 KiB all
 * match; otherwise (rewritten in place with the same size and mtime, replaced, copied, or a stale or
 * forged cache file) the whole file is hashed again. `undefined` when the file does not exist yet.
 */
export function landingFileVersion(path: string): string | undefined {
  let info;
  try {
    info = statSync(path);
  } catch {
    return undefined;
  }
  const cacheFile = cacheFileOf(path);
  loadCacheFile(cacheFile);
  const cached = versionCache.get(path);
  const signal = { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino };
  const sameSignal =
    cached !== undefined && cached.size === signal.size && cached.mtimeMs === signal.mtimeMs && cached.ctimeMs === signal.ctimeMs && cached.ino === signal.ino;
  const sample = sampleHash(path, info.size);
  if (sameSignal && cached.sample === sample) return cached.version;
  // In doubt: the whole file.
  const version = contentHash(path);
  versionCache.set(path, { ...signal, sample, version });
  saveCacheFile(cacheFile);
  return version;
}

/** The path of a day's landing file; throws `QUARRY_SOURCE_MISSING` naming it when it does not exist. */
export function requireLandingFile(landingDir: string, day: string, file: LandingFileName, assetKey: string): string {
  const path = landingFilePath(landingDir, day, file);
  if (!existsSync(path)) {
    throw landingError(
      'QUARRY_SOURCE_MISSING',
      `Asset "${assetKey}" partition "${day}": landing file ${path} does not exist. Generate that day ` +
        `(quarry-tiktok generate … --out ${landingDir}) or check TIKTOK_LANDING.`,
    );
  }
  return path;
}

/** The first line of a file (without its line break), reading only its first 4 KiB. */
export function readFirstLine(path: string): string {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(4096);
  let read: number;
  try {
    read = readSync(fd, buffer, 0, buffer.length, 0);
  } finally {
    closeSync(fd);
  }
  const text = buffer.subarray(0, read).toString('utf8');
  const end = text.indexOf('\n');
  return (end < 0 ? text : text.slice(0, end)).replace(/\r$/, '');
}

/** The quarter-hour files of a day's `intraday/` folder (sorted), or none (day 0 has no folder). */
export function intradayFiles(landingDir: string, day: string): string[] {
  const dir = join(landingDir, day, 'intraday');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^\d{2}-\d{2}\.ndjson$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** The version of a day's intraday folder: a hash over its files' versions; `none` without a folder. */
export function intradayVersion(landingDir: string, day: string): string {
  const files = intradayFiles(landingDir, day);
  if (files.length === 0) return 'none';
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${basename(file)}=${landingFileVersion(file) ?? ''}\n`);
  return `sha256:${hash.digest('hex').slice(0, 16)}`;
}

/**
 * A `QuarryError` about landing data that the executor does not retry: a missing or malformed file
 * stays so until someone regenerates it, and a retry after 1, 5 and 15 minutes would only delay the
 * failure.
 */
export function landingError(code: QuarryErrorCode, message: string): QuarryError {
  return Object.assign(new QuarryError(code, message), { retryable: false });
}
