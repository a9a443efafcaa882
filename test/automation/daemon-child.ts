// A daemon process for the kill -9 test: a project with a 15-minute schedule and a sensor that adds a
// dynamic partition per tick, ticking on a manual clock from DAEMON_START in 5-minute loops up to
// DAEMON_LOOPS (and on until it led a tick that left the queue empty), draining after each. Prints one JSON line per loop ({ at, leader }). The test sets
// QUARRY_TEST_DAEMON_CRASH (test-only fault injection) to make it kill itself with SIGKILL.
import { join } from 'node:path';
import { createDaemon, createManualClock, defineAsset, defineProject, defineSensor, dynamicPartitions, fifteenMinutePartitions, onCron, openInstance } from '../../packages/core/src/index.ts';

const dir = process.env.DAEMON_DIR!;
const start = Date.parse(process.env.DAEMON_START!);
const loops = Number(process.env.DAEMON_LOOPS);
const STEP = 5 * 60_000;

const intraday = defineAsset({ key: 'raw/intraday', partitions: fifteenMinutePartitions({ start: process.env.DAEMON_START!.slice(0, 16) }), automation: onCron('*/15 * * * *'), priority: 'high', compute: ({ partition }) => [{ slot: partition.firstKey }] });
const landing = defineAsset({ key: 'raw/landing', partitions: dynamicPartitions({ name: 'landing' }), compute: ({ partition }) => [{ file: partition.firstKey }] });
const sensor = defineSensor({
  name: 'landing',
  every: '5m',
  evaluate: (ctx) => {
    const n = Number(ctx.cursor ?? '0') + 1;
    if (n > loops) return { skipReason: 'no new files' };
    const key = `f${String(n).padStart(3, '0')}`;
    return { runRequests: [{ runKey: key, selection: 'raw/landing', partitions: { key } }], dynamicPartitions: { landing: { add: [key] } }, cursor: String(n) };
  },
});
const project = defineProject({ name: 'daemon-kill', assets: [intraday, landing], sensors: [sensor], automation: { maxConcurrentRuns: 2 } });

const clock = createManualClock({ start, autoAdvance: false });
const instance = await openInstance({ project, projectDir: dir, quarryHome: join(dir, '.quarry'), clock });
const daemon = createDaemon({ host: instance, clock, leaseMs: STEP, daemonId: process.env.DAEMON_ID! });
// The planned loops, then more (at most 10) until this daemon has led a tick that left the queue empty:
// a daemon started after a crash late in the day takes over only when the dead one's lease expires.
let settled = false;
for (let i = 0; i <= loops || (!settled && i <= loops + 10); i++) {
  const result = await daemon.tick();
  await daemon.drain();
  settled = result.leader && instance.catalog.listRunRequests({ status: 'queued' }).length === 0;
  process.stdout.write(`${JSON.stringify({ at: clock.now(), leader: result.leader })}\n`);
  clock.advance(STEP);
}
await instance.close();
