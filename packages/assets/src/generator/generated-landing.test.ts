// Checks a generated landing folder against its ground truth by re-reading every file with logic
// written independently of the generator: classification, deduplication and state replay.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generate } from './generate.ts';
import type { DayTruth } from './day-truth.ts';
import { TikTokTruth } from './tiktok-truth.ts';
import { DEFECT_KINDS } from './tiktok-schema.ts';
import type { DefectKind } from './tiktok-schema.ts';

const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const SUFFIX = /^(\d+(?:\.\d+)?)([kKmM])$/;
const NUMERIC = ['followers', 'following', 'total_likes', 'total_views', 'video_count'] as const;

function parseTs(value: unknown): number | undefined {
  if (typeof value !== 'string' || !TS.test(value)) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || `${new Date(ms).toISOString().slice(0, 19)}Z` !== value) return undefined;
  return ms / 1000;
}

type Creator = Record<string, unknown> & { creator_id: string; followers: number; updated_at: string; total_views: number };
interface Video { creator_id: string; views: number; likes: number; updated_at: string }
interface Found { line: number; kind: DefectKind }

/** What an independent replay of the files finds. */
interface Replay {
  days: string[];
  found: Map<string, { creators: Found[]; videos: Found[]; rows: { creators: number; videos: number } }>;
  /** End-of-day accepted creator rows (strict) and under the fix-suffixes policy. */
  strict: Map<string, Map<string, Creator>>;
  fixed: Map<string, Map<string, Creator>>;
  /** Creators with an accepted row of their own per day. */
  changed: Map<string, Set<string>>;
  /** Creators with a row of their own per day that existed before it (for the change rate). */
  existingInFile: Map<string, Set<string>>;
  createdOn: Map<string, Set<string>>;
  day0Followers: Map<string, number>;
  intraday: Map<string, Map<string, { ts: string; followers: number; total_views: number }>>;
  cleanVideoRows: { views: number; likes: number; engagement: number; written: number }[];
}

async function replayLanding(out: string): Promise<Replay> {
  const days = (await readdir(out)).filter((n) => /^\d{4}-\d{2}-\d{2}$/.test(n)).sort();
  const replay: Replay = {
    days, found: new Map(), strict: new Map(), fixed: new Map(), changed: new Map(), existingInFile: new Map(),
    createdOn: new Map(), day0Followers: new Map(), intraday: new Map(), cleanVideoRows: [],
  };
  const strict = new Map<string, Creator>();
  const fixed = new Map<string, Creator>();
  const videos = new Map<string, Video>();
  const earlierLines = new Set<string>();
  for (const day of days) {
    const dayStart = Date.parse(`${day}T00:00:00Z`) / 1000;
    const dayEnd = dayStart + 86_400;
    const creatorsFound: Found[] = [];
    const videosFound: Found[] = [];
    const changed = new Set<string>();
    const inFile = new Set<string>();
    const created = new Set<string>();
    const mainRows: { line: number; row: Creator }[] = [];
    const dayLines: string[] = [];

    const creatorLines = (await readFile(join(out, day, 'creators.ndjson'), 'utf8')).split('\n');
    assert.equal(creatorLines.pop(), '', 'creators.ndjson ends with a newline');
    const seen = new Set<string>();
    creatorLines.forEach((text, i) => {
      const line = i + 1;
      dayLines.push(`c:${text}`);
      const o = JSON.parse(text) as Creator;
      const flag = (kind: DefectKind) => creatorsFound.push({ line, kind });
      if (o.creator_id == null || o.followers == null || o.updated_at == null) return flag('missing_required');
      if (typeof o.creator_id === 'string' && parseTs(o.updated_at) !== undefined && parseTs(o.updated_at)! < dayStart) {
        assert.ok(earlierLines.has(`c:${text}`), `re-sent creator row ${day}:${line} is a copy of an earlier file's line`);
        return flag('duplicate_key_across_files');
      }
      inFile.add(o.creator_id);
      if (parseTs(o.created_at)! >= dayStart) created.add(o.creator_id);
      if (NUMERIC.some((f) => typeof o[f] !== 'number')) {
        const fixable = typeof o.followers === 'string' && SUFFIX.test(o.followers) && NUMERIC.every((f) => f === 'followers' || typeof o[f] === 'number');
        if (fixable && parseTs(o.updated_at)! < dayEnd) {
          const m = SUFFIX.exec(o.followers as unknown as string)!;
          const value = Math.round(Number(m[1]) * (/[kK]/.test(m[2]!) ? 1e3 : 1e6));
          fixed.set(o.creator_id, { ...o, followers: value });
        }
        return flag('wrong_type');
      }
      if (o.followers < 0) return flag('negative_followers');
      const t = parseTs(o.updated_at);
      if (t === undefined) return flag('malformed_timestamp');
      if (t >= dayEnd) return flag('future_timestamp');
      const key = `${o.creator_id}|${o.updated_at}`;
      const prev = strict.get(o.creator_id);
      strict.set(o.creator_id, o);
      fixed.set(o.creator_id, o);
      changed.add(o.creator_id);
      if (seen.has(key)) return flag('duplicate_key_within_file');
      seen.add(key);
      if (prev && prev.followers > 0 && o.followers / prev.followers >= 4) flag('follower_spike');
      mainRows.push({ line, row: o });
      return undefined;
    });

    const videoLines = (await readFile(join(out, day, 'videos.csv'), 'utf8')).split('\n');
    assert.equal(videoLines.pop(), '');
    assert.equal(videoLines[0], 'video_id,creator_id,posted_at,duration_s,views,likes,comments,shares,updated_at,engagement_rate');
    const seenVideos = new Set<string>();
    videoLines.slice(1).forEach((text, i) => {
      const line = i + 2;
      dayLines.push(`v:${text}`);
      const cells = text.split(',');
      assert.equal(cells.length, 10, `videos.csv ${day}:${line} has 10 cells`);
      const [videoId, creatorId, postedAt, duration, views, likes, comments, shares, updatedAt, engagement] = cells as string[];
      const flag = (kind: DefectKind) => videosFound.push({ line, kind });
      if (!videoId || !creatorId || !postedAt || !views || !likes || !updatedAt) return flag('missing_required');
      if ([duration, views, likes, comments, shares].some((v) => !/^\d+$/.test(v!))) return flag('wrong_type');
      const tp = parseTs(postedAt);
      const tu = parseTs(updatedAt);
      if (tp === undefined || tu === undefined) return flag('malformed_timestamp');
      if (tp >= dayEnd || tu >= dayEnd) return flag('future_timestamp');
      const v = Number(views);
      const l = Number(likes);
      const rate = (l + Number(comments) + Number(shares)) / v;
      if (l > v || rate > 1) return flag('engagement_gt_1');
      if (!strict.has(creatorId)) return flag('unknown_creator');
      if (tu < dayStart) {
        assert.ok(earlierLines.has(`v:${text}`), `re-sent video row ${day}:${line} is a copy of an earlier file's line`);
        return flag('duplicate_key_across_files');
      }
      const key = `${videoId}|${updatedAt}`;
      videos.set(videoId, { creator_id: creatorId, views: v, likes: l, updated_at: updatedAt });
      if (seenVideos.has(key)) return flag('duplicate_key_within_file');
      seenVideos.add(key);
      replay.cleanVideoRows.push({ views: v, likes: l, engagement: rate, written: Number(engagement) });
      return undefined;
    });

    // Aggregation: a creator row's totals equal the sums over its accepted videos at the end of the day.
    const sums = new Map<string, { views: number; likes: number; count: number }>();
    for (const video of videos.values()) {
      const s = sums.get(video.creator_id) ?? { views: 0, likes: 0, count: 0 };
      s.views += video.views;
      s.likes += video.likes;
      s.count++;
      sums.set(video.creator_id, s);
    }
    for (const { line, row } of mainRows) {
      const s = sums.get(row.creator_id) ?? { views: 0, likes: 0, count: 0 };
      if (row.total_views !== s.views) {
        creatorsFound.push({ line, kind: 'view_sum_mismatch' });
      } else {
        assert.equal(row.total_likes, s.likes, `${day}: total_likes of ${row.creator_id}`);
        assert.equal(row.video_count, s.count, `${day}: video_count of ${row.creator_id}`);
      }
    }

    const intraday = new Map<string, { ts: string; followers: number; total_views: number }>();
    if (day !== days[0]) {
      const files = (await readdir(join(out, day, 'intraday'))).sort();
      assert.equal(files.length, 96);
      for (const file of files) {
        const quarter = file.replace('.ndjson', '').replace('-', ':');
        for (const text of (await readFile(join(out, day, 'intraday', file), 'utf8')).split('\n').filter(Boolean)) {
          const r = JSON.parse(text) as { creator_id: string; ts: string; followers: number; total_views: number };
          assert.equal(r.ts, `${day}T${quarter}:00Z`);
          const prev = intraday.get(r.creator_id);
          assert.ok(!prev || prev.ts < r.ts, `one record per creator and quarter hour (${r.creator_id} ${r.ts})`);
          intraday.set(r.creator_id, r);
        }
      }
    } else {
      for (const [id, row] of strict) replay.day0Followers.set(id, row.followers);
    }

    for (const l of dayLines) earlierLines.add(l);
    creatorsFound.sort((a, b) => a.line - b.line);
    replay.found.set(day, { creators: creatorsFound, videos: videosFound, rows: { creators: creatorLines.length, videos: videoLines.length - 1 } });
    replay.strict.set(day, new Map(strict));
    replay.fixed.set(day, new Map(fixed));
    replay.changed.set(day, changed);
    replay.existingInFile.set(day, new Set([...inFile].filter((id) => !created.has(id))));
    replay.createdOn.set(day, created);
    replay.intraday.set(day, intraday);
  }
  return replay;
}

function countKinds(found: Found[]): Record<DefectKind, number> {
  const counts = Object.fromEntries(DEFECT_KINDS.map((k) => [k, 0])) as Record<DefectKind, number>;
  for (const f of found) counts[f.kind]++;
  return counts;
}

for (const config of [
  { name: 'defect-heavy landing (2000 creators × 8 days, defect rate 0.2)', creators: 2000, days: 8, seed: 11, defectRate: 0.2 },
  { name: 'default landing (500 creators × 6 days, default defect rate)', creators: 500, days: 6, seed: 3, defectRate: undefined },
]) {
  describe(config.name, () => {
    let out: string;
    let replay: Replay;
    let truth: TikTokTruth;
    const options = { creators: config.creators, days: config.days, start: '2025-03-30', seed: config.seed, ...(config.defectRate === undefined ? {} : { defectRate: config.defectRate }) };

    before(async () => {
      out = await mkdtemp(join(tmpdir(), 'quarry-tiktok-'));
      await generate({ ...options, out });
      replay = await replayLanding(out);
      truth = new TikTokTruth(options);
    });
    after(async () => {
      await rm(out, { recursive: true, force: true });
    });

    it('writes one folder per day and a truth file per day', async () => {
      assert.deepEqual(replay.days, truth.days);
      assert.deepEqual((await readdir(join(out, '_truth'))).sort(), [...truth.days.map((d) => `${d}.json`), 'manifest.json'].sort());
    });

    it('lists exactly the defective rows an independent parser finds, with their kinds and lines', async () => {
      for (const day of replay.days) {
        const written = JSON.parse(await readFile(join(out, '_truth', `${day}.json`), 'utf8')) as DayTruth;
        const found = replay.found.get(day)!;
        for (const [file, list] of [['creators.ndjson', found.creators], ['videos.csv', found.videos]] as const) {
          const expected = written.defectiveRows[file].map((r) => ({ line: r.line, kind: r.kind }));
          assert.deepEqual(list, expected, `${day} ${file}`);
          const ft = written.files[file];
          assert.equal(ft.rows, file === 'videos.csv' ? found.rows.videos : found.rows.creators, `${day} ${file} rows`);
          assert.deepEqual(ft.defects, countKinds(list), `${day} ${file} counts per kind`);
          const dropped = list.filter((f) => f.kind !== 'follower_spike' && f.kind !== 'view_sum_mismatch').length;
          assert.equal(ft.expectedAcceptedRows, ft.rows - dropped, `${day} ${file} expected accepted rows`);
        }
      }
    });

    it('answers defectsOn(day) with exactly the written truth file', async () => {
      for (const day of replay.days) {
        const written = JSON.parse(await readFile(join(out, '_truth', `${day}.json`), 'utf8')) as DayTruth;
        assert.deepEqual(truth.defectsOn(day), written);
      }
    });

    it('answers followersAt for every creator and day as a replay of the files does (both policies)', () => {
      const all = truth.creatorsCreatedMidRange(1e9).concat(Array.from({ length: config.creators }, (_, i) => `c_${String(i).padStart(6, '0')}`));
      for (const day of replay.days) {
        const strict = replay.strict.get(day)!;
        const fixed = replay.fixed.get(day)!;
        for (const id of all) {
          assert.equal(truth.followersAt(id, day), strict.get(id)?.followers, `${id} at ${day}`);
          assert.equal(truth.followersAt(id, day, { policy: 'fix-suffixes' }), fixed.get(id)?.followers, `${id} at ${day} (fix-suffixes)`);
        }
      }
    });

    it('answers creatorStateAt with the accepted row as written', () => {
      const last = replay.days[replay.days.length - 1]!;
      const sample = [...truth.creatorsChangedSeveralTimes({ limit: 20 }), ...truth.creatorsCreatedMidRange(20), ...truth.creatorsWithDefectiveRows({ limit: 20 }).map((r) => r.creatorId)];
      assert.ok(sample.length > 10, `sample of ${sample.length} creators`);
      for (const id of sample) {
        for (const day of [replay.days[1]!, last]) assert.deepEqual(truth.creatorStateAt(id, day), replay.strict.get(day)!.get(id), `${id} at ${day}`);
      }
    });

    it('answers creatorsChangedOn and creatorsCreatedOn as the files show', () => {
      for (const day of replay.days) {
        assert.deepEqual(truth.creatorsChangedOn(day), [...replay.changed.get(day)!].sort(), day);
        assert.deepEqual(truth.creatorsCreatedOn(day), day === replay.days[0] ? [] : [...replay.createdOn.get(day)!].sort(), day);
      }
    });

    it('changes 1–5% of existing creators a day, plus some new creators', () => {
      for (const [i, day] of replay.days.entries()) {
        if (i === 0) continue;
        const existing = truth.defectsOn(replay.days[i - 1]!).creatorsExisting;
        const rate = replay.existingInFile.get(day)!.size / existing;
        assert.ok(rate >= 0.01 && rate <= 0.05, `${day}: change rate ${rate}`);
        assert.ok(replay.createdOn.get(day)!.size > 0, `${day}: new creators`);
      }
    });

    it('keeps views ≥ likes and engagement within 0..1 (mostly 2–15%) on clean video rows', () => {
      const rows = replay.cleanVideoRows;
      assert.ok(rows.length > 1000, `${rows.length} clean video rows`);
      for (const r of rows) {
        assert.ok(r.views >= 1 && r.views >= r.likes, `views ${r.views} ≥ likes ${r.likes}`);
        assert.ok(r.engagement <= 1, `engagement ${r.engagement} ≤ 1`);
        assert.ok(Math.abs(r.engagement - r.written) < 1e-6, `engagement_rate ${r.written} is (likes+comments+shares)/views`);
      }
      const typical = rows.filter((r) => r.engagement >= 0.02 && r.engagement <= 0.15).length / rows.length;
      assert.ok(typical > 0.7, `share of engagement in 2–15%: ${typical}`);
    });

    it('picks the top 1% of the initial load by followers as intraday creators, ending each day at the accepted row', () => {
      const ranked = [...replay.day0Followers].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const top = ranked.slice(0, Math.ceil(config.creators / 100)).map(([id]) => id).sort();
      assert.deepEqual(truth.priorityCreators(), top);
      for (const day of replay.days.slice(1)) {
        const intraday = replay.intraday.get(day)!;
        const expected = top.filter((id) => replay.changed.get(day)!.has(id));
        assert.deepEqual([...intraday.keys()].sort(), expected, `${day}: intraday creators`);
        for (const id of expected) {
          const row = replay.strict.get(day)!.get(id)!;
          const lastRecord = intraday.get(id)!;
          assert.equal(lastRecord.followers, row.followers);
          assert.equal(lastRecord.ts, row.updated_at);
        }
      }
    });

    if (config.defectRate !== undefined) it('injects every defect kind when defects are frequent', () => {
      const totals = countKinds(replay.days.flatMap((d) => [...replay.found.get(d)!.creators, ...replay.found.get(d)!.videos]));
      for (const kind of DEFECT_KINDS) assert.ok(totals[kind] > 0, `some ${kind} rows`);
      assert.ok(truth.followerSpikes().length > 0 && truth.viewSumMismatches().length > 0, 'spikes and mismatches listed');
      for (const s of truth.followerSpikes()) assert.ok(s.to >= 5 * s.from - 1 && s.to <= 20 * s.from + 1, `spike ${s.from} → ${s.to}`);
    });
  });
}
