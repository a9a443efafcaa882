import { createHash } from 'node:crypto';

/**
 * How Quarry names OpenLineage jobs, runs and datasets (see docs/openlineage.md):
 * - namespace: `quarry://<project name>` unless the project sets `lineage.namespace`; jobs and datasets share it;
 * - the Quarry run is the job `<project name>`; each step is a run of the job named after its asset key
 *   (`marts/creator_daily_metrics`), whose output dataset has the same name;
 * - run ids are UUIDs derived from the Quarry run id (and step id), so every event of one step carries one id.
 */
export function defaultOpenLineageNamespace(projectName: string): string {
  return `quarry://${encodeURIComponent(projectName)}`;
}

// RFC 4122's URL namespace: the name hashed is always a quarry:// text.
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** A name-based (version 5) UUID of `name`: the same name always gives the same id. */
export function nameBasedUuid(name: string): string {
  const hash = createHash('sha1').update(URL_NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The OpenLineage run id of a Quarry run (the parent of its steps' runs). */
export function openLineageRunId(quarryRunId: string): string {
  return nameBasedUuid(`quarry://run/${quarryRunId}`);
}

/** The OpenLineage run id of one step of a Quarry run. */
export function openLineageStepRunId(quarryRunId: string, stepId: string): string {
  return nameBasedUuid(`quarry://run/${quarryRunId}/step/${stepId}`);
}
