import type { PiiClass } from '../definitions/index.ts';
import type { ColumnLineage } from './column-lineage-types.ts';

/** A PII class other than `none`. */
export type PersonalPiiClass = Exclude<PiiClass, 'none'>;

/** One upstream column (`asset` + `column`) a propagated PII classification came from. */
export interface PiiOrigin {
  readonly asset: string;
  readonly column: string;
}

/**
 * The PII classification of one column after propagation: declared on the column itself, or
 * propagated from the upstream PII columns its values flow from (`from`, in lineage order; `class` is
 * the first one's).
 */
export type PiiClassification =
  | { readonly class: PersonalPiiClass; readonly source: 'declared' }
  | { readonly class: PersonalPiiClass; readonly source: 'propagated'; readonly from: readonly PiiOrigin[] };

/** Asset key → column → its PII classification; columns that are not PII are absent. */
export type PiiClassifications = ReadonlyMap<string, ReadonlyMap<string, PiiClassification>>;

/**
 * The column lineage of an asset, or undefined when none is known. May be async: SQL-derived lineage
 * parses the asset's SQL.
 */
export type ColumnLineageOf = (assetKey: string) => ColumnLineage | undefined | Promise<ColumnLineage | undefined>;

/**
 * Every PII column of a graph: the declared ones, plus the columns derived from a PII column. A
 * column is PII of its upstream's class when a `DIRECT` transformation that is not `masking` (a hash,
 * a count) carries the upstream's values into it; `INDIRECT` inputs (filters, joins, group keys) do
 * not make a column PII. A column that declares `pii: 'none'` explicitly stops propagation; a column
 * that declares a class keeps its own.
 *
 * `graphOrder` lists the asset keys upstream first (a topological order), so an upstream's
 * propagated classes are known before its downstream is visited. `declared` holds each asset's
 * declared classes (`none` included). Columns are matched case-insensitively, as SQL does.
 *
 * ```ts
 * const pii = await propagatePii(['raw/users', 'marts/contacts'],
 *   new Map([['raw/users', { email: 'email' }]]),
 *   (key) => key === 'marts/contacts' ? { contact: [{ asset: 'raw/users', column: 'email', transformations: [{ type: 'DIRECT', subtype: 'IDENTITY' }] }] } : undefined);
 * pii.get('marts/contacts')?.get('contact'); // { class: 'email', source: 'propagated', from: [{ asset: 'raw/users', column: 'email' }] }
 * ```
 */
export async function propagatePii(
  graphOrder: readonly string[],
  declared: ReadonlyMap<string, Readonly<Record<string, PiiClass>>>,
  columnLineageOf: ColumnLineageOf,
): Promise<PiiClassifications> {
  const result = new Map<string, Map<string, PiiClassification>>();
  const classOf = (asset: string, column: string): PersonalPiiClass | undefined => {
    const columns = result.get(asset);
    if (columns === undefined) return undefined;
    const exact = columns.get(column);
    if (exact !== undefined) return exact.class;
    const lower = column.toLowerCase();
    for (const [name, classification] of columns) if (name.toLowerCase() === lower) return classification.class;
    return undefined;
  };
  for (const asset of graphOrder) {
    const own = declared.get(asset) ?? {};
    const declaredLower = new Map(Object.entries(own).map(([name, cls]) => [name.toLowerCase(), cls]));
    const columns = new Map<string, PiiClassification>();
    for (const [name, cls] of Object.entries(own)) if (cls !== 'none') columns.set(name, { class: cls, source: 'declared' });
    const lineage = await columnLineageOf(asset);
    for (const [column, inputs] of Object.entries(lineage ?? {})) {
      if (declaredLower.has(column.toLowerCase())) continue;
      const from: PiiOrigin[] = [];
      let cls: PersonalPiiClass | undefined;
      for (const input of inputs) {
        const carries = input.transformations.some((t) => t.type === 'DIRECT' && t.masking !== true);
        if (!carries) continue;
        const upstream = classOf(input.asset, input.column);
        if (upstream === undefined) continue;
        cls ??= upstream;
        from.push({ asset: input.asset, column: input.column });
      }
      if (cls !== undefined) columns.set(column, { class: cls, source: 'propagated', from });
    }
    if (columns.size > 0) result.set(asset, columns);
  }
  return result;
}
