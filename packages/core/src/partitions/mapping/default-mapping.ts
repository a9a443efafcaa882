import { QuarryError } from '../../errors.ts';
import { isMultiPartitionsDefinition } from '../multi-partitions.ts';
import type { PartitionsDefinition } from '../partitions-definition.ts';
import { isTimeWindowPartitionsDefinition } from '../time-window-partitions.ts';
import { allMapping } from './all-mapping.ts';
import { identityMapping } from './identity-mapping.ts';
import { multiToSingleMapping } from './multi-to-single-mapping.ts';
import type { PartitionMapping } from './partition-mapping.ts';
import { timeWindowMapping } from './time-window-mapping.ts';

/**
 * The mapping a dependency uses when it declares none: all when either side is unpartitioned,
 * identity between equal definitions, window overlap between time windows, and multi → single
 * when exactly one dimension of the multi-dimensional side matches the other side. Otherwise
 * throws `QUARRY_BAD_PARTITION_MAPPING` asking for an explicit mapping.
 *
 * @param upstreamDef The partitions of the upstream asset (undefined: unpartitioned).
 * @param downstreamDef The partitions of the downstream asset (undefined: unpartitioned).
 *
 * ```ts
 * defaultMapping(hourly, daily).id; // 'time-window(startOffset=0,endOffset=0)'
 * ```
 */
export function defaultMapping(upstreamDef: PartitionsDefinition | undefined, downstreamDef: PartitionsDefinition | undefined): PartitionMapping {
  if (upstreamDef === undefined || downstreamDef === undefined) return allMapping();
  if (upstreamDef.id === downstreamDef.id) return identityMapping();
  if (isTimeWindowPartitionsDefinition(upstreamDef) && isTimeWindowPartitionsDefinition(downstreamDef)) return timeWindowMapping();
  const multi = isMultiPartitionsDefinition(upstreamDef) ? upstreamDef : isMultiPartitionsDefinition(downstreamDef) ? downstreamDef : undefined;
  const single = multi === upstreamDef ? downstreamDef : upstreamDef;
  if (multi !== undefined && !isMultiPartitionsDefinition(single)) {
    let matches = multi.dimensions.filter((d) => d.definition.id === single.id);
    if (matches.length === 0 && isTimeWindowPartitionsDefinition(single)) {
      matches = multi.dimensions.filter((d) => isTimeWindowPartitionsDefinition(d.definition));
    }
    if (matches.length === 1) return multiToSingleMapping({ dimension: matches[0]!.name });
  }
  throw new QuarryError(
    'QUARRY_BAD_PARTITION_MAPPING',
    `No default partition mapping from ${upstreamDef.id} (upstream) to ${downstreamDef.id} (downstream): ` +
      'pass an explicit mapping on the dependency (identityMapping, timeWindowMapping, staticMapping, multiToSingleMapping, allMapping, lastMapping or customMapping).',
  );
}
