import type { AssetKey, ColumnDoc, PiiClass } from '../definitions/index.ts';

// Defined in the versioning layer (staleness and the planner need them); re-exported here for existing imports.
import type { StaleCause, StaleReason } from '../versioning/stale-reason.ts';
export type { StaleCause, StaleReason };

// Defined in the partitions layer (the planner needs it); re-exported here for existing imports.
import type { PartitionSelection } from '../partitions/partition-selection.ts';
export type { PartitionSelection };

/** Options of `Instance.plan` and the materialize/backfill calls. */
export interface PlanOptions {
  /** Selection string (`key`, `+key`, `key+`, `group:x`, …); all assets when absent. */
  readonly selection?: string;
  readonly partitions?: PartitionSelection;
  /** Plan every selected partition even when fresh (reason `forced`). */
  readonly force?: boolean;
  /** Refuse (`QUARRY_PLAN_TOO_LARGE`) a plan of more steps than this, before building it. */
  readonly maxSteps?: number;
  /** Refuse (`QUARRY_PLAN_TOO_LARGE`) a plan covering more asset partitions than this, before building it. */
  readonly maxPartitions?: number;
}

/** Options of a run. */
export interface RunOptions extends PlanOptions {
  readonly kind?: 'materialize' | 'backfill';
  readonly concurrency?: number;
  readonly tags?: Record<string, string>;
  /** The run's id (the daemon gives each queued chunk a recorded id, so a launch is idempotent); a taken id throws `QUARRY_BAD_ARGUMENT`. */
  readonly runId?: string;
  /** Refuse the run before any job when its dry runs exceed this many bytes (default: the target's `maxBytesBilled`). */
  readonly maxBytesBilled?: number;
}

/** One step of a plan with its dry-run estimate (`Instance.estimatePlan`). */
export interface PlanStepEstimate {
  readonly stepId: string;
  readonly assetKey: string;
  readonly engine: string;
  readonly bytesProcessed: number | undefined;
  /** USD at the target's price per TiB, when the bytes are known. */
  readonly estimatedCost?: number;
  readonly note?: string;
}

/** What a plan would process and cost on its target. */
export interface PlanEstimate {
  readonly target: string;
  readonly pricePerTiB: number;
  readonly steps: readonly PlanStepEstimate[];
  /** Sum of the steps' known bytes. */
  readonly totalBytes: number;
  readonly estimatedCost: number;
  /** True when at least one step was estimated (an engine with dry runs). */
  readonly estimated: boolean;
}

/** What a run's engine jobs billed (`Instance.runCost`). */
export interface RunCost {
  readonly pricePerTiB: number;
  readonly jobs: number;
  readonly bytesProcessed: number;
  readonly bytesBilled: number;
  /** USD of `bytesBilled` at `pricePerTiB`. */
  readonly cost: number;
  readonly steps: readonly { readonly stepId: string; readonly assetKey: string; readonly jobs: number; readonly bytesProcessed: number; readonly bytesBilled: number; readonly cost: number }[];
}

/** Bytes for people, in binary units: `512 B`, `1.5 MiB`, `2.00 TiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** The status of one asset's partitions, as ranges of partition indices (fast for 1,000,000 partitions). */
export interface AssetPartitionStatus {
  readonly assetKey: AssetKey;
  readonly partitioned: boolean;
  readonly total: number;
  /** Half-open index ranges `[start, end)` per state; together they cover `[0, total)` exactly once. */
  readonly ranges: {
    readonly fresh: readonly (readonly [number, number])[];
    readonly stale: readonly (readonly [number, number])[];
    readonly missing: readonly (readonly [number, number])[];
    readonly failed: readonly (readonly [number, number])[];
    /** Never materialized because an upstream partition they read failed (a run skipped them). */
    readonly upstream_failed: readonly (readonly [number, number])[];
  };
  readonly counts: { readonly fresh: number; readonly stale: number; readonly missing: number; readonly failed: number; readonly upstream_failed: number };
  /** First and last partition keys (for axis labels), absent when total is 0. */
  readonly firstKey?: string;
  readonly lastKey?: string;
  /**
   * For a source asset (never materialized): how many partitions have a recorded observation, and
   * the latest one. Its observed partitions count as fresh, the others as missing.
   */
  readonly source?: { readonly observed: number; readonly lastObservedAt?: string; readonly lastVersion?: string; readonly lastPartition?: string };
}

/** A summary row of one asset for listings (CLI `list`, UI graph). */
export interface AssetSummary {
  readonly key: AssetKey;
  readonly type: 'asset' | 'source';
  readonly description: string | undefined;
  readonly group: string;
  readonly owners: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly deps: readonly { readonly name: string; readonly asset: AssetKey; readonly mapping: string }[];
  readonly partitions: { readonly kind: string; readonly id: string; readonly count: number; readonly firstKey?: string; readonly lastKey?: string } | undefined;
  readonly columns: readonly { readonly name: string; readonly type: string; readonly nullable: boolean; readonly description?: string; readonly pii: PiiClass }[];
  readonly checks: readonly { readonly name: string; readonly kind: string }[];
  readonly kind: 'sql' | 'compute' | 'source';
}

export type { ColumnDoc };
