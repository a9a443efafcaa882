import type { AssetDefinition, AssetKey, PartitionScope, SchemaChangePolicy } from '../definitions/index.ts';
import type { Catalog, LeaseOwner, LineageSource, MaterializationRecord } from '../catalog/index.ts';
import { isLakeFile, type ColumnSchema, type DryRunEstimate, type Engine, type EngineDialect, type EngineJob, type InputRelation, type MaterializeRequest, type RangeSplit } from '../engines/index.ts';
import { createHash } from 'node:crypto';
import { QuarryError } from '../errors.ts';
import type { StepLogger, StepOutcome, StepRunner } from '../execution/index.ts';
import type { AssetGraph } from '../graph/index.ts';
import { PartitionSubset, type PartitionsContext, type PartitionsDefinition } from '../partitions/index.ts';
import type { PlanStep } from '../planner/index.ts';
import { inputFingerprint, resolvedDependencies, upstreamSubset, type DependencyInputs } from '../versioning/index.ts';
import { hostname } from 'node:os';
import { diskFullError, isProcessAlive } from '../catalog/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import { checksumObjects, statDamage } from './lake-integrity.ts';
import { engineColumnsFromSchema } from './engine-columns.ts';
import { partitionFilePath } from './lake-paths.ts';
import { auditPartition, toCatalogCheckResult } from './partition-audit.ts';
import type { AlertRaiser } from '../observability/alerts/index.ts';
import { recordAssetColumnLineage } from './column-lineage-recorder.ts';
import { loadSqlDialect } from '../dialect/index.ts';
import { judgeSchema, recordWrittenSchema, refusedSchemaMessage } from './schema-guard.ts';
import { ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { inSpan, SPAN_NAMES, startSpan, TRACING_OFF, type Tracing } from '../observability/index.ts';
import type { CheckResult } from '../checks/index.ts';

/** What the step runner needs: the project's graph and the instance's catalog and engine. */
export interface StepRunnerConfig {
  readonly graph: AssetGraph;
  readonly catalog: Catalog;
  /** The target's engine: every asset runs on it unless it pins another or is a compute asset it cannot run. */
  readonly engine: Engine;
  /**
   * The DuckDB engine beside a target engine without `capabilities.compute` (BigQuery): compute assets
   * and assets pinned `engine: 'duckdb'` run on it. Without it, such assets fail with a clear error.
   */
  readonly duckDbEngine?: () => Promise<Engine>;
  readonly projectDir: string;
  readonly runId: string;
  readonly owner: LeaseOwner;
  readonly ctx: PartitionsContext;
  readonly codeVersion: (key: AssetKey) => string;
  /** Re-materialize even when inputs and code are unchanged. */
  readonly force: boolean;
  /** How long a partition lease lasts before another process may take it over (default 10 minutes). */
  readonly leaseTtlMs?: number;
  /** The lake: written files are checksummed for the catalog, and a current version whose file is gone is not "up to date". */
  readonly store?: ObjectStore;
  /** Writes check results and versions together with the alerts they raise (the outbox); without it, no alerts. */
  readonly alerts?: AlertRaiser;
  /** The project's schema change policy, for assets that declare none (default `allow`). */
  readonly schemaChanges?: SchemaChangePolicy;
  /** Where partition, engine query, check and catalog commit spans go (default: off). */
  readonly tracing?: Tracing;
}

/** A step runner that takes the step's span as the parent of the spans it makes. */
export type TracedStepRunner = (step: PlanStep, attempt: number, signal: AbortSignal, log: StepLogger, parent?: Span) => Promise<StepOutcome>;

/** What a dry run of one step says (`quarry plan` cost estimates). */
export interface StepEstimate {
  readonly stepId: string;
  readonly assetKey: string;
  /** The engine the step would run on. */
  readonly engine: string;
  /** Bytes the step would process; undefined when the engine cannot estimate it (see `note`). */
  readonly bytesProcessed: number | undefined;
  /** Why there is no estimate: the engine has no dry run, or an upstream is not written yet. */
  readonly note?: string;
}

/** The step runner with the engine routing and dry runs the instance's plan uses. */
export interface EngineStepRunner extends StepRunner, TracedStepRunner {
  /** The engine `asset` runs on: its `engine` pin, else the target's, except compute assets on an engine without compute (DuckDB then). */
  engineFor(asset: AssetDefinition): Promise<Engine>;
  /** Dry-runs `step` on its engine (nothing is written, no lease is taken). */
  estimate(step: PlanStep, signal?: AbortSignal): Promise<StepEstimate>;
}

/** What a partition reads and whether its current version already reflects that (see `resolvePartition`). */
interface ResolvedPartition {
  readonly key: string;
  readonly index: number;
  /** Its upstream relations: views over exactly the files of the upstream partitions it reads. */
  readonly inputs: InputRelation[];
  readonly fingerprint: string;
  readonly inputSeqs: Record<string, number>;
  readonly lineage: LineageSource[];
  readonly sourceVersion: string | undefined;
  readonly codeVersion: string;
  /** Same code and inputs as the current version (whose files are intact): nothing to write. */
  readonly upToDate: boolean;
  readonly currentId: number | undefined;
}

/** What one partition's materialization did. */
interface PartitionOutcome {
  readonly partition: string;
  readonly upToDate: boolean;
  readonly rowCount?: number;
  readonly dataVersion?: string;
  readonly dataChanged?: boolean;
  /** Set when a blocking check failed and the version was not published. */
  readonly blocked?: string;
}

/**
 * Creates the function the executor calls for each step: for each partition of the step it takes the
 * partition's lease, reads the upstream partitions its mappings select (as views over exactly their
 * files), skips the work when code and inputs are unchanged since the current version (early cut-off,
 * and what makes an overlapping second backfill a no-op), otherwise materializes through the engine
 * and commits the new version with its lineage in one catalog transaction.
 */
export function createStepRunner(config: StepRunnerConfig): EngineStepRunner {
  const { graph, catalog, ctx } = config;

  // ---- engine routing (targets): which engine runs an asset, and inputs another engine owns
  const engineFor = async (asset: AssetDefinition): Promise<Engine> => {
    const target = config.engine;
    const pin = asset.engine;
    const onDuckDb = async (why: string): Promise<Engine> => {
      if (target.name === 'duckdb') return target;
      if (config.duckDbEngine === undefined) {
        throw new QuarryError('QUARRY_ENGINE_ERROR', `Asset "${asset.key}" ${why}, but this run has no DuckDB engine beside ${target.name}.`);
      }
      return config.duckDbEngine();
    };
    if (pin !== undefined && pin !== target.name) {
      if (pin === 'duckdb') return onDuckDb("is pinned to engine: 'duckdb'");
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Asset "${asset.key}" is pinned to engine: '${pin}', but the target runs on ${target.name}: run it with --target naming a ${pin} target, or remove the pin.`);
    }
    if (pin === undefined && asset.compute !== undefined && target.capabilities.compute === false) return onDuckDb(`is a compute asset, which ${target.name} cannot run`);
    return target;
  };
  const enginesInUse = async (): Promise<Engine[]> => {
    const engines = [config.engine];
    if (config.engine.name !== 'duckdb' && config.duckDbEngine !== undefined) engines.push(await config.duckDbEngine());
    return engines;
  };
  // Locators one engine owns that another reads are exported to the lake once per run (same files, same export).
  const exports = new Map<string, Promise<string[]>>();
  const bridgeInputs = async (engine: Engine, inputs: readonly InputRelation[], signal: AbortSignal): Promise<InputRelation[]> => {
    const bridged: InputRelation[] = [];
    for (const input of inputs) {
      // Lake files every engine reads (BigQuery loads them itself); an engine's own locators it reads as they are.
      const foreign = input.files.filter((f) => !isLakeFile(f) && engine.ownsLocator?.(f) !== true);
      if (foreign.length === 0) {
        bridged.push(input);
        continue;
      }
      const owners = await enginesInUse();
      const byOwner = new Map<Engine, string[]>();
      for (const file of foreign) {
        const owner = owners.find((e) => e !== engine && e.ownsLocator?.(file) === true);
        if (owner === undefined || owner.exportToStore === undefined) {
          throw new QuarryError('QUARRY_ENGINE_ERROR', `"${input.assetKey}" is read by a step on ${engine.name} from ${file}, which no engine of this target can export to the lake: materialize "${input.assetKey}" on this target first.`);
        }
        byOwner.set(owner, [...(byOwner.get(owner) ?? []), file]);
      }
      const exported: string[] = [];
      for (const [owner, files] of byOwner) {
        const sorted = [...files].sort();
        const hash = createHash('sha256').update(sorted.join('\n')).digest('hex').slice(0, 16);
        let pending = exports.get(hash);
        if (pending === undefined) {
          pending = owner.exportToStore!(sorted, `_quarry_exports/${config.runId}/${hash}/`, signal);
          exports.set(hash, pending);
          pending.catch(() => exports.delete(hash));
        }
        exported.push(...(await pending));
      }
      bridged.push({ ...input, files: [...input.files.filter((f) => !foreign.includes(f)), ...exported] });
    }
    return bridged;
  };
  const discardStaged = async (engine: Engine, files: readonly string[], log: StepLogger): Promise<void> => {
    if (engine.capabilities.stagedPublish !== true || engine.discard === undefined || files.length === 0) return;
    try {
      await engine.discard(files);
    } catch (error) {
      log.warn(`staged output ${files.join(', ')} was not dropped (quarry vacuum will): ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const checksumsOf = (files: readonly string[]) => (config.store === undefined ? Promise.resolve([]) : checksumObjects(config.store, files));
  const jobRecords = (asset: AssetDefinition, step: PlanStep, engine: Engine, keys: readonly string[], jobs: readonly EngineJob[]) =>
    jobs.map((job) => ({
      runId: config.runId,
      stepId: step.id,
      assetKey: asset.key,
      partitions: job.partitions ?? keys,
      jobId: job.jobId,
      kind: job.kind,
      engine: engine.name,
      bytesProcessed: job.bytesProcessed ?? null,
      bytesBilled: job.bytesBilled ?? null,
    }));
  const leaseTtlMs = config.leaseTtlMs ?? 600_000;
  // Check results and versions go through the alert raiser when there is one: the alerts they raise share their transaction.
  const recordChecks = (results: Parameters<Catalog['recordCheckResults']>[0]) => (config.alerts ? config.alerts.recordCheckResults(results) : catalog.recordCheckResults(results));
  // Versions commit with their engine jobs in one transaction; the alert raiser, when there is one, owns
  // it (an alert is in the outbox exactly when the version it is about is committed).
  const commitVersions = (versions: Parameters<Catalog['commitMaterializations']>[0], alongside: () => void) =>
    config.alerts
      ? config.alerts.commitMaterializations(versions, alongside)
      : catalog.atomically(() => {
          const records = catalog.commitMaterializations(versions);
          alongside();
          return records;
        });

  // Column lineage: recorded when a version commits, once per asset, code version and output columns in a run
  // (a backfill derives it once). A lineage that cannot be derived is a warning, never a failed step.
  const lineageRecorded = new Set<string>();
  const recordColumnLineage = async (asset: AssetDefinition, codeVersion: string, materializationId: number | null, columns: readonly string[], log: StepLogger) => {
    const once = `${asset.key}\0${codeVersion}\0${columns.join(',')}`;
    if (lineageRecorded.has(once)) return;
    lineageRecorded.add(once);
    try {
      if (asset.sql !== undefined) await loadSqlDialect();
      recordAssetColumnLineage(graph, catalog, asset, { codeVersion, runId: config.runId, materializationId, columns });
    } catch (error) {
      log.warn(`${asset.key}: column lineage not recorded: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const tracing = config.tracing ?? TRACING_OFF;
  const engineQuery = <T>(parent: Span | undefined, engine: Engine, asset: AssetDefinition, partitions: number, work: () => Promise<T>): Promise<T> =>
    inSpan(tracing, SPAN_NAMES.engineQuery, parent, { 'db.system': engine.name, 'quarry.asset': asset.key, 'quarry.partitions': partitions }, work);
  const commit = <T>(parent: Span | undefined, asset: AssetDefinition, partitions: number, work: () => T): Promise<T> =>
    inSpan(tracing, SPAN_NAMES.catalogCommit, parent, { 'quarry.asset': asset.key, 'quarry.partitions': partitions }, work);
  // A span per evaluated check, timed by the check's own duration (the audit evaluates them together).
  const checkSpans = (parent: Span | undefined, asset: AssetDefinition, partition: string, results: readonly CheckResult[]): void => {
    if (!tracing.enabled) return;
    for (const r of results) {
      const end = Date.parse(r.evaluatedAt);
      const endTime = Number.isFinite(end) ? end : Date.now();
      const span = tracing.tracer.startSpan(
        SPAN_NAMES.check,
        { startTime: endTime - r.durationMs, attributes: { 'quarry.asset': asset.key, 'quarry.partition': partition, 'quarry.check': r.checkName, 'quarry.check.status': r.status, 'quarry.check.severity': r.severity, 'quarry.check.blocking': r.blocking } },
        parent === undefined ? undefined : traceContext(parent),
      );
      if (r.status !== 'passed') span.setStatus({ code: 2, message: r.message });
      span.end(endTime);
    }
  };

  /** Takes the leases of `keys` of `asset` (all or none) and keeps them alive until the returned release runs. */
  const takeLeases = (asset: AssetDefinition, keys: readonly string[]): (() => void) => {
    const lease = keys.map((partition) => ({ asset: asset.key, partition }));
    const acquired = catalog.acquireLeases(config.owner, lease, leaseTtlMs);
    if (!acquired.acquired) {
      const holder = acquired.heldBy[0];
      const which = keys.length === 1 ? `Partition "${keys[0]}"` : `Partition "${holder?.partition ?? keys[0]}" (of the range "${keys[0]}".."${keys[keys.length - 1]}")`;
      throw new QuarryError(
        'QUARRY_LEASE_HELD',
        `${which} of "${asset.key}" is being written by run ${holder?.runId ?? '?'} (pid ${holder?.pid ?? '?'} on ${holder?.host ?? '?'}); waiting for it.`,
        { details: { runId: holder?.runId ?? null, pid: holder?.pid ?? null, host: holder?.host ?? null } },
      );
    }
    // A long step keeps its lease alive; a dead process stops renewing and its lease lapses.
    const renewal = setInterval(() => catalog.renewLeases(config.owner, leaseTtlMs, lease), Math.max(1_000, leaseTtlMs / 3));
    renewal.unref();
    return () => {
      clearInterval(renewal);
      catalog.releaseLeases(config.owner, lease);
    };
  };

  /**
   * What partition `key` of `asset` reads: its inputs as views over exactly the upstream partitions'
   * files, the input fingerprint, input seqs and lineage, and whether its current version is up to date.
   */
  const resolvePartition = async (asset: AssetDefinition, step: PlanStep, key: string, index: number): Promise<ResolvedPartition> => {
    const single = PartitionSubset.fromRange(index, index + 1);
    const inputs: InputRelation[] = [];
    const fingerprintInputs: DependencyInputs[] = [];
    const inputSeqs: Record<string, number> = {};
    const lineage: LineageSource[] = [];
    for (const dep of resolvedDependencies(asset)) {
      const upstreamAsset = graph.get(dep.upstream);
      const upstreamKeys = keysOf(dep.upstreamDefinition, upstreamSubset(asset, dep, single, ctx), ctx);
      if (upstreamAsset.type === 'source') {
        // Quarry does not hold a source's data (the asset reads it from outside): the source counts
        // through its recorded observations, in the fingerprint, the input seqs and the lineage.
        const observed = catalog.currentObservations(dep.upstream, upstreamKeys);
        fingerprintInputs.push({ name: dep.name, assetKey: dep.upstream, partitions: observed.map((o) => ({ key: o.partitionKey, dataVersion: o.dataVersion })) });
        inputSeqs[dep.upstream] = Math.max(inputSeqs[dep.upstream] ?? 0, ...observed.map((o) => o.seq));
        for (const o of observed) lineage.push({ assetKey: dep.upstream, partitionKey: o.partitionKey, materializationId: null, dataVersion: o.dataVersion });
        continue;
      }
      const records: MaterializationRecord[] = [];
      const absent: string[] = [];
      for (const upstreamKey of upstreamKeys) {
        const record = catalog.currentMaterialization(dep.upstream, upstreamKey);
        if (record !== undefined) records.push(record);
        else absent.push(upstreamKey);
      }
      // An upstream partition another live run is about to write: wait for it rather than commit a
      // result over incomplete inputs (overlapping backfills).
      const awaited = catalog.partitionsPendingElsewhere(dep.upstream, absent, config.runId).find((p) => p.pid !== null && (p.host !== hostname() || isProcessAlive(p.pid)));
      if (awaited !== undefined) {
        throw new QuarryError(
          'QUARRY_LEASE_HELD',
          `"${asset.key}" [${key}] reads "${dep.upstream}" [${awaited.partition}], which run ${awaited.runId} (pid ${awaited.pid}) is still writing; waiting for it.`,
          { details: { runId: awaited.runId, pid: awaited.pid, host: awaited.host } },
        );
      }
      const files = records.flatMap((r) => r.files);
      if (config.store !== undefined && files.length > 0) {
        const store = config.store;
        const lost = statDamage(records.flatMap((r) => r.files.map((path) => ({ partitionKey: r.partitionKey, materializationId: r.id, path, size: null, sha256: null }))), (p) => store.localPath(p));
        if (lost.size > 0) {
          const partitions = records.filter((r) => r.files.some((f) => lost.has(f))).map((r) => r.partitionKey);
          // The same on every try: not worth a retry's wait.
          throw Object.assign(new QuarryError('QUARRY_LAKE_FILE_MISSING', `"${asset.key}" [${key}] reads "${dep.upstream}" [${partitions.join(', ')}], whose lake file is missing (${store.localPath([...lost.keys()][0]!) ?? store.uri([...lost.keys()][0]!)}). Run \`quarry verify --repair\`, then materialize "+${asset.key}" to write the upstream partition again.`, { details: { assetKey: dep.upstream, partitions } }), { retryable: false });
        }
      }
      inputs.push({
        name: dep.name,
        assetKey: dep.upstream,
        files,
        ...(files.length === 0 ? { columns: columnsOf(upstreamAsset.type === 'asset' ? upstreamAsset : undefined, dep.upstream, catalog, dialectOf(await engineFor(asset))) } : {}),
      });
      fingerprintInputs.push({ name: dep.name, assetKey: dep.upstream, partitions: records.map((r) => ({ key: r.partitionKey, dataVersion: r.dataVersion })) });
      inputSeqs[dep.upstream] = Math.max(inputSeqs[dep.upstream] ?? 0, ...records.map((r) => r.dataSeq));
      // Two dependencies on one asset (today and the day before) may read one partition twice: one edge.
      for (const r of records) {
        if (lineage.some((l) => l.materializationId === r.id)) continue;
        lineage.push({ assetKey: dep.upstream, partitionKey: r.partitionKey, materializationId: r.id, dataVersion: r.dataVersion });
      }
    }
    const sourceVersion = asset.observe ? await observeSource(asset, key, config.projectDir) : undefined;
    const fingerprint = inputFingerprint(fingerprintInputs, sourceVersion);
    const codeVersion = config.codeVersion(asset.key);
    const current = catalog.currentMaterialization(asset.key, key);
    const upToDate = !config.force && step.reason.cause !== 'forced' && current !== undefined && current.codeVersion === codeVersion && current.inputFingerprint === fingerprint && currentIntact(current);
    return { key, index, inputs, fingerprint, inputSeqs, lineage, sourceVersion, codeVersion, upToDate, currentId: current?.id };
  };

  const materializePartition = (asset: AssetDefinition, step: PlanStep, key: string, attempt: number, signal: AbortSignal, log: StepLogger, parent: Span | undefined): Promise<PartitionOutcome> =>
    inSpan(tracing, SPAN_NAMES.partition, parent, { 'quarry.asset': asset.key, 'quarry.partition': key, 'quarry.attempt': attempt }, async (span) => {
      const outcome = await materializeOnePartition(asset, step, key, attempt, signal, log, span);
      span.setAttribute('quarry.outcome', outcome.blocked !== undefined ? 'blocked' : outcome.upToDate ? 'up_to_date' : 'written');
      if (outcome.rowCount !== undefined) span.setAttribute('quarry.rows', outcome.rowCount);
      return outcome;
    });

  const materializeOnePartition = async (asset: AssetDefinition, step: PlanStep, key: string, attempt: number, signal: AbortSignal, log: StepLogger, span: Span): Promise<PartitionOutcome> => {
    const definition = asset.partitions;
    const index = definition ? definition.indexOf(key, ctx) : 0;
    const release = takeLeases(asset, [key]);
    // What the engine staged and has not published yet: dropped when the step fails with an error.
    let staged: { engine: Engine; files: readonly string[] } | undefined;
    try {
      const { inputs: resolvedInputs, fingerprint, inputSeqs, lineage, sourceVersion, codeVersion, upToDate, currentId } = await resolvePartition(asset, step, key, index);
      if (upToDate) {
        log.info(`${asset.key} [${key}] is up to date: same code and inputs as version ${currentId}; skipped.`);
        // The latest attempt found the current version right: an earlier failed or blocked attempt no longer stands.
        catalog.clearPartitionFailures(asset.key, [key]);
        return { partition: key, upToDate: true };
      }
      const scope = scopeOf(definition, [key], index, index, ctx);
      const engine = await engineFor(asset);
      const inputs = await bridgeInputs(engine, resolvedInputs, signal);
      const output = await engineQuery(span, engine, asset, 1, () =>
        engine.materialize({
          asset,
          scope,
          inputs,
          outputPath: partitionFilePath(asset.key, key, config.runId, attempt),
          runId: config.runId,
          projectDir: config.projectDir,
          log,
          signal,
        }),
      );
      if (engine.capabilities.stagedPublish === true) staged = { engine, files: output.files };
      if (signal.aborted) throw new QuarryError('QUARRY_RUN_CANCELLED', `Run ${config.runId} was cancelled before ${asset.key} [${key}] was committed.`);
      // Write–audit–publish: a schema change the asset's policy refuses blocks like a blocking check.
      const schema = judgeSchema(catalog, asset, output.columns, asset.schemaChanges ?? config.schemaChanges ?? 'allow');
      if (schema.refused.length > 0) {
        const message = refusedSchemaMessage(schema);
        catalog.recordPartitionFailure(asset.key, key, config.runId, message, 'blocked');
        log.error(`${asset.key} [${key}] not published: ${message}; the previous version stays current.`);
        // A blocked version keeps its staging for inspection (vacuum drops it later).
        staged = undefined;
        return { partition: key, upToDate: false, blocked: message };
      }
      // Write–audit–publish: the staged version is checked before anyone can see it.
      const audit = asset.checks.length > 0 ? await auditPartition({ asset, partitionKey: key, partitionIndex: index, scope, files: output.files, engine, catalog, ctx }) : undefined;
      if (audit !== undefined) checkSpans(span, asset, key, audit.results);
      // A blocking check that could not run (the engine failed reading the staged file, bad check SQL)
      // says nothing about the data: that is an error of the step, not a failed check.
      const unevaluated = audit?.blocking.filter((r) => r.status === 'errored') ?? [];
      if (audit !== undefined && unevaluated.length > 0 && unevaluated.length === audit.blocking.length) {
        recordChecks(audit.results.map((r) => toCatalogCheckResult(r, asset.key, key, config.runId, null, output.files)));
        const names = unevaluated.map((r) => `${r.checkName} (${r.message})`).join('; ');
        throw new QuarryError(
          'QUARRY_CHECK_ERROR',
          `Asset "${asset.key}" partition "${key}": blocking check${unevaluated.length === 1 ? '' : 's'} could not be evaluated: ${names}. The new version was not published; the previous one stays current.`,
          { cause: audit.errors[0], details: { checks: unevaluated.map((r) => r.checkName) } },
        );
      }
      if (audit !== undefined && audit.blocking.length > 0) {
        recordChecks(audit.results.map((r) => toCatalogCheckResult(r, asset.key, key, config.runId, null, output.files)));
        const message = `blocking check${audit.blocking.length === 1 ? '' : 's'} failed: ${audit.blocking.map((r) => `${r.checkName} (${r.message})`).join('; ')}`;
        catalog.recordPartitionFailure(asset.key, key, config.runId, message, 'blocked');
        log.error(`${asset.key} [${key}] not published: ${message}; the previous version stays current.`);
        staged = undefined;
        return { partition: key, upToDate: false, blocked: message };
      }
      for (const r of audit?.results ?? []) {
        if (r.status !== 'passed') log.warn(`${asset.key} [${key}] check ${r.checkName} ${r.status}: ${r.message}`);
      }
      // Staged publish (BigQuery): the audited staging becomes current; the catalog commits what publish returns.
      let files = output.files;
      const jobs: EngineJob[] = [...(output.jobs ?? [])];
      if (engine.capabilities.stagedPublish === true && engine.publish !== undefined) {
        const [published] = await engine.publish({ asset, runId: config.runId, partitions: [{ key, files: output.files, ...(scope.start !== undefined && scope.end !== undefined ? { start: scope.start, end: scope.end } : {}) }], signal });
        if (published === undefined || published.key !== key) throw new QuarryError('QUARRY_ENGINE_ERROR', `${asset.key} [${key}]: ${engine.name} published no version of the partition.`);
        staged = undefined;
        files = published.files;
        jobs.push(...(published.jobs ?? []));
      }
      // Size and checksum of the lake files as written, so `quarry verify` can later tell a lost or changed file.
      const fileChecksums = await checksumsOf(files);
      const [committed] = await commit(span, asset, 1, () =>
        commitVersions([
        {
          assetKey: asset.key,
          partitionKey: key,
          runId: config.runId,
          stepId: step.id,
          files,
          rowCount: output.rowCount,
          bytes: output.bytes,
          dataVersion: output.dataVersion,
          codeVersion,
          inputFingerprint: fingerprint,
          inputSeqs,
          outputSchema: output.columns.map((c) => ({ name: c.name, type: c.type })),
          metadata: { engine: engine.name, ...(sourceVersion !== undefined ? { sourceVersion } : {}) },
          lineage,
          fileChecksums,
        },
        ], () => catalog.recordEngineJobs(jobRecords(asset, step, engine, [key], jobs))),
      );
      if (audit !== undefined) recordChecks(audit.results.map((r) => toCatalogCheckResult(r, asset.key, key, config.runId, committed!.id, files)));
      await recordColumnLineage(asset, codeVersion, committed!.id, output.columns.map((c) => c.name), log);
      recordWrittenSchema(catalog, asset.key, schema, committed!, config.runId);
      const dataChanged = committed!.dataSeq === committed!.seq;
      log.info(`${asset.key} [${key}]: ${output.rowCount} rows, data version ${output.dataVersion.slice(0, 12)}${dataChanged ? '' : ' (unchanged)'}`, {
        rowCount: output.rowCount,
        bytes: output.bytes,
      });
      return { partition: key, upToDate: false, rowCount: output.rowCount, dataVersion: output.dataVersion, dataChanged };
    } catch (caught) {
      if (staged !== undefined) await discardStaged(staged.engine, staged.files, log);
      const error = asDiskFull(caught, config.runId, lakeRootOf(config.store));
      // A lease held by another run is a wait, and a cancelled step did not fail: neither marks the partition failed.
      const notAFailure = signal.aborted || (error instanceof QuarryError && (error.code === 'QUARRY_LEASE_HELD' || error.code === 'QUARRY_RUN_CANCELLED'));
      if (!notAFailure) {
        try {
          catalog.recordPartitionFailure(asset.key, key, config.runId, error instanceof Error ? error.message : String(error));
        } catch {
          // The catalog cannot take the marker either (a full disk): the step's own error says more.
        }
      }
      throw error;
    } finally {
      release();
    }
  };

  // A current version whose file is gone is not up to date, whatever its fingerprint says.
  const currentIntact = (current: MaterializationRecord): boolean => {
    const store = config.store;
    if (store === undefined) return true;
    return statDamage(current.files.map((path) => ({ partitionKey: current.partitionKey, materializationId: current.id, path, size: null, sha256: null })), (p) => store.localPath(p)).size === 0;
  };

  /**
   * A range step: one engine execution over all of the step's partitions (the SQL sees the whole range;
   * each input is a view over the files of every upstream partition any of them reads), its output
   * split into one version per partition by the asset's `partitionColumn`, each checksummed and audited
   * on its own, then all committed in one catalog transaction. Any failure fails the whole range and
   * commits nothing; partitions whose blocking checks fail are left out of the commit (per partition).
   */
  const materializeRange = async (asset: AssetDefinition, step: PlanStep, attempt: number, signal: AbortSignal, log: StepLogger, parent: Span | undefined): Promise<StepOutcome> => {
    const definition = asset.partitions!;
    const keys = step.partitionKeys;
    // One span per partition of the range, children of the step; the one engine query and the one commit are the step's.
    const partitionSpans = new Map(keys.map((key) => [key, startSpan(tracing, SPAN_NAMES.partition, parent, { 'quarry.asset': asset.key, 'quarry.partition': key, 'quarry.attempt': attempt })] as const));
    try {
      return await materializeRangeIn(asset, step, attempt, signal, log, parent, partitionSpans);
    } finally {
      for (const span of partitionSpans.values()) span.end();
    }
  };

  const materializeRangeIn = async (asset: AssetDefinition, step: PlanStep, attempt: number, signal: AbortSignal, log: StepLogger, parent: Span | undefined, partitionSpans: ReadonlyMap<string, Span>): Promise<StepOutcome> => {
    const definition = asset.partitions!;
    const keys = step.partitionKeys;
    const label = keys.length === 1 ? `${asset.key} [${keys[0]}]` : `${asset.key} [${keys[0]}..${keys[keys.length - 1]}]`;
    const indices = keys.map((k) => definition.indexOf(k, ctx));
    const release = takeLeases(asset, keys);
    let failing: readonly string[] = keys;
    let staged: { engine: Engine; files: readonly string[] } | undefined;
    try {
      const resolved: ResolvedPartition[] = [];
      for (let i = 0; i < keys.length; i++) resolved.push(await resolvePartition(asset, step, keys[i]!, indices[i]!));
      const todo = resolved.filter((r) => !r.upToDate);
      failing = todo.map((r) => r.key);
      // Partitions found up to date: an earlier failed or blocked attempt on them no longer stands.
      const current = resolved.filter((r) => r.upToDate).map((r) => r.key);
      if (current.length > 0) catalog.clearPartitionFailures(asset.key, current);
      if (todo.length === 0) {
        log.info(`${label}: all ${keys.length} partitions are up to date (same code and inputs); skipped.`);
        return { status: 'succeeded', metadata: { partitions: keys.length, written: 0, upToDate: keys.length, rowCount: 0 } };
      }
      const engine = await engineFor(asset);
      const inputs = await bridgeInputs(engine, unionInputs(resolved), signal);
      const windowed = definition as PartitionsDefinition & { windowOf?: (i: number, c?: PartitionsContext) => { start: Date; end: Date }; timezone?: string };
      const split: RangeSplit = {
        column: asset.backfill.partitionColumn!,
        partitions: keys.map((key, i) => {
          const window = windowed.windowOf?.(indices[i]!, ctx);
          return { key, outputPath: partitionFilePath(asset.key, key, config.runId, attempt), ...(window ? { start: window.start, end: window.end } : {}) };
        }),
        ...(windowed.timezone !== undefined ? { timeZone: windowed.timezone } : {}),
      };
      const output = await engineQuery(parent, engine, asset, keys.length, () =>
        engine.materialize({
          asset,
          scope: scopeOf(definition, keys, indices[0]!, indices[indices.length - 1]!, ctx),
          inputs,
          outputPath: split.partitions[0]!.outputPath,
          runId: config.runId,
          projectDir: config.projectDir,
          log,
          signal,
          split,
        }),
      );
      if (signal.aborted) throw new QuarryError('QUARRY_RUN_CANCELLED', `Run ${config.runId} was cancelled before ${label} was committed.`);
      if (engine.capabilities.stagedPublish === true) staged = { engine, files: (output.partitions ?? []).flatMap((p) => p.files) };
      const parts = new Map((output.partitions ?? []).map((p) => [p.key, p]));
      const written = todo.map((r) => {
        const part = parts.get(r.key);
        if (part === undefined) throw new QuarryError('QUARRY_ENGINE_ERROR', `${label}: the engine returned no output for partition "${r.key}" of the range.`);
        return { r, part };
      });
      // Write–audit–publish: one output, one schema; a change the asset's policy refuses blocks every partition of the range.
      const schema = judgeSchema(catalog, asset, output.columns, asset.schemaChanges ?? config.schemaChanges ?? 'allow');
      if (schema.refused.length > 0) {
        const message = refusedSchemaMessage(schema);
        for (const { r } of written) catalog.recordPartitionFailure(asset.key, r.key, config.runId, message, 'blocked');
        failing = [];
        staged = undefined;
        log.error(`${label} not published: ${message}; the previous versions stay current.`);
        return { status: 'blocked', message: `${label}: ${message}` };
      }
      // Write–audit–publish, per partition: each staged version is checked on its own.
      const audits = new Map<string, Awaited<ReturnType<typeof auditPartition>>>();
      if (asset.checks.length > 0) {
        for (const { r, part } of written) {
          const audit = await auditPartition({ asset, partitionKey: r.key, partitionIndex: r.index, scope: scopeOf(definition, [r.key], r.index, r.index, ctx), files: part.files, engine, catalog, ctx });
          checkSpans(partitionSpans.get(r.key) ?? parent, asset, r.key, audit.results);
          const unevaluated = audit.blocking.filter((c) => c.status === 'errored');
          if (unevaluated.length > 0 && unevaluated.length === audit.blocking.length) {
            recordChecks(audit.results.map((c) => toCatalogCheckResult(c, asset.key, r.key, config.runId, null, part.files)));
            throw new QuarryError(
              'QUARRY_CHECK_ERROR',
              `Asset "${asset.key}" partition "${r.key}" (range ${keys[0]}..${keys[keys.length - 1]}): blocking check${unevaluated.length === 1 ? '' : 's'} could not be evaluated: ${unevaluated.map((c) => `${c.checkName} (${c.message})`).join('; ')}. No partition of the range was published.`,
              { cause: audit.errors[0], details: { checks: unevaluated.map((c) => c.checkName) } },
            );
          }
          audits.set(r.key, audit);
        }
      }
      const blocked: string[] = [];
      const passed = written.filter(({ r, part }) => {
        const audit = audits.get(r.key);
        if (audit === undefined || audit.blocking.length === 0) return true;
        recordChecks(audit.results.map((c) => toCatalogCheckResult(c, asset.key, r.key, config.runId, null, part.files)));
        const message = `blocking check${audit.blocking.length === 1 ? '' : 's'} failed: ${audit.blocking.map((c) => `${c.checkName} (${c.message})`).join('; ')}`;
        catalog.recordPartitionFailure(asset.key, r.key, config.runId, message, 'blocked');
        log.error(`${asset.key} [${r.key}] not published: ${message}; the previous version stays current.`);
        blocked.push(`${asset.key} [${r.key}]: ${message}`);
        return false;
      });
      failing = passed.map(({ r }) => r.key);
      // Staged publish (BigQuery): the partitions that passed become current, the blocked ones keep their staging for inspection.
      const jobs: EngineJob[] = [...(output.jobs ?? [])];
      let publishedFiles = new Map(passed.map(({ r, part }) => [r.key, part.files] as const));
      if (engine.capabilities.stagedPublish === true && engine.publish !== undefined) {
        const blockedFiles = new Set(written.filter((w) => !passed.includes(w)).flatMap((w) => w.part.files));
        staged = { engine, files: staged?.files.filter((f) => !blockedFiles.has(f)) ?? [] };
        const published = passed.length === 0 ? [] : await engine.publish({
          asset,
          runId: config.runId,
          partitions: passed.map(({ r, part }) => {
            const window = split.partitions.find((p) => p.key === r.key);
            return { key: r.key, files: part.files, ...(window?.start !== undefined && window.end !== undefined ? { start: window.start, end: window.end } : {}) };
          }),
          signal,
        });
        publishedFiles = new Map();
        for (const p of published) {
          publishedFiles.set(p.key, p.files);
          // A publish job serves its partition unless it says otherwise.
          jobs.push(...(p.jobs ?? []).map((j) => (j.partitions !== undefined ? j : { ...j, partitions: [p.key] })));
        }
        const missing = passed.find(({ r }) => !publishedFiles.has(r.key));
        if (missing !== undefined) throw new QuarryError('QUARRY_ENGINE_ERROR', `${label}: ${engine.name} published no version of partition "${missing.r.key}".`);
        staged = undefined;
      }
      const publish = await Promise.all(passed.map(async ({ r, part }) => {
        const files = publishedFiles.get(r.key)!;
        return { r, part, files, fileChecksums: await checksumsOf(files) };
      }));
      const committed = await commit(parent, asset, publish.length, () =>
        commitVersions(
        publish.map(({ r, part, files, fileChecksums }) => ({
          assetKey: asset.key,
          partitionKey: r.key,
          runId: config.runId,
          stepId: step.id,
          files,
          rowCount: part.rowCount,
          bytes: part.bytes,
          dataVersion: part.dataVersion,
          codeVersion: r.codeVersion,
          inputFingerprint: r.fingerprint,
          inputSeqs: r.inputSeqs,
          outputSchema: output.columns.map((c) => ({ name: c.name, type: c.type })),
          metadata: { engine: engine.name, rangeStep: step.id, ...(r.sourceVersion !== undefined ? { sourceVersion: r.sourceVersion } : {}) },
          lineage: r.lineage,
          fileChecksums,
        })),
        () => catalog.recordEngineJobs(jobRecords(asset, step, engine, keys, jobs)),
        ),
      );
      failing = [];
      if (committed.length > 0) recordWrittenSchema(catalog, asset.key, schema, committed[0]!, config.runId);
      publish.forEach(({ r, files }, i) => {
        const audit = audits.get(r.key);
        if (audit !== undefined) recordChecks(audit.results.map((c) => toCatalogCheckResult(c, asset.key, r.key, config.runId, committed[i]!.id, files)));
        for (const c of audit?.results ?? []) if (c.status !== 'passed') log.warn(`${asset.key} [${r.key}] check ${c.checkName} ${c.status}: ${c.message}`);
      });
      if (publish.length > 0) await recordColumnLineage(asset, publish[0]!.r.codeVersion, committed[0]?.id ?? null, output.columns.map((c) => c.name), log);
      const rowCount = publish.reduce((n, p) => n + p.part.rowCount, 0);
      const changed = committed.filter((c) => c.dataSeq === c.seq).length;
      log.info(`${label}: ${publish.length} partition${publish.length === 1 ? '' : 's'} in one step, ${rowCount} rows, ${changed} with new data${keys.length > todo.length ? `; ${keys.length - todo.length} up to date` : ''}`, {
        rowCount,
        bytes: output.bytes,
      });
      if (blocked.length > 0) return { status: 'blocked', message: blocked.join('; ') };
      const only = publish.length === 1 && keys.length === 1 ? { dataVersion: publish[0]!.part.dataVersion, dataChanged: changed === 1 } : {};
      return { status: 'succeeded', metadata: { partitions: keys.length, written: publish.length, upToDate: keys.length - todo.length, rowCount, ...only } };
    } catch (caught) {
      if (staged !== undefined) await discardStaged(staged.engine, staged.files, log);
      const error = asDiskFull(caught, config.runId, lakeRootOf(config.store));
      const notAFailure = signal.aborted || (error instanceof QuarryError && (error.code === 'QUARRY_LEASE_HELD' || error.code === 'QUARRY_RUN_CANCELLED'));
      if (!notAFailure) {
        // The whole range failed: every partition it was to write is marked, so the next run retries exactly these.
        try {
          for (const key of failing) catalog.recordPartitionFailure(asset.key, key, config.runId, error instanceof Error ? error.message : String(error));
        } catch {
          // The catalog cannot take the markers either (a full disk): the step's own error says more.
        }
      }
      throw error;
    } finally {
      release();
    }
  };

  /** Dry-runs a step: the requests its run would send, estimated by its engine (nothing written, no lease). */
  const estimate = async (step: PlanStep, signal: AbortSignal = new AbortController().signal): Promise<StepEstimate> => {
    const asset = graph.get(step.assetKey);
    const base = { stepId: step.id, assetKey: step.assetKey };
    if (asset.type !== 'asset') return { ...base, engine: '-', bytesProcessed: undefined, note: 'a source asset is observed, not materialized' };
    const engine = await engineFor(asset);
    if (engine.dryRun === undefined) {
      // A local engine bills nothing; another without dry runs cannot say.
      return engine.capabilities.localFiles ? { ...base, engine: engine.name, bytesProcessed: 0, note: `runs on ${engine.name}: no bytes billed` } : { ...base, engine: engine.name, bytesProcessed: undefined, note: `${engine.name} has no dry run` };
    }
    const definition = asset.partitions;
    const keys = step.partitionKeys;
    const indices = keys.map((k) => (definition ? definition.indexOf(k, ctx) : 0));
    const resolved: ResolvedPartition[] = [];
    try {
      for (let i = 0; i < keys.length; i++) resolved.push(await resolvePartition(asset, step, keys[i]!, indices[i]!));
    } catch (error) {
      return { ...base, engine: engine.name, bytesProcessed: undefined, note: `cannot estimate: ${error instanceof Error ? error.message : String(error)}` };
    }
    const log: StepLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as StepLogger;
    const requests: MaterializeRequest[] = [];
    const common = { asset, runId: config.runId, projectDir: config.projectDir, log, signal };
    if (asset.backfill.partitionColumn !== undefined && definition !== undefined && engine.capabilities.rangeSplit === true) {
      const windowed = definition as PartitionsDefinition & { windowOf?: (i: number, c?: PartitionsContext) => { start: Date; end: Date }; timezone?: string };
      const split: RangeSplit = {
        column: asset.backfill.partitionColumn,
        partitions: keys.map((key, i) => {
          const window = windowed.windowOf?.(indices[i]!, ctx);
          return { key, outputPath: partitionFilePath(asset.key, key, config.runId, 1), ...(window ? { start: window.start, end: window.end } : {}) };
        }),
        ...(windowed.timezone !== undefined ? { timeZone: windowed.timezone } : {}),
      };
      requests.push({ ...common, scope: scopeOf(definition, keys, indices[0]!, indices[indices.length - 1]!, ctx), inputs: unionInputs(resolved), outputPath: split.partitions[0]!.outputPath, split });
    } else {
      for (const r of resolved) requests.push({ ...common, scope: scopeOf(definition, [r.key], r.index, r.index, ctx), inputs: r.inputs, outputPath: partitionFilePath(asset.key, r.key, config.runId, 1) });
    }
    let bytes = 0;
    for (const request of requests) {
      const result: DryRunEstimate = await engine.dryRun(request);
      if (result.bytesProcessed === undefined) return { ...base, engine: engine.name, bytesProcessed: undefined, note: result.note ?? 'the engine cannot estimate this step yet' };
      bytes += result.bytesProcessed;
    }
    return { ...base, engine: engine.name, bytesProcessed: bytes };
  };

  const run = async (step: PlanStep, attempt: number, signal: AbortSignal, log: StepLogger, parent?: Span): Promise<StepOutcome> => {
    const asset = graph.get(step.assetKey);
    if (asset.type !== 'asset') throw new QuarryError('QUARRY_BAD_ARGUMENT', `"${step.assetKey}" is a source asset and cannot be materialized.`);
    // An asset that declares range steps always runs through the split, even for one partition, so
    // each partition gets the same rows (and the same checks on where they belong) however it is batched.
    if (asset.backfill.partitionColumn !== undefined && asset.partitions !== undefined && (await engineFor(asset)).capabilities.rangeSplit === true) {
      return materializeRange(asset, step, attempt, signal, log, parent);
    }
    const outcomes: PartitionOutcome[] = [];
    // On an engine that cannot split an output, a range step materializes its partitions one by one.
    for (const key of step.partitionKeys) {
      const outcome = await materializePartition(asset, step, key, attempt, signal, log, parent);
      if (outcome.blocked !== undefined) return { status: 'blocked', message: `${asset.key} [${key}]: ${outcome.blocked}` };
      outcomes.push(outcome);
    }
    const written = outcomes.filter((o) => !o.upToDate);
    return {
      status: 'succeeded',
      metadata: {
        partitions: outcomes.length,
        written: written.length,
        upToDate: outcomes.length - written.length,
        rowCount: written.reduce((n, o) => n + (o.rowCount ?? 0), 0),
        ...(outcomes.length === 1 && outcomes[0]!.dataVersion ? { dataVersion: outcomes[0]!.dataVersion, dataChanged: outcomes[0]!.dataChanged } : {}),
      },
    };
  };
  return Object.assign(run, { engineFor, estimate });
}

function traceContext(parent: Span): import('@opentelemetry/api').Context {
  return trace.setSpan(ROOT_CONTEXT, parent);
}

/** The source version `observe` reports; what it throws keeps its cause (so retries follow it) and names the partition. */
async function observeSource(asset: AssetDefinition, key: string, projectDir: string): Promise<string | undefined> {
  try {
    return await asset.observe!({ partitionKey: key, projectDir });
  } catch (error) {
    if (error instanceof QuarryError) throw error;
    throw new QuarryError('QUARRY_COMPUTE_ERROR', `Asset "${asset.key}" partition "${key}": observe threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The inputs of a range: per dependency, a view over the files of every partition's upstream partitions (each file once). */
function unionInputs(resolved: readonly ResolvedPartition[]): InputRelation[] {
  const byName = new Map<string, { input: InputRelation; files: Set<string> }>();
  for (const r of resolved) {
    for (const input of r.inputs) {
      const seen = byName.get(input.name);
      if (seen === undefined) byName.set(input.name, { input, files: new Set(input.files) });
      else for (const file of input.files) seen.files.add(file);
    }
  }
  return [...byName.values()].map(({ input, files }) => {
    const { columns, ...rest } = input;
    return files.size > 0 ? { ...rest, files: [...files] } : { ...rest, files: [], ...(columns !== undefined ? { columns } : {}) };
  });
}

function keysOf(definition: PartitionsDefinition | undefined, subset: PartitionSubset, ctx: PartitionsContext): string[] {
  if (definition === undefined) return subset.isEmpty ? [] : [''];
  return [...definition.keysOf(subset, ctx)];
}

/**
 * The partition scope of keys `first..last` (indices) of a definition, with time bounds for time
 * windows, and for multi-partitions with one time-window dimension the bounds of that dimension's
 * windows over the keys (a date × region key `2026-03-08|eu` spans its New York day).
 */
export function scopeOf(definition: PartitionsDefinition | undefined, keys: readonly string[], first: number, last: number, ctx: PartitionsContext): PartitionScope {
  const bounds = definition === undefined ? undefined : timeBoundsOf(definition, keys, first, last, ctx);
  return { keys, firstKey: keys[0] ?? '', lastKey: keys[keys.length - 1] ?? '', start: bounds?.start, end: bounds?.end };
}

type Windowed = PartitionsDefinition & { windowOf?: (i: number, c?: PartitionsContext) => { start: Date; end: Date } };

function timeBoundsOf(definition: PartitionsDefinition, keys: readonly string[], first: number, last: number, ctx: PartitionsContext): { start: Date; end: Date } | undefined {
  const windowed = definition as Windowed;
  if (typeof windowed.windowOf === 'function') return { start: windowed.windowOf(first, ctx).start, end: windowed.windowOf(last, ctx).end };
  const dimensions = (definition as { dimensions?: readonly { readonly definition: PartitionsDefinition }[] }).dimensions;
  if (dimensions === undefined) return undefined;
  const timed = dimensions.flatMap((d, position) => (typeof (d.definition as Windowed).windowOf === 'function' ? [position] : []));
  // With no time dimension, or two (which would be ambiguous), there are no bounds.
  if (timed.length !== 1) return undefined;
  const position = timed[0]!;
  const dimension = dimensions[position]!.definition as Windowed;
  let start: Date | undefined;
  let end: Date | undefined;
  for (const key of keys) {
    const index = dimension.indexOf(key.split('|')[position] ?? '', ctx);
    if (index < 0) continue;
    const window = dimension.windowOf!(index, ctx);
    if (start === undefined || window.start < start) start = window.start;
    if (end === undefined || window.end > end) end = window.end;
  }
  return start === undefined || end === undefined ? undefined : { start, end };
}

function dialectOf(engine: Engine): EngineDialect {
  return engine.dialect ?? 'duckdb';
}

function columnsOf(asset: AssetDefinition | undefined, key: AssetKey, catalog: Catalog, dialect: EngineDialect): ColumnSchema[] {
  if (asset?.schema) return engineColumnsFromSchema(asset.schema, dialect);
  const recent = catalog.materializationHistory(key, undefined, { limit: 1 })[0];
  const schema = recent?.outputSchema;
  if (Array.isArray(schema)) return schema as unknown as ColumnSchema[];
  return [];
}

// What a disk-full error names as the lake: a local lake's folder, else the store's name.
function lakeRootOf(store: ObjectStore | undefined): string | undefined {
  const root = (store as { root?: unknown } | undefined)?.root;
  return typeof root === 'string' ? root : store?.name;
}

// A write that failed for lack of space (a lake file, DuckDB's staging, the catalog) as the one
// QUARRY_DISK_FULL error naming where and how to continue; any other error passes through.
function asDiskFull(error: unknown, runId: string, lakeRoot: string | undefined): unknown {
  if (error instanceof QuarryError && error.code === 'QUARRY_DISK_FULL') {
    const path = typeof error.details?.path === 'string' ? error.details.path : (lakeRoot ?? '?');
    return error.details?.runId === runId ? error : diskFullError(path, error, runId);
  }
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : '';
    if (code === 'ENOSPC' || code === 'SQLITE_FULL' || /No space left on device|database or disk is full/i.test(message)) {
      const path = typeof (e as { path?: unknown }).path === 'string' ? (e as { path: string }).path : (lakeRoot ?? '?');
      return diskFullError(path, error, runId);
    }
  }
  return error;
}
