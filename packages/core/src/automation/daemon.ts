import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Catalog, JsonValue, NewRunRequest, NewTick, RunRecord, RunRequestRecord, TickKind, TickRecord } from '../catalog/index.ts';
import { createRunId, isProcessAlive } from '../catalog/index.ts';
import type { AnyAssetDefinition, AssetKey, AssetPriority, AutomationCondition, ProjectDefinition, SensorDefinition, SensorResult, SensorRunRequest } from '../definitions/index.ts';
import { ASSET_PRIORITIES } from '../definitions/index.ts';
import { isQuarryError, QuarryError } from '../errors.ts';
import type { Clock } from '../execution/index.ts';
import { resolveSelection, type AssetGraph } from '../graph/index.ts';
import { isTimeWindowPartitionsDefinition, PartitionSubset, type PartitionsContext } from '../partitions/index.ts';
import type { Plan } from '../planner/index.ts';
import type { AssetStaleness } from '../versioning/index.ts';
import { conditionCrons, conditionNeedsStaleness, describeCondition } from './automation-condition.ts';
import { createCronSchedule } from './cron-schedule.ts';
import { crashPoint } from './fault-injection.ts';
import { computeFreshness, formatLag, type AssetFreshness } from './freshness.ts';

type PartitionSelection = { readonly key: string } | { readonly keys: readonly string[] } | { readonly from: string; readonly to: string };

/**
 * What the daemon needs from an instance: its project, graph and catalog, staleness, plans and runs.
 * `Instance` satisfies it; the daemon sits above execution and never imports the instance itself.
 */
export interface AutomationHost {
  readonly project: ProjectDefinition;
  readonly projectDir: string;
  readonly graph: AssetGraph;
  readonly catalog: Catalog;
  partitionsContext(): PartitionsContext;
  staleness(options: { selection?: string }): Promise<{ staleness: Map<AssetKey, AssetStaleness> }>;
  plan(options: { selection?: string; partitions?: PartitionSelection }): Promise<Plan>;
  startRun(options: { selection?: string; partitions?: PartitionSelection; runId?: string; tags?: Record<string, string>; kind?: 'materialize' | 'backfill'; concurrency?: number }): Promise<{ runId: string }>;
  resumeRun(runId: string, options?: { concurrency?: number }): Promise<{ runId: string }>;
  waitForRun(runId: string): Promise<RunRecord>;
  updateDynamicPartitions(name: string, change: { add?: readonly string[] }): unknown;
}

/** What an overdue asset tells the alerting hook (and records as an `asset_overdue` event). */
export interface AssetOverdueEvent {
  readonly type: 'asset_overdue';
  readonly assetKey: AssetKey;
  readonly lagMs: number | null;
  readonly maxLagMs: number;
  /** The daemon clock's time of the check, epoch ms. */
  readonly at: number;
  readonly message: string;
}

/** Options of `createDaemon`. */
export interface DaemonConfig {
  readonly host: AutomationHost;
  /** Time and waiting (lease, intervals, sensor time limits); tests pass a manual clock. */
  readonly clock: Clock;
  /** Milliseconds between evaluation loops (default 30 s). */
  readonly intervalMs?: number;
  /** Lease time to live (default 60 s): a second daemon takes over at most this long after the first stops renewing. */
  readonly leaseMs?: number;
  /** An id for this daemon in ticks and the lease (default: host, pid and random bits). */
  readonly daemonId?: string;
  /** Called for every asset that becomes overdue (the alert router's entry point); errors are reported, not thrown. */
  readonly onAssetOverdue?: (event: AssetOverdueEvent) => void | Promise<void>;
  /** Told about every tick recorded (logging, the UI's live view). */
  readonly onTick?: (tick: TickRecord) => void;
  /** Steps a chunk run runs at once (default 1: a chunk is one step). */
  readonly runConcurrency?: number;
}

/** What one `Daemon.tick()` did. */
export interface DaemonTickResult {
  /** False when another daemon holds the lease (nothing was evaluated). */
  readonly leader: boolean;
  readonly ticks: readonly TickRecord[];
  /** Run ids started or resumed by the dispatch that followed. */
  readonly launched: readonly string[];
}

/** The catalog lease name the daemon of an instance holds. */
export const DAEMON_LEASE = 'daemon';

const PRIORITY_RANK: Record<AssetPriority, number> = { high: 0, normal: 1, low: 2 };

interface ActiveRun {
  readonly runId: string;
  readonly runKey: string;
  readonly assetKey: AssetKey;
  readonly done: Promise<void>;
}

/**
 * The automation daemon of one instance: on every tick it takes (or renews) the catalog lease, evaluates
 * the due schedules, sensors and automation conditions, records each evaluation as a tick with its run
 * requests (unique by run key), checks freshness, then dispatches queued requests one step at a time
 * by priority within the concurrency and pool limits. See docs/automation.md.
 *
 * ```ts
 * const daemon = createDaemon({ host: instance, clock: systemClock });
 * await daemon.run(signal); // until aborted
 * ```
 */
export class Daemon {
  readonly id: string;
  readonly #host: AutomationHost;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #leaseMs: number;
  readonly #onOverdue: DaemonConfig['onAssetOverdue'];
  readonly #onTick: DaemonConfig['onTick'];
  readonly #runConcurrency: number;
  readonly #active = new Map<string, ActiveRun>();
  readonly #overdueListeners = new Set<(event: AssetOverdueEvent) => void | Promise<void>>();
  // Per asset, the state its condition was last evaluated on: an unchanged state gives the same answer,
  // so an idle daemon re-reads a few cached catalog rows per asset instead of recomputing staleness.
  readonly #evaluatedState = new Map<AssetKey, string>();
  #leader = false;
  // In `run()`, a finished run dispatches the queue at once (the next step of a backfill does not wait for the next tick).
  #looping = false;
  #dispatching: Promise<string[]> | undefined;

  constructor(config: DaemonConfig) {
    this.#host = config.host;
    this.#clock = config.clock;
    this.#intervalMs = config.intervalMs ?? 30_000;
    this.#leaseMs = config.leaseMs ?? 60_000;
    this.#onOverdue = config.onAssetOverdue;
    this.#onTick = config.onTick;
    this.#runConcurrency = config.runConcurrency ?? 1;
    this.id = config.daemonId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    if (!(this.#leaseMs > 0) || !(this.#intervalMs > 0)) throw new QuarryError('QUARRY_BAD_ARGUMENT', `Daemon interval and lease must be positive durations (got ${this.#intervalMs} ms and ${this.#leaseMs} ms).`);
  }

  /** Whether this daemon held the lease at its last tick. */
  get leader(): boolean {
    return this.#leader;
  }

  /** Runs this daemon started and that have not finished yet. */
  get activeRuns(): readonly string[] {
    return [...this.#active.keys()];
  }

  /** Subscribes the alert router to overdue assets; returns the unsubscribe function. */
  onAssetOverdue(listener: (event: AssetOverdueEvent) => void | Promise<void>): () => void {
    this.#overdueListeners.add(listener);
    return () => this.#overdueListeners.delete(listener);
  }

  /** Takes or renews the lease; true when this daemon holds it. */
  acquireLease(): boolean {
    const result = this.#host.catalog.acquireDaemonLease(DAEMON_LEASE, this.id, this.#clock.now(), this.#leaseMs, { pid: process.pid, host: hostname() });
    this.#leader = result.acquired;
    return result.acquired;
  }

  /** Gives the lease up (on a clean stop), so another daemon takes over at once. */
  releaseLease(): void {
    this.#host.catalog.releaseDaemonLease(DAEMON_LEASE, this.id);
    this.#leader = false;
  }

  /**
   * One evaluation round at the clock's current time: lease, schedules, sensors, conditions,
   * freshness, then dispatch of the queue. A failing schedule, sensor or condition is recorded on
   * its tick and the round goes on.
   */
  async tick(): Promise<DaemonTickResult> {
    if (!this.acquireLease()) return { leader: false, ticks: [], launched: [] };
    crashPoint('lease-acquired');
    const ticks: TickRecord[] = [];
    const now = this.#clock.now();
    const graph = this.#host.graph;
    for (const key of graph.keys) {
      const asset = graph.get(key);
      if (asset.type !== 'asset' || asset.automation === undefined) continue;
      ticks.push(...(await this.#evaluateAsset(asset, asset.automation, now)));
    }
    for (const sensor of this.#host.project.sensors) {
      const tick = await this.#evaluateSensor(sensor, now);
      if (tick !== undefined) ticks.push(tick);
    }
    ticks.push(...(await this.#checkFreshness(now)));
    const launched = await this.dispatch();
    return { leader: true, ticks, launched };
  }

  /**
   * Runs ticks every interval until `signal` aborts (or the lease is lost to another daemon); a daemon
   * that does not hold the lease retries every quarter lease, so it takes over within one lease
   * period of the holder's death. On abort it waits for its runs, then releases the lease.
   */
  async run(signal: AbortSignal, onError: (error: unknown) => void = () => {}): Promise<void> {
    this.#looping = true;
    this.#onDispatchError = onError;
    while (!signal.aborted) {
      try {
        await this.tick();
      } catch (error) {
        onError(error);
      }
      try {
        await this.#clock.sleep(this.#leader ? Math.min(this.#intervalMs, this.#leaseMs / 3) : Math.min(this.#intervalMs, this.#leaseMs / 4), signal);
      } catch {
        break;
      }
    }
    this.#looping = false;
    await this.drain();
    if (this.#leader) this.releaseLease();
  }

  #onDispatchError: (error: unknown) => void = () => {};

  /** Waits until every run this daemon started has finished, dispatching the queue after each. */
  async drain(): Promise<void> {
    while (this.#active.size > 0) {
      await Promise.race([...this.#active.values()].map((a) => a.done));
      await this.dispatch();
    }
  }

  /** Waits until at least one run this daemon started finishes (at once when none runs). */
  async nextRunFinished(): Promise<void> {
    if (this.#active.size === 0) return;
    await Promise.race([...this.#active.values()].map((a) => a.done));
  }

  // ------------------------------------------------------------------ evaluation

  async #evaluateAsset(asset: AnyAssetDefinition & { type: 'asset' }, condition: AutomationCondition, now: number): Promise<TickRecord[]> {
    const catalog = this.#host.catalog;
    const kind: TickKind = condition.kind === 'cron' ? 'schedule' : 'condition';
    const cursor = catalog.automationCursor(kind, asset.key);
    if (cursor?.paused === true) return [];
    const startedAt = now;
    try {
      if (condition.kind === 'cron') {
        const schedule = createCronSchedule(condition.cron, condition.timeZone, `Asset "${asset.key}": onCron`);
        // A schedule seen for the first time starts now: it does not fire for the past.
        const after = cursor?.lastTickTime ?? (cursor === undefined ? now - 1 : now);
        const times = schedule.between(after, now, 2);
        crashPoint('schedule-evaluated');
        if (cursor?.lastTickTime == null && times.length === 0) {
          catalog.recordTick(this.#tick(kind, asset.key, now, startedAt, 'skipped', [], 0, `next tick ${new Date(schedule.next(now) ?? now).toISOString()}`), [], { lastTickTime: now }, this.#fence());
          return [];
        }
        const out: TickRecord[] = [];
        // After downtime only the latest missed instant is requested (as Dagster does); the older ones
        // are recorded as one skipped tick, so a daemon down for months does not flood the queue.
        if (times.length > 1) {
          const latest = schedule.latest(now)!;
          const lastMissed = schedule.latest(latest - 1)!;
          out.push(this.#record(this.#tick(kind, asset.key, lastMissed, startedAt, 'skipped', [], 0, `skipped the cron instants ${new Date(times[0]!).toISOString()} .. ${new Date(lastMissed).toISOString()} missed while no daemon ran; requesting only the latest`), [], { lastTickTime: lastMissed }));
          times.splice(0, times.length, latest);
        }
        for (const t of times) {
          const partitions = this.#cronPartitions(asset, t);
          const request = this.#request(`schedule:${asset.key}:${new Date(t).toISOString()}`, `schedule:${asset.key}`, asset.key, partitions, asset);
          out.push(this.#record(this.#tick(kind, asset.key, t, startedAt, 'requested', [request.runKey], request.partitionCount, `cron ${condition.cron} (${condition.timeZone})`), [request], { lastTickTime: t }));
        }
        return out;
      }
      const state = conditionCrons(condition).length === 0 ? this.#conditionState(asset, now) : undefined;
      if (state !== undefined && this.#evaluatedState.get(asset.key) === state) return [];
      const result = await this.#evaluateCondition(asset, condition, now, cursor?.lastTickTime ?? null);
      if (result.subset.isEmpty) {
        const tick = this.#record(this.#tick(kind, asset.key, now, startedAt, 'skipped', [], 0, result.reason), [], { lastTickTime: now });
        if (state !== undefined) this.#evaluatedState.set(asset.key, state);
        return [tick];
      }
      const ctx = this.#ctxAt(now);
      const keys = asset.partitions ? [...asset.partitions.keysOf(result.subset, ctx)] : [];
      const selection: PartitionSelection | undefined = asset.partitions ? (keys.length === 1 ? { key: keys[0]! } : { keys }) : undefined;
      const fingerprint = createHash('sha256').update(JSON.stringify([keys, this.#upstreamState(asset.key), result.cronTime ?? null])).digest('hex').slice(0, 16);
      const request = this.#request(`condition:${asset.key}:${fingerprint}`, `condition:${asset.key}`, asset.key, selection, asset);
      const tick = this.#record(this.#tick(kind, asset.key, now, startedAt, 'requested', [request.runKey], request.partitionCount, `${describeCondition(condition)}: ${result.reason}`), [request], { lastTickTime: now });
      if (state !== undefined) this.#evaluatedState.set(asset.key, state);
      return [tick];
    } catch (error) {
      if (isQuarryError(error, 'QUARRY_DAEMON_LEASE_HELD')) throw error;
      return [this.#record(this.#tick(kind, asset.key, now, startedAt, 'failed', [], 0, null, errorText(error)), [], undefined)];
    }
  }

  #cronPartitions(asset: AnyAssetDefinition, at: number): PartitionSelection | undefined {
    const definition = asset.partitions;
    if (definition === undefined) return undefined;
    const all = definition.all(this.#ctxAt(at));
    if (all.isEmpty) throw new QuarryError('QUARRY_BAD_AUTOMATION', `Asset "${asset.key}" has no partition yet at ${new Date(at).toISOString()}, so its schedule has nothing to request.`);
    if (isTimeWindowPartitionsDefinition(definition)) return { key: definition.keyAt(all.last!, this.#ctxAt(at)) };
    return { from: definition.keyAt(all.first!, this.#ctxAt(at)), to: definition.keyAt(all.last!, this.#ctxAt(at)) };
  }

  async #evaluateCondition(asset: AnyAssetDefinition, condition: AutomationCondition, now: number, lastTickTime: number | null): Promise<{ subset: PartitionSubset; reason: string; cronTime?: number }> {
    const ctx = this.#ctxAt(now);
    const all = asset.partitions ? asset.partitions.all(ctx) : PartitionSubset.fromRange(0, 1);
    this.#checkConditionAssets(asset.key, condition);
    const staleness = conditionNeedsStaleness(condition) ? (await this.#host.staleness({ selection: asset.key })).staleness.get(asset.key) : undefined;
    let cronTime: number | undefined;
    const reasons: string[] = [];
    const evaluate = (c: AutomationCondition): PartitionSubset => {
      switch (c.kind) {
        case 'cron': {
          const times = createCronSchedule(c.cron, c.timeZone, `Asset "${asset.key}": onCron`).between(lastTickTime ?? now, now, 1000);
          if (times.length === 0) return PartitionSubset.empty();
          cronTime = times[times.length - 1]!;
          reasons.push(`cron ${c.cron} at ${new Date(cronTime).toISOString()}`);
          return asset.partitions && isTimeWindowPartitionsDefinition(asset.partitions) && !all.isEmpty ? PartitionSubset.fromRange(all.last!, all.last! + 1) : all;
        }
        case 'eager': {
          const s = staleness!;
          const changed = s.upstreamChanged.union(s.sourceChanged).difference(s.missing);
          if (!changed.isEmpty) reasons.push(`upstream data changed for ${changed.count} partition(s)`);
          return changed;
        }
        case 'missing': {
          if (!staleness!.missing.isEmpty) reasons.push(`${staleness!.missing.count} partition(s) missing`);
          return staleness!.missing;
        }
        case 'upstream_updated': {
          const s = staleness!;
          const hit: number[] = [];
          for (const i of s.upstreamChanged.difference(s.missing).indices()) if (s.reasonAt(i)?.upstream?.asset === c.asset) hit.push(i);
          if (hit.length > 0) reasons.push(`${c.asset} changed for ${hit.length} partition(s)`);
          return PartitionSubset.fromIndices(hit);
        }
        case 'and':
          return c.conditions.map(evaluate).reduce((a, b) => a.intersect(b));
        case 'or':
          return c.conditions.map(evaluate).reduce((a, b) => a.union(b));
        case 'not':
          return all.difference(evaluate(c.condition));
      }
    };
    const subset = evaluate(condition).intersect(all);
    return { subset, reason: subset.isEmpty ? 'skipped: nothing to request' : reasons.join('; ') || `${subset.count} partition(s)`, ...(cronTime !== undefined ? { cronTime } : {}) };
  }

  #checkConditionAssets(key: AssetKey, c: AutomationCondition): void {
    if (c.kind === 'upstream_updated' && !this.#host.graph.has(c.asset)) {
      const known = this.#host.graph.parents(key);
      throw new QuarryError('QUARRY_BAD_AUTOMATION', `Asset "${key}": its automation condition names unknown asset "${c.asset}" in upstreamUpdated(); ${known.length > 0 ? `its upstream assets are ${known.map((k) => `"${k}"`).join(', ')}` : 'it has no upstream assets'}.`);
    }
    if (c.kind === 'and' || c.kind === 'or') for (const x of c.conditions) this.#checkConditionAssets(key, x);
    if (c.kind === 'not') this.#checkConditionAssets(key, c.condition);
    for (const cron of conditionCrons(c)) createCronSchedule(cron.cron, cron.timeZone, `Asset "${key}": onCron`);
  }

  // What a condition without cron depends on: upstream data commits, the asset's own versions, failure
  // markers and how many partitions exist now.
  #conditionState(asset: AnyAssetDefinition, now: number): string {
    const own = this.#host.catalog.currentPartitions(asset.key);
    let ownSeq = 0;
    for (const s of own.dataSeqs) ownSeq = Math.max(ownSeq, s);
    const size = asset.partitions ? asset.partitions.size(this.#ctxAt(now)) : 1;
    return JSON.stringify([this.#upstreamState(asset.key), own.size, ownSeq, size, this.#host.catalog.failedPartitions(asset.key).length]);
  }

  // The upstream state a condition reacted to: the newest data commit of each upstream. The same
  // state gives the same run key, so a retried tick never requests twice.
  #upstreamState(key: AssetKey): Record<string, number> {
    const state: Record<string, number> = {};
    for (const parent of this.#host.graph.parents(key)) {
      let max = 0;
      for (const s of this.#host.catalog.currentPartitions(parent).dataSeqs) max = Math.max(max, s);
      if (this.#host.graph.get(parent).type === 'source') for (const o of this.#host.catalog.currentObservations(parent)) max = Math.max(max, o.seq);
      state[parent] = max;
    }
    return state;
  }

  async #evaluateSensor(sensor: SensorDefinition, now: number): Promise<TickRecord | undefined> {
    const catalog = this.#host.catalog;
    const cursor = catalog.automationCursor('sensor', sensor.name);
    if (cursor?.paused === true) return undefined;
    if (cursor?.lastTickTime != null && now - cursor.lastTickTime < sensor.everyMs) return undefined;
    const startedAt = now;
    try {
      const result = await this.#callSensor(sensor, cursor?.cursor ?? undefined, now);
      const newCursor = result.cursor ?? cursor?.cursor ?? undefined;
      for (const [name, change] of Object.entries(result.dynamicPartitions ?? {})) {
        if (change.add !== undefined && change.add.length > 0) this.#host.updateDynamicPartitions(name, { add: change.add });
      }
      const requests = (result.runRequests ?? []).map((r, i) => {
        if (typeof r?.selection !== 'string' || r.selection === '') throw new QuarryError('QUARRY_SENSOR_FAILED', `Sensor "${sensor.name}": run request ${i} has no selection; give { selection: 'asset/key', partitions? }.`);
        const keys = resolveSelection(this.#host.graph, r.selection);
        const first = this.#host.graph.get(keys[0]!);
        return this.#request(`sensor:${sensor.name}:${r.runKey ?? `${newCursor ?? new Date(now).toISOString()}:${i}`}`, `sensor:${sensor.name}`, r.selection, r.partitions, first, r);
      });
      const status = requests.length > 0 ? 'requested' : 'skipped';
      const reason = requests.length > 0 ? `${requests.length} run request(s)` : `skipped: ${result.skipReason ?? 'no run requests'}`;
      return this.#record(this.#tick('sensor', sensor.name, now, startedAt, status, requests.map((r) => r.runKey), requests.reduce((n, r) => n + r.partitionCount, 0), reason, null, newCursor !== undefined ? { cursor: newCursor } : undefined), requests, { cursor: newCursor ?? null, lastTickTime: now });
    } catch (error) {
      if (isQuarryError(error, 'QUARRY_DAEMON_LEASE_HELD')) throw error;
      // A failed evaluation keeps the old cursor and is retried at the next interval.
      return this.#record(this.#tick('sensor', sensor.name, now, startedAt, 'failed', [], 0, null, errorText(error)), [], { lastTickTime: now });
    }
  }

  async #callSensor(sensor: SensorDefinition, cursor: string | undefined, now: number): Promise<SensorResult> {
    const abort = new AbortController();
    const timer = new AbortController();
    const limit = this.#clock.sleep(sensor.timeoutMs, timer.signal).then(
      () => {
        abort.abort(new Error('time limit'));
        throw new QuarryError('QUARRY_SENSOR_FAILED', `Sensor "${sensor.name}" ran past its time limit of ${sensor.timeoutMs} ms and was abandoned; make evaluate faster or raise defineSensor({ timeout }).`);
      },
      () => new Promise<never>(() => {}),
    );
    const ctx = {
      cursor,
      now: new Date(now),
      projectDir: this.#host.projectDir,
      signal: abort.signal,
      dynamicPartitionKeys: (name: string) => this.#host.catalog.dynamicPartitions.keys(name),
    };
    try {
      const value = await Promise.race([
        (async () => {
          try {
            return await sensor.evaluate(ctx);
          } catch (error) {
            throw new QuarryError('QUARRY_SENSOR_FAILED', `Sensor "${sensor.name}" threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
          }
        })(),
        limit,
      ]);
      if (Array.isArray(value)) return { runRequests: value as readonly SensorRunRequest[] };
      if (typeof value !== 'object' || value === null) throw new QuarryError('QUARRY_SENSOR_FAILED', `Sensor "${sensor.name}" returned ${JSON.stringify(value)}; return { runRequests, cursor?, dynamicPartitions? } or an array of run requests.`);
      return value as SensorResult;
    } finally {
      timer.abort();
    }
  }

  async #checkFreshness(now: number): Promise<TickRecord[]> {
    const catalog = this.#host.catalog;
    const ticks: TickRecord[] = [];
    for (const f of computeFreshness(this.#host.graph, catalog, this.#ctxAt(now), now)) {
      const previous = catalog.automationCursor('freshness', f.assetKey)?.cursor ?? 'fresh';
      if (previous === f.state) continue;
      const message = f.state === 'overdue' ? `${f.assetKey} is overdue: lag ${formatLag(f.lagMs)} > max ${f.maxLag}` : `${f.assetKey} is fresh again: lag ${formatLag(f.lagMs)} ≤ max ${f.maxLag}`;
      const data = { event: f.state === 'overdue' ? 'asset_overdue' : 'asset_fresh', lagMs: f.lagMs, maxLagMs: f.maxLagMs } as JsonValue;
      const tick = this.#record(this.#tick('freshness', f.assetKey, now, now, f.state === 'overdue' ? 'failed' : 'skipped', [], 0, message, f.state === 'overdue' ? message : null, data), [], { cursor: f.state, lastTickTime: now });
      ticks.push(tick);
      if (f.state === 'overdue') {
        catalog.appendEvents([{ runId: 'daemon', type: 'asset_overdue', level: 'warn', message, timestamp: new Date(now), data: { assetKey: f.assetKey, lagMs: f.lagMs, maxLagMs: f.maxLagMs, tickId: tick.id } }]);
        await this.#tellOverdue(f, now, message);
      }
    }
    return ticks;
  }

  async #tellOverdue(f: AssetFreshness, now: number, message: string): Promise<void> {
    const event: AssetOverdueEvent = { type: 'asset_overdue', assetKey: f.assetKey, lagMs: f.lagMs, maxLagMs: f.maxLagMs, at: now, message };
    for (const listener of [...(this.#onOverdue ? [this.#onOverdue] : []), ...this.#overdueListeners]) {
      try {
        await listener(event);
      } catch (error) {
        process.emitWarning(`The asset_overdue hook failed for ${f.assetKey}: ${errorText(error)}`);
      }
    }
  }

  // ------------------------------------------------------------------ recording

  #request(runKey: string, source: string, selection: string, partitions: PartitionSelection | undefined, asset: AnyAssetDefinition, sensorRequest?: SensorRunRequest): NewRunRequest {
    const priority = sensorRequest?.priority ?? (asset.type === 'asset' ? asset.priority : undefined) ?? 'normal';
    if (!(ASSET_PRIORITIES as readonly string[]).includes(priority)) throw new QuarryError('QUARRY_BAD_AUTOMATION', `Run request ${runKey}: priority ${JSON.stringify(priority)} is not one of 'high', 'normal', 'low'.`);
    let partitionCount = 1;
    if (partitions !== undefined && 'keys' in partitions) partitionCount = partitions.keys.length;
    else if (partitions !== undefined && 'from' in partitions && asset.partitions) partitionCount = asset.partitions.range(partitions.from, partitions.to, this.#ctxAt(this.#clock.now())).count;
    return {
      runKey,
      source,
      selection,
      partitions: (partitions ?? null) as JsonValue,
      tags: { ...(sensorRequest?.tags ?? {}) },
      priority: PRIORITY_RANK[priority],
      partitionCount,
    };
  }

  #tick(kind: TickKind, name: string, tickTime: number, startedAt: number, status: NewTick['status'], runKeys: string[], partitions: number, reason: string | null, error: string | null = null, data?: JsonValue): NewTick {
    return { kind, name, tickTime, startedAt, finishedAt: this.#clock.now(), status, runKeys, partitions, reason, error, daemonId: this.id, ...(data !== undefined ? { data } : {}) };
  }

  #record(tick: NewTick, requests: readonly NewRunRequest[], cursor: { cursor?: string | null; lastTickTime?: number } | undefined): TickRecord {
    const { tick: stored, inserted } = this.#host.catalog.recordTick(tick, requests, cursor, this.#fence());
    crashPoint('tick-recorded');
    const ignored = requests.filter((r) => !inserted.includes(r.runKey));
    const result = ignored.length > 0 && inserted.length === 0 ? { ...stored, reason: `${stored.reason ?? ''} (already requested as ${ignored.map((r) => r.runKey).join(', ')})` } : stored;
    this.#onTick?.(result);
    return result;
  }

  #fence(): { lease: string; holder: string } {
    return { lease: DAEMON_LEASE, holder: this.id };
  }

  #ctxAt(now: number): PartitionsContext {
    return { ...this.#host.partitionsContext(), now: new Date(now) };
  }

  // ------------------------------------------------------------------ the queue

  /**
   * Launches queued run requests, one step (a chunk) at a time: requests in priority order, then
   * arrival; each launch takes the first step of the request's current plan (so only stale
   * partitions run), as its own run, within `maxConcurrentRuns` and the pools. Returns the run ids
   * started or resumed.
   */
  async dispatch(): Promise<string[]> {
    // One dispatch at a time: a run finishing during a dispatch waits for it, then dispatches again.
    while (this.#dispatching !== undefined) await this.#dispatching.catch(() => {});
    this.#dispatching = this.#dispatchOnce();
    try {
      return await this.#dispatching;
    } finally {
      this.#dispatching = undefined;
    }
  }

  async #dispatchOnce(): Promise<string[]> {
    if (!this.#leader) return [];
    const catalog = this.#host.catalog;
    const { maxConcurrentRuns } = this.#host.project.automation;
    const launched: string[] = [];
    for (const request of catalog.listRunRequests({ status: 'queued' })) {
      if (this.#active.size >= maxConcurrentRuns) break;
      if ([...this.#active.values()].some((a) => a.runKey === request.runKey)) continue; // one chunk of a request at a time
      try {
        const runId = await this.#launchNextChunk(request);
        if (runId !== undefined) launched.push(runId);
      } catch (error) {
        if (isQuarryError(error, 'QUARRY_DAEMON_LEASE_HELD')) throw error;
        catalog.updateRunRequest(request.runKey, { status: 'failed', finishedAt: this.#clock.now(), outcome: `failed: ${errorText(error)}` });
      }
    }
    return launched;
  }

  // Launches (or resumes) the request's next chunk; undefined when the request finished or a pool is full.
  async #launchNextChunk(request: RunRequestRecord): Promise<string | undefined> {
    const catalog = this.#host.catalog;
    for (;;) {
      const chunks = catalog.runRequestChunks(request.runKey);
      const last = chunks[chunks.length - 1];
      if (last !== undefined) {
        const run = catalog.getRun(last.runId);
        if (run === undefined) {
          // Recorded but never created (a crash in between): launch it now under the recorded id.
          return this.#start(request, last.runId, last.assetKey, last.partitions as PartitionSelection | null);
        }
        if (run.status === 'running' || run.status === 'queued') {
          if (this.#active.has(run.id)) return undefined;
          if (run.pid !== null && run.pid !== process.pid && run.host === hostname() && isProcessAlive(run.pid)) return undefined; // still running elsewhere
          if (!this.#poolAllows(last.assetKey)) return undefined;
          await this.#host.resumeRun(run.id, { concurrency: this.#runConcurrency });
          crashPoint('run-started');
          this.#track(request.runKey, run.id, last.assetKey);
          return run.id;
        }
        if (run.status !== 'succeeded') {
          catalog.updateRunRequest(request.runKey, { status: 'failed', finishedAt: this.#clock.now(), outcome: `run ${run.id} ${run.status}${run.error ? `: ${run.error}` : ''}` });
          crashPoint('request-finished');
          return undefined;
        }
      }
      const plan = await this.#host.plan({ selection: request.selection, ...(request.partitions !== null ? { partitions: request.partitions as PartitionSelection } : {}) });
      crashPoint('dispatch-planned');
      const step = plan.steps.find((s) => s.dependsOn.length === 0);
      if (step === undefined) {
        catalog.updateRunRequest(request.runKey, { status: 'done', finishedAt: this.#clock.now(), outcome: chunks.length === 0 ? 'skipped: nothing stale' : `done in ${chunks.length} run(s)` });
        crashPoint('request-finished');
        return undefined;
      }
      // A step its own successful run left stale (a blocking check, data that keeps changing): stop, do not loop.
      if (last !== undefined && last.assetKey === step.assetKey && JSON.stringify(last.partitions) === JSON.stringify(chunkPartitions(this.#host.graph.get(step.assetKey).partitions !== undefined, step.partitionKeys))) {
        catalog.updateRunRequest(request.runKey, { status: 'failed', finishedAt: this.#clock.now(), outcome: `step ${step.id} is still stale after its run ${last.runId} succeeded (${step.reason.cause}); not launching it again` });
        return undefined;
      }
      if (!this.#poolAllows(step.assetKey)) return undefined;
      const definition = this.#host.graph.get(step.assetKey).partitions;
      const partitions = chunkPartitions(definition !== undefined, step.partitionKeys);
      const chunk = catalog.recordRunRequestChunk({ runKey: request.runKey, chunk: chunks.length, runId: createRunId(new Date(this.#clock.now())), assetKey: step.assetKey, partitions: partitions as JsonValue, launchedAt: this.#clock.now() });
      crashPoint('chunk-recorded');
      return this.#start(request, chunk.runId, chunk.assetKey, chunk.partitions as PartitionSelection | null);
    }
  }

  async #start(request: RunRequestRecord, runId: string, assetKey: AssetKey, partitions: PartitionSelection | null): Promise<string> {
    const count = partitions === null ? 1 : 'keys' in partitions ? partitions.keys.length : 'key' in partitions ? 1 : 2;
    try {
      await this.#host.startRun({
        runId,
        selection: assetKey,
        ...(partitions !== null ? { partitions } : {}),
        kind: count > 1 || request.partitionCount > 1 ? 'backfill' : 'materialize',
        concurrency: this.#runConcurrency,
        tags: { ...request.tags, 'quarry/run_key': request.runKey, 'quarry/source': request.source, 'quarry/priority': ASSET_PRIORITIES[request.priority] ?? 'normal', 'quarry/daemon': this.id },
      });
    } catch (error) {
      // The run exists already: an earlier launch of this chunk got that far. Never start it twice.
      if (isQuarryError(error, 'QUARRY_BAD_ARGUMENT') && this.#host.catalog.getRun(runId) !== undefined) return runId;
      throw error;
    }
    crashPoint('run-started');
    this.#track(request.runKey, runId, assetKey);
    return runId;
  }

  #track(runKey: string, runId: string, assetKey: AssetKey): void {
    const done = this.#host.waitForRun(runId).then(
      () => {
        crashPoint('run-finished');
      },
      () => {},
    ).finally(() => {
      this.#active.delete(runId);
      if (this.#looping) void this.dispatch().catch((error: unknown) => this.#onDispatchError(error));
    });
    this.#active.set(runId, { runId, runKey, assetKey, done });
  }

  #poolAllows(assetKey: AssetKey): boolean {
    const pools = this.#host.project.automation.pools;
    const asset = this.#host.graph.get(assetKey);
    for (const [pool, limit] of Object.entries(pools)) {
      if (!poolMatches(pool, asset)) continue;
      let used = 0;
      for (const a of this.#active.values()) if (poolMatches(pool, this.#host.graph.get(a.assetKey))) used++;
      if (used >= limit) return false;
    }
    return true;
  }
}

function chunkPartitions(partitioned: boolean, keys: readonly string[]): PartitionSelection | null {
  if (!partitioned) return null;
  return keys.length === 1 ? { key: keys[0]! } : { from: keys[0]!, to: keys[keys.length - 1]! };
}

function poolMatches(pool: string, asset: AnyAssetDefinition): boolean {
  if (pool.startsWith('asset:')) return pool.slice('asset:'.length) === asset.key;
  const spec = pool.slice('tag:'.length);
  const eq = spec.indexOf('=');
  if (eq < 0) return Object.hasOwn(asset.tags, spec);
  return asset.tags[spec.slice(0, eq)] === spec.slice(eq + 1);
}

function errorText(error: unknown): string {
  if (isQuarryError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Creates the automation daemon of an instance (see `Daemon`). */
export function createDaemon(config: DaemonConfig): Daemon {
  return new Daemon(config);
}
