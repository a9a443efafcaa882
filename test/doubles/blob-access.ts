/**
 * How the cloud doubles share objects: the BigQuery double's load and extract jobs read and write
 * `gs://bucket/name` objects through this, and the GCS double serves the same objects over its JSON
 * API (`GcsDouble.objects`). Test infrastructure, not a product feature.
 */
export interface BlobAccess {
  /** The object's bytes, or undefined when it does not exist. */
  read(bucket: string, name: string): Promise<Uint8Array | undefined>;
  /** Creates or replaces the object. */
  write(bucket: string, name: string, data: Uint8Array): Promise<void>;
  /** Names of the bucket's objects that start with `prefix`, sorted. */
  list(bucket: string, prefix: string): Promise<string[]>;
}

/** Objects in memory, for a BigQuery double used without a GCS double. */
export function memoryBlobAccess(): BlobAccess {
  const objects = new Map<string, Uint8Array>();
  const id = (bucket: string, name: string) => `${bucket}/${name}`;
  return {
    async read(bucket, name) {
      return objects.get(id(bucket, name));
    },
    async write(bucket, name, data) {
      objects.set(id(bucket, name), new Uint8Array(data));
    },
    async list(bucket, prefix) {
      return [...objects.keys()].filter((k) => k.startsWith(id(bucket, prefix))).map((k) => k.slice(bucket.length + 1)).sort();
    },
  };
}
