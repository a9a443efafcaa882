import { BigQuery } from '@google-cloud/bigquery';
import { createRequire } from 'node:module';
import type { BigQueryEngineTarget } from '../../definitions/index.ts';
import { QuarryError } from '../../errors.ts';
import type { BigQueryField, BigQueryRawRow } from './bigquery-values.ts';

/** A BigQuery job resource as jobs.get returns it (the fields the engine reads). */
export interface BigQueryJobMetadata {
  readonly jobReference?: { readonly jobId?: string; readonly location?: string };
  readonly configuration?: Record<string, unknown> & { readonly dryRun?: boolean };
  readonly status?: {
    readonly state?: string;
    readonly errorResult?: { readonly reason?: string; readonly message?: string; readonly location?: string };
    readonly errors?: readonly { readonly reason?: string; readonly message?: string }[];
  };
  readonly statistics?: {
    readonly totalBytesProcessed?: string;
    readonly query?: { readonly totalBytesProcessed?: string; readonly totalBytesBilled?: string; readonly schema?: { readonly fields?: BigQueryField[] } };
  };
}

/** What jobs.getQueryResults returns (raw rows: the engine converts them itself). */
export interface BigQueryQueryResponse {
  readonly jobComplete?: boolean;
  readonly schema?: { readonly fields?: BigQueryField[] };
  readonly totalRows?: string;
  readonly pageToken?: string;
}

/** A job handle: the subset of `@google-cloud/bigquery`'s `Job` the engine calls. */
export interface BigQueryJobLike {
  readonly id?: string;
  getMetadata(): Promise<[BigQueryJobMetadata, ...unknown[]]>;
  getQueryResults(options: Record<string, unknown>): Promise<[BigQueryRawRow[], unknown, BigQueryQueryResponse?, ...unknown[]]>;
  cancel(): Promise<unknown>;
}

/** A table resource (the fields the engine reads). */
export interface BigQueryTableMetadata {
  readonly schema?: { readonly fields?: BigQueryField[] };
  readonly numBytes?: string;
  readonly numRows?: string;
  readonly timePartitioning?: { readonly type?: string; readonly field?: string };
  readonly clustering?: { readonly fields?: string[] };
}

/** A table handle: the subset of `Table` the engine calls. */
export interface BigQueryTableLike {
  readonly id?: string;
  getMetadata(): Promise<[BigQueryTableMetadata, ...unknown[]]>;
  exists(): Promise<[boolean, ...unknown[]]>;
  delete(options?: Record<string, unknown>): Promise<unknown>;
}

/** A dataset handle: the subset of `Dataset` the engine calls. */
export interface BigQueryDatasetLike {
  exists(): Promise<[boolean, ...unknown[]]>;
  table(id: string): BigQueryTableLike;
  createTable(id: string, options: Record<string, unknown>): Promise<[BigQueryTableLike, ...unknown[]]>;
  getTables(options?: Record<string, unknown>): Promise<[BigQueryTableLike[], ...unknown[]]>;
}

/**
 * The structural subset of `@google-cloud/bigquery`'s `BigQuery` client the engine calls, so tests
 * and other clients need no casting.
 */
export interface BigQueryClientLike {
  createJob(options: Record<string, unknown>): Promise<[BigQueryJobLike, ...unknown[]]>;
  job(id: string, options?: { location?: string }): BigQueryJobLike;
  dataset(id: string, options?: { location?: string; projectId?: string }): BigQueryDatasetLike;
}

/** The env variable holding a static OAuth2 access token (used instead of Application Default Credentials). */
export const ACCESS_TOKEN_ENV = 'QUARRY_GCP_ACCESS_TOKEN';

/**
 * A `@google-cloud/bigquery` client for `target`: its project, location and endpoint; credentials
 * from `accessToken` (or env `QUARRY_GCP_ACCESS_TOKEN`) as a static bearer token, else Application
 * Default Credentials.
 */
export function createBigQueryClient(target: BigQueryEngineTarget, accessToken?: string): BigQueryClientLike {
  const token = accessToken ?? (process.env[ACCESS_TOKEN_ENV] || undefined);
  let authClient: unknown;
  if (token !== undefined) {
    // google-auth-library as @google-cloud/bigquery resolves it, so client and auth library agree whatever the hoisting.
    const fromBigQuery = createRequire(createRequire(import.meta.url).resolve('@google-cloud/bigquery'));
    const { OAuth2Client } = fromBigQuery('google-auth-library') as { OAuth2Client: new () => { setCredentials(credentials: { access_token: string }): void } };
    const client = new OAuth2Client();
    client.setCredentials({ access_token: token });
    authClient = client;
  }
  const client = new BigQuery({
    projectId: target.projectId,
    ...(target.location !== undefined ? { location: target.location } : {}),
    ...(target.apiEndpoint !== undefined ? { apiEndpoint: target.apiEndpoint } : {}),
    ...(authClient !== undefined ? { authClient: authClient as never } : {}),
  });
  return client as unknown as BigQueryClientLike;
}

/** An error of the client as `{ code, message, reason }` (ApiError and GaxiosError alike). */
export function apiErrorOf(error: unknown): { code: number | undefined; message: string; reason: string | undefined } {
  const e = error as { code?: unknown; message?: unknown; errors?: { reason?: string; message?: string }[]; response?: { status?: number } };
  const code = typeof e?.code === 'number' ? e.code : typeof e?.response?.status === 'number' ? e.response.status : undefined;
  const reason = Array.isArray(e?.errors) ? e.errors[0]?.reason : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return { code, message, reason };
}

/** True when the error says credentials are missing or were refused (ADC not found, 401, an invalid token). */
export function isCredentialsError(error: unknown): boolean {
  const { code, message } = apiErrorOf(error);
  if (code === 401) return true;
  return /Could not load the default credentials|invalid_grant|invalid authentication credentials|GOOGLE_APPLICATION_CREDENTIALS|The file at .* does not exist|Could not refresh access token/i.test(message);
}

/** The QuarryError for missing or refused credentials, with how to log in. */
export function credentialsError(target: BigQueryEngineTarget, error: unknown): QuarryError {
  return new QuarryError(
    'QUARRY_CLOUD_CREDENTIALS',
    `BigQuery (project "${target.projectId}") refused or found no credentials: ${apiErrorOf(error).message}. ` +
      `Log in with \`gcloud auth application-default login\` (Application Default Credentials), ` +
      `or set ${ACCESS_TOKEN_ENV} to an access token (\`export ${ACCESS_TOKEN_ENV}=$(gcloud auth print-access-token)\`).`,
    { cause: error, details: { projectId: target.projectId } },
  );
}
