/** Options of `openSqliteCatalog`. */
export interface SqliteCatalogConfig {
  /** The database file (its directory is created if missing), or `:memory:` for a private throwaway catalog. */
  readonly path: string;
  /** How long a statement waits for another process's write lock before failing with `QUARRY_CATALOG_BUSY` (default 10000 ms). */
  readonly busyTimeoutMs?: number;
  /** The clock stamping runs, events and commits; defaults to the system clock. Tests pin it. */
  readonly now?: () => Date;
  /** This machine's name as leases record it; defaults to `os.hostname()`. */
  readonly hostname?: string;
}
