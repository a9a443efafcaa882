import { QuarryError } from '../errors.ts';

/**
 * The column lineage a compute (TypeScript) asset declares, which Quarry cannot read from its code:
 * output column → the upstream columns it is derived from, each `DEP.COLUMN` with `DEP` a name of
 * `deps` (or the self-dependency).
 *
 * ```ts
 * columnLineage: { engagement: ['videos.likes', 'videos.views'], creator_id: ['videos.creator_id'] }
 * ```
 */
export type ColumnLineageDeclaration = Readonly<Record<string, readonly string[]>>;

/** What `validateColumnLineageDeclaration` checks a declaration against. */
export interface ColumnLineageDeclarationContext {
  readonly assetKey: string;
  /** The asset's own output columns, when its schema declares them. */
  readonly outputColumns: readonly string[] | undefined;
  /** Each dependency name → the upstream's declared columns (undefined when it declares none). */
  readonly upstreams: ReadonlyMap<string, { readonly assetKey: string; readonly columns: readonly string[] | undefined }>;
}

/**
 * Checks a declared `columnLineage` and returns it frozen: every output must be a column of the
 * asset's schema (when it has one), every input `DEP.COLUMN` must name a dependency and one of its
 * declared columns. Anything else is a `QUARRY_BAD_COLUMN_LINEAGE` naming the bad value.
 */
export function validateColumnLineageDeclaration(value: unknown, context: ColumnLineageDeclarationContext): ColumnLineageDeclaration {
  const where = `Asset "${context.assetKey}": columnLineage`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new QuarryError('QUARRY_BAD_COLUMN_LINEAGE', `${where} must be an object of output column → ['dep.column', …], got ${JSON.stringify(value)}.`);
  }
  const result: Record<string, readonly string[]> = {};
  for (const [output, inputs] of Object.entries(value)) {
    if (context.outputColumns !== undefined && !context.outputColumns.includes(output)) {
      throw new QuarryError('QUARRY_BAD_COLUMN_LINEAGE', `${where} names the output column "${output}", which the asset's schema does not have (it has ${context.outputColumns.join(', ')}).`, {
        details: { assetKey: context.assetKey, column: output },
      });
    }
    if (!Array.isArray(inputs) || inputs.some((i) => typeof i !== 'string')) {
      throw new QuarryError('QUARRY_BAD_COLUMN_LINEAGE', `${where}.${output} must be a list of 'dep.column' strings, got ${JSON.stringify(inputs)}.`, { details: { assetKey: context.assetKey, column: output } });
    }
    for (const input of inputs as string[]) {
      const dot = input.indexOf('.');
      const dep = dot < 0 ? input : input.slice(0, dot);
      const column = dot < 0 ? '' : input.slice(dot + 1);
      const upstream = context.upstreams.get(dep);
      if (dot < 1 || column === '') {
        throw new QuarryError('QUARRY_BAD_COLUMN_LINEAGE', `${where}.${output}: "${input}" is not 'dep.column' (a dependency name, a dot, a column).`, { details: { assetKey: context.assetKey, input } });
      }
      if (upstream === undefined) {
        throw new QuarryError(
          'QUARRY_BAD_COLUMN_LINEAGE',
          `${where}.${output}: "${input}" names the dependency "${dep}", which the asset does not have (its deps: ${[...context.upstreams.keys()].join(', ') || 'none'}).`,
          { details: { assetKey: context.assetKey, input } },
        );
      }
      if (upstream.columns !== undefined && !upstream.columns.includes(column)) {
        throw new QuarryError(
          'QUARRY_BAD_COLUMN_LINEAGE',
          `${where}.${output}: "${input}" names the column "${column}", which ${upstream.assetKey} does not have (it has ${upstream.columns.join(', ')}).`,
          { details: { assetKey: context.assetKey, input } },
        );
      }
    }
    result[output] = Object.freeze([...(inputs as string[])]);
  }
  return Object.freeze(result);
}
