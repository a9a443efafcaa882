import type { FastifyRequest } from 'fastify';
import { maskPiiRows, piiColumnsOf, QuarryError, resolveSelection, type AssetSummary, type PiiColumnReport } from '@quarry/core';
import {
  assetDetailSchema,
  partitionFailureListSchema,
  assetGraphSchema,
  assetListSchema,
  assetParamsSchema,
  checkListSchema,
  checkQuerySchema,
  columnLineageQuerySchema,
  columnLineageSchema,
  lineageSchema,
  materializationListSchema,
  partitionKeysQuerySchema,
  partitionKeysSchema,
  partitionLimitQuerySchema,
  partitionQuerySchema,
  partitionStalenessSchema,
  partitionStatusSchema,
  selectionQuerySchema,
  type GraphNode,
} from './api-schemas.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import { assetStateOf, emptyStatus, runningAssetKeys, runningRanges } from './asset-state.ts';
import type { UiInstance } from './ui-instance.ts';

/** Throws the instance's own error (unknown asset, bad key, not partitioned) unless `partition` is one of the asset's partitions. */
export function checkPartition(instance: UiInstance, assetKey: string, partition: string | undefined): void {
  if (partition === undefined) return;
  instance.partitionKeys(assetKey, { from: partition, to: partition, limit: 1 });
}

async function statusOf(instance: UiInstance, key: string) {
  const [found] = await instance.status(key);
  const summary = instance.asset(key);
  const status = found ?? emptyStatus(key, summary.partitions?.count ?? 1, summary.partitions !== undefined);
  return { ...status, running: runningRanges(instance, key) };
}

const HISTORY_SCAN = 5000;
const HISTORY_LIMIT = 200;

/**
 * The superseded check results of an asset (one partition, one check): those a newer result of the
 * same check and partition replaced, newest first, among the newest `HISTORY_SCAN` results.
 */
function previousCheckResults(instance: UiInstance, assetKey: string, options: { partition?: string; checkName?: string }): readonly object[] {
  const latest = new Set(instance.checkResults(assetKey, options).map((r) => (r as { id?: unknown }).id));
  return instance
    .checkResults(assetKey, { ...options, history: true, limit: HISTORY_SCAN })
    .filter((r) => !latest.has((r as { id?: unknown }).id))
    .slice(0, HISTORY_LIMIT);
}

/**
 * An asset summary whose columns also carry the PII classes propagated to it (with `piiFrom`, the
 * upstream columns); a propagated column the summary does not list (an SQL asset without a schema) is added.
 */
function withPropagatedPii(asset: AssetSummary, report: readonly PiiColumnReport[]): AssetSummary {
  const propagated = report.filter((c) => c.asset === asset.key && c.source === 'propagated');
  if (propagated.length === 0) return asset;
  const byName = new Map(propagated.map((c) => [c.column.toLowerCase(), c]));
  const columns = asset.columns.map((column) => {
    const found = byName.get(column.name.toLowerCase());
    if (found === undefined || column.pii !== 'none') return column;
    byName.delete(column.name.toLowerCase());
    return { ...column, pii: found.class, piiFrom: found.from.map((f) => `${f.asset}.${f.column}`) };
  });
  for (const c of byName.values()) {
    if (asset.columns.some((column) => column.name.toLowerCase() === c.column.toLowerCase())) continue;
    columns.push({ name: c.column, type: 'unknown', nullable: true, pii: c.class, piiFrom: c.from.map((f) => `${f.asset}.${f.column}`) });
  }
  return { ...asset, columns };
}

/** Options of `assetRoutes`. */
export interface AssetRoutesOptions {
  /** True when the request may see the values of PII columns in data rows (check samples; the unmask token); otherwise they are masked. */
  canSeePii(request: FastifyRequest): boolean;
}

/** The asset routes: list, one, graph, partition status and keys, materializations, checks, lineage. */
export function assetRoutes(instance: UiInstance, options: AssetRoutesOptions): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/assets',
      tag: 'assets',
      summary: 'List assets (optionally those matching a selection), in topological order.',
      query: selectionQuerySchema,
      response: assetListSchema,
      handle: ({ query }) => {
        const all = instance.listAssets();
        if (query.selection === undefined) return { assets: [...all] };
        const selected = new Set(resolveSelection(instance.graph, query.selection));
        return { assets: all.filter((a) => selected.has(a.key)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/graph',
      tag: 'assets',
      summary: 'The asset graph: nodes with their state (fresh, stale, missing, failed, running) and edges.',
      query: selectionQuerySchema,
      response: assetGraphSchema,
      handle: async ({ query }) => {
        const keys = resolveSelection(instance.graph, query.selection);
        const selected = new Set(keys);
        const statuses = new Map((await instance.status(query.selection)).map((s) => [s.assetKey, s]));
        const running = runningAssetKeys(instance);
        const summaries = new Map(instance.listAssets().map((a) => [a.key, a]));
        const nodes: GraphNode[] = keys.map((key) => {
          const a = summaries.get(key) ?? instance.asset(key);
          const total = a.partitions?.count ?? 1;
          const status = statuses.get(key) ?? emptyStatus(key, total, a.partitions !== undefined);
          return {
            key,
            group: a.group,
            kind: a.kind,
            ...(a.description !== undefined ? { description: a.description } : {}),
            partitioned: a.partitions !== undefined,
            total: status.total,
            counts: { ...status.counts },
            state: assetStateOf(status, running.has(key)),
          };
        });
        const edges = keys.flatMap((key) => instance.graph.parents(key).filter((p) => selected.has(p)).map((from) => ({ from, to: key })));
        return { project: instance.project?.name ?? 'quarry', nodes, edges };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/assets/:key',
      tag: 'assets',
      summary: 'One asset: its summary (description, owners, tags, columns with their PII class, declared or propagated along column lineage, checks), neighbours and state.',
      params: assetParamsSchema,
      response: assetDetailSchema,
      handle: async ({ params }) => {
        const asset = withPropagatedPii(instance.asset(params.key), (await instance.piiReport?.()) ?? []);
        const status = await statusOf(instance, asset.key);
        return {
          asset,
          parents: instance.graph.parents(asset.key),
          children: instance.graph.children(asset.key),
          state: assetStateOf(status, runningAssetKeys(instance).has(asset.key)),
          status,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/assets/:key/partitions',
      tag: 'partitions',
      summary: "An asset's partition status as half-open index ranges per state (fresh, stale, missing, failed), plus the ranges being materialized now (running).",
      params: assetParamsSchema,
      response: partitionStatusSchema,
      handle: async ({ params }) => {
        instance.asset(params.key);
        return statusOf(instance, params.key);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/assets/:key/partition-keys',
      tag: 'partitions',
      summary: "A page of an asset's partition keys, optionally within an inclusive key range (offset/limit index into it).",
      params: assetParamsSchema,
      query: partitionKeysQuerySchema,
      response: partitionKeysSchema,
      handle: ({ params, query }) => instance.partitionKeys(params.key, { ...query, limit: query.limit ?? 100 }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/assets/:key/materializations',
      tag: 'materializations',
      summary: 'Materializations of an asset (or one partition) with their data and code versions, newest first.',
      params: assetParamsSchema,
      query: partitionLimitQuerySchema,
      response: materializationListSchema,
      handle: ({ params, query }) => {
        instance.asset(params.key);
        checkPartition(instance, params.key, query.partition);
        return { materializations: [...instance.materializations(params.key, { ...query, limit: query.limit ?? 50 })] };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/assets/:key/checks',
      tag: 'checks',
      summary:
        'Latest check results of an asset per check and partition (or of one partition or check; `history=true` lists the earlier results those replaced, newest first) and its quality score per partition. Values of PII columns (declared or propagated) in failing-sample rows are masked unless the request carries the server\'s unmask token.',
      params: assetParamsSchema,
      query: checkQuerySchema,
      response: checkListSchema,
      handle: async ({ params, query, request }) => {
        const asset = instance.asset(params.key);
        checkPartition(instance, params.key, query.partition);
        const pii = options.canSeePii(request) ? new Map() : ((await instance.piiColumns?.(asset.key)) ?? piiColumnsOf(asset.columns));
        const { check, history, ...scope } = query;
        const filter = { ...scope, ...(check !== undefined ? { checkName: check } : {}) };
        const results = (history === 'true' ? previousCheckResults(instance, params.key, filter) : instance.checkResults(params.key, filter)).map((result) => {
          const sampleRows = (result as { sampleRows?: unknown }).sampleRows;
          return Array.isArray(sampleRows) && pii.size > 0 ? { ...result, sampleRows: maskPiiRows(sampleRows, pii) } : result;
        });
        return { results, scores: (instance.qualityScores?.(params.key) ?? []).flatMap((s) => (s.score === null ? [] : [{ partitionKey: s.partitionKey, score: s.score }])) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/assets/:key/failures',
      tag: 'partitions',
      summary: 'Partitions of an asset (or the one given) whose latest attempt failed or was blocked by a check: the run, the full error message and when.',
      params: assetParamsSchema,
      query: partitionQuerySchema,
      response: partitionFailureListSchema,
      handle: ({ params, query }) => {
        instance.asset(params.key);
        checkPartition(instance, params.key, query.partition);
        const failures = instance.partitionFailures?.(params.key, query) ?? [];
        return {
          failures: failures.map((f) => ({ partitionKey: f.partitionKey, kind: f.kind === 'blocked' ? ('blocked' as const) : ('failed' as const), runId: f.runId, message: f.message, failedAt: f.failedAt.toISOString() })),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/assets/:key/staleness',
      tag: 'partitions',
      summary:
        'Why one partition of an asset is stale: the reason a plan of that partition gives it (missing, code changed, upstream changed or stale with the upstream partition, …), null when fresh, or why it cannot run (blocked).',
      params: assetParamsSchema,
      query: partitionQuerySchema,
      response: partitionStalenessSchema,
      handle: async ({ params, query }) => {
        const asset = instance.asset(params.key);
        const partitionKey = query.partition ?? '';
        if (asset.partitions !== undefined) {
          if (query.partition === undefined) throw new QuarryError('QUARRY_BAD_PARTITION_KEY', `Asset "${asset.key}" is partitioned: pass ?partition=KEY to ask why one partition is stale.`);
          checkPartition(instance, params.key, query.partition);
        }
        // Staleness is computed over the partition's upstream closure, so this is the answer the whole graph gives.
        const plan = await instance.plan({ selection: asset.key, ...(asset.partitions !== undefined ? { partitions: { key: partitionKey } } : {}) });
        const step = plan.steps.find((s) => s.assetKey === asset.key);
        const blocked = plan.blocked?.find((b) => b.assetKey === asset.key);
        return {
          partitionKey,
          reason: step ? { ...step.reason } : null,
          blocked: blocked ? { cause: blocked.reason.cause, detail: blocked.reason.detail, ...(blocked.reason.upstream ? { upstream: { ...blocked.reason.upstream } } : {}) } : null,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/assets/:key/lineage',
      tag: 'lineage',
      summary: 'Upstream and downstream lineage of an asset, or of one partition (which partitions it read and feeds).',
      params: assetParamsSchema,
      query: partitionQuerySchema,
      response: lineageSchema,
      handle: ({ params, query }) => {
        instance.asset(params.key);
        checkPartition(instance, params.key, query.partition);
        const lineage = instance.lineage(params.key, query);
        const strip = (edges: typeof lineage.upstream) =>
          edges.map((e) => ({ ...e, asset: e.asset, ...(e.partitions !== undefined ? { partitions: [...e.partitions] } : {}) }));
        return {
          asset: params.key,
          ...(query.partition !== undefined ? { partition: query.partition } : {}),
          upstream: strip(lineage.upstream),
          downstream: strip(lineage.downstream),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/assets/:key/column-lineage',
      tag: 'lineage',
      summary:
        'Column lineage of an asset: each output column\'s inputs with their transformation (DIRECT/INDIRECT and subtype), and the transitive ' +
        'upstream (or downstream) edges of one column (?column=) or of every column; ?version= reads the lineage recorded for a code version.',
      params: assetParamsSchema,
      query: columnLineageQuerySchema,
      response: columnLineageSchema,
      handle: async ({ params, query }) => {
        instance.asset(params.key);
        if (instance.columnLineage === undefined || instance.columnLineageGraph === undefined) {
          throw new QuarryError('QUARRY_BAD_ARGUMENT', 'This instance does not serve column lineage.');
        }
        const own = await instance.columnLineage(params.key, query.version !== undefined ? { version: query.version } : {});
        if (query.version !== undefined && own === undefined) {
          throw new QuarryError('QUARRY_BAD_ARGUMENT', `Asset "${params.key}" has no column lineage recorded for code version "${query.version}".`);
        }
        const direction = query.direction ?? 'upstream';
        const graph = await instance.columnLineageGraph(query.column !== undefined ? `${params.key}.${query.column}` : params.key, { direction });
        const plain = (ts: readonly object[]) => ts.map((t) => ({ ...(t as { type: 'DIRECT' | 'INDIRECT'; subtype: string }) }));
        return {
          asset: params.key,
          column: query.column ?? null,
          direction,
          codeVersion: own?.codeVersion ?? null,
          origin: (own?.origin ?? null) as 'recorded' | 'derived' | null,
          source: (own?.source ?? null) as 'sql' | 'declared' | null,
          recordedAt: own?.recordedAt?.toISOString() ?? null,
          columns: Object.fromEntries(
            Object.entries(own?.lineage ?? {}).map(([column, inputs]) => [column, inputs.map((i) => ({ asset: i.asset, column: i.column, transformations: plain(i.transformations) }))]),
          ),
          edges: graph.edges.map((e) => ({ from: { ...e.from }, to: { ...e.to }, transformations: plain(e.transformations), depth: e.depth })),
          unavailable: graph.unavailable.map((u) => ({ ...u })),
        };
      },
    }),
  ];
}
