export * from './asset-key.ts';
export * from './asset-definition.ts';
export * from './project-definition.ts';
export * from './schema-columns.ts';
export * from './retry-policy.ts';
export * from './backfill-policy.ts';
export * from './pii-mask.ts';
export * from './automation-policy.ts';
