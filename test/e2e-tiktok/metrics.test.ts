// /metrics of a real listening `quarry serve` after a run of the TikTok pipeline on a tiny landing:
// the strict text-format parse, and step counts, rows, quality scores, quarantine and freshness
// compared with the catalog's own figures.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parsePrometheusText, type PrometheusFamily } from '@quarry/core';
import { startServer, type RunningServer } from '@quarry/ui-server';
import { TikTokFixture } from './tiktok-fixture.ts';

/** Sample values of one family keyed by their labels (`asset=…,status=…`), for one sample name. */
function samples(families: Map<string, PrometheusFamily>, family: string, sampleName = family): Map<string, number> {
  const f = families.get(family);
  assert.ok(f, `metric family ${family} is exposed`);
  return new Map(f.samples.filter((s) => s.name === sampleName).map((s) => [Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(','), s.value]));
}

describe('Prometheus metrics of quarry serve after a TikTok run', () => {
  let f: TikTokFixture;
  let server: RunningServer;
  let families: Map<string, PrometheusFamily>;
  let contentType: string | null;
  let scrapeStart: number;
  let scrapeEnd: number;

  before(async () => {
    f = await TikTokFixture.create('e2e-tiktok-metrics', { creators: 200, days: 2, start: '2026-03-01', seed: 7, defectRate: 0.3 });
    await f.run();
    server = await startServer({ instance: f.instance, port: 0 });
    scrapeStart = Date.now();
    const response = await fetch(`${server.url}/metrics`);
    scrapeEnd = Date.now();
    assert.equal(response.status, 200, await response.clone().text());
    contentType = response.headers.get('content-type');
    families = parsePrometheusText(await response.text());
  });
  after(async () => {
    await server?.close();
    await f?.close();
  });

  it('answers a plain GET (no JSON body, no token) in the Prometheus text format 0.0.4', () => {
    assert.equal(contentType, 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(families.get('quarry_step_duration_seconds')?.type, 'histogram');
    assert.equal(families.get('quarry_rows_written_total')?.type, 'counter');
    // prom-client's default process metrics: CPU and memory.
    assert.ok(families.has('process_cpu_user_seconds_total'));
    assert.ok(families.has('process_resident_memory_bytes'));
  });

  it('counts runs and steps per asset and status as the catalog records them', () => {
    const expected = new Map<string, number>();
    for (const run of f.instance.catalog.listRuns({ limit: 1000 })) {
      for (const step of f.instance.catalog.listSteps(run.id)) {
        const key = `asset=${step.assetKey},status=${step.status}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    }
    assert.ok(expected.size > 5);
    assert.deepEqual(new Map([...samples(families, 'quarry_steps')].sort()), new Map([...expected].sort()));
    assert.equal(samples(families, 'quarry_runs').get('status=succeeded'), 1);
    assert.equal(samples(families, 'quarry_runs').get('status=running'), 0);
    // One duration observation per finished step of each asset.
    const counts = samples(families, 'quarry_step_duration_seconds', 'quarry_step_duration_seconds_count');
    for (const [key, n] of expected) if (key.endsWith('status=succeeded')) assert.equal(counts.get(key.replace(',status=succeeded', '')), n, key);
  });

  it('reports the rows and bytes written per asset that the catalog recorded', () => {
    const rows = samples(families, 'quarry_rows_written_total');
    const bytes = samples(families, 'quarry_bytes_written_total');
    let assets = 0;
    for (const asset of f.instance.graph.keys) {
      const versions = f.instance.catalog.materializationHistory(asset, undefined, { limit: Number.MAX_SAFE_INTEGER });
      if (versions.length === 0) continue;
      assets++;
      assert.equal(rows.get(`asset=${asset}`), versions.reduce((a, v) => a + (v.rowCount ?? 0), 0), asset);
      assert.equal(bytes.get(`asset=${asset}`), versions.reduce((a, v) => a + (v.bytes ?? 0), 0), asset);
    }
    assert.equal(rows.size, assets);
    assert.ok((rows.get('asset=raw/creator_changes') ?? 0) > 0);
  });

  it('shows each asset’s quality score as quarry checks computes it', () => {
    const scores = samples(families, 'quarry_quality_score');
    let scored = 0;
    for (const asset of f.instance.graph.keys) {
      const partitions = f.instance.qualityScores(asset).filter((s) => s.score !== null);
      if (partitions.length === 0) {
        assert.equal(scores.get(`asset=${asset}`), undefined, asset);
        continue;
      }
      scored++;
      const mean = Math.round((100 * partitions.reduce((a, s) => a + s.score!, 0)) / partitions.length) / 100;
      assert.equal(scores.get(`asset=${asset}`), mean, asset);
    }
    assert.ok(scored >= 3, `several assets have scores (${scored})`);
    assert.ok([...scores.values()].some((s) => s < 100), 'the defective landing lowers some score');
  });

  it('counts quarantined rows per reason as the lake holds them', async () => {
    const quarantined = samples(families, 'quarry_quarantined_rows');
    const reasons = new Set<string>();
    for (const [asset, relation] of [['quality/creator_quarantine', 'quality__creator_quarantine'], ['quality/video_quarantine', 'quality__video_quarantine']] as const) {
      const rows = await f.rows(`SELECT reason_code, count(*)::INTEGER AS n FROM ${relation} GROUP BY 1`);
      for (const r of rows) reasons.add(String(r.reason_code));
      for (const r of rows) assert.equal(quarantined.get(`asset=${asset},reason=${String(r.reason_code)}`), r.n, `${asset} ${String(r.reason_code)}`);
      assert.equal([...quarantined.keys()].filter((k) => k.startsWith(`asset=${asset},`)).length, rows.length);
    }
    assert.ok(reasons.size >= 2, `several reasons (${[...reasons].join(', ')})`);
  });

  it('measures freshness from the end of the newest partition window', () => {
    const lag = samples(families, 'quarry_freshness_lag_seconds');
    const lastDay = f.days[f.days.length - 1]!;
    const end = Date.parse(`${lastDay}T00:00:00Z`) + 86_400_000;
    const value = lag.get('asset=raw/creator_changes');
    assert.ok(value !== undefined);
    assert.ok(value >= (scrapeStart - end) / 1000 - 1 && value <= (scrapeEnd - end) / 1000 + 1, `lag ${value} s from the end of ${lastDay}`);
  });

  it('keeps labels bounded: no partition or run id label, assets only from the project', () => {
    const keys = new Set(f.instance.graph.keys);
    for (const family of families.values()) {
      if (!family.name.startsWith('quarry_')) continue;
      for (const s of family.samples) {
        for (const label of Object.keys(s.labels)) assert.ok(['asset', 'status', 'severity', 'reason', 'le', 'part'].includes(label), `${s.name} label ${label}`);
        if (s.labels.asset !== undefined) assert.ok(keys.has(s.labels.asset), s.labels.asset);
      }
    }
    assert.equal(samples(families, 'quarry_run_queue_depth').get(''), 0);
    assert.equal(samples(families, 'quarry_bytes_billed_total').get('asset=raw/creator_changes'), 0);
  });
});
