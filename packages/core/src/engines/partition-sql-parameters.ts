/** One typed parameter an asset's SQL can use, bound from the partitions its step covers. */
export interface PartitionSqlParameter {
  /** The parameter name as SQL writes it, without the `$`. */
  readonly name: string;
  /** Its SQL type (DuckDB's names). */
  readonly type: string;
  /** What it holds. */
  readonly description: string;
}

/**
 * Every parameter an asset's SQL sees (`sql`, a compute function's `ctx.query` and the `{ sql }` it
 * returns): typed values bound at run time, never pasted into the SQL text. Only the parameters a
 * statement mentions are bound. Engines bind exactly this list (the DuckDB engine's binding is typed
 * against it) and docs/reference/sql-parameters.md is generated from it.
 *
 * ```ts
 * sql: `select * from events where ts >= $partition_start and ts < $partition_end`
 * ```
 */
export const PARTITION_SQL_PARAMETERS = [
  {
    name: 'partition_key',
    type: 'VARCHAR',
    description: "The key of the step's (first) partition, e.g. `2026-01-15` or `2026-01-15|eu`; `''` for an unpartitioned asset.",
  },
  {
    name: 'partition_last_key',
    type: 'VARCHAR',
    description: 'The key of the last partition a step covers; equal to `$partition_key` when a step covers one partition.',
  },
  {
    name: 'partition_keys',
    type: 'VARCHAR[]',
    description: "Every partition key a step covers, in partition order (`['']` for an unpartitioned asset); use `list_contains($partition_keys, day)` in steps over ranges.",
  },
  {
    name: 'partition_start',
    type: 'TIMESTAMPTZ',
    description: 'The start (inclusive) of the first time window a step covers; NULL for partitions without a time window (a multi-partition uses its one time dimension).',
  },
  {
    name: 'partition_end',
    type: 'TIMESTAMPTZ',
    description: 'The end (exclusive) of the last time window a step covers; NULL for partitions without a time window (a multi-partition uses its one time dimension).',
  },
] as const satisfies readonly PartitionSqlParameter[];

/** The name of a parameter in `PARTITION_SQL_PARAMETERS` (`partition_key`, …). */
export type PartitionSqlParameterName = (typeof PARTITION_SQL_PARAMETERS)[number]['name'];
