import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { QuarryError } from '../../errors.ts';
import { combineDataVersion, type ColumnSchema, type RangeSplit } from '../engine.ts';
import { quoteIdentifier, quoteString, rowDigestSql } from './duckdb-sql.ts';

/** The column a split adds to place rows: the index of the row's partition in the request, -1 for none. */
const PART_COLUMN = '__quarry_part';
/** The temp table listing the step's partitions: index, key, window bounds. */
const PARTS_TABLE = '__quarry_range_parts';
/** The temp table of the output's rows with their partition index. */
const PLACED_TABLE = '__quarry_range_rows';

/** One partition of a split range, written to a local file (not yet in the object store). */
export interface SplitPartitionFile {
  readonly key: string;
  /** Object-store path of the partition's file (the request's). */
  readonly outputPath: string;
  /** Local path of the written file. */
  readonly localFile: string;
  readonly rowCount: number;
  readonly bytes: number;
  readonly dataVersion: string;
}

/** Options of `splitRangeOutput`. */
export interface SplitRangeOptions {
  /** Local Parquet file holding the whole range's output. */
  readonly staged: string;
  /** Its columns, as described. */
  readonly columns: readonly ColumnSchema[];
  readonly split: RangeSplit;
  /** Local file to write for each partition of `split` (same order); the connection may write them. */
  readonly files: readonly string[];
  /** `Asset "key" partitions "a".."b" (n)`, how errors start. */
  readonly where: string;
}

/**
 * How a value of the partition column is compared with the partitions: instants of a TIMESTAMP WITH
 * TIME ZONE against the windows, DATE and TIMESTAMP as wall-clock times in the partitions' time zone,
 * anything else as text against the keys.
 */
export function placementKind(type: string, windowed: boolean): 'instant' | 'wall-clock' | 'key' {
  if (!windowed) return 'key';
  const t = type.toUpperCase();
  if (t === 'TIMESTAMP WITH TIME ZONE' || t === 'TIMESTAMPTZ') return 'instant';
  if (t === 'DATE' || t === 'TIMESTAMP' || t === 'TIMESTAMP_S' || t === 'TIMESTAMP_MS' || t === 'TIMESTAMP_NS' || t === 'DATETIME') return 'wall-clock';
  return 'key';
}

/**
 * Splits a range step's output (`staged`, written once by the asset's SQL or compute function) into
 * one Parquet file per partition of `split`: the rows are read back once into a table that records
 * each row's partition (see `placementKind`), sorted by it, then each partition is copied to its own
 * file. A row that no partition takes — its value outside the range, or NULL — fails the step with
 * `QUARRY_BAD_ROW_PLACEMENT` naming the value, before anything is written. A partition without rows
 * gets an empty file of the same columns. Each partition's data version hashes its rows as read back
 * from Parquet, exactly as a step of that partition alone does, so range and per-partition runs of
 * the same rows agree.
 */
export async function splitRangeOutput(connection: DuckDBConnection, options: SplitRangeOptions): Promise<SplitPartitionFile[]> {
  const { split, columns, where } = options;
  const column = columns.find((c) => c.name === split.column);
  if (column === undefined) {
    throw new QuarryError(
      'QUARRY_SCHEMA_MISMATCH',
      `${where}: the output has no column "${split.column}", which backfill.partitionColumn names to place rows in partitions; it produced ${columns.map((c) => `"${c.name}"`).join(', ') || 'no columns'}.`,
      { details: { partitionColumn: split.column, produced: columns.map((c) => c.name) } },
    );
  }
  const windowed = split.partitions.every((p) => p.start !== undefined && p.end !== undefined);
  const kind = placementKind(column.type, windowed);
  await connection.run(partsTableSql(split, windowed));
  const value = `s.${quoteIdentifier(column.name)}`;
  const zone = quoteString(split.timeZone ?? 'UTC');
  const placed =
    kind === 'key'
      ? `CAST(${value} AS VARCHAR) = p.key`
      : kind === 'instant'
        ? `${value} >= p.w_start AND ${value} < p.w_end`
        : `timezone(${zone}, CAST(${value} AS TIMESTAMP)) >= p.w_start AND timezone(${zone}, CAST(${value} AS TIMESTAMP)) < p.w_end`;
  // Sorted by partition, so each partition's copy reads only its own row groups (min/max pruning).
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${PLACED_TABLE} AS SELECT s.*, coalesce(p.idx, -1) AS ${PART_COLUMN} ` +
      `FROM read_parquet(${quoteString(options.staged)}, hive_partitioning = false) s LEFT JOIN ${PARTS_TABLE} p ON ${placed} ORDER BY ${PART_COLUMN}`,
  );
  const name = quoteIdentifier(column.name);
  const summary = await connection.runAndReadAll(
    `SELECT ${PART_COLUMN}, count(*) AS row_count, ${rowDigestSql(columns)} AS digest, CAST(min(${name}) AS VARCHAR) AS example, count(${name}) AS non_null ` +
      `FROM ${PLACED_TABLE} GROUP BY ${PART_COLUMN}`,
  );
  const stats = new Map<number, { rowCount: number; digest: string; example: string | null; nonNull: number }>();
  for (const row of summary.getRows()) {
    stats.set(Number(row[0]), { rowCount: Number(row[1]), digest: String(row[2]), example: row[3] === null ? null : String(row[3]), nonNull: Number(row[4]) });
  }
  const homeless = stats.get(-1);
  if (homeless !== undefined) throwHomeless(homeless, options, column);

  const keep = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  // COPY takes no parameter for its target, so each partition's statement names its file as a literal.
  for (let i = 0; i < split.partitions.length; i++) {
    await connection.run(`COPY (SELECT ${keep} FROM ${PLACED_TABLE} WHERE ${PART_COLUMN} = ${i}) TO ${quoteString(options.files[i]!)} (FORMAT parquet, COMPRESSION zstd)`);
  }
  await connection.run(`DROP TABLE ${PLACED_TABLE}`);
  return Promise.all(
    split.partitions.map(async (partition, i) => {
      const own = stats.get(i) ?? { rowCount: 0, digest: '0' };
      return {
        key: partition.key,
        outputPath: partition.outputPath,
        localFile: options.files[i]!,
        rowCount: own.rowCount,
        bytes: (await stat(options.files[i]!)).size,
        dataVersion: combineDataVersion(columns, own.rowCount, own.digest),
      };
    }),
  );
}

/** The temp table of the step's partitions: `idx`, `key` and, for windows, `w_start`/`w_end` as instants. */
function partsTableSql(split: RangeSplit, windowed: boolean): string {
  const rows = split.partitions.map((p, i) =>
    windowed ? `(${i}, ${quoteString(p.key)}, ${quoteString(p.start!.toISOString())}::TIMESTAMPTZ, ${quoteString(p.end!.toISOString())}::TIMESTAMPTZ)` : `(${i}, ${quoteString(p.key)}, NULL::TIMESTAMPTZ, NULL::TIMESTAMPTZ)`,
  );
  return `CREATE OR REPLACE TEMP TABLE ${PARTS_TABLE} (idx INTEGER, key VARCHAR, w_start TIMESTAMPTZ, w_end TIMESTAMPTZ);\nINSERT INTO ${PARTS_TABLE} VALUES ${rows.join(', ')}`;
}

/** Fails the step for rows no partition of the range takes, naming a value, how many rows and what to do. */
function throwHomeless(homeless: { rowCount: number; example: string | null; nonNull: number }, options: SplitRangeOptions, column: ColumnSchema): never {
  const count = homeless.rowCount;
  const nulls = count - homeless.nonNull;
  const keys = options.split.partitions;
  const range = keys.length === 1 ? `"${keys[0]!.key}"` : `"${keys[0]!.key}".."${keys[keys.length - 1]!.key}"`;
  const what =
    nulls === count
      ? `${count} row${count === 1 ? ' has' : 's have'} NULL in partition column "${column.name}", which places ${count === 1 ? 'it' : 'them'} in no partition`
      : `${count} row${count === 1 ? ' has' : 's have'} partition column "${column.name}" outside the step's partitions ${range}, such as ${JSON.stringify(homeless.example)}${nulls > 0 ? ` (${nulls} of them NULL)` : ''}`;
  throw new QuarryError(
    'QUARRY_BAD_ROW_PLACEMENT',
    `${options.where}: ${what}. Every row must fall in one partition of the step: filter the SQL to the step's range ` +
      `(a time column between $partition_start and $partition_end, or a key in $partition_keys). Nothing was written.`,
    { details: { partitionColumn: column.name, rows: count, nulls, example: homeless.example } },
  );
}
