import type { JsonValue } from './catalog.ts';

/** What produced a tick: a cron schedule, a sensor, an asset's automation condition, or a freshness check. */
export type TickKind = 'schedule' | 'sensor' | 'condition' | 'freshness';

/** How a tick ended: runs requested, nothing to do, or an error. */
export type TickStatus = 'requested' | 'skipped' | 'failed';

/** A tick to record (see `Catalog.recordTick`). Times are the daemon clock's epoch milliseconds. */
export interface NewTick {
  readonly kind: TickKind;
  /** The asset key (schedule, condition, freshness) or the sensor name. */
  readonly name: string;
  /** The instant the tick evaluates (a cron time, or the daemon's loop time). */
  readonly tickTime: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly status: TickStatus;
  /** How many partitions the tick's run requests cover (0 when skipped or failed). */
  readonly partitions: number;
  readonly runKeys: readonly string[];
  /** Why it was skipped, or what it requested, in words. */
  readonly reason: string | null;
  readonly error: string | null;
  /** Extra facts (an overdue asset's lag, a sensor's cursor). */
  readonly data?: JsonValue;
  /** The daemon that evaluated it. */
  readonly daemonId: string;
}

/** One recorded tick. */
export interface TickRecord extends NewTick {
  readonly id: number;
  readonly data: JsonValue;
}

/** Where a queued run request is in its life. */
export type RunRequestStatus = 'queued' | 'done' | 'failed' | 'cancelled';

/** A run request to record with its tick; the run key makes it unique forever. */
export interface NewRunRequest {
  /** Deterministic: `schedule:<asset>:<tick time>`, `sensor:<name>:<key>`, `eager:<asset>:<state>`. */
  readonly runKey: string;
  /** `schedule:<asset>`, `sensor:<name>`, `condition:<asset>`. */
  readonly source: string;
  readonly selection: string;
  readonly partitions: JsonValue | null;
  readonly tags: Readonly<Record<string, string>>;
  /** 0 = high, 1 = normal, 2 = low. */
  readonly priority: number;
  /** How many partitions were asked for. */
  readonly partitionCount: number;
}

/** One recorded run request and its progress through the queue. */
export interface RunRequestRecord extends NewRunRequest {
  readonly tickId: number | null;
  readonly status: RunRequestStatus;
  /** Arrival order (ties of priority go first come, first served). */
  readonly seq: number;
  /** How many chunks (single steps) have been launched as runs. */
  readonly chunks: number;
  readonly requestedAt: number;
  readonly firstLaunchedAt: number | null;
  readonly finishedAt: number | null;
  /** How it ended, in words. */
  readonly outcome: string | null;
}

/** A chunk of a run request launched (or about to be launched) as one run. */
export interface RunRequestChunk {
  readonly runKey: string;
  readonly chunk: number;
  readonly runId: string;
  readonly assetKey: string;
  readonly partitions: JsonValue | null;
  readonly launchedAt: number;
}

/** Changes to a run request; omitted fields keep their value. */
export interface RunRequestUpdate {
  readonly status?: RunRequestStatus;
  readonly finishedAt?: number | null;
  readonly outcome?: string | null;
}

/** Saved state of one schedule, sensor or condition: its cursor and whether it is paused. */
export interface AutomationCursor {
  readonly kind: TickKind;
  readonly name: string;
  readonly cursor: string | null;
  readonly lastTickTime: number | null;
  readonly paused: boolean;
}

/** The daemon lease: who holds it until when (daemon clock milliseconds). */
export interface DaemonLease {
  readonly name: string;
  readonly holder: string;
  readonly pid: number | null;
  readonly host: string | null;
  readonly acquiredAt: number;
  readonly heartbeatAt: number;
  readonly expiresAt: number;
}

/** The outcome of `Catalog.acquireDaemonLease`: acquired (or renewed), or the lease someone else holds. */
export interface DaemonLeaseResult {
  readonly acquired: boolean;
  readonly lease: DaemonLease;
  /** True when this call took the lease over from another holder whose lease had expired. */
  readonly tookOver: boolean;
}
