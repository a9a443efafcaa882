import type { Catalog } from '../catalog/index.ts';
import { schemaColumns, type AssetDefinition } from '../definitions/index.ts';
import type { AssetGraph } from '../graph/index.ts';
import { assetColumnLineage, type ColumnLineage, type ColumnLineageUpstream } from '../lineage/index.ts';

/**
 * The columns of an asset's inputs as column lineage reads them: the schema the catalog recorded for
 * the upstream's latest version, else its declared schema (a source: its documented columns). The
 * asset's own earlier partitions (a self-dependency) are `ownColumns` when given (what the step just
 * wrote), else the same lookup.
 */
export function upstreamColumnsOf(graph: AssetGraph, catalog: Catalog, ownColumns?: readonly string[]): (upstream: ColumnLineageUpstream) => readonly string[] | undefined {
  return (upstream) => {
    if (upstream.self && ownColumns !== undefined) return ownColumns;
    const recorded = catalog.materializationHistory(upstream.assetKey, undefined, { limit: 1 })[0]?.outputSchema;
    if (Array.isArray(recorded) && recorded.length > 0) return recorded.map((c) => String((c as { name?: unknown }).name));
    const definition = graph.has(upstream.assetKey) ? graph.get(upstream.assetKey) : undefined;
    if (definition?.type === 'asset' && definition.schema !== undefined) return schemaColumns(definition.schema).map((c) => c.name);
    if (definition !== undefined && Object.keys(definition.columns).length > 0) return Object.keys(definition.columns);
    return undefined;
  };
}

/**
 * Derives (SQL) or reads (declared, compute) the column lineage of the version of `asset` just
 * committed and records it in the catalog under its code version. Returns the lineage, or undefined
 * for a compute asset that declares none.
 */
export function recordAssetColumnLineage(
  graph: AssetGraph,
  catalog: Catalog,
  asset: AssetDefinition,
  version: { readonly codeVersion: string; readonly runId: string; readonly materializationId: number | null; readonly columns: readonly string[] },
): ColumnLineage | undefined {
  const lineage = assetColumnLineage(asset, upstreamColumnsOf(graph, catalog, version.columns));
  if (lineage === undefined) return undefined;
  catalog.recordColumnLineage({
    assetKey: asset.key,
    codeVersion: version.codeVersion,
    lineage: lineage as never,
    source: asset.sql !== undefined ? 'derived' : 'declared',
    runId: version.runId,
    materializationId: version.materializationId,
  });
  return lineage;
}

/** The column lineage of one asset, as `Instance.columnLineage` returns it. */
export interface AssetColumnLineage {
  readonly assetKey: string;
  /** The code version it belongs to (the asset's current one when derived now). */
  readonly codeVersion: string;
  /** `recorded` in the catalog when a version committed, or `derived` now from the definitions (nothing recorded yet). */
  readonly origin: 'recorded' | 'derived';
  /** `sql` (derived from the SQL) or `declared` (a compute asset's `columnLineage`). */
  readonly source: 'sql' | 'declared';
  readonly recordedAt: Date | null;
  readonly runId: string | null;
  readonly lineage: ColumnLineage;
}

/**
 * The column lineage of `assetKey`: the latest recorded in the catalog (of code version `version`,
 * when given), else — without a version — derived now from the definitions and the upstream schemas.
 * Undefined when there is none (a source, a compute asset declaring none, or no record of `version`).
 */
export function readAssetColumnLineage(
  graph: AssetGraph,
  catalog: Catalog,
  assetKey: string,
  currentCodeVersion: (key: string) => string,
  options: { readonly version?: string } = {},
): AssetColumnLineage | undefined {
  const definition = graph.get(assetKey);
  const recorded = catalog.columnLineage(definition.key, options.version !== undefined ? { codeVersion: options.version } : {});
  if (recorded !== undefined) {
    return {
      assetKey: definition.key,
      codeVersion: recorded.codeVersion,
      origin: 'recorded',
      source: recorded.source === 'derived' ? 'sql' : 'declared',
      recordedAt: recorded.recordedAt,
      runId: recorded.runId,
      lineage: recorded.lineage as unknown as ColumnLineage,
    };
  }
  if (options.version !== undefined || definition.type !== 'asset') return undefined;
  const lineage = assetColumnLineage(definition, upstreamColumnsOf(graph, catalog));
  if (lineage === undefined) return undefined;
  return {
    assetKey: definition.key,
    codeVersion: currentCodeVersion(definition.key),
    origin: 'derived',
    source: definition.sql !== undefined ? 'sql' : 'declared',
    recordedAt: null,
    runId: null,
    lineage,
  };
}
