import type { AssetKey } from '../definitions/index.ts';

/** Why a step runs (or a partition is stale). */
export type StaleCause = 'missing' | 'code_changed' | 'upstream_changed' | 'upstream_stale' | 'source_changed' | 'failed' | 'forced';

/** The cause of staleness of one partition, with the upstream that caused it when there is one. */
export interface StaleReason {
  readonly cause: StaleCause;
  /** For upstream_changed / upstream_stale / source_changed: which upstream asset and partition. */
  readonly upstream?: { readonly asset: AssetKey; readonly partition: string };
  /** Human text, e.g. `code version 3f2a… → 9b1c…`. */
  readonly detail?: string;
}
