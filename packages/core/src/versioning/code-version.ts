import { createHash } from 'node:crypto';
import type { AssetDefinition } from '../definitions/index.ts';
import { schemaColumns } from '../definitions/index.ts';
import { localModulesVersion } from './module-graph.ts';
import { normalizeSource } from './normalize-source.ts';

/** A 16-hex-digit SHA-256 prefix of `text`: short enough to read, long enough not to collide. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * The code version of an asset: its explicit `codeVersion` when set, otherwise a fingerprint of
 * its normalized SQL or function source, its config, its output schema, its partitions and the
 * names and mappings of its dependencies (changing any of them changes what the asset computes).
 * A compute asset's fingerprint also covers the project modules its defining file imports,
 * transitively (`localModulesVersion`), so editing a helper it calls makes it stale. An asset's
 * per-engine SQL (`sql: { duckdb, bigquery }`), engine pin and cluster columns are covered when
 * declared: the version is one per asset, so editing the BigQuery text makes DuckDB runs stale too.
 */
export function codeVersionOf(asset: AssetDefinition): string {
  if (asset.codeVersion !== undefined) return `v:${asset.codeVersion}`;
  const body = asset.sql !== undefined ? normalizeSource(asset.sql, 'sql') : normalizeSource(String(asset.compute), 'js');
  const fingerprint = JSON.stringify({
    body,
    config: stableJson(asset.config),
    schema: asset.schema ? schemaColumns(asset.schema) : null,
    partitions: partitionsShape(asset.partitions),
    deps: Object.entries(asset.deps)
      .map(([name, d]) => [name, d.asset.key, d.mapping?.id ?? 'default'])
      .sort(),
    self: asset.selfDependency ? [asset.selfDependency.name, asset.selfDependency.mapping.id] : null,
    ...(asset.compute !== undefined && asset.sourceFile !== undefined ? { modules: localModulesVersion(asset.sourceFile) ?? null } : {}),
    // Only when declared, so assets without them keep their versions. Every engine's SQL counts: a
    // BigQuery text edit makes the asset stale on DuckDB targets too (one version per asset, not per engine).
    ...(asset.sqlByEngine?.bigquery !== undefined ? { bigquery: normalizeSource(asset.sqlByEngine.bigquery, 'sql') } : {}),
    ...(asset.engine !== undefined ? { engine: asset.engine } : {}),
    ...(asset.cluster !== undefined ? { cluster: asset.cluster } : {}),
  });
  return shortHash(fingerprint);
}

/**
 * What of a partitions definition changes what one partition computes: its kind and, for time
 * windows, grain, time zone, key format and week start — not its start or end, which only say how
 * many partitions exist (a growing range must not make every partition stale).
 */
function partitionsShape(partitions: AssetDefinition['partitions']): unknown {
  if (partitions === undefined) return null;
  const p = partitions as unknown as Record<string, unknown>;
  // cron: the schedule of cronPartitions (absent, so unchanged, for grain partitions).
  if (partitions.kind === 'time-window') return { kind: p.kind, grain: p.grain, timezone: p.timezone, format: p.format, weekStartsOn: p.weekStartsOn, cron: p.cron };
  return { kind: partitions.kind };
}

/** JSON with object keys sorted, so equal configs give equal text whatever their key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
