import { DAY_SECONDS, civilFromDays, pad2 } from './calendar.ts';
import type { ResolvedModelOptions } from './generate-options.ts';
import { Rng, cumulativeWeights, hash32, hashUnit } from './prng.ts';
import {
  CATEGORIES,
  COUNTRIES,
  CREATOR_EVENT_KINDS,
  FIRST_NAMES,
  FIRST_ROW_EVENT_KINDS,
  GARBAGE_NUMBERS,
  HANDLE_WORDS_A,
  HANDLE_WORDS_B,
  LAST_NAMES,
  VIDEO_EVENT_KINDS,
  isInvalidKind,
} from './tiktok-schema.ts';
import type { DefectKind } from './tiktok-schema.ts';

// Hash domains: one tag per independent decision, so adding a draw to one never shifts another.
const TAG = {
  rate: 1, newCreators: 2, change: 3, event: 4, eventKind: 5, time: 6, newVideos: 7, step: 8, video: 9,
  videoEvent: 10, videoEventKind: 11, videoRow: 12, creatorStatic: 13, followers0: 14, lastQuarter: 15,
  quarters: 16, dup: 17,
} as const;

/** Days after posting during which a video's stats still move (and get update rows). */
export const RECENT_VIDEO_DAYS = 7;
/** Share of creators (by day-0 followers) that are high-priority and get intraday extracts. */
export const PRIORITY_SHARE = 0.01;
/** Quarter hours per day, the number of intraday files per day. */
export const QUARTERS_PER_DAY = 96;

const FINAL_AGE = 1_000;
const CATEGORY_WEIGHTS = cumulativeWeights(CATEGORIES.map(([, w]) => w));
const COUNTRY_WEIGHTS = cumulativeWeights(COUNTRIES.map(([, w]) => w));
const NEW_VIDEO_WEIGHTS = cumulativeWeights([45, 35, 15, 5]);
const PRIORITY_NEW_VIDEO_WEIGHTS = cumulativeWeights([50, 40, 10]);
const CREATOR_MISSING_FIELDS = ['creator_id', 'followers', 'updated_at'] as const;
const VIDEO_MISSING_FIELDS = ['video_id', 'creator_id', 'views', 'updated_at'] as const;

/** The accepted state of one creator that carries over from day to day. */
export interface CreatorState {
  /** Followers of the latest accepted row. */
  followers: number;
  following: number;
  /** Sum of views over the creator's accepted videos (their latest accepted rows). */
  viewsSum: number;
  likesSum: number;
  /** Number of the creator's videos that have an accepted row. */
  videoCount: number;
  /** Videos ever posted (accepted or not): the next video sequence number. */
  nextSeq: number;
}

/** A zeroed `CreatorState`. */
export function createCreatorState(): CreatorState {
  return { followers: 0, following: 0, viewsSum: 0, likesSum: 0, videoCount: 0, nextSeq: 0 };
}

/** The injected defect of one row, with what the ground truth reports about it. */
export interface RowDefect {
  kind: DefectKind;
  /** The affected field, for field-level kinds. */
  field?: string;
  /** missing_required: absent|null|empty; wrong_type: suffix|garbage; duplicate_key_within_file: exact|updated. */
  variant?: string;
  /** The text written in place of the field (wrong_type, malformed_timestamp, future_timestamp). */
  raw?: string;
  /** wrong_type: true when the k/m suffix rule recovers `fixedValue`. */
  fixable?: boolean;
  fixedValue?: number;
  /** follower_spike: previous accepted followers and the spiked value. */
  from?: number;
  to?: number;
  /** view_sum_mismatch: total_views as written and the true sum over accepted videos. */
  reported?: number;
  actual?: number;
}

/** One creator row as the model emits it (a reused scratch object: consume it synchronously). */
export interface CreatorRow {
  creator: number;
  day: number;
  followers: number;
  following: number;
  totalLikes: number;
  totalViews: number;
  videoCount: number;
  updatedAtSec: number;
  defect: RowDefect | null;
  /** Accepted under the strict policy (invalid rows are not). */
  valid: boolean;
  /** > 0: this clean row is re-sent that many days later (a duplicate_key_across_files row). */
  resendAfterDays: number;
}

/** One video row as the model emits it (a reused scratch object: consume it synchronously). */
export interface VideoRow {
  /** The creator index, or the ghost index of an unknown_creator row. */
  creator: number;
  seq: number;
  day: number;
  /** An unknown_creator row: `creator` is a ghost index and the video id is built from day and seq. */
  orphan: boolean;
  postedAtSec: number;
  durationS: number;
  views: number;
  likes: number;
  comments: number;
  shares: number;
  updatedAtSec: number;
  defect: RowDefect | null;
  valid: boolean;
  resendAfterDays: number;
}

/** Receives what one creator-day produces, in file order. */
export interface DayEmitter {
  /** False when intraday points are not needed (the model then skips computing them). */
  readonly wantsIntraday: boolean;
  creatorRow(row: CreatorRow): void;
  videoRow(row: VideoRow): void;
  intraday(quarter: number, creator: number, followers: number, totalViews: number, totalLikes: number): void;
}

/** The fields of a creator that never change. */
export interface CreatorStatic {
  index: number;
  id: string;
  handle: string;
  displayName: string;
  category: string;
  country: string;
  verified: boolean;
  createdAtSec: number;
  initialFollowers: number;
  initialFollowing: number;
  /** Videos posted before the initial load (initial creators only). */
  initialVideoCount: number;
}

interface VideoConsts {
  finalViews: number;
  likeRate: number;
  commentRate: number;
  shareRate: number;
  durationS: number;
  postFrac: number;
}

/**
 * The deterministic TikTok world behind the generator: who exists, who changes when, and what each
 * creator-day emits. Every decision another day may need to re-ask is a pure hash of the seed, so a
 * single creator can be replayed alone (`TikTokTruth`) and day d never depends on how many days follow.
 */
export class TikTokModel {
  readonly options: ResolvedModelOptions;
  readonly seed: number;
  /** Creators in the initial load. */
  readonly initialCreators: number;
  readonly days: number;
  /** Digits in creator ids (at least 6). */
  readonly idWidth: number;
  /** existingEnd[d]: creators (by index) existing at the end of day d. */
  readonly existingEnd: Float64Array;
  private readonly changeRate: Float64Array;
  private priority: Uint8Array | undefined;
  private priorityList: number[] | undefined;
  private readonly stepRng = new Rng();
  private readonly rowRng = new Rng();
  private readonly auxRng = new Rng();
  private readonly creatorRowScratch: CreatorRow = {
    creator: 0, day: 0, followers: 0, following: 0, totalLikes: 0, totalViews: 0, videoCount: 0, updatedAtSec: 0,
    defect: null, valid: true, resendAfterDays: 0,
  };
  private readonly videoRowScratch: VideoRow = {
    creator: 0, seq: 0, day: 0, orphan: false, postedAtSec: 0, durationS: 0, views: 0, likes: 0, comments: 0,
    shares: 0, updatedAtSec: 0, defect: null, valid: true, resendAfterDays: 0,
  };
  private readonly videoConstsScratch: VideoConsts = {
    finalViews: 0, likeRate: 0, commentRate: 0, shareRate: 0, durationS: 0, postFrac: 0,
  };
  private readonly quarterList = new Int32Array(QUARTERS_PER_DAY);
  private readonly quarterWeight = new Float64Array(QUARTERS_PER_DAY);
  private readonly recentSeq: number[] = [];
  private readonly recentDay: number[] = [];
  // initialFollowers of the creator whose videos are being generated (Math.pow per video adds up).
  private scaleIndex = -1;
  private scale = 0;

  constructor(options: ResolvedModelOptions) {
    this.options = options;
    this.seed = options.seed;
    this.initialCreators = options.creators;
    this.days = options.days;
    this.idWidth = Math.max(6, String(10 * options.creators - 1).length);
    this.changeRate = new Float64Array(options.days);
    this.existingEnd = new Float64Array(options.days);
    let existing = options.creators;
    for (let d = 0; d < options.days; d++) {
      // 1–3.5% of ordinary creators change a day; with the 1% priority creators (daily) that is 2–4.5%.
      this.changeRate[d] = 0.01 + 0.025 * hashUnit(this.seed, TAG.rate, d);
      if (d > 0) existing += this.newCreatorCount(d);
      this.existingEnd[d] = existing;
    }
  }

  /** Creators created on day d (none on day 0, which is the initial load). */
  newCreatorCount(d: number): number {
    if (d <= 0) return 0;
    const share = 0.002 + 0.003 * hashUnit(this.seed, TAG.newCreators, d, 0);
    return Math.floor(this.initialCreators * share + hashUnit(this.seed, TAG.newCreators, d, 1));
  }

  /** Epoch seconds of the start of day d. */
  dayStartSec(d: number): number {
    return (this.options.startEpochDay + d) * DAY_SECONDS;
  }

  /** The id of creator `index`, e.g. `c_000123`. */
  creatorId(index: number): string {
    return `c_${String(index).padStart(this.idWidth, '0')}`;
  }

  /** The index of a creator id, or -1 when it is not a well-formed id. */
  creatorIndex(id: string): number {
    if (!/^c_\d+$/.test(id)) return -1;
    const n = Number(id.slice(2));
    return Number.isSafeInteger(n) && this.creatorId(n) === id ? n : -1;
  }

  /** The id of a video row (real or unknown_creator). */
  videoId(row: VideoRow): string {
    const owner = String(row.creator).padStart(this.idWidth, '0');
    if (row.orphan) return `v_${owner}_${String(row.day).padStart(4, '0')}${String(row.seq).padStart(4, '0')}`;
    return `v_${owner}_${String(row.seq).padStart(4, '0')}`;
  }

  /** The ghost creator index an unknown_creator row derived from creator `index` uses; never a real creator. */
  ghostIndex(index: number): number {
    return 100 * this.initialCreators + index;
  }

  /** The day creator `index` is created (0 for the initial load), or -1 when it is not created in range. */
  creationDay(index: number): number {
    if (index < 0 || !Number.isInteger(index)) return -1;
    if (index < this.initialCreators) return 0;
    const end = this.existingEnd;
    if (index >= (end[end.length - 1] as number)) return -1;
    let lo = 1;
    let hi = end.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((end[mid] as number) > index) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Creators existing at the start of day d (before that day's new creators). */
  existingAtStart(d: number): number {
    return d <= 0 ? 0 : (this.existingEnd[d - 1] as number);
  }

  /** Followers of a creator when it is created (power law: most have hundreds, a few have tens of millions). */
  initialFollowers(index: number): number {
    const u = hashUnit(this.seed, TAG.followers0, index);
    if (index < this.initialCreators) return Math.min(150_000_000, Math.floor(100 * Math.pow(1 - u, -1 / 0.9)));
    return Math.min(2_000_000, Math.floor(20 * Math.pow(1 - u, -1 / 1.3)));
  }

  /** True for the high-priority creators: the top 1% of the initial load by accepted day-0 followers. */
  isPriority(index: number): boolean {
    if (index >= this.initialCreators) return false;
    return (this.priorityFlags()[index] as number) === 1;
  }

  /** Indices of the priority creators, ascending. */
  priorityCreators(): readonly number[] {
    this.priorityFlags();
    return this.priorityList as number[];
  }

  private priorityFlags(): Uint8Array {
    if (this.priority) return this.priority;
    const n = this.initialCreators;
    const k = Math.ceil(n * PRIORITY_SHARE);
    const followers = new Float64Array(n);
    for (let c = 0; c < n; c++) followers[c] = this.day0AcceptedFollowers(c);
    const sorted = Float64Array.from(followers).sort();
    const threshold = sorted[n - k] as number;
    let above = 0;
    for (let c = 0; c < n; c++) if ((followers[c] as number) > threshold) above++;
    // Ties at the threshold go to the lower index, so the set is exactly k creators.
    let tiesLeft = k - above;
    const flags = new Uint8Array(n);
    const list: number[] = [];
    for (let c = 0; c < n; c++) {
      const f = followers[c] as number;
      if (f > threshold || (f === threshold && tiesLeft-- > 0)) {
        flags[c] = 1;
        list.push(c);
      }
    }
    this.priority = flags;
    this.priorityList = list;
    return flags;
  }

  private day0AcceptedFollowers(index: number): number {
    const f = this.initialFollowers(index);
    if (this.creatorEvent(index, 0, true) !== 'duplicate_key_within_file') return f;
    return this.creatorDup(index, 0, f, 0).followers;
  }

  /** True when creator `index` has a row in day d's creators file (its first row, or a change). */
  changes(index: number, d: number): boolean {
    const created = this.creationDay(index);
    if (created < 0 || d < created || d >= this.days) return false;
    if (d === created) return true;
    if (index < this.initialCreators && this.isPriority(index)) return true;
    return hashUnit(this.seed, TAG.change, index, d) < (this.changeRate[d] as number);
  }

  /** The defect of creator `index`'s row on day d (assuming it has one), or null for a clean row. */
  creatorEvent(index: number, d: number, first: boolean): DefectKind | null {
    const rate = this.options.defectRate;
    if (rate === 0 || hashUnit(this.seed, TAG.event, index, d) >= rate) return null;
    const kinds = first ? FIRST_ROW_EVENT_KINDS : CREATOR_EVENT_KINDS;
    return kinds[Math.floor(hashUnit(this.seed, TAG.eventKind, index, d) * kinds.length)] as DefectKind;
  }

  /** True when creator `index` has an accepted (valid) row on day d. */
  validChange(index: number, d: number): boolean {
    if (!this.changes(index, d)) return false;
    return !isInvalidKind(this.creatorEvent(index, d, d === this.creationDay(index)));
  }

  /** The defect of the row of video `seq` of creator `index` on day d, or null. */
  videoEvent(index: number, seq: number, d: number): DefectKind | null {
    const rate = this.options.defectRate;
    if (rate === 0 || hashUnit(this.seed, TAG.videoEvent, index, seq, d) >= rate) return null;
    const k = Math.floor(hashUnit(this.seed, TAG.videoEventKind, index, seq, d) * VIDEO_EVENT_KINDS.length);
    return VIDEO_EVENT_KINDS[k] as DefectKind;
  }

  /** Seconds into day d of creator `index`'s row (priority creators: the last intraday quarter hour). */
  rowTimeSec(index: number, d: number): number {
    if (d > 0 && this.isPriority(index)) return this.lastQuarter(index, d) * 900;
    return 3600 + Math.floor(hashUnit(this.seed, TAG.time, index, d) * (DAY_SECONDS - 3600));
  }

  private lastQuarter(index: number, d: number): number {
    return 76 + Math.floor(hashUnit(this.seed, TAG.lastQuarter, index, d) * 20);
  }

  /** Videos creator `index` posts on day d if that day's row is valid (the initial load posts none). */
  newVideoCount(index: number, d: number): number {
    if (d === 0 && index < this.initialCreators) return 0;
    const u = hashUnit(this.seed, TAG.newVideos, index, d);
    const weights = this.isPriority(index) ? PRIORITY_NEW_VIDEO_WEIGHTS : NEW_VIDEO_WEIGHTS;
    const total = weights[weights.length - 1] as number;
    for (let i = 0; i < weights.length; i++) if (u * total < (weights[i] as number)) return i;
    return weights.length - 1;
  }

  /** The fields of creator `index` that never change. */
  creatorStatic(index: number): CreatorStatic {
    const rng = this.auxRng.reseed(hash32(this.seed, TAG.creatorStatic, index));
    const category = (CATEGORIES[rng.weighted(CATEGORY_WEIGHTS)] as readonly [string, number])[0];
    const country = (COUNTRIES[rng.weighted(COUNTRY_WEIGHTS)] as readonly [string, number])[0];
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const sparkle = rng.next() < 0.03 ? ' ✨' : '';
    const a = rng.pick(HANDLE_WORDS_A);
    const b = rng.pick(HANDLE_WORDS_B);
    const sep = rng.pick(['', '.', '_']);
    const followers = this.initialFollowers(index);
    const pVerified = followers >= 1e6 ? 0.8 : followers >= 1e5 ? 0.3 : followers >= 1e4 ? 0.05 : 0.005;
    const verified = rng.next() < pVerified;
    const following = Math.min(10_000, Math.floor(150 * Math.exp(1.2 * rng.normal())));
    const initialVideoCount =
      index < this.initialCreators
        ? Math.min(80, Math.floor(Math.exp(Math.log(2 + Math.log10(followers)) + 0.6 * rng.normal())))
        : 0;
    let createdAtSec: number;
    if (index < this.initialCreators) {
      // At least 8 days before the start, so every pre-existing video is older than the update window.
      const daysBefore = 8 + rng.int(2000);
      createdAtSec = this.dayStartSec(-daysBefore) + rng.int(DAY_SECONDS);
    } else {
      const d = this.creationDay(index);
      createdAtSec = this.dayStartSec(d) + Math.floor(rng.next() * this.rowTimeSec(index, d));
    }
    return {
      index,
      id: this.creatorId(index),
      handle: `${a}${sep}${b}${index}`,
      displayName: `${first} ${last}${sparkle}`,
      category,
      country,
      verified,
      createdAtSec,
      initialFollowers: followers,
      initialFollowing: following,
      initialVideoCount,
    };
  }

  private videoConsts(index: number, seq: number): VideoConsts {
    const rng = this.auxRng.reseed(hash32(this.seed, TAG.video, index, seq));
    const k = this.videoConstsScratch;
    if (this.scaleIndex !== index) {
      this.scaleIndex = index;
      this.scale = this.initialFollowers(index);
    }
    const scale = this.scale;
    // The For You feed shows videos beyond a creator's followers: views ~ 0.6 × followers, heavy-tailed.
    k.finalViews = Math.max(20, Math.floor(scale * 0.6 * Math.exp(1.1 * rng.normal()) + 30 + 300 * rng.next()));
    k.likeRate = Math.min(0.25, Math.max(0.008, 0.055 * Math.exp(0.45 * rng.normal())));
    k.commentRate = rng.range(0.0005, 0.01);
    k.shareRate = rng.range(0.0005, 0.015);
    k.durationS = Math.min(600, Math.max(5, Math.round(25 * Math.exp(0.8 * rng.normal()))));
    k.postFrac = rng.next();
    return k;
  }

  /** Views of a video `age` days after posting: a saturating curve, flat from day 7. */
  private static viewsAt(finalViews: number, age: number): number {
    if (age >= RECENT_VIDEO_DAYS) return finalViews;
    return Math.floor(finalViews * (0.25 + 0.75 * (1 - Math.exp(-0.7 * age))));
  }

  /**
   * Advances creator `index` through day d (call only when `changes(index, d)`), emitting its rows in
   * file order and updating `st` to the accepted state at the end of the day.
   */
  step(index: number, d: number, st: CreatorState, em: DayEmitter): void {
    const first = d === this.creationDay(index);
    const kind = this.creatorEvent(index, d, first);
    const tc = this.rowTimeSec(index, d);
    const dayStart = this.dayStartSec(d);
    const rng = this.stepRng.reseed(hash32(this.seed, TAG.step, index, d));
    const priority = d > 0 && this.isPriority(index);
    const row = this.creatorRowScratch;
    row.creator = index;
    row.day = d;
    row.updatedAtSec = dayStart + tc;
    row.defect = null;
    row.valid = true;
    row.resendAfterDays = 0;

    const prevFollowers = st.followers;
    const prevViews = st.viewsSum;
    const prevLikes = st.likesSum;
    let followers: number;
    let following: number;

    if (first) {
      const s = this.creatorStatic(index);
      st.followers = s.initialFollowers;
      st.following = s.initialFollowing;
      st.viewsSum = 0;
      st.likesSum = 0;
      st.videoCount = 0;
      st.nextSeq = 0;
      if (d === 0 && index < this.initialCreators) {
        const count = s.initialVideoCount;
        const span = dayStart - RECENT_VIDEO_DAYS * DAY_SECONDS - s.createdAtSec;
        for (let seq = 0; seq < count; seq++) {
          const k = this.videoConsts(index, seq);
          const postedAt = s.createdAtSec + Math.floor(((seq + k.postFrac) / count) * span);
          this.video(index, seq, d, dayStart, tc, FINAL_AGE, -1, postedAt, st, em);
        }
        st.nextSeq = count;
      } else {
        const count = this.newVideoCount(index, d);
        for (let i = 0; i < count; i++) this.video(index, i, d, dayStart, tc, 0, -1, -1, st, em);
        st.nextSeq = count;
      }
      followers = st.followers;
      following = st.following;
    } else {
      // Drawn for valid and invalid rows alike: an invalid row still shows the intended new counts.
      const g = priority
        ? Math.min(0.03, Math.max(-0.01, 0.003 + 0.005 * rng.normal()))
        : Math.min(0.1, Math.max(-0.03, 0.01 + 0.02 * rng.normal()));
      followers = Math.max(0, Math.round(prevFollowers * (1 + g)) + rng.int(4) - 1);
      following = Math.max(0, st.following + rng.int(11) - 5);
      if (kind === 'follower_spike') followers = Math.round(prevFollowers * rng.range(5, 20));

      if (isInvalidKind(kind)) {
        // A failed update: the row is quarantined, so no video moves and the state stays.
        row.followers = followers;
        row.following = following;
        row.totalLikes = st.likesSum;
        row.totalViews = st.viewsSum;
        row.videoCount = st.videoCount;
        row.valid = false;
        row.defect = this.invalidCreatorDefect(kind as DefectKind, row, rng);
        em.creatorRow(row);
        return;
      }
      this.recentVideos(index, d, dayStart, tc, st, em);
      const count = this.newVideoCount(index, d);
      for (let i = 0; i < count; i++) this.video(index, st.nextSeq + i, d, dayStart, tc, 0, -1, -1, st, em);
      st.nextSeq += count;
    }

    row.followers = followers;
    row.following = following;
    row.totalLikes = st.likesSum;
    row.totalViews = st.viewsSum;
    row.videoCount = st.videoCount;
    if (kind === 'follower_spike') {
      row.defect = { kind, from: prevFollowers, to: followers };
    } else if (kind === 'view_sum_mismatch') {
      const actual = st.viewsSum;
      let reported: number;
      if (actual < 5000) reported = actual + 5000 + rng.int(50_000);
      else reported = Math.round(actual * (rng.next() < 0.5 ? rng.range(0.3, 0.8) : rng.range(1.25, 3)));
      row.totalViews = reported;
      row.defect = { kind, reported, actual };
    }
    st.followers = followers;
    st.following = following;
    const aux = this.auxRng.reseed(hash32(this.seed, TAG.dup, index, d, 1));
    if (kind === 'duplicate_key_across_files') row.resendAfterDays = 1 + aux.int(3);
    em.creatorRow(row);
    if (kind === 'duplicate_key_within_file') {
      const dup = this.creatorDup(index, d, followers, following);
      row.followers = dup.followers;
      row.following = dup.following;
      row.defect = { kind, variant: dup.updated ? 'updated' : 'exact' };
      // Same key, same updated_at: the later line wins, so the duplicate's values are the state.
      st.followers = dup.followers;
      st.following = dup.following;
      em.creatorRow(row);
    }
    if (priority && em.wantsIntraday) this.intraday(index, d, tc, prevFollowers, prevViews, prevLikes, st, em);
  }

  private creatorDup(index: number, d: number, followers: number, following: number) {
    const rng = this.auxRng.reseed(hash32(this.seed, TAG.dup, index, d, 0));
    if (rng.next() < 0.5) return { updated: false, followers, following };
    const sign = rng.next() < 0.5 ? -1 : 1;
    const f = Math.max(0, Math.round(followers * (1 + sign * rng.range(0.005, 0.03))) + sign);
    const g = Math.max(0, following + (rng.next() < 0.5 ? -1 : 1) * (1 + rng.int(5)));
    return { updated: true, followers: f, following: g };
  }

  private invalidCreatorDefect(kind: DefectKind, row: CreatorRow, rng: Rng): RowDefect {
    switch (kind) {
      case 'negative_followers':
        row.followers = -Math.max(1, row.followers);
        return { kind };
      case 'missing_required':
        return { kind, field: rng.pick(CREATOR_MISSING_FIELDS), variant: rng.next() < 0.5 ? 'absent' : 'null' };
      case 'wrong_type': {
        if (rng.next() < 0.2) return { kind, field: 'total_views', variant: 'garbage', raw: rng.pick(GARBAGE_NUMBERS), fixable: false };
        if (row.followers >= 1000 && rng.next() < 0.75) {
          const { raw, value } = suffixNumber(row.followers);
          row.followers = value;
          return { kind, field: 'followers', variant: 'suffix', raw, fixable: true, fixedValue: value };
        }
        return { kind, field: 'followers', variant: 'garbage', raw: rng.pick(GARBAGE_NUMBERS), fixable: false };
      }
      case 'malformed_timestamp':
        return { kind, field: 'updated_at', raw: malformedTimestamp(row.updatedAtSec, rng.int(6)) };
      case 'future_timestamp':
        row.updatedAtSec = futureSec(row.updatedAtSec, rng);
        return { kind, field: 'updated_at' };
      default:
        throw new Error(`not an invalid creator defect: ${kind}`);
    }
  }

  private recentVideos(index: number, d: number, dayStart: number, tc: number, st: CreatorState, em: DayEmitter): void {
    const created = this.creationDay(index);
    const lo = Math.max(d - (RECENT_VIDEO_DAYS - 1), created === 0 && index < this.initialCreators ? 1 : created);
    const seqs = this.recentSeq;
    const days = this.recentDay;
    seqs.length = 0;
    days.length = 0;
    let seqEnd = st.nextSeq;
    for (let p = d - 1; p >= lo; p--) {
      if (!this.validChange(index, p)) continue;
      const count = this.newVideoCount(index, p);
      for (let i = count - 1; i >= 0; i--) {
        seqs.push(seqEnd - count + i);
        days.push(p);
      }
      seqEnd -= count;
    }
    for (let i = seqs.length - 1; i >= 0; i--) {
      const seq = seqs[i] as number;
      const p = days[i] as number;
      let prevAge = -1;
      for (let u = d - 1; u >= p; u--) {
        if (this.validChange(index, u) && !invalidatesVideoRow(this.videoEvent(index, seq, u))) {
          prevAge = u - p;
          break;
        }
      }
      const k = this.videoConsts(index, seq);
      const postedAt = this.dayStartSec(p) + Math.floor(k.postFrac * (this.rowTimeSec(index, p) - 60));
      this.video(index, seq, d, dayStart, tc, d - p, prevAge, postedAt, st, em);
    }
  }

  private video(
    index: number, seq: number, d: number, dayStart: number, tc: number, age: number, prevAge: number,
    postedAtSec: number, st: CreatorState, em: DayEmitter,
  ): void {
    const k = this.videoConsts(index, seq);
    const views = TikTokModel.viewsAt(k.finalViews, age);
    const likes = Math.floor(views * k.likeRate);
    const rng = this.rowRng.reseed(hash32(this.seed, TAG.videoRow, index, seq, d));
    const row = this.videoRowScratch;
    row.creator = index;
    row.seq = seq;
    row.day = d;
    row.orphan = false;
    row.durationS = k.durationS;
    row.views = views;
    row.likes = likes;
    row.comments = Math.floor(views * k.commentRate);
    row.shares = Math.floor(views * k.shareRate);
    if (age === 0) {
      row.postedAtSec = dayStart + Math.floor(k.postFrac * (tc - 60));
      row.updatedAtSec = row.postedAtSec + rng.int(dayStart + tc - row.postedAtSec);
    } else {
      row.postedAtSec = postedAtSec;
      row.updatedAtSec = dayStart + rng.int(tc);
    }
    row.defect = null;
    row.valid = true;
    row.resendAfterDays = 0;
    const kind = this.videoEvent(index, seq, d);
    if (invalidatesVideoRow(kind)) {
      row.valid = false;
      row.defect = this.invalidVideoDefect(kind as DefectKind, row, rng);
    } else {
      if (prevAge < 0) {
        st.videoCount++;
        st.viewsSum += views;
        st.likesSum += likes;
      } else {
        const prevViews = TikTokModel.viewsAt(k.finalViews, prevAge);
        st.viewsSum += views - prevViews;
        st.likesSum += likes - Math.floor(prevViews * k.likeRate);
      }
      if (kind === 'duplicate_key_across_files') row.resendAfterDays = 1 + rng.int(3);
    }
    em.videoRow(row);
    if (kind === 'duplicate_key_within_file') {
      const updated = row.views >= 100 && rng.next() < 0.5;
      if (updated) {
        row.comments += 1 + rng.int(9);
        row.shares += 1 + rng.int(5);
      }
      row.defect = { kind, variant: updated ? 'updated' : 'exact' };
      em.videoRow(row);
    } else if (kind === 'unknown_creator') {
      row.creator = this.ghostIndex(index);
      row.orphan = true;
      row.valid = false;
      row.defect = { kind, field: 'creator_id' };
      em.videoRow(row);
    }
  }

  private invalidVideoDefect(kind: DefectKind, row: VideoRow, rng: Rng): RowDefect {
    switch (kind) {
      case 'engagement_gt_1':
        row.likes = Math.ceil(row.views * rng.range(1.5, 4));
        return { kind };
      case 'missing_required':
        return { kind, field: rng.pick(VIDEO_MISSING_FIELDS), variant: 'empty' };
      case 'wrong_type': {
        if (row.views >= 1000 && rng.next() < 0.75) {
          const { raw, value } = suffixNumber(row.views);
          return { kind, field: 'views', variant: 'suffix', raw, fixable: true, fixedValue: value };
        }
        return { kind, field: 'views', variant: 'garbage', raw: rng.pick(GARBAGE_NUMBERS), fixable: false };
      }
      case 'malformed_timestamp': {
        const field = rng.next() < 0.7 ? 'updated_at' : 'posted_at';
        const sec = field === 'updated_at' ? row.updatedAtSec : row.postedAtSec;
        return { kind, field, raw: malformedTimestamp(sec, rng.int(6)) };
      }
      case 'future_timestamp': {
        const field = rng.next() < 0.8 ? 'updated_at' : 'posted_at';
        if (field === 'updated_at') row.updatedAtSec = futureSec(row.updatedAtSec, rng);
        else row.postedAtSec = futureSec(row.updatedAtSec, rng);
        return { kind, field };
      }
      default:
        throw new Error(`not an invalid video defect: ${kind}`);
    }
  }

  private intraday(
    index: number, d: number, tc: number, prevFollowers: number, prevViews: number, prevLikes: number,
    st: CreatorState, em: DayEmitter,
  ): void {
    const rng = this.auxRng.reseed(hash32(this.seed, TAG.quarters, index, d));
    const last = tc / 900;
    const quarters = this.quarterList;
    const weights = this.quarterWeight;
    let n = 0;
    let total = 0;
    // Updates every 15–30 minutes: each earlier quarter hour carries an update with probability 0.6.
    for (let q = 0; q < last; q++) {
      if (rng.next() < 0.6) {
        quarters[n] = q;
        total += 0.2 + rng.next();
        weights[n++] = total;
      }
    }
    quarters[n] = last;
    weights[n++] = total + 0.2 + rng.next();
    total = weights[n - 1] as number;
    for (let i = 0; i < n; i++) {
      const f = i === n - 1 ? 1 : (weights[i] as number) / total;
      em.intraday(
        quarters[i] as number,
        index,
        prevFollowers + Math.round((st.followers - prevFollowers) * f),
        prevViews + Math.round((st.viewsSum - prevViews) * f),
        prevLikes + Math.round((st.likesSum - prevLikes) * f),
      );
    }
  }
}

// unknown_creator is an invalid *extra* row: the video's own row stays valid.
function invalidatesVideoRow(kind: DefectKind | null): boolean {
  return kind !== 'unknown_creator' && isInvalidKind(kind);
}

/** A "12.3k" / "1.25M" rendering of `n` (≥ 1000) and the exact value the k/m suffix rule reads back. */
export function suffixNumber(n: number): { raw: string; value: number } {
  if (n < 1_000_000) {
    const k = Math.round(n / 100) / 10;
    return { raw: `${k}k`, value: Math.round(k * 1000) };
  }
  const m = Math.round(n / 10_000) / 100;
  return { raw: `${m}M`, value: Math.round(m * 1_000_000) };
}

/** A malformed rendering (variant 0..5) of the timestamp at epoch seconds `sec`. */
export function malformedTimestamp(sec: number, variant: number): string {
  const epochDay = Math.floor(sec / DAY_SECONDS);
  const [y, m, d] = civilFromDays(epochDay);
  const s = sec - epochDay * DAY_SECONDS;
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const Y = String(y).padStart(4, '0');
  switch (variant) {
    case 0:
      return `${Y}/${pad2(m)}/${pad2(d)} ${pad2(hh)}:${pad2(mm)}:${pad2(ss)}`;
    case 1:
      return `${pad2(d)}/${pad2(m)}/${Y} ${pad2(hh)}:${pad2(mm)}`;
    case 2:
      return `${Y}-${pad2(m)}-${pad2(d)}T${pad2(24 + (hh % 24))}:${pad2(mm)}:${pad2(ss)}Z`;
    case 3:
      return `${Y}-${pad2(13 + (m % 7))}-${pad2(d)}T${pad2(hh)}:${pad2(mm)}:${pad2(ss)}Z`;
    case 4:
      return '0000-00-00T00:00:00Z';
    default:
      return 'not a date';
  }
}

function futureSec(sec: number, rng: Rng): number {
  const dayEnd = (Math.floor(sec / DAY_SECONDS) + 1) * DAY_SECONDS;
  return dayEnd + (30 + rng.int(700)) * DAY_SECONDS + rng.int(DAY_SECONDS);
}
