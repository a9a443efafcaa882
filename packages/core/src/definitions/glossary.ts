import { QuarryError } from '../errors.ts';

// metadata: the data dictionary's glossary
/** One business term of the glossary. */
export interface GlossaryTerm {
  /** The business definition, in a sentence or two. */
  readonly definition: string;
  /** A display name (default: the term's key). */
  readonly name?: string;
  /** Other names people use for it (searchable). */
  readonly synonyms?: readonly string[];
  /** Who answers questions about the term. */
  readonly owners?: readonly string[];
  /** The term's key in its glossary; `defineGlossary` sets it. */
  readonly key?: string;
}

/** Glossary terms by key (`follower_count`). */
export type Glossary = Readonly<Record<string, GlossaryTerm>>;

/** A glossary as `defineGlossary` returns it: each term knows its key, so columns can refer to the object. */
export type DefinedGlossary<K extends string> = Readonly<Record<K, GlossaryTerm & { readonly key: K }>>;

const TERM_KEY = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Declares a glossary of business terms that asset columns refer to with `term` (the term object,
 * so a renamed term is a type error, or its key):
 *
 * ```ts
 * const glossary = defineGlossary({ follower_count: { definition: 'Accounts following a creator at the end of a day.' } });
 * const metrics = defineAsset({ …, columns: { followers: { term: glossary.follower_count } } });
 * export default defineProject({ name: 'tiktok', assets: [metrics], glossary });
 * ```
 */
export function defineGlossary<K extends string>(terms: Record<K, GlossaryTerm>): DefinedGlossary<K> {
  const out: Record<string, GlossaryTerm> = {};
  for (const [key, term] of Object.entries<GlossaryTerm>(terms)) {
    if (!TERM_KEY.test(key)) {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Glossary term key ${JSON.stringify(key)} must start with a letter and hold only letters, digits, _, . and -.`);
    }
    if (typeof term !== 'object' || term === null || typeof term.definition !== 'string' || term.definition.trim() === '') {
      throw new QuarryError('QUARRY_BAD_DEFINITION', `Glossary term "${key}" needs a non-empty definition: { definition: '…' }.`);
    }
    out[key] = Object.freeze({ ...term, key, ...(term.synonyms ? { synonyms: Object.freeze([...term.synonyms]) } : {}), ...(term.owners ? { owners: Object.freeze([...term.owners]) } : {}) });
  }
  return Object.freeze(out) as DefinedGlossary<K>;
}

