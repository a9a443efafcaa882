import type { BigQueryEngineTarget } from '../../definitions/index.ts';
import type { ObjectStore } from '../../storage/index.ts';
import type { BigQueryClientLike } from './bigquery-client.ts';

/** Options of `createBigQueryEngine`. */
export interface BigQueryEngineConfig {
  /** The target's engine description: project, dataset, location, labels, `maxBytesBilled`, `apiEndpoint`. */
  readonly target: BigQueryEngineTarget;
  /**
   * The target's store (GCS): lake files a step reads are loaded from `store.uri(path)`, and
   * `exportToStore` extracts into it.
   */
  readonly store: ObjectStore;
  /**
   * A static OAuth2 access token (`gcloud auth print-access-token`); default: env
   * `QUARRY_GCP_ACCESS_TOKEN`, else Application Default Credentials.
   */
  readonly accessToken?: string;
  /** A client to use instead of `@google-cloud/bigquery`'s (the structural subset the engine calls). */
  readonly client?: BigQueryClientLike;
  /** First and longest wait between two polls of a running job, in ms (default 100 and 2000). */
  readonly pollIntervalMs?: { readonly first: number; readonly max: number };
}
