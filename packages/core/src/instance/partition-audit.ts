import type { Catalog, JsonValue, NewCheckResult } from '../catalog/index.ts';
import { blockingFailures, checkRequirements, evaluateChecks, type CheckResult } from '../checks/index.ts';
import type { AssetDefinition, PartitionScope } from '../definitions/index.ts';
import type { Engine, InputRelation } from '../engines/index.ts';
import type { PartitionsContext } from '../partitions/index.ts';

/** What auditing a staged partition version found. */
export interface PartitionAudit {
  readonly results: CheckResult[];
  /** Blocking checks that failed or could not run: the version must not be published. */
  readonly blocking: CheckResult[];
  /** What the engine threw while the checks ran (the causes of `errored` results), in order. */
  readonly errors: unknown[];
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Audits a staged (written, not yet committed) partition version with the asset's checks, inside
 * the engine: the new file is the target, the asset's earlier current partitions are its history (for
 * z-scores and row-count changes) and referenced assets are views over their current versions.
 * This is the "audit" of write–audit–publish; the caller publishes only when nothing blocks.
 */
export async function auditPartition(options: {
  readonly asset: AssetDefinition;
  readonly partitionKey: string;
  readonly partitionIndex: number;
  readonly scope: PartitionScope;
  readonly files: readonly string[];
  readonly engine: Engine;
  readonly catalog: Catalog;
  readonly ctx: PartitionsContext;
}): Promise<PartitionAudit> {
  const { asset, catalog, ctx } = options;
  const requirements = checkRequirements(asset.checks);
  const views: InputRelation[] = [{ name: '_quarry_target', assetKey: asset.key, files: options.files }];
  let history: string | undefined;
  if (requirements.historyPartitions > 0 && asset.partitions !== undefined) {
    const parts: string[] = [];
    const first = Math.max(0, options.partitionIndex - requirements.historyPartitions);
    for (let i = first; i < options.partitionIndex; i++) {
      const key = asset.partitions.keyAt(i, ctx);
      const version = catalog.currentMaterialization(asset.key, key);
      if (version === undefined || version.files.length === 0) continue;
      const name = `_quarry_history_${parts.length}`;
      views.push({ name, assetKey: asset.key, files: version.files });
      parts.push(`SELECT *, ${sqlString(key)} AS _partition_key FROM ${name}`);
    }
    // With no earlier partition the history is the target's shape with no rows.
    history = parts.length > 0 ? `(${parts.join(' UNION ALL BY NAME ')})` : `(SELECT *, '' AS _partition_key FROM _quarry_target WHERE false)`;
  }
  const references: Record<string, string> = {};
  requirements.references.forEach((key, i) => {
    const name = `_quarry_ref_${i}`;
    const files = catalog.materializationsAsOf(key, new Date()).flatMap((m) => m.files);
    views.push({ name, assetKey: key, files });
    references[key] = name;
  });
  const errors: unknown[] = [];
  const runner = {
    // Check SQL is compiled to the SQL of the engine that runs it.
    dialect: options.engine.dialect ?? 'duckdb',
    query: async (sql: string) => {
      try {
        return (await options.engine.query(sql, { views })).rows;
      } catch (error) {
        errors.push(error);
        throw error;
      }
    },
  };
  const results = await evaluateChecks(
    runner,
    asset.checks,
    { target: '_quarry_target', ...(history !== undefined ? { history } : {}), references },
    {
      partitionKey: options.partitionKey,
      ...(options.scope.start ? { partitionStart: options.scope.start } : {}),
      ...(options.scope.end ? { partitionEnd: options.scope.end } : {}),
      assetKey: asset.key,
      ...(asset.schema ? { schema: asset.schema } : {}),
    },
  );
  // A blocking check that could not run (errored) cannot vouch for the data either.
  const blocking = blockingFailures(results);
  return { results, blocking, errors };
}

/** A check result as the catalog stores it; the full result rides along in `metadata` for scores. */
export function toCatalogCheckResult(result: CheckResult, assetKey: string, partitionKey: string, runId: string, materializationId: number | null, stagedFiles: readonly string[]): NewCheckResult {
  return {
    assetKey,
    partitionKey,
    checkName: result.checkName,
    runId,
    materializationId,
    passed: result.passed,
    severity: result.severity,
    observedValue: result.observedValue,
    threshold: result.threshold,
    failingCount: result.failingCount,
    sampleRows: result.sample as unknown as JsonValue[],
    message: result.message,
    metadata: {
      kind: result.kind,
      dimension: result.dimension,
      status: result.status,
      blocking: result.blocking,
      unit: result.unit,
      totalCount: result.totalCount,
      failingRatio: result.failingRatio,
      durationMs: result.durationMs,
      // A blocked version is not published; its file stays in the lake for inspection until vacuum.
      ...(materializationId === null ? { stagedFiles: [...stagedFiles] } : {}),
    },
  };
}
