import { QuarryError } from '../errors.ts';

/**
 * The name prefix a store may use for its in-progress temporary objects; paths whose last segment
 * starts with it are reserved, so a user object can never collide with a half-written one.
 */
export const OBJECT_TEMP_PREFIX = '.quarry-tmp-';

// C0 control characters (NUL included) and DEL: they break URIs and terminals and hide path tricks.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Checks that `path` is a well-formed object path and returns it unchanged.
 *
 * A path is relative and `/`-separated; it has no empty, `.` or `..` segment, no backslash and no
 * control character, and its last segment does not start with `OBJECT_TEMP_PREFIX`. Anything else
 * throws `QUARRY_BAD_OBJECT_PATH` naming the path, which makes escaping the store's root impossible.
 *
 * ```ts
 * validateObjectPath('raw/creators/2026-01-15/v1.parquet'); // ok
 * validateObjectPath('../etc/passwd'); // throws QUARRY_BAD_OBJECT_PATH
 * ```
 */
export function validateObjectPath(path: string): string {
  const problem = objectPathProblem(path, false);
  if (problem !== undefined) {
    throw new QuarryError('QUARRY_BAD_OBJECT_PATH', `Object path ${JSON.stringify(path)} is invalid: ${problem}. Use a relative POSIX path such as "asset/partition/file.parquet".`, { details: { path } });
  }
  return path;
}

/**
 * Checks that `prefix` is a valid listing prefix and returns it unchanged: `''` (everything), or an
 * object path optionally followed by one `/`. Throws `QUARRY_BAD_OBJECT_PATH` otherwise.
 */
export function validateObjectPrefix(prefix: string): string {
  const problem = objectPathProblem(prefix, true);
  if (problem !== undefined) {
    throw new QuarryError('QUARRY_BAD_OBJECT_PATH', `Object prefix ${JSON.stringify(prefix)} is invalid: ${problem}. Use '' or a relative POSIX prefix such as "asset/".`, { details: { path: prefix } });
  }
  return prefix;
}

function objectPathProblem(path: unknown, isPrefix: boolean): string | undefined {
  if (typeof path !== 'string') return 'it is not a string';
  if (path === '') return isPrefix ? undefined : 'it is empty';
  if (CONTROL_CHARACTER.test(path)) return 'it contains a control character (such as NUL)';
  if (path.includes('\\')) return 'it contains a backslash';
  if (path.startsWith('/')) return 'it is absolute';
  const body = isPrefix && path.endsWith('/') ? path.slice(0, -1) : path;
  const segments = body.split('/');
  for (const segment of segments) {
    if (segment === '') return 'it has an empty segment';
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
  }
  if (!isPrefix && segments[segments.length - 1]!.startsWith(OBJECT_TEMP_PREFIX)) {
    return `its file name starts with the reserved "${OBJECT_TEMP_PREFIX}"`;
  }
  return undefined;
}
