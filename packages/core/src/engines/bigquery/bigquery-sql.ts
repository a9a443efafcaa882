import { createHash } from 'node:crypto';
import type { AssetDefinition } from '../../definitions/index.ts';
import { QuarryError } from '../../errors.ts';
import type { TimeWindowPartitionsDefinition } from '../../partitions/time-window-partitions.ts';
import type { ColumnSchema } from '../engine.ts';

/** The column every time-partitioned Quarry table is partitioned on: the start (UTC) of the row's partition window. */
export const PARTITION_TIME_COLUMN = '_quarry_partition_time';

/** Prefix of the tables a step writes before `publish` (`_quarry_staging_<table>_<run>_<hash>`). */
export const STAGING_PREFIX = '_quarry_staging_';

/** Prefix of the tables lake files are loaded into for a step that reads them (`_quarry_input_<hash>`). */
export const INPUT_PREFIX = '_quarry_input_';

/** BigQuery's time-partitioning types Quarry uses. */
export type BigQueryPartitionType = 'HOUR' | 'DAY' | 'MONTH';

/** A BigQuery table (or one partition of it), as a `bigquery:` locator names it. */
export interface BigQueryLocator {
  readonly project: string;
  readonly dataset: string;
  readonly table: string;
  /** Partition id (`20260115`, `2026011508`, `202601`); undefined for a whole (unpartitioned) table. */
  readonly partition?: string;
}

/** The table name of an asset: its key with `/` → `__` (`raw/videos` → `raw__videos`), other characters BigQuery refuses → `_`. */
export function tableNameOf(assetKey: string): string {
  return assetKey.replaceAll('/', '__').replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * How an asset's table is partitioned: hourly windows by HOUR, daily and weekly by DAY, monthly by
 * MONTH (each window's start falls in a partition of its own); undefined for an unpartitioned asset.
 * Other partitions (static, dynamic, multi, 15-minute) have no BigQuery layout: QUARRY_BIGQUERY_UNSUPPORTED.
 */
export function partitionTypeOf(asset: AssetDefinition): BigQueryPartitionType | undefined {
  const partitions = asset.partitions;
  if (partitions === undefined) return undefined;
  if (partitions.kind === 'time-window') {
    const grain = (partitions as TimeWindowPartitionsDefinition).grain;
    if (grain === 'hourly') return 'HOUR';
    if (grain === 'daily' || grain === 'weekly') return 'DAY';
    if (grain === 'monthly') return 'MONTH';
  }
  const what = partitions.kind === 'time-window' ? `${(partitions as TimeWindowPartitionsDefinition).grain} time-window` : partitions.kind;
  throw new QuarryError(
    'QUARRY_BIGQUERY_UNSUPPORTED',
    `Asset "${asset.key}" has ${what} partitions, which have no BigQuery table layout (BigQuery tables are partitioned by hour, day or month). ` +
      `Pin it to DuckDB with engine: 'duckdb' in its defineAsset, or use hourly, daily, weekly or monthly partitions.`,
    { details: { assetKey: asset.key, partitions: what } },
  );
}

/** The id of the BigQuery partition holding rows whose `_quarry_partition_time` is `start` (UTC): `20260115`, `2026011508`, `202601`. */
export function partitionIdOf(start: Date, type: BigQueryPartitionType): string {
  const iso = start.toISOString();
  const ymd = iso.slice(0, 4) + iso.slice(5, 7);
  if (type === 'MONTH') return ymd;
  const day = ymd + iso.slice(8, 10);
  return type === 'DAY' ? day : day + iso.slice(11, 13);
}

/** The UTC interval a partition id covers, [start, end). */
export function partitionIdRange(id: string): { start: Date; end: Date } {
  const y = Number(id.slice(0, 4));
  const m = Number(id.slice(4, 6)) - 1;
  if (id.length === 6) return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
  const d = Number(id.slice(6, 8));
  if (id.length === 8) return { start: new Date(Date.UTC(y, m, d)), end: new Date(Date.UTC(y, m, d + 1)) };
  const h = Number(id.slice(8, 10));
  return { start: new Date(Date.UTC(y, m, d, h)), end: new Date(Date.UTC(y, m, d, h + 1)) };
}

const LOCATOR = /^bigquery:([a-z](?:[a-z0-9.:-]*[a-z0-9])?)\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)(?:\$(\d{6}|\d{8}|\d{10}))?$/;

/** Reads a `bigquery:project.dataset.table[$partition]` locator; anything else is QUARRY_ENGINE_ERROR naming it. */
export function parseLocator(file: string): BigQueryLocator {
  const match = LOCATOR.exec(file);
  if (match === null) {
    throw new QuarryError(
      'QUARRY_ENGINE_ERROR',
      `${JSON.stringify(file)} is not a BigQuery locator; expected bigquery:<project>.<dataset>.<table> with an optional $<partition id> (such as bigquery:acme.tiktok.raw__videos$20260115).`,
      { details: { file } },
    );
  }
  return { project: match[1]!, dataset: match[2]!, table: match[3]!, ...(match[4] !== undefined ? { partition: match[4] } : {}) };
}

/** The locator text of a table or partition: `bigquery:p.d.t$20260115`. */
export function formatLocator(locator: BigQueryLocator): string {
  return `bigquery:${locator.project}.${locator.dataset}.${locator.table}${locator.partition !== undefined ? `$${locator.partition}` : ''}`;
}

/** `project.dataset.table` of a locator (no partition). */
export function qualifiedName(locator: Pick<BigQueryLocator, 'project' | 'dataset' | 'table'>): string {
  return `${locator.project}.${locator.dataset}.${locator.table}`;
}

/** A table reference for SQL: `` `project.dataset.table` ``. */
export function quoteTable(locator: Pick<BigQueryLocator, 'project' | 'dataset' | 'table'>): string {
  return '`' + qualifiedName(locator).replace(/[`\\]/g, (c) => '\\' + c) + '`';
}

/** A BigQuery identifier quoted with backticks. */
export function quoteIdentifier(name: string): string {
  return '`' + name.replace(/[`\\]/g, (c) => '\\' + c) + '`';
}

/** A BigQuery string literal. */
export function quoteString(value: string): string {
  return "'" + value.replace(/[\\']/g, (c) => '\\' + c).replace(/\n/g, '\\n').replace(/\r/g, '\\r') + "'";
}

/** A TIMESTAMP literal of an instant. */
export function timestampLiteral(instant: Date): string {
  return `TIMESTAMP '${instant.toISOString().replace('T', ' ').replace('Z', '+00')}'`;
}

/**
 * A value as a BigQuery label value allows it: lowercase, only `a-z 0-9 _ -` (anything else → `_`), at
 * most 63 characters (a longer value keeps its start and a hash of the whole, so it stays distinct).
 */
export function sanitizeLabel(value: string): string {
  const safe = value.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  if (safe.length <= 63) return safe;
  return `${safe.slice(0, 54)}_${shortHash(value, 8)}`;
}

/** The labels of every job of a step: the target's, then `quarry_run`, `quarry_asset`, `quarry_partition`. */
export function jobLabels(base: Readonly<Record<string, string>> | undefined, runId: string, assetKey: string | undefined, partition: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(base ?? {})) labels[sanitizeLabel(key).replace(/^[^a-z]+/, 'l_') || 'label'] = sanitizeLabel(value);
  labels['quarry_run'] = sanitizeLabel(runId);
  if (assetKey !== undefined) labels['quarry_asset'] = sanitizeLabel(assetKey);
  if (partition !== undefined) labels['quarry_partition'] = sanitizeLabel(partition === '' ? 'unpartitioned' : partition);
  return labels;
}

/** Hex characters of sha256(text). */
export function shortHash(text: string, length = 16): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A job id: `quarry_<run>_<hash of what the job does and a per-attempt nonce>` (BigQuery allows `[A-Za-z0-9_-]`, ≤ 1024). */
export function jobIdOf(runId: string, what: string, nonce: string): string {
  return `quarry_${runId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200)}_${shortHash(`${what}\u0000${nonce}`)}`;
}

/** The staging table of a step: `_quarry_staging_<table>_<run>_<hash>` (≤ 1024 characters). */
export function stagingTableName(assetKey: string, runId: string, nonce: string): string {
  const run = runId.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 64);
  return `${STAGING_PREFIX}${tableNameOf(assetKey).slice(0, 200)}_${run}_${shortHash(`${assetKey}\u0000${runId}\u0000${nonce}`, 12)}`;
}

/** The table lake files are loaded into: `_quarry_input_<hash of the object URIs>`, so the same files reuse one table. */
export function inputTableName(uris: readonly string[]): string {
  return `${INPUT_PREFIX}${shortHash([...uris].sort().join('\n'), 24)}`;
}

/**
 * Named parameters (`@name`) a BigQuery statement mentions, in order of first mention; text inside
 * string literals, quoted identifiers and comments does not count.
 */
export function mentionedParameters(sql: string): string[] {
  const found: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const triple = sql.startsWith(c.repeat(3), i) && c !== '`';
      const end = triple ? c.repeat(3) : c;
      i += end.length;
      while (i < sql.length && !sql.startsWith(end, i)) i += sql[i] === '\\' ? 2 : 1;
      i += end.length;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '#') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (c === '@' && sql[i + 1] !== '@') {
      const match = /^@([A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(i));
      if (match !== null) {
        if (!found.includes(match[1]!)) found.push(match[1]!);
        i += match[0].length;
      } else i++;
    } else if (c === '@') {
      // @@system_variable
      i += 2;
      while (i < sql.length && /[A-Za-z0-9_.]/.test(sql[i]!)) i++;
    } else i++;
  }
  return found;
}

/** DuckDB type names (of lake files, of inputs typed by a DuckDB step) as BigQuery names them; BigQuery names pass through. */
export function bigQueryTypeOf(type: string): string {
  const t = type.trim().toUpperCase();
  if (/^(VARCHAR|TEXT|STRING|CHAR|BPCHAR|UUID)(\(\d+\))?$/.test(t)) return 'STRING';
  if (/^(BIGINT|INTEGER|INT|INT4|INT8|INT64|SMALLINT|TINYINT|UTINYINT|USMALLINT|UINTEGER|LONG)$/.test(t)) return 'INT64';
  if (/^(DOUBLE|FLOAT|FLOAT64|REAL|FLOAT4|FLOAT8)$/.test(t)) return 'FLOAT64';
  if (/^(BOOLEAN|BOOL)$/.test(t)) return 'BOOL';
  if (t === 'TIMESTAMP WITH TIME ZONE' || t === 'TIMESTAMPTZ' || t === 'TIMESTAMP') return t === 'TIMESTAMP' ? 'DATETIME' : 'TIMESTAMP';
  if (/^TIMESTAMP_(S|MS|NS)$/.test(t)) return 'DATETIME';
  if (/^(DECIMAL|NUMERIC)/.test(t)) return 'NUMERIC';
  if (t === 'BLOB' || t === 'BYTEA' || t === 'BYTES') return 'BYTES';
  if (t === 'HUGEINT' || t === 'UBIGINT' || t === 'BIGNUMERIC') return 'BIGNUMERIC';
  return t;
}

/** A typed relation without rows: `SELECT * FROM UNNEST(ARRAY<STRUCT<a STRING, …>>[])`. */
export function emptyRelationSql(columns: readonly ColumnSchema[]): string {
  return `SELECT * FROM UNNEST(ARRAY<STRUCT<${columns.map((c) => `${quoteIdentifier(c.name)} ${bigQueryTypeOf(c.type)}`).join(', ')}>>[])`;
}

/**
 * SQL reading BigQuery locators of one relation: each table once, restricted to the partitions its
 * locators name (as ranges of `_quarry_partition_time`, so BigQuery prunes partitions), without the
 * partition column; tables are combined with UNION ALL.
 */
export function locatorRelationSql(locators: readonly BigQueryLocator[]): string {
  const byTable = new Map<string, { locator: BigQueryLocator; ids: Set<string>; whole: boolean }>();
  for (const locator of locators) {
    const key = qualifiedName(locator);
    const entry = byTable.get(key) ?? { locator, ids: new Set<string>(), whole: false };
    if (locator.partition === undefined) entry.whole = true;
    else entry.ids.add(locator.partition);
    byTable.set(key, entry);
  }
  const parts = [...byTable.values()].map(({ locator, ids, whole }) => {
    if (whole) return `SELECT * FROM ${quoteTable(locator)}`;
    const column = quoteIdentifier(PARTITION_TIME_COLUMN);
    const ranges = mergeRanges([...ids].map(partitionIdRange));
    const where = ranges.map((r) => `(${column} >= ${timestampLiteral(r.start)} AND ${column} < ${timestampLiteral(r.end)})`).join(' OR ');
    return `SELECT * EXCEPT(${column}) FROM ${quoteTable(locator)} WHERE ${where}`;
  });
  return parts.join('\nUNION ALL\n');
}

function mergeRanges(ranges: { start: Date; end: Date }[]): { start: Date; end: Date }[] {
  const sorted = [...ranges].sort((a, b) => a.start.getTime() - b.start.getTime());
  const merged: { start: Date; end: Date }[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.start.getTime() <= last.end.getTime()) {
      if (range.end.getTime() > last.end.getTime()) last.end = range.end;
    } else merged.push({ ...range });
  }
  return merged;
}

/**
 * `WITH <ctes> <sql>`: relations placed in front of a query. A query that has its own WITH gets the
 * relations as its first CTEs, so its ORDER BY stays the outermost one.
 */
export function withRelations(ctes: readonly { name: string; sql: string }[], sql: string): string {
  if (ctes.length === 0) return sql;
  const defined = ctes.map((c) => `${quoteIdentifier(c.name)} AS (\n${c.sql}\n)`).join(',\n');
  const own = /^\s*with\s+(recursive\s+)?/i.exec(sql);
  if (own !== null) return `WITH ${own[1] !== undefined ? 'RECURSIVE ' : ''}${defined},\n${sql.slice(own[0].length)}`;
  return `WITH ${defined}\n${sql}`;
}

/** How a step's query places each row in a partition: the window start it belongs to (a TIMESTAMP expression over the output alias `q`). */
export type PartitionTimeExpression = string;

/** One window of a range split, for `splitPlacementSql`. */
export interface SplitWindow {
  readonly start: Date;
  readonly end: Date;
}

/**
 * The window start of each row of a range step, from its partition column `column` (of BigQuery type
 * `type`): TIMESTAMP values compare as instants, DATE and DATETIME as wall-clock times in `timeZone`;
 * NULL when no window takes the row (the step then fails, naming it).
 */
export function splitPlacementSql(column: string, type: string, windows: readonly SplitWindow[], timeZone: string): PartitionTimeExpression {
  const value = `q.${quoteIdentifier(column)}`;
  const t = type.toUpperCase();
  const instant = t === 'TIMESTAMP' ? value : t === 'DATE' || t === 'DATETIME' ? `TIMESTAMP(DATETIME(${value}), ${quoteString(timeZone)})` : `TIMESTAMP(${value}, ${quoteString(timeZone)})`;
  const list = windows.map((w) => `STRUCT(${timestampLiteral(w.start)} AS s, ${timestampLiteral(w.end)} AS e)`).join(', ');
  return `(SELECT w.s FROM UNNEST([${list}]) AS w WHERE ${instant} >= w.s AND ${instant} < w.e)`;
}

/**
 * The query a step runs into its staging table: the asset's SQL (`sql`, BigQuery dialect) with its
 * inputs as CTEs and, for a partitioned table, `_quarry_partition_time` added.
 */
export function stagingQuerySql(ctes: readonly { name: string; sql: string }[], sql: string, partitionTime: PartitionTimeExpression | undefined): string {
  const body = partitionTime === undefined ? `SELECT q.* FROM (\n${sql}\n) AS q` : `SELECT q.*, ${partitionTime} AS ${quoteIdentifier(PARTITION_TIME_COLUMN)} FROM (\n${sql}\n) AS q`;
  return withRelations(ctes, body);
}

/**
 * The one query that summarizes a staging table per partition: row count and an order-independent
 * digest — the sum, as BIGNUMERIC mod 2^64, of FARM_FINGERPRINT over each row's JSON (so duplicates
 * count) — and, for a range split, how many rows no window took with an example value.
 */
export function stagingSummarySql(staging: Pick<BigQueryLocator, 'project' | 'dataset' | 'table'>, columns: readonly ColumnSchema[], partitioned: boolean, splitColumn?: string): string {
  const row = `TO_JSON_STRING(STRUCT(${columns.map((c) => `s.${quoteIdentifier(c.name)}`).join(', ')}))`;
  const digest = `CAST(MOD(SUM(CAST(FARM_FINGERPRINT(${row}) AS BIGNUMERIC)), 18446744073709551616) AS STRING)`;
  const part = partitioned ? `s.${quoteIdentifier(PARTITION_TIME_COLUMN)}` : 'CAST(NULL AS TIMESTAMP)';
  const extra = splitColumn === undefined ? '' : `, CAST(MIN(s.${quoteIdentifier(splitColumn)}) AS STRING) AS example, COUNT(s.${quoteIdentifier(splitColumn)}) AS non_null`;
  return `SELECT ${part} AS part, COUNT(*) AS row_count, ${digest} AS digest${extra} FROM ${quoteTable(staging)} AS s GROUP BY part`;
}

/** Table references in a parsed statement that are neither CTEs it defines nor `allowed` names. */
export function undeclaredTables(tree: unknown, allowed: ReadonlySet<string>): string[] {
  const ctes = new Set<string>();
  const tables: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (Array.isArray(record['ctes'])) {
      for (const cte of record['ctes'] as Record<string, unknown>[]) {
        const alias = (cte?.['alias'] as { name?: unknown } | undefined)?.name;
        if (typeof alias === 'string') ctes.add(alias);
      }
    }
    const table = record['table'];
    if (table !== null && typeof table === 'object' && !Array.isArray(table) && 'name' in (table as object) && 'schema' in (table as object)) {
      const t = table as { name?: { name?: unknown }; schema?: { name?: unknown } | null; catalog?: { name?: unknown } | null };
      const parts = [t.catalog?.name, t.schema?.name, t.name?.name].filter((p): p is string => typeof p === 'string');
      tables.push(parts.join('.'));
    }
    for (const value of Object.values(record)) visit(value);
  };
  visit(tree);
  return [...new Set(tables)].filter((name) => !allowed.has(name) && !ctes.has(name));
}
