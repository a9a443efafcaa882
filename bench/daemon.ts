/**
 * Automation daemon speed: condition evaluations per second over 1,000 assets, and the CPU an idle
 * daemon uses.
 *
 *   npx tsx bench/daemon.ts [--assets 1000] [--ticks 5] [--idle-seconds 10] [--interval 30s]
 *
 * Builds a project of `assets` unpartitioned compute assets in chains of ten: every tenth asset is a
 * root on a 15-minute schedule, the others are `eager()` (never materialized, so each evaluation reads
 * its staleness and skips). Times `ticks` daemon ticks on a manual clock (no cron instant falls
 * inside them) and prints evaluations per second (asset conditions evaluated and recorded as ticks).
 * Then runs the daemon for real (system clock, `interval`) for `idle-seconds` with nothing to do and
 * prints its process CPU % over that window (measured in a fresh child process). Quick run only: no targets, INFO rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDaemon, createManualClock, defineAsset, defineProject, eager, onCron, openInstance, parseAutomationDuration, systemClock, type AnyAssetDefinition } from '../packages/core/src/index.ts';

const { values: args } = parseArgs({ options: { assets: { type: 'string', default: '1000' }, ticks: { type: 'string', default: '5' }, 'idle-seconds': { type: 'string', default: '10' }, interval: { type: 'string', default: '30s' }, 'idle-only': { type: 'boolean', default: false } } });
const count = Number(args.assets);
const ticks = Number(args.ticks);

const assets: AnyAssetDefinition[] = [];
for (let i = 0; i < count; i++) {
  const parent = i % 10 === 0 ? undefined : assets[i - 1];
  assets.push(
    parent === undefined
      ? defineAsset({ key: `bench/a${i}`, automation: onCron('*/15 * * * *'), compute: () => [{ x: 1 }] })
      : defineAsset({ key: `bench/a${i}`, deps: { up: parent }, automation: eager(), sql: 'select * from up' }),
  );
}
const project = defineProject({ name: 'daemon-bench', assets });
const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-daemon-'));
try {
  if (!args['idle-only']) {
  const clock = createManualClock({ start: Date.parse('2026-06-01T00:01:00Z'), autoAdvance: false });
  const instance = await openInstance({ project, projectDir: dir, quarryHome: join(dir, '.quarry'), clock });
  const daemon = createDaemon({ host: instance, clock });
  await daemon.tick(); // warm-up: first sight of every schedule
  const times: number[] = [];
  let evaluated = 0;
  let last = daemon;
  for (let i = 0; i < ticks; i++) {
    clock.advance(60_000);
    // A fresh daemon each time: its first loop evaluates every condition (nothing cached).
    const fresh = createDaemon({ host: instance, clock, daemonId: `bench-${i}` });
    instance.catalog.releaseDaemonLease('daemon', instance.catalog.daemonLease('daemon')!.holder);
    const t0 = performance.now();
    const result = await fresh.tick();
    last = fresh;
    times.push(performance.now() - t0);
    evaluated = result.ticks.length;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`daemon tick over ${count} assets: median ${median.toFixed(0)} ms (${evaluated} conditions evaluated and recorded per loop; runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`);
  console.log(`ticks/second evaluated: ${((evaluated / median) * 1000).toFixed(0)} (daemon loops/second: ${(1000 / median).toFixed(2)})`);
  // Loops with nothing changed: each condition sees its inputs unchanged and is not re-evaluated.
  const idleTimes: number[] = [];
  for (let i = 0; i < ticks; i++) {
    clock.advance(60_000);
    const t0 = performance.now();
    await last.tick();
    idleTimes.push(performance.now() - t0);
  }
  idleTimes.sort((a, b) => a - b);
  console.log(`daemon loop with nothing changed over ${count} assets: median ${idleTimes[Math.floor(idleTimes.length / 2)]!.toFixed(0)} ms`);
  await instance.close();

  // The idle figure comes from a fresh process (this script with --idle-only), so nothing of the timed part runs beside it.
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--idle-only', '--assets', String(count), '--idle-seconds', args['idle-seconds']!, '--interval', args.interval!], { encoding: 'utf8' });
  process.stdout.write(child.stdout);
  process.stderr.write(child.stderr);
  } else {
  // Idle: the real clock, nothing due, for idle-seconds.
  const real = await openInstance({ project, projectDir: dir, quarryHome: join(dir, '.quarry') });
  const intervalMs = parseAutomationDuration(args.interval!, '--interval');
  const idle = createDaemon({ host: real, clock: systemClock, intervalMs, daemonId: 'idle' });
  const controller = new AbortController();
  await idle.tick(); // the first evaluation of every condition, outside the idle window
  const running = idle.run(controller.signal);
  // CPU per 2.5-second window: the median is the idle cost, the mean includes the loops that fell inside.
  const windows: number[] = [];
  let cpuTotal = 0;
  const wall0 = performance.now();
  while (performance.now() - wall0 < Number(args['idle-seconds']) * 1000) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, 2500));
    const used = process.cpuUsage(c0);
    cpuTotal += (used.user + used.system) / 1000;
    windows.push(((used.user + used.system) / 1000 / (performance.now() - w0)) * 100);
  }
  const wall = performance.now() - wall0;
  windows.sort((a, b) => a - b);
  controller.abort();
  await running;
  await real.close();
  console.log(`idle daemon CPU: ${((cpuTotal / wall) * 100).toFixed(1)}% of one core on average over ${(wall / 1000).toFixed(0)} s, median 2.5-s window ${windows[Math.floor(windows.length / 2)]!.toFixed(1)}% (interval ${args.interval}, ${count} assets)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
