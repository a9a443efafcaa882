import { existsSync, readdirSync } from 'node:fs';
import { defineSensor, type PartitionsDefinition, type SensorDefinition, type SensorRunRequest } from '@quarry/core';
import { landingFilePath, landingFileVersion } from './landing-files.ts';

/** The name of the TikTok landing sensor. */
export const TIKTOK_LANDING_SENSOR = 'tiktok_landing';

/**
 * What the landing sensor requests for a day: every daily asset of the pipeline. The intraday branch
 * is in it too: its 15-minute schedule keeps the day in progress fresh, and this request picks up a
 * finished day's last quarter hours (the planner runs only what is stale).
 */
export const TIKTOK_LANDING_SELECTION =
  'raw/creator_changes+,raw/video_changes+,quality/creator_quarantine,quality/video_quarantine,raw/priority_creator_intraday+,quality/intraday_quarantine';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The version of a landing day's daily files (content hashes of creators.ndjson and videos.csv), or undefined while one is missing. */
export function landingDayVersion(landingDir: string, day: string): string | undefined {
  const creators = landingFileVersion(landingFilePath(landingDir, day, 'creators.ndjson'));
  const videos = landingFileVersion(landingFilePath(landingDir, day, 'videos.csv'));
  if (creators === undefined || videos === undefined) return undefined;
  return `${creators.replace('sha256:', '')}.${videos.replace('sha256:', '')}`;
}

/**
 * The TikTok landing sensor: every minute it lists the landing's day folders and requests each day
 * whose daily files are new or changed since its cursor (a JSON map of day → file versions). A new
 * day is requested as `{ key: day }`; a changed day as `{ from: day, to: <last day> }`, because the
 * self-dependent assets (snapshots, history, video deltas, metrics) of later days build on it (the
 * planner runs only what is stale). Run keys are `<day>@<version>`, so a day is requested once per
 * version. Only days whose window has ended and that are partitions of the loaded project are
 * requested: a day past the partitions' end (added to the landing after the project was loaded) is
 * named in the tick's skip reason, to be picked up when the daemon restarts.
 *
 * ```ts
 * defineProject({ assets: pipeline.assets, sensors: [tiktokLandingSensor(landingDir, pipeline.partitions)] });
 * ```
 */
export function tiktokLandingSensor(landingDir: string, partitions: PartitionsDefinition): SensorDefinition {
  return defineSensor({
    name: TIKTOK_LANDING_SENSOR,
    every: '1m',
    evaluate: (ctx) => {
      const seen = parseCursor(ctx.cursor);
      const days = existsSync(landingDir) ? readdirSync(landingDir).filter((d) => DAY.test(d)).sort() : [];
      const ctxAt = { now: ctx.now };
      const ready = days.filter((d) => partitions.isValidKey(d, ctxAt));
      const later = days.filter((d) => !ready.includes(d));
      const last = ready[ready.length - 1];
      const next: Record<string, string> = { ...seen };
      const runRequests: SensorRunRequest[] = [];
      for (const day of ready) {
        const version = landingDayVersion(landingDir, day);
        if (version === undefined || seen[day] === version) continue;
        runRequests.push({
          runKey: `${day}@${version}`,
          selection: TIKTOK_LANDING_SELECTION,
          partitions: seen[day] === undefined || day === last ? { key: day } : { from: day, to: last! },
          tags: { 'tiktok/landing_day': day },
        });
        next[day] = version;
      }
      const waiting = later.length > 0 ? `; not yet partitions (window not ended, or past the days loaded at start: restart the daemon): ${later.join(', ')}` : '';
      return {
        runRequests,
        cursor: JSON.stringify(next),
        ...(runRequests.length === 0 ? { skipReason: `no new or changed landing days among ${ready.length}${waiting}` } : {}),
      };
    },
  });
}

function parseCursor(cursor: string | undefined): Record<string, string> {
  if (cursor === undefined) return {};
  try {
    const value = JSON.parse(cursor) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, string>) : {};
  } catch {
    return {}; // a cursor of another shape: every day is looked at again (requests are unique by run key)
  }
}

