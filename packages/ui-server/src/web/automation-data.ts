import { api } from './api-client.ts';
import { h } from './dom-builder.ts';
import { formatDuration } from './formatters.ts';
import { pill } from './page-context.ts';

/** One asset's freshness as `GET /api/automation` lists it. */
export interface FreshnessInfo {
  readonly assetKey: string;
  readonly state: string;
  readonly lagMs: number | null;
  readonly maxLag: string;
}

/** One queued run request as `GET /api/automation` lists it (priority order). */
export interface QueuedRunRequest {
  readonly runKey: string;
  readonly source: string;
  readonly selection: string;
  /** 0 high, 1 normal, 2 low. */
  readonly priority: number;
  readonly partitions: unknown;
  readonly partitionCount: number;
  readonly chunks: number;
  readonly requestedAt: number;
}

/** Priority names by rank. */
export const PRIORITY_NAMES = ['high', 'normal', 'low'];

/**
 * The freshness (by asset) and the run queue from `GET /api/automation`; empty when the server has no
 * automation (a 404) or the request fails, so pages that show them as extras still render.
 */
export async function loadAutomationExtras(signal: AbortSignal): Promise<{ freshness: Map<string, FreshnessInfo>; queue: readonly QueuedRunRequest[] }> {
  try {
    const data = await api.get<{ freshness: readonly FreshnessInfo[]; queue: readonly QueuedRunRequest[] }>('/api/automation', signal);
    return { freshness: new Map(data.freshness.map((f) => [f.assetKey, f])), queue: data.queue };
  } catch {
    return { freshness: new Map(), queue: [] };
  }
}

/** A freshness in words: `lag 2 h 05 m ≤ max 26h`, `never materialized (max 30m)`. */
export function freshnessText(f: FreshnessInfo): string {
  if (f.lagMs === null) return `never materialized (max ${f.maxLag})`;
  return `lag ${formatDuration(f.lagMs)} ${f.state === 'fresh' ? '≤' : '>'} max ${f.maxLag}`;
}

/** The freshness of an asset as a pill (`fresh` / `overdue`) and its lag. */
export function freshnessBadge(f: FreshnessInfo): HTMLElement {
  return h('span', { class: 'freshness', 'data-freshness-state': f.state }, pill(f.state), ' ', h('span', { class: 'muted', 'data-role': 'freshness-lag' }, freshnessText(f)));
}

/** The partitions of a queued request in words: a key, `from → to`, `n keys`, or `all`. */
export function requestPartitionsText(partitions: unknown, count: number): string {
  if (partitions === null || typeof partitions !== 'object') return 'all';
  const p = partitions as { key?: string; keys?: string[]; from?: string; to?: string };
  if (typeof p.key === 'string') return p.key;
  if (typeof p.from === 'string') return `${p.from} → ${p.to ?? ''} (${count})`;
  if (Array.isArray(p.keys)) return p.keys.length <= 3 ? p.keys.join(', ') : `${p.keys.length} keys`;
  return 'all';
}
