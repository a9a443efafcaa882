/** Options of `createGcsObjectStore`. */
export interface GcsObjectStoreConfig {
  /** The bucket holding the lake (`acme-lake`). */
  readonly bucket: string;
  /**
   * Object name prefix inside the bucket (default none); a missing trailing `/` is added, so
   * `lake` and `lake/` both keep Quarry's objects under `gs://bucket/lake/`.
   */
  readonly prefix?: string;
  /** The Google Cloud project of the bucket, when not the credentials' own. */
  readonly projectId?: string;
  /** JSON API endpoint override (emulators, the test double): `http://127.0.0.1:4443`. */
  readonly apiEndpoint?: string;
  /**
   * A static OAuth2 access token used instead of Application Default Credentials; defaults to the
   * `QUARRY_GCP_ACCESS_TOKEN` environment variable (`gcloud auth print-access-token` prints one).
   */
  readonly accessToken?: string;
  /** Objects at least this large (bytes) upload through a resumable session; smaller ones in one multipart request. Default 8 MiB. */
  readonly resumableThreshold?: number;
  /** Objects per list request (the JSON API's `maxResults`, at most 1000; default 1000). */
  readonly listPageSize?: number;
}
