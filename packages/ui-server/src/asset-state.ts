import type { AssetPartitionStatus } from '@quarry/core';
import type { AssetState } from './api-schemas.ts';
import { isFinalStatus } from './run-summary.ts';
import type { UiInstance } from './ui-instance.ts';

/**
 * The one state an asset is drawn in: running beats failed beats upstream_failed beats stale beats
 * missing beats fresh, so the colour shows the most pressing thing about the asset.
 */
export function assetStateOf(status: Pick<AssetPartitionStatus, 'counts' | 'total'> | undefined, running: boolean): AssetState {
  if (running) return 'running';
  if (status === undefined) return 'missing';
  if (status.counts.failed > 0) return 'failed';
  if (status.counts.upstream_failed > 0) return 'upstream_failed';
  if (status.counts.stale > 0) return 'stale';
  if (status.counts.missing > 0 || status.total === 0) return 'missing';
  return 'fresh';
}

/** Keys of the assets that an active run is materializing right now. */
export function runningAssetKeys(instance: UiInstance): Set<string> {
  const keys = new Set<string>();
  for (const run of instance.listRuns({ limit: 50 })) {
    if (isFinalStatus(run.status)) continue;
    for (const step of instance.listSteps(run.id)) {
      if (step.status === 'running') keys.add(step.assetKey);
    }
  }
  return keys;
}

/**
 * Index ranges `[start, end)` of an asset's partitions that steps of active runs are materializing
 * now, read from the runs' plans (a step covers one partition or a contiguous range).
 */
export function runningRanges(instance: UiInstance, assetKey: string): [number, number][] {
  const ranges: [number, number][] = [];
  const partitioned = instance.asset(assetKey).partitions !== undefined;
  const indexOf = (key: string) => instance.partitionKeys(assetKey, { to: key, limit: 0 }).total - 1;
  for (const run of instance.listRuns({ limit: 50 })) {
    if (isFinalStatus(run.status)) continue;
    const running = instance.listSteps(run.id).filter((s) => s.assetKey === assetKey && s.status === 'running');
    if (running.length === 0) continue;
    const planned = new Map(
      ((run as { plan?: { steps?: { id: string; partitionKeys: string[] }[] } | null }).plan?.steps ?? []).map((s) => [s.id, s.partitionKeys] as const),
    );
    for (const step of running) {
      const keys = planned.get(step.stepId);
      if (!partitioned) ranges.push([0, 1]);
      else if (keys && keys.length > 0) {
        try {
          ranges.push([indexOf(keys[0]!), indexOf(keys[keys.length - 1]!) + 1]);
        } catch {
          // A key that no longer exists (definition changed since planning) has no place in the bar.
        }
      }
    }
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

/** An all-missing status for an asset the instance reported nothing for. */
export function emptyStatus(assetKey: string, total: number, partitioned: boolean): AssetPartitionStatus {
  return {
    assetKey,
    partitioned,
    total,
    ranges: { fresh: [], stale: [], missing: total > 0 ? [[0, total]] : [], failed: [], upstream_failed: [] },
    counts: { fresh: 0, stale: 0, missing: total, failed: 0, upstream_failed: 0 },
  };
}
