/**
 * The OpenLineage 2-0-2 event shapes Quarry emits (a subset of the spec: run events only), so the
 * builders are type-checked against what the JSON Schemas in `test/fixtures/openlineage` require.
 */

/** The spec version of the events. */
export const OPENLINEAGE_SPEC_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';

/** Fields every facet carries: who produced it and the schema it follows. */
export interface OpenLineageFacet {
  readonly _producer: string;
  readonly _schemaURL: string;
  readonly [field: string]: unknown;
}

/** Facets by name (`sql`, `schema`, `columnLineage`, …). */
export type OpenLineageFacets = Readonly<Record<string, OpenLineageFacet>>;

/** A dataset as an event names it: namespace + name, with its facets. */
export interface OpenLineageDataset {
  readonly namespace: string;
  readonly name: string;
  readonly facets?: OpenLineageFacets;
}

/** An input dataset of a run. */
export interface OpenLineageInputDataset extends OpenLineageDataset {
  readonly inputFacets?: OpenLineageFacets;
}

/** An output dataset of a run. */
export interface OpenLineageOutputDataset extends OpenLineageDataset {
  readonly outputFacets?: OpenLineageFacets;
}

/** The run-state transition an event reports. */
export type OpenLineageEventType = 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';

/** One OpenLineage `RunEvent`. */
export interface OpenLineageRunEvent {
  readonly eventType: OpenLineageEventType;
  /** ISO-8601 time of the transition. */
  readonly eventTime: string;
  readonly producer: string;
  readonly schemaURL: string;
  readonly run: { readonly runId: string; readonly facets?: OpenLineageFacets };
  readonly job: { readonly namespace: string; readonly name: string; readonly facets?: OpenLineageFacets };
  readonly inputs: readonly OpenLineageInputDataset[];
  readonly outputs: readonly OpenLineageOutputDataset[];
}
