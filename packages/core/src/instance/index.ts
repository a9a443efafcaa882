export * from './instance-types.ts';
export * from './instance.ts';
export { declaredColumnLineage, type PiiColumnReport, type ProjectPii } from './instance-pii.ts';
export * from './load-project.ts';
export { LAKE_MARKER_FILE, startNewCatalog } from './lake-integrity.ts';
export type { AssetColumnLineage } from './column-lineage-recorder.ts';
