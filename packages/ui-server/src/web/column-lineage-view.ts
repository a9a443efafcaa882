import type { ColumnLineageResponse } from '../api-schemas.ts';
import { api, query } from './api-client.ts';
import { h, replaceChildren } from './dom-builder.ts';
import { errorBox } from './page-context.ts';
import { routeHash } from './router.ts';

type Transformation = ColumnLineageResponse['edges'][number]['transformations'][number];

function transformationLabel(t: Transformation): string {
  return `${t.type}/${t.subtype}${t.masking === true ? ' (masking)' : ''}`;
}

function columnLink(asset: string, column: string): HTMLElement {
  return h('a', { href: routeHash({ page: 'asset', key: asset, partition: undefined }), class: 'mono' }, `${asset}.${column}`);
}

/**
 * The column lineage view of an asset page: each output column with the upstream columns it derives
 * from and how (DIRECT inputs first; INDIRECT ones — filters, joins, groups — behind a toggle), and,
 * for a chosen column, its transitive lineage upstream or downstream.
 */
export async function columnLineageView(base: string, signal: AbortSignal): Promise<HTMLElement> {
  const root = h('div', { class: 'column-lineage', 'data-view': 'column-lineage' });
  let data: ColumnLineageResponse;
  try {
    data = await api.get<ColumnLineageResponse>(`${base}/column-lineage`, signal);
  } catch (error) {
    replaceChildren(root, errorBox(error));
    return root;
  }
  const columns = Object.keys(data.columns);
  if (columns.length === 0) {
    replaceChildren(root, h('p', { class: 'muted', 'data-empty': 'column-lineage' }, 'No column lineage: a compute asset can declare one with columnLineage.'));
    return root;
  }
  let showIndirect = false;
  const table = h('div', {});
  const trace = h('div', { class: 'column-lineage-trace' });
  const render = () => {
    replaceChildren(
      table,
      h(
        'table',
        { class: 'table column-lineage-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Column'), h('th', {}, 'Derives from'), h('th', {}, 'Transformation'))),
        h(
          'tbody',
          {},
          ...columns.flatMap((column) => {
            const inputs = data.columns[column]!.map((i) => ({ ...i, transformations: i.transformations.filter((t) => showIndirect || t.type === 'DIRECT') })).filter((i) => i.transformations.length > 0);
            const trace = h('button', { class: 'btn btn-ghost small', type: 'button', 'data-column': column, onclick: () => void showTrace(column, 'upstream') }, column);
            if (inputs.length === 0) return [h('tr', { 'data-column-row': column }, h('td', {}, trace), h('td', { class: 'muted' }, 'no input column'), h('td', {}, ''))];
            return inputs.map((input, index) =>
              h(
                'tr',
                { 'data-column-row': column },
                h('td', {}, index === 0 ? trace : ''),
                h('td', {}, columnLink(input.asset, input.column)),
                h('td', { class: input.transformations.some((t) => t.type === 'DIRECT') ? '' : 'muted' }, input.transformations.map(transformationLabel).join(', ')),
              ),
            );
          }),
        ),
      ),
    );
  };
  const showTrace = async (column: string, direction: 'upstream' | 'downstream') => {
    replaceChildren(trace, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const result = await api.get<ColumnLineageResponse>(`${base}/column-lineage${query({ column, direction })}`, signal);
      const edges = result.edges.filter((e) => showIndirect || e.transformations.some((t) => t.type === 'DIRECT'));
      replaceChildren(
        trace,
        h(
          'div',
          { class: 'title-row' },
          h('h4', {}, `${direction === 'upstream' ? 'Upstream of' : 'Downstream of'} ${column}`),
          h('button', { class: 'btn btn-ghost small', type: 'button', onclick: () => void showTrace(column, direction === 'upstream' ? 'downstream' : 'upstream') }, direction === 'upstream' ? 'Show downstream' : 'Show upstream'),
        ),
        edges.length === 0
          ? h('p', { class: 'muted' }, 'None.')
          : h(
              'ul',
              { class: 'plain-list', 'data-trace': direction },
              ...edges.map((e) =>
                h(
                  'li',
                  { style: `padding-left: ${(e.depth - 1) * 16}px` },
                  columnLink(e.to.asset, e.to.column),
                  ' ← ',
                  columnLink(e.from.asset, e.from.column),
                  h('span', { class: 'muted small' }, ` ${e.transformations.map(transformationLabel).join(', ')}`),
                ),
              ),
            ),
      );
    } catch (error) {
      replaceChildren(trace, errorBox(error));
    }
  };
  const toggle = h('label', { class: 'small' }, h('input', { type: 'checkbox', 'data-toggle': 'indirect', onchange: (event: Event) => {
    showIndirect = (event.target as HTMLInputElement).checked;
    render();
  } }), ' Show indirect inputs (filters, joins, groups)');
  render();
  replaceChildren(
    root,
    h('p', { class: 'muted small' }, `${data.source === 'declared' ? 'Declared in columnLineage' : 'Derived from the SQL'}${data.origin === 'recorded' ? `, recorded ${data.recordedAt ?? ''}` : ', from the current definitions'}.`),
    toggle,
    table,
    trace,
  );
  return root;
}
