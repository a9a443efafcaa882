import type { RunResponse } from '../api-schemas.ts';
import { api } from './api-client.ts';
import { h, replaceChildren } from './dom-builder.ts';
import { formatDuration, formatTime, pick } from './formatters.ts';
import { card, pill, type PageContext } from './page-context.ts';
import { routeHash } from './router.ts';
import { partitionsText, timesOf } from './run-fields.ts';
import { loadAutomationExtras, PRIORITY_NAMES, requestPartitionsText } from './automation-data.ts';

/** The runs page: the daemon's queue of run requests (priority, asset, partitions), then recent runs with status, kind, selection, partitions, start and duration; refreshes itself. */
export async function runsPage(context: PageContext): Promise<void> {
  const body = h('tbody', {});
  const table = h(
    'table',
    { class: 'table runs-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Run'), h('th', {}, 'Status'), h('th', {}, 'Kind'), h('th', {}, 'Selection'), h('th', {}, 'Partitions'), h('th', { class: 'num' }, 'Steps'), h('th', {}, 'Started'), h('th', { class: 'num' }, 'Duration'))),
    body,
  );
  const empty = h('p', { class: 'muted', hidden: true }, 'No runs yet. Open an asset and use Materialize… to start one.');
  const queueBody = h('tbody', {});
  const queueTable = h(
    'table',
    { class: 'table queue-table', 'data-role': 'queue' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Priority'), h('th', {}, 'Asset'), h('th', {}, 'Partitions'), h('th', {}, 'Run key'), h('th', { class: 'num' }, 'Steps launched'), h('th', {}, 'Requested'))),
    queueBody,
  );
  const queueEmpty = h('p', { class: 'muted', 'data-role': 'queue-empty' }, 'No queued run requests (the daemon queues them: quarry daemon or quarry serve --daemon).');
  context.container.appendChild(h('div', { class: 'page' }, h('h1', {}, 'Runs'), card('Queue', queueTable, queueEmpty), card('Recent runs', table, empty)));
  const loadQueue = async () => {
    const { queue } = await loadAutomationExtras(context.signal);
    if (context.signal.aborted) return;
    queueTable.hidden = queue.length === 0;
    queueEmpty.hidden = queue.length > 0;
    replaceChildren(
      queueBody,
      ...queue.map((r) =>
        h(
          'tr',
          { 'data-run-key': r.runKey },
          h('td', {}, pill(PRIORITY_NAMES[r.priority] ?? 'normal')),
          h('td', { class: 'mono', 'data-role': 'queue-asset' }, r.selection),
          h('td', { class: 'mono' }, requestPartitionsText(r.partitions, r.partitionCount)),
          h('td', { class: 'mono muted' }, r.runKey),
          h('td', { class: 'num' }, String(r.chunks)),
          h('td', { class: 'muted' }, formatTime(r.requestedAt)),
        ),
      ),
    );
  };
  const load = async () => {
    await loadQueue();
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
