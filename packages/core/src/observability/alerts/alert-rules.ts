import type { Catalog, CheckResultRecord, JsonValue, MaterializationRecord, NewAlert, NewCheckResult, StepRecord } from '../../catalog/index.ts';
import { qualityScore, type CheckResult } from '../../checks/index.ts';
import { formatLag, type AnyAssetDefinition, type ProjectDefinition } from '../../definitions/index.ts';
import { routesFor } from './alert-routes.ts';

/**
 * A quality score falling by at least this many points (of 100) from the previous version of the
 * same asset partition raises a `quality_drop` warning.
 */
export const QUALITY_DROP_THRESHOLD = 10;

/** The kinds of alert Quarry raises, with their default severity. */
export const ALERT_KINDS = {
  /** A run's step failed after its retries. */
  run_failed: 'critical',
  /** A blocking check failed: the version was not published. */
  check_failed: 'critical',
  /** An asset lags its freshness policy (raised by the daemon through `raiseOverdueAlert`). */
  overdue: 'critical',
  /** A non-blocking check failed (or warned). */
  check_warning: 'warning',
  /** A null-percentage check over its threshold (non-blocking). */
  null_share: 'warning',
  /** The quality score of a partition fell by `QUALITY_DROP_THRESHOLD` points or more from its previous version. */
  quality_drop: 'warning',
  /** A version of an anomaly asset has rows. */
  anomaly_rows: 'warning',
} as const;

/** A kind of alert Quarry raises. */
export type AlertKind = keyof typeof ALERT_KINDS;

/** The dedup key of one incident: `<project>/<kind>/<asset>[/<check>]`. */
export function dedupKey(project: ProjectDefinition, kind: string, assetKey: string, check?: string): string {
  return `${project.name}/${kind}/${assetKey}${check !== undefined ? `/${check}` : ''}`;
}

function alert(project: ProjectDefinition, a: Omit<NewAlert, 'routes'>): NewAlert {
  return { ...a, routes: routesFor(project.alerts, a.severity) };
}

/** A resolve of the open incident `key` (the newest alert with that key is a trigger), or undefined. */
function resolveIfOpen(project: ProjectDefinition, catalog: Catalog, key: string, summary: string, partitionKey: string | null, extra: Partial<NewAlert> = {}): NewAlert | undefined {
  const open = catalog.latestAlert(key);
  if (open === undefined || open.action !== 'trigger') return undefined;
  // An incident opened by one partition is closed by that partition recovering, not by another one passing.
  if (partitionKey !== null && open.partitionKey !== null && open.partitionKey !== partitionKey) return undefined;
  return alert(project, {
    kind: open.kind, severity: open.severity, action: 'resolve', dedupKey: key, summary,
    assetKey: open.assetKey, partitionKey, details: { resolves: open.id }, ...extra,
  });
}

/** True when the newest alert with this dedup key is a trigger: its incident is open. */
function isOpen(catalog: Catalog, key: string): boolean {
  return catalog.latestAlert(key)?.action === 'trigger';
}

/** True when the asset's versions are anomalies: tagged `anomaly`, or named in `alerts.anomalyAssets`. */
export function isAnomalyAsset(project: ProjectDefinition, asset: AnyAssetDefinition | undefined, key: string): boolean {
  return project.alerts.anomalyAssets.includes(key) || (asset !== undefined && asset.tags.anomaly !== undefined && asset.tags.anomaly !== 'false');
}

function partitionLabel(key: string): string {
  return key === '' ? '' : ` [${key}]`;
}

/**
 * The alerts raised by check results about to be recorded: a failed blocking check → critical, a
 * failed or warned non-blocking one → warning (`null_share` for a null-percentage check), unless its
 * incident is already open; a check
 * passing again on the partition that opened its incident → resolve. For results of a committed
 * version, a quality score drop from the partition's previous version → warning.
 */
export function checkResultAlerts(project: ProjectDefinition, catalog: Catalog, results: readonly NewCheckResult[]): NewAlert[] {
  const out: NewAlert[] = [];
  for (const r of results) {
    const meta = r.metadata ?? {};
    const status = String(meta.status ?? (r.passed ? 'passed' : 'failed'));
    if (status === 'errored') continue;
    const key = dedupKey(project, 'check', r.assetKey, r.checkName);
    const where = `${r.assetKey}${partitionLabel(r.partitionKey)}`;
    if (status === 'passed') {
      const resolve = resolveIfOpen(project, catalog, key, `Check ${r.checkName} on ${where} passes again`, r.partitionKey, { runId: r.runId ?? null });
      if (resolve) out.push(resolve);
      continue;
    }
    // An open incident is not raised again (a 365-day backfill failing one check sends one email, not 365);
    // it is raised anew once it was resolved.
    if (isOpen(catalog, key)) continue;
    const blocking = meta.blocking === true && status === 'failed';
    const kind = blocking ? 'check_failed' : meta.kind === 'nullPercentage' ? 'null_share' : 'check_warning';
    out.push(alert(project, {
      kind, severity: ALERT_KINDS[kind], action: 'trigger', dedupKey: key,
      summary: blocking
        ? `Blocking check ${r.checkName} failed on ${where}: ${r.message ?? ''} — the version was not published`.trim()
        : `Check ${r.checkName} ${status} on ${where}: ${r.message ?? ''}`.trim(),
      assetKey: r.assetKey, partitionKey: r.partitionKey, runId: r.runId ?? null,
      details: { check: r.checkName, status, checkKind: (meta.kind ?? null) as JsonValue, observedValue: r.observedValue ?? null, threshold: r.threshold ?? null, failingCount: r.failingCount ?? null },
    }));
  }
  const drop = qualityDropAlert(project, catalog, results);
  if (drop) out.push(drop);
  return out;
}

function scoreOf(results: readonly { readonly metadata?: Readonly<Record<string, JsonValue>>; readonly failingCount?: number | null; readonly passed: boolean }[]): number | null {
  const asCheck = results.map((r) => {
    const meta = r.metadata ?? {};
    return {
      status: (meta.status ?? (r.passed ? 'passed' : 'failed')) as CheckResult['status'],
      unit: (meta.unit ?? 'value') as CheckResult['unit'],
      dimension: (meta.dimension ?? 'validity') as CheckResult['dimension'],
      failingCount: r.failingCount ?? null,
      totalCount: typeof meta.totalCount === 'number' ? meta.totalCount : null,
    } as CheckResult;
  });
  return asCheck.length === 0 ? null : qualityScore(asCheck).score;
}

function qualityDropAlert(project: ProjectDefinition, catalog: Catalog, results: readonly NewCheckResult[]): NewAlert | undefined {
  const first = results[0];
  if (first === undefined || first.materializationId == null) return undefined;
  const materializationId = first.materializationId;
  const mine = results.filter((r) => r.materializationId === materializationId);
  const [, previous] = catalog.materializationHistory(first.assetKey, first.partitionKey, { limit: 2 });
  if (previous === undefined) return undefined;
  const before: CheckResultRecord[] = catalog.listCheckResults({ asset: first.assetKey, partition: first.partitionKey, limit: 1000 }).filter((r) => r.materializationId === previous.id);
  const now = scoreOf(mine);
  const was = scoreOf(before);
  if (now === null || was === null || was - now < QUALITY_DROP_THRESHOLD) return undefined;
  return alert(project, {
    kind: 'quality_drop', severity: ALERT_KINDS.quality_drop, action: 'trigger', dedupKey: dedupKey(project, 'quality_drop', first.assetKey),
    summary: `Quality score of ${first.assetKey}${partitionLabel(first.partitionKey)} fell from ${was} to ${now} (≥ ${QUALITY_DROP_THRESHOLD} points)`,
    assetKey: first.assetKey, partitionKey: first.partitionKey, runId: first.runId ?? null,
    details: { previousScore: was, score: now, previousVersion: previous.id, version: materializationId },
  });
}

/** The alerts raised by committed versions: an anomaly asset's version with rows → warning. */
export function commitAlerts(project: ProjectDefinition, versions: readonly MaterializationRecord[]): NewAlert[] {
  return versions.flatMap((m) => {
    const asset = project.assets.find((a) => a.key === m.assetKey);
    if (!isAnomalyAsset(project, asset, m.assetKey) || !(m.rowCount !== null && m.rowCount > 0)) return [];
    return [alert(project, {
      kind: 'anomaly_rows', severity: ALERT_KINDS.anomaly_rows, action: 'trigger', dedupKey: dedupKey(project, 'anomaly', m.assetKey),
      summary: `${m.rowCount} anomal${m.rowCount === 1 ? 'y' : 'ies'} in ${m.assetKey}${partitionLabel(m.partitionKey)}`,
      assetKey: m.assetKey, partitionKey: m.partitionKey, runId: m.runId,
      details: { rows: m.rowCount, version: m.id },
    })];
  });
}

/**
 * The alerts of a finished run: per asset whose step failed after its retries → critical
 * `run_failed` (a step blocked by a check already raised its check alert; an incident already open is
 * not raised again); per asset whose step succeeded while its `run_failed` incident is open → resolve.
 */
export function runFinishedAlerts(project: ProjectDefinition, catalog: Catalog, runId: string, steps: readonly StepRecord[]): NewAlert[] {
  const out: NewAlert[] = [];
  const failed = new Map<string, StepRecord>();
  const succeeded = new Set<string>();
  for (const s of steps) {
    if (s.status === 'failed' && s.reason !== 'blocked_by_check') failed.set(s.assetKey, failed.get(s.assetKey) ?? s);
    else if (s.status === 'succeeded') succeeded.add(s.assetKey);
  }
  for (const [assetKey, step] of failed) {
    if (isOpen(catalog, dedupKey(project, 'run_failed', assetKey))) continue;
    out.push(alert(project, {
      kind: 'run_failed', severity: ALERT_KINDS.run_failed, action: 'trigger', dedupKey: dedupKey(project, 'run_failed', assetKey),
      summary: `Run ${runId}: ${assetKey} failed after ${step.attempt} attempt${step.attempt === 1 ? '' : 's'}: ${(step.error ?? 'unknown error').split('\n')[0]}`,
      assetKey, runId, details: { step: step.stepId, attempts: step.attempt, error: step.error },
    }));
  }
  for (const assetKey of succeeded) {
    if (failed.has(assetKey)) continue;
    const resolve = resolveIfOpen(project, catalog, dedupKey(project, 'run_failed', assetKey), `Run ${runId}: ${assetKey} succeeded again`, null, { runId });
    if (resolve) out.push(resolve);
  }
  return out;
}

/** What the daemon knows about an overdue asset (see `overdueAlert`). */
export interface OverdueInfo {
  readonly assetKey: string;
  /** How far the newest partition lags its window end (or the last materialization), in ms. */
  readonly lagMs: number;
  /** The freshness policy's `maxLag`, in ms. */
  readonly maxLagMs: number;
  /** The newest materialized partition, when partitioned. */
  readonly partitionKey?: string;
}

/**
 * The critical `overdue` alert of an asset lagging past its freshness policy, or — with `fresh: true`
 * — the resolve of its open incident (undefined when none is open, or when the incident is already open:
 * an overdue asset raises one alert, not one per tick).
 */
export function overdueAlert(project: ProjectDefinition, catalog: Catalog, info: OverdueInfo, options: { readonly fresh?: boolean } = {}): NewAlert | undefined {
  const key = dedupKey(project, 'overdue', info.assetKey);
  if (options.fresh === true) return resolveIfOpen(project, catalog, key, `${info.assetKey} is fresh again`, null);
  if (isOpen(catalog, key)) return undefined;
  return alert(project, {
    kind: 'overdue', severity: ALERT_KINDS.overdue, action: 'trigger', dedupKey: key,
    summary: `${info.assetKey} is overdue: its data lags ${formatLag(info.lagMs)}, over its freshness limit of ${formatLag(info.maxLagMs)}`,
    assetKey: info.assetKey, partitionKey: info.partitionKey ?? null,
    details: { lagMs: info.lagMs, maxLagMs: info.maxLagMs },
  });
}
