import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { QuarryError } from '../../errors.ts';
import type { LakeFileRewriter, ParquetRewriteOptions, ParquetRewriteResult, StartLakeFileRewriter } from '../../storage/lake-file-rewriter.ts';
import { startDuckDbInstance } from './duckdb-sandbox.ts';
import { describeParquetSql, parquetDigestSql, quoteString } from './duckdb-sql.ts';

export type { ParquetRewriteOptions, ParquetRewriteResult };

/**
 * Rewrites lake Parquet files with another encoding (the warm tier: a higher ZSTD level, larger row
 * groups) and proves each rewrite holds the same rows: same columns and types, same row count, same
 * order-independent row digest, or `QUARRY_STORAGE_REWRITE_MISMATCH` and the new file is not used.
 * Its DuckDB instance reads only lake files the caller names; it runs no user SQL.
 *
 * ```ts
 * const rewriter = await ParquetRewriter.start(tempDir);
 * await rewriter.rewrite('/lake/a/2026-01-01/r.parquet', '/tmp/w.parquet', { zstdLevel: 19, rowGroupSize: 1_000_000 });
 * await rewriter.close();
 * ```
 */
export class ParquetRewriter implements LakeFileRewriter {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.#connection = connection;
  }

  /** Starts a one-thread DuckDB instance spilling to `spillDir`. */
  static async start(spillDir: string): Promise<ParquetRewriter> {
    const instance = await startDuckDbInstance({ threads: 1, memoryLimit: undefined, timeZone: 'UTC', parquetMetadataCache: false }, spillDir);
    const connection = await instance.connect();
    // Files are compared right after they are written, sometimes under a reused name: never serve cached bytes.
    await connection.run('SET enable_external_file_cache = false');
    return new ParquetRewriter(instance, connection);
  }

  /** Writes `source`'s rows to `target` (a new local file) encoded per `options`, and checks both hold the same rows. */
  async rewrite(source: string, target: string, options: ParquetRewriteOptions): Promise<ParquetRewriteResult> {
    if (!Number.isInteger(options.zstdLevel) || options.zstdLevel < 1 || options.zstdLevel > 22) throw new QuarryError('QUARRY_BAD_ARGUMENT', `ZSTD level ${options.zstdLevel} is out of range: use 1–22.`);
    if (!Number.isInteger(options.rowGroupSize) || options.rowGroupSize < 1) throw new QuarryError('QUARRY_BAD_ARGUMENT', `Row group size ${options.rowGroupSize} must be a whole number ≥ 1.`);
    await this.#connection.run(`COPY (SELECT * FROM read_parquet(${quoteString(source)})) TO ${quoteString(target)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${options.zstdLevel}, ROW_GROUP_SIZE ${options.rowGroupSize})`);
    const columnsOf = async (file: string) => (await (await this.#connection.runAndReadAll(describeParquetSql(file))).getRowObjectsJS()).map((r) => ({ name: String(r['column_name']), type: String(r['column_type']) }));
    const before = await columnsOf(source);
    const after = await columnsOf(target);
    const digestOf = async (file: string) => {
      const [row] = (await this.#connection.runAndReadAll(parquetDigestSql(file, before))).getRows();
      return { rowCount: Number(row![0]), digest: String(row![1]) };
    };
    const a = await digestOf(source);
    const b = await digestOf(target);
    if (JSON.stringify(before) !== JSON.stringify(after) || a.rowCount !== b.rowCount || a.digest !== b.digest) {
      throw new QuarryError('QUARRY_STORAGE_REWRITE_MISMATCH', `Rewriting ${source} for the warm tier gave different rows (${a.rowCount} rows, digest ${a.digest}, columns ${JSON.stringify(before)} → ${b.rowCount} rows, digest ${b.digest}, columns ${JSON.stringify(after)}); the original file stays. Report this with the file.`, { details: { source, target } });
    }
    return a;
  }

  /** Closes the DuckDB instance. */
  async close(): Promise<void> {
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}

/** Starts the DuckDB `ParquetRewriter`: the `StartLakeFileRewriter` the CLI gives `applyStorageTiers`. */
export const startDuckDbParquetRewriter: StartLakeFileRewriter = (spillDir) => ParquetRewriter.start(spillDir);
