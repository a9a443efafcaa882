/**
 * Quarry's public API: declare assets and projects, partition them, build their graph, plan and run
 * materializations, and inspect state through an `Instance`.
 *
 * Cloud backends have their own entry points (`@quarry/core/bigquery`, `@quarry/core/gcs`) so this
 * module never loads a cloud SDK.
 */
export * from './errors.ts';
export * from './definitions/index.ts';
export * from './partitions/index.ts';
export * from './graph/index.ts';
export * from './versioning/index.ts';
export * from './planner/index.ts';
export * from './execution/index.ts';
export * from './engines/index.ts';
export * from './storage/index.ts';
export * from './catalog/index.ts';
export * from './checks/index.ts';
export * from './dialect/index.ts';
export * from './lineage/index.ts';
export * from './instance/index.ts';
export * from './observability/metrics.ts';
export * from './observability/alerts/index.ts';
// metadata: OpenLineage and data dictionary
export * from './lineage/openlineage/index.ts';
export * from './lineage/dictionary/index.ts';
// metadata: schema evolution and PII (issue 16)
export * from './lineage/pii-propagation.ts';
export * from './lineage/schema-evolution.ts';
// storage tiers (automation/ has no barrel of its own yet: the daemon work adds one)
export * from './automation/storage-tiers.ts';
export * from './observability/index.ts';
export * from './automation/index.ts';
