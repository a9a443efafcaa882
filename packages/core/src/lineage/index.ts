export type { ColumnLineage, ColumnLineageInput, ColumnTransformation } from './column-lineage-types.ts';
export { assetColumnLineage } from './asset-column-lineage.ts';
export type { ColumnLineageUpstream } from './asset-column-lineage.ts';
export { traceColumnLineage } from './column-lineage-graph.ts';
export type { ColumnLineageEdge, ColumnRef, TraceColumnLineageOptions } from './column-lineage-graph.ts';
