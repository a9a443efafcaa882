import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import { RUN_STATUSES, type Catalog, type CatalogAssetSummary } from '../catalog/index.ts';
import type { EngineQueryOptions, EngineQueryResult } from '../engines/index.ts';
import type { AssetGraph } from '../graph/index.ts';
import type { PartitionsContext } from '../partitions/index.ts';
import { freshnessBase } from '../versioning/index.ts';
import { freshnessLagSeconds } from './metrics-freshness.ts';

/**
 * What the metrics read: the structural subset of core's `Instance` (an `Instance` from `openInstance`
 * satisfies it, and so does the UI server's reloading proxy over one).
 */
export interface MetricsSource {
  readonly catalog: Catalog;
  readonly graph: AssetGraph;
  partitionsContext(): PartitionsContext;
  /** Quality scores per partition from the latest check results (what `quarry checks` shows). */
  qualityScores(assetKey: string): readonly { readonly partitionKey: string; readonly score: number | null }[];
  /** Assets with their columns and tags: a column `reason_code`, or another asset's `quarantine` tag, marks a quarantine asset. */
  listAssets(): readonly { readonly key: string; readonly tags: Readonly<Record<string, string>>; readonly columns: readonly { readonly name: string }[] }[];
  /** The engine that counts quarantined rows per reason; without it `quarry_quarantined_rows` is absent. */
  engine?(): Promise<{ query(sql: string, options?: EngineQueryOptions): Promise<EngineQueryResult> }>;
}

/** Options of `createMetricsRegistry`. */
export interface MetricsRegistryOptions {
  /** Runs waiting in the run queue; default: the daemon's queued run requests in the catalog. */
  readonly queueDepth?: () => number | Promise<number>;
  /** Also expose prom-client's default process metrics (CPU, memory, event loop, GC); default true. */
  readonly defaultMetrics?: boolean;
  /** USD per TiB billed, for `quarry_estimated_cost_usd_total` (default 6.25, BigQuery's on-demand price). */
  readonly pricePerTebibyteUsd?: number;
  /** Upper bounds (seconds) of the step duration histogram (default `STEP_DURATION_BUCKETS`). */
  readonly durationBuckets?: readonly number[];
  /** The clock freshness lag is measured against (default: the instance's partitions clock, else the wall clock). */
  readonly now?: () => Date;
}

/** Default upper bounds (seconds) of `quarry_step_duration_seconds`: 50 ms to 1 h. */
export const STEP_DURATION_BUCKETS: readonly number[] = Object.freeze([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]);

/** Run statuses that never change again: their counts only grow. */
const TEBIBYTE = 2 ** 40;

/** The names of every metric `createMetricsRegistry` defines (the process metrics of prom-client come on top). */
export const QUARRY_METRIC_NAMES = Object.freeze({
  runs: 'quarry_runs',
  steps: 'quarry_steps',
  stepDuration: 'quarry_step_duration_seconds',
  stepRetries: 'quarry_step_retries_total',
  materializations: 'quarry_materializations_total',
  rowsWritten: 'quarry_rows_written_total',
  bytesWritten: 'quarry_bytes_written_total',
  rowsPerSecond: 'quarry_rows_per_second',
  checkResults: 'quarry_check_results_total',
  qualityScore: 'quarry_quality_score',
  quarantinedRows: 'quarry_quarantined_rows',
  freshnessLag: 'quarry_freshness_lag_seconds',
  queueDepth: 'quarry_run_queue_depth',
  bytesBilled: 'quarry_bytes_billed_total',
  estimatedCost: 'quarry_estimated_cost_usd_total',
  collectSeconds: 'quarry_metrics_collect_seconds',
  collectErrors: 'quarry_metrics_collect_errors_total',
} as const);

type MetricType = 'counter' | 'gauge' | 'histogram';
type Labels = Record<string, string>;
interface Sample {
  readonly value: number;
  readonly labels: Labels;
  readonly metricName?: string;
}

/** Everything one scrape reports, read from the catalog once and shared by every metric. */
type Snapshot = ReadonlyMap<string, readonly Sample[]>;

interface AssetTotals {
  versions: number;
  rows: number;
  bytes: number;
  bytesBilled: number;
}

// A metric whose values come from the shared scrape snapshot; the registry only calls `get()`.
class SnapshotMetric {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly snapshot: () => Promise<Snapshot>,
  ) {}

  /** Nothing to reset: the values are read afresh at each scrape (`Registry.resetMetrics` calls this). */
  reset(): void {}

  async get(): Promise<{ name: string; help: string; type: MetricType; aggregator: string; values: Sample[] }> {
    const values = (await this.snapshot()).get(this.name) ?? [];
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...values] };
  }
}

const HELP: Readonly<Record<keyof typeof QUARRY_METRIC_NAMES, { type: MetricType; help: string }>> = {
  runs: { type: 'gauge', help: 'Runs the catalog records in each status (runs of every process on this instance); a resumed run moves from failed back to running.' },
  steps: { type: 'gauge', help: 'Steps (asset x partition or partition range) the catalog records in each status, by asset.' },
  stepDuration: { type: 'histogram', help: 'Duration of finished steps (succeeded or failed), by asset.' },
  stepRetries: { type: 'counter', help: 'Step attempts beyond the first (retries after errors, waits for a partition lease), by asset.' },
  materializations: { type: 'counter', help: 'Partition versions committed, by asset (counted from the versions in the catalog when this process started scraping).' },
  rowsWritten: { type: 'counter', help: 'Rows written in committed partition versions, by asset.' },
  bytesWritten: { type: 'counter', help: 'Bytes of Parquet written in committed partition versions, by asset.' },
  rowsPerSecond: { type: 'gauge', help: "Rows per second of the asset's latest step that committed a version: its rows over its duration." },
  checkResults: { type: 'counter', help: 'Quality check evaluations recorded, by asset, status (passed, warned, failed, errored) and severity.' },
  qualityScore: { type: 'gauge', help: "Composite 0-100 quality score of the asset: mean of its partitions' scores from their latest check results (as quarry checks prints)." },
  quarantinedRows: { type: 'gauge', help: "Rows held in a quarantine asset's current partitions, by quarantine asset and reason_code." },
  freshnessLag: { type: 'gauge', help: 'Seconds since the end of the newest materialized partition window (time-window partitions), else since the last materialization.' },
  queueDepth: { type: 'gauge', help: 'Run requests waiting in the automation daemon\'s queue (from the catalog; 0 when nothing is queued).' },
  bytesBilled: { type: 'counter', help: 'Bytes billed by the engine for committed versions (metadata.bytesBilled); 0 while no engine records bytes billed (DuckDB bills nothing).' },
  estimatedCost: { type: 'counter', help: 'Estimated USD cost of the bytes billed (bytes billed / 2^40 x the configured price per TiB); 0 while no engine records bytes billed.' },
  collectSeconds: { type: 'gauge', help: 'Seconds the last scrape spent reading the catalog (and the lake, for quarantine counts).' },
  collectErrors: { type: 'counter', help: 'Parts of a scrape that failed and were left out, by part.' },
};

/**
 * A Prometheus registry (prom-client, its own `Registry`, never the global one) of Quarry's run,
 * step, data and quality metrics over one instance, plus prom-client's default process metrics.
 *
 * Every Quarry figure is read from the catalog when Prometheus scrapes, so runs of other processes
 * (a CLI backfill, the daemon) show as soon as they commit; nothing is recorded on the step path.
 * Aggregates come from indexed `GROUP BY`s that the catalog caches until the database changes;
 * versions and check results are read incrementally (by id), so those counters never go down when
 * retention deletes old versions. Labels are bounded: `asset` (one value per asset key in the
 * catalog), `status`, `severity` and `reason` (a fixed set each) — never a partition or a run id.
 *
 * ```ts
 * const registry = createMetricsRegistry(instance);
 * const text = await registry.metrics(); // Prometheus text format 0.0.4
 * ```
 */
export function createMetricsRegistry(source: MetricsSource, options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  const buckets = options.durationBuckets ?? STEP_DURATION_BUCKETS;
  const price = options.pricePerTebibyteUsd ?? 6.25;

  // Incremental state: counters of versions and check results never go down, even when retention deletes.
  let materializationCursor = 0;
  const assetTotals = new Map<string, AssetTotals>();
  const rowsPerSecond = new Map<string, number>();
  let checkCursor = 0;
  const checkTotals = new Map<string, { assetKey: string; status: string; severity: string; results: number }>();
  const errors = new Map<string, number>();
  // Figures recomputed only when what they depend on changed.
  let quality: { token: string; samples: Sample[] } | undefined;
  const freshness = new Map<string, { seq: number | null; base: Date | undefined }>();
  const quarantine = new Map<string, { seq: number | null; samples: Sample[] }>();
  let lastCollectSeconds = 0;

  const failed = (part: string, error: unknown): void => {
    errors.set(part, (errors.get(part) ?? 0) + 1);
    void error;
  };

  const collect = async (): Promise<Snapshot> => {
    const started = performance.now();
    const { catalog } = source;
    const out = new Map<string, Sample[]>();
    const put = (name: string, sample: Sample) => {
      const list = out.get(name) ?? [];
      list.push(sample);
      out.set(name, list);
    };
    const names = QUARRY_METRIC_NAMES;

    const runs = catalog.runStatusCounts();
    for (const status of RUN_STATUSES) put(names.runs, { value: runs[status] ?? 0, labels: { status } });

    const retries = new Map<string, number>();
    const durations = new Map<string, { count: number; sum: number; buckets: number[] }>();
    for (const s of catalog.stepStatistics(buckets)) {
      put(names.steps, { value: s.steps, labels: { asset: s.assetKey, status: s.status } });
      retries.set(s.assetKey, (retries.get(s.assetKey) ?? 0) + s.retries);
      if (s.durationCount > 0) {
        const d = durations.get(s.assetKey) ?? { count: 0, sum: 0, buckets: buckets.map(() => 0) };
        d.count += s.durationCount;
        d.sum += s.durationSumSeconds;
        s.durationBuckets.forEach((n, i) => (d.buckets[i]! += n));
        durations.set(s.assetKey, d);
      }
    }
    for (const [asset, n] of retries) put(names.stepRetries, { value: n, labels: { asset } });
    for (const [asset, d] of durations) {
      buckets.forEach((bound, i) => put(names.stepDuration, { metricName: `${names.stepDuration}_bucket`, value: d.buckets[i]!, labels: { asset, le: String(bound) } }));
      put(names.stepDuration, { metricName: `${names.stepDuration}_bucket`, value: d.count, labels: { asset, le: '+Inf' } });
      put(names.stepDuration, { metricName: `${names.stepDuration}_sum`, value: d.sum, labels: { asset } });
      put(names.stepDuration, { metricName: `${names.stepDuration}_count`, value: d.count, labels: { asset } });
    }

    const written = catalog.materializationTotals(materializationCursor);
    materializationCursor = written.lastId;
    for (const a of written.assets) {
      const t = assetTotals.get(a.assetKey) ?? { versions: 0, rows: 0, bytes: 0, bytesBilled: 0 };
      t.versions += a.versions;
      t.rows += a.rows;
      t.bytes += a.bytes;
      t.bytesBilled += a.bytesBilled;
      assetTotals.set(a.assetKey, t);
      const step = a.latestStep;
      if (step !== null && step.durationMs !== null && step.durationMs > 0) rowsPerSecond.set(a.assetKey, step.rows / (step.durationMs / 1000));
    }
    for (const [asset, t] of assetTotals) {
      put(names.materializations, { value: t.versions, labels: { asset } });
      put(names.rowsWritten, { value: t.rows, labels: { asset } });
      put(names.bytesWritten, { value: t.bytes, labels: { asset } });
      put(names.bytesBilled, { value: t.bytesBilled, labels: { asset } });
      put(names.estimatedCost, { value: (t.bytesBilled / TEBIBYTE) * price, labels: { asset } });
    }
    for (const [asset, value] of rowsPerSecond) put(names.rowsPerSecond, { value, labels: { asset } });

    const checks = catalog.checkResultTotals(checkCursor);
    checkCursor = checks.lastId;
    for (const g of checks.groups) {
      const key = JSON.stringify([g.assetKey, g.status, g.severity]);
      const t = checkTotals.get(key) ?? { ...g, results: 0 };
      t.results += g.results;
      checkTotals.set(key, t);
    }
    for (const t of checkTotals.values()) put(names.checkResults, { value: t.results, labels: { asset: t.assetKey, status: t.status, severity: t.severity } });

    const summaries = catalog.assetSummaries();
    const summaryOf = new Map<string, CatalogAssetSummary>(summaries.map((s) => [s.assetKey, s]));
    const known = new Set(source.graph.keys);

    // Quality: recomputed when a check result or a version (or a failure marker) changed.
    const qualityToken = `${checkCursor}|${summaries.map((s) => `${s.assetKey}:${s.lastSeq}:${s.failedPartitions}`).join(',')}`;
    if (quality?.token !== qualityToken) {
      const samples: Sample[] = [];
      const scored = new Set([...checkTotals.values()].map((t) => t.assetKey));
      for (const asset of [...scored].sort()) {
        if (!known.has(asset)) continue;
        try {
          const scores = source.qualityScores(asset).filter((s) => s.score !== null);
          if (scores.length === 0) continue;
          const mean = Math.round((100 * scores.reduce((a, s) => a + s.score!, 0)) / scores.length) / 100;
          samples.push({ value: mean, labels: { asset } });
        } catch (error) {
          failed('quality', error);
        }
      }
      quality = { token: qualityToken, samples };
    }
    for (const s of quality.samples) put(names.qualityScore, s);

    // Freshness: the base instant is recomputed when the asset commits; the lag is now − base.
    const ctx = source.partitionsContext();
    // The instance's clock (a fixed `now` in tests and demos) unless the options give one.
    const at = options.now?.() ?? ctx.now ?? new Date();
    for (const summary of summaries) {
      if (!known.has(summary.assetKey) || summary.lastSeq === null) continue;
      let entry = freshness.get(summary.assetKey);
      if (entry === undefined || entry.seq !== summary.lastSeq) {
        try {
          // The same base as the Automation page and the daemon's overdue alerts (computeFreshness).
          const definition = source.graph.get(summary.assetKey).partitions;
          const base = freshnessBase(definition, catalog.currentPartitions(summary.assetKey, { columns: ['createdAt'] }), ctx);
          entry = { seq: summary.lastSeq, base: base === undefined ? undefined : new Date(base.at) };
          freshness.set(summary.assetKey, entry);
        } catch (error) {
          failed('freshness', error);
          continue;
        }
      }
      if (entry.base !== undefined) put(names.freshnessLag, { value: freshnessLagSeconds(entry.base, at), labels: { asset: summary.assetKey } });
    }

    // Quarantined rows per reason: counted by the engine over the quarantine assets' current files, again only after they change.
    if (source.engine !== undefined) {
      for (const asset of quarantineAssets(source)) {
        const summary = summaryOf.get(asset);
        if (summary === undefined || summary.lastSeq === null) continue;
        let entry = quarantine.get(asset);
        if (entry === undefined || entry.seq !== summary.lastSeq) {
          try {
            const files = [...new Set(catalog.currentFiles(asset).map((f) => f.path))];
            const samples: Sample[] = [];
            if (files.length > 0) {
              const engine = await source.engine();
              const result = await engine.query('SELECT CAST(reason_code AS VARCHAR) AS reason, count(*)::BIGINT AS n FROM quarantined GROUP BY 1 ORDER BY 1', {
                views: [{ name: 'quarantined', assetKey: asset, files }],
              });
              for (const row of result.rows) samples.push({ value: Number(row.n), labels: { asset, reason: row.reason === null ? 'unknown' : String(row.reason) } });
            }
            entry = { seq: summary.lastSeq, samples };
            quarantine.set(asset, entry);
          } catch (error) {
            failed('quarantine', error);
            continue;
          }
        }
        for (const s of entry.samples) put(names.quarantinedRows, s);
      }
    }

    let depth = 0;
    // The run queue lives in the catalog, so a scrape of `quarry serve` sees a separate daemon's queue too.
    const queueDepth = options.queueDepth ?? (() => source.catalog.listRunRequests({ status: 'queued', limit: 100_000 }).length);
    {
      try {
        depth = await queueDepth();
      } catch (error) {
        failed('queue_depth', error);
      }
    }
    put(names.queueDepth, { value: depth, labels: {} });

    for (const [part, n] of errors) put(names.collectErrors, { value: n, labels: { part } });
    put(names.collectSeconds, { value: lastCollectSeconds, labels: {} });
    lastCollectSeconds = (performance.now() - started) / 1000;
    return out;
  };

  // Prometheus asks every metric at once: one catalog read serves them all.
  let inflight: Promise<Snapshot> | undefined;
  const snapshot = (): Promise<Snapshot> =>
    (inflight ??= collect().finally(() => {
      inflight = undefined;
    }));

  for (const [key, name] of Object.entries(QUARRY_METRIC_NAMES) as [keyof typeof QUARRY_METRIC_NAMES, string][]) {
    const { type, help } = HELP[key];
    registry.registerMetric(new SnapshotMetric(name, help, type, snapshot) as unknown as Metric);
  }
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

// Quarantine assets: those with a `reason_code` column, and those another asset's `quarantine` tag names.
function quarantineAssets(source: MetricsSource): string[] {
  const assets = source.listAssets();
  const keys = new Set(source.graph.keys);
  const found = new Set<string>();
  for (const a of assets) {
    if (a.columns.some((c) => c.name === 'reason_code')) found.add(a.key);
    const tagged = a.tags.quarantine;
    if (tagged !== undefined && keys.has(tagged)) found.add(tagged);
  }
  return [...found].sort();
}
