import { dayKey, parseDayKey } from './calendar.ts';
import { LandingSimulation } from './day-simulation.ts';
import type { DayTruth } from './day-truth.ts';
import { resolveModelOptions } from './generate-options.ts';
import type { ResolvedModelOptions, TikTokModelOptions } from './generate-options.ts';
import { GeneratorError } from './generator-error.ts';
import { TimestampFormatter } from './calendar.ts';
import { TikTokModel, createCreatorState } from './tiktok-model.ts';
import type { CreatorRow, DayEmitter } from './tiktok-model.ts';
import type { CreatorRecord, DefectKind } from './tiktok-schema.ts';

/**
 * How invalid rows are treated when answering: `strict` quarantines every invalid row (the default);
 * `fix-suffixes` additionally accepts wrong_type creator rows whose followers value the k/m suffix
 * rule fixes ("12.3k" → 12300).
 */
export type TruthPolicy = 'strict' | 'fix-suffixes';

/** Options of point-in-time truth queries. */
export interface TruthQueryOptions {
  policy?: TruthPolicy;
}

/** A creator row with a defect, for sampling in tests. */
export interface CreatorDefectRef {
  creatorId: string;
  day: string;
  kind: DefectKind;
}

/** A follower_spike row. */
export interface FollowerSpike {
  creatorId: string;
  day: string;
  from: number;
  to: number;
}

/** A view_sum_mismatch row. */
export interface ViewSumMismatch {
  creatorId: string;
  day: string;
  reported: number;
  actual: number;
}

interface AcceptedRow {
  followers: number;
  following: number;
  totalLikes: number;
  totalViews: number;
  videoCount: number;
  updatedAtSec: number;
}

/** Captures the latest accepted row of a single creator under both policies. */
class AcceptedRowCapture implements DayEmitter {
  readonly wantsIntraday = false;
  strict: AcceptedRow | undefined;
  fixed: AcceptedRow | undefined;

  creatorRow(row: CreatorRow): void {
    const snapshot: AcceptedRow = {
      followers: row.followers,
      following: row.following,
      totalLikes: row.totalLikes,
      totalViews: row.totalViews,
      videoCount: row.videoCount,
      updatedAtSec: row.updatedAtSec,
    };
    if (row.valid) {
      this.strict = snapshot;
      this.fixed = snapshot;
    } else if (row.defect?.kind === 'wrong_type' && row.defect.fixable === true && row.defect.field === 'followers') {
      this.fixed = snapshot;
    }
  }

  videoRow(): void {}

  intraday(): void {}
}

/**
 * The ground truth of a generated landing folder, recomputed from the generator's options without
 * reading any file.
 *
 * Per-creator questions (`followersAt`, `creatorStateAt`) replay that one creator from its first day,
 * which costs microseconds and no memory; per-day defect counts (`defectsOn`, `followerSpikes`,
 * `viewSumMismatches`) run one truth-only pass over all creators on first use and keep its results.
 *
 * ```ts
 * const truth = new TikTokTruth({ creators: 500, days: 5, start: '2025-01-01', seed: 7 });
 * truth.followersAt('c_000042', '2025-01-03'); // followers of its latest accepted row by the end of Jan 3
 * ```
 */
export class TikTokTruth {
  readonly options: ResolvedModelOptions;
  /** The day keys of the range, day 0 first. */
  readonly days: readonly string[];
  private readonly model: TikTokModel;
  private dayTruths: DayTruth[] | undefined;
  private readonly ts = new TimestampFormatter();

  constructor(options: TikTokModelOptions) {
    this.options = resolveModelOptions(options);
    this.model = new TikTokModel(this.options);
    this.days = Array.from({ length: this.options.days }, (_, d) => dayKey(this.options.startEpochDay + d));
  }

  /** The index (0-based) of a day key in the range; throws a `GeneratorError` outside it. */
  dayIndex(day: string): number {
    const epochDay = parseDayKey(day);
    const d = epochDay === undefined ? -1 : epochDay - this.options.startEpochDay;
    if (d < 0 || d >= this.options.days) {
      throw new GeneratorError(
        `day "${day}" is outside the generated range ${this.days[0]}..${this.days[this.days.length - 1]}: pass a YYYY-MM-DD day in that range.`,
      );
    }
    return d;
  }

  /**
   * The followers of the creator's latest accepted row over the files of days ≤ `dayEnd`, or
   * `undefined` when it has none yet (not created, or an id that never exists).
   */
  followersAt(creatorId: string, dayEnd: string, options?: TruthQueryOptions): number | undefined {
    return this.acceptedRow(creatorId, dayEnd, options)?.followers;
  }

  /** The creator's accepted record at the end of `dayEnd` (as its NDJSON row reads), or `undefined`. */
  creatorStateAt(creatorId: string, dayEnd: string, options?: TruthQueryOptions): CreatorRecord | undefined {
    const row = this.acceptedRow(creatorId, dayEnd, options);
    if (row === undefined) return undefined;
    const s = this.model.creatorStatic(this.model.creatorIndex(creatorId));
    return {
      creator_id: s.id,
      handle: s.handle,
      display_name: s.displayName,
      category: s.category,
      country: s.country,
      followers: row.followers,
      following: row.following,
      total_likes: row.totalLikes,
      total_views: row.totalViews,
      video_count: row.videoCount,
      verified: s.verified,
      created_at: this.ts.format(s.createdAtSec),
      updated_at: this.ts.format(row.updatedAtSec),
    };
  }

  /** Ids of creators with an accepted row on `day` (their state changed, or they were created), ascending. */
  creatorsChangedOn(day: string): string[] {
    const d = this.dayIndex(day);
    const ids: string[] = [];
    const end = this.model.existingEnd[d] as number;
    for (let c = 0; c < end; c++) if (this.model.validChange(c, d)) ids.push(this.model.creatorId(c));
    return ids;
  }

  /** Ids of creators created on `day` (none on day 0, the initial load). */
  creatorsCreatedOn(day: string): string[] {
    const d = this.dayIndex(day);
    const ids: string[] = [];
    for (let c = this.model.existingAtStart(d); d > 0 && c < (this.model.existingEnd[d] as number); c++) ids.push(this.model.creatorId(c));
    return ids;
  }

  /** The ground truth of `day`: rows, defects per kind and file, every defective row with its line. */
  defectsOn(day: string): DayTruth {
    return this.allDays()[this.dayIndex(day)] as DayTruth;
  }

  /** Ids of the high-priority creators (intraday extracts), ascending. */
  priorityCreators(): string[] {
    return this.model.priorityCreators().map((c) => this.model.creatorId(c));
  }

  /** Creators with at least `minChanges` accepted changes after their first row (default 2), up to `limit` (default 100). */
  creatorsChangedSeveralTimes(options: { minChanges?: number; limit?: number } = {}): string[] {
    const minChanges = options.minChanges ?? 2;
    const limit = options.limit ?? 100;
    const ids: string[] = [];
    const end = this.model.existingEnd[this.options.days - 1] as number;
    for (let c = 0; c < end && ids.length < limit; c++) {
      const created = this.model.creationDay(c);
      let changes = 0;
      for (let d = created + 1; d < this.options.days; d++) if (this.model.validChange(c, d)) changes++;
      if (changes >= minChanges) ids.push(this.model.creatorId(c));
    }
    return ids;
  }

  /** Creators created after day 0, up to `limit` (default 100). */
  creatorsCreatedMidRange(limit = 100): string[] {
    const ids: string[] = [];
    const end = this.model.existingEnd[this.options.days - 1] as number;
    for (let c = this.options.creators; c < end && ids.length < limit; c++) ids.push(this.model.creatorId(c));
    return ids;
  }

  /**
   * Creator rows with a defect of their own in creators.ndjson (re-sent rows excluded), optionally of
   * some kinds only, up to `limit` (default 100), in creator then day order.
   */
  creatorsWithDefectiveRows(options: { kinds?: readonly DefectKind[]; limit?: number } = {}): CreatorDefectRef[] {
    const limit = options.limit ?? 100;
    const kinds = options.kinds ? new Set(options.kinds) : undefined;
    const refs: CreatorDefectRef[] = [];
    const end = this.model.existingEnd[this.options.days - 1] as number;
    for (let c = 0; c < end && refs.length < limit; c++) {
      const created = this.model.creationDay(c);
      for (let d = created; d < this.options.days && refs.length < limit; d++) {
        if (!this.model.changes(c, d)) continue;
        const kind = this.model.creatorEvent(c, d, d === created);
        if (kind === null || kind === 'duplicate_key_across_files' || (kinds && !kinds.has(kind))) continue;
        refs.push({ creatorId: this.model.creatorId(c), day: this.days[d] as string, kind });
      }
    }
    return refs;
  }

  /** Every follower_spike row of the range. */
  followerSpikes(): FollowerSpike[] {
    return this.allDays().flatMap((t) =>
      t.defectiveRows['creators.ndjson']
        .filter((r) => r.kind === 'follower_spike')
        .map((r) => ({ creatorId: r.key, day: t.day, from: r.from as number, to: r.to as number })),
    );
  }

  /** Every view_sum_mismatch row of the range. */
  viewSumMismatches(): ViewSumMismatch[] {
    return this.allDays().flatMap((t) =>
      t.defectiveRows['creators.ndjson']
        .filter((r) => r.kind === 'view_sum_mismatch')
        .map((r) => ({ creatorId: r.key, day: t.day, reported: r.reported as number, actual: r.actual as number })),
    );
  }

  private acceptedRow(creatorId: string, dayEnd: string, options?: TruthQueryOptions): AcceptedRow | undefined {
    const upto = this.dayIndex(dayEnd);
    const index = this.model.creatorIndex(creatorId);
    const created = this.model.creationDay(index);
    if (index < 0 || created < 0 || created > upto) return undefined;
    const capture = new AcceptedRowCapture();
    const st = createCreatorState();
    for (let d = created; d <= upto; d++) if (this.model.changes(index, d)) this.model.step(index, d, st, capture);
    return (options?.policy ?? 'strict') === 'strict' ? capture.strict : capture.fixed;
  }

  private allDays(): DayTruth[] {
    if (this.dayTruths) return this.dayTruths;
    const simulation = new LandingSimulation(this.model, { formatResends: false });
    const truths: DayTruth[] = [];
    for (let d = 0; d < this.options.days; d++) {
      const run = simulation.day(d, null);
      let step = run.next();
      while (!step.done) step = run.next();
      truths.push(step.value);
    }
    this.dayTruths = truths;
    return truths;
  }
}
