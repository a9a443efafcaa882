import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Catalog, CheckResultRecord, MaterializationRecord } from '../../catalog/index.ts';
import type { AnyAssetDefinition, AssetDefinition, AssetKey, ProjectDefinition } from '../../definitions/index.ts';
import { schemaColumns } from '../../definitions/index.ts';
import type { ExecutionEvent, StepEventBase } from '../../execution/index.ts';
import type { AssetGraph } from '../../graph/index.ts';
import type { PartitionsContext, PartitionsDefinition } from '../../partitions/index.ts';
import type { ColumnLineage } from '../column-lineage-types.ts';
import { OpenLineageFacetBuilder, openLineageFieldType } from './openlineage-facets.ts';
import { defaultOpenLineageNamespace, openLineageRunId, openLineageStepRunId } from './openlineage-names.ts';
import type { OpenLineageTransport } from './openlineage-transport.ts';
import type { OpenLineageEventType, OpenLineageFacet, OpenLineageInputDataset, OpenLineageOutputDataset, OpenLineageRunEvent } from './openlineage-types.ts';
import { OPENLINEAGE_SPEC_URL } from './openlineage-types.ts';

/** The producer URI of Quarry's events. */
export const QUARRY_OPENLINEAGE_PRODUCER = 'https://github.com/quarry-data/quarry/tree/v0.1.0/packages/core';

/** Options of `OpenLineageEmitter`. */
export interface OpenLineageEmitterConfig {
  readonly transport: OpenLineageTransport;
  readonly project: ProjectDefinition;
  readonly graph: AssetGraph;
  readonly catalog: Catalog;
  /** The lake's root directory (the `dataSource` facet's URI). */
  readonly lakeRoot: string;
  /** Jobs' and datasets' namespace (default `quarry://<project name>`). */
  readonly namespace?: string;
  readonly partitionsContext: () => PartitionsContext;
  /** The engine that runs the steps (`processing_engine` facet). */
  readonly processingEngine: { readonly name: string; readonly version: string };
  /** The column lineage of an asset's current code, for the output's `columnLineage` facet. */
  readonly columnLineageOf?: (assetKey: AssetKey) => ColumnLineage | undefined;
  readonly producer?: string;
}

/**
 * Turns a run's execution events into OpenLineage 2-0-2 run events: the Quarry run is a parent job
 * (`<project>`), each step a run of the job named after its asset, with START on its first attempt,
 * COMPLETE when it commits, FAIL when it fails or a blocking check rejects it, and ABORT when it is
 * cancelled or skipped. Facets and names are described in docs/openlineage.md. `handle` never throws.
 */
export class OpenLineageEmitter {
  readonly namespace: string;
  readonly transport: OpenLineageTransport;
  readonly #config: OpenLineageEmitterConfig;
  readonly #facets: OpenLineageFacetBuilder;
  readonly #started = new Set<string>();
  #warned = false;

  constructor(config: OpenLineageEmitterConfig) {
    this.#config = config;
    this.transport = config.transport;
    this.namespace = config.namespace ?? defaultOpenLineageNamespace(config.project.name);
    this.#facets = new OpenLineageFacetBuilder(config.producer ?? QUARRY_OPENLINEAGE_PRODUCER);
  }

  /** Emits the OpenLineage events of one execution event (none for logs and retries). */
  handle(event: ExecutionEvent): void {
    try {
      for (const out of this.eventsOf(event)) this.transport.send(out);
    } catch (error) {
      // Lineage is a by-product: a bug or an odd definition here must not fail the run.
      if (!this.#warned) process.emitWarning(`OpenLineage events could not be built: ${error instanceof Error ? error.message : String(error)}`);
      this.#warned = true;
    }
  }

  /** Waits for the transport to deliver what was sent. */
  flush(): Promise<void> {
    return this.transport.flush();
  }

  /** The OpenLineage events an execution event yields. */
  eventsOf(event: ExecutionEvent): OpenLineageRunEvent[] {
    switch (event.type) {
      case 'run_started':
        return [this.#runEvent('START', event.runId, event.time)];
      case 'run_finished':
        return [
          this.#runEvent(event.status === 'succeeded' ? 'COMPLETE' : event.status === 'cancelled' ? 'ABORT' : 'FAIL', event.runId, event.time, event.status === 'succeeded' ? undefined : `run ${event.status}: ${event.counts.failed} failed, ${event.counts.skipped} skipped, ${event.counts.blocked} blocked${event.cancelReason ? ` (${event.cancelReason})` : ''}`),
        ];
      case 'step_started': {
        const id = `${event.runId}\u0000${event.stepId}`;
        if (this.#started.has(id)) return [];
        this.#started.add(id);
        return [this.#stepEvent('START', event)];
      }
      case 'step_succeeded':
        this.#started.delete(`${event.runId}\u0000${event.stepId}`);
        return [this.#stepEvent('COMPLETE', event)];
      case 'step_failed':
        this.#started.delete(`${event.runId}\u0000${event.stepId}`);
        return [this.#stepEvent('FAIL', event, { message: event.error.message, ...(event.error.stack ? { stack: event.error.stack } : {}) })];
      case 'step_blocked':
        this.#started.delete(`${event.runId}\u0000${event.stepId}`);
        return [this.#stepEvent('FAIL', event, { message: `blocked by a check: ${event.message}` })];
      case 'step_cancelled':
        this.#started.delete(`${event.runId}\u0000${event.stepId}`);
        return [this.#stepEvent('ABORT', event, { message: 'cancelled with the run' })];
      case 'step_skipped':
        return [this.#stepEvent('ABORT', event, { message: `skipped: ${event.reason}${event.upstreamStepId ? ` (after ${event.upstreamStepId})` : ''}` })];
      case 'step_retrying':
      case 'log':
        return [];
    }
  }

  #runEvent(eventType: OpenLineageEventType, runId: string, time: number, error?: string): OpenLineageRunEvent {
    const f = this.#facets;
    return {
      eventType,
      eventTime: new Date(time).toISOString(),
      producer: f.producer,
      schemaURL: `${OPENLINEAGE_SPEC_URL}#/$defs/RunEvent`,
      run: {
        runId: openLineageRunId(runId),
        facets: {
          processing_engine: this.#engineFacet(),
          ...(error !== undefined ? { errorMessage: f.facet('ErrorMessageRunFacet', { message: error, programmingLanguage: 'TypeScript' }) } : {}),
        },
      },
      job: {
        namespace: this.namespace,
        name: this.#config.project.name,
        facets: { jobType: f.facet('JobTypeJobFacet', { processingType: 'BATCH', integration: 'QUARRY', jobType: 'DAG' }) },
      },
      inputs: [],
      outputs: [],
    };
  }

  #engineFacet(): OpenLineageFacet {
    return this.#facets.facet('ProcessingEngineRunFacet', {
      name: this.#config.processingEngine.name,
      version: this.#config.processingEngine.version,
      openlineageAdapterVersion: '0.1.0',
    });
  }

  #stepEvent(eventType: OpenLineageEventType, event: StepEventBase, error?: { message: string; stack?: string }): OpenLineageRunEvent {
    const f = this.#facets;
    const asset = this.#config.graph.get(event.assetKey);
    const ctx = this.#config.partitionsContext();
    const keys = partitionKeysOf(asset.partitions, event.partition, ctx);
    const window = nominalWindow(asset.partitions, keys, ctx);
    const final = eventType !== 'START';
    const written = final && eventType === 'COMPLETE' ? this.#written(asset.key, keys, event.runId) : [];
    const checks = final && asset.type === 'asset' ? this.#checkResults(asset.key, keys, event.runId) : [];
    return {
      eventType,
      eventTime: new Date(event.time).toISOString(),
      producer: f.producer,
      schemaURL: `${OPENLINEAGE_SPEC_URL}#/$defs/RunEvent`,
      run: {
        runId: openLineageStepRunId(event.runId, event.stepId),
        facets: {
          parent: f.facet('ParentRunFacet', {
            run: { runId: openLineageRunId(event.runId) },
            job: { namespace: this.namespace, name: this.#config.project.name },
            root: { run: { runId: openLineageRunId(event.runId) }, job: { namespace: this.namespace, name: this.#config.project.name } },
          }),
          ...(window ? { nominalTime: f.facet('NominalTimeRunFacet', { nominalStartTime: window.start.toISOString(), nominalEndTime: window.end.toISOString() }) } : {}),
          processing_engine: this.#engineFacet(),
          ...(error !== undefined
            ? { errorMessage: f.facet('ErrorMessageRunFacet', { message: error.message, programmingLanguage: 'TypeScript', ...(error.stack ? { stackTrace: error.stack } : {}) }) }
            : {}),
        },
      },
      job: { namespace: this.namespace, name: asset.key, facets: this.#jobFacets(asset) },
      inputs: this.#inputs(asset),
      outputs: [this.#output(asset, written, checks, eventType === 'COMPLETE' ? this.#dataVersion(asset.key, keys) : undefined)],
    };
  }

  #jobFacets(asset: AnyAssetDefinition): Record<string, OpenLineageFacet> {
    const f = this.#facets;
    const out: Record<string, OpenLineageFacet> = {
      jobType: f.facet('JobTypeJobFacet', { processingType: 'BATCH', integration: 'QUARRY', jobType: asset.type === 'source' ? 'SOURCE' : asset.sql !== undefined ? 'SQL_ASSET' : 'COMPUTE_ASSET' }),
    };
    if (asset.type === 'asset') {
      if (asset.sql !== undefined) out.sql = f.facet('SQLJobFacet', { query: asset.sql, dialect: 'duckdb' });
      else if (asset.compute !== undefined) out.sourceCode = f.facet('SourceCodeJobFacet', { language: 'TypeScript', sourceCode: asset.compute.toString() });
      if (asset.sourceFile !== undefined) out.sourceCodeLocation = f.facet('SourceCodeLocationJobFacet', { type: 'file', url: pathToFileURL(asset.sourceFile).href, path: asset.sourceFile });
    }
    if (asset.owners.length > 0) out.ownership = f.facet('OwnershipJobFacet', { owners: asset.owners.map((name) => ({ name })) });
    if (asset.description !== undefined) out.documentation = f.facet('DocumentationJobFacet', { description: asset.description, contentType: 'text/plain' });
    return out;
  }

  #inputs(asset: AnyAssetDefinition): OpenLineageInputDataset[] {
    if (asset.type !== 'asset') return [];
    const seen = new Set<string>();
    const inputs: OpenLineageInputDataset[] = [];
    const upstream = [...Object.values(asset.deps).map((d) => d.asset), ...(asset.selfDependency ? [asset] : [])];
    for (const dep of upstream) {
      if (seen.has(dep.key)) continue;
      seen.add(dep.key);
      inputs.push({ namespace: this.namespace, name: dep.key, facets: this.#staticDatasetFacets(dep, undefined, false) });
    }
    return inputs;
  }

  #output(asset: AnyAssetDefinition, written: readonly MaterializationRecord[], checks: readonly CheckResultRecord[], version: string | undefined): OpenLineageOutputDataset {
    const f = this.#facets;
    const facets: Record<string, OpenLineageFacet> = this.#staticDatasetFacets(asset, written.at(-1)?.outputSchema, true);
    if (version !== undefined) facets.version = f.facet('DatasetVersionDatasetFacet', { datasetVersion: version });
    if (checks.length > 0) {
      facets.dataQualityAssertions = f.facet('DataQualityAssertionsDatasetFacet', { assertions: checks.map((c) => this.#assertion(asset, c)) });
      const metrics = this.#qualityMetrics(asset, checks);
      if (metrics !== undefined) facets.dataQualityMetrics = metrics;
    }
    const rows = written.reduce((n, m) => n + (m.rowCount ?? 0), 0);
    const bytes = written.reduce((n, m) => n + (m.bytes ?? 0), 0);
    return {
      namespace: this.namespace,
      name: asset.key,
      facets,
      ...(written.length > 0 ? { outputFacets: { outputStatistics: f.facet('OutputStatisticsOutputDatasetFacet', { rowCount: rows, size: bytes, fileCount: written.reduce((n, m) => n + m.files.length, 0) }) } } : {}),
    };
  }

  #staticDatasetFacets(asset: AnyAssetDefinition, recorded: unknown, output: boolean): Record<string, OpenLineageFacet> {
    const f = this.#facets;
    const out: Record<string, OpenLineageFacet> = {};
    const fields = schemaFields(asset, recorded);
    if (fields.length > 0) out.schema = f.facet('SchemaDatasetFacet', { fields });
    if (asset.description !== undefined) out.documentation = f.facet('DocumentationDatasetFacet', { description: asset.description, contentType: 'text/plain' });
    if (asset.owners.length > 0) out.ownership = f.facet('OwnershipDatasetFacet', { owners: asset.owners.map((name) => ({ name })) });
    if (asset.type === 'asset') {
      out.dataSource = f.facet('DatasourceDatasetFacet', { name: `${this.#config.project.name} lake`, uri: pathToFileURL(join(this.#config.lakeRoot, ...asset.key.split('/'))).href });
      out.storage = f.facet('StorageDatasetFacet', { storageLayer: 'quarry', fileFormat: 'parquet' });
    }
    if (output && asset.type === 'asset' && this.#config.columnLineageOf !== undefined) {
      const lineage = this.#config.columnLineageOf(asset.key);
      if (lineage !== undefined && Object.keys(lineage).length > 0) out.columnLineage = f.columnLineage(lineage, this.namespace);
    }
    return out;
  }

  #assertion(asset: AnyAssetDefinition, c: CheckResultRecord): Record<string, unknown> {
    const column = checkColumn(asset, c.checkName);
    const kind = typeof c.metadata.kind === 'string' ? c.metadata.kind : 'custom_sql';
    return {
      assertion: kind,
      success: c.passed,
      name: c.checkName,
      severity: c.severity,
      ...(column !== undefined ? { column } : {}),
      ...(c.threshold !== null ? { expected: typeof c.threshold === 'string' ? c.threshold : JSON.stringify(c.threshold) } : {}),
      ...(c.observedValue !== null ? { actual: typeof c.observedValue === 'string' ? c.observedValue : JSON.stringify(c.observedValue) } : {}),
      ...(c.message ? { description: c.message } : {}),
      params: { partition: c.partitionKey, ...(c.failingCount !== null ? { failingCount: c.failingCount } : {}) },
    };
  }

  // Row counts and per-column NULL counts that the checks measured (a notNull check counts NULLs).
  #qualityMetrics(asset: AnyAssetDefinition, checks: readonly CheckResultRecord[]): OpenLineageFacet | undefined {
    const columnMetrics: Record<string, { nullCount: number }> = {};
    const rowsByPartition = new Map<string, number>();
    for (const c of checks) {
      if (typeof c.metadata.totalCount === 'number' && c.metadata.unit === 'rows') rowsByPartition.set(c.partitionKey, c.metadata.totalCount);
      if (c.metadata.kind === 'notNull' && c.failingCount !== null) {
        const column = checkColumn(asset, c.checkName);
        if (column !== undefined) columnMetrics[column] = { nullCount: (columnMetrics[column]?.nullCount ?? 0) + c.failingCount };
      }
    }
    if (rowsByPartition.size === 0 && Object.keys(columnMetrics).length === 0) return undefined;
    const rowCount = [...rowsByPartition.values()].reduce((a, b) => a + b, 0);
    return this.#facets.facet('DataQualityMetricsDatasetFacet', { ...(rowsByPartition.size > 0 ? { rowCount } : {}), columnMetrics });
  }

  #written(assetKey: AssetKey, keys: readonly string[], runId: string): MaterializationRecord[] {
    const out: MaterializationRecord[] = [];
    for (const key of keys) {
      const m = this.#config.catalog.currentMaterialization(assetKey, key);
      if (m !== undefined && m.runId === runId) out.push(m);
    }
    return out;
  }

  // One partition's data version as is; a range's, a digest of its partitions' versions.
  #dataVersion(assetKey: AssetKey, keys: readonly string[]): string | undefined {
    const versions = keys.map((key) => this.#config.catalog.currentMaterialization(assetKey, key)?.dataVersion);
    if (versions.some((v) => v === undefined)) return undefined;
    if (versions.length === 1) return versions[0]!;
    const hash = createHash('sha256');
    keys.forEach((key, i) => hash.update(`${key}=${versions[i]!}\n`));
    return `range:${hash.digest('hex')}`;
  }

  #checkResults(assetKey: AssetKey, keys: readonly string[], runId: string): CheckResultRecord[] {
    const wanted = new Set(keys);
    return this.#config.catalog.listCheckResults({ asset: assetKey, runId, limit: 100_000 }).filter((c) => wanted.has(c.partitionKey));
  }
}

/** The single column a check is about (`column`, or `columns` when it names one), if any. */
function checkColumn(asset: AnyAssetDefinition, checkName: string): string | undefined {
  if (asset.type !== 'asset') return undefined;
  const declaration = asset.checks.find((c) => c.name === checkName);
  if (declaration === undefined) return undefined;
  if (typeof declaration.column === 'string') return declaration.column;
  const columns = declaration.columns;
  return Array.isArray(columns) && columns.length === 1 && typeof columns[0] === 'string' ? columns[0] : undefined;
}

/** Schema fields: the recorded output schema when there is one, else the declared one, with column descriptions. */
function schemaFields(asset: AnyAssetDefinition, recorded: unknown): Record<string, unknown>[] {
  const docs = asset.columns;
  const describe = (name: string) => (docs[name]?.description !== undefined ? { description: docs[name]!.description! } : {});
  if (Array.isArray(recorded) && recorded.length > 0) {
    return (recorded as { name?: unknown; type?: unknown }[])
      .filter((c) => typeof c.name === 'string')
      .map((c, i) => ({ name: c.name as string, ...(typeof c.type === 'string' ? { type: c.type } : {}), ...describe(c.name as string), ordinal_position: i + 1 }));
  }
  const declared = asset.type === 'asset' && asset.schema ? schemaColumns((asset as AssetDefinition).schema!) : [];
  if (declared.length > 0) return declared.map((c, i) => ({ name: c.name, type: openLineageFieldType(c.type), ...describe(c.name), ordinal_position: i + 1 }));
  return Object.keys(docs).map((name, i) => ({ name, ...describe(name), ordinal_position: i + 1 }));
}

/** The keys a step's partition text covers: `''`, a key, or `first..last` (a range step). */
function partitionKeysOf(definition: PartitionsDefinition | undefined, partition: string, ctx: PartitionsContext): string[] {
  if (definition === undefined || partition === '') return [partition];
  const range = /^(.+)\.\.(.+)$/.exec(partition);
  if (range === null || definition.isValidKey(partition, ctx)) return [partition];
  return [...definition.keysOf(definition.range(range[1]!, range[2]!, ctx), ctx)];
}

type Windowed = PartitionsDefinition & { windowOf?: (index: number, ctx?: PartitionsContext) => { start: Date; end: Date } };

/** The time window the step's partitions cover (`nominalTime`), for time-window partitions. */
function nominalWindow(definition: PartitionsDefinition | undefined, keys: readonly string[], ctx: PartitionsContext): { start: Date; end: Date } | undefined {
  const windowed = definition as Windowed | undefined;
  if (windowed === undefined || typeof windowed.windowOf !== 'function' || keys.length === 0) return undefined;
  const first = windowed.indexOf(keys[0]!, ctx);
  const last = windowed.indexOf(keys[keys.length - 1]!, ctx);
  if (first < 0 || last < 0) return undefined;
  return { start: windowed.windowOf(first, ctx).start, end: windowed.windowOf(last, ctx).end };
}
