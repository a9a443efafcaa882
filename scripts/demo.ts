// `npm run demo`: the TikTok pipeline end to end on this machine.
//
//   1. generates a seeded synthetic landing (10,000 creators × 30 days) into examples/tiktok/landing,
//   2. backfills every asset of examples/tiktok through the Instance API (progress on stderr),
//   3. prints what was built: partitions, rows, quarantine by reason, anomalies, a point-in-time
//      answer checked against the generator's ground truth, and the elapsed time.
//
// Options: --days N (default 30), --creators N (10000), --seed S (42), --start DAY (2026-01-01),
// --fresh (start from an empty landing and state), --concurrency N.
// An existing landing of the same creators, seed and start is kept with its state, so running the
// demo again plans nothing and says so, and `npm run demo -- --days 31` adds day 31 and
// materializes only it and what depends on it. Asking for fewer days than are kept starts fresh.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createProgressReporter, openInstance, type Instance, type Plan } from '@quarry/core';
import { TikTokTruth, followersAsOf, generate } from '@quarry/assets';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const projectDir = join(root, 'examples', 'tiktok');
const landingDir = join(projectDir, 'landing');
const stateDir = join(projectDir, '.quarry');

const { values } = parseArgs({
  options: {
    days: { type: 'string' },
    creators: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '42' },
    start: { type: 'string', default: '2026-01-01' },
    fresh: { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write('Usage: npm run demo -- [--days N] [--creators N] [--seed S] [--start YYYY-MM-DD] [--fresh] [--concurrency N]\n');
  process.exit(0);
}

const wholeNumber = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) {
    process.stderr.write(`demo: --${name} "${text}" is not a whole number: pass e.g. --${name} ${fallback}.\n`);
    process.exit(1);
  }
  return Number(text);
};
const creators = wholeNumber('creators', values.creators, 10_000);
const seed = wholeNumber('seed', values.seed, 42);
const start = values.start!;
const kept = keptLandingDays();
// Without --days a kept landing keeps its own length, so a 31-day landing is not cut back to 30 days.
const days = wholeNumber('days', values.days, !values.fresh && kept !== undefined ? Math.max(kept, 30) : 30);
const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const out = (line = '') => process.stdout.write(`${line}\n`);

function keptLandingDays(): number | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(landingDir, '_truth', 'manifest.json'), 'utf8')) as { options: { creators: number; seed: number; start: string; days: number } };
    const o = manifest.options;
    return o.creators === creators && o.seed === seed && o.start === start ? o.days : undefined;
  } catch {
    return undefined;
  }
}

const started = performance.now();
const keep = !values.fresh && kept !== undefined && kept <= days;
if (!keep) {
  rmSync(landingDir, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
}
out(`Quarry TikTok demo: ${fmt(creators)} creators × ${days} days from ${start}, seed ${seed}${keep ? ' (keeping the existing landing and state)' : ' (fresh state)'}`);

// 1. The landing folder. Day folders of an earlier run with the same creators/start/seed are reused
// untouched (the generator's output for days 1..N is prefix-stable), so --days 31 writes only day 31.
const generated = await generate({ creators, days, start, seed, out: landingDir });
out(
  `generated landing ${relative(root, landingDir)}: ${generated.daysWritten} day folders written, ${generated.daysReused} reused; ` +
    `${fmt(generated.rows.creators)} creator rows, ${fmt(generated.rows.videos)} video rows, ${fmt(generated.rows.intraday)} intraday rows in ${secs(generated.elapsedMs)}`,
);

// 2. Backfill through the Instance API. The config reads TIKTOK_LANDING; point it at this landing.
process.env.TIKTOK_LANDING = landingDir;
const instance = await openInstance({ projectDir, quarryHome: stateDir });
const planStarted = performance.now();
const plan = await instance.plan();
let runMs = 0;
if (plan.steps.length === 0) {
  out(`plan: nothing to do: every partition of ${instance.listAssets().length} assets is up to date (planned in ${secs(performance.now() - planStarted)}).`);
} else {
  out(`plan: ${describePlan(plan)}`);
  const progress = createProgressReporter({ stream: process.stderr });
  const unsubscribe = instance.onExecutionEvent(progress.onEvent);
  const runStarted = performance.now();
  const concurrency = values.concurrency !== undefined ? wholeNumber('concurrency', values.concurrency, 2) : undefined;
  const { runId } = await instance.startRun({ kind: 'backfill', ...(concurrency !== undefined ? { concurrency } : {}), tags: { source: 'demo' } });
  const run = await instance.waitForRun(runId);
  progress.close();
  unsubscribe();
  runMs = performance.now() - runStarted;
  out(`run ${runId} ${run.status} in ${secs(runMs)}`);
  if (run.status !== 'succeeded') {
    out(`the run did not succeed (${run.error ?? 'see quarry runs'}); inspect it with: npx quarry runs --project ${relative(process.cwd(), projectDir) || '.'}`);
    await instance.close();
    process.exit(1);
  }
}

await printSummary(instance);
await instance.close();
out();
out(`elapsed: ${secs(performance.now() - started)} in all (generation ${secs(generated.elapsedMs)}, materialization ${secs(runMs)})`);
out(`open the UI:  npx quarry serve --project ${relative(process.cwd(), projectDir) || '.'}`);
out(`ask history:  ${tiktokBin()} asof --creator c_000042 --at ${dayAt(Math.min(14, days - 1))} --project ${relative(process.cwd(), projectDir) || '.'}`);

// `npx quarry-tiktok` needs the workspace bin linked (npm install); the script path works either way.
function tiktokBin(): string {
  return existsSync(join(root, 'node_modules', '.bin', 'quarry-tiktok')) ? 'npx quarry-tiktok' : `node ${relative(process.cwd(), join(root, 'packages/assets/bin/quarry-tiktok.mjs'))}`;
}

function dayAt(index: number): string {
  const d = new Date(`${start}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + index);
  return d.toISOString().slice(0, 10);
}

function describePlan(p: Plan): string {
  const byAsset = new Map<string, number>();
  const byCause = new Map<string, number>();
  for (const step of p.steps) {
    byAsset.set(step.assetKey, (byAsset.get(step.assetKey) ?? 0) + step.partitionKeys.length);
    byCause.set(step.reason.cause, (byCause.get(step.reason.cause) ?? 0) + 1);
  }
  const partitions = [...byAsset.values()].reduce((a, b) => a + b, 0);
  const causes = [...byCause].map(([c, n]) => `${n} ${c}`).join(', ');
  const keys = new Set(p.steps.flatMap((s) => s.partitionKeys).filter((k) => k !== ''));
  const range = [...keys].sort();
  return `${p.steps.length} steps over ${byAsset.size} assets, ${fmt(partitions)} partitions (${causes})` + (range.length > 0 ? `, days ${range[0]}..${range[range.length - 1]}` : '');
}

async function printSummary(inst: Instance): Promise<void> {
  const assets = inst.listAssets().filter((a) => a.type === 'asset');
  const counts = await inst.query(
    assets.map((a) => `SELECT ${quote(a.key)} AS asset, count(*)::BIGINT AS rows FROM ${a.key.replaceAll('/', '__')}`).join(' UNION ALL '),
  );
  const rowsOf = new Map(counts.rows.map((r) => [String(r.asset), Number(r.rows)]));
  const status = await inst.status();
  out();
  out('assets (fresh partitions / total, rows):');
  for (const s of status) {
    out(`  ${s.assetKey.padEnd(32)} ${`${s.counts.fresh}/${s.total}`.padStart(7)}  ${fmt(rowsOf.get(s.assetKey) ?? 0).padStart(12)} rows`);
  }
  const partitions = status.reduce((n, s) => n + s.counts.fresh, 0);
  const rows = [...rowsOf.values()].reduce((a, b) => a + b, 0);
  out(`  ${status.length} assets, ${fmt(partitions)} partitions materialized, ${fmt(rows)} rows`);

  const quarantine = await inst.query(
    `SELECT reason_code, sum(creators)::BIGINT AS creators, sum(videos)::BIGINT AS videos FROM (
       SELECT reason_code, 1 AS creators, 0 AS videos FROM quality__creator_quarantine
       UNION ALL SELECT reason_code, 0, 1 FROM quality__video_quarantine)
     GROUP BY reason_code ORDER BY sum(creators) + sum(videos) DESC, reason_code`,
  );
  const inputs = await inst.query(
    `SELECT (SELECT count(*) FROM raw__creator_changes)::BIGINT AS creators_accepted, (SELECT count(*) FROM quality__creator_quarantine)::BIGINT AS creators_rejected,
            (SELECT count(*) FROM raw__video_changes)::BIGINT AS videos_accepted, (SELECT count(*) FROM quality__video_quarantine)::BIGINT AS videos_rejected`,
  );
  const io = inputs.rows[0]!;
  out();
  out(
    `quarantine: ${fmt(Number(io.creators_rejected))} of ${fmt(Number(io.creators_accepted) + Number(io.creators_rejected))} creator rows, ` +
      `${fmt(Number(io.videos_rejected))} of ${fmt(Number(io.videos_accepted) + Number(io.videos_rejected))} video rows rejected, by reason:`,
  );
  for (const r of quarantine.rows) out(`  ${String(r.reason_code).padEnd(22)} ${fmt(Number(r.creators)).padStart(6)} creator rows  ${fmt(Number(r.videos)).padStart(6)} video rows`);

  const spikes = await inst.query(`SELECT day, creator_id, previous_followers, followers, round(z_score, 1) AS z FROM quality__follower_spikes ORDER BY day, creator_id`);
  const mismatches = await inst.query(`SELECT count(*)::BIGINT AS n FROM quality__view_sum_mismatches`);
  out();
  out(`anomalies: ${spikes.rows.length} follower spikes (z-score against each creator's own 14-day history), ${fmt(Number(mismatches.rows[0]!.n))} view-sum mismatches`);
  for (const s of spikes.rows.slice(0, 5)) out(`  ${String(s.day)} ${String(s.creator_id)}: ${fmt(Number(s.previous_followers))} → ${fmt(Number(s.followers))} followers (z = ${String(s.z)})`);

  // Point in time: a creator that changed several times, as of day 15, against the generator's truth.
  const truth = new TikTokTruth({ creators, days, start, seed });
  const day = dayAt(Math.min(14, days - 1));
  const sample = truth.creatorsChangedSeveralTimes({ minChanges: 3, limit: 1 })[0] ?? truth.creatorsChangedSeveralTimes({ minChanges: 1, limit: 1 })[0] ?? 'c_000000';
  const answer = await followersAsOf(inst, sample, day);
  const expected = truth.followersAt(sample, day);
  out();
  out(
    `point in time: ${sample} had ${answer === undefined ? 'no row' : fmt(answer)} followers at the end of ${day} (SCD2 history); ` +
      `generator truth: ${expected === undefined ? 'no row' : fmt(expected)} ${answer === expected ? '✓' : '✗ MISMATCH'}`,
  );
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

