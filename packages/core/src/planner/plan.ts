import type { AssetKey } from '../definitions/index.ts';
import type { StaleReason } from '../instance/instance-types.ts';

/**
 * One step of a plan: materialize one asset for one partition, or for a contiguous range of partitions
 * when the asset opts into single-run backfills.
 */
export interface PlanStep {
  /** Stable id within the plan: `<assetKey>[<firstKey>..<lastKey>]` or `<assetKey>[<key>]`. */
  readonly id: string;
  readonly assetKey: AssetKey;
  /** Partition keys covered, in partition order (`['']` for an unpartitioned asset). */
  readonly partitionKeys: readonly string[];
  /** Why this step runs (for a range step: the reason of its first partition). */
  readonly reason: StaleReason;
  /** Ids of the steps that must succeed first (upstream partitions in this plan). */
  readonly dependsOn: readonly string[];
}

/** An immutable plan: steps in dependency order with their reasons. */
export interface Plan {
  readonly createdAt: string;
  readonly selection: string | undefined;
  readonly steps: readonly PlanStep[];
}
