import type { z } from 'zod';
import type { catalogSchema } from '../catalog-routes.ts';
import { api } from './api-client.ts';
import { h, replaceChildren } from './dom-builder.ts';
import type { PageContext } from './page-context.ts';
import { routeHash } from './router.ts';
import { createVirtualList } from './virtual-list.ts';

type Catalog = z.output<typeof catalogSchema>;
type CatalogAsset = Catalog['assets'][number];

/** One asset of the catalog with its text indexed once, so each keystroke only scans strings. */
interface IndexedAsset {
  readonly asset: CatalogAsset;
  readonly text: string;
  readonly columns: readonly string[];
  readonly tags: readonly string[];
}

/** A row of the result list: the asset and the columns the search matched. */
interface CatalogRow {
  readonly asset: CatalogAsset;
  readonly matched: readonly string[];
}

/** The current search and filters of the catalog page. */
export interface CatalogFilter {
  readonly words: readonly string[];
  readonly owner: string;
  readonly group: string;
  readonly tag: string;
  readonly pii: '' | 'yes' | 'no';
  readonly freshness: string;
}

const ROW_HEIGHT = 58;

/** Indexes the catalog's assets: key, definition, group, owners, tags, and per column its name, definition and term (with the term's definition and synonyms). */
export function indexCatalog(catalog: Catalog): IndexedAsset[] {
  const terms = new Map(catalog.glossary.map((t) => [t.key, `${t.name} ${t.definition} ${t.synonyms.join(' ')}`]));
  return catalog.assets.map((asset) => {
    const tags = Object.entries(asset.tags).map(([k, v]) => `${k}=${v}`);
    return {
      asset,
      tags,
      text: [asset.key, asset.description ?? '', asset.group, asset.owners.join(' '), tags.join(' ')].join(' ').toLowerCase(),
      columns: asset.columns.map((c) => [c.name, c.description ?? '', c.term ?? '', c.term ? (terms.get(c.term) ?? '') : ''].join(' ').toLowerCase()),
    };
  });
}

/** The assets matching a filter, each with the columns that matched a search word. */
export function filterCatalog(index: readonly IndexedAsset[], filter: CatalogFilter): CatalogRow[] {
  const rows: CatalogRow[] = [];
  for (const entry of index) {
    const a = entry.asset;
    if (filter.owner && !a.owners.includes(filter.owner)) continue;
    if (filter.group && a.group !== filter.group) continue;
    if (filter.tag && !entry.tags.includes(filter.tag)) continue;
    if (filter.pii === 'yes' && !a.hasPii) continue;
    if (filter.pii === 'no' && a.hasPii) continue;
    if (filter.freshness && a.freshness !== filter.freshness) continue;
    const matched = new Set<number>();
    let ok = true;
    for (const word of filter.words) {
      let inColumns = false;
      entry.columns.forEach((c, i) => {
        if (c.includes(word)) {
          inColumns = true;
          matched.add(i);
        }
      });
      if (!inColumns && !entry.text.includes(word)) {
        ok = false;
        break;
      }
    }
    if (ok) rows.push({ asset: a, matched: [...matched].sort((x, y) => x - y).map((i) => a.columns[i]!.name) });
  }
  return rows;
}

function select(name: string, label: string, values: readonly string[]): HTMLSelectElement {
  return h('select', { name, 'aria-label': label }, h('option', { value: '' }, label), ...values.map((v) => h('option', { value: v }, v)));
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/**
 * The catalog page: every asset of the data dictionary with search (asset, column, definition,
 * glossary term, owner) and filters (owner, group, tag, PII, freshness). Results are a virtual
 * list, so a thousand assets cost the rows in view.
 */
export async function catalogPage(context: PageContext): Promise<void> {
  const catalog = await api.get<Catalog>('/api/catalog', context.signal);
  if (context.signal.aborted) return;
  const index = indexCatalog(catalog);
  const search = h('input', { type: 'search', name: 'search', class: 'catalog-search', placeholder: 'Search assets, columns, definitions, terms, owners…', 'aria-label': 'Search the catalog' });
  const owner = select('owner', 'Any owner', sorted(catalog.assets.flatMap((a) => a.owners)));
  const group = select('group', 'Any group', sorted(catalog.assets.map((a) => a.group)));
  const tag = select('tag', 'Any tag', sorted(index.flatMap((e) => e.tags)));
  const pii = h('select', { name: 'pii', 'aria-label': 'PII' }, h('option', { value: '' }, 'PII or not'), h('option', { value: 'yes' }, 'with PII'), h('option', { value: 'no' }, 'without PII'));
  const freshness = select('freshness', 'Any freshness', ['on_time', 'late', 'never', 'unknown']);
  const count = h('p', { class: 'muted catalog-count' });
  const list = createVirtualList<CatalogRow>({
    rowHeight: ROW_HEIGHT,
    className: 'catalog-list',
    attributes: { role: 'list' },
    render: (row) => {
      const a = row.asset;
      return h(
        'div',
        { class: 'catalog-row', role: 'listitem', 'data-key': a.key },
        h(
          'div',
          { class: 'catalog-line' },
          h('a', { class: 'mono catalog-key', href: routeHash({ page: 'asset', key: a.key, partition: undefined }) }, a.key),
          h('span', { class: `badge fresh-${a.freshness}`, 'data-freshness': a.freshness }, a.freshness.replace('_', ' ')),
          a.hasPii ? h('span', { class: 'badge pii' }, 'PII') : null,
          h('span', { class: 'muted small' }, `${a.kind} · ${a.group}${a.owners.length ? ` · ${a.owners.join(', ')}` : ''}`),
        ),
        h(
          'div',
          { class: 'catalog-line muted small' },
          row.matched.length > 0 ? h('span', { class: 'catalog-columns mono', 'data-columns': row.matched.join(',') }, `columns: ${row.matched.join(', ')}`) : h('span', {}, a.description ?? ''),
        ),
      );
    },
  });
  const update = () => {
    const rows = filterCatalog(index, {
      words: search.value.toLowerCase().split(/\s+/).filter((w) => w !== ''),
      owner: owner.value,
      group: group.value,
      tag: tag.value,
      pii: pii.value as CatalogFilter['pii'],
      freshness: freshness.value,
    });
    list.setItems(rows);
    count.textContent = `${rows.length} of ${catalog.assets.length} assets`;
    count.dataset['count'] = String(rows.length);
  };
  for (const input of [search, owner, group, tag, pii, freshness]) input.addEventListener('input', update);
  const glossary = h(
    'details',
    { class: 'card catalog-glossary' },
    h('summary', {}, `Glossary (${catalog.glossary.length} terms)`),
    h('dl', {}, ...catalog.glossary.flatMap((t) => [h('dt', { 'data-term': t.key }, t.name), h('dd', {}, t.definition, t.usedBy.length ? h('div', { class: 'muted small mono' }, t.usedBy.join(', ')) : null)])),
  );
  replaceChildren(
    context.container,
    h('div', { class: 'page' }, h('h1', {}, 'Catalog'), h('div', { class: 'catalog-controls' }, search, owner, group, tag, pii, freshness), count, h('section', { class: 'card' }, list.element), glossary),
  );
  update();
  search.focus();
}
