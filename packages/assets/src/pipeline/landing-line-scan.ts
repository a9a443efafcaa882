// The byte-level pass over a landing file that runs before DuckDB parses it: lines that are not valid
// UTF-8 or are longer than the line cap are set aside one by one (DuckDB's read_text would fail the
// whole file on one bad byte, and buffer a 50 MB line several times over), so every other line of the
// file is still classified and every set-aside line is quarantined with its file and line.
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Size caps of landing lines and fields; a line or field over its cap is quarantined as `oversized_field`. */
export interface LandingLimits {
  /** Largest line in bytes (default 1 MiB); a longer line is skipped while streaming, never buffered whole. */
  readonly maxLineBytes: number;
  /** Largest field value in bytes (default 64 KiB). */
  readonly maxFieldBytes: number;
}

/** The default caps: 1 MiB a line, 64 KiB a field (a TikTok creator or video row is well under 1 KiB). */
export const DEFAULT_LANDING_LIMITS: LandingLimits = Object.freeze({ maxLineBytes: 1024 * 1024, maxFieldBytes: 64 * 1024 });

/** Why the byte-level pass set a line aside. */
export type RejectedLineCode = 'invalid_encoding' | 'oversized_field';

/** A line set aside by the byte-level pass. */
export interface RejectedLine {
  /** 1-based physical line number. */
  readonly line: number;
  readonly code: RejectedLineCode;
  readonly reason: string;
  /** What `raw_line` shows: the line's start as text (invalid bytes as U+FFFD), at most `EXCERPT_BYTES` bytes. */
  readonly raw: string;
}

/**
 * The prefix of a placeholder line standing for a set-aside line in the copy DuckDB reads, followed by
 * a JSON object `{code, reason, raw}`. It starts with ASCII record-separator characters, which neither
 * a JSON line nor a TikTok CSV row starts with; a real line that does is set aside too.
 */
export const REJECTED_LINE_MARKER = '\u001e\u001equarry-rejected\u001e';

const EXCERPT_BYTES = 1000;
const CHUNK_BYTES = 1024 * 1024;
const MARKER_BYTES = Buffer.from(REJECTED_LINE_MARKER, 'utf8');

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;
}

/** The offset of the first byte of a buffer that does not start a valid UTF-8 sequence (its length when all are valid). */
function firstInvalidByte(bytes: Buffer): number {
  const leadMask = [0x7f, 0x1f, 0x0f, 0x07];
  const least = [0, 0x80, 0x800, 0x10000];
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n >= bytes.length + (n === 0 ? 1 : 0)) return i;
    let cp = c & leadMask[n]!;
    for (let k = 1; k <= n; k++) {
      const next = bytes[i + k]!;
      if ((next & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (next & 0x3f);
    }
    if (cp < least[n]! || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return i;
}

/**
 * Streams a file line by line (split on `\n`) and calls `onLine` with each line's number and either
 * its bytes (when within `maxLineBytes`) or `undefined` plus its length and first bytes (when longer:
 * the rest of such a line is skipped, not buffered).
 */
function forEachLine(
  path: string,
  maxLineBytes: number,
  onLine: (line: number, bytes: Buffer | undefined, length: number, head: Buffer) => void,
): void {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(CHUNK_BYTES);
    let parts: Buffer[] = [];
    let length = 0;
    let head = Buffer.alloc(0);
    let line = 1;
    const finish = () => {
      const bytes = length <= maxLineBytes ? Buffer.concat(parts, length) : undefined;
      onLine(line, bytes, length, bytes ?? head);
      parts = [];
      length = 0;
      head = Buffer.alloc(0);
      line++;
    };
    const append = (segment: Buffer) => {
      if (segment.length === 0) return;
      if (head.length < EXCERPT_BYTES) head = Buffer.concat([head, segment.subarray(0, EXCERPT_BYTES - head.length)]);
      length += segment.length;
      // Over the cap: keep counting, stop buffering.
      if (length <= maxLineBytes) parts.push(Buffer.from(segment));
      else parts = [];
    };
    for (let read = readSync(fd, chunk, 0, chunk.length, null); read > 0; read = readSync(fd, chunk, 0, chunk.length, null)) {
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl >= 0 && nl < read; nl = chunk.indexOf(10, start)) {
        append(chunk.subarray(start, nl));
        finish();
        start = nl + 1;
      }
      append(chunk.subarray(start, read));
    }
    // The text after the last line break (empty when the file ends with one) is a line like any other.
    finish();
  } finally {
    closeSync(fd);
  }
}

/**
 * The lines of a landing file that DuckDB must not parse: invalid UTF-8 (`invalid_encoding`), longer
 * than `limits.maxLineBytes` (`oversized_field`), or starting with the placeholder marker.
 */
export function scanLandingFile(path: string, limits: LandingLimits = DEFAULT_LANDING_LIMITS): RejectedLine[] {
  const rejected: RejectedLine[] = [];
  forEachLine(path, limits.maxLineBytes, (line, bytes, length, head) => {
    const raw = (head.length > EXCERPT_BYTES ? head.subarray(0, EXCERPT_BYTES) : head).toString('utf8');
    if (bytes === undefined) {
      rejected.push({
        line,
        code: 'oversized_field',
        reason: `line is ${formatBytes(length)}, over the line limit of ${formatBytes(limits.maxLineBytes)} (maxLineBytes)`,
        raw: `${raw}…`,
      });
    } else if (!isUtf8(bytes)) {
      rejected.push({ line, code: 'invalid_encoding', reason: `line is not valid UTF-8 (first invalid byte at offset ${firstInvalidByte(bytes)})`, raw });
    } else if (bytes.subarray(0, MARKER_BYTES.length).equals(MARKER_BYTES)) {
      rejected.push({ line, code: 'invalid_encoding', reason: 'line starts with ASCII record separators (0x1E), which no landing row holds', raw: raw.replaceAll('\u001e', '\ufffd') });
    }
  });
  return rejected;
}

/**
 * The file DuckDB should read for a landing file: the file itself when every line can be parsed,
 * otherwise a copy (in the OS temp folder, named after the file's path, content version and caps, so
 * both the accepted and the quarantine asset reuse it) where each set-aside line is replaced by a
 * placeholder line `REJECTED_LINE_MARKER + {code, reason, raw}`, keeping every other line and every
 * line number as they are.
 */
export function prepareLandingFile(path: string, version: string, limits: LandingLimits = DEFAULT_LANDING_LIMITS): string {
  const rejected = scanLandingFile(path, limits);
  if (rejected.length === 0) return path;
  const dir = join(tmpdir(), 'quarry-landing');
  const name = createHash('sha256').update(JSON.stringify([path, version, limits.maxLineBytes])).digest('hex').slice(0, 24);
  const copy = join(dir, `${name}.txt`);
  if (existsSync(copy)) return copy;
  mkdirSync(dir, { recursive: true });
  const byLine = new Map(rejected.map((r) => [r.line, r]));
  const temp = `${copy}.${process.pid}.tmp`;
  const out = openSync(temp, 'w');
  try {
    forEachLine(path, limits.maxLineBytes, (line, bytes) => {
      if (line > 1) writeSync(out, '\n');
      const r = byLine.get(line);
      if (r !== undefined) writeSync(out, `${REJECTED_LINE_MARKER}${JSON.stringify({ code: r.code, reason: r.reason, raw: r.raw })}`);
      else if (bytes !== undefined) writeSync(out, bytes);
    });
  } catch (error) {
    closeSync(out);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(out);
  renameSync(temp, copy);
  return copy;
}
