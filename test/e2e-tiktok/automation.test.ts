// The TikTok example under the daemon (docs/automation.md): examples/tiktok/quarry.config.ts itself,
// over a tiny generated landing, on a manual clock. The landing sensor requests exactly the landing
// days whose window has ended (and a changed day from it to the last), the 15-minute schedule
// requests the intraday branch's current day at high priority, and a tick with nothing new requests
// nothing.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { computeFreshness, createDaemon, createManualClock, openInstance, type Daemon, type Instance, type ManualClock, type ProjectDefinition, type RunRequestRecord } from '@quarry/core';
import { TIKTOK_LANDING_SELECTION, defineTikTokPipelineFromLanding, generate, landingDayVersion } from '@quarry/assets';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const MINUTE = 60_000;
const INTRADAY_BRANCH = ['marts/priority_creator_daily', 'quality/intraday_quarantine', 'raw/priority_creator_intraday'];

describe('the TikTok example under the daemon', () => {
  const root = join(repoRoot, 'test-output', `e2e-tiktok-automation-${process.pid}-${Date.now().toString(36)}`);
  const landing = join(root, 'landing');
  let instance: Instance;
  let clock: ManualClock;
  let daemon: Daemon;
  const previousLanding = process.env.TIKTOK_LANDING;

  /** Run requests recorded so far, oldest first. */
  const requests = (): RunRequestRecord[] => instance.catalog.listRunRequests({ limit: 1000 }).sort((a, b) => a.seq - b.seq);
  const tickAndDrain = async () => {
    const result = await daemon.tick();
    assert.equal(result.leader, true);
    await daemon.drain();
    return result;
  };

  before(async () => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    await generate({ creators: 20, days: 3, start: '2026-03-01', seed: 5, defectRate: 0.05, out: landing });
    // The example's own config, reading this landing.
    process.env.TIKTOK_LANDING = landing;
    const project = (await import(pathToFileURL(join(repoRoot, 'examples/tiktok/quarry.config.ts')).href)).default as ProjectDefinition;
    // 10:07 on the last landing day: days 1 and 2 are complete, day 3 is in progress.
    clock = createManualClock({ start: Date.parse('2026-03-03T10:07:00Z'), autoAdvance: false });
    instance = await openInstance({ project, projectDir: root, quarryHome: join(root, '.quarry'), clock });
    daemon = createDaemon({ host: instance, clock, daemonId: 'tiktok-test' });
  });
  after(async () => {
    await instance?.close();
    if (previousLanding === undefined) delete process.env.TIKTOK_LANDING;
    else process.env.TIKTOK_LANDING = previousLanding;
    rmSync(root, { recursive: true, force: true });
  });

  it('declares the sensor, the 15-minute high tier and the eager daily marts', () => {
    assert.deepEqual(instance.project.sensors.map((s) => [s.name, s.everyMs]), [['tiktok_landing', MINUTE]]);
    const automation = Object.fromEntries(
      instance.graph.keys.flatMap((key) => {
        const a = instance.graph.get(key);
        return a.type === 'asset' && a.automation !== undefined ? [[key, [a.automation.kind, a.priority ?? 'normal', a.freshness?.maxLag ?? null]]] : [];
      }),
    );
    assert.deepEqual(automation, {
      'marts/category_daily_metrics': ['eager', 'normal', '26h'],
      'marts/creator_daily_metrics': ['eager', 'normal', '26h'],
      'marts/priority_creator_daily': ['cron', 'high', null],
      'quality/intraday_quarantine': ['cron', 'high', null],
      'raw/priority_creator_intraday': ['cron', 'high', '30m'],
    });
  });

  it('leaves every code version as the pipeline without automation has it (outputs-unchanged pins those)', () => {
    const plain = defineTikTokPipelineFromLanding(landing);
    const versions = (assets: readonly { key: string; codeVersion?: string | undefined }[]) => assets.map((a) => [a.key, a.codeVersion]);
    assert.deepEqual(versions(instance.graph.keys.map((k) => instance.graph.get(k) as { key: string; codeVersion?: string })).sort(), versions(plain.assets).sort());
    assert.equal(plain.sensors.length, 0);
    assert.ok(plain.assets.every((a) => a.type !== 'asset' || a.automation === undefined));
  });

  it('the landing sensor requests exactly the landing days whose window ended, once each', async () => {
    await tickAndDrain();
    const sensorRequests = requests().filter((r) => r.source === 'sensor:tiktok_landing');
    assert.deepEqual(
      sensorRequests.map((r) => [r.runKey, r.selection, r.partitions, r.status]),
      ['2026-03-01', '2026-03-02'].map((day) => [`sensor:tiktok_landing:${day}@${landingDayVersion(landing, day)}`, TIKTOK_LANDING_SELECTION, { key: day }, 'done']),
    );
    assert.equal(requests().length, 2, 'no schedule fires for the past, and the eager marts were built by the sensor requests');
    const sensorTick = instance.catalog.listTicks({ kind: 'sensor', limit: 1 })[0]!;
    assert.equal(sensorTick.status, 'requested');
    // Both days were built, every daily asset of the pipeline.
    for (const key of instance.graph.keys) assert.deepEqual([...instance.catalog.currentPartitions(key).keys].sort(), ['2026-03-01', '2026-03-02'], key);
  });

  it('the 15-minute schedule requests the intraday branch for the day in progress, at high priority', async () => {
    clock.advance(8 * MINUTE); // 10:15
    await tickAndDrain();
    const scheduled = requests().filter((r) => r.source.startsWith('schedule:'));
    assert.deepEqual(
      scheduled.map((r) => [r.runKey, r.partitions, r.priority, r.status]).sort(),
      INTRADAY_BRANCH.map((key) => [`schedule:${key}:2026-03-03T10:15:00.000Z`, { key: '2026-03-03' }, 0, 'done']),
    );
    for (const key of INTRADAY_BRANCH) assert.deepEqual([...instance.catalog.currentPartitions(key).keys].sort(), ['2026-03-01', '2026-03-02', '2026-03-03'], key);
    assert.equal(requests().length, 5, 'the sensor found nothing new: day 3 is still in progress');
    assert.match(instance.catalog.listTicks({ kind: 'sensor', limit: 1 })[0]!.reason ?? '', /no new or changed landing days among 2; not yet partitions .*: 2026-03-03/);
    const freshness = computeFreshness(instance.graph, instance.catalog, instance.partitionsContext(), clock.now(), ['raw/priority_creator_intraday'])[0]!;
    assert.deepEqual([freshness.state, freshness.newestPartition], ['fresh', '2026-03-03']);
  });

  it('a tick with nothing new requests nothing', async () => {
    const before = requests().length;
    clock.advance(MINUTE); // 10:16
    const result = await tickAndDrain();
    assert.equal(requests().length, before);
    assert.deepEqual(result.launched, []);
    assert.ok(result.ticks.every((t) => t.status !== 'requested'), JSON.stringify(result.ticks));
  });

  it('requests the last day once its window ended, and a changed day from it to the last day', async () => {
    clock.advance(Date.parse('2026-03-04T00:01:00Z') - clock.now());
    await tickAndDrain();
    const day3 = requests().filter((r) => r.source === 'sensor:tiktok_landing').slice(2);
    assert.deepEqual(day3.map((r) => [r.partitions, r.status]), [[{ key: '2026-03-03' }, 'done']]);
    assert.deepEqual([...instance.catalog.currentPartitions('marts/creator_daily_metrics').keys].sort(), ['2026-03-01', '2026-03-02', '2026-03-03']);

    // A rewritten day 1 (one more line, which the quarantine takes): requested from day 1 to the last day.
    appendFileSync(join(landing, '2026-03-01', 'creators.ndjson'), '{"creator_id": "c_broken"\n');
    clock.advance(MINUTE);
    const before = requests().length;
    await tickAndDrain();
    const changed = requests().slice(before).filter((r) => r.source === 'sensor:tiktok_landing');
    assert.deepEqual(
      changed.map((r) => [r.runKey, r.partitions, r.status]),
      [[`sensor:tiktok_landing:2026-03-01@${landingDayVersion(landing, '2026-03-01')}`, { from: '2026-03-01', to: '2026-03-03' }, 'done']],
    );
    assert.deepEqual((await instance.plan({ selection: TIKTOK_LANDING_SELECTION, partitions: { from: '2026-03-01', to: '2026-03-03' } })).steps, []);

    clock.advance(MINUTE);
    const idle = requests().length;
    await tickAndDrain();
    assert.equal(requests().length, idle, 'the same versions are never requested again');
  });
});
