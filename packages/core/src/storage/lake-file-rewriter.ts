/** How `LakeFileRewriter` encodes a rewritten Parquet file (the warm tier: a higher ZSTD level, larger row groups). */
export interface ParquetRewriteOptions {
  /** ZSTD level, 1–22 (DuckDB writes lake files at its default, 3). */
  readonly zstdLevel: number;
  /** Rows per row group (DuckDB's default is 122,880). */
  readonly rowGroupSize: number;
}

/** What one rewrite read and wrote. */
export interface ParquetRewriteResult {
  readonly rowCount: number;
  /** The order-independent row digest both files have. */
  readonly digest: string;
}

/**
 * A re-encoder of local lake Parquet files that proves each rewrite holds the same rows (same columns
 * and types, row count and order-independent digest), or throws `QUARRY_STORAGE_REWRITE_MISMATCH`.
 * Storage tiers receive one rather than choosing an engine: the DuckDB engine's `ParquetRewriter`
 * is the one Quarry ships, and the CLI passes it.
 *
 * ```ts
 * const rewriter = await startRewriter(tempDir);
 * try {
 *   await rewriter.rewrite('/lake/a/2026-01-01/r.parquet', '/tmp/w.parquet', { zstdLevel: 9, rowGroupSize: 1_000_000 });
 * } finally {
 *   await rewriter.close();
 * }
 * ```
 */
export interface LakeFileRewriter {
  /** Writes `source`'s rows to `target` (a new local file) encoded per `options`, and checks both hold the same rows. */
  rewrite(source: string, target: string, options: ParquetRewriteOptions): Promise<ParquetRewriteResult>;
  /** Releases what the rewriter holds (its engine instance). */
  close(): Promise<void>;
}

/** Starts a `LakeFileRewriter` that spills to `spillDir`; called only when a file must be rewritten. */
export type StartLakeFileRewriter = (spillDir: string) => Promise<LakeFileRewriter>;
