import { TimestampFormatter, dayKey, pad2 } from './calendar.ts';
import { emptyFileTruth } from './day-truth.ts';
import type { DayTruth, DefectiveRow, FileTruth } from './day-truth.ts';
import { formatCreatorLine, formatIntradayLine, formatVideoLine } from './row-format.ts';
import { QUARTERS_PER_DAY, createCreatorState } from './tiktok-model.ts';
import type { CreatorRow, CreatorStatic, DayEmitter, RowDefect, TikTokModel, VideoRow } from './tiktok-model.ts';
import { DEFECT_KIND_INFO } from './tiktok-schema.ts';
import type { DataFileName } from './tiktok-schema.ts';

/** Where one day's lines go; `blocked` asks the simulation to pause until the writers drain. */
export interface DayOutput {
  creators(line: string): void;
  videos(line: string): void;
  intraday(quarter: number, line: string): void;
  readonly blocked: boolean;
}

interface Resend {
  line: string;
  key: string;
  fromDay: string;
}

interface Deferred {
  line: string;
  entry: DefectiveRow;
}

/**
 * Runs the model over every creator, day after day, holding all creators' state in typed arrays
 * (about 40 bytes per creator). `day()` is a generator that yields whenever the output is blocked,
 * so the async writer can wait for I/O while a truth-only pass runs it synchronously.
 */
export class LandingSimulation {
  readonly model: TikTokModel;
  private nextDay = 0;
  private readonly followers: Float64Array;
  private readonly following: Float64Array;
  private readonly viewsSum: Float64Array;
  private readonly likesSum: Float64Array;
  private readonly videoCount: Int32Array;
  private readonly nextSeq: Int32Array;
  private readonly pendingCreators = new Map<number, Resend[]>();
  private readonly pendingVideos = new Map<number, Resend[]>();
  private readonly formatResends: boolean;

  /** `formatResends: false` skips rendering re-sent rows when no day will be written (truth-only passes). */
  constructor(model: TikTokModel, options: { formatResends: boolean }) {
    this.model = model;
    this.formatResends = options.formatResends;
    const capacity = model.existingEnd[model.days - 1] as number;
    this.followers = new Float64Array(capacity);
    this.following = new Float64Array(capacity);
    this.viewsSum = new Float64Array(capacity);
    this.likesSum = new Float64Array(capacity);
    this.videoCount = new Int32Array(capacity);
    this.nextSeq = new Int32Array(capacity);
  }

  /** Simulates the next day (days run in order from 0), writing its lines to `out` when given. */
  *day(d: number, out: DayOutput | null): Generator<void, DayTruth, void> {
    if (d !== this.nextDay) throw new Error(`days must be simulated in order: expected day ${this.nextDay}, got ${d}`);
    this.nextDay++;
    const model = this.model;
    const key = dayKey(model.options.startEpochDay + d);
    const collector = new DayCollector(model, d, key, out, this.formatResends, this.pendingCreators, this.pendingVideos);
    collector.writeResends(this.pendingCreators.get(d) ?? [], this.pendingVideos.get(d) ?? []);
    this.pendingCreators.delete(d);
    this.pendingVideos.delete(d);

    const st = createCreatorState();
    const end = model.existingEnd[d] as number;
    let inFile = 0;
    let changed = 0;
    for (let c = 0; c < end; c++) {
      if (!model.changes(c, d)) continue;
      st.followers = this.followers[c] as number;
      st.following = this.following[c] as number;
      st.viewsSum = this.viewsSum[c] as number;
      st.likesSum = this.likesSum[c] as number;
      st.videoCount = this.videoCount[c] as number;
      st.nextSeq = this.nextSeq[c] as number;
      collector.beginCreator();
      model.step(c, d, st, collector);
      inFile++;
      if (collector.creatorAccepted) changed++;
      this.followers[c] = st.followers;
      this.following[c] = st.following;
      this.viewsSum[c] = st.viewsSum;
      this.likesSum[c] = st.likesSum;
      this.videoCount[c] = st.videoCount;
      this.nextSeq[c] = st.nextSeq;
      if (out !== null && out.blocked) yield;
    }
    collector.writeDeferred();
    return collector.finish({
      creatorsExisting: end,
      creatorsNew: model.newCreatorCount(d),
      creatorsInFile: inFile,
      creatorsChanged: changed,
    });
  }
}

/** The `DayEmitter` that numbers lines, renders them and keeps the day's ground truth. */
class DayCollector implements DayEmitter {
  readonly wantsIntraday: boolean;
  creatorAccepted = false;
  private readonly ts = new TimestampFormatter();
  private readonly creatorsTruth: FileTruth = emptyFileTruth();
  private readonly videosTruth: FileTruth = emptyFileTruth();
  private readonly creatorDefects: DefectiveRow[] = [];
  private readonly videoDefects: DefectiveRow[] = [];
  private readonly deferredCreators: Deferred[] = [];
  private readonly deferredVideos: Deferred[] = [];
  private creatorLine = 0;
  private videoLine = 1;
  private intradayRows = 0;
  private priorityUpdated = 0;
  private lastIntradayCreator = -1;
  private lastIntradayId = '';
  private currentStatic: CreatorStatic | null = null;
  private readonly quarterTs: string[] = [];

  constructor(
    private readonly model: TikTokModel,
    private readonly d: number,
    private readonly key: string,
    private readonly out: DayOutput | null,
    private readonly formatResends: boolean,
    private readonly pendingCreators: Map<number, Resend[]>,
    private readonly pendingVideos: Map<number, Resend[]>,
  ) {
    this.wantsIntraday = true;
    for (let q = 0; q < QUARTERS_PER_DAY; q++) this.quarterTs.push(`${key}T${pad2(q >> 2)}:${pad2((q & 3) * 15)}:00Z`);
  }

  writeResends(creators: Resend[], videos: Resend[]): void {
    for (const r of creators) {
      this.resent(this.creatorsTruth, this.creatorDefects, ++this.creatorLine, r);
      this.out?.creators(r.line);
    }
    for (const r of videos) {
      this.resent(this.videosTruth, this.videoDefects, ++this.videoLine, r);
      this.out?.videos(r.line);
    }
  }

  beginCreator(): void {
    this.currentStatic = null;
    this.creatorAccepted = false;
  }

  creatorRow(row: CreatorRow): void {
    if (row.valid) this.creatorAccepted = true;
    const needLine = this.out !== null || (row.resendAfterDays > 0 && this.formatResends);
    let line = '';
    if (needLine) {
      this.currentStatic ??= this.model.creatorStatic(row.creator);
      line = formatCreatorLine(this.currentStatic, row, this.ts);
    }
    const defect = row.defect;
    if (defect?.kind === 'duplicate_key_within_file') {
      const entry = this.entry(0, defect, this.model.creatorId(row.creator), { ofLine: this.creatorLine });
      this.deferredCreators.push({ line, entry });
      return;
    }
    const lineNo = ++this.creatorLine;
    this.creatorsTruth.rows++;
    if (defect !== null) this.record(this.creatorsTruth, this.creatorDefects, lineNo, defect, this.model.creatorId(row.creator), row.updatedAtSec);
    this.out?.creators(line);
    if (row.resendAfterDays > 0) this.schedule(this.pendingCreators, row.resendAfterDays, line, this.model.creatorId(row.creator));
  }

  videoRow(row: VideoRow): void {
    const needLine = this.out !== null || (row.resendAfterDays > 0 && this.formatResends);
    const videoId = this.model.videoId(row);
    const line = needLine ? formatVideoLine(videoId, this.model.creatorId(row.creator), row, this.ts) : '';
    const defect = row.defect;
    if (defect?.kind === 'duplicate_key_within_file') {
      this.deferredVideos.push({ line, entry: this.entry(0, defect, videoId, { ofLine: this.videoLine }) });
      return;
    }
    const lineNo = ++this.videoLine;
    this.videosTruth.rows++;
    if (defect !== null) {
      const sec = defect.field === 'posted_at' ? row.postedAtSec : row.updatedAtSec;
      this.record(this.videosTruth, this.videoDefects, lineNo, defect, videoId, sec);
    }
    this.out?.videos(line);
    if (row.resendAfterDays > 0) this.schedule(this.pendingVideos, row.resendAfterDays, line, videoId);
  }

  intraday(quarter: number, creator: number, followers: number, totalViews: number, totalLikes: number): void {
    this.intradayRows++;
    if (creator !== this.lastIntradayCreator) {
      this.lastIntradayCreator = creator;
      this.lastIntradayId = this.model.creatorId(creator);
      this.priorityUpdated++;
    }
    this.out?.intraday(quarter, formatIntradayLine(this.lastIntradayId, this.quarterTs[quarter] as string, followers, totalViews, totalLikes));
  }

  writeDeferred(): void {
    for (const { line, entry } of this.deferredCreators) {
      entry.line = ++this.creatorLine;
      this.creatorsTruth.rows++;
      this.tally(this.creatorsTruth, entry);
      this.creatorDefects.push(entry);
      this.out?.creators(line);
    }
    for (const { line, entry } of this.deferredVideos) {
      entry.line = ++this.videoLine;
      this.videosTruth.rows++;
      this.tally(this.videosTruth, entry);
      this.videoDefects.push(entry);
      this.out?.videos(line);
    }
  }

  finish(counts: Pick<DayTruth, 'creatorsExisting' | 'creatorsNew' | 'creatorsInFile' | 'creatorsChanged'>): DayTruth {
    for (const t of [this.creatorsTruth, this.videosTruth]) t.expectedAcceptedRows = t.rows - t.invalidRows - t.duplicateRows;
    return {
      day: this.key,
      dayIndex: this.d,
      initialLoad: this.d === 0,
      ...counts,
      priorityCreatorsUpdated: this.priorityUpdated,
      files: {
        'creators.ndjson': this.creatorsTruth,
        'videos.csv': this.videosTruth,
        intraday: { files: this.d === 0 ? 0 : QUARTERS_PER_DAY, rows: this.intradayRows },
      },
      defectiveRows: { 'creators.ndjson': this.creatorDefects, 'videos.csv': this.videoDefects } satisfies Record<DataFileName, DefectiveRow[]>,
    };
  }

  private schedule(pending: Map<number, Resend[]>, after: number, line: string, key: string): void {
    const target = this.d + after;
    if (target >= this.model.days) return;
    let list = pending.get(target);
    if (!list) pending.set(target, (list = []));
    list.push({ line, key, fromDay: this.key });
  }

  private entry(line: number, defect: RowDefect, key: string, extra: Partial<DefectiveRow>): DefectiveRow {
    const { kind, ...detail } = defect;
    return { line, kind, key, ...detail, ...extra };
  }

  private record(truth: FileTruth, list: DefectiveRow[], line: number, defect: RowDefect, key: string, sec: number): void {
    const entry = this.entry(line, defect, key, {});
    if (defect.kind === 'future_timestamp') entry.raw = this.ts.format(sec);
    this.tally(truth, entry);
    list.push(entry);
  }

  private resent(truth: FileTruth, list: DefectiveRow[], line: number, r: Resend): void {
    truth.rows++;
    const entry: DefectiveRow = { line, kind: 'duplicate_key_across_files', key: r.key, fromDay: r.fromDay };
    this.tally(truth, entry);
    list.push(entry);
  }

  private tally(truth: FileTruth, entry: DefectiveRow): void {
    truth.defects[entry.kind]++;
    const disposition = DEFECT_KIND_INFO[entry.kind].disposition;
    if (disposition === 'invalid') truth.invalidRows++;
    else if (disposition === 'duplicate') truth.duplicateRows++;
    else truth.anomalousRows++;
  }
}
