import { QuarryError, quoteString, type Instance } from '@quarry/core';

/** A creator's SCD2 version in force at a point in time. */
export interface CreatorVersionAsOf {
  readonly creatorId: string;
  /** The instant asked about, ISO-8601 (for a day: the end of it). */
  readonly at: string;
  readonly followers: number;
  readonly handle: string;
  readonly displayName: string | null;
  readonly category: string | null;
  readonly totalViews: number | null;
  /** 1-based version number and how many versions the creator has in all. */
  readonly version: number;
  readonly versions: number;
  readonly validFrom: string;
  /** End of validity (exclusive); `null` while the version is current. */
  readonly validTo: string | null;
  /** Where the version was read from: landing day, file and line. */
  readonly sourceDay: string;
  readonly sourceFile: string;
  readonly sourceLine: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
const HISTORY = 'core/creator_history';

/**
 * The instant a point-in-time question is about: for a day `YYYY-MM-DD`, the last microsecond of it
 * (UTC), so the answer is the state at the end of that day; an ISO timestamp with a zone is taken as is.
 */
export function asOfInstant(at: string | Date): Date {
  if (at instanceof Date) {
    if (Number.isNaN(at.getTime())) throw new QuarryError('QUARRY_BAD_ARGUMENT', 'The point in time is an invalid Date: pass a valid Date or YYYY-MM-DD.');
    return at;
  }
  if (DAY.test(at)) {
    const start = new Date(`${at}T00:00:00Z`);
    if (Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== at) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `"${at}" is not a calendar day: pass YYYY-MM-DD, e.g. 2026-01-15.`);
    }
    return new Date(start.getTime() + 86_400_000 - 1);
  }
  if (INSTANT.test(at) && !Number.isNaN(new Date(at).getTime())) return new Date(at);
  throw new QuarryError('QUARRY_BAD_ARGUMENT', `"${at}" is not a day or a timestamp: pass YYYY-MM-DD (end of that day, UTC) or an ISO timestamp with a zone, e.g. 2026-01-15T12:00:00Z.`);
}

function requireHistory(instance: Instance): void {
  if (!instance.graph.has(HISTORY)) {
    throw new QuarryError('QUARRY_UNKNOWN_ASSET', `Project "${instance.project.name}" has no ${HISTORY} asset: point --project at the TikTok pipeline (examples/tiktok).`);
  }
  if (instance.materializations(HISTORY, { limit: 1 }).length === 0) {
    throw new QuarryError(
      'QUARRY_NOT_MATERIALIZED',
      `${HISTORY} has not been materialized yet, so there is no history to ask: run \`quarry materialize +${HISTORY} --project ${instance.projectDir}\` (or npm run demo) first.`,
    );
  }
}

/**
 * The creator's SCD2 version in force at `at` (a day means the end of it), read from
 * `core/creator_history` (valid_from ≤ t < valid_to), or `undefined` when the creator had no accepted
 * row by then.
 *
 * ```ts
 * const v = await creatorAsOf(instance, 'c_000042', '2026-01-15');
 * console.log(v?.followers, v?.validFrom);
 * ```
 */
export async function creatorAsOf(instance: Instance, creatorId: string, at: string | Date): Promise<CreatorVersionAsOf | undefined> {
  if (typeof creatorId !== 'string' || creatorId.trim() === '') {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `Creator id ${JSON.stringify(creatorId)} is empty: pass an id such as c_000042.`);
  }
  const instant = asOfInstant(at);
  requireHistory(instance);
  const t = `TIMESTAMPTZ ${quoteString(instant.toISOString())}`;
  // The history keeps daily merges: the creator's current versions are its rows in the latest partition that has it.
  const result = await instance.query(
    `WITH h AS (
       SELECT * FROM core__creator_history WHERE creator_id = ${quoteString(creatorId)} QUALIFY history_day = max(history_day) OVER ()
     )
     SELECT h.*, (SELECT count(*) FROM h) AS versions
     FROM h
     WHERE h.valid_from <= ${t} AND (h.valid_to IS NULL OR h.valid_to > ${t})`,
  );
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return Object.freeze({
    creatorId,
    at: instant.toISOString(),
    followers: Number(row.followers),
    handle: String(row.handle),
    displayName: row.display_name === null ? null : String(row.display_name),
    category: row.category === null ? null : String(row.category),
    totalViews: row.total_views === null ? null : Number(row.total_views),
    version: Number(row.version),
    versions: Number(row.versions),
    validFrom: String(row.valid_from),
    validTo: row.valid_to === null ? null : String(row.valid_to),
    sourceDay: String(row.source_day),
    sourceFile: String(row._source_file),
    sourceLine: Number(row._source_line),
  });
}

/**
 * The creator's follower count at `day`'s end (or at an ISO instant), from the SCD2 history:
 * "what was creator X's follower count on January 15th?". `undefined` when the creator had no
 * accepted row by then.
 *
 * ```ts
 * await followersAsOf(instance, 'c_000042', '2026-01-15'); // 12345
 * ```
 */
export async function followersAsOf(instance: Instance, creatorId: string, day: string | Date): Promise<number | undefined> {
  return (await creatorAsOf(instance, creatorId, day))?.followers;
}
