export type { NonexistentUpstream, PartitionKeyRange, PartitionMapping } from './partition-mapping.ts';
export { identityMapping } from './identity-mapping.ts';
export { timeWindowMapping, type TimeWindowMappingConfig } from './time-window-mapping.ts';
export { allMapping } from './all-mapping.ts';
export { lastMapping } from './last-mapping.ts';
export { staticMapping, type StaticMappingConfig } from './static-mapping.ts';
export { multiToSingleMapping, type MultiToSingleMappingConfig } from './multi-to-single-mapping.ts';
export { customMapping, type CustomMappingConfig, type PartitionKeyMapper } from './custom-mapping.ts';
export { defaultMapping } from './default-mapping.ts';
