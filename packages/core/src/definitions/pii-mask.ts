import type { ColumnDoc, PiiClass } from './asset-definition.ts';

/** The PII class of each column that holds personal data (every class but `none`), by column name. */
export type PiiColumns = ReadonlyMap<string, Exclude<PiiClass, 'none'>>;

/**
 * The columns of an asset that hold personal data, from its column docs (`defineAsset({ columns })`)
 * or from a summary's column list (`{ name, pii }[]`).
 *
 * ```ts
 * const pii = piiColumnsOf(instance.asset('raw/orders').columns); // Map { 'customer_id' => 'user_id' }
 * ```
 */
export function piiColumnsOf(columns: Readonly<Record<string, ColumnDoc>> | readonly { readonly name: string; readonly pii?: PiiClass | undefined }[]): PiiColumns {
  const entries = Array.isArray(columns)
    ? (columns as readonly { readonly name: string; readonly pii?: PiiClass | undefined }[]).map((c) => [c.name, c.pii] as const)
    : Object.entries(columns as Readonly<Record<string, ColumnDoc>>).map(([name, doc]) => [name, doc.pii] as const);
  const pii = new Map<string, Exclude<PiiClass, 'none'>>();
  for (const [name, cls] of entries) if (cls !== undefined && cls !== 'none') pii.set(name, cls);
  return pii;
}

/** The text a masked value is replaced with: it names the class, never the value. */
export function maskedPiiValue(cls: Exclude<PiiClass, 'none'>): string {
  return `[masked: ${cls} PII]`;
}

function classOf(pii: PiiColumns, name: string): Exclude<PiiClass, 'none'> | undefined {
  // SQL identifiers are case-insensitive, so a sample column may come back in another case.
  return pii.get(name) ?? pii.get(name.toLowerCase()) ?? [...pii].find(([column]) => column.toLowerCase() === name.toLowerCase())?.[1];
}

function maskValue(value: unknown, pii: PiiColumns): unknown {
  if (Array.isArray(value)) return value.map((item) => maskValue(item, pii));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  // An auto-fix sample row names the column it changed: `{ column, before, after }`.
  const fixed = typeof record['column'] === 'string' ? classOf(pii, record['column']) : undefined;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(record)) {
    const cls = classOf(pii, key) ?? (fixed !== undefined && (key === 'before' || key === 'after') ? fixed : undefined);
    out[key] = cls !== undefined && inner !== null && inner !== undefined ? maskedPiiValue(cls) : maskValue(inner, pii);
  }
  return out;
}

/**
 * Rows (check samples, quarantine rows, partition previews) with the value of every PII column
 * replaced by `maskedPiiValue(class)`; nulls stay null, other columns are kept, nested objects are
 * masked too. Returns new rows; the input is not changed.
 *
 * ```ts
 * maskPiiRows([{ order_id: 'o1', customer_id: 'c_42' }], piiColumnsOf(asset.columns));
 * // → [{ order_id: 'o1', customer_id: '[masked: user_id PII]' }]
 * ```
 */
export function maskPiiRows<Row>(rows: readonly Row[], pii: PiiColumns): Row[] {
  if (pii.size === 0) return [...rows];
  return rows.map((row) => maskValue(row, pii) as Row);
}
