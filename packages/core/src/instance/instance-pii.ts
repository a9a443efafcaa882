import type { AnyAssetDefinition, AssetKey, PiiClass, PiiColumns } from '../definitions/index.ts';
import { maskedPiiValue } from '../definitions/index.ts';
import type { AssetGraph } from '../graph/index.ts';
import type { ColumnLineage, ColumnLineageInput } from '../lineage/column-lineage-types.ts';
import { propagatePii, type ColumnLineageOf, type PiiClassification, type PiiClassifications, type PiiOrigin, type PersonalPiiClass } from '../lineage/pii-propagation.ts';

/** One PII column of a project, as `quarry pii` lists it: its class, where it came from and where it flows. */
export interface PiiColumnReport {
  readonly asset: AssetKey;
  readonly column: string;
  readonly class: PersonalPiiClass;
  readonly source: 'declared' | 'propagated';
  /** For a propagated column: the upstream PII columns its values come from. */
  readonly from: readonly PiiOrigin[];
  /** The downstream columns this column's values flow into (which are PII by propagation). */
  readonly flowsTo: readonly PiiOrigin[];
  /** Downstream columns its values flow into that declare `pii: 'none'` (propagation stops there). */
  readonly stopsAt: readonly PiiOrigin[];
}

/** The PII of a whole project: every column's classification and the lineage it was propagated along. */
export interface ProjectPii {
  readonly classifications: PiiClassifications;
  readonly lineage: ReadonlyMap<AssetKey, ColumnLineage>;
}

/**
 * Declared column lineage of an asset (`columnLineage` on its definition), when it has one: either
 * the shared `ColumnLineage` shape, or the short form `{ out: ['dep.column', 'raw/users.email'] }`,
 * where `dep` is a dependency's name in `deps` (or an asset key). Short-form inputs count as DIRECT
 * transformations, so PII flows through them.
 */
export function declaredColumnLineage(asset: AnyAssetDefinition): ColumnLineage | undefined {
  const declared = (asset as { columnLineage?: unknown }).columnLineage;
  if (typeof declared !== 'object' || declared === null) return undefined;
  const deps = asset.type === 'asset' ? asset.deps : {};
  const lineage: Record<string, ColumnLineageInput[]> = {};
  for (const [column, inputs] of Object.entries(declared as Record<string, unknown>)) {
    if (!Array.isArray(inputs)) continue;
    lineage[column] = inputs.flatMap((input): ColumnLineageInput[] => {
      if (typeof input === 'object' && input !== null && typeof (input as ColumnLineageInput).asset === 'string') return [input as ColumnLineageInput];
      if (typeof input !== 'string') return [];
      const dot = input.lastIndexOf('.');
      if (dot <= 0) return [];
      const source = input.slice(0, dot);
      const upstream = deps[source]?.asset.key ?? (asset.type === 'asset' && asset.selfDependency?.name === source ? asset.key : source);
      return [{ asset: upstream, column: input.slice(dot + 1), transformations: [{ type: 'DIRECT', subtype: 'TRANSFORMATION' }] }];
    });
  }
  return lineage;
}

/** Every asset's declared PII classes (`none` included), from its column docs. */
export function declaredPii(graph: AssetGraph): Map<AssetKey, Record<string, PiiClass>> {
  const declared = new Map<AssetKey, Record<string, PiiClass>>();
  for (const asset of graph.assets()) {
    const classes: Record<string, PiiClass> = {};
    for (const [column, doc] of Object.entries(asset.columns)) if (doc.pii !== undefined) classes[column] = doc.pii;
    declared.set(asset.key, classes);
  }
  return declared;
}

/** Classifies every column of the graph: declared PII, then propagation along `lineageOf` (upstream first). */
export async function classifyProjectPii(graph: AssetGraph, lineageOf: ColumnLineageOf): Promise<ProjectPii> {
  const lineage = new Map<AssetKey, ColumnLineage>();
  const classifications = await propagatePii(graph.topologicalOrder(), declaredPii(graph), async (key) => {
    const found = await lineageOf(key);
    if (found !== undefined) lineage.set(key, found);
    return found;
  });
  return { classifications, lineage };
}

/** The PII columns of one asset after propagation, as masking wants them (column → class). */
export function piiColumnsFrom(pii: ProjectPii, assetKey: AssetKey): PiiColumns {
  return new Map([...(pii.classifications.get(assetKey) ?? new Map<string, PiiClassification>())].map(([column, c]) => [column, c.class]));
}

/** Every PII column of the project with where it flows, sorted by asset and column. */
export function piiReport(graph: AssetGraph, pii: ProjectPii): PiiColumnReport[] {
  const declared = declaredPii(graph);
  const same = (a: PiiOrigin, asset: string, column: string) => a.asset === asset && a.column.toLowerCase() === column.toLowerCase();
  const rows: PiiColumnReport[] = [];
  for (const [asset, columns] of pii.classifications) {
    for (const [column, classification] of columns) {
      const flowsTo: PiiOrigin[] = [];
      const stopsAt: PiiOrigin[] = [];
      for (const [downstream, lineage] of pii.lineage) {
        for (const [out, inputs] of Object.entries(lineage)) {
          const carries = inputs.some((i) => same(i, asset, column) && i.transformations.some((t) => t.type === 'DIRECT' && t.masking !== true));
          if (!carries) continue;
          const got = pii.classifications.get(downstream)?.get(out);
          if (got?.source === 'propagated') flowsTo.push({ asset: downstream, column: out });
          else if (got === undefined && Object.entries(declared.get(downstream) ?? {}).some(([name, cls]) => cls === 'none' && name.toLowerCase() === out.toLowerCase())) stopsAt.push({ asset: downstream, column: out });
        }
      }
      rows.push({ asset, column, class: classification.class, source: classification.source, from: classification.source === 'propagated' ? classification.from : [], flowsTo, stopsAt });
    }
  }
  return rows.sort((a, b) => (a.asset === b.asset ? a.column.localeCompare(b.column) : a.asset.localeCompare(b.asset)));
}

/**
 * The `masked` map of a query view (`InputRelation.masked`): each PII column of the asset that the
 * files have (`fileColumns`, matched case-insensitively) → its mask text.
 */
export function maskedViewColumns(pii: PiiColumns, fileColumns: readonly string[]): Record<string, string> | undefined {
  if (pii.size === 0) return undefined;
  const lower = new Map([...pii].map(([column, cls]) => [column.toLowerCase(), cls]));
  const masked: Record<string, string> = {};
  for (const column of fileColumns) {
    const cls = lower.get(column.toLowerCase());
    if (cls !== undefined) masked[column] = maskedPiiValue(cls);
  }
  return Object.keys(masked).length > 0 ? masked : undefined;
}
