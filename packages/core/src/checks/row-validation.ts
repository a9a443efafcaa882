import type { RowSchema } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
import { autoFixSql, validateAutoFix, type AutoFixAudit, type AutoFixConfig, type AutoFixKind } from './auto-fix.ts';
import { checkDialect, type CheckDialectName, type CheckSqlDialect, type SqlLogicalType } from './check-dialect.ts';
import type { CheckQueryRunner } from './check-query-runner.ts';
import { toBigIntValue } from './check-compiler.ts';
import { toJsonRow, type CheckResult } from './check-result.ts';
import { formatConditions, normalizeThreshold, ratioOf, rationalToNumber, thresholdBreached, type CheckThreshold, type ThresholdCondition } from './check-threshold.ts';
import { inspectRowSchema, type FieldSpec } from './zod-field.ts';

/**
 * Reason codes a rejected row can carry, in the order they are tried for each column (columns in
 * schema order; the first failing rule of the first failing column wins). Each code is followed by
 * `:<column>`, e.g. `bad_type:followers`. The last two come from the JavaScript pass.
 */
export const ROW_REASON_ORDER: readonly string[] = Object.freeze([
  'missing_required',
  'bad_type',
  'bad_timestamp',
  'future_timestamp',
  'out_of_range',
  'not_multiple_of',
  'bad_length',
  'bad_format',
  'not_in_enum',
  'refinement',
  'invalid',
]);

/** Options of `compileRowValidation`. */
export interface RowValidationOptions {
  /** The raw relation: one text (VARCHAR) column per schema field, as `read_csv(all_varchar = true)` gives. */
  readonly source: string;
  /** Columns passed through unchanged to both outputs, such as `_source_file`, `_source_line`. */
  readonly sourceColumns?: readonly string[];
  /** Opt-in repairs per column, applied before validation and counted. */
  readonly autoFix?: AutoFixConfig;
  /** A typed relation (e.g. the trailing window of accepted rows) whose medians `median_impute` uses; default the source itself. */
  readonly medianFrom?: string;
  /** The reference time for `future_timestamp` (default: compile time). */
  readonly now?: Date;
  /** `true`, or columns whose timestamps may lie in the future (default none). */
  readonly allowFutureTimestamps?: boolean | readonly string[];
  /** `json` when raw columns are JSON values (strings quoted), as `read_json` gives. */
  readonly input?: 'text' | 'json';
  readonly dialect?: CheckDialectName;
  /** Raw columns that exist; schema fields not listed read as missing. Default: every field exists. */
  readonly presentColumns?: readonly string[];
}

/** The SQL of one row validation: classify once, then split into accepted and rejected. */
export interface CompiledRowValidation {
  readonly dialect: CheckDialectName;
  /**
   * SELECT of every input row: `_q_row` (row number), the source columns, the typed schema columns,
   * internal raw/fix columns, `reason_code` and `reason` (both NULL for accepted rows).
   */
  readonly classifySql: string;
  /** SELECT of accepted rows (source columns, then typed schema columns) from a relation holding `classifySql`. */
  acceptedSql(classified: string): string;
  /** SELECT of rejected rows (source columns, raw text of each schema column, `reason_code`, `reason`). */
  rejectedSql(classified: string): string;
  /** SELECT of one row counting each fix (`fix_0`, `fix_1`, … in `fixes` order), or undefined without fixes. */
  fixCountSql(classified: string): string | undefined;
  /** SELECT of up to `limit` changes made by fix `index`. */
  fixSampleSql(classified: string, index: number, limit: number): string;
  readonly fixes: readonly { readonly column: string; readonly fix: AutoFixKind }[];
  /** Column name and SQL type of the accepted relation's schema columns. */
  readonly acceptedColumns: readonly { readonly name: string; readonly type: string }[];
  /** Set when the schema has rules SQL cannot express; `validateRows` checks those in JavaScript. */
  readonly jsValidation: { readonly fields: readonly string[]; readonly objectRefinements: boolean } | undefined;
}

const NUMBER_TEXT = String.raw`^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$`;
const INTEGER_TEXT = String.raw`^\s*[+-]?\d+\s*$`;
const TRUE_WORDS = ['true', 't', '1', 'yes', 'y'];
const FALSE_WORDS = ['false', 'f', '0', 'no', 'n'];

function logicalType(field: FieldSpec): SqlLogicalType {
  switch (field.kind) {
    case 'int':
    case 'bigint':
      return 'bigint';
    case 'number':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'datetime':
    case 'timestamp':
      return 'timestamp';
    case 'date':
      return 'date';
    case 'enum':
      if (field.enumValues?.every((v) => typeof v === 'number')) return field.enumValues.every((v) => Number.isInteger(v)) ? 'bigint' : 'double';
      if (field.enumValues?.every((v) => typeof v === 'boolean')) return 'boolean';
      return 'varchar';
    default:
      return 'varchar';
  }
}

function isNumeric(field: FieldSpec): boolean {
  return field.kind === 'int' || field.kind === 'number' || field.kind === 'bigint' || (field.kind === 'enum' && logicalType(field) !== 'varchar' && logicalType(field) !== 'boolean');
}

function isTemporal(field: FieldSpec): boolean {
  return field.kind === 'datetime' || field.kind === 'timestamp' || field.kind === 'date';
}

function concat(parts: readonly string[]): string {
  return `concat(${parts.join(', ')})`;
}

function shown(d: CheckSqlDialect, expr: string): string {
  return concat([d.string('"'), `substr(${expr}, 1, 100)`, d.string('"')]);
}

function boundText(value: number | bigint | Date): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

interface FieldPlan {
  readonly field: FieldSpec;
  readonly index: number;
  readonly raw: string;
  readonly value: string;
  readonly type: SqlLogicalType;
  readonly blank: string;
  readonly typed: string;
  readonly rules: readonly { readonly code: string; readonly when: string; readonly reason: string }[];
}

/**
 * Compiles row validation for a zod object schema: from a raw relation of text columns, SQL that
 * types every column with safe casts, applies opt-in auto-fixes, and gives each row either no reason
 * (accepted) or its first failing reason (rejected). Ranges come from `.min/.max/.int/.nonnegative`,
 * required fields from non-optional ones, formats from `.regex/.email/.uuid/…`, enums from `z.enum`;
 * `.refine()` and other rules SQL cannot express are flagged in `jsValidation`.
 *
 * ```ts
 * const v = compileRowValidation(creatorSchema, {
 *   source: 'raw_creators', sourceColumns: ['_source_file', '_source_line'],
 *   autoFix: { followers: ['parse_k_suffix', 'median_impute'], handle: ['trim', 'lowercase'] },
 * });
 * await run(`CREATE TEMP TABLE classified AS ${v.classifySql}`);
 * await run(`CREATE TABLE accepted AS ${v.acceptedSql('classified')}`);
 * ```
 */
export function compileRowValidation(schema: RowSchema, options: RowValidationOptions): CompiledRowValidation {
  const d = checkDialect(options.dialect ?? 'duckdb');
  const { fields, objectRefinements } = inspectRowSchema(schema);
  const names = fields.map((f) => f.name);
  const sourceColumns = [...(options.sourceColumns ?? [])];
  const clash = sourceColumns.find((c) => names.includes(c) || c === 'reason_code' || c === 'reason' || c.startsWith('_q_'));
  if (clash !== undefined) {
    throw new QuarryError('QUARRY_BAD_CHECK', `Source column "${clash}" clashes with a schema column or an output column (reason_code, reason, _q_*); rename it.`);
  }
  validateAutoFix(options.autoFix, names, new Set(fields.filter(isNumeric).map((f) => f.name)));
  const present = options.presentColumns ? new Set(options.presentColumns) : undefined;
  const now = options.now ?? new Date();
  const allowFuture = options.allowFutureTimestamps ?? false;
  const futureAllowed = (name: string): boolean => allowFuture === true || (Array.isArray(allowFuture) && allowFuture.includes(name));

  // Stage 1: raw text per field.
  const inColumns = fields.map((f, i) => {
    const exists = present === undefined || present.has(f.name);
    const source = options.input === 'json' ? d.jsonText(d.ident(f.name)) : d.toText(d.ident(f.name));
    return `${exists ? source : `CAST(NULL AS ${d.type('varchar')})`} AS _q_raw_${i}`;
  });
  const ctes: string[] = [
    `_q_in AS (SELECT row_number() OVER () AS _q_row${sourceColumns.map((c) => `, ${d.ident(c)}`).join('')}, ${inColumns.join(', ')} FROM ${options.source})`,
  ];

  // Stage 2: fixes, one layer per step so each step's before/after can be counted.
  const fixes: { column: string; fix: AutoFixKind; before: string; after: string; order: number }[] = [];
  const current = fields.map((_, i) => `_q_raw_${i}`);
  const maxSteps = Math.max(0, ...fields.map((f) => options.autoFix?.[f.name]?.length ?? 0));
  let previous = '_q_in';
  for (let step = 1; step <= maxSteps; step++) {
    const additions: string[] = [];
    const medians: string[] = [];
    fields.forEach((f, i) => {
      const fix = options.autoFix?.[f.name]?.[step - 1];
      if (!fix) return;
      const before = current[i]!;
      const after = `_q_fix_${i}_${step}`;
      if (fix === 'median_impute') {
        const discrete = f.kind === 'int' || f.kind === 'bigint' || logicalType(f) === 'bigint';
        const medianInput = options.medianFrom
          ? `SELECT ${d.median(d.tryCast(d.ident(f.name), 'double'), discrete)} AS m FROM ${options.medianFrom}`
          : `SELECT ${d.median(`CASE WHEN ${d.isFinite(numberFromText(d, before))} THEN ${numberFromText(d, before)} END`, discrete)} AS m FROM ${previous}`;
        medians.push(`(${medianInput}) AS _q_median_${i}_${step}`);
        const median = discrete ? d.tryCast(`_q_median_${i}_${step}`, 'bigint') : `_q_median_${i}_${step}`;
        additions.push(`CASE WHEN ${before} IS NULL OR trim(${before}) = '' THEN ${d.toText(median)} ELSE ${before} END AS ${after}`);
      } else {
        additions.push(`${autoFixSql(d, fix, before)} AS ${after}`);
      }
      fixes.push({ column: f.name, fix, before, after, order: i * 1000 + step });
      current[i] = after;
    });
    const layer = `_q_fix${step}`;
    ctes.push(
      medians.length > 0
        ? `${layer} AS (SELECT ${previous}.*, ${additions.join(', ')} FROM ${previous} CROSS JOIN (SELECT ${medians.join(', ')}) _q_medians)`
        : `${layer} AS (SELECT *, ${additions.join(', ')} FROM ${previous})`,
    );
    previous = layer;
  }

  // The audit trail reads per column, in the order the fixes were listed.
  fixes.sort((a, b) => a.order - b.order);

  // Stage 3: typed values and rules per field.
  const plans: FieldPlan[] = fields.map((f, i) => planField(d, f, i, current[i]!, now, futureAllowed(f.name)));
  const typedColumns = plans.map((p) => `${p.typed} AS _q_typed_${p.index}`);
  ctes.push(`_q_typed AS (SELECT *, ${typedColumns.join(', ')} FROM ${previous})`);
  const rules = plans.flatMap((p) => p.rules);
  const reasonCode = rules.length ? `CASE ${rules.map((r) => `WHEN ${r.when} THEN ${d.string(r.code)}`).join(' ')} END` : 'NULL';
  const reason = rules.length ? `CASE ${rules.map((r) => `WHEN ${r.when} THEN ${r.reason}`).join(' ')} END` : 'NULL';
  const fixColumns = fixes.map((f) => f.after);
  const classifySql =
    `WITH ${ctes.join(', ')} SELECT _q_row${sourceColumns.map((c) => `, ${d.ident(c)}`).join('')}, ` +
    `${plans.map((p) => `CAST(_q_typed_${p.index} AS ${d.type(p.type)}) AS ${d.ident(p.field.name)}`).join(', ')}, ` +
    `${plans.map((p) => `_q_raw_${p.index}`).join(', ')}${fixColumns.map((c) => `, ${c}`).join('')}, ` +
    `CAST(${reasonCode} AS ${d.type('varchar')}) AS reason_code, CAST(${reason} AS ${d.type('varchar')}) AS reason FROM _q_typed`;

  const src = sourceColumns.map((c) => `${d.ident(c)}, `).join('');
  const jsFields = fields.filter((f) => f.jsOnly.length > 0 || f.kind === 'unknown').map((f) => f.name);
  return Object.freeze({
    dialect: d.name,
    classifySql,
    acceptedSql: (classified: string) => `SELECT ${src}${plans.map((p) => d.ident(p.field.name)).join(', ')} FROM ${classified} WHERE reason_code IS NULL`,
    rejectedSql: (classified: string) =>
      `SELECT ${src}${plans.map((p) => `_q_raw_${p.index} AS ${d.ident(p.field.name)}`).join(', ')}, reason_code, reason FROM ${classified} WHERE reason_code IS NOT NULL`,
    fixCountSql: (classified: string) =>
      fixes.length === 0 ? undefined : `SELECT ${fixes.map((f, k) => `${d.countIf(`${f.after} IS DISTINCT FROM ${f.before}`)} AS fix_${k}`).join(', ')} FROM ${classified}`,
    fixSampleSql(classified: string, index: number, limit: number): string {
      const f = fixes[index];
      if (!f) throw new QuarryError('QUARRY_BAD_CHECK', `No fix ${index}; this validation has ${fixes.length}.`);
      return `SELECT ${src}${f.before} AS before, ${f.after} AS after FROM ${classified} WHERE ${f.after} IS DISTINCT FROM ${f.before} ORDER BY _q_row LIMIT ${limit}`;
    },
    fixes: Object.freeze(fixes.map((f) => Object.freeze({ column: f.column, fix: f.fix }))),
    acceptedColumns: Object.freeze(plans.map((p) => Object.freeze({ name: p.field.name, type: d.type(p.type) }))),
    jsValidation: jsFields.length > 0 || objectRefinements ? Object.freeze({ fields: Object.freeze(jsFields), objectRefinements }) : undefined,
  });
}

function numberFromText(d: CheckSqlDialect, expr: string): string {
  return `CASE WHEN ${d.regexContains(expr, NUMBER_TEXT, false)} THEN ${d.tryCast(`trim(${expr})`, 'double')} END`;
}

function planField(d: CheckSqlDialect, f: FieldSpec, index: number, value: string, now: Date, futureAllowed: boolean): FieldPlan {
  const name = f.name;
  const type = logicalType(f);
  const textual = type === 'varchar';
  const blank = textual ? `${value} IS NULL` : `(${value} IS NULL OR trim(${value}) = '')`;
  const num = numberFromText(d, value);
  let parsed: string;
  switch (type) {
    case 'bigint':
      parsed =
        f.kind === 'bigint'
          ? `CASE WHEN ${d.regexContains(value, INTEGER_TEXT, false)} THEN ${d.tryCast(`trim(${value})`, 'bigint')} END`
          : `CASE WHEN ${d.isFinite(num)} AND ${num} = floor(${num}) AND abs(${num}) < 9.2e18 THEN CAST(${num} AS ${d.type('bigint')}) END`;
      break;
    case 'double':
      parsed = `CASE WHEN ${d.isFinite(num)} THEN ${num} END`;
      break;
    case 'boolean':
      parsed = `CASE WHEN lower(trim(${value})) IN (${TRUE_WORDS.map((w) => d.string(w)).join(', ')}) THEN TRUE WHEN lower(trim(${value})) IN (${FALSE_WORDS.map((w) => d.string(w)).join(', ')}) THEN FALSE END`;
      break;
    case 'timestamp':
      parsed = d.parseTimestampUtc(`trim(${value})`);
      break;
    case 'date':
      parsed = d.tryCast(`trim(${value})`, 'date');
      break;
    default:
      parsed = value;
  }
  const typed = f.hasDefault && f.defaultValue !== undefined && f.defaultValue !== null
    ? `CASE WHEN ${blank} THEN ${d.literal(f.defaultValue)} ELSE ${parsed} END`
    : parsed;
  const t = `_q_typed_${index}`;
  const code = (c: string): string => `${c}:${name}`;
  const rules: { code: string; when: string; reason: string }[] = [];
  const present = `NOT ${blank}`;
  if (!f.optional && !f.nullable) {
    rules.push({ code: code('missing_required'), when: blank, reason: d.string(`${name}: required but missing`) });
  }
  const expected: Record<SqlLogicalType, string> = {
    bigint: 'an integer',
    integer: 'an integer',
    double: 'a number',
    decimal: 'a number',
    boolean: 'a boolean',
    timestamp: 'a timestamp',
    date: 'a date (YYYY-MM-DD)',
    varchar: 'text',
  };
  if (!textual) {
    rules.push({
      code: code(isTemporal(f) ? 'bad_timestamp' : 'bad_type'),
      when: `${present} AND ${t} IS NULL`,
      reason: concat([d.string(`${name}: expected ${expected[type]}, got `), shown(d, value)]),
    });
  }
  if (isTemporal(f) && !futureAllowed) {
    rules.push({
      code: code('future_timestamp'),
      when: `${present} AND ${t} > ${d.timestamp(now)}`,
      reason: concat([d.string(`${name}: `), shown(d, value), d.string(` is after ${now.toISOString()}`)]),
    });
  }
  const range: string[] = [];
  const lit = (v: number | bigint | Date): string => (v instanceof Date ? d.timestamp(v) : d.literal(v));
  if (f.min) range.push(`${t} ${f.min.inclusive ? '<' : '<='} ${lit(f.min.value)}`);
  if (f.max) range.push(`${t} ${f.max.inclusive ? '>' : '>='} ${lit(f.max.value)}`);
  if (range.length && type !== 'varchar' && type !== 'boolean') {
    const interval = `${f.min ? (f.min.inclusive ? '[' : '(') + boundText(f.min.value) : '(−∞'}, ${f.max ? boundText(f.max.value) + (f.max.inclusive ? ']' : ')') : '∞)'}`;
    rules.push({
      code: code('out_of_range'),
      when: `${present} AND ${t} IS NOT NULL AND (${range.join(' OR ')})`,
      reason: concat([d.string(`${name}: `), shown(d, value), d.string(` is outside ${interval}`)]),
    });
  }
  if (f.multipleOf !== undefined && isNumeric(f)) {
    rules.push({
      code: code('not_multiple_of'),
      when: `${present} AND ${t} IS NOT NULL AND ${t} / ${d.literal(f.multipleOf)} <> floor(${t} / ${d.literal(f.multipleOf)})`,
      reason: concat([d.string(`${name}: `), shown(d, value), d.string(` is not a multiple of ${f.multipleOf}`)]),
    });
  }
  if (textual && (f.minLength !== undefined || f.maxLength !== undefined)) {
    const len: string[] = [];
    if (f.minLength !== undefined) len.push(`length(${value}) < ${f.minLength}`);
    if (f.maxLength !== undefined) len.push(`length(${value}) > ${f.maxLength}`);
    rules.push({
      code: code('bad_length'),
      when: `${value} IS NOT NULL AND (${len.join(' OR ')})`,
      reason: concat([d.string(`${name}: length `), d.toText(`length(${value})`), d.string(` of `), shown(d, value), d.string(` is outside [${f.minLength ?? 0}, ${f.maxLength ?? '∞'}]`)]),
    });
  }
  if (textual && f.patterns.length > 0) {
    rules.push({
      code: code('bad_format'),
      when: `${value} IS NOT NULL AND NOT (${f.patterns.map((p) => d.regexContains(value, p.source, p.caseInsensitive)).join(' AND ')})`,
      reason: concat([d.string(`${name}: `), shown(d, value), d.string(` does not match the ${f.patterns.map((p) => p.format).join('/')} format`)]),
    });
  }
  if (f.kind === 'enum' && f.enumValues && f.jsOnly.length === 0) {
    rules.push({
      code: code('not_in_enum'),
      when: `${present} AND ${t} IS NOT NULL AND ${t} NOT IN (${f.enumValues.map((v) => d.literal(v)).join(', ')})`,
      reason: concat([d.string(`${name}: `), shown(d, value), d.string(` is not one of ${f.enumValues.map((v) => JSON.stringify(v)).join(', ')}`)]),
    });
  }
  return { field: f, index, raw: `_q_raw_${index}`, value, type, blank, typed, rules };
}

/** Options of `validateRows`: compile options plus where to put the two outputs. */
export interface ValidateRowsOptions extends RowValidationOptions {
  /** Relation name of the accepted (typed) rows to create. */
  readonly accepted: string;
  /** Relation name of the rejected (quarantined) rows to create. */
  readonly rejected: string;
  /** Create the outputs as temporary tables (default true). */
  readonly temporary?: boolean;
  /** Rows per JavaScript validation batch (default 10,000). */
  readonly batchSize?: number;
  /** Examples kept per fix in the audit trail (default 5). */
  readonly sampleSize?: number;
  /** Thresholds of the resulting `rowValidation` check result (default: warn if any row is rejected). */
  readonly warnIf?: CheckThreshold;
  readonly errorIf?: CheckThreshold;
  readonly blocking?: boolean;
  readonly assetKey?: string;
  readonly partitionKey?: string;
}

/** What `validateRows` did: counts, rejects per reason code, the fix audit trail and a check result. */
export interface RowValidationReport {
  readonly inputCount: number;
  readonly acceptedCount: number;
  readonly rejectedCount: number;
  /** Rejected rows per reason code, such as `{ 'bad_type:followers': 3 }`. */
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly fixes: readonly AutoFixAudit[];
  /** Rows validated in JavaScript because of `.refine()` or other rules SQL cannot express. */
  readonly jsValidatedRows: number;
  /** The validation as a `rowValidation` check result (dimension validity) for the catalog and the score. */
  readonly result: CheckResult;
}

function reasonFromIssue(issue: { code: string; path: readonly PropertyKey[]; message: string; origin?: string }): { code: string; reason: string } {
  const path = issue.path.map(String).join('.') || 'row';
  let kind: string;
  switch (issue.code) {
    case 'custom':
      kind = 'refinement';
      break;
    case 'invalid_type':
      kind = 'bad_type';
      break;
    case 'invalid_format':
      kind = 'bad_format';
      break;
    case 'too_small':
    case 'too_big':
      kind = issue.origin === 'string' ? 'bad_length' : 'out_of_range';
      break;
    case 'invalid_value':
      kind = 'not_in_enum';
      break;
    case 'not_multiple_of':
      kind = 'not_multiple_of';
      break;
    default:
      kind = 'invalid';
  }
  return { code: `${kind}:${path}`, reason: `${path}: ${issue.message}` };
}

function zodInput(field: FieldSpec, value: unknown): unknown {
  if (value === null || value === undefined) return field.nullable ? null : undefined;
  switch (field.kind) {
    case 'int':
    case 'number':
      return typeof value === 'bigint' ? Number(value) : value;
    case 'bigint':
      return typeof value === 'bigint' ? value : BigInt(value as number);
    case 'datetime':
      return value instanceof Date ? value.toISOString() : value;
    case 'date':
      return value instanceof Date ? value.toISOString().slice(0, 10) : value;
    case 'enum':
      return typeof value === 'bigint' ? Number(value) : value;
    case 'unknown':
      if (typeof value === 'string') {
        try {
          return JSON.parse(value);
        } catch {
          return value;
        }
      }
      return value;
    default:
      return value;
  }
}

let tableCounter = 0;

/**
 * Validates a raw relation into an accepted (typed) and a rejected (quarantine) relation on the
 * engine, applying auto-fixes and, when the schema has `.refine()` or other rules SQL cannot
 * express, checking SQL-accepted rows in JavaScript in batches. Always accepted + rejected = input:
 * it verifies that before returning. It creates tables through the runner (temporary ones, an
 * `UPDATE … FROM` for JavaScript rejects), which DuckDB allows on any connection; on BigQuery run
 * `compileRowValidation`'s SQL inside a script or session instead.
 *
 * ```ts
 * const report = await validateRows(runner, creatorSchema, {
 *   source: "read_csv('landing/creators.csv', all_varchar = true, filename = true)",
 *   accepted: 'creators_accepted', rejected: 'creators_rejected',
 *   autoFix: { followers: ['parse_k_suffix'] },
 * });
 * ```
 */
export async function validateRows(runner: CheckQueryRunner, schema: RowSchema, options: ValidateRowsOptions): Promise<RowValidationReport> {
  const started = performance.now();
  const d = checkDialect(runner.dialect);
  const run = (sql: string): Promise<Record<string, unknown>[]> => runner.query(sql);
  let presentColumns = options.presentColumns;
  if (presentColumns === undefined) {
    try {
      presentColumns = (await run(d.describe(options.source))).map((r) => String(r.column_name));
    } catch {
      presentColumns = undefined;
    }
  }
  const compiled = compileRowValidation(schema, { ...options, dialect: d.name, presentColumns });
  const { fields } = inspectRowSchema(schema);
  const id = `${process.pid}_${Date.now().toString(36)}_${tableCounter++}`;
  const classified = `_q_rv_${id}`;
  const jsTable = `_q_rv_js_${id}`;
  const temp = options.temporary === false ? '' : 'TEMP ';
  const batchSize = options.batchSize ?? 10_000;
  const sampleSize = options.sampleSize ?? 5;
  let jsValidatedRows = 0;
  await run(`CREATE OR REPLACE TEMP TABLE ${classified} AS ${compiled.classifySql}`);
  try {
    if (compiled.jsValidation) {
      await run(`CREATE OR REPLACE TEMP TABLE ${jsTable} (_q_row BIGINT, reason_code ${d.type('varchar')}, reason ${d.type('varchar')})`);
      const columns = fields.map((f) => d.ident(f.name)).join(', ');
      let last = 0n;
      for (;;) {
        const rows = await run(`SELECT _q_row, ${columns} FROM ${classified} WHERE reason_code IS NULL AND _q_row > ${last} ORDER BY _q_row LIMIT ${batchSize}`);
        if (rows.length === 0) break;
        jsValidatedRows += rows.length;
        const failures: string[] = [];
        for (const row of rows) {
          const input: Record<string, unknown> = {};
          for (const f of fields) {
            const v = zodInput(f, row[f.name]);
            if (v !== undefined) input[f.name] = v;
          }
          const parsed = schema.safeParse(input);
          if (!parsed.success) {
            const first = parsed.error.issues[0]!;
            const { code, reason } = reasonFromIssue(first as unknown as Parameters<typeof reasonFromIssue>[0]);
            failures.push(`(${toBigIntValue(row._q_row)}, ${d.string(code)}, ${d.string(reason)})`);
          }
        }
        for (let i = 0; i < failures.length; i += 1000) {
          await run(`INSERT INTO ${jsTable} VALUES ${failures.slice(i, i + 1000).join(', ')}`);
        }
        last = toBigIntValue(rows[rows.length - 1]!._q_row) ?? last;
        if (rows.length < batchSize) break;
      }
      await run(`UPDATE ${classified} SET reason_code = _q_js.reason_code, reason = _q_js.reason FROM ${jsTable} _q_js WHERE ${classified}._q_row = _q_js._q_row`);
    }
    await run(`CREATE OR REPLACE ${temp}TABLE ${options.accepted} AS ${compiled.acceptedSql(classified)}`);
    await run(`CREATE OR REPLACE ${temp}TABLE ${options.rejected} AS ${compiled.rejectedSql(classified)}`);

    const [counts] = await run(`SELECT count(*) AS input_count, ${d.countIf('reason_code IS NULL')} AS accepted_count FROM ${classified}`);
    const [outputs] = await run(`SELECT (SELECT count(*) FROM ${options.accepted}) AS accepted_count, (SELECT count(*) FROM ${options.rejected}) AS rejected_count`);
    const inputCount = toBigIntValue(counts?.input_count) ?? 0n;
    const acceptedCount = toBigIntValue(outputs?.accepted_count) ?? 0n;
    const rejectedCount = toBigIntValue(outputs?.rejected_count) ?? 0n;
    if (acceptedCount + rejectedCount !== inputCount || acceptedCount !== (toBigIntValue(counts?.accepted_count) ?? -1n)) {
      throw new QuarryError(
        'QUARRY_ROW_VALIDATION_MISMATCH',
        `Row validation of ${options.source} lost rows: ${inputCount} in, ${acceptedCount} accepted + ${rejectedCount} rejected. This is a Quarry bug; please report it with the schema.`,
      );
    }
    const byReason: Record<string, number> = {};
    for (const row of await run(`SELECT reason_code, count(*) AS n FROM ${classified} WHERE reason_code IS NOT NULL GROUP BY reason_code ORDER BY reason_code`)) {
      byReason[String(row.reason_code)] = Number(toBigIntValue(row.n) ?? 0n);
    }
    const fixes: AutoFixAudit[] = [];
    const fixSql = compiled.fixCountSql(classified);
    if (fixSql) {
      const [row] = await run(fixSql);
      for (const [k, f] of compiled.fixes.entries()) {
        const count = Number(toBigIntValue(row?.[`fix_${k}`]) ?? 0n);
        const sample = count > 0 && sampleSize > 0 ? (await run(compiled.fixSampleSql(classified, k, sampleSize))).map(toJsonRow) : [];
        fixes.push(Object.freeze({ column: f.column, fix: f.fix, count, sample: Object.freeze(sample) }));
      }
    }
    const result = rowValidationResult(
      { inputCount, rejectedCount, byReason, fixes, durationMs: performance.now() - started },
      options,
    );
    return Object.freeze({
      inputCount: Number(inputCount),
      acceptedCount: Number(acceptedCount),
      rejectedCount: Number(rejectedCount),
      rejectedByReason: Object.freeze(byReason),
      fixes: Object.freeze(fixes),
      jsValidatedRows,
      result,
    });
  } finally {
    await run(`DROP TABLE IF EXISTS ${classified}`);
    if (compiled.jsValidation) await run(`DROP TABLE IF EXISTS ${jsTable}`);
  }
}

function rowValidationResult(
  facts: { inputCount: bigint; rejectedCount: bigint; byReason: Record<string, number>; fixes: readonly AutoFixAudit[]; durationMs: number },
  options: ValidateRowsOptions,
): CheckResult {
  const explicitError = normalizeThreshold(options.errorIf, 'rowValidation');
  let warnIf: readonly ThresholdCondition[] = normalizeThreshold(options.warnIf, 'rowValidation');
  if (explicitError.length === 0 && warnIf.length === 0) warnIf = [{ count: '>0' }];
  const observation = { count: facts.rejectedCount, total: facts.inputCount, value: { n: facts.rejectedCount, d: 1n } };
  const status = thresholdBreached(explicitError, observation) ? 'failed' : thresholdBreached(warnIf, observation) ? 'warned' : 'passed';
  const threshold = [explicitError.length ? `fail if ${formatConditions(explicitError)}` : '', warnIf.length ? `warn if ${formatConditions(warnIf)}` : ''].filter(Boolean).join('; ');
  const top = Object.entries(facts.byReason)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([code, n]) => `${code} ×${n}`)
    .join(', ');
  const fixed = facts.fixes.filter((f) => f.count > 0).map((f) => `${f.fix}(${f.column}) ×${f.count}`).join(', ');
  return Object.freeze({
    assetKey: options.assetKey ?? null,
    partitionKey: options.partitionKey ?? '',
    checkName: 'row_validation',
    kind: 'rowValidation',
    dimension: 'validity' as const,
    severity: explicitError.length > 0 ? ('error' as const) : ('warn' as const),
    blocking: options.blocking ?? false,
    status,
    passed: status === 'passed',
    unit: 'rows' as const,
    observedValue: Number(facts.rejectedCount),
    threshold,
    failingCount: Number(facts.rejectedCount),
    totalCount: Number(facts.inputCount),
    failingRatio: rationalToNumber(ratioOf(facts.rejectedCount, facts.inputCount)),
    sample: Object.freeze(Object.entries(facts.byReason).map(([reason_code, rows]) => Object.freeze({ reason_code, rows }))),
    message:
      `${facts.rejectedCount} of ${facts.inputCount} rows rejected${top ? ` (${top})` : ''}` + (fixed ? `; auto-fixed ${fixed}.` : '.'),
    durationMs: Math.round(facts.durationMs),
    evaluatedAt: new Date().toISOString(),
  });
}
