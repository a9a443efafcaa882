import type { RowSchema } from '../definitions/index.ts';
import type { ThresholdCondition } from './check-threshold.ts';

/** How bad a breach is: `warn` makes the result `warned`, `error` makes it `failed`. */
export type CheckSeverity = 'warn' | 'error';

/**
 * The quality dimension a check measures; the composite score weighs dimensions (see
 * docs/quality-score.md).
 */
export type QualityDimension = 'validity' | 'completeness' | 'uniqueness' | 'consistency' | 'timeliness';

/** What a check's failing count counts: rows of the target, keys, schema columns, or one value. */
export type CheckUnit = 'rows' | 'keys' | 'columns' | 'value';

/** The built-in check kinds. */
export type CheckKind =
  | 'schemaContract'
  | 'notNull'
  | 'nullPercentage'
  | 'acceptedRange'
  | 'acceptedValues'
  | 'unique'
  | 'referentialIntegrity'
  | 'rowCount'
  | 'rowCountChange'
  | 'freshness'
  | 'zScore'
  | 'aggregateReconciliation'
  | 'customSql';

/** Fields every built-in check declaration has. Thresholds are normalized lists. */
export type CheckDeclarationBase<Kind extends CheckKind> = {
  readonly name: string;
  readonly kind: Kind;
  readonly description: string | undefined;
  readonly severity: CheckSeverity;
  /** A blocking check that fails (or errors) keeps the partition from being published. */
  readonly blocking: boolean;
  readonly dimension: QualityDimension;
  /** Breach conditions that make the result `warned` (any one is enough). */
  readonly warnIf: readonly ThresholdCondition[];
  /** Breach conditions that make the result `failed` (any one is enough); checked before `warnIf`. */
  readonly errorIf: readonly ThresholdCondition[];
};

/** Columns and types of the target must match a zod schema. */
export type SchemaContractCheck = CheckDeclarationBase<'schemaContract'> & {
  /** The schema; when absent, the asset's own schema passed to `evaluateChecks`. */
  readonly schema: RowSchema | undefined;
  readonly allowExtraColumns: boolean;
};

/** No row may have a NULL in any of the columns. */
export type NotNullCheck = CheckDeclarationBase<'notNull'> & { readonly columns: readonly string[] };

/** The share of NULLs in a column must stay at or under `maxPercent`. */
export type NullPercentageCheck = CheckDeclarationBase<'nullPercentage'> & { readonly column: string; readonly maxPercent: number };

/** A value bound of `acceptedRange`: a number, a bigint, a date/timestamp text or a Date. */
export type RangeBound = number | bigint | string | Date;

/** Non-null values must lie within `[min, max]` (or the open interval when `inclusive` is false). */
export type AcceptedRangeCheck = CheckDeclarationBase<'acceptedRange'> & {
  readonly column: string;
  readonly min: RangeBound | undefined;
  readonly max: RangeBound | undefined;
  readonly inclusive: boolean;
};

/** Non-null values must be one of `values`. */
export type AcceptedValuesCheck = CheckDeclarationBase<'acceptedValues'> & {
  readonly column: string;
  readonly values: readonly (string | number | boolean)[];
};

/** The tuple of `columns` must be unique among rows where none of them is NULL. */
export type UniqueCheck = CheckDeclarationBase<'unique'> & { readonly columns: readonly string[] };

/** Every non-null value of `columns` must exist in `toColumns` of the asset `to`. */
export type ReferentialIntegrityCheck = CheckDeclarationBase<'referentialIntegrity'> & {
  readonly columns: readonly string[];
  /** Asset key of the referenced asset; its relation comes from `relations.references[to]`. */
  readonly to: string;
  readonly toColumns: readonly string[];
};

/** The partition's row count must lie within `[min, max]`. */
export type RowCountCheck = CheckDeclarationBase<'rowCount'> & { readonly min: number | undefined; readonly max: number | undefined };

/** The row count must not change by more than `maxChangeRatio` against the previous partition. */
export type RowCountChangeCheck = CheckDeclarationBase<'rowCountChange'> & { readonly maxChangeRatio: number };

/** The newest value of a timestamp column must be at most `maxAgeHours` old. */
export type FreshnessCheck = CheckDeclarationBase<'freshness'> & {
  readonly column: string;
  readonly maxAgeHours: number;
  /** What "now" is: the partition's window end (the default) or the wall clock. */
  readonly relativeTo: 'partitionEnd' | 'now';
};

/** How a value column is aggregated per partition (and per key). */
export type ZScoreAggregate = 'sum' | 'avg' | 'min' | 'max' | 'count';

/** A value (per key, or per partition) must stay within `threshold` standard deviations of its history. */
export type ZScoreCheck = CheckDeclarationBase<'zScore'> & {
  /** A column aggregated with `aggregate`, or undefined when `metric` is given. */
  readonly value: string | undefined;
  readonly aggregate: ZScoreAggregate;
  /** A SQL aggregate expression such as `count(*)`, used instead of `value`. */
  readonly metric: string | undefined;
  readonly by: readonly string[];
  /** How many earlier partitions make the history. */
  readonly window: number;
  readonly threshold: number;
  /** Keys with fewer historical partitions are not evaluated. */
  readonly minHistory: number;
};

/** One side of an aggregate reconciliation. */
export type ReconciliationSide = {
  /** `'target'`, or the asset key of a reference relation. */
  readonly from: string;
  readonly value: string;
  readonly aggregate: ZScoreAggregate;
  readonly by: readonly string[];
};

/** Per key, the aggregate of `left` must equal that of `right` within the tolerance. */
export type AggregateReconciliationCheck = CheckDeclarationBase<'aggregateReconciliation'> & {
  readonly left: ReconciliationSide;
  readonly right: ReconciliationSide;
  /** Relative tolerance against |right| (0.01 = 1 %). */
  readonly relativeTolerance: number | undefined;
  readonly absoluteTolerance: number | undefined;
};

/** User SQL: either the failing rows, or one observed value judged by `value` thresholds. */
export type CustomSqlCheck = CheckDeclarationBase<'customSql'> & {
  readonly sql: string;
  readonly returns: 'rows' | 'value';
};

/** Any built-in check declaration; each is an `AssetCheckDeclaration` an asset can carry. */
export type CheckDeclaration =
  | SchemaContractCheck
  | NotNullCheck
  | NullPercentageCheck
  | AcceptedRangeCheck
  | AcceptedValuesCheck
  | UniqueCheck
  | ReferentialIntegrityCheck
  | RowCountCheck
  | RowCountChangeCheck
  | FreshnessCheck
  | ZScoreCheck
  | AggregateReconciliationCheck
  | CustomSqlCheck;

/** Which dimension each kind measures unless a check says otherwise. */
export const CHECK_KIND_DIMENSIONS: Readonly<Record<CheckKind, QualityDimension>> = Object.freeze({
  schemaContract: 'validity',
  notNull: 'completeness',
  nullPercentage: 'completeness',
  acceptedRange: 'validity',
  acceptedValues: 'validity',
  unique: 'uniqueness',
  referentialIntegrity: 'consistency',
  rowCount: 'completeness',
  rowCountChange: 'consistency',
  freshness: 'timeliness',
  zScore: 'consistency',
  aggregateReconciliation: 'consistency',
  customSql: 'validity',
});

/** What each kind's failing count counts. */
export const CHECK_KIND_UNITS: Readonly<Record<CheckKind, CheckUnit>> = Object.freeze({
  schemaContract: 'columns',
  notNull: 'rows',
  nullPercentage: 'rows',
  acceptedRange: 'rows',
  acceptedValues: 'rows',
  unique: 'rows',
  referentialIntegrity: 'rows',
  rowCount: 'value',
  rowCountChange: 'value',
  freshness: 'value',
  zScore: 'keys',
  aggregateReconciliation: 'keys',
  customSql: 'rows',
});

/** True when `kind` names a built-in check. */
export function isCheckKind(kind: unknown): kind is CheckKind {
  return typeof kind === 'string' && Object.hasOwn(CHECK_KIND_DIMENSIONS, kind);
}

/** True when `value` is a built-in check declaration (as made by the factories in this folder). */
export function isCheckDeclaration(value: unknown): value is CheckDeclaration {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.name === 'string' &&
    isCheckKind(v.kind) &&
    (v.severity === 'warn' || v.severity === 'error') &&
    typeof v.blocking === 'boolean' &&
    Array.isArray(v.warnIf) &&
    Array.isArray(v.errorIf)
  );
}
