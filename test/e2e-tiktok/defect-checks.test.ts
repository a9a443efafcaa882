import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { DEFECT_KINDS } from '@quarry/assets';
import { runCli } from '@quarry/core/cli';
import { TIKTOK_DEFECT_CHECKS } from '@quarry/assets';
import { TikTokFixture } from './tiktok-fixture.ts';

/** One stored check result as `quarry checks --json` prints it. */
interface CheckRow {
  partitionKey: string;
  checkName: string;
  passed: boolean;
  severity: 'warn' | 'error';
  failingCount: number | null;
  metadata: { status: string; blocking: boolean; kind: string; totalCount: number | null };
}

/** One asset of the `quarry checks --json` report. */
interface AssetReport {
  asset: string;
  score: number | null;
  partitions: { partitionKey: string; score: number | null }[];
  results: CheckRow[];
}

// The checks that must pass on the accepted (and derived) assets because the bad rows were
// quarantined: asset → check names.
const GUARDS: Readonly<Record<string, readonly string[]>> = {
  'raw/creator_changes': ['schema_contract', 'required_present', 'accepted_range_followers', 'no_future_timestamp', 'null_percentage_country'],
  'raw/video_changes': ['schema_contract', 'required_present', 'accepted_range_engagement_rate', 'no_future_timestamp', 'referential_integrity_creator_id'],
  'core/creator_snapshots': ['unique_creator_id'],
  'marts/creator_daily_metrics': ['accepted_range_engagement_rate', 'accepted_range_followers'],
};

async function checksReport(f: TikTokFixture): Promise<AssetReport[]> {
  let stdout = '';
  let stderr = '';
  const sink = (write: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        write(chunk.toString('utf8'));
        done();
      },
    });
  const io = {
    stdout: sink((t) => (stdout += t)),
    stderr: sink((t) => (stderr += t)),
    cwd: f.root,
    env: { ...process.env, QUARRY_HOME: join(f.root, '.quarry') },
  };
  const code = await runCli(['checks', '--json', '--project', f.root], io);
  assert.equal(code, 0, stderr);
  return (JSON.parse(stdout) as { assets: AssetReport[] }).assets;
}

describe('TikTok defect checks (400 creators × 5 days, defect rate 0.5)', () => {
  let f: TikTokFixture;
  let report: AssetReport[];
  const resultOf = (asset: string, check: string, day: string): CheckRow => {
    const a = report.find((r) => r.asset === asset);
    assert.ok(a, `quarry checks reports ${asset}`);
    const row = a.results.find((r) => r.checkName === check && r.partitionKey === day);
    assert.ok(row, `${asset} has a result of ${check} on ${day}`);
    return row;
  };

  before(async () => {
    f = await TikTokFixture.create('e2e-tiktok-defect-checks', { creators: 400, days: 5, start: '2026-03-01', seed: 7, defectRate: 0.5 });
    await f.run();
    report = await checksReport(f);
  });
  after(async () => {
    await f?.close();
  });

  it('names a check for every defect kind of the generator', () => {
    assert.deepEqual(Object.keys(TIKTOK_DEFECT_CHECKS).sort(), [...DEFECT_KINDS].sort());
    for (const kind of DEFECT_KINDS) {
      for (const { asset, check } of TIKTOK_DEFECT_CHECKS[kind]) {
        const definition = f.instance.graph.get(asset);
        assert.ok(definition.type === 'asset' && definition.checks.some((c) => c.name === check), `${asset} declares ${check} (for ${kind})`);
      }
    }
  });

  it('catches every injected defect kind with the check meant for it, failing count = ground truth, per day', () => {
    const actual: Record<string, number | null> = {};
    const expected: Record<string, number> = {};
    for (const kind of DEFECT_KINDS) {
      let injected = 0;
      for (const { file, asset, check } of TIKTOK_DEFECT_CHECKS[kind]) {
        for (const day of f.days) {
          const truth = f.truth.defectsOn(day).files[file].defects[kind];
          const result = resultOf(asset, check, day);
          const label = `${day} ${kind} ${file} (${asset} ${check})`;
          actual[label] = result.failingCount;
          expected[label] = truth;
          assert.equal(result.metadata.status, truth > 0 ? 'warned' : 'passed', `${label}: status`);
          injected += truth;
        }
      }
      assert.ok(injected > 0, `the landing injects ${kind} at least once`);
    }
    assert.deepEqual(actual, expected);
  });

  it('passes the guard checks on accepted and derived assets with no failing row', () => {
    for (const [asset, checks] of Object.entries(GUARDS)) {
      for (const check of checks) {
        for (const day of f.days) {
          const result = resultOf(asset, check, day);
          assert.equal(result.metadata.status, 'passed', `${asset} ${check} on ${day}`);
          assert.equal(result.failingCount, 0, `${asset} ${check} on ${day}: failing count`);
        }
      }
    }
  });

  it('blocks publication only on snapshot key uniqueness and on an empty creators file, and publishes every partition', () => {
    const blocking = new Set(report.flatMap((a) => a.results.filter((r) => r.metadata.blocking).map((r) => `${a.asset} ${r.checkName}`)));
    assert.deepEqual([...blocking].sort(), ['core/creator_snapshots unique_creator_id', 'raw/creator_changes landing_not_empty']);
    const notPassedErrors = report.flatMap((a) => a.results.filter((r) => r.severity === 'error' && !r.passed).map((r) => `${a.asset} ${r.checkName} [${r.partitionKey}]`));
    assert.deepEqual(notPassedErrors, [], 'no error-severity check fails');
    for (const a of report) assert.equal(a.partitions.length, f.days.length, `${a.asset}: a score per day`);
  });

  it('reports a 0–100 quality score per asset and partition', () => {
    assert.deepEqual(
      report.map((a) => a.asset).sort(),
      [
        'core/creator_snapshots',
        'marts/creator_daily_metrics',
        'quality/creator_quarantine',
        'quality/follower_spikes',
        'quality/intraday_quarantine',
        'quality/video_quarantine',
        'quality/view_sum_mismatches',
        'raw/creator_changes',
        'raw/video_changes',
      ],
    );
    for (const a of report) {
      assert.ok(a.score !== null && a.score >= 0 && a.score <= 100, `${a.asset} score ${a.score}`);
      for (const p of a.partitions) assert.ok(p.score !== null && p.score >= 0 && p.score <= 100, `${a.asset} [${p.partitionKey}] score ${p.score}`);
    }
    // Duplicates lower the raw assets' uniqueness below 100 on days that have them, never to 0.
    const raw = report.find((a) => a.asset === 'raw/creator_changes')!;
    assert.ok(raw.score! > 90 && raw.score! < 100, `raw/creator_changes score ${raw.score}`);
  });
});
