import type { Catalog, JsonValue } from '../catalog/index.ts';
import { schemaColumns, type AssetDefinition, type SchemaChangePolicy } from '../definitions/index.ts';
import type { ColumnSchema } from '../engines/index.ts';
import { describeSchemaChange, diffSchemas, refusedSchemaChanges, schemaColumnsOf, type SchemaChange, type RecordedColumn } from '../lineage/schema-evolution.ts';

/** A staged version's schema held against its asset's last recorded one and its policy. */
export interface SchemaVerdict {
  readonly columns: readonly RecordedColumn[];
  /** Undefined when the asset has no recorded schema yet (its first version). */
  readonly previous: readonly RecordedColumn[] | undefined;
  readonly changes: readonly SchemaChange[];
  readonly policy: SchemaChangePolicy;
  /** The changes the policy refuses; non-empty means the version must not be published. */
  readonly refused: readonly SchemaChange[];
}

/**
 * The schema a step wrote, with nullability: a column is NOT NULL when the asset's zod schema says
 * so (or the engine does), nullable otherwise (Parquet columns written from SQL are nullable).
 */
export function writtenSchema(asset: AssetDefinition, columns: readonly ColumnSchema[]): RecordedColumn[] {
  const declared = asset.schema ? new Map(schemaColumns(asset.schema).map((c) => [c.name, c.nullable])) : undefined;
  return columns.map((c) => ({ name: c.name, type: c.type, nullable: declared?.get(c.name) ?? c.nullable ?? true }));
}

/**
 * The asset's last recorded schema: the newest entry of its schema history, or, for versions
 * committed before the history was kept, the output schema of its newest version.
 */
export function lastRecordedSchema(catalog: Catalog, assetKey: string): { columns: RecordedColumn[]; withNullability: boolean } | undefined {
  const recorded = catalog.listSchemaVersions(assetKey, { limit: 1 })[0];
  if (recorded !== undefined) {
    const columns = schemaColumnsOf(recorded.columns);
    return columns === undefined ? undefined : { columns, withNullability: true };
  }
  const columns = schemaColumnsOf(catalog.materializationHistory(assetKey, undefined, { limit: 1 })[0]?.outputSchema);
  return columns === undefined ? undefined : { columns, withNullability: false };
}

/** Compares the written schema with the last recorded one under `policy`. */
export function judgeSchema(catalog: Catalog, asset: AssetDefinition, columns: readonly ColumnSchema[], policy: SchemaChangePolicy): SchemaVerdict {
  const written = writtenSchema(asset, columns);
  const last = lastRecordedSchema(catalog, asset.key);
  // A version committed before the history was kept has no nullability on record: it is not a change.
  const nullable = new Map(written.map((c) => [c.name, c.nullable]));
  const previous = last === undefined ? undefined : last.withNullability ? last.columns : last.columns.map((c) => ({ ...c, nullable: nullable.get(c.name) ?? c.nullable }));
  const changes = diffSchemas(previous, written);
  return { columns: written, previous, changes, policy, refused: refusedSchemaChanges(policy, changes) };
}

/** The blocked-step message of a refused change: it names each column and change, and the way out. */
export function refusedSchemaMessage(verdict: SchemaVerdict): string {
  return `schema change refused by policy '${verdict.policy}': ${verdict.refused.map(describeSchemaChange).join('; ')}. Allow it with schemaChanges: ${verdict.policy === 'block' ? "'additive' (new columns only) or 'allow'" : "'allow'"} on the asset, or change the asset back`;
}

/** Records the written schema in the asset's history when it is new (the first, or a changed one). */
export function recordWrittenSchema(catalog: Catalog, assetKey: string, verdict: SchemaVerdict, committed: { readonly id: number; readonly partitionKey: string }, runId: string): void {
  if (verdict.previous !== undefined && verdict.changes.length === 0 && catalog.listSchemaVersions(assetKey, { limit: 1 }).length > 0) return;
  catalog.recordSchemaVersion({
    assetKey,
    materializationId: committed.id,
    partitionKey: committed.partitionKey,
    runId,
    columns: verdict.columns as unknown as JsonValue,
    changes: verdict.changes as unknown as JsonValue,
  });
}
