import type { AutomationCursor, Catalog, DaemonLease, RunRequestRecord, TickKind, TickRecord } from '../catalog/index.ts';
import type { SensorDefinition } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
import type { AssetGraph } from '../graph/index.ts';
import type { PartitionsContext } from '../partitions/index.ts';
import { conditionCrons, describeCondition } from './automation-condition.ts';
import { createCronSchedule } from './cron-schedule.ts';
import { DAEMON_LEASE } from './daemon.ts';
import { computeFreshness, type AssetFreshness } from './freshness.ts';

/** One schedule, condition or sensor as the UI lists it. */
export interface AutomationEntry {
  readonly kind: 'schedule' | 'condition' | 'sensor';
  /** The asset key, or the sensor name. */
  readonly name: string;
  /** `onCron('*∕15 * * * *')`, `eager()`, `every 60000 ms`. */
  readonly description: string;
  /** The next time it is due (cron instant, or last tick + interval), epoch ms; null when unknown. */
  readonly nextTick: number | null;
  readonly paused: boolean;
  readonly lastTick: TickRecord | null;
}

/** Everything the Automation page shows. */
export interface AutomationOverview {
  readonly lease: DaemonLease | null;
  readonly automations: readonly AutomationEntry[];
  readonly queue: readonly RunRequestRecord[];
  readonly freshness: readonly AssetFreshness[];
}

/** What `automationOverview` reads: an `Instance` satisfies it. */
export interface AutomationOverviewHost {
  readonly graph: AssetGraph;
  readonly catalog: Catalog;
  readonly project: { readonly sensors: readonly SensorDefinition[] };
  partitionsContext(): PartitionsContext;
}

/** The schedules, conditions and sensors of a project with their next and last ticks, the queue, freshness and the lease, at `now`. */
export function automationOverview(host: AutomationOverviewHost, now: number): AutomationOverview {
  const cursors = new Map<string, AutomationCursor>(host.catalog.listAutomationCursors().map((c) => [`${c.kind}\u0000${c.name}`, c]));
  const cursorOf = (kind: TickKind, name: string) => cursors.get(`${kind}\u0000${name}`);
  const lastTick = (kind: TickKind, name: string) => host.catalog.listTicks({ kind, name, limit: 1 })[0] ?? null;
  const automations: AutomationEntry[] = [];
  for (const key of [...host.graph.keys].sort()) {
    const asset = host.graph.get(key);
    if (asset.type !== 'asset' || asset.automation === undefined) continue;
    const kind = asset.automation.kind === 'cron' ? 'schedule' : 'condition';
    let nextTick: number | null = null;
    try {
      const crons = conditionCrons(asset.automation).map((c) => createCronSchedule(c.cron, c.timeZone).next(now)).filter((t): t is number => t !== undefined);
      nextTick = crons.length > 0 ? Math.min(...crons) : null;
    } catch {
      nextTick = null; // an invalid cron: its ticks say why
    }
    automations.push({ kind, name: key, description: describeCondition(asset.automation), nextTick, paused: cursorOf(kind, key)?.paused ?? false, lastTick: lastTick(kind, key) });
  }
  for (const sensor of host.project.sensors) {
    const cursor = cursorOf('sensor', sensor.name);
    automations.push({ kind: 'sensor', name: sensor.name, description: `every ${sensor.everyMs} ms`, nextTick: cursor?.lastTickTime != null ? cursor.lastTickTime + sensor.everyMs : now, paused: cursor?.paused ?? false, lastTick: lastTick('sensor', sensor.name) });
  }
  return {
    lease: host.catalog.daemonLease(DAEMON_LEASE) ?? null,
    automations,
    queue: host.catalog.listRunRequests({ status: 'queued', limit: 500 }),
    freshness: computeFreshness(host.graph, host.catalog, host.partitionsContext(), now),
  };
}

/** Pauses or resumes a schedule, condition or sensor of the project; an unknown one throws `QUARRY_BAD_ARGUMENT` naming it. */
export function setAutomationPaused(host: AutomationOverviewHost, kind: 'schedule' | 'condition' | 'sensor', name: string, paused: boolean): AutomationEntry {
  const entry = automationOverview(host, Date.now()).automations.find((a) => a.kind === kind && a.name === name);
  if (entry === undefined) {
    throw new QuarryError('QUARRY_BAD_ARGUMENT', `No ${kind} named ${JSON.stringify(name)} in this project: ${kind === 'sensor' ? 'give a sensor name' : 'give the key of an asset with automation'}.`);
  }
  host.catalog.setAutomationPaused(kind, name, paused);
  return { ...entry, paused };
}
