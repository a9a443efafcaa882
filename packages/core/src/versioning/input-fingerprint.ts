import { createHash } from 'node:crypto';

/** The upstream partitions one dependency contributed to a step, with their data versions. */
export interface DependencyInputs {
  readonly name: string;
  readonly assetKey: string;
  /** Materialized upstream partitions read, in partition order. */
  readonly partitions: readonly { readonly key: string; readonly dataVersion: string }[];
}

/**
 * The fingerprint of what a partition read: the source version it observed (when it ingests from
 * outside) and the data version of every upstream partition, by dependency name. Stored with each
 * materialization; a partition whose recomputed fingerprint differs has changed inputs.
 *
 * Format: `src:<version>|<hash>` with a source version, `<hash>` without one, so the source part can be
 * compared without hashing.
 */
export function inputFingerprint(deps: readonly DependencyInputs[], sourceVersion: string | undefined): string {
  const hash = createHash('sha256');
  for (const dep of [...deps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(`\u0000${dep.name}\u0001${dep.assetKey}`);
    for (const p of dep.partitions) hash.update(`\u0002${p.key}\u0003${p.dataVersion}`);
  }
  const digest = hash.digest('hex').slice(0, 24);
  return sourceVersion === undefined ? digest : `src:${sourceVersion}|${digest}`;
}

/** The source version recorded in a fingerprint, or undefined when the partition observed none. */
export function sourceVersionOf(fingerprint: string | null | undefined): string | undefined {
  if (!fingerprint?.startsWith('src:')) return undefined;
  const bar = fingerprint.lastIndexOf('|');
  return fingerprint.slice(4, bar);
}
