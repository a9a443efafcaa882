import type { RunResponse } from '../api-schemas.ts';
import { api } from './api-client.ts';
import { h, replaceChildren } from './dom-builder.ts';
import { formatDuration, formatTime, pick } from './formatters.ts';
import { card, pill, type PageContext } from './page-context.ts';
import { routeHash } from './router.ts';
import { partitionsText, timesOf } from './run-fields.ts';

/** The runs page: recent runs with status, kind, selection, partitions, start and duration; refreshes itself. */
export async function runsPage(context: PageContext): Promise<void> {
  const body = h('tbody', {});
  const table = h(
    'table',
    { class: 'table runs-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Run'), h('th', {}, 'Status'), h('th', {}, 'Kind'), h('th', {}, 'Selection'), h('th', {}, 'Partitions'), h('th', { class: 'num' }, 'Steps'), h('th', {}, 'Started'), h('th', { class: 'num' }, 'Duration'))),
    body,
  );
  const empty = h('p', { class: 'muted', hidden: true }, 'No runs yet. Open an asset and use Materialize… to start one.');
  context.container.appendChild(h('div', { class: 'page' }, h('h1', {}, 'Runs'), card('Recent runs', table, empty)));
  const load = async () => {
    const { runs } = await api.get<{ runs: RunResponse[] }>('/api/runs?limit=100', context.signal);
    if (context.signal.aborted) return;
    empty.hidden = runs.length > 0;
    table.hidden = runs.length === 0;
    const now = Date.now();
    replaceChildren(
      body,
      ...runs.map((run) => {
        const { start, end } = timesOf(run);
        return h(
          'tr',
          { 'data-run': run.id },
          h('td', {}, h('a', { href: routeHash({ page: 'run', runId: run.id }), class: 'mono' }, run.id)),
          h('td', {}, pill(run.status)),
          h('td', {}, String(pick(run, 'kind') ?? '—')),
          h('td', { class: 'mono' }, String(pick(run, 'selection') ?? '*')),
          h('td', { class: 'mono' }, partitionsText(run)),
          h('td', { class: 'num' }, String(pick(run, 'stepCount') ?? '—')),
          h('td', { class: 'muted' }, formatTime(start)),
          h('td', { class: 'num' }, start === undefined ? '—' : formatDuration((end ?? now) - start)),
        );
      }),
    );
  };
  await load();
  context.every(2000, load);
}
