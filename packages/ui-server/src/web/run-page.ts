import type { EventResponse, RunResponse, StepResponse } from '../api-schemas.ts';
import { api } from './api-client.ts';
import { h, replaceChildren } from './dom-builder.ts';
import { describePartitions, formatClock, formatDuration, formatTime, pick } from './formatters.ts';
import { ganttChart } from './gantt-chart.ts';
import { card, errorBox, pill, type PageContext } from './page-context.ts';
import { routeHash, type Route } from './router.ts';
import { FINAL_STATUSES, partitionsText, timesOf } from './run-fields.ts';

const MAX_LOG_LINES = 5000;
const MAX_STEP_ROWS = 300;

interface PlannedStep {
  readonly id: string;
  readonly assetKey: string;
  readonly partitionKeys: readonly string[];
  readonly reason?: { readonly cause: string };
}

/** One row of the steps table: the planned step and its record once it started. */
interface StepRow {
  readonly id: string;
  readonly assetKey: string;
  readonly partitions: string;
  readonly reason: string | undefined;
  readonly record: StepResponse | undefined;
}

/** Joins the run's plan (every step, with partitions and reason) with the step records (status, times). */
function stepRows(plan: unknown, records: readonly StepResponse[]): StepRow[] {
  const planned = ((plan as { steps?: PlannedStep[] } | null | undefined)?.steps ?? []).filter((s) => typeof s?.id === 'string');
  const byId = new Map(records.map((r) => [r.stepId, r]));
  const rows: StepRow[] = planned.map((p) => ({
    id: p.id,
    assetKey: p.assetKey,
    partitions: describePartitions(p.partitionKeys ?? []),
    reason: p.reason?.cause,
    record: byId.get(p.id),
  }));
  const known = new Set(rows.map((r) => r.id));
  for (const record of records) {
    if (!known.has(record.stepId)) rows.push({ id: record.stepId, assetKey: record.assetKey, partitions: partitionsText(record), reason: undefined, record });
  }
  return rows;
}

function logLine(event: EventResponse): HTMLElement {
  const level = String(pick(event, 'level') ?? 'info');
  const type = String(pick(event, 'type') ?? 'log');
  const step = pick(event, 'stepId');
  const data = pick(event, 'data');
  const message = String(pick(event, 'message') ?? (data !== undefined && data !== null ? JSON.stringify(data) : type.replace(/_/g, ' ')));
  return h(
    'div',
    { class: `log-line level-${level} type-${type}`, 'data-event': event.id },
    h('span', { class: 'log-time' }, formatClock(pick(event, 'timestamp', 'ts', 'time', 'createdAt'))),
    h('span', { class: 'log-level' }, level),
    h('span', { class: 'log-type' }, type.replace(/_/g, ' ')),
    typeof step === 'string' ? h('span', { class: 'log-step' }, step) : null,
    h('span', { class: 'log-message' }, message),
  );
}

/** The run page: status, cancel, the steps' timeline and table, and the live log stream. */
export async function runPage(context: PageContext, route: Extract<Route, { page: 'run' }>): Promise<void> {
  const base = `/api/runs/${encodeURIComponent(route.runId)}`;
  let { run, steps } = await api.get<{ run: RunResponse; steps: StepResponse[] }>(base, context.signal);
  if (context.signal.aborted) return;
  // Streamed run updates leave the plan out; the first read has it.
  const plan = run['plan'];

  const statusHolder = h('span', { class: 'run-status' });
  const cancel = h('button', { type: 'button', class: 'btn btn-danger', 'data-action': 'cancel' }, 'Cancel run');
  const facts = h('dl', { class: 'facts' });
  const message = h('div', {});
  const timeline = h('div', { class: 'timeline' });
  const stepsBody = h('tbody', {});
  const stepsNote = h('p', { class: 'muted small', hidden: true });
  const logs = h('div', { class: 'logs', role: 'log', 'aria-live': 'polite' });
  const follow = h('input', { type: 'checkbox', checked: true });
  const streamState = h('span', { class: 'stream-state muted' }, 'connecting…');
  context.container.appendChild(
    h(
      'div',
      { class: 'page run-page' },
      h('div', { class: 'breadcrumb' }, h('a', { href: '#/runs' }, 'Runs'), ' / ', h('span', { class: 'mono' }, run.id)),
      h('div', { class: 'title-row' }, h('h1', { class: 'mono run-title' }, `Run ${run.id}`), statusHolder, h('span', { class: 'spacer' }), cancel),
      message,
      facts,
      card('Timeline', timeline),
      card(
        'Steps',
        h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'table steps-table' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Asset'), h('th', {}, 'Partitions'), h('th', {}, 'Reason'), h('th', {}, 'Status'), h('th', { class: 'num' }, 'Attempts'), h('th', { class: 'num' }, 'Duration'))),
            stepsBody,
          ),
        ),
        stepsNote,
      ),
      h(
        'section',
        { class: 'card' },
        h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'Logs'), streamState, h('span', { class: 'spacer' }), h('label', { class: 'checkbox small' }, follow, 'Follow')),
        logs,
      ),
    ),
  );

  const render = () => {
    const final = FINAL_STATUSES.has(run.status);
    replaceChildren(statusHolder, pill(run.status));
    cancel.hidden = final;
    document.body.dataset['runStatus'] = run.status;
    const { start, end } = timesOf(run);
    const now = Date.now();
    replaceChildren(
      facts,
      h('div', {}, h('dt', {}, 'Kind'), h('dd', {}, String(pick(run, 'kind') ?? '—'))),
      h('div', {}, h('dt', {}, 'Selection'), h('dd', { class: 'mono' }, String(pick(run, 'selection') ?? '*'))),
      h('div', {}, h('dt', {}, 'Partitions'), h('dd', { class: 'mono' }, partitionsText(run))),
      h('div', {}, h('dt', {}, 'Started'), h('dd', {}, formatTime(start))),
      h('div', {}, h('dt', {}, 'Duration'), h('dd', {}, start === undefined ? '—' : formatDuration((end ?? now) - start))),
      h('div', {}, h('dt', {}, 'Steps'), h('dd', {}, `${steps.filter((s) => s.status === 'succeeded').length} / ${stepRows(plan, steps).length} done`)),
    );
    const rows = stepRows(plan, steps);
    const shown = rows.slice(0, MAX_STEP_ROWS);
    stepsNote.hidden = rows.length <= shown.length;
    stepsNote.textContent = `Showing the first ${shown.length} of ${rows.length} steps.`;
    const gantt = shown.map((row) => {
      const times = row.record ? timesOf(row.record) : { start: undefined, end: undefined };
      return { id: row.id, label: `${row.assetKey} ${row.partitions}`, start: times.start, end: times.end, status: row.record?.status ?? 'pending' };
    });
    replaceChildren(timeline, gantt.length === 0 ? h('p', { class: 'muted' }, 'No steps.') : ganttChart(gantt, now));
    replaceChildren(
      stepsBody,
      ...shown.map((row) => {
        const times = row.record ? timesOf(row.record) : { start: undefined, end: undefined };
        return h(
          'tr',
          { 'data-step': row.id },
          h('td', {}, h('a', { href: routeHash({ page: 'asset', key: row.assetKey, partition: undefined }) }, row.assetKey)),
          h('td', { class: 'mono' }, row.partitions),
          h('td', {}, row.reason ? pill(row.reason) : '—'),
          h('td', {}, pill(row.record?.status ?? 'pending')),
          h('td', { class: 'num' }, String(pick(row.record ?? {}, 'attempt', 'attempts') ?? '—')),
          h('td', { class: 'num' }, times.start === undefined ? '—' : formatDuration((times.end ?? now) - times.start)),
        );
      }),
    );
  };
  render();

  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      await api.post(`${base}/cancel`, {});
    } catch (error) {
      replaceChildren(message, errorBox(error));
    } finally {
      cancel.disabled = false;
    }
  });

  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  const refresh = () => {
    clearTimeout(refreshTimer);
    // Step changes arrive as bursts of events; one read of the run per burst is enough.
    refreshTimer = setTimeout(async () => {
      try {
        ({ run, steps } = await api.get<{ run: RunResponse; steps: StepResponse[] }>(base, context.signal));
        if (!context.signal.aborted) render();
      } catch {
        // The next event or tick refreshes again.
      }
    }, 150);
  };

  let lines = 0;
  const source = new EventSource(`${base}/events`);
  context.onLeave(() => {
    source.close();
    clearTimeout(refreshTimer);
  });
  source.addEventListener('open', () => (streamState.textContent = 'live'));
  source.addEventListener('log', (event) => {
    const record = JSON.parse((event as MessageEvent<string>).data) as EventResponse;
    logs.appendChild(logLine(record));
    if (++lines > MAX_LOG_LINES) logs.firstElementChild?.remove();
    if (follow.checked) logs.scrollTop = logs.scrollHeight;
    if (String(pick(record, 'type') ?? '') !== 'log') refresh();
  });
  source.addEventListener('run', (event) => {
    run = JSON.parse((event as MessageEvent<string>).data) as RunResponse;
    render();
    refresh();
  });
  source.addEventListener('end', () => {
    source.close();
    streamState.textContent = 'finished';
    refresh();
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) return;
    streamState.textContent = 'reconnecting…';
  });
  // Durations of running steps grow while nothing else happens.
  context.every(1000, () => {
    if (!FINAL_STATUSES.has(run.status)) render();
  });
}
