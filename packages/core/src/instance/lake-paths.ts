import { randomBytes } from 'node:crypto';
import type { AssetKey } from '../definitions/index.ts';

/**
 * Where a partition version's Parquet file goes in the lake:
 * `<asset key>/<encoded partition key>/<run id>.<attempt>.<random>.parquet`. The run id in the name
 * lets `vacuum` tell an in-flight file of a live run from an orphan of a killed one.
 */
export function partitionFilePath(assetKey: AssetKey, partitionKey: string, runId: string, attempt: number): string {
  return `${assetKey}/${encodePartitionKey(partitionKey)}/${runId}.${attempt}.${randomBytes(4).toString('hex')}.parquet`;
}

/** A partition key as one path segment: `_` for unpartitioned, URI-encoded otherwise. */
export function encodePartitionKey(partitionKey: string): string {
  return partitionKey === '' ? '_' : encodeURIComponent(partitionKey).replace(/\./g, '%2E');
}

/** The run id a lake file was written by, from its name (undefined for foreign files). */
export function runIdOfFile(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const match = /^(r_[A-Za-z0-9_]+)\.\d+\.[0-9a-f]+\.parquet$/.exec(name);
  return match?.[1];
}

/** The run id a temporary (half-written) lake file belongs to, from its name (`.quarry-tmp-<run id>.<attempt>.…`). */
export function runIdOfTemporaryFile(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return /^\.quarry-tmp-(r_[A-Za-z0-9_]+)\.\d+\./.exec(name)?.[1];
}
