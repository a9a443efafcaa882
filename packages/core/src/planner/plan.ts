import type { AssetKey } from '../definitions/index.ts';
import type { StaleReason } from '../versioning/stale-reason.ts';

/**
 * One step of a plan: materialize one asset for one partition, or for a contiguous range of partitions
 * (a range step) when the asset declares `backfill: { maxPartitionsPerStep }`.
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
  /** Upstream partitions this step needs that do not exist, read without them because its mapping allows it. */
  readonly nonexistentUpstream?: readonly NonexistentUpstreamPartitions[];
  /**
   * Why the step covers one partition although its asset declares range steps (a self-dependent
   * asset is never batched); absent when the step is batched as declared.
   */
  readonly unbatched?: string;
}

/** Upstream partitions of one asset that a step needs but that do not exist: an inclusive key range. */
export interface NonexistentUpstreamPartitions {
  readonly asset: AssetKey;
  readonly from: string;
  readonly to: string;
  readonly count: number;
}

/** Why partitions are left out of a plan. */
export interface BlockedReason {
  /**
   * `upstream_nonexistent`: they need upstream partitions that do not exist (allow it with
   * `allowNonexistentUpstream: true` on the mapping); `upstream_blocked`: they read partitions
   * blocked in this plan.
   */
  readonly cause: 'upstream_nonexistent' | 'upstream_blocked';
  /** For `upstream_blocked`: the first blocked partition read. */
  readonly upstream?: { readonly asset: AssetKey; readonly partition: string };
  /** Human text, e.g. `requires upstream partitions that do not exist: raw/orders 2025-12-26..2025-12-31`. */
  readonly detail: string;
}

/** Partitions that are stale but not planned, with the reason; chunked like steps. */
export interface BlockedStep {
  /** The id the step would have. */
  readonly id: string;
  readonly assetKey: AssetKey;
  readonly partitionKeys: readonly string[];
  readonly reason: BlockedReason;
  /** For `upstream_nonexistent`: the upstream partitions missing, per upstream asset. */
  readonly nonexistentUpstream: readonly NonexistentUpstreamPartitions[];
}

/** An immutable plan: steps in dependency order with their reasons. */
export interface Plan {
  readonly createdAt: string;
  readonly selection: string | undefined;
  readonly steps: readonly PlanStep[];
  /** Stale partitions that do not run, with why (absent in plans made before blocking existed). */
  readonly blocked?: readonly BlockedStep[];
}
