import { copyFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { QuarryError } from '../../errors.ts';
import { combineDataVersion, type ColumnSchema, type RangeSplit } from '../engine.ts';
import { quoteIdentifier, quoteString, rowDigestSql } from './duckdb-sql.ts';

/** The column a split adds to place rows: the index of the row's partition in the request, -1 for none. */
const PART_COLUMN = '__quarry_part';
/** The temp table listing the step's partitions: index, key, window bounds. */
const PARTS_TABLE = '__quarry_range_parts';

/** One partition of a split range, written to local files (not yet in the object store). */
export interface SplitPartitionFiles {
  readonly key: string;
  /** Object-store path of each file (the request's path, then `-1`, `-2`… for more). */
  readonly outputPaths: string[];
  /** Local path of each written file, beside `outputPaths`. */
  readonly localFiles: string[];
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
  /** A local directory the connection may write (it must not exist yet); every file goes below it. */
  readonly splitDir: string;
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
 * one Parquet file per partition of `split`, in one `COPY … PARTITION_BY` pass: each row goes to the
 * partition `split.column` places it in (see `placementKind`). A row that no partition takes — its
 * value outside the range, or NULL — fails the step with `QUARRY_BAD_ROW_PLACEMENT` naming the value.
 * A partition without rows gets an empty file of the same columns. Each partition's data version is
 * computed from its file exactly as a step of that partition alone computes it, so range and
 * per-partition runs of the same rows agree.
 */
export async function splitRangeOutput(connection: DuckDBConnection, options: SplitRangeOptions): Promise<SplitPartitionFiles[]> {
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
  const placed =
    kind === 'key'
      ? `CAST(${value} AS VARCHAR) = p.key`
      : kind === 'instant'
        ? `${value} >= p.w_start AND ${value} < p.w_end`
        : `timezone(${quoteString(split.timeZone ?? 'UTC')}, CAST(${value} AS TIMESTAMP)) >= p.w_start AND timezone(${quoteString(split.timeZone ?? 'UTC')}, CAST(${value} AS TIMESTAMP)) < p.w_end`;
  const stem = basename(options.staged);
  const source = `read_parquet(${quoteString(options.staged)}, hive_partitioning = false)`;
  await connection.run(
    `COPY (SELECT s.*, coalesce(p.idx, -1) AS ${PART_COLUMN} FROM ${source} s LEFT JOIN ${PARTS_TABLE} p ON ${placed}) ` +
      `TO ${quoteString(options.splitDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${PART_COLUMN}), FILENAME_PATTERN ${quoteString(`${stem}-part-{uuid}`)})`,
  );
  const written = new Map<number, string[]>();
  for (const entry of await readdir(options.splitDir).catch(() => [] as string[])) {
    const match = new RegExp(`^${PART_COLUMN}=(-?\\d+)$`).exec(entry);
    if (match === null) continue;
    const dir = join(options.splitDir, entry);
    written.set(Number(match[1]), (await readdir(dir)).sort().map((name) => join(dir, name)));
  }
  const homeless = written.get(-1);
  if (homeless !== undefined) await throwHomeless(connection, homeless, options, column);

  // One empty file of the output's columns serves as the template of every partition without rows.
  let emptyTemplate: string | undefined;
  const files: string[][] = [];
  for (let i = 0; i < split.partitions.length; i++) {
    const own = written.get(i);
    if (own !== undefined && own.length > 0) {
      files.push(own);
      continue;
    }
    if (emptyTemplate === undefined) {
      emptyTemplate = join(options.splitDir, `${stem}-empty.parquet`);
      await connection.run(`COPY (SELECT * FROM ${source} LIMIT 0) TO ${quoteString(emptyTemplate)} (FORMAT parquet, COMPRESSION zstd)`);
    }
    const copy = join(options.splitDir, `${stem}-empty-${i}.parquet`);
    await copyFile(emptyTemplate, copy);
    files.push([copy]);
  }

  const digests = await digestFiles(connection, files.flat(), columns);
  return Promise.all(
    split.partitions.map(async (partition, i) => {
      const local = files[i]!;
      let rowCount = 0;
      let digest = 0n;
      for (const file of local) {
        const d = digests.get(file) ?? { rowCount: 0, digest: 0n };
        rowCount += d.rowCount;
        digest += d.digest;
      }
      const sizes = await Promise.all(local.map(async (file) => (await stat(file)).size));
      const base = partition.outputPath.replace(/\.parquet$/, '');
      return {
        key: partition.key,
        outputPaths: local.map((_, n) => (n === 0 ? partition.outputPath : `${base}-${n}.parquet`)),
        localFiles: local,
        rowCount,
        bytes: sizes.reduce((a, b) => a + b, 0),
        dataVersion: combineDataVersion(columns, rowCount, digest.toString()),
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

/** Row count and digest of each file, in one scan of all of them (the same digest `parquetDigestSql` computes per file). */
async function digestFiles(connection: DuckDBConnection, files: readonly string[], columns: readonly ColumnSchema[]): Promise<Map<string, { rowCount: number; digest: bigint }>> {
  const out = new Map<string, { rowCount: number; digest: bigint }>();
  if (files.length === 0) return out;
  const fileColumn = '__quarry_file';
  const reader = await connection.runAndReadAll(
    `SELECT ${fileColumn}, count(*) AS row_count, ${rowDigestSql(columns)} AS digest ` +
      `FROM read_parquet([${files.map(quoteString).join(', ')}], filename = ${quoteString(fileColumn)}, hive_partitioning = false) GROUP BY ${fileColumn}`,
  );
  for (const row of reader.getRows()) out.set(String(row[0]), { rowCount: Number(row[1]), digest: BigInt(String(row[2])) });
  return out;
}

/** Fails the step for rows no partition of the range takes, naming a value, how many rows and what to do. */
async function throwHomeless(connection: DuckDBConnection, files: readonly string[], options: SplitRangeOptions, column: ColumnSchema): Promise<never> {
  const name = quoteIdentifier(column.name);
  const reader = await connection.runAndReadAll(
    `SELECT CAST(min(${name}) AS VARCHAR), count(*), count(${name}) FROM read_parquet([${files.map(quoteString).join(', ')}], hive_partitioning = false)`,
  );
  const [first, rows, nonNull] = reader.getRows()[0]!;
  const count = Number(rows);
  const nulls = count - Number(nonNull);
  const { split } = options;
  const keys = split.partitions;
  const range = keys.length === 1 ? `"${keys[0]!.key}"` : `"${keys[0]!.key}".."${keys[keys.length - 1]!.key}"`;
  const what =
    nulls === count
      ? `${count} row${count === 1 ? ' has' : 's have'} NULL in partition column "${column.name}", which places ${count === 1 ? 'it' : 'them'} in no partition`
      : `${count} row${count === 1 ? ' has' : 's have'} partition column "${column.name}" outside the step's partitions ${range}, such as ${JSON.stringify(String(first))}${nulls > 0 ? ` (${nulls} of them NULL)` : ''}`;
  throw new QuarryError(
    'QUARRY_BAD_ROW_PLACEMENT',
    `${options.where}: ${what}. Every row must fall in one partition of the step: filter the SQL to the step's range ` +
      `(a time column between $partition_start and $partition_end, or a key in $partition_keys). Nothing was written.`,
    { details: { partitionColumn: column.name, rows: count, nulls, example: first === null ? null : String(first) } },
  );
}
