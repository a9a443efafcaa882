import type { AssetGraph, AssetPartitionStatus, AssetSummary, BlockedStep, DataDictionary, DynamicPartitionsChangeResult, PiiColumnReport, PiiColumns, PlanOptions, RunOptions, StaleReason } from '@quarry/core';

/** One step of a plan, as the server reads it (the structural subset of core's `PlanStep`). */
export interface UiPlanStep {
  readonly id: string;
  readonly assetKey: string;
  readonly partitionKeys: readonly string[];
  readonly reason: StaleReason;
  readonly dependsOn: readonly string[];
}

/** A plan, as the server reads it. */
export interface UiPlan {
  readonly steps: readonly UiPlanStep[];
  /** Stale partitions left out, and why (core's `Plan.blocked`). */
  readonly blocked?: readonly BlockedStep[];
}

/** A run row, as the server reads it; the other fields the catalog records pass through to the client. */
export interface UiRunRecord {
  readonly id: string;
  readonly status: string;
}

/** A step row of a run. */
export interface UiStepRecord {
  readonly stepId: string;
  readonly assetKey: string;
  readonly status: string;
}

/** A run event (log line, step started/finished, …). */
export interface UiEventRecord {
  readonly id: number;
  readonly runId: string;
}

/** A materialization row (partition version); served as the catalog records it. */
export type UiMaterializationRecord = object;

/** A check result row; served as the catalog records it. */
export type UiCheckResultRecord = object;

/** Upstream/downstream lineage of an asset (or of one of its partitions). */
export interface UiLineage {
  readonly upstream: readonly { readonly asset: string; readonly partitions?: readonly string[] | undefined }[];
  readonly downstream: readonly { readonly asset: string; readonly partitions?: readonly string[] | undefined }[];
}

/**
 * The structural subset of core's `Instance` that the UI server calls.
 *
 * Typed as a subset (not the class) so the server states exactly what it depends on; a real
 * `Instance` from `openInstance` satisfies it.
 */
export interface UiInstance {
  readonly projectDir: string;
  readonly graph: AssetGraph;
  readonly project?: { readonly name: string };
  listAssets(): readonly AssetSummary[];
  asset(key: string): AssetSummary;
  partitionKeys(key: string, options?: { from?: string; to?: string; offset?: number; limit?: number }): { total: number; offset: number; keys: string[] };
  status(selection?: string): Promise<readonly AssetPartitionStatus[]>;
  plan(options: PlanOptions): Promise<UiPlan>;
  startRun(options: RunOptions): Promise<{ runId: string }>;
  cancelRun(runId: string): Promise<void>;
  listRuns(options?: { limit?: number }): readonly UiRunRecord[];
  getRun(runId: string): UiRunRecord;
  listSteps(runId: string): readonly UiStepRecord[];
  listEvents(options: { runId: string; afterId?: number; limit?: number }): readonly UiEventRecord[];
  onEvent(listener: (event: UiEventRecord) => void): () => void;
  materializations(assetKey: string, options?: { partition?: string; limit?: number }): readonly UiMaterializationRecord[];
  /** Latest results per check and partition; with `history`, every result of a check, newest first. */
  checkResults(assetKey: string, options?: { partition?: string; checkName?: string; history?: boolean; limit?: number }): readonly UiCheckResultRecord[];
  /** Composite quality score per partition; optional until every instance implementation has it. */
  qualityScores?(assetKey: string): readonly { readonly partitionKey: string; readonly score: number | null }[];
  lineage(assetKey: string, options?: { partition?: string }): UiLineage;
  /** Failure markers (latest attempt failed or blocked) of an asset or one partition; optional for older instances. */
  partitionFailures?(assetKey: string, options?: { partition?: string }): readonly { readonly partitionKey: string; readonly kind: string; readonly runId: string | null; readonly message: string; readonly failedAt: Date }[];
  /** The keys of the dynamic partitions `name` and the assets it partitions; optional for instances without dynamic partitions. */
  dynamicPartitions?(name: string): { readonly name: string; readonly keys: readonly string[]; readonly assets: readonly string[] };
  /** Adds and removes keys of the dynamic partitions `name`, all or nothing. */
  updateDynamicPartitions?(name: string, change: { add?: readonly string[]; remove?: readonly string[] }): DynamicPartitionsChangeResult;
  /** The data dictionary (the catalog page); optional for instances without one. */
  dataDictionary?(): DataDictionary;
  /** Transitive column lineage of `ASSET[.COLUMN]` (core's `Instance.columnLineageGraph`); optional for older instances. */
  columnLineageGraph?(target: string, options?: { direction?: 'upstream' | 'downstream'; directOnly?: boolean }): Promise<UiColumnLineageGraph>;
  /** An asset's own column lineage (core's `Instance.columnLineage`); optional for older instances. */
  columnLineage?(assetKey: string, options?: { version?: string }): Promise<UiAssetColumnLineage | undefined>;
  // metadata: PII (issue 16); optional so instances without them still serve
  /** PII columns (declared or propagated) of an asset: column → class; what masking hides. */
  piiColumns?(assetKey: string): Promise<PiiColumns>;
  /** Every PII column of the project with where it flows. */
  piiReport?(): Promise<readonly PiiColumnReport[]>;
  /** Rows of one partition's current version, PII masked with `maskPii`. */
  partitionRows?(assetKey: string, partitionKey: string, options?: { limit?: number; maskPii?: boolean }): Promise<UiRows>;
  /** One read-only SELECT over every asset, PII masked with `maskPii`. */
  query?(sql: string, options?: { maxRows?: number; maskPii?: boolean }): Promise<UiRows>;
  close(): Promise<void>;
}

/** An asset's own column lineage: output column → its inputs with their transformations. */
export interface UiAssetColumnLineage {
  readonly codeVersion: string;
  readonly origin: string;
  readonly source: string;
  readonly recordedAt: Date | null;
  readonly lineage: Readonly<Record<string, readonly { readonly asset: string; readonly column: string; readonly transformations: readonly object[] }[]>>;
}

/** Transitive column lineage as the server reads it. */
export interface UiColumnLineageGraph {
  readonly asset: string;
  readonly column: string | undefined;
  readonly direction: 'upstream' | 'downstream';
  readonly edges: readonly { readonly from: { readonly asset: string; readonly column: string }; readonly to: { readonly asset: string; readonly column: string }; readonly transformations: readonly object[]; readonly depth: number }[];
  readonly unavailable: readonly { readonly asset: string; readonly reason: string }[];
}

/** Data rows the server hands out (core's `EngineQueryResult`). */
export interface UiRows {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly Record<string, unknown>[];
  readonly truncated: boolean;
}
