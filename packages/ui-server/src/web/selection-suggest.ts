import type { AssetSummaryResponse } from '../api-schemas.ts';
import { api } from './api-client.ts';
import { h } from './dom-builder.ts';

/** Every selection term the project offers: asset keys (alone, with upstream, with downstream), groups, tags and owners. */
export function selectionTerms(assets: readonly Pick<AssetSummaryResponse, 'key' | 'group' | 'tags' | 'owners'>[]): string[] {
  const keys = assets.map((a) => a.key).sort();
  const groups = new Set<string>();
  const tags = new Set<string>();
  const owners = new Set<string>();
  for (const a of assets) {
    groups.add(`group:${a.group}`);
    for (const [k, v] of Object.entries(a.tags)) tags.add(`tag:${k}=${v}`);
    for (const o of a.owners) owners.add(`owner:${o}`);
  }
  return [...keys, ...[...groups].sort(), ...[...tags].sort(), ...[...owners].sort(), ...keys.map((k) => `+${k}`), ...keys.map((k) => `${k}+`)];
}

/** The terms that contain what was typed (case-insensitive), keys first, at most `limit`. */
export function matchingTerms(terms: readonly string[], typed: string, limit = 8): string[] {
  const needle = typed.trim().replace(/^\+|\+$/g, '').toLowerCase();
  if (needle === '') return [];
  return terms.filter((t) => !t.startsWith('+') && !t.endsWith('+') && t.toLowerCase().includes(needle)).slice(0, limit);
}

/**
 * Gives a selection input a datalist of the project's asset keys, groups, tags and owners (from
 * `/api/assets`), so matching terms are suggested as one types. Resolves to the terms.
 */
export async function attachSelectionSuggestions(input: HTMLInputElement, signal?: AbortSignal): Promise<string[]> {
  const id = `selection-terms-${Math.random().toString(36).slice(2, 8)}`;
  const { assets } = await api.get<{ assets: AssetSummaryResponse[] }>('/api/assets', signal);
  const terms = selectionTerms(assets);
  const list = h('datalist', { id, class: 'selection-terms' }, ...terms.map((t) => h('option', { value: t })));
  input.after(list);
  input.setAttribute('list', id);
  return terms;
}
