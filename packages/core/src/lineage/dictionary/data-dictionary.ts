import { Cron } from 'croner';
import type { Catalog } from '../../catalog/index.ts';
import type { AnyAssetDefinition, AutomationCondition, ProjectDefinition } from '../../definitions/index.ts';
import { schemaColumns } from '../../definitions/index.ts';
import type { AssetGraph } from '../../graph/index.ts';
import type { PartitionsContext } from '../../partitions/index.ts';

/** One column in the data dictionary. */
export interface DictionaryColumn {
  readonly name: string;
  /** The declared logical type (`string`, `integer`, …), or the type last written when no schema is declared. */
  readonly type: string;
  readonly description?: string;
  readonly unit?: string;
  /** The PII classification as declared (`none` when the column declares none). */
  readonly pii: string;
  /** The glossary term the column measures. */
  readonly term?: string;
}

/** How often an asset is updated: declared in code, and observed in its materialization history. */
export interface UpdateFrequency {
  /**
   * What the definition says, first found of: its automation's cron (`every 15 min (cron 0,15,30,45 * * * *)`),
   * its freshness policy (`within 2 h`), a freshness check, its eager automation (`when upstream changes`,
   * with the partitions' interval when time-partitioned), the time grain of its partitions.
   */
  readonly declared?: DeclaredUpdateFrequency;
  /** The median interval between the runs that wrote it (needs two or more such runs). */
  readonly observed?: { readonly label: string; readonly medianIntervalMs: number; readonly runs: number };
}

/** An asset's declared update frequency; `intervalMs` is absent when updates follow its upstreams and nothing gives an interval. */
export interface DeclaredUpdateFrequency {
  readonly label: string;
  readonly intervalMs?: number;
  readonly source: 'automation' | 'freshness' | 'freshness_check' | 'partitions';
}

/**
 * How an asset's last update compares with its expected frequency: `never` (never materialized),
 * `unknown` (no frequency to judge by), `on_time`, or `late` (older than twice the expected interval).
 */
export type DictionaryFreshness = 'never' | 'unknown' | 'on_time' | 'late';

/** One asset in the data dictionary. */
export interface DictionaryAsset {
  readonly key: string;
  readonly kind: 'source' | 'sql' | 'compute';
  readonly group: string;
  readonly description?: string;
  readonly owners: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly partitions?: string;
  readonly upstream: readonly string[];
  readonly downstream: readonly string[];
  readonly columns: readonly DictionaryColumn[];
  /** True when a column declares PII. */
  readonly hasPii: boolean;
  readonly updateFrequency: UpdateFrequency;
  /** ISO time of the last commit of any of its partitions. */
  readonly lastMaterializedAt?: string;
  readonly freshness: DictionaryFreshness;
}

/** One glossary term with the columns that measure it. */
export interface DictionaryTerm {
  readonly key: string;
  readonly name: string;
  readonly definition: string;
  readonly synonyms: readonly string[];
  readonly owners: readonly string[];
  /** `asset.column` of every column declaring this term. */
  readonly usedBy: readonly string[];
}

/** The project's data dictionary: assets with their business definitions, and its glossary. */
export interface DataDictionary {
  readonly project: string;
  readonly generatedAt: string;
  readonly assets: readonly DictionaryAsset[];
  readonly glossary: readonly DictionaryTerm[];
}

/** What `buildDataDictionary` reads. */
export interface DataDictionarySource {
  readonly project: ProjectDefinition;
  readonly graph: AssetGraph;
  readonly catalog: Catalog;
  readonly partitionsContext: () => PartitionsContext;
  readonly now?: Date;
}

/** How many past versions per asset the observed frequency looks at. */
const HISTORY_SCAN = 2000;

/**
 * Builds the data dictionary: every asset with its description, owners, tags, columns (definition,
 * unit, PII, glossary term), update frequency (declared and observed) and freshness, plus the glossary
 * with the columns that use each term. See docs/data-dictionary.md.
 */
export function buildDataDictionary(source: DataDictionarySource): DataDictionary {
  const now = source.now ?? new Date();
  const usedBy = new Map<string, string[]>();
  const assets = source.graph.assets().map((asset) => {
    const entry = dictionaryAsset(asset, source, now);
    for (const c of entry.columns) if (c.term !== undefined) usedBy.set(c.term, [...(usedBy.get(c.term) ?? []), `${asset.key}.${c.name}`]);
    return entry;
  });
  const glossary = Object.entries(source.project.glossary ?? {})
    .map(([key, term]) => ({
      key,
      name: term.name ?? key,
      definition: term.definition,
      synonyms: [...(term.synonyms ?? [])],
      owners: [...(term.owners ?? [])],
      usedBy: usedBy.get(key) ?? [],
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { project: source.project.name, generatedAt: now.toISOString(), assets, glossary };
}

function dictionaryAsset(asset: AnyAssetDefinition, source: DataDictionarySource, now: Date): DictionaryAsset {
  const columns = columnsOf(asset, source.catalog);
  const frequency: { declared?: UpdateFrequency['declared']; observed?: UpdateFrequency['observed'] } = {};
  const declared = declaredFrequency(asset);
  if (declared !== undefined) frequency.declared = declared;
  let last: Date | undefined;
  if (asset.type === 'asset') {
    const history = source.catalog.materializationHistory(asset.key, undefined, { limit: HISTORY_SCAN });
    const observed = observedUpdateFrequency(history);
    if (observed.last !== undefined) last = observed.last;
    if (observed.frequency !== undefined) frequency.observed = observed.frequency;
  }
  const expected = frequency.declared?.intervalMs ?? frequency.observed?.medianIntervalMs;
  const freshness: DictionaryFreshness =
    asset.type === 'source' ? 'unknown' : last === undefined ? 'never' : expected === undefined ? 'unknown' : now.getTime() - last.getTime() > 2 * expected ? 'late' : 'on_time';
  const p = asset.partitions;
  return {
    key: asset.key,
    kind: asset.type === 'source' ? 'source' : asset.sql !== undefined ? 'sql' : 'compute',
    group: asset.group,
    ...(asset.description !== undefined ? { description: asset.description } : {}),
    owners: [...asset.owners],
    tags: { ...asset.tags },
    ...(p !== undefined ? { partitions: p.id } : {}),
    upstream: source.graph.parents(asset.key),
    downstream: source.graph.children(asset.key),
    columns,
    hasPii: columns.some((c) => c.pii !== 'none'),
    updateFrequency: frequency,
    ...(last !== undefined ? { lastMaterializedAt: last.toISOString() } : {}),
    freshness,
  };
}

/**
 * The observed update frequency of an asset from its commits: the median interval between the runs
 * that wrote it (a backfill commits many partitions within seconds, so the cadence is that of the
 * runs, not of the commits), and the time of the last commit.
 */
export function observedUpdateFrequency(history: readonly { readonly runId: string | null; readonly seq: number; readonly createdAt: Date }[]): {
  readonly last?: Date;
  readonly frequency?: UpdateFrequency['observed'];
} {
  const runs = new Map<string, number>();
  for (const m of history) {
    const id = m.runId ?? `seq:${m.seq}`;
    runs.set(id, Math.max(runs.get(id) ?? 0, m.createdAt.getTime()));
  }
  const times = [...runs.values()].sort((a, b) => a - b);
  if (times.length === 0) return {};
  const last = new Date(times[times.length - 1]!);
  if (times.length < 2) return { last };
  const gaps = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b);
  const mid = Math.floor(gaps.length / 2);
  const median = gaps.length % 2 === 1 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
  return { last, frequency: { label: `every ${formatInterval(median)}`, medianIntervalMs: median, runs: times.length } };
}

function columnsOf(asset: AnyAssetDefinition, catalog: Catalog): DictionaryColumn[] {
  const docs = asset.columns;
  let typed: { name: string; type: string }[] = asset.type === 'asset' && asset.schema ? schemaColumns(asset.schema).map((c) => ({ name: c.name, type: c.type })) : [];
  if (typed.length === 0 && asset.type === 'asset') {
    // No declared schema: the columns the last version wrote.
    const recorded = catalog.materializationHistory(asset.key, undefined, { limit: 1 })[0]?.outputSchema;
    if (Array.isArray(recorded)) typed = recorded.flatMap((c) => (c !== null && typeof c === 'object' && !Array.isArray(c) && typeof c.name === 'string' ? [{ name: c.name, type: typeof c.type === 'string' ? c.type : '' }] : []));
  }
  const names = [...typed.map((c) => c.name), ...Object.keys(docs).filter((n) => !typed.some((c) => c.name === n))];
  return names.map((name) => {
    const doc = docs[name];
    const pii = doc?.pii;
    return {
      name,
      type: typed.find((c) => c.name === name)?.type ?? '',
      ...(doc?.description !== undefined ? { description: doc.description } : {}),
      ...(doc?.unit !== undefined ? { unit: doc.unit } : {}),
      pii: pii === undefined || pii === null ? 'none' : String(pii),
      ...(doc?.term !== undefined ? { term: typeof doc.term === 'string' ? doc.term : (doc.term.key ?? doc.term.name ?? '') } : {}),
    };
  });
}

const GRAIN_MS: Readonly<Record<string, number>> = { '15min': 15 * 60_000, '15m': 15 * 60_000, hourly: 3_600_000, daily: 86_400_000, weekly: 7 * 86_400_000, monthly: 30 * 86_400_000 };

/**
 * The declared update frequency of an asset: its automation's cron, its freshness policy's `maxLag`,
 * a freshness check's maximum age, its eager automation, else the grain of its time partitions.
 */
export function declaredFrequency(asset: AnyAssetDefinition): DeclaredUpdateFrequency | undefined {
  if (asset.type === 'asset') {
    const cron = asset.automation === undefined ? undefined : cronOf(asset.automation);
    if (cron !== undefined) {
      const ms = cronIntervalMs(cron.cron, cron.timeZone);
      if (ms !== undefined) return { label: `every ${formatInterval(ms)} (cron ${cron.cron}${cron.timeZone !== 'UTC' ? ` ${cron.timeZone}` : ''})`, intervalMs: ms, source: 'automation' };
    }
    if (asset.freshness !== undefined) return { label: `within ${formatInterval(asset.freshness.maxLagMs)}`, intervalMs: asset.freshness.maxLagMs, source: 'freshness' };
    const check = asset.checks.find((c) => c.kind === 'freshness');
    const hours = check?.maxAgeHours;
    if (typeof hours === 'number' && hours > 0) return { label: `within ${formatInterval(hours * 3_600_000)}`, intervalMs: hours * 3_600_000, source: 'freshness_check' };
  }
  const grain = partitionGrain(asset);
  if (asset.type === 'asset' && asset.automation !== undefined && followsUpstreams(asset.automation)) {
    return { label: 'when upstream changes', ...(grain !== undefined ? { intervalMs: grain.ms } : {}), source: 'automation' };
  }
  return grain === undefined ? undefined : { label: grain.label, intervalMs: grain.ms, source: 'partitions' };
}

function partitionGrain(asset: AnyAssetDefinition): { label: string; ms: number } | undefined {
  const p = asset.partitions as (AnyAssetDefinition['partitions'] & { grain?: unknown }) | undefined;
  if (p === undefined) return undefined;
  const grain = typeof p.grain === 'string' ? p.grain : /^(15min|hourly|daily|weekly|monthly)/.exec(p.id)?.[1];
  const ms = grain === undefined ? undefined : GRAIN_MS[grain];
  return ms === undefined ? undefined : { label: grain!, ms };
}

// The cron of a condition that requests on it (`onCron(…)`, alone or inside and()/or(); never under not()).
function cronOf(condition: AutomationCondition): { cron: string; timeZone: string } | undefined {
  switch (condition.kind) {
    case 'cron':
      return condition;
    case 'and':
    case 'or':
      for (const c of condition.conditions) {
        const found = cronOf(c);
        if (found !== undefined) return found;
      }
      return undefined;
    default:
      return undefined;
  }
}

// True when a condition requests on an upstream update (`eager()`, `upstreamUpdated(…)`), alone or inside and()/or().
function followsUpstreams(condition: AutomationCondition): boolean {
  switch (condition.kind) {
    case 'eager':
    case 'upstream_updated':
      return true;
    case 'and':
    case 'or':
      return condition.conditions.some(followsUpstreams);
    default:
      return false;
  }
}

// The median interval between a cron's next instants (a weekday schedule is daily, not every 3 days; a
// business-hours one hourly); undefined for an expression croner rejects (the daemon reports those) or
// one that fires fewer than twice more.
const CRON_SAMPLES = 13;
const CRON_REFERENCE = Date.UTC(2026, 0, 5); // a fixed Monday in winter: the same answer on every run
function cronIntervalMs(expression: string, timeZone: string): number | undefined {
  try {
    const runs = new Cron(expression, { timezone: timeZone, paused: true }).nextRuns(CRON_SAMPLES, new Date(CRON_REFERENCE));
    const gaps = runs.slice(1).map((run, i) => run.getTime() - runs[i]!.getTime()).filter((gap) => gap > 0).sort((x, y) => x - y);
    return gaps.length === 0 ? undefined : gaps[Math.floor(gaps.length / 2)];
  } catch {
    return undefined;
  }
}

/** `36 h`, `2 d`, `15 min`. */
export function formatInterval(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 1) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (minutes < 90) return `${Math.round(minutes)} min`;
  const hours = minutes / 60;
  if (hours < 48) return `${Math.round(hours)} h`;
  return `${Math.round(hours / 24)} d`;
}
