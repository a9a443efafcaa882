import type { ColumnLineage } from '../column-lineage-types.ts';
import type { OpenLineageFacet } from './openlineage-types.ts';

// The facet schema versions of spec 2-0-2 (test/fixtures/openlineage/facets): `_schemaURL` names them.
const FACET_VERSIONS = {
  SQLJobFacet: '1-1-0',
  SourceCodeLocationJobFacet: '1-1-0',
  SourceCodeJobFacet: '1-0-1',
  JobTypeJobFacet: '2-0-4',
  OwnershipJobFacet: '1-0-1',
  DocumentationJobFacet: '1-1-0',
  ParentRunFacet: '1-2-0',
  NominalTimeRunFacet: '1-0-1',
  ProcessingEngineRunFacet: '1-1-1',
  ErrorMessageRunFacet: '1-0-1',
  SchemaDatasetFacet: '1-2-0',
  ColumnLineageDatasetFacet: '1-2-0',
  DataQualityMetricsDatasetFacet: '1-0-0',
  DataQualityAssertionsDatasetFacet: '1-1-0',
  OutputStatisticsOutputDatasetFacet: '1-0-2',
  DatasetVersionDatasetFacet: '1-0-1',
  OwnershipDatasetFacet: '1-0-1',
  DocumentationDatasetFacet: '1-1-0',
  DatasourceDatasetFacet: '1-0-1',
  StorageDatasetFacet: '1-0-1',
} as const;

/** The name of a facet schema Quarry emits. */
export type OpenLineageFacetName = keyof typeof FACET_VERSIONS;

/** Makes facets stamped with one producer URI. */
export class OpenLineageFacetBuilder {
  readonly producer: string;

  constructor(producer: string) {
    this.producer = producer;
  }

  /** A facet of schema `name` with `fields`. */
  facet(name: OpenLineageFacetName, fields: Record<string, unknown>): OpenLineageFacet {
    return { _producer: this.producer, _schemaURL: `https://openlineage.io/spec/facets/${FACET_VERSIONS[name]}/${name}.json#/$defs/${name}`, ...fields };
  }

  /** The `columnLineage` facet of an output from Quarry's `ColumnLineage` (input datasets named in `namespace`). */
  columnLineage(lineage: ColumnLineage, namespace: string): OpenLineageFacet {
    const fields: Record<string, { inputFields: unknown[] }> = {};
    for (const [column, inputs] of Object.entries(lineage)) {
      fields[column] = {
        inputFields: inputs.map((input) => ({
          namespace,
          name: input.asset,
          field: input.column,
          transformations: input.transformations.map((t) => ({
            type: t.type,
            subtype: t.subtype,
            ...(t.description !== undefined ? { description: t.description } : {}),
            ...(t.masking !== undefined ? { masking: t.masking } : {}),
          })),
        })),
      };
    }
    return this.facet('ColumnLineageDatasetFacet', { fields });
  }
}

/** OpenLineage's names of Quarry's logical column types (as DuckDB spells them). */
export function openLineageFieldType(type: string): string {
  switch (type) {
    case 'string':
      return 'VARCHAR';
    case 'integer':
      return 'BIGINT';
    case 'number':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP WITH TIME ZONE';
    case 'json':
      return 'JSON';
    default:
      return type;
  }
}
