import type { AssetDefinition } from '../definitions/index.ts';
import { sqlColumnLineage } from '../dialect/index.ts';
import { QuarryError } from '../errors.ts';
import type { ColumnLineage, ColumnLineageInput } from './column-lineage-types.ts';

/** One input relation of an asset, as `assetColumnLineage` asks for its columns. */
export interface ColumnLineageUpstream {
  /** The name the asset's SQL or function uses (a key of `deps`, or the self-dependency's name). */
  readonly name: string;
  readonly assetKey: string;
  /** True for the asset's own earlier partitions. */
  readonly self: boolean;
}

/**
 * The column lineage of an asset: derived from its SQL (upstream relations resolved through
 * `upstreamColumns`, so `*` expands to the upstream's real columns) or, for a compute asset, its
 * declared `columnLineage` (each input `DIRECT`/`TRANSFORMATION`, described as declared). Undefined
 * for a compute asset that declares none. An upstream whose columns are unknown, or SQL that reads
 * an unknown relation or column, is a `QUARRY_SQL_LINEAGE` error naming it.
 *
 * ```ts
 * const lineage = assetColumnLineage(asset, (u) => catalogColumns(u.assetKey) ?? declaredColumns(u.assetKey));
 * lineage?.followers; // [{ asset: 'core/creator_snapshots', column: 'followers', transformations: [...] }, …]
 * ```
 */
export function assetColumnLineage(asset: AssetDefinition, upstreamColumns: (upstream: ColumnLineageUpstream) => readonly string[] | undefined): ColumnLineage | undefined {
  const upstreams: ColumnLineageUpstream[] = Object.entries(asset.deps).map(([name, dep]) => ({ name, assetKey: dep.asset.key, self: false }));
  if (asset.selfDependency !== undefined) upstreams.push({ name: asset.selfDependency.name, assetKey: asset.key, self: true });
  const byName = new Map(upstreams.map((u) => [u.name, u]));
  if (asset.sql !== undefined) {
    const tables: Record<string, readonly string[]> = {};
    for (const upstream of upstreams) {
      const columns = upstreamColumns(upstream);
      if (columns === undefined) {
        throw new QuarryError(
          'QUARRY_SQL_LINEAGE',
          `Asset "${asset.key}": the columns of its input "${upstream.name}" (${upstream.assetKey}) are unknown, so its column lineage cannot be derived. ` +
            `Declare a schema on ${upstream.assetKey} or materialize it first.`,
          { details: { assetKey: asset.key, upstream: upstream.assetKey } },
        );
      }
      tables[upstream.name] = columns;
    }
    const derived = sqlColumnLineage(asset.sql, tables, { assetKey: asset.key });
    const lineage: Record<string, readonly ColumnLineageInput[]> = {};
    for (const column of derived.columns) {
      lineage[column] = Object.freeze(
        (derived.lineage[column] ?? []).map((input) =>
          Object.freeze({ asset: byName.get(input.table)?.assetKey ?? input.table, column: input.column, transformations: Object.freeze(input.transformations.map((t) => Object.freeze({ ...t }))) }),
        ),
      );
    }
    return Object.freeze(lineage);
  }
  if (asset.columnLineage === undefined) return undefined;
  const lineage: Record<string, readonly ColumnLineageInput[]> = {};
  for (const [output, inputs] of Object.entries(asset.columnLineage)) {
    lineage[output] = Object.freeze(
      inputs.map((input) => {
        const dot = input.indexOf('.');
        const upstream = byName.get(input.slice(0, dot));
        return Object.freeze({
          asset: upstream?.assetKey ?? input.slice(0, dot),
          column: input.slice(dot + 1),
          transformations: Object.freeze([Object.freeze({ type: 'DIRECT' as const, subtype: 'TRANSFORMATION' as const, description: 'declared in columnLineage' })]),
        });
      }),
    );
  }
  return Object.freeze(lineage);
}
