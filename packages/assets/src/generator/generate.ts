import { join } from 'node:path';
import { dayKey } from './calendar.ts';
import { LandingSimulation } from './day-simulation.ts';
import { stringifyDayTruth } from './day-truth.ts';
import type { DayTruth } from './day-truth.ts';
import { resolveModelOptions } from './generate-options.ts';
import { GeneratorError } from './generator-error.ts';
import type { GenerateOptions, ResolvedModelOptions } from './generate-options.ts';
import { LANDING_FORMAT_VERSION, buildManifest } from './landing-manifest.ts';
import type { LandingTotals } from './landing-manifest.ts';
import { DayFiles, TRUTH_FOLDER, prepareLandingFolder, removeStaleDays, writeFileAtomic } from './landing-writer.ts';
import { TikTokModel } from './tiktok-model.ts';
import { DEFECT_KINDS } from './tiktok-schema.ts';
import type { DefectKind } from './tiktok-schema.ts';

/** What `generate` did. */
export interface GenerateSummary {
  out: string;
  options: ResolvedModelOptions;
  /** Day folders written by this run. */
  daysWritten: number;
  /** Day folders kept from an earlier run with the same creators, start, seed and defect rate. */
  daysReused: number;
  /** Creators existing at the end of the last day. */
  creatorsAtEnd: number;
  /** Data rows over all days (re-used days included; CSV headers excluded). */
  rows: { creators: number; videos: number; intraday: number; total: number };
  /** Injected defects over all days, per kind. */
  defects: Record<DefectKind, number>;
  /** Files and bytes written by this run (day files, truth files and the manifest). */
  files: number;
  bytes: number;
  elapsedMs: number;
}

/**
 * Generates a deterministic synthetic TikTok landing folder: one folder per day with a creator CDC
 * extract, a video extract and intraday extracts, plus `_truth/` with the exact ground truth.
 *
 * ```ts
 * const summary = await generate({ creators: 10_000, days: 30, start: '2025-01-01', seed: 7, out: 'landing' });
 * console.log(summary.rows.total);
 * ```
 */
export async function generate(options: GenerateOptions): Promise<GenerateSummary> {
  const started = performance.now();
  const resolved = resolveModelOptions(options);
  const out = options.out;
  if (typeof out !== 'string' || out.trim() === '') {
    throw new GeneratorError(`out "${String(out)}" is not valid: pass the landing folder path.`);
  }
  const identity = {
    version: LANDING_FORMAT_VERSION,
    creators: resolved.creators,
    start: resolved.start,
    seed: resolved.seed,
    defectRate: resolved.defectRate,
  };
  const reusable = await prepareLandingFolder(out, identity, options.overwrite === true);
  const model = new TikTokModel(resolved);
  const dayKeys = Array.from({ length: resolved.days }, (_, d) => dayKey(resolved.startEpochDay + d));
  const priority = model.priorityCreators().map((c) => model.creatorId(c));
  const manifestPath = join(out, TRUTH_FOLDER, 'manifest.json');
  // Written first (marked incomplete) so a crashed run can still be resumed without --overwrite.
  let bytes = await writeFileAtomic(manifestPath, `${JSON.stringify(buildManifest(resolved, dayKeys, priority, null), null, 2)}\n`);
  let files = 1;

  const simulation = new LandingSimulation(model, { formatResends: true });
  const totals: LandingTotals = {
    rows: { creators: 0, videos: 0, intraday: 0 },
    defects: Object.fromEntries(DEFECT_KINDS.map((k) => [k, 0])) as Record<DefectKind, number>,
    creatorsAtEnd: 0,
  };
  let daysWritten = 0;
  let daysReused = 0;
  for (let d = 0; d < resolved.days; d++) {
    const key = dayKeys[d] as string;
    const reuse = reusable.has(key);
    const dayFiles = reuse ? null : await DayFiles.open(out, key, d > 0);
    let truth: DayTruth;
    try {
      const run = simulation.day(d, dayFiles);
      let step = run.next();
      while (!step.done) {
        await (dayFiles as DayFiles).drained();
        step = run.next();
      }
      truth = step.value;
    } catch (error) {
      await dayFiles?.abort();
      throw error;
    }
    if (dayFiles) {
      const written = await dayFiles.commit();
      files += written.files;
      bytes += written.bytes;
      daysWritten++;
    } else {
      daysReused++;
    }
    bytes += await writeFileAtomic(join(out, TRUTH_FOLDER, `${key}.json`), stringifyDayTruth(truth));
    files++;
    addTotals(totals, truth);
  }
  await removeStaleDays(out, new Set(dayKeys));
  bytes += await writeFileAtomic(manifestPath, `${JSON.stringify(buildManifest(resolved, dayKeys, priority, totals), null, 2)}\n`);
  const { creators, videos, intraday } = totals.rows;
  return {
    out,
    options: resolved,
    daysWritten,
    daysReused,
    creatorsAtEnd: totals.creatorsAtEnd,
    rows: { creators, videos, intraday, total: creators + videos + intraday },
    defects: totals.defects,
    files,
    bytes,
    elapsedMs: performance.now() - started,
  };
}

function addTotals(totals: LandingTotals, truth: DayTruth): void {
  totals.rows.creators += truth.files['creators.ndjson'].rows;
  totals.rows.videos += truth.files['videos.csv'].rows;
  totals.rows.intraday += truth.files.intraday.rows;
  for (const kind of DEFECT_KINDS) {
    totals.defects[kind] += truth.files['creators.ndjson'].defects[kind] + truth.files['videos.csv'].defects[kind];
  }
  totals.creatorsAtEnd = truth.creatorsExisting;
}
