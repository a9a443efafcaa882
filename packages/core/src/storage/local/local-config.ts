/** Options of `createLocalObjectStore`. */
export interface LocalObjectStoreConfig {
  /** The directory holding the objects; relative paths resolve against the working directory. Created on first write. */
  readonly root: string;
}
