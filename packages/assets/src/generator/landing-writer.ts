import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { DayOutput } from './day-simulation.ts';
import { GeneratorError } from './generator-error.ts';
import { VIDEO_CSV_HEADER } from './row-format.ts';
import { QUARTERS_PER_DAY } from './tiktok-model.ts';

const DAY_FOLDER = /^\d{4}-\d{2}-\d{2}$/;
const MAIN_BUFFER = 1 << 20;
const INTRADAY_BUFFER = 1 << 16;

/** The folder name of the truth files inside a landing folder. */
export const TRUTH_FOLDER = '_truth';

/** Counts writes in flight beyond what the writers can absorb, so `blocked` is one comparison per creator. */
class WriteBudget {
  blocked = 0;
  private readonly pending = new Set<Promise<void>>();

  track(write: Promise<void>): void {
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write)).catch(() => {});
  }

  async settled(): Promise<void> {
    while (this.blocked > 0 && this.pending.size > 0) await Promise.race(this.pending);
  }
}

/**
 * Encodes lines straight into reusable byte buffers and writes full buffers with appending
 * writes on a file handle, one write in flight per file while the next buffer fills. Building
 * strings or handing strings to a stream made the garbage collector the bottleneck at 1M creators.
 */
class BufferedFileWriter {
  private buffer: Buffer;
  private used = 0;
  private readonly free: Buffer[] = [];
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure: unknown;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly budget: WriteBudget,
  ) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  push(text: string): void {
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
    if (this.size - this.used < text.length * 3) {
      this.flush();
      if (text.length * 3 > this.size) {
        this.enqueue(Buffer.from(text), null);
        return;
      }
    }
    this.used += this.buffer.write(text, this.used);
  }

  private flush(): void {
    if (this.used === 0) return;
    this.enqueue(this.buffer.subarray(0, this.used), this.buffer);
    this.buffer = this.free.pop() ?? Buffer.allocUnsafe(this.size);
    this.used = 0;
  }

  private enqueue(bytes: Buffer, recycle: Buffer | null): void {
    if (this.failure !== undefined) throw this.failure;
    this.queued++;
    if (this.queued === 2) this.budget.blocked++;
    const write = this.tail.then(async () => {
      let offset = 0;
      while (offset < bytes.length) offset += (await this.handle.write(bytes, offset, bytes.length - offset)).bytesWritten;
      if (recycle) this.free.push(recycle);
      if (this.queued === 2) this.budget.blocked--;
      this.queued--;
    });
    this.tail = write.catch((error: unknown) => {
      this.failure = error;
    });
    this.budget.track(write);
  }

  async close(): Promise<void> {
    this.flush();
    await this.tail;
    await this.handle.close();
    if (this.failure !== undefined) throw this.failure;
  }
}

/** The files of one day folder being written (into a temporary folder renamed on `commit`). */
export class DayFiles implements DayOutput {
  private constructor(
    private readonly budget: WriteBudget,
    private readonly tmpDir: string,
    private readonly finalDir: string,
    private readonly creatorsWriter: BufferedFileWriter,
    private readonly videosWriter: BufferedFileWriter,
    private readonly intradayWriters: BufferedFileWriter[],
  ) {}

  /** Opens `<out>/.tmp-<day>` for writing day `day` (with an intraday folder unless it is the initial load). */
  static async open(out: string, day: string, withIntraday: boolean): Promise<DayFiles> {
    const tmpDir = join(out, `.tmp-${day}`);
    await rm(tmpDir, { recursive: true, force: true });
    await mkdir(withIntraday ? join(tmpDir, 'intraday') : tmpDir, { recursive: true });
    const budget = new WriteBudget();
    const writer = async (path: string, size: number) => new BufferedFileWriter(path, await open(path, 'w'), size, budget);
    const intraday: BufferedFileWriter[] = [];
    if (withIntraday) {
      for (let q = 0; q < QUARTERS_PER_DAY; q++) {
        const name = `${String(q >> 2).padStart(2, '0')}-${String((q & 3) * 15).padStart(2, '0')}.ndjson`;
        intraday.push(await writer(join(tmpDir, 'intraday', name), INTRADAY_BUFFER));
      }
    }
    const files = new DayFiles(
      budget,
      tmpDir,
      join(out, day),
      await writer(join(tmpDir, 'creators.ndjson'), MAIN_BUFFER),
      await writer(join(tmpDir, 'videos.csv'), MAIN_BUFFER),
      intraday,
    );
    files.videosWriter.push(VIDEO_CSV_HEADER);
    return files;
  }

  creators(line: string): void {
    this.creatorsWriter.push(line);
  }

  videos(line: string): void {
    this.videosWriter.push(line);
  }

  intraday(quarter: number, line: string): void {
    (this.intradayWriters[quarter] as BufferedFileWriter).push(line);
  }

  get blocked(): boolean {
    return this.budget.blocked > 0;
  }

  /** Resolves when no writer has more than one write in flight. */
  drained(): Promise<void> {
    return this.budget.settled();
  }

  /** Closes every file and moves the folder into place; returns the files and bytes written. */
  async commit(): Promise<{ files: number; bytes: number }> {
    const writers = [this.creatorsWriter, this.videosWriter, ...this.intradayWriters];
    await Promise.all(writers.map((w) => w.close()));
    let bytes = 0;
    for (const w of writers) bytes += (await stat(w.path)).size;
    await rm(this.finalDir, { recursive: true, force: true });
    await rename(this.tmpDir, this.finalDir);
    return { files: writers.length, bytes };
  }

  /** Removes the temporary folder after a failure. */
  async abort(): Promise<void> {
    await Promise.allSettled([this.creatorsWriter, this.videosWriter, ...this.intradayWriters].map((w) => w.close()));
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}

/** Writes a file atomically (temporary name, then rename). */
export async function writeFileAtomic(path: string, text: string): Promise<number> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
  return Buffer.byteLength(text);
}

/** The options a landing folder's manifest must match for its day folders to be reused. */
export interface LandingIdentity {
  version: number;
  creators: number;
  start: string;
  seed: number;
  defectRate: number;
}

/**
 * Readies `out` for writing and returns the day folders that can be kept as they are: those of an
 * earlier run with the same identity (day content depends only on it, never on the day count).
 */
export async function prepareLandingFolder(out: string, identity: LandingIdentity, overwrite: boolean): Promise<Set<string>> {
  let entries: string[];
  try {
    const info = await stat(out);
    if (!info.isDirectory()) throw new GeneratorError(`out "${out}" is a file: pass a folder path for the landing folder.`);
    entries = await readdir(out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(join(out, TRUTH_FOLDER), { recursive: true });
    return new Set();
  }
  for (const name of entries) if (name.startsWith('.tmp-')) await rm(join(out, name), { recursive: true, force: true });
  const ours = entries.filter((name) => DAY_FOLDER.test(name) || name === TRUTH_FOLDER);
  const foreign = entries.filter((name) => !name.startsWith('.') && !ours.includes(name));
  const manifest = await readManifestIdentity(join(out, TRUTH_FOLDER, 'manifest.json'));

  if (!overwrite) {
    if (manifest === undefined && ours.length + foreign.length > 0) {
      throw new GeneratorError(
        `out "${out}" is not empty and holds no ${TRUTH_FOLDER}/manifest.json: pass an empty or new folder, or --overwrite to replace its day folders.`,
      );
    }
    if (manifest !== undefined && !sameIdentity(manifest, identity)) {
      throw new GeneratorError(
        `out "${out}" holds a landing generated with creators ${manifest.creators}, start ${manifest.start}, seed ${manifest.seed}, ` +
          `defect rate ${manifest.defectRate} (format ${manifest.version}): pass --overwrite to replace it or choose another --out.`,
      );
    }
  }
  if (overwrite || manifest === undefined) {
    for (const name of ours) await rm(join(out, name), { recursive: true, force: true });
    await mkdir(join(out, TRUTH_FOLDER), { recursive: true });
    return new Set();
  }
  await mkdir(join(out, TRUTH_FOLDER), { recursive: true });
  return new Set(entries.filter((name) => DAY_FOLDER.test(name)));
}

/** Removes day folders and day truth files outside `keep` (left by a longer earlier run). */
export async function removeStaleDays(out: string, keep: ReadonlySet<string>): Promise<void> {
  for (const name of await readdir(out)) {
    if (DAY_FOLDER.test(name) && !keep.has(name)) await rm(join(out, name), { recursive: true, force: true });
  }
  for (const name of await readdir(join(out, TRUTH_FOLDER))) {
    const day = name.replace(/\.json$/, '');
    if (DAY_FOLDER.test(day) && !keep.has(day)) await rm(join(out, TRUTH_FOLDER, name), { force: true });
  }
}

async function readManifestIdentity(path: string): Promise<LandingIdentity | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown; options?: Partial<LandingIdentity> };
    const o = parsed.options ?? {};
    return {
      version: Number(parsed.version),
      creators: Number(o.creators),
      start: String(o.start),
      seed: Number(o.seed),
      defectRate: Number(o.defectRate),
    };
  } catch {
    return undefined;
  }
}

function sameIdentity(a: LandingIdentity, b: LandingIdentity): boolean {
  return a.version === b.version && a.creators === b.creators && a.start === b.start && a.seed === b.seed && a.defectRate === b.defectRate;
}
