import type { BlockedStep } from '@quarry/core';

/** How many keys of a group the summary lists; the count says how many there are in all. */
const LISTED_KEYS = 20;
/** How many distinct nonexistent upstream ranges a group lists. */
const LISTED_UPSTREAM = 10;

/** Blocked partitions of one asset for one cause, compact whatever their number. */
export interface BlockedGroup {
  readonly assetKey: string;
  readonly cause: 'upstream_nonexistent' | 'upstream_blocked';
  readonly partitionCount: number;
  /** The first and last blocked partition keys, in plan order. */
  readonly firstKey: string;
  readonly lastKey: string;
  /** The first blocked keys (at most 20). */
  readonly keys: readonly string[];
  /** The reason of the first blocked partition, in words. */
  readonly detail: string;
  /** For `upstream_blocked`: the first blocked partition read. */
  readonly upstream?: { readonly asset: string; readonly partition: string };
  /** For `upstream_nonexistent`: the upstream partitions missing (distinct ranges, at most 10), and how many ranges in all. */
  readonly nonexistentUpstream: readonly { readonly asset: string; readonly from: string; readonly to: string; readonly count: number }[];
  readonly nonexistentRanges: number;
}

/** The stale partitions a plan leaves out, for people: their number and one group per asset and cause. */
export interface BlockedSummary {
  readonly partitionCount: number;
  readonly groups: readonly BlockedGroup[];
}

/**
 * Summarizes `plan.blocked` (one entry per partition or range of partitions, possibly thousands)
 * into one group per asset and cause, in plan order, with counts, the first keys and the reasons.
 */
export function summarizeBlocked(blocked: readonly BlockedStep[] | undefined): BlockedSummary {
  const groups = new Map<string, { group: Omit<BlockedGroup, 'nonexistentRanges' | 'nonexistentUpstream' | 'keys' | 'lastKey' | 'partitionCount'>; count: number; keys: string[]; lastKey: string; upstream: Map<string, BlockedGroup['nonexistentUpstream'][number]> }>();
  let partitionCount = 0;
  for (const step of blocked ?? []) {
    if (step.partitionKeys.length === 0) continue;
    partitionCount += step.partitionKeys.length;
    const id = `${step.assetKey}\u0000${step.reason.cause}`;
    let entry = groups.get(id);
    if (entry === undefined) {
      entry = {
        group: {
          assetKey: step.assetKey,
          cause: step.reason.cause,
          firstKey: step.partitionKeys[0]!,
          detail: step.reason.detail,
          ...(step.reason.upstream ? { upstream: { ...step.reason.upstream } } : {}),
        },
        count: 0,
        keys: [],
        lastKey: '',
        upstream: new Map(),
      };
      groups.set(id, entry);
    }
    entry.count += step.partitionKeys.length;
    entry.lastKey = step.partitionKeys[step.partitionKeys.length - 1]!;
    for (const key of step.partitionKeys) {
      if (entry.keys.length >= LISTED_KEYS) break;
      entry.keys.push(key);
    }
    for (const m of step.nonexistentUpstream) entry.upstream.set(`${m.asset}\u0000${m.from}\u0000${m.to}`, { asset: m.asset, from: m.from, to: m.to, count: m.count });
  }
  return {
    partitionCount,
    groups: [...groups.values()].map(({ group, count, keys, lastKey, upstream }) => ({
      ...group,
      partitionCount: count,
      lastKey,
      keys,
      nonexistentUpstream: [...upstream.values()].slice(0, LISTED_UPSTREAM),
      nonexistentRanges: upstream.size,
    })),
  };
}
