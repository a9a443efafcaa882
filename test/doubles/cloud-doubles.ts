/**
 * The two cloud doubles started together, as the end-to-end tests and `npm run demo:bigquery` use
 * them: a GCS double holding the buckets and a BigQuery double reading and writing the same objects,
 * with the datasets created (what `bq mk` does once in real life). Test infrastructure.
 *
 * ```ts
 * const cloud = await startCloudDoubles({ projectId: 'quarry-test', datasets: ['tiktok'], buckets: ['lake'] });
 * // bigquery({ projectId: 'quarry-test', dataset: 'tiktok', apiEndpoint: cloud.bq.url }), gcs({ bucket: 'lake', apiEndpoint: cloud.gcs.url })
 * await cloud.close();
 * ```
 */
import { startBigQueryDouble, type BigQueryDouble } from './bigquery-double.ts';
import { startGcsDouble, type GcsDouble } from './gcs-double.ts';

/** A running pair of doubles. */
export interface CloudDoubles {
  readonly bq: BigQueryDouble;
  readonly gcs: GcsDouble;
  close(): Promise<void>;
}

/** Starts the GCS and BigQuery doubles on loopback and creates `datasets` in `location` (default EU). */
export async function startCloudDoubles(options: {
  readonly projectId: string;
  readonly datasets: readonly string[];
  readonly buckets: readonly string[];
  readonly forbiddenBuckets?: readonly string[];
  readonly location?: string;
}): Promise<CloudDoubles> {
  const location = options.location ?? 'EU';
  const gcs = await startGcsDouble({ buckets: [...options.buckets], ...(options.forbiddenBuckets ? { forbiddenBuckets: [...options.forbiddenBuckets] } : {}) });
  const bq = await startBigQueryDouble({ projectId: options.projectId, objects: gcs.objects, location });
  const close = async () => {
    await bq.close();
    await gcs.close();
  };
  try {
    for (const datasetId of options.datasets) {
      const made = await fetch(`${bq.url}/bigquery/v2/projects/${options.projectId}/datasets`, {
        method: 'POST',
        headers: { authorization: 'Bearer setup', 'content-type': 'application/json' },
        body: JSON.stringify({ datasetReference: { projectId: options.projectId, datasetId }, location }),
      });
      if (!made.ok) throw new Error(`creating dataset ${datasetId} on the BigQuery double failed: ${made.status} ${await made.text()}`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { bq, gcs, close };
}

/** A value as two engines' rows compare: integers by value, other numbers to 12 significant digits, times as ISO text. */
function canonical(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number(value.toPrecision(12));
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]));
  return value;
}

/** Rows as sorted JSON lines of canonical values: equal for the same rows in any order, from either engine. */
export function canonicalRows(rows: readonly Record<string, unknown>[]): string[] {
  return rows.map((r) => JSON.stringify(canonical(r))).sort();
}
