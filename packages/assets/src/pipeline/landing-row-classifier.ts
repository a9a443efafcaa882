import { quoteIdentifier, quoteString } from '@quarry/core';
import type { FieldSchema } from '../generator/index.ts';
import { TIMESTAMP_PATTERN } from '../generator/index.ts';
import { DEFAULT_LANDING_LIMITS, REJECTED_LINE_MARKER } from './landing-line-scan.ts';

/**
 * Reason codes a quarantined landing row can carry, in the order they are tried (the first that
 * applies wins). They are the generator's defect kinds where one exists, so quarantine counts compare
 * one to one with the ground truth.
 */
export const REASON_CODES = [
  'invalid_encoding',
  'oversized_field',
  'malformed_row',
  'missing_required',
  'wrong_type',
  'malformed_timestamp',
  'future_timestamp',
  'negative_followers',
  'negative_count',
  'engagement_gt_1',
  'unknown_creator',
] as const;

/** One reason a landing row is quarantined. */
export type ReasonCode = (typeof REASON_CODES)[number];

/** How to read and classify one landing file. */
export interface LandingClassification {
  /** `json`: one JSON object per line; `csv`: comma-separated cells after a header line (no quoting). */
  readonly format: 'json' | 'csv';
  /**
   * The files to classify, in order: `file` is the absolute path DuckDB's `read_text` reads (the
   * landing file, or its copy from `prepareLandingFile` with placeholder lines), `sourceFile` the path
   * stored in `_source_file` (relative to the landing folder, so data versions do not depend on where
   * it lives). Lines are numbered per file.
   */
  readonly files: readonly { readonly file: string; readonly sourceFile: string }[];
  /** Largest field value in bytes; a longer one makes the row `oversized_field` (default 64 KiB). */
  readonly maxFieldBytes?: number;
  /** The file's fields in order (for CSV, the column order). */
  readonly fields: readonly FieldSchema[];
  /** The field holding the row's key, kept raw on quarantined rows. */
  readonly keyField: string;
  /** Extra rules after the generic ones, in order: SQL over typed columns (`f_<name>`) that is true for a bad row. */
  readonly rules?: readonly { readonly code: ReasonCode; readonly when: string; readonly reason: string }[];
  /** Extra relations joined to the typed rows (e.g. the known creators), as `LEFT JOIN …` clauses. */
  readonly joins?: readonly string[];
  /**
   * A relation with `_source_file` and `_source_line` columns (the accepted rows of the same files): its
   * lines are left out before any parsing, so a quarantine asset classifies only what its raw asset did
   * not accept, and each line is parsed once for both.
   */
  readonly exceptLines?: string;
}

const INTEGER_TEXT = String.raw`^[+-]?\d{1,18}$`;
const NUMBER_TEXT = String.raw`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`;
const TIMESTAMP_FORMAT = '%Y-%m-%dT%H:%M:%SZ';

/** The SQL names of a field: raw text, JSON type, typed value. */
function names(field: FieldSchema): { raw: string; jsonType: string; typed: string } {
  return { raw: `r_${field.name}`, jsonType: `t_${field.name}`, typed: `f_${field.name}` };
}

function present(spec: LandingClassification, field: FieldSchema): string {
  const n = names(field);
  if (spec.format === 'json') {
    // Absent keys give a NULL type, JSON nulls the type 'NULL'; an empty string counts as missing text.
    return `(${n.jsonType} IS NOT NULL AND ${n.jsonType} <> 'NULL'${field.type === 'string' ? ` AND trim(${n.raw}) <> ''` : ''})`;
  }
  return `(${n.raw} IS NOT NULL AND trim(${n.raw}) <> '')`;
}

function wellTyped(spec: LandingClassification, field: FieldSchema): string {
  const n = names(field);
  const json = spec.format === 'json';
  switch (field.type) {
    case 'integer':
      return json
        ? `(${n.jsonType} IN ('BIGINT', 'UBIGINT') AND regexp_full_match(${n.raw}, '${INTEGER_TEXT}'))`
        : `regexp_full_match(trim(${n.raw}), '${INTEGER_TEXT}')`;
    case 'number':
      return json
        ? `(${n.jsonType} IN ('BIGINT', 'UBIGINT', 'DOUBLE') AND regexp_full_match(${n.raw}, '${NUMBER_TEXT}'))`
        : `regexp_full_match(trim(${n.raw}), '${NUMBER_TEXT}')`;
    case 'boolean':
      return json ? `${n.jsonType} = 'BOOLEAN'` : `lower(trim(${n.raw})) IN ('true', 'false')`;
    case 'timestamp':
    case 'string':
      return json ? `${n.jsonType} = 'VARCHAR'` : 'TRUE';
  }
}

function typedValue(field: FieldSchema): string {
  const n = names(field);
  switch (field.type) {
    case 'integer':
      return `TRY_CAST(trim(${n.raw}) AS BIGINT)`;
    case 'number':
      return `TRY_CAST(trim(${n.raw}) AS DOUBLE)`;
    case 'boolean':
      return `(lower(trim(${n.raw})) = 'true')`;
    case 'timestamp':
      // The strict contract: the exact pattern and a real instant (hour 25 or month 14 fail strptime).
      return `CASE WHEN regexp_full_match(${n.raw}, '${TIMESTAMP_PATTERN.replace(/^\^|\$$/g, '')}') THEN timezone('UTC', try_strptime(${n.raw}, '${TIMESTAMP_FORMAT}')) END`;
    case 'string':
      return n.raw;
  }
}

/** `CASE` arms for one generic rule over every field it applies to, in field order. */
function arms(fields: readonly FieldSchema[], when: (f: FieldSchema) => string | undefined, reason: (f: FieldSchema) => string): { when: string; reason: string }[] {
  return fields.flatMap((f) => {
    const w = when(f);
    return w === undefined ? [] : [{ when: w, reason: reason(f) }];
  });
}

function shown(expr: string): string {
  return `coalesce('"' || left(${expr}, 60) || '"', 'null')`;
}

/**
 * Compiles the classification of one landing file into SQL: every physical line becomes one row with
 * its line number, raw text, typed columns (`f_<field>`) and either no reason (accepted) or the first
 * reason that applies (`reason_code`, `reason`). Accepted and quarantined rows are both projections
 * of this one relation, so accepted + quarantined = input rows, always.
 *
 * Needs the `$partition_end` parameter (timestamps at or after it are `future_timestamp`).
 */
export function compileLandingClassification(spec: LandingClassification): string {
  const fields = spec.fields;
  if (spec.files.length === 0) throw new Error('compileLandingClassification needs at least one file');
  const marker = quoteString(REJECTED_LINE_MARKER);
  const payload = `substr(_l, ${REJECTED_LINE_MARKER.length + 1})`;
  const sourceOf =
    spec.files.length === 1
      ? quoteString(spec.files[0]!.sourceFile)
      : `CASE filename ${spec.files.map((f) => `WHEN ${quoteString(f.file)} THEN ${quoteString(f.sourceFile)}`).join(' ')} END`;
  // Placeholder lines (set aside by the byte-level pass) carry their reason and the text to show.
  const lines =
    `SELECT _source_file, _source_line, ` +
    `CASE WHEN _rejected THEN json_extract_string(${payload}, '$.raw') ELSE _l END AS raw_line, ` +
    `CASE WHEN _rejected THEN json_extract_string(${payload}, '$.code') END AS _reject_code, ` +
    `CASE WHEN _rejected THEN json_extract_string(${payload}, '$.reason') END AS _reject_reason FROM (` +
    `SELECT *, starts_with(_l, ${marker}) AS _rejected FROM (` +
    `SELECT _source_file, rtrim(line, chr(13)) AS _l, _source_line FROM (SELECT _source_file, unnest(s) AS line, generate_subscripts(s, 1) AS _source_line ` +
    `FROM (SELECT ${sourceOf} AS _source_file, string_split(content, chr(10)) AS s FROM read_text([${spec.files.map((f) => quoteString(f.file)).join(', ')}])))` +
    (spec.exceptLines === undefined
      ? ''
      : ` _all WHERE NOT EXISTS (SELECT 1 FROM ${spec.exceptLines} _done WHERE _done._source_file = _all._source_file AND _done._source_line = _all._source_line)`) +
    `))`;
  let extract: string;
  let shapeOk: string;
  if (spec.format === 'json') {
    const cols = fields.flatMap((f) => {
      const n = names(f);
      const path = quoteString(`$.${f.name}`);
      return [`json_type(_j, ${path}) AS ${n.jsonType}`, `json_extract_string(_j, ${path}) AS ${n.raw}`];
    });
    extract =
      `SELECT _source_file, _source_line, raw_line, _reject_code, _reject_reason, _j IS NOT NULL AS _shape_ok, ${cols.join(', ')} FROM (` +
      `SELECT _source_file, _source_line, raw_line, _reject_code, _reject_reason, ` +
      `CASE WHEN _reject_code IS NULL AND json_valid(raw_line) AND json_type(raw_line) = 'OBJECT' THEN raw_line::JSON END AS _j ` +
      `FROM _lines WHERE raw_line <> '' OR _reject_code IS NOT NULL)`;
    shapeOk = '_shape_ok';
  } else {
    const cols = fields.map((f, i) => `_cells[${i + 1}] AS ${names(f).raw}`);
    extract =
      `SELECT _source_file, _source_line, raw_line, _reject_code, _reject_reason, len(_cells) = ${fields.length} AS _shape_ok, ${cols.join(', ')} FROM (` +
      `SELECT _source_file, _source_line, raw_line, _reject_code, _reject_reason, ` +
      `CASE WHEN _reject_code IS NULL THEN string_split(raw_line, ',') ELSE [] END AS _cells ` +
      `FROM _lines WHERE (raw_line <> '' OR _reject_code IS NOT NULL) AND _source_line > 1)`;
    shapeOk = '_shape_ok';
  }
  const typed = fields.map((f) => `CASE WHEN ${present(spec, f)} AND ${wellTyped(spec, f)} THEN ${typedValue(f)} END AS ${names(f).typed}`);
  const required = fields.filter((f) => f.required);
  const numeric = fields.filter((f) => f.type === 'integer' || f.type === 'number');
  const stamps = fields.filter((f) => f.type === 'timestamp');
  const maxField = spec.maxFieldBytes ?? DEFAULT_LANDING_LIMITS.maxFieldBytes;
  const rules: { code: string; when: string; reason: string }[] = [
    { code: 'invalid_encoding', when: `_reject_code = 'invalid_encoding'`, reason: '_reject_reason' },
    { code: 'oversized_field', when: `_reject_code = 'oversized_field'`, reason: '_reject_reason' },
    ...arms(
      fields,
      (f) => `strlen(${names(f).raw}) > ${maxField}`,
      (f) => `'${f.name} is ' || strlen(${names(f).raw}) || ' bytes, over the ${maxField}-byte field limit (maxFieldBytes)'`,
    ).map((a) => ({ code: 'oversized_field', ...a })),
    { code: 'malformed_row', when: `NOT ${shapeOk}`, reason: `'line is not ${spec.format === 'json' ? 'a JSON object' : `${fields.length} comma-separated cells`}'` },
    ...arms(required, (f) => `NOT ${present(spec, f)}`, (f) => `'${f.name} is missing'`).map((a) => ({ code: 'missing_required', ...a })),
    ...arms(
      fields,
      (f) => (f.type === 'string' && spec.format === 'csv' ? undefined : `${present(spec, f)} AND NOT (${wellTyped(spec, f)})`),
      (f) => `'${f.name} ' || ${shown(names(f).raw)} || ' is not ${f.type === 'integer' ? 'an integer' : `a ${f.type === 'timestamp' ? 'string' : f.type}`}'`,
    ).map((a) => ({ code: 'wrong_type', ...a })),
    ...arms(
      stamps,
      (f) => `${present(spec, f)} AND ${names(f).typed} IS NULL`,
      (f) => `'${f.name} ' || ${shown(names(f).raw)} || ' is not a YYYY-MM-DDTHH:MM:SSZ instant'`,
    ).map((a) => ({ code: 'malformed_timestamp', ...a })),
    ...arms(
      stamps,
      (f) => `${names(f).typed} >= $partition_end`,
      (f) => `'${f.name} ' || ${shown(names(f).raw)} || ' is after the end of the file''s day'`,
    ).map((a) => ({ code: 'future_timestamp', ...a })),
    ...numeric.map((f) => ({
      code: f.name === 'followers' ? 'negative_followers' : 'negative_count',
      when: `${names(f).typed} < 0`,
      reason: `'${f.name} ' || ${names(f).raw} || ' is negative'`,
    })),
    ...(spec.rules ?? []),
  ];
  const reasonCode = `CASE ${rules.map((r) => `WHEN ${r.when} THEN '${r.code}'`).join(' ')} END`;
  const reason = `CASE ${rules.map((r) => `WHEN ${r.when} THEN ${r.reason}`).join(' ')} END`;
  const keyRaw = names(fields.find((f) => f.name === spec.keyField)!).raw;
  return (
    `WITH _lines AS (${lines}), _extracted AS (${extract}), ` +
    `_typed AS (SELECT *, CASE WHEN _reject_code IS NULL THEN ${keyRaw} END AS record_key, ${typed.join(', ')} FROM _extracted) ` +
    `SELECT _typed.*, ${reasonCode} AS reason_code, ${reason} AS reason ` +
    `FROM _typed ${(spec.joins ?? []).join(' ')}`
  );
}

/** The typed output columns of a classified relation, renamed from `f_<field>` to the field name. */
export function typedColumnsSql(fields: readonly FieldSchema[], alias = ''): string {
  const p = alias ? `${alias}.` : '';
  return fields.map((f) => `${p}${names(f).typed} AS ${quoteIdentifier(f.name)}`).join(', ');
}
