export { PartitionSubset, PartitionSubsetBuilder, type PartitionSubsetJson } from './partition-subset.ts';
export type { PartitionSelection } from './partition-selection.ts';
export type { PartitionsContext, PartitionsDefinition, PartitionsKind } from './partitions-definition.ts';
export { DEFAULT_TIME_KEY_FORMATS, TIME_GRAINS, type TimeGrain } from './time-grain.ts';
export {
  dailyPartitions,
  fifteenMinutePartitions,
  hourlyPartitions,
  isTimeWindowPartitionsDefinition,
  monthlyPartitions,
  timeWindowPartitions,
  weeklyPartitions,
  type TimeBound,
  type TimeGrainPartitionsConfig,
  type TimeWindow,
  type TimeWindowPartitionsConfig,
  type TimeWindowPartitionsDefinition,
  type Weekday,
  type WeeklyPartitionsConfig,
} from './time-window-partitions.ts';
export { isStaticPartitionsDefinition, staticPartitions, type StaticPartitionsDefinition } from './static-partitions.ts';
export {
  dynamicPartitions,
  isDynamicPartitionsDefinition,
  type DynamicPartitionsConfig,
  type DynamicPartitionsDefinition,
} from './dynamic-partitions.ts';
export { InMemoryDynamicPartitionsStore, type DynamicPartitionsStore } from './dynamic-partitions-store.ts';
export {
  checkDynamicPartitionKeys,
  dynamicPartitionsNames,
  MAX_DYNAMIC_PARTITION_KEY_LENGTH,
  updateDynamicPartitions,
  type DynamicPartitionsChange,
  type DynamicPartitionsChangeResult,
  type DynamicPartitionsInfo,
  type DynamicPartitionsUpdate,
} from './dynamic-partitions-update.ts';
export {
  isMultiPartitionsDefinition,
  multiPartitions,
  type MultiPartitionsDefinition,
  type PartitionDimension,
} from './multi-partitions.ts';
export { cronPartitions, type CronPartitionsConfig } from './cron-partitions.ts';
export * from './mapping/index.ts';
