import type { AssetCheckDeclaration, RowSchema } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
import { CHECK_KIND_UNITS, isCheckDeclaration, type CheckDeclaration } from './check-declaration.ts';
import {
  handlerOf,
  scanQuery,
  toBigIntValue,
  type CheckCompileContext,
  type CheckMeasurement,
  type CheckQueryFunction,
  type CheckRelations,
  type ColumnTypes,
  type PassValues,
} from './check-compiler.ts';
import { checkDialect } from './check-dialect.ts';
import { loadSqlDialect } from '../dialect/index.ts';
import type { CheckQueryRunner } from './check-query-runner.ts';
import { toJsonRow, type CheckResult, type CheckStatus, type JsonValue } from './check-result.ts';
import { formatConditions, ratioOf, rationalToNumber, thresholdBreached } from './check-threshold.ts';

/** Per-call options of `evaluateChecks`. */
export interface CheckEvaluationOptions {
  /** The partition being audited (`''` for an unpartitioned asset); also the cut-off for history. */
  readonly partitionKey?: string;
  /** Window start (inclusive) of the partition, for `{{partition_start}}`. */
  readonly partitionStart?: Date;
  /** Window end (exclusive) of the partition: what `freshness` measures age against. */
  readonly partitionEnd?: Date;
  /** Failing rows kept per non-passing check (default 5; 0 skips sample queries). */
  readonly sampleSize?: number;
  /** The wall clock, for `freshness({ relativeTo: 'now' })` (default: the current time). */
  readonly now?: Date;
  /** Stored in every result so the catalog can file it. */
  readonly assetKey?: string;
  /** The asset's schema, used by `schemaContract()` declared without one. */
  readonly schema?: RowSchema;
}

/** Turns the opaque declarations an asset carries into built-in checks, rejecting unknown ones. */
export function parseCheckDeclarations(checks: readonly AssetCheckDeclaration[]): readonly CheckDeclaration[] {
  const seen = new Set<string>();
  return checks.map((check, index) => {
    if (!isCheckDeclaration(check)) {
      throw new QuarryError(
        'QUARRY_BAD_CHECK',
        `Check ${index} (${JSON.stringify((check as { name?: unknown })?.name)}, kind ${JSON.stringify((check as { kind?: unknown })?.kind)}) is not a built-in check declaration; create it with notNull(), unique(), customSql() and the other factories of @quarry/core.`,
      );
    }
    if (seen.has(check.name)) {
      throw new QuarryError('QUARRY_BAD_CHECK', `Two checks are named "${check.name}"; give one of them another name with { name: '…' }.`);
    }
    seen.add(check.name);
    return check;
  });
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** The threshold text of a declaration: `fail if ratio > 0.05; warn if count > 0`. */
export function describeThreshold(check: CheckDeclaration): string {
  const parts: string[] = [];
  if (check.errorIf.length > 0) parts.push(`fail if ${formatConditions(check.errorIf)}`);
  if (check.warnIf.length > 0) parts.push(`warn if ${formatConditions(check.warnIf)}`);
  return parts.join('; ');
}

/** The status a measurement earns under the check's thresholds (errorIf before warnIf). */
export function decideStatus(check: CheckDeclaration, measurement: Pick<CheckMeasurement, 'failing' | 'total' | 'value'>): Exclude<CheckStatus, 'errored'> {
  const observation = { count: measurement.failing, total: measurement.total, value: measurement.value };
  if (thresholdBreached(check.errorIf, observation)) return 'failed';
  if (thresholdBreached(check.warnIf, observation)) return 'warned';
  return 'passed';
}

interface Timed<T> {
  readonly value: T;
  readonly ms: number;
}

async function timed<T>(work: () => Promise<T>): Promise<Timed<T>> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

/**
 * Runs one shared pass: every check's aggregates in one query over the target. When that query
 * fails, it reruns them check by check so the error lands on the check that caused it.
 */
async function aggregatePass(
  run: CheckQueryFunction,
  ctx: CheckCompileContext,
  parts: ReadonlyMap<string, readonly string[]>,
  withCount: boolean,
  errors: Map<string, string>,
): Promise<{ total: bigint | null; values: Map<string, unknown[]> }> {
  const values = new Map<string, unknown[]>();
  const expressions: string[] = [];
  const offsets = new Map<string, number>();
  for (const [name, exprs] of parts) {
    offsets.set(name, expressions.length);
    expressions.push(...exprs);
  }
  if (expressions.length === 0 && !withCount) return { total: null, values };
  const pick = (row: Record<string, unknown> | undefined, from: number, count: number) => Array.from({ length: count }, (_, i) => row?.[`_q_${from + i}`]);
  try {
    const [row] = await run(scanQuery(ctx, expressions, withCount));
    for (const [name, exprs] of parts) values.set(name, pick(row, offsets.get(name)!, exprs.length));
    return { total: withCount ? (toBigIntValue(row?._q_n) ?? 0n) : null, values };
  } catch (sharedError) {
    let total: bigint | null = null;
    if (withCount) {
      try {
        const [row] = await run(scanQuery(ctx, []));
        total = toBigIntValue(row?._q_n) ?? 0n;
      } catch {
        for (const name of parts.keys()) if (!errors.has(name)) errors.set(name, `The target could not be read: ${errorText(sharedError)}`);
        return { total: null, values };
      }
    }
    for (const [name, exprs] of parts) {
      if (exprs.length === 0) continue;
      try {
        const [row] = await run(scanQuery(ctx, exprs, false));
        values.set(name, pick(row, 0, exprs.length));
      } catch (error) {
        errors.set(name, errorText(error));
      }
    }
    return { total, values };
  }
}

/**
 * Evaluates checks on a new partition version inside the engine and returns one result per check,
 * in declaration order. Single-table aggregates of every check share two passes over the target: a
 * statistics pass (`count(*)`, `min`, `max`, which DuckDB reads from Parquet metadata; it settles
 * row counts, freshness, and ranges whose min and max lie inside) and ONE full scan for the rest
 * (NULL counts, unsettled ranges, integer-key bitmaps); on BigQuery both are one query. Checks that
 * group, join or read history run one query each; failing samples are fetched only for checks that
 * did not pass. A check that cannot run is `errored`, never thrown; only malformed declarations throw.
 *
 * ```ts
 * const results = await evaluateChecks(runner, asset.checks, {
 *   target: 'staged_videos', history: 'videos_history', references: { 'raw/creators': 'creators' },
 * }, { partitionKey: '2026-01-15', partitionEnd: new Date('2026-01-16T00:00:00Z'), assetKey: asset.key });
 * if (blockingFailures(results).length) throw new QuarryError('QUARRY_CHECK_BLOCKED', '…');
 * ```
 */
export async function evaluateChecks(
  runner: CheckQueryRunner,
  checks: readonly AssetCheckDeclaration[],
  relations: CheckRelations,
  options: CheckEvaluationOptions = {},
): Promise<CheckResult[]> {
  const declarations = parseCheckDeclarations(checks);
  if (declarations.length === 0) return [];
  if (typeof relations?.target !== 'string' || relations.target.trim() === '') {
    throw new QuarryError('QUARRY_BAD_CHECK', `evaluateChecks needs relations.target, the relation of the partition version to audit.`);
  }
  const sampleSize = options.sampleSize ?? 5;
  if (!Number.isInteger(sampleSize) || sampleSize < 0) {
    throw new QuarryError('QUARRY_BAD_CHECK', `sampleSize must be a whole number ≥ 0, got ${JSON.stringify(options.sampleSize)}.`);
  }
  const ctx: CheckCompileContext = {
    dialect: checkDialect(runner.dialect),
    relations,
    partitionKey: options.partitionKey ?? '',
    partitionStart: options.partitionStart,
    partitionEnd: options.partitionEnd,
    now: options.now ?? new Date(),
    schema: options.schema,
    ...(options.assetKey !== undefined ? { assetKey: options.assetKey } : {}),
  };
  // Custom SQL is DuckDB's dialect: another engine's checks compile it through the dialect layer.
  if (ctx.dialect.name !== 'duckdb' && declarations.some((c) => c.kind === 'customSql')) await loadSqlDialect();
  const evaluatedAt = new Date().toISOString();
  const run = (sql: string): Promise<Record<string, unknown>[]> => runner.query(sql);

  // Column types, only when a check needs them (schema contract, integer-key uniqueness).
  let columns: ColumnTypes | undefined;
  let describeError: string | undefined;
  let describeMs = 0;
  if (declarations.some((c) => handlerOf(c).needsColumns?.(c, ctx))) {
    try {
      const { value, ms } = await timed(() => run(ctx.dialect.describe(relations.target)));
      columns = new Map(value.map((r) => [String(r.column_name), String(r.column_type)]));
      describeMs = ms;
    } catch (error) {
      describeError = errorText(error);
    }
  }

  // Shared passes: a statistics pass (count/min/max) and one full pass carry every check's
  // single-table aggregates; where the dialect has no cheap statistics they are one query.
  const errors = new Map<string, string>();
  const values = new Map<string, PassValues>();
  const passStart = performance.now();
  const statsExprs = new Map<string, readonly string[]>();
  for (const check of declarations) {
    try {
      statsExprs.set(check.name, handlerOf(check).stats?.(check as never, ctx, columns) ?? []);
    } catch (error) {
      errors.set(check.name, errorText(error));
    }
  }
  const scanExprs = (check: CheckDeclaration, stats: readonly unknown[] | undefined): readonly string[] => {
    try {
      return handlerOf(check).scan(check as never, ctx, columns, stats);
    } catch (error) {
      errors.set(check.name, errorText(error));
      return [];
    }
  };
  let total: bigint | null;
  if (runner.statisticsPass ?? ctx.dialect.statisticsPass) {
    const first = await aggregatePass(run, ctx, statsExprs, true, errors);
    total = first.total;
    const second = new Map<string, readonly string[]>();
    for (const check of declarations) {
      if (!errors.has(check.name)) second.set(check.name, scanExprs(check, first.values.get(check.name) ?? []));
    }
    const full = total === null ? { total: null, values: new Map<string, unknown[]>() } : await aggregatePass(run, ctx, second, false, errors);
    for (const check of declarations) {
      values.set(check.name, { stats: first.values.get(check.name) ?? [], scan: full.values.get(check.name) ?? [] });
    }
  } else {
    const merged = new Map<string, readonly string[]>();
    for (const check of declarations) {
      if (errors.has(check.name)) continue;
      merged.set(check.name, [...(statsExprs.get(check.name) ?? []), ...scanExprs(check, undefined)]);
    }
    const one = await aggregatePass(run, ctx, merged, true, errors);
    total = one.total;
    for (const check of declarations) {
      const row = one.values.get(check.name) ?? [];
      const n = statsExprs.get(check.name)?.length ?? 0;
      values.set(check.name, { stats: row.slice(0, n), scan: row.slice(n) });
    }
  }
  const scanShare = (performance.now() - passStart + describeMs) / declarations.length;

  const results: CheckResult[] = [];
  for (const check of declarations) {
    const handler = handlerOf(check);
    const base = {
      assetKey: options.assetKey ?? null,
      partitionKey: ctx.partitionKey,
      checkName: check.name,
      kind: check.kind,
      dimension: check.dimension,
      severity: check.severity,
      blocking: check.blocking,
      unit: CHECK_KIND_UNITS[check.kind],
      threshold: describeThreshold(check),
      evaluatedAt,
    };
    const started = performance.now();
    const errored = (message: string): CheckResult =>
      Object.freeze({
        ...base,
        status: 'errored' as const,
        passed: false,
        observedValue: null,
        failingCount: null,
        totalCount: null,
        failingRatio: null,
        sample: Object.freeze([]),
        message,
        durationMs: Math.round(scanShare + performance.now() - started),
      });
    const earlier = errors.get(check.name);
    if (earlier !== undefined || total === null) {
      results.push(errored(earlier ?? 'The target could not be read.'));
      continue;
    }
    if (describeError !== undefined && check.kind === 'schemaContract') {
      results.push(errored(`The target's columns could not be listed: ${describeError}`));
      continue;
    }
    let measurement: CheckMeasurement;
    try {
      measurement = await handler.measure(check as never, ctx, values.get(check.name) ?? { stats: [], scan: [] }, total, run, columns);
    } catch (error) {
      results.push(errored(errorText(error)));
      continue;
    }
    const status = decideStatus(check, measurement);
    let sample: readonly { readonly [key: string]: JsonValue }[] = (measurement.sample ?? []).slice(0, sampleSize);
    let message = measurement.message;
    if (status !== 'passed' && sampleSize > 0 && measurement.sample === undefined && handler.sample) {
      try {
        const sql = handler.sample(check as never, ctx, sampleSize);
        if (sql) sample = (await run(sql)).map(toJsonRow);
      } catch (error) {
        message += ` (Sample unavailable: ${errorText(error)})`;
      }
    }
    const failingRatio =
      measurement.failing === null || measurement.total === null ? null : rationalToNumber(ratioOf(measurement.failing, measurement.total));
    results.push(
      Object.freeze({
        ...base,
        status,
        passed: status === 'passed',
        observedValue: measurement.observedValue !== null && Number.isFinite(measurement.observedValue) ? measurement.observedValue : null,
        failingCount: measurement.failing === null ? null : Number(measurement.failing),
        totalCount: measurement.total === null ? null : Number(measurement.total),
        failingRatio,
        sample: Object.freeze(sample.map((row) => Object.freeze(row))),
        message,
        durationMs: Math.round(scanShare + performance.now() - started),
      }),
    );
  }
  return results;
}

/**
 * The SQL `evaluateChecks` would run for these checks, without running it (for plans, docs and
 * tests): the statistics pass (on dialects that have one), the full pass as it runs when the
 * statistics settle nothing, and each check's own queries.
 */
export function compileCheckQueries(
  dialectName: CheckQueryRunner['dialect'],
  checks: readonly AssetCheckDeclaration[],
  relations: CheckRelations,
  options: CheckEvaluationOptions & { columns?: ColumnTypes } = {},
): { statistics: string | undefined; scan: string; checks: Record<string, readonly string[]> } {
  const declarations = parseCheckDeclarations(checks);
  const ctx: CheckCompileContext = {
    dialect: checkDialect(dialectName),
    relations,
    partitionKey: options.partitionKey ?? '',
    partitionStart: options.partitionStart,
    partitionEnd: options.partitionEnd,
    now: options.now ?? new Date(),
    schema: options.schema,
  };
  const stats = declarations.flatMap((c) => handlerOf(c).stats?.(c as never, ctx, options.columns) ?? []);
  const full = declarations.flatMap((c) => handlerOf(c).scan(c as never, ctx, options.columns, undefined));
  return {
    statistics: ctx.dialect.statisticsPass ? scanQuery(ctx, stats) : undefined,
    scan: ctx.dialect.statisticsPass ? scanQuery(ctx, full, false) : scanQuery(ctx, [...stats, ...full]),
    checks: Object.fromEntries(declarations.map((c) => [c.name, handlerOf(c).queries(c as never, ctx)])),
  };
}

/** What an executor must provide for a set of checks before calling `evaluateChecks`. */
export interface CheckRequirements {
  /** Earlier partitions `relations.history` must cover (0: no history needed). */
  readonly historyPartitions: number;
  /** Asset keys `relations.references` must map to relations. */
  readonly references: readonly string[];
  /** True when a `schemaContract()` without its own schema needs the asset's schema in the options. */
  readonly needsAssetSchema: boolean;
}

/**
 * The relations and options a set of checks needs, so an executor builds only those views.
 *
 * ```ts
 * checkRequirements(asset.checks)   // { historyPartitions: 30, references: ['raw/creators'], needsAssetSchema: false }
 * ```
 */
export function checkRequirements(checks: readonly AssetCheckDeclaration[]): CheckRequirements {
  const declarations = parseCheckDeclarations(checks);
  let historyPartitions = 0;
  const references = new Set<string>();
  let needsAssetSchema = false;
  const placeholders = /\{\{\s*(history|ref:([^}\s]+))\s*\}\}/g;
  for (const c of declarations) {
    switch (c.kind) {
      case 'zScore':
        historyPartitions = Math.max(historyPartitions, c.window);
        break;
      case 'rowCountChange':
        historyPartitions = Math.max(historyPartitions, 1);
        break;
      case 'referentialIntegrity':
        references.add(c.to);
        break;
      case 'aggregateReconciliation':
        for (const side of [c.left, c.right]) if (side.from !== 'target') references.add(side.from);
        break;
      case 'schemaContract':
        if (!c.schema) needsAssetSchema = true;
        break;
      case 'customSql':
        for (const m of c.sql.matchAll(placeholders)) {
          if (m[2]) references.add(m[2]);
          else historyPartitions = Math.max(historyPartitions, 1);
        }
        break;
      default:
        break;
    }
  }
  return Object.freeze({ historyPartitions, references: Object.freeze([...references].sort()), needsAssetSchema });
}
