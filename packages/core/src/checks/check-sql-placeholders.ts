/** One `{{placeholder}}` a `customSql` check can write. */
export interface CheckSqlPlaceholder {
  /** The placeholder's name (`ref` for `{{ref:asset/key}}`). */
  readonly name: string;
  /** How SQL writes it. */
  readonly syntax: string;
  /** What it is replaced with. */
  readonly description: string;
}

/**
 * Every placeholder `customSql` checks can use; the check compiler expands exactly these (its error
 * for an unknown placeholder lists them) and docs/reference/sql-parameters.md is generated from it.
 * Unlike asset SQL parameters, placeholders are replaced in the SQL text: keys and times as quoted
 * literals, relations as names.
 *
 * ```ts
 * customSql({ name: 'no_future_rows', sql: 'select * from {{target}} where ts >= {{partition_end}}' })
 * ```
 */
export const CHECK_SQL_PLACEHOLDERS = [
  { name: 'target', syntax: '{{target}}', description: 'The new partition version being audited, before it is published.' },
  { name: 'history', syntax: '{{history}}', description: "The asset's earlier partitions, with a `_partition_key` column." },
  { name: 'ref', syntax: '{{ref:asset/key}}', description: 'Another asset of the project, by its key (`{{ref:raw/orders}}`); `{{ref:target}}` is `{{target}}`.' },
  { name: 'partition_key', syntax: '{{partition_key}}', description: 'The audited partition key, as a quoted string literal.' },
  { name: 'partition_start', syntax: '{{partition_start}}', description: "The start (inclusive) of the partition's time window as a timestamp literal; NULL for partitions without a time window (a multi-partition uses its one time dimension)." },
  { name: 'partition_end', syntax: '{{partition_end}}', description: "The end (exclusive) of the partition's time window as a timestamp literal; NULL for partitions without a time window (a multi-partition uses its one time dimension)." },
] as const satisfies readonly CheckSqlPlaceholder[];

/** The name of a placeholder in `CHECK_SQL_PLACEHOLDERS` (`target`, `ref`, …). */
export type CheckSqlPlaceholderName = (typeof CHECK_SQL_PLACEHOLDERS)[number]['name'];
