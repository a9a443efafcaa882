/** Options of `createMemoryObjectStore`. */
export interface MemoryObjectStoreConfig {
  /** The clock stamping `modifiedAt`; defaults to the system clock. */
  readonly now?: () => Date;
}
