/**
 * The shape of column lineage, shared by everything that derives, stores, propagates or emits it
 * (the SQL-derived lineage, declared lineage of compute assets, PII propagation, OpenLineage's
 * `columnLineage` facet). The transformation vocabulary is OpenLineage's (facet `ColumnLineageDatasetFacet`
 * 1-2-0), so emitting it is a rename, not a translation.
 */

/** How one input column takes part in an output column. */
export interface ColumnTransformation {
  /** `DIRECT`: the input's values flow into the output. `INDIRECT`: the input only decides which rows or groups (filter, join, group by, sort, window, condition). */
  readonly type: 'DIRECT' | 'INDIRECT';
  readonly subtype: 'IDENTITY' | 'TRANSFORMATION' | 'AGGREGATION' | 'FILTER' | 'JOIN' | 'GROUP_BY' | 'SORT' | 'WINDOW' | 'CONDITIONAL';
  /** Free text, e.g. the SQL expression. */
  readonly description?: string;
  /** True when the transformation hides the input's values (a hash, a count), so PII does not flow through it. */
  readonly masking?: boolean;
}

/** One upstream column an output column is derived from. */
export interface ColumnLineageInput {
  /** The upstream asset key (`raw/creator_changes`). */
  readonly asset: string;
  readonly column: string;
  readonly transformations: readonly ColumnTransformation[];
}

/** Output column name → the upstream columns it is derived from. */
export type ColumnLineage = Readonly<Record<string, readonly ColumnLineageInput[]>>;
