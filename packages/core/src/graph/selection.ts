import type { AssetKey } from '../definitions/index.ts';
import { QuarryError } from '../errors.ts';
import type { AssetGraph } from './asset-graph.ts';

/**
 * One term of a selection: an atom with optional upstream (`+` before) and downstream (`+` after) expansion.
 */
export interface SelectionTerm {
  readonly atom:
    | { readonly kind: 'key'; readonly key: string }
    | { readonly kind: 'all' }
    | { readonly kind: 'group'; readonly group: string }
    | { readonly kind: 'tag'; readonly tag: string; readonly value: string | undefined }
    | { readonly kind: 'owner'; readonly owner: string };
  readonly upstream: boolean;
  readonly downstream: boolean;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;
const WORD = /^[A-Za-z0-9_.@\-/]+$/;

/**
 * Parses a selection string: comma-separated terms, each `key`, `*`, `group:NAME`, `tag:K` or `tag:K=V`,
 * `owner:X`, with `+` before for everything upstream and `+` after for everything downstream.
 *
 * ```ts
 * parseSelection('+marts/revenue,group:raw+');
 * ```
 */
export function parseSelection(selection: string): SelectionTerm[] {
  const text = selection.trim();
  if (text === '') throw badSelection(selection, 'it is empty');
  return text.split(',').map((raw) => {
    let part = raw.trim();
    if (part === '') throw badSelection(selection, 'it has an empty term between commas');
    const upstream = part.startsWith('+');
    if (upstream) part = part.slice(1);
    const downstream = part.endsWith('+');
    if (downstream) part = part.slice(0, -1);
    if (part.startsWith('+') || part.endsWith('+')) throw badSelection(selection, `"${raw.trim()}" has more than one + on a side`);
    return { atom: parseAtom(selection, part), upstream, downstream };
  });
}

function parseAtom(selection: string, part: string): SelectionTerm['atom'] {
  if (part === '*') return { kind: 'all' };
  const colon = part.indexOf(':');
  if (colon === -1) {
    if (!KEY.test(part)) throw badSelection(selection, `"${part}" is not an asset key`);
    return { kind: 'key', key: part };
  }
  const prefix = part.slice(0, colon);
  const rest = part.slice(colon + 1);
  if (rest === '' || !WORD.test(rest.replace('=', ''))) throw badSelection(selection, `"${part}" has no valid value after "${prefix}:"`);
  switch (prefix) {
    case 'group':
      return { kind: 'group', group: rest };
    case 'owner':
      return { kind: 'owner', owner: rest };
    case 'tag': {
      const eq = rest.indexOf('=');
      return eq === -1 ? { kind: 'tag', tag: rest, value: undefined } : { kind: 'tag', tag: rest.slice(0, eq), value: rest.slice(eq + 1) };
    }
    default:
      throw badSelection(selection, `"${prefix}:" is not a selection prefix (use group:, tag: or owner:)`);
  }
}

function badSelection(selection: string, why: string): QuarryError {
  return new QuarryError(
    'QUARRY_BAD_SELECTION',
    `Selection ${JSON.stringify(selection)} is malformed: ${why}. Use comma-separated terms like key, +key, key+, group:NAME, tag:K=V, owner:X.`,
  );
}

/**
 * Resolves a selection against a graph to asset keys in topological order. An unknown key is an error
 * (`QUARRY_UNKNOWN_ASSET`); a group/tag/owner that matches nothing selects nothing.
 */
export function resolveSelection(graph: AssetGraph, selection: string | undefined): AssetKey[] {
  if (selection === undefined) return [...graph.keys];
  const selected = new Set<AssetKey>();
  for (const term of parseSelection(selection)) {
    const base = matchAtom(graph, term.atom);
    const expanded = new Set(base);
    if (term.upstream) for (const k of graph.upstreamClosure(base)) expanded.add(k);
    if (term.downstream) for (const k of graph.downstreamClosure(base)) expanded.add(k);
    for (const k of expanded) selected.add(k);
  }
  return graph.ordered(selected);
}

function matchAtom(graph: AssetGraph, atom: SelectionTerm['atom']): AssetKey[] {
  switch (atom.kind) {
    case 'all':
      return [...graph.keys];
    case 'key':
      return [graph.get(atom.key).key];
    case 'group':
      return graph.assets().filter((a) => a.group === atom.group).map((a) => a.key);
    case 'owner':
      return graph.assets().filter((a) => a.owners.includes(atom.owner)).map((a) => a.key);
    case 'tag':
      return graph
        .assets()
        .filter((a) => Object.hasOwn(a.tags, atom.tag) && (atom.value === undefined || a.tags[atom.tag] === atom.value))
        .map((a) => a.key);
  }
}
