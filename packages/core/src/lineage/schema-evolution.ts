import type { SchemaChangePolicy } from '../definitions/index.ts';

/** One column of a recorded schema: its name, the engine's type name and whether it may hold nulls. */
export interface RecordedColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

/** One difference between two schemas of an asset, from the older to the newer. */
export type SchemaChange =
  | { readonly kind: 'added'; readonly column: string; readonly type: string; readonly nullable: boolean }
  | { readonly kind: 'dropped'; readonly column: string; readonly type: string }
  | { readonly kind: 'type_changed'; readonly column: string; readonly from: string; readonly to: string }
  | { readonly kind: 'nullability_changed'; readonly column: string; readonly from: 'nullable' | 'not null'; readonly to: 'nullable' | 'not null' };

/**
 * The changes from `before` to `after`, column by column: dropped and changed columns in `before`'s
 * order, then added ones in `after`'s. Column names compare exactly (a rename is a drop and an add);
 * type names compare case-insensitively. `before` undefined (the first version) gives no changes.
 *
 * ```ts
 * diffSchemas([{ name: 'id', type: 'BIGINT', nullable: false }], [{ name: 'id', type: 'BIGINT', nullable: false }, { name: 'email', type: 'VARCHAR', nullable: true }]);
 * // → [{ kind: 'added', column: 'email', type: 'VARCHAR', nullable: true }]
 * ```
 */
export function diffSchemas(before: readonly RecordedColumn[] | undefined, after: readonly RecordedColumn[]): SchemaChange[] {
  if (before === undefined) return [];
  const next = new Map(after.map((c) => [c.name, c]));
  const previous = new Set(before.map((c) => c.name));
  const changes: SchemaChange[] = [];
  for (const old of before) {
    const now = next.get(old.name);
    if (now === undefined) {
      changes.push({ kind: 'dropped', column: old.name, type: old.type });
      continue;
    }
    if (old.type.toUpperCase() !== now.type.toUpperCase()) changes.push({ kind: 'type_changed', column: old.name, from: old.type, to: now.type });
    if (old.nullable !== now.nullable) {
      changes.push({ kind: 'nullability_changed', column: old.name, from: old.nullable ? 'nullable' : 'not null', to: now.nullable ? 'nullable' : 'not null' });
    }
  }
  for (const c of after) if (!previous.has(c.name)) changes.push({ kind: 'added', column: c.name, type: c.type, nullable: c.nullable });
  return changes;
}

/**
 * The changes `policy` refuses: none under `allow`; under `additive` everything but added columns
 * and NOT NULL → nullable relaxations; under `block` every change.
 */
export function refusedSchemaChanges(policy: SchemaChangePolicy, changes: readonly SchemaChange[]): SchemaChange[] {
  if (policy === 'allow') return [];
  if (policy === 'block') return [...changes];
  return changes.filter((c) => !(c.kind === 'added' || (c.kind === 'nullability_changed' && c.to === 'nullable')));
}

/** One line describing a change, naming the column: `dropped column "email" (VARCHAR)`. */
export function describeSchemaChange(change: SchemaChange): string {
  switch (change.kind) {
    case 'added':
      return `added column "${change.column}" (${change.type}${change.nullable ? '' : ' NOT NULL'})`;
    case 'dropped':
      return `dropped column "${change.column}" (${change.type})`;
    case 'type_changed':
      return `changed the type of column "${change.column}" from ${change.from} to ${change.to}`;
    case 'nullability_changed':
      return `made column "${change.column}" ${change.to === 'nullable' ? 'nullable' : 'NOT NULL'} (was ${change.from})`;
  }
}

/**
 * Reads a schema as the catalog stores it (`outputSchema`: `{ name, type, nullable? }[]`); columns
 * recorded before nullability was (`nullable` missing) count as nullable. Anything else is undefined.
 */
export function schemaColumnsOf(value: unknown): RecordedColumn[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const columns: RecordedColumn[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) return undefined;
    const { name, type, nullable } = item as { name?: unknown; type?: unknown; nullable?: unknown };
    if (typeof name !== 'string' || typeof type !== 'string') return undefined;
    columns.push({ name, type, nullable: nullable !== false });
  }
  return columns;
}
