// Validates OpenLineage events against the 2-0-2 JSON Schemas copied into test/fixtures/openlineage
// (Apache-2.0, from the OpenLineage repository; see the README there): the event against the core
// schema, and every facet against the facet schema that defines its name. A facet no schema defines
// is an error, so a typo in a facet name cannot pass.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const dir = fileURLToPath(new URL('../fixtures/openlineage/', import.meta.url));

type Place = 'run' | 'job' | 'dataset' | 'input' | 'output';

/** Validates events; `errors(event)` lists every problem (empty when valid). */
export class OpenLineageValidator {
  readonly #event: ValidateFunction;
  readonly #facets = new Map<string, { file: string; validate: ValidateFunction; base: string }[]>();

  constructor() {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const core = JSON.parse(readFileSync(join(dir, 'OpenLineage.json'), 'utf8')) as { $id: string };
    ajv.addSchema(core);
    this.#event = ajv.getSchema(core.$id)!;
    for (const file of readdirSync(join(dir, 'facets')).filter((f) => f.endsWith('.json'))) {
      const schema = JSON.parse(readFileSync(join(dir, 'facets', file), 'utf8')) as {
        $id: string;
        properties: Record<string, { $ref?: string; anyOf?: { $ref: string }[] }>;
        $defs: Record<string, { allOf?: { $ref?: string }[] }>;
      };
      ajv.addSchema(schema);
      for (const [name, property] of Object.entries(schema.properties)) {
        const refs = property.$ref !== undefined ? [property.$ref] : (property.anyOf ?? []).map((a) => a.$ref);
        for (const ref of refs) {
          const base = schema.$defs[ref.split('/').pop()!]?.allOf?.[0]?.$ref?.split('/').pop() ?? '';
          const list = this.#facets.get(name) ?? [];
          list.push({ file, validate: ajv.getSchema(schema.$id)!, base });
          this.#facets.set(name, list);
        }
      }
    }
  }

  /** Every schema violation of one event, as text. */
  errors(event: unknown): string[] {
    const problems: string[] = [];
    if (!this.#event(event)) problems.push(...(this.#event.errors ?? []).map((e) => `event ${e.instancePath} ${e.message}`));
    const e = event as { run?: { facets?: object }; job?: { facets?: object }; inputs?: { facets?: object; inputFacets?: object }[]; outputs?: { facets?: object; outputFacets?: object }[] };
    this.#check('run', e.run?.facets, problems);
    this.#check('job', e.job?.facets, problems);
    for (const d of [...(e.inputs ?? []), ...(e.outputs ?? [])]) this.#check('dataset', d.facets, problems);
    for (const d of e.inputs ?? []) this.#check('input', d.inputFacets, problems);
    for (const d of e.outputs ?? []) this.#check('output', d.outputFacets, problems);
    return problems;
  }

  #check(place: Place, facets: object | undefined, problems: string[]): void {
    const bases: Record<Place, string[]> = {
      run: ['RunFacet'],
      job: ['JobFacet'],
      dataset: ['DatasetFacet', 'InputDatasetFacet'],
      input: ['InputDatasetFacet'],
      output: ['OutputDatasetFacet'],
    };
    for (const [name, facet] of Object.entries(facets ?? {})) {
      const candidates = (this.#facets.get(name) ?? []).filter((c) => bases[place].includes(c.base));
      if (candidates.length === 0) {
        problems.push(`${place} facet "${name}" has no schema in the spec`);
        continue;
      }
      const failures = candidates.map((c) => (c.validate({ [name]: facet }) ? undefined : `${c.file}: ${(c.validate.errors ?? []).map((x) => `${x.instancePath} ${x.message}`).join('; ')}`));
      if (failures.every((f) => f !== undefined)) problems.push(`${place} facet "${name}" invalid: ${failures.join(' | ')}`);
    }
  }
}
