import type { ObjectStore } from '../../storage/index.ts';

/** Options of `createDuckDbEngine`. */
export interface DuckDbEngineConfig {
  /** The lake: inputs are read from it and outputs written to it. */
  readonly store: ObjectStore;
  /** DuckDB worker threads of each step's instance (default: the machine's available parallelism). */
  readonly threads?: number;
  /**
   * DuckDB memory limit of each step's instance, such as `'8GB'` (default: DuckDB's, 80% of RAM); steps
   * running at once each have their own.
   */
  readonly memoryLimit?: string;
  /**
   * Directory for the engine's scratch files: spills, staged outputs of stores without local paths,
   * copies of inputs from such stores (default: the OS temp directory; created when missing). The engine
   * creates its own subdirectory inside it (`quarry-duckdb-<pid>-…`, with an owner file) and removes
   * that on `close()`; opening an engine removes the subdirectories of processes that died.
   */
  readonly tempDir?: string;
  /** Session time zone for TIMESTAMPTZ arithmetic and casts (default `'UTC'`, so results do not depend on the machine). */
  readonly timeZone?: string;
  /**
   * Keep parsed Parquet footers in memory across statements and steps (default `true`). Safe because lake
   * files are never rewritten in place; turn it off only for processes reading huge numbers of files.
   */
  readonly parquetMetadataCache?: boolean;
}
