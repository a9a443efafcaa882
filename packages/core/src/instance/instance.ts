import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type {
  Catalog,
  CheckResultRecord,
  NewObservation,
  ObservationRecord,
  EventRecord,
  JsonValue,
  MaterializationRecord,
  NewEvent,
  PartitionFailure,
  RunRecord,
  StepRecord,
} from '../catalog/index.ts';
import { createRunId, diskFullError, openSqliteCatalog, resolveQuarryHome } from '../catalog/index.ts';
import type { CurrentFileRecord } from '../catalog/catalog.ts';
import type { AnyAssetDefinition, AssetDefinition, AssetKey, ProjectDefinition, RetryPolicy } from '../definitions/index.ts';
import { assetRelationName, DEFAULT_RETRY_POLICY, resolveRetryPolicy, schemaColumns } from '../definitions/index.ts';
import { isLakeFile, type Engine, type EngineQueryResult, type InputRelation } from '../engines/index.ts';
import { isQuarryError, QuarryError } from '../errors.ts';
import { executePlan, formatRunDuration, systemClock, type Clock, type ExecutionEvent, type RunHandle, type RunSummary, type StepRunner } from '../execution/index.ts';
import { AssetGraph, resolveSelection } from '../graph/index.ts';
import { PartitionSubset, type PartitionsContext, type PartitionsDefinition } from '../partitions/index.ts';
import { checkDynamicPartitionKeys, dynamicPartitionsNames, updateDynamicPartitions, type DynamicPartitionsChange, type DynamicPartitionsChangeResult, type DynamicPartitionsInfo } from '../partitions/index.ts';
import { createPlan, resolvePartitionTargets, type Plan } from '../planner/index.ts';
import { createTieredObjectStore, TieredObjectStore, type ObjectStore } from '../storage/index.ts';
import { checkRequirements, qualityScore, type CheckResult, type QualityScore } from '../checks/index.ts';
import { AssetState, codeVersionOf, computeStaleness, resolvedDependencies, restrictStaleness, upstreamClosureTargets, upstreamSubset, type AssetStaleness } from '../versioning/index.ts';
import type { AssetPartitionStatus, AssetSummary, PlanEstimate, PlanOptions, PlanStepEstimate, RunCost, RunOptions } from './instance-types.ts';
import { formatBytes } from './instance-types.ts';
import { runIdOfFile, runIdOfTemporaryFile } from './lake-paths.ts';
import { assertLakeAcceptsNewCatalog, assertLakeMatchesCatalog, catalogFileIsNew, checksumObject, ensureLakeMarker, LAKE_MARKER_FILE, objectDamage, statDamage, type FileDamage } from './lake-integrity.ts';
import { loadProject } from './load-project.ts';
import { RUN_HEARTBEAT_MS, settleDeadRun } from './settle-dead-run.ts';
import { createStepRunner, type EngineStepRunner, type TracedStepRunner } from './step-runner.ts';
import { AlertRaiser } from '../observability/alerts/index.ts';
import { readAssetColumnLineage, type AssetColumnLineage } from './column-lineage-recorder.ts';
import { traceColumnLineage, type ColumnLineageEdge } from '../lineage/index.ts';
import { compileAssetSql, loadSqlDialect } from '../dialect/index.ts';
import { classifyProjectPii, declaredColumnLineage, maskedViewColumns, piiColumnsFrom, piiReport, type PiiColumnReport, type ProjectPii } from './instance-pii.ts';
import { lastRecordedSchema } from './schema-guard.ts';
import type { ColumnLineageOf } from '../lineage/pii-propagation.ts';
import { schemaColumnsOf, type SchemaChange, type RecordedColumn } from '../lineage/schema-evolution.ts';
import type { PiiColumns } from '../definitions/index.ts';
import { upstreamFailedResolver } from './upstream-failed.ts';
import { engineColumnsFromSchema } from './engine-columns.ts';
import { costOfBytes, createGcsStore, resolveProjectTarget, startDuckDbEngine, startTargetEngine, targetMaxBytesBilled, targetPricePerTiB, targetStateDir, type ResolvedTarget, type StartedEngine } from './target-runtime.ts';
import { DEFAULT_TARGET } from '../definitions/index.ts';
import type { ColumnLineage } from '../lineage/column-lineage-types.ts';
import { buildDataDictionary, type DataDictionary } from '../lineage/dictionary/index.ts';
import { createOpenLineageTransport, OpenLineageEmitter, type OpenLineageTransportEnvironment } from '../lineage/openlineage/index.ts';
import { createSecretScrubber, redactValue, SECRET_FIELD_NAMES, logExecutionEvent, openRunLog, pruneRunLogs, recordSpanError, runLogPath, secretValuesFromEnv, SPAN_NAMES, startSpan, traceIdOf, TRACING_OFF, createTracing, type LogLevel, type RunLog, type Tracing } from '../observability/index.ts';

/** Options of `openInstance`. */
export interface InstanceConfig {
  /** A project directory (holding quarry.config.ts) or the config file itself. */
  readonly projectDir?: string;
  /** An already loaded project (tests, embedding); `projectDir` then only locates state. */
  readonly project?: ProjectDefinition;
  /** Overrides where state lives (default `$QUARRY_HOME` or `<projectDir>/.quarry`). */
  readonly quarryHome?: string;
  /** Fixes "now" for open-ended time partitions (tests). */
  readonly now?: Date;
  /** Time and waiting of runs (retry backoff, lease waits); tests pass `createManualClock()`. */
  readonly clock?: Clock;
  /** The column lineage of an asset, for OpenLineage's `columnLineage` facet. */
  readonly columnLineageOf?: (assetKey: AssetKey) => ColumnLineage | undefined;
  /** Replaces `process.env` for the OpenLineage settings (`OPENLINEAGE_URL`, …), for tests. */
  readonly lineageEnv?: OpenLineageTransportEnvironment;
  /** Column lineage PII propagation follows before any other (see `Instance.columnLineageProvider`). */
  readonly columnLineage?: ColumnLineageOf;
  /** Traces of runs (default: from the `OTEL_*` variables, off when unset; see `createTracing`). */
  readonly tracing?: Tracing;
  /** Least level of the lines in each run's log file (default `info`). */
  readonly logLevel?: LogLevel;
  /** Values never written to a log (default: the secret-looking variables of the environment, see `secretValuesFromEnv`). */
  readonly secrets?: readonly string[];
  /** The project's target to run on (default `QUARRY_TARGET` of `env`, else `dev`); see docs/targets.md. */
  readonly target?: string;
  /** Replaces `process.env` for `QUARRY_TARGET` and `QUARRY_GCP_ACCESS_TOKEN` (tests, the CLI's environment). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** An engine to use as the target's (tests, embedding); closed with the instance. Default: the one the target names. */
  readonly engine?: Engine;
}

/**
 * The one API the CLI and the UI server use: a loaded project with its graph, catalog, lake and engine.
 *
 * ```ts
 * const instance = await openInstance({ projectDir: 'examples/hello' });
 * const plan = await instance.plan({ selection: 'marts/revenue+', partitions: { from: '2026-01-01', to: '2026-01-10' } });
 * ```
 */
export class Instance {
  readonly projectDir: string;
  readonly project: ProjectDefinition;
  readonly graph: AssetGraph;
  /** The state directory (catalog and lake). */
  readonly home: string;
  readonly catalog: Catalog;
  /** The target's lake: a local directory (`localStore`) or a bucket (no local paths). */
  readonly store: ObjectStore;
  /** The lake when it is a local directory (local-only features: temporary sweeps, cold tiers, the lake marker). */
  readonly localStore: TieredObjectStore | undefined;
  /** The target this instance runs on (`dev` unless `--target`/`QUARRY_TARGET` named another). */
  readonly target: ResolvedTarget;
  /** Writes events that raise alerts together with them (the outbox) and delivers them; see docs/alerts.md. */
  readonly alerts: AlertRaiser;
  readonly #now: Date | undefined;
  readonly #clock: Clock;
  readonly #retryPolicies = new Map<AssetKey, RetryPolicy>();
  #engine: Promise<StartedEngine> | undefined;
  #duckdb: Promise<StartedEngine> | undefined;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #codeVersions = new Map<AssetKey, string>();
  readonly #runs = new Map<string, RunHandle>();
  readonly #listeners = new Set<(event: EventRecord) => void>();
  readonly #executionListeners = new Set<(event: ExecutionEvent) => void>();
  readonly #catalogErrors = new Map<string, unknown>();
  // observability: traces and the run log files
  readonly #tracing: Tracing;
  readonly #logLevel: LogLevel;
  readonly #secrets: readonly string[];
  readonly #runLogs = new Map<string, RunLog>();
  readonly #traceIds = new Map<string, string>();
  #redaction: { scrub: (text: string) => string; keys: ReadonlySet<string> } | undefined;

  /** Emits OpenLineage events of this process's runs; undefined when lineage is off. */
  readonly openLineage: OpenLineageEmitter | undefined;

  constructor(
    projectDir: string,
    project: ProjectDefinition,
    options: { now?: Date; quarryHome?: string; clock?: Clock; columnLineageOf?: (assetKey: AssetKey) => ColumnLineage | undefined; lineageEnv?: OpenLineageTransportEnvironment; tracing?: Tracing; logLevel?: LogLevel; secrets?: readonly string[]; target?: ResolvedTarget; store?: ObjectStore; env?: Readonly<Record<string, string | undefined>>; engine?: Engine } = {},
  ) {
    this.projectDir = projectDir;
    this.project = project;
    this.graph = AssetGraph.fromProject(project);
    this.#now = options.now;
    this.#clock = options.clock ?? systemClock;
    this.#tracing = options.tracing ?? TRACING_OFF;
    this.#logLevel = options.logLevel ?? 'info';
    this.#secrets = options.secrets ?? secretValuesFromEnv(process.env);
    this.#env = options.env ?? process.env;
    this.target = options.target ?? resolveProjectTarget(project, undefined, this.#env);
    this.#processingEngine.name = this.target.definition.engine.kind;
    if (options.engine !== undefined) {
      this.#engine = Promise.resolve({ engine: options.engine, version: 'unknown' });
      this.#processingEngine.name = options.engine.name;
    }
    const quarryHome = resolveQuarryHome(projectDir, options.quarryHome !== undefined ? { QUARRY_HOME: options.quarryHome } : process.env);
    // `dev` keeps the home's own paths; another target keeps its catalog, logs and scratch under <home>/targets/<name>.
    const home = this.target.name === DEFAULT_TARGET ? quarryHome : { dir: targetStateDir(quarryHome.dir, this.target.name), catalogPath: join(targetStateDir(quarryHome.dir, this.target.name), 'catalog.sqlite'), lakeDir: quarryHome.lakeDir };
    this.home = home.dir;
    const storeTarget = this.target.definition.store;
    // The default target's lake is today's (the project's lakeDir, else the home's lake); another local target names its folder.
    const lakeRoot = storeTarget.kind !== 'local' ? undefined
      : this.target.name === DEFAULT_TARGET && storeTarget.dir === (project.storage.lakeDir ?? '.quarry/lake') ? (project.storage.lakeDir ? resolve(projectDir, project.storage.lakeDir) : home.lakeDir)
      : resolve(projectDir, storeTarget.dir);
    if (lakeRoot === undefined && options.store === undefined) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `Target "${this.target.name}" keeps its lake in a ${storeTarget.kind} store, which is opened asynchronously: open the instance with openInstance({ target: '${this.target.name}' }).`);
    }
    if (lakeRoot === undefined) mkdirSync(home.dir, { recursive: true });
    // A lost or emptied catalog must not silently become a new one over a lake full of data.
    if (lakeRoot !== undefined && catalogFileIsNew(home.catalogPath)) assertLakeAcceptsNewCatalog(home.catalogPath, lakeRoot);
    this.catalog = openSqliteCatalog({ path: home.catalogPath });
    this.alerts = new AlertRaiser(this);
    // Paths under `@cold/` live in the cold store of the project's storage tiers (docs/storage-tiers.md).
    const coldStore = project.storage.coldStore;
    try {
      if (lakeRoot !== undefined) {
        this.localStore = createTieredObjectStore({ root: lakeRoot, coldRoot: coldStore === undefined ? undefined : resolve(projectDir, coldStore.dir) });
        this.store = this.localStore;
        assertLakeMatchesCatalog(this.catalog, this.localStore.root);
      } else {
        this.localStore = undefined;
        this.store = options.store!;
      }
    } catch (error) {
      this.catalog.close();
      throw error;
    }
    let transport;
    try {
      transport = createOpenLineageTransport(project.lineage ?? {}, { projectDir, home: this.home, ...(options.lineageEnv ? { env: options.lineageEnv } : {}) });
    } catch (error) {
      this.catalog.close();
      throw error;
    }
    this.openLineage =
      transport === undefined
        ? undefined
        : new OpenLineageEmitter({
            transport,
            project,
            graph: this.graph,
            catalog: this.catalog,
            lakeRoot: this.lakeLocation,
            ...(project.lineage !== false && project.lineage?.namespace !== undefined ? { namespace: project.lineage.namespace } : {}),
            partitionsContext: () => this.partitionsContext(),
            // The target's engine, as started (its version is known once it runs; events come from runs, which start it).
            processingEngine: this.#processingEngine,
            // The facet shows the lineage recorded when the step's version committed (see column-lineage-recorder.ts).
            columnLineageOf: options.columnLineageOf ?? ((key) => this.catalog.columnLineage(key)?.lineage as ColumnLineage | undefined),
          });
  }

  /** The partitions context: current time and dynamic partition keys from the catalog. */
  partitionsContext(): PartitionsContext {
    const dynamic = this.catalog.dynamicPartitions;
    // The injected clock decides "now" too, so the daemon's manual-clock tests see the partitions of their simulated time.
    return { now: this.#now ?? new Date(this.#clock.now()), dynamicKeys: (name) => dynamic.keys(name) };
  }

  /** The current keys of the project's dynamic partitions `name`; a name no asset uses throws `QUARRY_UNKNOWN_DYNAMIC_PARTITIONS`. */
  dynamicPartitions(name: string): DynamicPartitionsInfo {
    return { name, keys: this.catalog.dynamicPartitions.keys(name), assets: this.#dynamicPartitionsAssets(name) };
  }

  /**
   * Adds and removes keys of the dynamic partitions `name` (see `updateDynamicPartitions`): new keys
   * are missing partitions for status and plans; removed keys' partition versions stay in the history.
   */
  updateDynamicPartitions(name: string, change: DynamicPartitionsChange): DynamicPartitionsChangeResult {
    const assets = this.#dynamicPartitionsAssets(name);
    const direct = assets.filter((key) => this.graph.get(key).partitions?.kind === 'dynamic');
    const remove = Array.isArray(change.remove) ? change.remove : [];
    checkDynamicPartitionKeys(name, remove, 'remove');
    const materialized = remove.map((key) => ({ key, assets: direct.filter((asset) => this.catalog.materializationHistory(asset, key, { limit: 1 }).length > 0) }));
    const update = updateDynamicPartitions(this.catalog.dynamicPartitions, name, change);
    return { ...update, assets, removedMaterialized: materialized.filter((m) => m.assets.length > 0) };
  }

  #dynamicPartitionsAssets(name: string): string[] {
    const keys = [...this.graph.keys].sort();
    const names = dynamicPartitionsNames(keys.map((key) => this.graph.get(key).partitions));
    const users = names.get(name);
    if (users === undefined) {
      const known = [...names.keys()].map((n) => JSON.stringify(n)).join(', ');
      throw new QuarryError(
        'QUARRY_UNKNOWN_DYNAMIC_PARTITIONS',
        `No asset of this project is partitioned by dynamic partitions named ${JSON.stringify(name)}: ${known === '' ? 'the project declares no dynamicPartitions' : `use one of ${known}`} (the name given to dynamicPartitions({ name })).`,
      );
    }
    return users.map((i) => keys[i]!);
  }

  /** Where the target's lake is, for people and lineage: the local folder, or `gs://bucket/prefix`. */
  get lakeLocation(): string {
    if (this.localStore !== undefined) return this.localStore.root;
    const store = this.target.definition.store;
    return store.kind === 'gcs' ? `gs://${store.bucket}/${store.prefix ?? ''}` : this.store.name;
  }

  /** The target's engine, started on first use (DuckDB embedded, or BigQuery for a target that names it). */
  engine(): Promise<Engine> {
    if (this.#engine === undefined) {
      this.#engine = startTargetEngine(this.target.definition, this.store, this.#tempDir(), this.#env);
      this.#engine.then((started) => this.#noteEngine(started), () => undefined);
    }
    return this.#engine.then((started) => started.engine);
  }

  /**
   * The DuckDB engine compute assets (and assets pinned to `engine: 'duckdb'`) run on: the target's
   * own engine when that is DuckDB, else a DuckDB engine beside it over the target's store.
   */
  async duckDbEngine(): Promise<Engine> {
    const target = await this.engine();
    if (target.name === 'duckdb') return target;
    this.#duckdb ??= startDuckDbEngine(this.store, this.#tempDir());
    return (await this.#duckdb).engine;
  }

  #tempDir(): string {
    const tempDir = join(this.home, 'tmp');
    mkdirSync(tempDir, { recursive: true });
    return tempDir;
  }

  // What OpenLineage's processing_engine facet says: the target engine's name, and its version once started.
  readonly #processingEngine: { name: string; version: string } = { name: 'duckdb', version: 'unknown' };
  #noteEngine(started: StartedEngine): void {
    this.#processingEngine.name = started.engine.name;
    this.#processingEngine.version = started.version;
  }

  /** The current code version of an asset (memoized per instance). */
  codeVersion(key: AssetKey): string {
    let version = this.#codeVersions.get(key);
    if (version === undefined) {
      version = codeVersionOf(this.#materializable(key));
      this.#codeVersions.set(key, version);
    }
    return version;
  }

  /** The retry policy of an asset's steps: its own `retry` over the project's (see docs/retries.md). */
  retryPolicy(key: AssetKey): RetryPolicy {
    let policy = this.#retryPolicies.get(key);
    if (policy === undefined) {
      policy = resolveRetryPolicy(this.#materializable(key).retry, this.project.retry ?? DEFAULT_RETRY_POLICY, `Asset "${key}"`);
      this.#retryPolicies.set(key, policy);
    }
    return policy;
  }

  #materializable(key: AssetKey): AssetDefinition {
    const asset = this.graph.get(key);
    if (asset.type !== 'asset') throw new QuarryError('QUARRY_BAD_ARGUMENT', `"${key}" is a source asset: it is observed, not materialized.`);
    return asset;
  }

  /**
   * Partitions of an asset whose current version cannot be read as committed: marked lost by
   * `quarry verify --repair`, or (a stat per file, no read) whose file is gone or has another size.
   */
  damagedPartitions(key: AssetKey, only?: ((partitionKey: string) => boolean) | ReadonlySet<string>): Map<string, FileDamage | string> {
    const damaged = new Map<string, FileDamage | string>();
    for (const lost of this.catalog.lostPartitions(key)) damaged.set(lost.partitionKey, lost.detail);
    if (only === NO_PARTITION) return damaged;
    let files: CurrentFileRecord[];
    if (only instanceof Set) {
      files = this.catalog.currentFiles(key, [...only]);
    } else {
      const all = this.catalog.currentFiles(key);
      files = typeof only === 'function' ? all.filter((f) => only(f.partitionKey)) : all;
    }
    const bad = statDamage(files, (path) => this.store.localPath(path));
    if (bad.size > 0) for (const file of files) if (bad.has(file.path)) damaged.set(file.partitionKey, bad.get(file.path)!);
    return damaged;
  }

  /**
   * Which current files `#stateLoader` stats: those of `target`'s partitions. No filter when the target
   * holds every partition, the target's keys when it holds few (looked up one by one), and otherwise a
   * test of each file's key.
   */
  #targetFilter(key: AssetKey, target: PartitionSubset | undefined, ctx: PartitionsContext): ((partitionKey: string) => boolean) | ReadonlySet<string> | undefined {
    if (target === undefined || target.isEmpty) return NO_PARTITION;
    const definition = this.graph.get(key).partitions;
    if (definition === undefined) return (partitionKey) => partitionKey === '' && target.has(0);
    const size = definition.size(ctx);
    if (target.count === size && target.first === 0 && target.last === size - 1) return undefined;
    // A few partitions: their files are looked up by key instead of reading (and parsing) every file's row.
    if (target.count <= Math.min(FILE_LOOKUP_LIMIT, size / 4)) {
      const keys = new Set<string>();
      for (const index of target.indices()) keys.add(definition.keyAt(index, ctx));
      return keys;
    }
    return (partitionKey) => {
      try {
        return target.has(definition.indexOf(partitionKey, ctx));
      } catch {
        return false;
      }
    };
  }

  /** Loads the current state of assets from the catalog, once per call site. */
  #stateLoader(ctx: PartitionsContext, damage?: Map<AssetKey, Map<string, string>>, targets?: ReadonlyMap<AssetKey, PartitionSubset>): (key: AssetKey) => AssetState {
    const cache = new Map<AssetKey, AssetState>();
    return (key) => {
      let state = cache.get(key);
      const asset = this.graph.get(key);
      if (state === undefined && asset.type === 'source') {
        // A source's "versions" are its current observations; their seqs play the part of dataSeqs.
        const observations = this.catalog.currentObservations(key);
        const keys = observations.map((o) => o.partitionKey);
        const columns = { keys, codeVersions: keys.map(() => ''), dataSeqs: observations.map((o) => o.seq), maxInputSeqs: keys.map(() => 0) };
        state = AssetState.fromColumns(key, asset.partitions, columns, [], ctx, () => ({ keys, dataVersions: observations.map((o) => o.dataVersion), inputFingerprints: keys.map(() => null) }));
        cache.set(key, state);
      }
      if (state === undefined) {
        // Files are stat'ed only for the partitions the caller looks at (a selected asset's targets):
        // a stat each keeps plan and status cheap; `quarry verify` checks everything.
        const target = targets?.get(key);
        const damaged = this.damagedPartitions(key, this.#targetFilter(key, target, ctx));
        damage?.set(key, damaged);
        const columns = withoutKeys(this.catalog.currentPartitions(key), damaged);
        const failed = this.catalog.failedPartitions(key).map((f) => f.partitionKey);
        state = AssetState.fromColumns(key, this.graph.get(key).partitions, columns, failed, ctx, () => {
          const wide = this.catalog.currentPartitions(key, { columns: ['dataVersions', 'inputFingerprints'] });
          return { keys: wide.keys, dataVersions: wide.dataVersions ?? [], inputFingerprints: wide.inputFingerprints ?? [] };
        });
        cache.set(key, state);
      }
      return state;
    };
  }

  /**
   * Observes source assets: calls `observe` for each partition of each selected source (and each
   * source upstream of the selected assets) and records the versions in the catalog (an observation;
   * a version equal to the last one only moves its time). `undefined` (no data yet) records nothing.
   */
  async observe(selection?: string, partitions?: PlanOptions['partitions']): Promise<ObservationRecord[]> {
    const ctx = this.partitionsContext();
    const selected = resolveSelection(this.graph, selection);
    const sources = this.graph.upstreamClosure(selected).filter((k) => this.graph.get(k).type === 'source');
    const targets = partitions === undefined ? resolvePartitionTargets(this.graph, sources, undefined, ctx) : upstreamClosureTargets(this.graph, resolvePartitionTargets(this.graph, selected, partitions, ctx), ctx);
    return this.#observeSources(sources, targets, ctx);
  }

  async #observeSources(keys: readonly AssetKey[], targets: ReadonlyMap<AssetKey, PartitionSubset>, ctx: PartitionsContext): Promise<ObservationRecord[]> {
    const observations: NewObservation[] = [];
    for (const key of keys) {
      const source = this.graph.get(key);
      if (source.type !== 'source' || source.observe === undefined) continue;
      for (const index of (targets.get(key) ?? PartitionSubset.empty()).indices()) {
        const partitionKey = source.partitions ? source.partitions.keyAt(index, ctx) : '';
        let version: string | undefined;
        try {
          version = await source.observe({ partitionKey, projectDir: this.projectDir });
        } catch (error) {
          throw new QuarryError('QUARRY_OBSERVE_FAILED', `Observing source "${key}"${partitionKey ? ` [${partitionKey}]` : ''} failed: ${error instanceof Error ? error.message : String(error)}. Fix its observe function (or the data it reads) and try again.`, { cause: error });
        }
        if (version !== undefined) observations.push({ assetKey: key, partitionKey, dataVersion: String(version) });
      }
    }
    return this.catalog.recordObservations(observations);
  }

  /** The current observations of a source asset, newest first (empty for an asset never observed). */
  observations(assetKey: string): ObservationRecord[] {
    const key = this.graph.get(assetKey).key;
    return this.catalog.currentObservations(key).sort((a, b) => b.observedAt.getTime() - a.observedAt.getTime());
  }

  /**
   * Staleness of the selected assets over the selected partitions. With `observe`, the sources the
   * selection reads are observed (and the observations recorded) first; otherwise their last
   * recorded observations count.
   */
  async staleness(options: PlanOptions = {}, mode: { observe?: boolean } = {}): Promise<{ selected: AssetKey[]; staleness: Map<AssetKey, AssetStaleness>; ctx: PartitionsContext }> {
    const ctx = this.partitionsContext();
    const selected = resolveSelection(this.graph, options.selection).filter((k) => this.graph.get(k).type === 'asset');
    const targets = resolvePartitionTargets(this.graph, selected, options.partitions, ctx);
    // Staleness is computed over the upstream closure of the selection (the partitions the targets
    // read, transitively), then narrowed: a partition's answer does not depend on what else is selected.
    const wide = upstreamClosureTargets(this.graph, targets, ctx);
    const closure = [...wide.keys()].filter((k) => this.graph.get(k).type === 'asset');
    if (mode.observe === true) await this.#observeSources([...wide.keys()], wide, ctx);
    const damage = new Map<AssetKey, Map<string, string>>();
    const state = this.#stateLoader(ctx, damage, wide);
    const observed = new Map<AssetKey, Map<number, string | undefined>>();
    for (const key of closure) {
      const asset = this.graph.get(key);
      if (asset.observe === undefined) continue;
      const versions = new Map<number, string | undefined>();
      const materialized = wide.get(key)!.intersect(state(key).materialized);
      for (const index of materialized.indices()) {
        const partitionKey = asset.partitions ? asset.partitions.keyAt(index, ctx) : '';
        versions.set(index, await asset.observe({ partitionKey, projectDir: this.projectDir }));
      }
      observed.set(key, versions);
    }
    const full = computeStaleness({
      graph: this.graph,
      selected: closure,
      targets: wide,
      state,
      codeVersion: (k) => this.codeVersion(k),
      observed,
      ctx,
    });
    const staleness = new Map(selected.map((k) => [k, restrictStaleness(full.get(k)!, targets.get(k)!, options.force === true)]));
    // A partition whose file was lost or changed plans as `missing`, saying so.
    for (const [key, s] of staleness) {
      const damaged = damage.get(key);
      if (damaged === undefined || damaged.size === 0) continue;
      const definition = this.graph.get(key).partitions;
      const reasonAt = s.reasonAt;
      staleness.set(key, {
        ...s,
        reasonAt: (index) => {
          const reason = reasonAt(index);
          const detail = reason?.cause === 'missing' ? damaged.get(definition ? definition.keyAt(index, ctx) : '') : undefined;
          return detail === undefined ? reason : { ...reason!, detail };
        },
      });
    }
    return { selected, staleness, ctx };
  }

  /**
   * Plans the selected assets and partitions: the steps that bring them up to date, each with why it
   * runs. Unknown assets, bad selections and bad partition keys throw `QuarryError`s naming them.
   */
  async plan(options: PlanOptions = {}): Promise<Plan> {
    return (await this.#planWithStaleness(options)).plan;
  }

  async #planWithStaleness(options: PlanOptions): Promise<{ plan: Plan; staleness: Map<AssetKey, AssetStaleness>; ctx: PartitionsContext }> {
    const { staleness, ctx } = await this.staleness(options, { observe: true });
    // A check reading another asset (referentialIntegrity, …) waits for that asset's steps in the same run.
    const orderAfter = new Map<AssetKey, AssetKey[]>();
    for (const key of staleness.keys()) {
      const asset = this.graph.get(key);
      if (asset.type !== 'asset' || asset.checks.length === 0) continue;
      const references = checkRequirements(asset.checks).references.filter((r) => this.graph.has(r));
      if (references.length > 0) orderAfter.set(key, references);
    }
    const plan = createPlan({
      graph: this.graph,
      staleness,
      selection: options.selection,
      ctx,
      orderAfter,
      ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
      ...(options.maxPartitions !== undefined ? { maxPartitions: options.maxPartitions } : {}),
    });
    // On a SQL engine of another dialect, an asset whose SQL does not transpile fails here, before any job.
    await this.#assertPlanCompiles(plan);
    return { plan, staleness, ctx };
  }

  // ---------------------------------------------------------------- targets (issue 13): engines, SQL per engine, cost

  /** True when the target's engine estimates steps by dry runs (BigQuery): `quarry plan` then shows bytes and cost. */
  async hasDryRun(): Promise<boolean> {
    if (this.#engine === undefined && this.target.definition.engine.kind === 'duckdb') return false;
    return (await this.engine()).dryRun !== undefined;
  }

  /** The engine kind `asset` runs on in this target: its pin, else the target's, except compute assets on BigQuery (DuckDB). */
  engineKindOf(key: AssetKey): 'duckdb' | 'bigquery' {
    const asset = this.#materializable(key);
    if (asset.engine !== undefined) return asset.engine;
    const target = this.target.definition.engine.kind;
    return target === 'bigquery' && asset.compute !== undefined ? 'duckdb' : target;
  }

  /**
   * The SQL the target's engine runs for `key`: DuckDB's as written; BigQuery's from `sql: { bigquery }`
   * or transpiled (`QUARRY_SQL_UNSUPPORTED` naming the construct and the way out when it does not).
   * A compute asset has no SQL of its own (`QUARRY_BAD_ARGUMENT`).
   */
  async compile(key: AssetKey): Promise<{ assetKey: AssetKey; engine: 'duckdb' | 'bigquery'; sql: string; transpiled: boolean }> {
    const asset = this.#materializable(key);
    const engine = this.engineKindOf(key);
    const own = asset.sqlByEngine?.[engine];
    if (own !== undefined) return { assetKey: key, engine, sql: own, transpiled: false };
    if (asset.sql === undefined) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `Asset "${key}" is a compute asset: its TypeScript runs on DuckDB and it has no SQL to compile (a { sql } it returns is built at run time).`);
    }
    if (engine === 'duckdb') return { assetKey: key, engine, sql: asset.sql, transpiled: false };
    await loadSqlDialect();
    try {
      return { assetKey: key, engine, sql: compileAssetSql(asset, engine, { pretty: true }).sql, transpiled: true };
    } catch (error) {
      if (isQuarryError(error, 'QUARRY_SQL_UNSUPPORTED')) {
        throw new QuarryError(
          'QUARRY_SQL_UNSUPPORTED',
          `${error.message} Ways out: give the asset SQL per engine, sql: { duckdb: '…', bigquery: '…' }, or pin it to DuckDB with engine: 'duckdb' (target "${this.target.name}" runs ${engine}).`,
          { details: { ...(error.details ?? {}), assetKey: key, target: this.target.name }, cause: error },
        );
      }
      throw error;
    }
  }

  async #assertPlanCompiles(plan: Plan): Promise<void> {
    if (this.target.definition.engine.kind === 'duckdb') return;
    const seen = new Set<AssetKey>();
    for (const step of plan.steps) {
      if (seen.has(step.assetKey)) continue;
      seen.add(step.assetKey);
      const asset = this.graph.get(step.assetKey);
      if (asset.type !== 'asset' || this.engineKindOf(step.assetKey) === 'duckdb' || asset.sql === undefined) continue;
      await this.compile(step.assetKey);
    }
  }

  /**
   * What the plan's steps would process, by the engines' dry runs (BigQuery), with the estimated cost
   * at the target's price per TiB. Steps whose engine has no dry run, or whose upstream is not written
   * yet, have no bytes and say why; `totalBytes` sums the others.
   */
  async estimatePlan(plan: Plan, options: { signal?: AbortSignal } = {}): Promise<PlanEstimate> {
    const pricePerTiB = targetPricePerTiB(this.target.definition);
    if (plan.steps.length === 0) return { target: this.target.name, pricePerTiB, steps: [], totalBytes: 0, estimatedCost: 0, estimated: false };
    const runner = await this.#stepRunner(`estimate_${Date.now().toString(36)}`, false);
    const steps: PlanStepEstimate[] = [];
    for (const step of plan.steps) {
      const e = await runner.estimate(step, options.signal);
      steps.push({ ...e, ...(e.bytesProcessed !== undefined ? { estimatedCost: costOfBytes(e.bytesProcessed, pricePerTiB) } : {}) });
    }
    const totalBytes = steps.reduce((n, s) => n + (s.bytesProcessed ?? 0), 0);
    return { target: this.target.name, pricePerTiB, steps, totalBytes, estimatedCost: costOfBytes(totalBytes, pricePerTiB), estimated: steps.some((s) => s.bytesProcessed !== undefined) };
  }

  /**
   * Refuses a plan whose dry-run bytes exceed `maxBytesBilled` (or the target's), before any job:
   * `QUARRY_BYTES_LIMIT_EXCEEDED` naming the total, the limit and the biggest steps.
   */
  async assertWithinBytesLimit(plan: Plan, maxBytesBilled?: number): Promise<PlanEstimate | undefined> {
    const limit = maxBytesBilled ?? targetMaxBytesBilled(this.target.definition);
    if (limit === undefined) return undefined;
    const estimate = await this.estimatePlan(plan);
    if (estimate.totalBytes <= limit) return estimate;
    const biggest = [...estimate.steps].filter((s) => (s.bytesProcessed ?? 0) > 0).sort((a, b) => b.bytesProcessed! - a.bytesProcessed!).slice(0, 3);
    const unknown = estimate.steps.filter((s) => s.bytesProcessed === undefined).length;
    throw new QuarryError(
      'QUARRY_BYTES_LIMIT_EXCEEDED',
      `The run would process ${formatBytes(estimate.totalBytes)} (${estimate.totalBytes} bytes, about $${estimate.estimatedCost.toFixed(2)} at $${estimate.pricePerTiB}/TiB), over the limit of ${formatBytes(limit)} (${limit} bytes); nothing was started. ` +
        `Biggest steps: ${biggest.map((s) => `${s.stepId} ${formatBytes(s.bytesProcessed!)}`).join(', ')}${unknown > 0 ? `; ${unknown} step${unknown === 1 ? '' : 's'} could not be estimated` : ''}. ` +
        'Select fewer partitions or assets, or raise --max-bytes-billed (or the target\'s maxBytesBilled).',
      { details: { totalBytes: estimate.totalBytes, limit, steps: biggest.map((s) => ({ stepId: s.stepId, bytes: s.bytesProcessed! })) } },
    );
  }

  /** Bytes processed and billed by a run's engine jobs, per step and in total, with their cost at the target's price per TiB. */
  runCost(runId: string): RunCost {
    const totals = this.catalog.engineJobTotals(runId);
    const pricePerTiB = targetPricePerTiB(this.target.definition);
    return {
      pricePerTiB,
      jobs: totals.jobs,
      bytesProcessed: totals.bytesProcessed,
      bytesBilled: totals.bytesBilled,
      cost: costOfBytes(totals.bytesBilled, pricePerTiB),
      steps: totals.steps.map((s) => ({ ...s, cost: costOfBytes(s.bytesBilled, pricePerTiB) })),
    };
  }

  /** A step runner of run `runId` over this target's engines (the DuckDB one beside a BigQuery target when needed). */
  async #stepRunner(runId: string, force: boolean): Promise<EngineStepRunner> {
    const engine = await this.engine();
    return createStepRunner({
      graph: this.graph,
      catalog: this.catalog,
      engine,
      projectDir: this.projectDir,
      runId,
      owner: { runId, pid: process.pid },
      ctx: this.partitionsContext(),
      codeVersion: (k) => this.codeVersion(k),
      force,
      store: this.store,
      duckDbEngine: () => this.duckDbEngine(),
      alerts: this.alerts,
      schemaChanges: this.project.schemaChanges,
      tracing: this.#tracing,
    });
  }

  /**
   * Failure markers of partitions a run targets and finds fresh (their current version is up to date
   * with today's code and inputs, e.g. after a bad input was repaired) no longer stand: the latest
   * look at them found nothing to do. Markers of partitions the run does not target are kept.
   */
  #clearSettledFailures(staleness: Map<AssetKey, AssetStaleness>, ctx: PartitionsContext): void {
    for (const s of staleness.values()) {
      const failures = this.catalog.failedPartitions(s.assetKey);
      if (failures.length === 0) continue;
      const definition = this.graph.get(s.assetKey).partitions;
      const settled = failures
        .map((f) => f.partitionKey)
        .filter((key) => {
          let index = 0;
          try {
            if (definition) index = definition.indexOf(key, ctx);
          } catch {
            return false; // a key the definition no longer has (a removed dynamic key): left as it is
          }
          return index >= 0 && s.target.has(index) && !s.planned.has(index) && this.catalog.currentMaterialization(s.assetKey, key) !== undefined;
        });
      if (settled.length > 0) this.catalog.clearPartitionFailures(s.assetKey, settled);
    }
  }

  /** Per selected asset, its partitions by state (fresh, stale, missing, failed, upstream_failed) as index ranges; `partitions` narrows each asset's as plan does. */
  async status(selection?: string, partitions?: PlanOptions['partitions']): Promise<AssetPartitionStatus[]> {
    for (const run of this.catalog.listRuns({ status: 'running', limit: 1000 })) this.#settleDeadRun(run);
    const { staleness, ctx } = await this.staleness({ ...(selection !== undefined ? { selection } : {}), ...(partitions !== undefined ? { partitions } : {}) });
    const ranges = (subset: PartitionSubset) => [...subset.ranges()].map(([a, b]) => [a, b] as const);
    const statuses = new Map<AssetKey, AssetPartitionStatus>();
    // Never-materialized partitions that an upstream failure kept from running are upstream_failed.
    const upstreamFailedOf = upstreamFailedResolver(this.graph, this.#stateLoader(ctx), ctx, (key) => this.catalog.failedPartitions(key).length > 0);
    for (const s of staleness.values()) {
      const definition = this.graph.get(s.assetKey).partitions;
      const total = s.target.count;
      const upstreamFailed = s.missing.intersect(upstreamFailedOf(s.assetKey));
      const missing = s.missing.difference(upstreamFailed);
      const failed = s.failed;
      const stale = s.planned.difference(s.missing).difference(failed);
      const fresh = s.target.difference(s.planned);
      statuses.set(s.assetKey, {
        assetKey: s.assetKey,
        partitioned: definition !== undefined,
        total,
        ranges: { fresh: ranges(fresh), stale: ranges(stale), missing: ranges(missing), failed: ranges(failed), upstream_failed: ranges(upstreamFailed) },
        counts: { fresh: fresh.count, stale: stale.count, missing: missing.count, failed: failed.count, upstream_failed: upstreamFailed.count },
        ...(total > 0 ? { firstKey: definition ? definition.keyAt(s.target.first!, ctx) : '', lastKey: definition ? definition.keyAt(s.target.last!, ctx) : '' } : {}),
      });
    }
    // Sources are never materialized: an observed partition is fresh, one never observed is missing.
    for (const key of resolveSelection(this.graph, selection)) {
      const source = this.graph.get(key);
      if (source.type !== 'source') continue;
      const definition = source.partitions;
      const target = definition ? definition.all(ctx) : PartitionSubset.fromRange(0, 1);
      const state = this.#stateLoader(ctx)(key);
      const observed = target.intersect(state.materialized);
      const missing = target.difference(observed);
      const latest = this.observations(key)[0];
      statuses.set(key, {
        assetKey: key,
        partitioned: definition !== undefined,
        total: target.count,
        ranges: { fresh: ranges(observed), stale: [], missing: ranges(missing), failed: [], upstream_failed: [] },
        counts: { fresh: observed.count, stale: 0, missing: missing.count, failed: 0, upstream_failed: 0 },
        ...(target.count > 0 ? { firstKey: definition ? definition.keyAt(target.first!, ctx) : '', lastKey: definition ? definition.keyAt(target.last!, ctx) : '' } : {}),
        source: {
          observed: observed.count,
          ...(latest !== undefined ? { lastObservedAt: latest.observedAt.toISOString(), lastVersion: latest.dataVersion, lastPartition: latest.partitionKey } : {}),
        },
      });
    }
    return this.graph.ordered(statuses.keys()).map((k) => statuses.get(k)!);
  }


  /** Plans and starts a run in this process; returns its id at once (see `waitForRun`). */
  async startRun(options: RunOptions = {}): Promise<{ runId: string; plan: Plan }> {
    const { plan, staleness, ctx } = await this.#planWithStaleness(options);
    // A run over its byte limit is refused before it exists, so before any job starts.
    await this.assertWithinBytesLimit(plan, options.maxBytesBilled);
    this.#clearSettledFailures(staleness, ctx);
    if (this.localStore !== undefined) ensureLakeMarker(this.localStore.root, this.catalog);
    const run = this.catalog.createRun({
      ...(options.runId !== undefined ? { id: options.runId } : {}),
      kind: options.kind ?? 'materialize',
      selection: options.selection ?? '*',
      status: 'running',
      partitions: (options.partitions ?? null) as JsonValue,
      plan: plan as unknown as JsonValue,
      pid: process.pid,
      host: hostname(),
      tags: options.tags ?? {},
    });
    this.catalog.updateRun(run.id, { startedAt: new Date() });
    this.#launch(run.id, plan, options.concurrency ?? this.project.concurrency, new Set(), options.force === true);
    return { runId: run.id, plan };
  }

  /**
   * Resumes a run that was killed or failed: its plan runs again under the same id, skipping the
   * steps it already committed (and, inside steps, partitions that are up to date).
   */
  async resumeRun(runId: string, options: { concurrency?: number; maxBytesBilled?: number } = {}): Promise<{ runId: string; plan: Plan; completed: number }> {
    const run = this.getRun(runId);
    if (this.#runs.has(runId)) throw new QuarryError('QUARRY_RUN_NOT_RESUMABLE', `Run ${runId} is still running in this process.`);
    if (run.status === 'running' && run.pid !== null && run.pid !== process.pid && (run.host !== hostname() || isAlive(run.pid))) {
      throw new QuarryError('QUARRY_RUN_NOT_RESUMABLE', `Run ${runId} is still running (pid ${run.pid}); wait for it or cancel it first.`);
    }
    if (run.status === 'succeeded') throw new QuarryError('QUARRY_RUN_NOT_RESUMABLE', `Run ${runId} already succeeded; there is nothing to resume.`);
    const plan = run.plan as unknown as Plan | null;
    if (plan === null) throw new QuarryError('QUARRY_RUN_NOT_RESUMABLE', `Run ${runId} has no stored plan, so it cannot be resumed: start a new backfill.`);
    if (this.localStore !== undefined) ensureLakeMarker(this.localStore.root, this.catalog);
    const completed = new Set(this.catalog.listSteps(runId).filter((s) => s.status === 'succeeded').map((s) => s.stepId));
    // The steps still to run answer to the byte limit as a new run's do, before any job.
    await this.assertWithinBytesLimit({ ...plan, steps: plan.steps.filter((s) => !completed.has(s.id)) }, options.maxBytesBilled);
    this.catalog.updateRun(runId, { status: 'running', pid: process.pid, host: hostname(), finishedAt: null, error: null });
    this.#launch(runId, plan, options.concurrency ?? this.project.concurrency, completed, false);
    return { runId, plan, completed: completed.size };
  }

  #launch(runId: string, plan: Plan, concurrency: number, completed: Set<string>, force: boolean): void {
    const owner = { runId, pid: process.pid };
    // One trace per execution of the run: run → step → partition → engine query, check, catalog commit.
    const runSpan = startSpan(this.#tracing, SPAN_NAMES.run, undefined, { 'quarry.run_id': runId, 'quarry.steps': plan.steps.length, 'quarry.project': this.project.name });
    const traceId = traceIdOf(runSpan);
    if (traceId !== undefined) {
      this.#traceIds.set(runId, traceId);
      this.#catalogWriteOrWarn(runId, () => this.catalog.setRunTraceId(runId, traceId));
    }
    this.#runLogs.get(runId)?.close();
    this.#runLogs.set(runId, openRunLog({ home: this.home, runId, traceId, level: this.#logLevel, secrets: this.#secrets, redactKeys: this.#piiColumnNames() }));
    // Every step is on record (pending, with its partitions and reason) before the first one starts.
    const known = new Set(this.catalog.listSteps(runId).map((s) => s.stepId));
    this.catalog.upsertSteps(
      plan.steps
        .filter((s) => !known.has(s.id))
        .map((s) => ({ runId, stepId: s.id, assetKey: s.assetKey, partitions: [...s.partitionKeys], status: 'pending' as const, reason: s.reason.cause })),
    );
    // Started steps are touched now and then, so a reader finding this process dead knows when it was last alive.
    const begun = new Set<string>();
    const heartbeat = setInterval(() => {
      try {
        if (begun.size > 0) this.catalog.upsertSteps([...begun].map((stepId) => ({ runId, stepId })));
      } catch {
        // A busy catalog skips one beat; the next one comes soon.
      }
    }, RUN_HEARTBEAT_MS);
    heartbeat.unref();
    // One step runner per run, made when the first step starts (that is when the engine is needed).
    let stepRunner: Promise<TracedStepRunner> | undefined;
    const runner = (): Promise<TracedStepRunner> => (stepRunner ??= this.#stepRunner(runId, force));
    const handle = executePlan(plan, {
      runId,
      concurrency,
      completed,
      retryPolicy: (step) => this.retryPolicy(step.assetKey),
      clock: this.#clock,
      runStep: async (step, attempt, signal, log) => {
        const span = startSpan(this.#tracing, SPAN_NAMES.step, runSpan, { 'quarry.run_id': runId, 'quarry.step': step.id, 'quarry.asset': step.assetKey, 'quarry.partitions': step.partitionKeys.length, 'quarry.attempt': attempt });
        try {
          const outcome = await (await runner())(step, attempt, signal, log, span);
          span.setAttribute('quarry.outcome', outcome.status);
          return outcome;
        } catch (error) {
          recordSpanError(span, error);
          throw error;
        } finally {
          span.end();
        }
      },
      onEvent: (event) => {
        if (event.type === 'step_started') begun.add(event.stepId);
        else if (event.type !== 'step_retrying' && event.type !== 'log' && 'stepId' in event) begun.delete(event.stepId);
        this.#record(event);
      },
    });
    this.#runs.set(runId, handle);
    void handle.done
      .then((summary: RunSummary) => {
        runSpan.setAttribute('quarry.status', summary.status);
        if (summary.status !== 'succeeded') runSpan.setStatus({ code: 2, message: `run ${summary.status}` });
        this.#catalogWriteOrWarn(runId, () => this.alerts.finishRun(runId, {
          status: summary.status,
          finishedAt: new Date(),
          error:
            summary.status === 'succeeded'
              ? null
              : summary.status === 'cancelled'
                ? `cancelled${summary.cancelReason ? `: ${summary.cancelReason}` : ''} (${summary.counts.succeeded} of ${summary.counts.total} steps done)`
                : `${summary.counts.failed} failed, ${summary.counts.skipped} skipped, ${summary.counts.blocked} blocked`,
        }));
      })
      .finally(() => {
        runSpan.end();
        this.#runLogs.get(runId)?.close();
        this.#runLogs.delete(runId);
        clearInterval(heartbeat);
        this.#catalogWriteOrWarn(runId, () => this.catalog.releaseLeases(owner));
        this.#runs.delete(runId);
      });
  }

  // A write the run's bookkeeping cannot do (full disk, damaged catalog) is remembered and warned
  // about, not thrown into a promise nobody awaits: the process must end with that clear error, not crash.
  #catalogWriteOrWarn(runId: string, write: () => unknown): void {
    try {
      write();
    } catch (error) {
      if (!this.#catalogErrors.has(runId)) this.#catalogErrors.set(runId, error);
      process.emitWarning(`Run ${runId}: the catalog could not record the run's progress: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The first catalog write error a run of this process met (full disk, damaged catalog), if any. */
  runCatalogError(runId: string): unknown {
    return this.#catalogErrors.get(runId);
  }

  /** Stores an execution event (and the step's new state) in the catalog and tells live listeners. */
  #record(event: ExecutionEvent): void {
    let stored: EventRecord[] = [];
    const catalogEvent = this.#redactEvent(toCatalogEvent(event));
    this.#catalogWriteOrWarn(event.runId, () => {
      stored = this.catalog.appendEvents([catalogEvent]);
      if ('stepId' in event) this.catalog.upsertStep(stepUpdate(event));
    });
    this.openLineage?.handle(event);
    const runLog = this.#runLogs.get(event.runId);
    if (runLog !== undefined) logExecutionEvent(runLog.logger, event, catalogEvent.message ?? event.type);
    for (const listener of this.#listeners) for (const record of stored) listener(record);
    for (const listener of this.#executionListeners) listener(event);
  }

  /** The trace id of a run (of its latest execution), when it was traced. */
  traceIdOf(runId: string): string | undefined {
    return this.#traceIds.get(runId) ?? this.catalog.getRun(runId)?.traceId ?? undefined;
  }

  /** The JSON-lines log file of a run (see docs/logging.md); it exists once the run has started in some process. */
  runLogPath(runId: string): string {
    return runLogPath(this.home, runId);
  }

  // What the catalog keeps of a line (`quarry run --logs`, the UI) is redacted as the log files are.
  #redactEvent(event: NewEvent): NewEvent {
    if (event.type !== 'log' && event.level !== 'error' && event.level !== 'warn') return event;
    this.#redaction ??= { scrub: createSecretScrubber(this.#secrets), keys: new Set([...SECRET_FIELD_NAMES, ...this.#piiColumnNames()]) };
    const { scrub, keys } = this.#redaction;
    return { ...event, ...(event.message !== undefined ? { message: scrub(event.message) } : {}), ...(event.data !== undefined ? { data: redactValue(event.data, scrub, keys) } : {}) };
  }

  // Columns tagged PII anywhere in the project: their values are redacted from log lines' fields.
  #piiColumnNames(): string[] {
    const names = new Set<string>();
    for (const asset of this.graph.assets()) for (const [name, doc] of Object.entries(asset.columns)) if (doc.pii !== undefined && doc.pii !== 'none') names.add(name);
    return [...names];
  }

  /** Waits for a run started in this process and returns its final record. */
  async waitForRun(runId: string): Promise<RunRecord> {
    const handle = this.#runs.get(runId);
    if (handle) {
      await handle.done;
      // The status update runs in a `then` after `done`; let it land.
      await new Promise((r) => setImmediate(r));
      // The alerts the run raised are delivered before its caller (a CLI about to exit) goes on.
      await this.alerts.idle();
      const error = this.#catalogErrors.get(runId);
      if (isQuarryError(error, 'QUARRY_DISK_FULL') && error.details?.runId !== runId) throw diskFullError(String(error.details?.path ?? this.home), error, runId);
      if (error !== undefined) throw error;
    }
    return this.getRun(runId);
  }

  /** The summary of a run started in this process (for the CLI's closing line). */
  runHandle(runId: string): RunHandle | undefined {
    return this.#runs.get(runId);
  }

  /** Cancels a run of this process; a run of another process is marked for cancellation in the catalog. */
  async cancelRun(runId: string): Promise<void> {
    const run = this.getRun(runId);
    const handle = this.#runs.get(runId);
    if (handle) {
      handle.cancel('cancelled by user');
      await handle.done;
      return;
    }
    if (run.status === 'running' || run.status === 'queued') {
      if (run.pid !== null && run.host === hostname() && isAlive(run.pid) && run.pid !== process.pid) {
        process.kill(run.pid, 'SIGINT');
      } else {
        this.catalog.updateRun(runId, { status: 'cancelled', finishedAt: new Date(), error: 'cancelled by user' });
      }
    }
  }

  /** Subscribes to events of runs in this process; returns the unsubscribe function. */
  onEvent(listener: (event: EventRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Subscribes to the raw executor events of runs in this process (the CLI's progress display). */
  onExecutionEvent(listener: (event: ExecutionEvent) => void): () => void {
    this.#executionListeners.add(listener);
    return () => this.#executionListeners.delete(listener);
  }

  /** Runs, newest first. */
  listRuns(options: { limit?: number } = {}): RunRecord[] {
    return this.catalog.listRuns({ limit: options.limit ?? 50 }).map((r) => this.#settleDeadRun(r));
  }

  /** One run; `QUARRY_UNKNOWN_RUN` naming the id when there is none. */
  getRun(runId: string): RunRecord {
    const run = this.catalog.getRun(runId);
    if (run === undefined) throw new QuarryError('QUARRY_UNKNOWN_RUN', `Unknown run "${runId}". Run \`quarry runs\` to list runs.`);
    return this.#settleDeadRun(run);
  }

  // A run marked running whose process died (kill -9, power loss) is failed: every read path says so
  // once, durably, with its end frozen at its last activity (see settleDeadRun). `--resume` continues it.
  #settleDeadRun(run: RunRecord): RunRecord {
    if (run.status !== 'running' || run.pid === null || run.host !== hostname() || this.#runs.has(run.id)) return run;
    if (run.pid === process.pid || isAlive(run.pid)) return run;
    try {
      return settleDeadRun(this.catalog, run, (id, update) => this.alerts.finishRun(id, update));
    } catch (writeError) {
      // A full disk or read-only catalog: still answer (the listing is read-only), just without recording it.
      if (!isQuarryError(writeError, 'QUARRY_DISK_FULL') && !isQuarryError(writeError, 'QUARRY_CATALOG_BUSY')) throw writeError;
      return { ...run, status: 'failed', error: `process ${run.pid} died before the run finished; resume it with quarry backfill --resume ${run.id}` };
    }
  }

  /** The steps of a run. */
  listSteps(runId: string): StepRecord[] {
    this.getRun(runId);
    return this.catalog.listSteps(runId);
  }

  /** Events of a run (a cursor: pass the last id seen as `afterId`). */
  listEvents(options: { runId: string; afterId?: number; limit?: number }): EventRecord[] {
    this.getRun(options.runId);
    return this.catalog.listEvents(options);
  }

  /** Partition versions of an asset, newest first. */
  materializations(assetKey: string, options: { partition?: string; limit?: number } = {}): MaterializationRecord[] {
    const key = this.graph.get(assetKey).key;
    return this.catalog.materializationHistory(key, options.partition, { limit: options.limit ?? 100 });
  }

  /**
   * The failure markers of an asset (of one partition when given): partitions whose latest attempt
   * failed or was blocked by a check, with the run, the error and when, in partition-key order.
   */
  partitionFailures(assetKey: string, options: { partition?: string } = {}): PartitionFailure[] {
    const key = this.graph.get(assetKey).key;
    const failures = this.catalog.failedPartitions(key);
    return options.partition === undefined ? failures : failures.filter((f) => f.partitionKey === options.partition);
  }

  /**
   * Latest check results of an asset (optionally of one partition or one check); with `history`,
   * every result instead, newest first (at most `limit`, default 200).
   */
  checkResults(assetKey: string, options: { partition?: string; checkName?: string; history?: boolean; limit?: number } = {}): CheckResultRecord[] {
    const key = this.graph.get(assetKey).key;
    return this.catalog.listCheckResults({
      asset: key,
      ...(options.partition !== undefined ? { partition: options.partition } : {}),
      ...(options.checkName !== undefined ? { checkName: options.checkName } : {}),
      ...(options.history ? { limit: options.limit ?? 200 } : { latestOnly: true }),
    });
  }

  /**
   * Quality scores (0–100) per partition from the latest check results, plus the score over all
   * of them (row-weighted, see docs/quality-score.md).
   */
  qualityScores(assetKey: string, options: { partition?: string } = {}): { partitionKey: string; score: number | null; dimensions: QualityScore['dimensions'] }[] {
    const byPartition = new Map<string, CheckResult[]>();
    for (const record of this.checkResults(assetKey, options)) {
      const list = byPartition.get(record.partitionKey) ?? [];
      list.push(checkResultOf(record));
      byPartition.set(record.partitionKey, list);
    }
    return [...byPartition].map(([partitionKey, results]) => ({ partitionKey, ...qualityScore(results) }));
  }

  /**
   * The rows of one partition's current version (for `quarry quarantine` and the UI), at most
   * `limit`; with `maskPii`, PII columns (declared or propagated) read `[masked: CLASS PII]` — what
   * every user-facing caller (CLI, API, UI) asks for unless its user may unmask.
   */
  async partitionRows(assetKey: string, partitionKey: string, options: { limit?: number; maskPii?: boolean } = {}): Promise<EngineQueryResult> {
    const asset = this.graph.get(assetKey);
    if (asset.partitions) asset.partitions.indexOf(partitionKey, this.partitionsContext());
    const version = this.catalog.currentMaterialization(asset.key, partitionKey);
    if (version === undefined) {
      throw new QuarryError('QUARRY_BAD_ARGUMENT', `"${asset.key}" [${partitionKey}] has not been materialized yet: run quarry materialize ${asset.key} --partition ${partitionKey} first.`);
    }
    const masked = options.maskPii !== true ? undefined : maskedViewColumns(await this.piiColumns(asset.key), (schemaColumnsOf(version.outputSchema) ?? []).map((c) => c.name));
    const engine = await this.engine();
    return engine.query('SELECT * FROM partition_rows', { views: [{ name: 'partition_rows', assetKey: asset.key, files: version.files, ...(masked ? { masked } : {}) }], maxRows: options.limit ?? 1000 });
  }

  /**
   * Upstream and downstream assets, with the partitions a given partition reads or feeds (the first
   * `LINEAGE_KEY_LIMIT` keys; `partitionCount` says how many there are).
   */
  lineage(assetKey: string, options: { partition?: string } = {}): {
    upstream: { asset: AssetKey; partitions?: string[]; partitionCount?: number }[];
    downstream: { asset: AssetKey; partitions?: string[]; partitionCount?: number }[];
  } {
    const asset = this.graph.get(assetKey);
    const ctx = this.partitionsContext();
    const partition = options.partition;
    const index = partition === undefined ? undefined : asset.partitions ? asset.partitions.indexOf(partition, ctx) : 0;
    // An "all partitions" mapping over ten million partitions must not list them all: the first
    // LINEAGE_KEY_LIMIT keys and the count say enough.
    const keys = (definition: PartitionsDefinition | undefined, subset: PartitionSubset) => {
      if (definition === undefined) return [''];
      const list: string[] = [];
      for (const key of definition.keysOf(subset, ctx)) {
        if (list.length >= LINEAGE_KEY_LIMIT) break;
        list.push(key);
      }
      return list;
    };
    const single = index === undefined ? undefined : PartitionSubset.fromRange(index, index + 1);
    // One entry per upstream asset: several dependencies on one asset (today and the day before)
    // and a self-dependency (with a partition) join their partitions.
    const upstreamSubsets = new Map<AssetKey, PartitionSubset>();
    if (asset.type === 'asset') {
      for (const dep of resolvedDependencies(asset)) {
        if (dep.upstream === asset.key && single === undefined) continue;
        const subset = single === undefined ? PartitionSubset.empty() : upstreamSubset(asset, dep, single, ctx);
        upstreamSubsets.set(dep.upstream, (upstreamSubsets.get(dep.upstream) ?? PartitionSubset.empty()).union(subset));
      }
    }
    const upstream = [...upstreamSubsets].map(([key, subset]) => {
      const definition = this.graph.get(key).partitions;
      return single === undefined ? { asset: key } : { asset: key, partitions: keys(definition, subset), partitionCount: definition ? subset.count : 1 };
    });
    const children = asset.type === 'asset' && asset.selfDependency && single !== undefined ? [asset.key, ...this.graph.children(asset.key)] : this.graph.children(asset.key);
    const downstream = children.map((child) => {
      const down = this.graph.get(child);
      if (single === undefined || down.type !== 'asset') return { asset: child };
      let subset = PartitionSubset.empty();
      for (const dep of resolvedDependencies(down)) {
        if (dep.upstream === asset.key) subset = subset.union(dep.mapping.downstreamFor(single, asset.partitions, down.partitions, ctx));
      }
      return { asset: child, partitions: keys(down.partitions, subset), partitionCount: down.partitions ? subset.count : 1 };
    });
    return { upstream, downstream };
  }

  // column lineage (metadata and lineage issue)
  /**
   * The column lineage of an asset: the one recorded when its latest version committed (of code
   * version `version`, when given), else derived now from its SQL or declaration. Undefined when it has none.
   */
  async columnLineage(assetKey: string, options: { version?: string } = {}): Promise<AssetColumnLineage | undefined> {
    await loadSqlDialect();
    return readAssetColumnLineage(this.graph, this.catalog, assetKey, (key) => this.codeVersion(key), options);
  }

  /**
   * The transitive column lineage of `target` (`ASSET` or `ASSET.COLUMN`), upstream (what it derives
   * from) or downstream (what derives from it), with the transformation of each edge. An unknown
   * column is `QUARRY_BAD_ARGUMENT` listing the asset's columns; an asset whose lineage cannot be
   * derived is listed in `unavailable` with the reason, and the walk goes on without it.
   */
  async columnLineageGraph(target: string, options: { direction?: 'upstream' | 'downstream'; directOnly?: boolean } = {}): Promise<{
    asset: AssetKey;
    column: string | undefined;
    direction: 'upstream' | 'downstream';
    edges: ColumnLineageEdge[];
    unavailable: { asset: AssetKey; reason: string }[];
  }> {
    await loadSqlDialect();
    const dot = target.indexOf('.');
    const asset = this.graph.get(dot < 0 ? target : target.slice(0, dot)).key;
    const column = dot < 0 ? undefined : target.slice(dot + 1);
    const direction = options.direction ?? 'upstream';
    const unavailable: { asset: AssetKey; reason: string }[] = [];
    const cache = new Map<string, AssetColumnLineage['lineage'] | undefined>();
    const lineageOf = (key: string) => {
      if (!cache.has(key)) {
        try {
          cache.set(key, readAssetColumnLineage(this.graph, this.catalog, key, (k) => this.codeVersion(k))?.lineage);
        } catch (error) {
          cache.set(key, undefined);
          unavailable.push({ asset: key, reason: error instanceof Error ? error.message : String(error) });
        }
      }
      return cache.get(key);
    };
    if (column !== undefined) {
      const own = lineageOf(asset);
      const definition = this.graph.get(asset);
      const known = new Set([...Object.keys(own ?? {}), ...(definition.type === 'asset' && definition.schema ? schemaColumns(definition.schema).map((c) => c.name) : []), ...Object.keys(definition.columns)]);
      if (known.size > 0 && !known.has(column)) {
        throw new QuarryError('QUARRY_BAD_ARGUMENT', `Asset "${asset}" has no column "${column}"; its columns: ${[...known].join(', ')}.`);
      }
    }
    const edges = traceColumnLineage({ asset, ...(column !== undefined ? { column } : {}) }, lineageOf, this.graph.keys, { direction, ...(options.directOnly === true ? { directOnly: true } : {}) });
    return { asset, column, direction, edges, unavailable };
  }

  /**
   * Runs one read-only SELECT over every asset as a view (named by its key with `/` → `__`, e.g.
   * `raw__orders`), reading the current versions, or the versions current at `asOf` (time travel). The
   * SQL sees those views' files and nothing else; writes are `QUARRY_QUERY_READ_ONLY`. With `maskPii`
   * (what `quarry query` and the API pass unless their user may unmask), the values of PII columns
   * (declared or propagated, docs/pii.md) read as `[masked: CLASS PII]` in the views themselves, so
   * no expression reaches them. Code calling the library (asset helpers, tests) reads them as written.
   */
  async query(sql: string, options: { asOf?: string | Date; maxRows?: number; maskPii?: boolean } = {}): Promise<EngineQueryResult> {
    const views: InputRelation[] = [];
    const pii = options.maskPii !== true ? undefined : await this.projectPii();
    const engine = await this.engine();
    for (const asset of this.graph.assets()) {
      if (asset.type !== 'asset') continue;
      const records =
        options.asOf !== undefined
          ? this.catalog.materializationsAsOf(asset.key, options.asOf)
          : this.catalog.materializationHistory(asset.key, undefined, { limit: Number.MAX_SAFE_INTEGER }).filter((m) => m.current);
      const name = assetRelationName(asset.key);
      // A lost file breaks only the view that reads it: the view leaves it out, and a query using that view is refused below.
      const lost = statDamage(records.flatMap((r) => r.files.map((path) => ({ partitionKey: r.partitionKey, materializationId: r.id, path, size: null, sha256: null }))), (path) => this.store.localPath(path));
      const files = records.flatMap((r) => r.files).filter((path) => !lost.has(path));
      if (lost.size > 0) {
        const partitions = records.filter((r) => r.files.some((path) => lost.has(path))).map((r) => r.partitionKey);
        if (referencesRelation(sql, name)) {
          throw new QuarryError(
            'QUARRY_LAKE_FILE_MISSING',
            `The query reads ${name}, but lake files of ${asset.key} partition${partitions.length === 1 ? '' : 's'} ${partitions.slice(0, 5).map((p) => JSON.stringify(p)).join(', ')}${partitions.length > 5 ? ` and ${partitions.length - 5} more` : ''} are missing (first: ${this.store.localPath([...lost.keys()][0]!) ?? this.store.uri([...lost.keys()][0]!)}). Run \`quarry verify --repair\`, then \`quarry materialize ${asset.key}\` to write them again.`,
            { details: { assetKey: asset.key, partitions, files: [...lost.keys()] } },
          );
        }
      }
      if (options.asOf !== undefined && referencesRelation(sql, name)) this.#assertAsOfReadable(asset.key, records, options.asOf);
      const columns = asset.schema ? engineColumnsFromSchema(asset.schema, engine.dialect ?? 'duckdb') : [];
      if (files.length === 0 && columns.length === 0) continue;
      const fileColumns = new Set(records.flatMap((r) => (schemaColumnsOf(r.outputSchema) ?? []).map((c) => c.name)));
      const masked = pii === undefined || files.length === 0 ? undefined : maskedViewColumns(piiColumnsFrom(pii, asset.key), [...fileColumns]);
      views.push({ name, assetKey: asset.key, files, ...(files.length === 0 ? { columns } : {}), ...(masked ? { masked } : {}) });
    }
    return engine.query(sql, { views, ...(options.maxRows !== undefined ? { maxRows: options.maxRows } : {}) });
  }

  /**
   * `--as-of` on a partition held by an engine's table (a BigQuery partition) can only read what the
   * table holds now: an older version is readable when its data equals the current version's, and
   * refused (`QUARRY_AS_OF_UNAVAILABLE`, naming the partitions and the earliest time that works) when not.
   */
  #assertAsOfReadable(assetKey: AssetKey, records: readonly MaterializationRecord[], asOf: string | Date): void {
    const stale = records.filter((r) => !r.current && r.files.some((f) => !isLakeFile(f)) && this.catalog.currentMaterialization(assetKey, r.partitionKey)?.dataVersion !== r.dataVersion);
    if (stale.length === 0) return;
    const since = stale.map((r) => this.catalog.currentMaterialization(assetKey, r.partitionKey)?.createdAt).filter((d): d is Date => d !== undefined).sort((a, b) => b.getTime() - a.getTime())[0];
    const keys = stale.map((r) => JSON.stringify(r.partitionKey));
    throw new QuarryError(
      'QUARRY_AS_OF_UNAVAILABLE',
      `--as-of ${asOf instanceof Date ? asOf.toISOString() : asOf} asks for older data of "${assetKey}" partition${keys.length === 1 ? '' : 's'} ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ` and ${keys.length - 5} more` : ''} than its table holds (${stale[0]!.files.find((f) => !isLakeFile(f))}): BigQuery keeps only each partition's current version. ` +
        `Ask for a time at or after ${since?.toISOString() ?? 'the current version'}, or read history from an asset that keeps it (an SCD2 history such as core/creator_history).`,
      { details: { assetKey, partitions: stale.map((r) => r.partitionKey) } },
    );
  }

  /**
   * Removes lake files no kept version references (orphans of killed runs), versions superseded
   * more than `retentionDays` ago (with their check results and lineage), the step progress events
   * and log files of runs that finished before then, alerts older than that (but the newest of each
   * incident and any still being delivered), and gives the catalog's freed space back to the disk.
   * Files of runs still running are kept.
   */
  async vacuum(options: { dryRun?: boolean; retentionDays?: number; graceMinutes?: number } = {}): Promise<{
    removedFiles: string[];
    removedVersions: number;
    bytes: number;
    prunedEvents: number;
    /** Alerts older than the retention whose incident has a newer alert and whose deliveries are done. */
    prunedAlerts: number;
    /** Run log files (`<home>/logs/<run id>.jsonl`) of runs that finished before the retention, and their bytes. */
    prunedLogs: { files: number; bytes: number };
    catalog?: { bytesBefore: number; bytesAfter: number };
    /** What the target's engine dropped (staging and input tables), when it has its own leftovers to vacuum. */
    engineDropped?: string[];
  }> {
    // Re-checked here, not only at open: vacuum is the one command that deletes lake files.
    if (this.localStore !== undefined) assertLakeMatchesCatalog(this.catalog, this.localStore.root);
    const retentionDays = options.retentionDays ?? this.project.storage.retentionDays ?? 30;
    const expiry = new Date(Date.now() - retentionDays * 86_400_000);
    // A dry run asks the catalog what retention would delete, so it lists what the real run removes.
    const retention = this.catalog.deleteMaterializationsOlderThan(expiry, { dryRun: options.dryRun === true });
    const prunedEvents = this.catalog.pruneRunEvents(expiry, { dryRun: options.dryRun === true });
    const prunedAlerts = this.catalog.pruneAlerts(expiry, { dryRun: options.dryRun === true });
    const prunedLogs = pruneRunLogs(this.home, expiry, (runId) => this.catalog.getRun(runId)?.finishedAt, { dryRun: options.dryRun === true });
    const removedVersions = retention.deletedCount;
    const candidates: { path: string; modifiedAt: Date; size: number }[] = [];
    for await (const entry of this.store.list('')) {
      if (entry.path !== LAKE_MARKER_FILE) candidates.push(entry);
    }
    // Whether a file is referenced, or its run still live, is decided per file at the moment of its
    // removal, in a catalog write transaction: a backfill that starts or commits while this walk runs
    // keeps every file it can reference.
    const sizes = new Map(candidates.map((c) => [c.path, c.size]));
    const remote: string[] = [];
    const removedFiles = this.catalog.removeUnreferencedFiles(candidates, {
      runIdOf: runIdOfFile,
      graceCutoff: new Date(Date.now() - (options.graceMinutes ?? 60) * 60_000),
      ...(options.dryRun ? { treatAsUnreferenced: new Set(retention.unreferencedFiles) } : { remove: (path: string) => this.#removeLakeObject(path, remote) }),
    });
    // A bucket's objects go after the transaction (deletes are requests): their names are of dead runs' versions, which nothing commits again.
    for (const path of remote) await this.store.delete(path);
    let bytes = removedFiles.reduce((n, path) => n + (sizes.get(path) ?? 0), 0);
    const live = this.catalog
      .listRuns({ status: 'running', limit: 10_000 })
      .filter((r) => r.pid !== null && (r.host !== hostname() || isAlive(r.pid)));
    // Half-written files of killed processes; while a run is live, only old ones (it may be writing).
    // A dry run lists them too: it shows exactly what the real run would remove.
    const cutoff = live.length === 0 ? new Date() : new Date(Date.now() - 3_600_000);
    // A run that started after `live` was read may be writing one right now: ask again per file.
    // Temporary files exist only in a local lake (a bucket's uploads are atomic).
    const swept = this.localStore === undefined ? { removed: [], bytes: 0 } : await this.localStore.sweepTemporary(cutoff, {
      dryRun: options.dryRun === true,
      keep: (path) => {
        const runId = runIdOfTemporaryFile(path);
        const run = runId === undefined ? undefined : this.catalog.getRun(runId);
        return run !== undefined && (run.status === 'running' || run.status === 'queued') && (run.pid === null || run.host !== hostname() || isAlive(run.pid));
      },
    });
    removedFiles.push(...swept.removed);
    bytes += swept.bytes;
    // The engine's own leftovers (BigQuery staging and input tables of killed runs), except those of live runs.
    const engineVacuum = await this.#vacuumEngine(options.dryRun === true);
    if (options.dryRun) return { removedFiles, removedVersions, bytes, prunedEvents, prunedAlerts, prunedLogs, ...engineVacuum };
    return { removedFiles, removedVersions, bytes, prunedEvents, prunedAlerts, prunedLogs, ...engineVacuum, catalog: this.catalog.compact() };
  }

  /** Asks the target's engine to drop its leftovers, keeping the staging of live runs (named by their run ids). */
  async #vacuumEngine(dryRun: boolean): Promise<{ engineDropped?: string[] }> {
    const engine = await this.engine();
    if (engine.vacuum === undefined) return {};
    const keep = new Set(
      this.catalog
        .listRuns({ status: 'running', limit: 10_000 })
        .filter((r) => r.pid === null || r.host !== hostname() || isAlive(r.pid))
        .map((r) => r.id),
    );
    const report = await engine.vacuum({ keep, dryRun });
    return { engineDropped: [...report.dropped] };
  }

  #removeLakeObject(path: string, remote: string[]): void {
    const local = this.store.localPath(path);
    if (local !== undefined) removeLakeFile(local);
    else remote.push(path);
  }

  /**
   * Checks the lake files of the current versions against what the catalog recorded at commit: each
   * file must exist with its size, and (unless `quick`) hash to its SHA-256, which reads it whole.
   * Versions committed before sizes and checksums were recorded are counted as `unverified`. With
   * `repair`, the damaged partitions' versions are marked lost, so the next plan re-materializes them
   * (reason `missing`, detail `file lost` / `file changed`).
   */
  async verify(options: { selection?: string; quick?: boolean; repair?: boolean } = {}): Promise<VerifyReport> {
    const keys = resolveSelection(this.graph, options.selection).filter((k) => this.graph.get(k).type === 'asset');
    // An unmounted cold store is not lost data: repairing would mark every cold version lost (storage tiers).
    const coldRoot = this.localStore instanceof TieredObjectStore ? this.localStore.cold?.root : undefined;
    const coldFiles = this.catalog.storageTierSummary().filter((t) => t.store === 'cold').reduce((n, t) => n + t.files, 0);
    if (coldFiles > 0 && (coldRoot === undefined || !existsSync(coldRoot))) {
      throw new QuarryError('QUARRY_COLD_STORE_MISSING', `The catalog records ${coldFiles} file${coldFiles === 1 ? '' : 's'} in the cold store, but ${coldRoot === undefined ? 'the project configures no storage.coldStore' : `its folder ${coldRoot} is missing`}: mount or restore it (or fix storage.coldStore) before verifying.`);
    }
    const assets: VerifyReport['assets'][number][] = [];
    const lostItems: { assetKey: string; partitionKey: string; materializationId: number; detail: string }[] = [];
    for (const key of keys) {
      const files = this.catalog.currentFiles(key);
      const damaged: VerifyProblem[] = [];
      let unverified = 0;
      // Engine locators (`bigquery:…`) are tables the engine keeps, not lake files: nothing to stat or hash.
      const damage = await objectDamage(files, this.store);
      for (const file of files) {
        if (!isLakeFile(file.path)) continue;
        let problem = damage.get(file.path);
        if (problem === undefined && file.size === null) unverified += 1;
        if (problem === undefined && options.quick !== true) {
          if (file.sha256 === null) {
            if (file.size !== null) unverified += 1;
          } else if ((await checksumObject(this.store, file.path))?.sha256 !== file.sha256) problem = 'file changed';
        }
        if (problem !== undefined) damaged.push({ partitionKey: file.partitionKey, materializationId: file.materializationId, path: file.path, problem });
      }
      const lost = this.catalog.lostPartitions(key);
      assets.push({ assetKey: key, files: files.length, unverified, damaged, lost: lost.map((l) => ({ partitionKey: l.partitionKey, detail: l.detail })) });
      for (const d of damaged) lostItems.push({ assetKey: key, partitionKey: d.partitionKey, materializationId: d.materializationId, detail: d.problem });
    }
    const repaired = options.repair === true ? this.catalog.markVersionsLost(lostItems) : 0;
    return { assets, damaged: lostItems.length, repaired };
  }

  /** Writes the lake's marker naming this catalog, if the lake has none yet (`quarry init`; runs do it on start). */
  bindLake(): void {
    if (this.localStore !== undefined) ensureLakeMarker(this.localStore.root, this.catalog);
  }

  /** Cancels this process's runs and closes the engine and catalog. */
  async close(): Promise<void> {
    for (const handle of this.#runs.values()) handle.cancel('instance closed');
    await Promise.allSettled([...this.#runs.values()].map((h) => h.done));
    await this.alerts.idle();
    await this.openLineage?.flush();
    const engines = [this.#engine, this.#duckdb].filter((e) => e !== undefined);
    for (const settled of await Promise.allSettled(engines)) if (settled.status === 'fulfilled') await settled.value.engine.close();
    for (const log of this.#runLogs.values()) log.close();
    await this.#tracing.flush();
    this.catalog.close();
  }

  /** The data dictionary: assets with their definitions, owners, update frequency and freshness, and the glossary (see docs/data-dictionary.md). */
  dataDictionary(): DataDictionary {
    return buildDataDictionary({ project: this.project, graph: this.graph, catalog: this.catalog, partitionsContext: () => this.partitionsContext(), ...(this.#now ? { now: this.#now } : {}) });
  }

  // metadata: schema evolution and PII (issue 16)
  /**
   * Column lineage PII propagation follows first (tests, embedders); otherwise the instance's
   * SQL-derived or declared lineage (`columnLineage`), completed by what the asset declares.
   */
  columnLineageProvider: ColumnLineageOf | undefined;

  async #lineageForPii(key: AssetKey): Promise<ColumnLineage | undefined> {
    if (this.columnLineageProvider !== undefined) {
      const provided = await this.columnLineageProvider(key);
      if (provided !== undefined) return provided;
    }
    const declared = declaredColumnLineage(this.graph.get(key));
    let derived: ColumnLineage | undefined;
    try {
      derived = (await this.columnLineage(key))?.lineage;
    } catch {
      // SQL that cannot be parsed gives no derived lineage: declared lineage still counts.
      return declared;
    }
    if (derived === undefined) return declared;
    return { ...(declared ?? {}), ...derived };
  }

  /** Every column's PII classification (declared, or propagated along column lineage) and the lineage used. */
  projectPii(): Promise<ProjectPii> {
    return classifyProjectPii(this.graph, (key) => this.#lineageForPii(key));
  }

  /** The PII columns of one asset, declared or propagated: column → class (what masking hides). */
  async piiColumns(assetKey: string): Promise<PiiColumns> {
    const key = this.graph.get(assetKey).key;
    return piiColumnsFrom(await this.projectPii(), key);
  }

  /** Every PII column of the project with where it comes from and flows to (`quarry pii`). */
  async piiReport(): Promise<PiiColumnReport[]> {
    return piiReport(this.graph, await this.projectPii());
  }

  /**
   * The schema history of an asset, oldest first: each schema its versions were written with, the
   * version (materialization id) and run that first wrote it, and the changes from the one before.
   * An asset last written before the history was kept shows its newest version's schema alone.
   */
  schemaHistory(assetKey: string): SchemaHistoryEntry[] {
    const key = this.graph.get(assetKey).key;
    const recorded = this.catalog.listSchemaVersions(key);
    if (recorded.length > 0) {
      return recorded.map((r) => ({
        materializationId: r.materializationId,
        runId: r.runId,
        partitionKey: r.partitionKey,
        recordedAt: r.createdAt,
        columns: schemaColumnsOf(r.columns) ?? [],
        changes: (Array.isArray(r.changes) ? r.changes : []) as unknown as SchemaChange[],
      }));
    }
    const newest = this.catalog.materializationHistory(key, undefined, { limit: 1 })[0];
    const columns = lastRecordedSchema(this.catalog, key)?.columns;
    if (newest === undefined || columns === undefined) return [];
    return [{ materializationId: newest.id, runId: newest.runId, partitionKey: newest.partitionKey, recordedAt: newest.createdAt, columns, changes: [] }];
  }

  /** Summaries of every asset, in topological order. */
  listAssets(): AssetSummary[] {
    return this.graph.assets().map((a) => this.#summarize(a));
  }

  /** The summary of one asset; `QUARRY_UNKNOWN_ASSET` when unknown. */
  asset(key: string): AssetSummary {
    return this.#summarize(this.graph.get(key));
  }

  /** The partitions definition of an asset, or undefined when unpartitioned. */
  partitionsOf(key: AssetKey): PartitionsDefinition | undefined {
    return this.graph.get(key).partitions;
  }

  /**
   * Partition keys of an asset, optionally within an inclusive key range, paged by offset/limit.
   * Unknown keys and reversed ranges are `QuarryError`s naming the value.
   */
  partitionKeys(key: string, options: { from?: string; to?: string; offset?: number; limit?: number } = {}): { total: number; offset: number; keys: string[] } {
    const definition = this.partitionsOf(this.graph.get(key).key);
    if (definition === undefined) {
      if (options.from !== undefined || options.to !== undefined) {
        throw new QuarryError('QUARRY_BAD_ARGUMENT', `Asset "${key}" is not partitioned, so --from/--to do not apply.`);
      }
      return { total: 1, offset: 0, keys: [''] };
    }
    const ctx = this.partitionsContext();
    const size = definition.size(ctx);
    const from = options.from ?? (size > 0 ? definition.keyAt(0, ctx) : undefined);
    const to = options.to ?? (size > 0 ? definition.keyAt(size - 1, ctx) : undefined);
    if (from === undefined || to === undefined) return { total: 0, offset: 0, keys: [] };
    // A range of other keys (a day range over an hourly or static asset, even a one-day one) as plan reads it; the asset's own keys stay exact.
    const subset =
      options.from !== undefined && options.to !== undefined && !(definition.isValidKey(from, ctx) && definition.isValidKey(to, ctx))
        ? resolvePartitionTargets(this.graph, [this.graph.get(key).key], { from, to }, ctx).get(this.graph.get(key).key)!
        : definition.range(from, to, ctx);
    const total = subset.count;
    const offset = Math.max(0, options.offset ?? 0);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const keys: string[] = [];
    // Skip whole ranges to the offset: a page deep into ten million partitions costs its own size only.
    let skip = offset;
    for (const [start, end] of subset.ranges()) {
      if (keys.length >= limit) break;
      if (skip >= end - start) {
        skip -= end - start;
        continue;
      }
      for (let i = start + skip; i < end && keys.length < limit; i++) keys.push(definition.keyAt(i, ctx));
      skip = 0;
    }
    return { total, offset, keys };
  }

  #summarize(asset: AnyAssetDefinition): AssetSummary {
    const ctx = this.partitionsContext();
    const p = asset.partitions;
    const count = p?.size(ctx) ?? 1;
    const docs = asset.columns;
    const declared = asset.type === 'asset' && asset.schema ? schemaColumns(asset.schema) : [];
    const columns = declared.map((c) => ({
      name: c.name,
      type: c.type,
      nullable: c.nullable,
      ...(docs[c.name]?.description !== undefined ? { description: docs[c.name]!.description! } : {}),
      pii: docs[c.name]?.pii ?? 'none',
    }));
    for (const [name, doc] of Object.entries(docs)) {
      if (!declared.some((c) => c.name === name)) {
        columns.push({ name, type: 'json', nullable: true, ...(doc.description !== undefined ? { description: doc.description } : {}), pii: doc.pii ?? 'none' });
      }
    }
    return {
      key: asset.key,
      type: asset.type,
      description: asset.description,
      group: asset.group,
      owners: asset.owners,
      tags: asset.tags,
      deps:
        asset.type === 'asset'
          ? Object.entries(asset.deps).map(([name, d]) => ({ name, asset: d.asset.key, mapping: d.mapping?.id ?? 'default' }))
          : [],
      partitions:
        p === undefined
          ? undefined
          : {
              kind: p.kind,
              id: p.id,
              count,
              ...(count > 0 ? { firstKey: p.keyAt(0, ctx), lastKey: p.keyAt(count - 1, ctx) } : {}),
            },
      columns,
      checks: asset.type === 'asset' ? asset.checks.map((c) => ({ name: c.name, kind: c.kind })) : [],
      kind: asset.type === 'source' ? 'source' : asset.sql !== undefined ? 'sql' : 'compute',
    };
  }
}

/** The most partition keys `Instance.lineage` lists per edge (the count is always exact). */
export const LINEAGE_KEY_LIMIT = 1000;

/** One schema in an asset's history (`Instance.schemaHistory`). */
export interface SchemaHistoryEntry {
  /** The version (materialization id) that first had this schema. */
  readonly materializationId: number | null;
  readonly runId: string | null;
  readonly partitionKey: string;
  readonly recordedAt: Date;
  readonly columns: readonly RecordedColumn[];
  /** The changes from the schema before (none for the first). */
  readonly changes: readonly SchemaChange[];
}

/** Loads the project at `config.projectDir` (or uses `config.project`) and opens its instance. */
export async function openInstance(config: InstanceConfig = {}): Promise<Instance> {
  const options = {
    ...(config.now ? { now: config.now } : {}),
    ...(config.quarryHome !== undefined ? { quarryHome: config.quarryHome } : {}),
    ...(config.clock !== undefined ? { clock: config.clock } : {}),
    ...(config.columnLineageOf !== undefined ? { columnLineageOf: config.columnLineageOf } : {}),
    ...(config.lineageEnv !== undefined ? { lineageEnv: config.lineageEnv } : {}),
    tracing: config.tracing ?? (await createTracing()),
    ...(config.logLevel !== undefined ? { logLevel: config.logLevel } : {}),
    ...(config.secrets !== undefined ? { secrets: config.secrets } : {}),
    ...(config.env !== undefined ? { env: config.env } : {}),
    ...(config.engine !== undefined ? { engine: config.engine } : {}),
  };
  // The target is resolved before the instance opens its catalog; a bucket store is built here (asynchronously, by dynamic import).
  const open = async (projectDir: string, project: ProjectDefinition): Promise<Instance> => {
    const target = resolveProjectTarget(project, config.target, config.env ?? process.env);
    const store = target.definition.store.kind === 'gcs' ? await createGcsStore(target.definition.store, config.env ?? process.env) : undefined;
    return new Instance(projectDir, project, { ...options, target, ...(store !== undefined ? { store } : {}) });
  };
  const instance = config.project ? await open(config.projectDir ?? process.cwd(), config.project) : await (async () => {
    const loaded = await loadProject(config.projectDir ?? process.cwd());
    return open(loaded.projectDir, loaded.project);
  })();
  if (config.columnLineage !== undefined) instance.columnLineageProvider = config.columnLineage;
  return instance;
}

/** A stored check result back in the checks layer's shape (the full result rides in its metadata). */
function checkResultOf(record: CheckResultRecord): CheckResult {
  const m = record.metadata as Record<string, unknown>;
  return {
    assetKey: record.assetKey,
    partitionKey: record.partitionKey,
    checkName: record.checkName,
    kind: String(m.kind ?? 'custom_sql'),
    dimension: (m.dimension ?? 'validity') as CheckResult['dimension'],
    severity: record.severity as CheckResult['severity'],
    blocking: m.blocking === true,
    status: (m.status ?? (record.passed ? 'passed' : 'failed')) as CheckResult['status'],
    passed: record.passed,
    unit: (m.unit ?? 'rows') as CheckResult['unit'],
    observedValue: typeof record.observedValue === 'number' ? record.observedValue : null,
    threshold: typeof record.threshold === 'string' ? record.threshold : JSON.stringify(record.threshold),
    failingCount: record.failingCount,
    totalCount: typeof m.totalCount === 'number' ? m.totalCount : null,
    failingRatio: typeof m.failingRatio === 'number' ? m.failingRatio : null,
    sample: (record.sampleRows ?? []) as CheckResult['sample'],
    message: record.message ?? '',
    durationMs: typeof m.durationMs === 'number' ? m.durationMs : 0,
    evaluatedAt: record.createdAt.toISOString(),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function toCatalogEvent(event: ExecutionEvent): NewEvent {
  const stepId = 'stepId' in event ? event.stepId : null;
  const time = new Date(event.time);
  switch (event.type) {
    case 'log':
      return { runId: event.runId, stepId, timestamp: time, level: event.level, type: 'log', message: event.message, data: (event.data ?? null) as JsonValue };
    case 'step_failed':
      return { runId: event.runId, stepId, timestamp: time, level: 'error', type: event.type, message: `${event.assetKey} [${event.partition}] failed: ${event.error.message}`, data: { attempt: event.attempt, error: event.error as unknown as JsonValue } };
    case 'step_retrying':
      return {
        runId: event.runId,
        stepId,
        timestamp: time,
        level: 'warn',
        type: event.type,
        message:
          event.reason === 'lease_held'
            ? `${event.assetKey} [${event.partition}] waiting ${formatRunDuration(event.waitMs)} for a lease: ${event.error.message}`
            : `${event.assetKey} [${event.partition}] retrying in ${formatRunDuration(event.waitMs)} (attempt ${event.nextTry} of ${event.maxTries}): ${event.error.message}`,
        data: { attempt: event.attempt, waitMs: event.waitMs, reason: event.reason, nextTry: event.nextTry, maxTries: event.maxTries },
      };
    case 'step_blocked':
      return { runId: event.runId, stepId, timestamp: time, level: 'warn', type: event.type, message: `${event.assetKey} [${event.partition}] blocked: ${event.message}`, data: null };
    case 'step_skipped':
      return { runId: event.runId, stepId, timestamp: time, level: 'warn', type: event.type, message: `${event.assetKey} [${event.partition}] skipped: ${event.reason}${event.upstreamStepId ? ` (${event.upstreamStepId})` : ''}`, data: { reason: event.reason, upstreamStepId: event.upstreamStepId ?? null } };
    case 'step_started':
      return { runId: event.runId, stepId, timestamp: time, level: 'info', type: event.type, message: `${event.assetKey} [${event.partition}] started (attempt ${event.attempt})`, data: { attempt: event.attempt } };
    case 'step_succeeded':
      return { runId: event.runId, stepId, timestamp: time, level: 'info', type: event.type, message: `${event.assetKey} [${event.partition}] succeeded in ${event.durationMs} ms`, data: { durationMs: event.durationMs, ...((event.metadata ?? {}) as Record<string, JsonValue>) } };
    case 'step_cancelled':
      return { runId: event.runId, stepId, timestamp: time, level: 'warn', type: event.type, message: `${event.assetKey} [${event.partition}] cancelled`, data: null };
    case 'run_started':
      return { runId: event.runId, timestamp: time, level: 'info', type: 'run_started', message: `run started: ${event.totalSteps} steps (${event.fromCheckpoint} done before), concurrency ${event.concurrency}`, data: { totalSteps: event.totalSteps, fromCheckpoint: event.fromCheckpoint } };
    case 'run_finished':
      return { runId: event.runId, timestamp: time, level: event.status === 'succeeded' ? 'info' : 'error', type: `run_${event.status === 'partially_failed' ? 'failed' : event.status}`, message: `run ${event.status} in ${event.durationMs} ms`, data: { status: event.status, counts: event.counts as unknown as JsonValue } };
  }
}

function stepUpdate(event: Extract<ExecutionEvent, { stepId: string }>): import('../catalog/index.ts').StepUpsert {
  const base = { runId: event.runId, stepId: event.stepId, assetKey: event.assetKey };
  const time = new Date(event.time);
  switch (event.type) {
    case 'step_started':
      return { ...base, status: 'running', attempt: event.attempt, startedAt: time, finishedAt: null, error: null };
    case 'step_succeeded':
      return { ...base, status: 'succeeded', attempt: event.attempt, finishedAt: time, timings: { totalMs: event.durationMs } };
    case 'step_failed':
      return { ...base, status: 'failed', attempt: event.attempt, finishedAt: time, error: event.error.message };
    case 'step_retrying':
      return { ...base, status: 'pending', attempt: event.attempt, error: event.error.message };
    case 'step_blocked':
      return { ...base, status: 'failed', attempt: event.attempt, finishedAt: time, reason: 'blocked_by_check', error: event.message };
    case 'step_skipped':
      return { ...base, status: 'skipped', reason: event.reason, finishedAt: time };
    case 'step_cancelled':
      return { ...base, status: 'cancelled', finishedAt: time };
    case 'log':
      return base;
  }
}

function removeLakeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

// Whether SQL names a relation as a word (`raw__orders`, or quoted): a view nobody names is never read.
function referencesRelation(sql: string, name: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_])${name.replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`)}($|[^A-Za-z0-9_])`, 'i').test(sql);
}

// The narrow columns without the given partitions: a damaged partition is judged as if it were absent.
function withoutKeys<T extends { keys: readonly string[]; codeVersions: readonly string[]; dataSeqs: ArrayLike<number>; maxInputSeqs: ArrayLike<number> }>(columns: T, drop: ReadonlyMap<string, unknown>): T | { keys: string[]; codeVersions: string[]; dataSeqs: number[]; maxInputSeqs: number[] } {
  if (drop.size === 0) return columns;
  const keep: number[] = [];
  for (let i = 0; i < columns.keys.length; i++) if (!drop.has(columns.keys[i]!)) keep.push(i);
  return {
    keys: keep.map((i) => columns.keys[i]!),
    codeVersions: keep.map((i) => columns.codeVersions[i]!),
    dataSeqs: keep.map((i) => columns.dataSeqs[i]!),
    maxInputSeqs: keep.map((i) => columns.maxInputSeqs[i]!),
  };
}

/** One damaged file `Instance.verify` found. */
export interface VerifyProblem {
  readonly partitionKey: string;
  readonly materializationId: number;
  readonly path: string;
  readonly problem: FileDamage;
}

/** What `Instance.verify` found, per asset. */
export interface VerifyReport {
  readonly assets: readonly {
    readonly assetKey: AssetKey;
    /** Files of current versions checked. */
    readonly files: number;
    /** Files whose size or checksum was not recorded (committed before Quarry recorded them). */
    readonly unverified: number;
    readonly damaged: readonly VerifyProblem[];
    /** Partitions already marked lost by an earlier repair and not materialized since. */
    readonly lost: readonly { readonly partitionKey: string; readonly detail: string }[];
  }[];
  /** Damaged files found. */
  readonly damaged: number;
  /** Versions marked lost by `repair`. */
  readonly repaired: number;
}

/** The file filter that selects no partition: `damagedPartitions` then skips reading the current files. */
const NO_PARTITION = (): boolean => false;

/** Up to this many target partitions, `damagedPartitions` looks their files up by key. */
const FILE_LOOKUP_LIMIT = 10_000;
