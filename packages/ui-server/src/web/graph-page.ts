import type { AssetGraphResponse, AssetState } from '../api-schemas.ts';
import { api, query } from './api-client.ts';
import { h, replaceChildren } from './dom-builder.ts';
import { formatCount } from './formatters.ts';
import { renderGraphView, type GraphView } from './graph-view.ts';
import { ApiError } from './api-client.ts';
import { errorBox, type PageContext } from './page-context.ts';
import { attachSelectionSuggestions, matchingTerms } from './selection-suggest.ts';
import { navigate, type Route } from './router.ts';
import { STATE_COLORS } from './state-colors.ts';
import { loadAutomationExtras } from './automation-data.ts';

const STATES: readonly AssetState[] = ['fresh', 'stale', 'missing', 'failed', 'upstream_failed', 'running'];

/** The asset graph page: selection filter, legend with counts, and the graph itself. */
export async function graphPage(context: PageContext, route: Extract<Route, { page: 'graph' }>): Promise<void> {
  performance.mark('quarry:graph-start');
  const input = h('input', {
    class: 'selection-input',
    type: 'search',
    name: 'selection',
    placeholder: 'Selection: key, +key, key+, group:NAME, tag:K=V, owner:X',
    value: route.selection ?? '',
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-label': 'Selection',
  });
  const form = h(
    'form',
    { class: 'selection-form', role: 'search' },
    input,
    h('button', { type: 'submit', class: 'btn' }, 'Apply'),
    route.selection ? h('a', { class: 'btn btn-ghost', href: '#/' }, 'Clear') : null,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const selection = input.value.trim();
    navigate({ page: 'graph', selection: selection === '' ? undefined : selection });
  });
  // Suggest asset keys, groups, tags and owners as one types (a datalist fed by /api/assets).
  const terms = attachSelectionSuggestions(input, context.signal).catch(() => [] as string[]);
  const legend = h('div', { class: 'legend' });
  const message = h('div', { class: 'graph-message' });
  const fitButton = h('button', { type: 'button', class: 'btn btn-small', title: 'Fit the graph to the window' }, 'Fit');
  const canvas = h('div', { class: 'graph-canvas' });
  context.container.appendChild(
    h('div', { class: 'graph-page' }, h('div', { class: 'graph-toolbar' }, form, legend, fitButton), message, canvas),
  );

  const renderLegend = (graph: AssetGraphResponse) => {
    const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<AssetState, number>;
    for (const node of graph.nodes) counts[node.state]++;
    replaceChildren(
      legend,
      h('span', { class: 'legend-total' }, `${formatCount(graph.nodes.length)} assets`),
      ...STATES.map((state) =>
        h('span', { class: `legend-item legend-${state}`, 'data-state': state }, h('i', { class: 'swatch', style: `background:${STATE_COLORS[state]}` }), `${counts[state]} ${state.replace('_', ' ')}`),
      ),
    );
  };

  let graph: AssetGraphResponse;
  try {
    graph = await api.get<AssetGraphResponse>(`/api/graph${query({ selection: route.selection })}`, context.signal);
  } catch (error) {
    if (context.signal.aborted) return;
    // A selection naming nothing: offer the terms that match what was typed, not a CLI command.
    const close = route.selection !== undefined && error instanceof ApiError && error.status === 404 ? matchingTerms(await terms, route.selection) : [];
    if (route.selection !== undefined && error instanceof ApiError && error.status === 404) {
      replaceChildren(
        message,
        h(
          'div',
          { class: 'empty selection-no-match', role: 'alert' },
          `Nothing in this project matches “${route.selection}”.`,
          close.length > 0
            ? h('span', {}, ' Did you mean ', ...close.flatMap((term, i) => [i > 0 ? ', ' : '', h('a', { href: `#/?selection=${encodeURIComponent(term)}`, class: 'selection-suggestion mono' }, term)]), '?')
            : ' Type in the selection box to see the asset keys, groups and tags it knows.',
        ),
      );
      return;
    }
    replaceChildren(message, errorBox(error));
    return;
  }
  if (context.signal.aborted) return;
  renderLegend(graph);
  if (graph.nodes.length === 0) {
    replaceChildren(message, h('div', { class: 'empty' }, route.selection ? `No asset matches ${route.selection}.` : 'This project has no assets yet.'));
    return;
  }
  const view: GraphView = renderGraphView(canvas, graph, { onOpen: (key) => navigate({ page: 'asset', key, partition: undefined }) });
  fitButton.addEventListener('click', () => view.fit());
  const showFreshness = async () => view.setFreshness((await loadAutomationExtras(context.signal)).freshness);
  await showFreshness();
  const onResize = () => view.fit();
  window.addEventListener('resize', onResize);
  context.onLeave(() => window.removeEventListener('resize', onResize));
  // Two frames: the mark lands after the frame that painted the graph.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      performance.mark('quarry:graph-rendered');
      document.body.dataset['graphRendered'] = String(graph.nodes.length);
    }),
  );

  context.every(3000, async () => {
    const next = await api.get<AssetGraphResponse>(`/api/graph${query({ selection: route.selection })}`, context.signal);
    view.updateNodes(next.nodes);
    renderLegend(next);
    await showFreshness();
  });
}
