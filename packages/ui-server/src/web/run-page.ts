import type { EventResponse, LaunchRequest, RunResponse, StepResponse } from '../api-schemas.ts';
import { api } from './api-client.ts';
import { h, replaceChildren } from './dom-builder.ts';
import { describePartitions, formatClock, formatCount, formatDuration, formatTime, pick } from './formatters.ts';
import { ganttChart } from './gantt-chart.ts';
import { card, errorBox, pill, type PageContext } from './page-context.ts';
import { routeHash, type Route } from './router.ts';
import { FINAL_STATUSES, partitionsText, timesOf } from './run-fields.ts';
import { createVirtualList } from './virtual-list.ts';

const MAX_LOG_LINES = 200_000;
const STEP_ROW_HEIGHT = 32;
const LOG_ROW_HEIGHT = 20;
const SUMMARY_ITEMS = 200;
/** The step filters always offered; other statuses present in the run get a filter too. */
const STEP_FILTERS = ['all', 'failed', 'running', 'succeeded', 'skipped', 'pending'] as const;

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
  readonly partitionKeys: readonly string[] | undefined;
  readonly partitions: string;
  readonly reason: string | undefined;
  readonly status: string;
  readonly error: string | undefined;
  readonly record: StepResponse | undefined;
}

/** The first non-empty line of an error text, for tables and summaries. */
function firstLine(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  return text.split('\n').find((line) => line.trim() !== '')?.trim();
}

/** The partition keys a step record lists, when it lists them as an array. */
function recordKeys(record: StepResponse): readonly string[] | undefined {
  const partitions = record['partitions'];
  return Array.isArray(partitions) && partitions.every((k) => typeof k === 'string') ? (partitions as string[]) : undefined;
}

/** Joins the run's plan (every step, with partitions and reason) with the step records (status, times). */
function stepRows(plan: unknown, records: readonly StepResponse[]): StepRow[] {
  const planned = ((plan as { steps?: PlannedStep[] } | null | undefined)?.steps ?? []).filter((s) => typeof s?.id === 'string');
  const byId = new Map(records.map((r) => [r.stepId, r]));
  const rowOf = (id: string, assetKey: string, keys: readonly string[] | undefined, partitions: string, reason: string | undefined, record: StepResponse | undefined): StepRow => ({
    id,
    assetKey,
    partitionKeys: keys,
    partitions,
    reason,
    status: record?.status ?? 'pending',
    error: firstLine(record?.['error']),
    record,
  });
  const rows: StepRow[] = planned.map((p) => rowOf(p.id, p.assetKey, p.partitionKeys, describePartitions(p.partitionKeys ?? []), p.reason?.cause, byId.get(p.id)));
  const known = new Set(rows.map((r) => r.id));
  for (const record of records) {
    if (!known.has(record.stepId)) rows.push(rowOf(record.stepId, record.assetKey, recordKeys(record), partitionsText(record), undefined, record));
  }
  return rows;
}

/**
 * The launch requests that re-execute exactly the partitions of the failed steps: assets failed
 * over the same partition keys share one request (a selection of those assets, forced, over those
 * keys), so no other asset or partition runs.
 */
export function reexecuteRequests(failed: readonly { readonly assetKey: string; readonly partitionKeys: readonly string[] | undefined }[]): LaunchRequest[] {
  const keysByAsset = new Map<string, Set<string>>();
  for (const step of failed) {
    const keys = keysByAsset.get(step.assetKey) ?? new Set<string>();
    for (const key of step.partitionKeys ?? []) keys.add(key);
    keysByAsset.set(step.assetKey, keys);
  }
  const assetsByKeys = new Map<string, { keys: string[]; assets: string[] }>();
  for (const [asset, keySet] of keysByAsset) {
    const keys = [...keySet].filter((k) => k !== '').sort();
    const signature = JSON.stringify(keys);
    const group = assetsByKeys.get(signature) ?? { keys, assets: [] };
    group.assets.push(asset);
    assetsByKeys.set(signature, group);
  }
  return [...assetsByKeys.values()].map(({ keys, assets }) => ({ selection: assets.join(','), force: true, ...(keys.length > 0 ? { partitions: { keys } } : {}) }));
}

function logLine(event: EventResponse): HTMLElement {
  const level = String(pick(event, 'level') ?? 'info');
  const type = String(pick(event, 'type') ?? 'log');
  const step = pick(event, 'stepId');
  const data = pick(event, 'data');
  const message = String(pick(event, 'message') ?? (data !== undefined && data !== null ? JSON.stringify(data) : type.replace(/_/g, ' ')));
  return h(
    'div',
    { class: `log-line level-${level} type-${type}`, 'data-event': event.id, title: message },
    h('span', { class: 'log-time' }, formatClock(pick(event, 'timestamp', 'ts', 'time', 'createdAt'))),
    h('span', { class: 'log-level' }, level),
    h('span', { class: 'log-type' }, type.replace(/_/g, ' ')),
    typeof step === 'string' ? h('span', { class: 'log-step' }, step) : null,
    h('span', { class: 'log-message' }, message.split('\n')[0] ?? ''),
  );
}

/** The run page: failure summary, status, cancel, the timeline by asset, the filterable steps table and the live log stream. */
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
  const failureList = h('ul', { class: 'plain-list failure-list' });
  const failureTitle = h('h2', { class: 'card-title' });
  const reexecute = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'reexecute-failed' }, 'Re-execute failed');
  const reexecuteNote = h('div', {});
  const failureSummary = h(
    'section',
    { class: 'card failure-summary', hidden: true },
    h('div', { class: 'card-head' }, failureTitle, h('span', { class: 'spacer' }), reexecute),
    reexecuteNote,
    failureList,
  );
  const timeline = h('div', { class: 'timeline' });
  const filterBar = h('div', { class: 'step-filters', role: 'toolbar', 'aria-label': 'Filter steps by status' });
  const stepsNote = h('p', { class: 'muted small steps-note' });
  const now = () => Date.now();
  const stepsList = createVirtualList<StepRow>({
    rowHeight: STEP_ROW_HEIGHT,
    className: 'steps-body',
    attributes: { role: 'rowgroup' },
    render: (row) => {
      const times = row.record ? timesOf(row.record) : { start: undefined, end: undefined };
      return h(
        'div',
        { class: `step-row status-${row.status}`, role: 'row', 'data-step': row.id, 'data-status': row.status },
        h('span', { class: 'cell' }, h('a', { href: routeHash({ page: 'asset', key: row.assetKey, partition: row.partitionKeys?.length === 1 ? row.partitionKeys[0] : undefined }) }, row.assetKey)),
        h('span', { class: 'cell mono' }, row.partitions),
        h('span', { class: 'cell' }, row.reason ? pill(row.reason) : '—'),
        h('span', { class: 'cell' }, pill(row.status)),
        h('span', { class: 'cell num' }, String(pick(row.record ?? {}, 'attempt', 'attempts') ?? '—')),
        h('span', { class: 'cell num' }, times.start === undefined ? '—' : formatDuration((times.end ?? now()) - times.start)),
        h('span', { class: 'cell step-error', title: row.error ?? '' }, row.error ?? ''),
      );
    },
  });
  const logs = createVirtualList<EventResponse>({ rowHeight: LOG_ROW_HEIGHT, className: 'logs', attributes: { role: 'log' }, render: logLine });
  const follow = h('input', { type: 'checkbox', checked: true });
  const streamState = h('span', { class: 'stream-state muted' }, 'connecting…');
  const stepColumns = ['Asset', 'Partitions', 'Reason', 'Status', 'Attempts', 'Duration', 'Error'];
  context.container.appendChild(
    h(
      'div',
      { class: 'page run-page' },
      h('div', { class: 'breadcrumb' }, h('a', { href: '#/runs' }, 'Runs'), ' / ', h('span', { class: 'mono' }, run.id)),
      h('div', { class: 'title-row' }, h('h1', { class: 'mono run-title' }, `Run ${run.id}`), statusHolder, h('span', { class: 'spacer' }), cancel),
      message,
      failureSummary,
      facts,
      card('Timeline', timeline),
      card(
        'Steps',
        filterBar,
        h(
          'div',
          { class: 'steps-table', role: 'table' },
          h('div', { class: 'step-row step-head', role: 'row' }, ...stepColumns.map((c) => h('span', { class: `cell${c === 'Attempts' || c === 'Duration' ? ' num' : ''}`, role: 'columnheader' }, c))),
          stepsList.element,
        ),
        stepsNote,
      ),
      h(
        'section',
        { class: 'card' },
        h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'Logs'), streamState, h('span', { class: 'spacer' }), h('label', { class: 'checkbox small' }, follow, 'Follow')),
        logs.element,
      ),
    ),
  );

  let filter = 'all';
  let rows: StepRow[] = [];
  const renderFilters = () => {
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
    const names = [...STEP_FILTERS, ...[...counts.keys()].filter((s) => !(STEP_FILTERS as readonly string[]).includes(s)).sort()];
    replaceChildren(
      filterBar,
      ...names.map((name) => {
        const count = name === 'all' ? rows.length : (counts.get(name) ?? 0);
        const button = h('button', { type: 'button', class: `btn btn-small filter-btn${filter === name ? ' active' : ''}`, 'data-filter': name, 'aria-pressed': filter === name ? 'true' : 'false' }, `${name} (${formatCount(count)})`);
        button.addEventListener('click', () => {
          filter = name;
          render();
        });
        return button;
      }),
    );
  };

  const renderFailures = () => {
    const failed = rows.filter((r) => r.status === 'failed');
    failureSummary.hidden = failed.length === 0;
    document.body.dataset['failedSteps'] = String(failed.length);
    if (failed.length === 0) return;
    failureTitle.textContent = `${formatCount(failed.length)} of ${formatCount(rows.length)} steps failed`;
    replaceChildren(
      failureList,
      ...failed.slice(0, SUMMARY_ITEMS).map((row) =>
        h(
          'li',
          { class: 'failure-item', 'data-step': row.id },
          h('a', { href: routeHash({ page: 'asset', key: row.assetKey, partition: row.partitionKeys?.length === 1 ? row.partitionKeys[0] : undefined }) }, row.assetKey),
          ' ',
          h('span', { class: 'mono' }, row.partitions),
          h('div', { class: 'failure-error mono small' }, row.error ?? 'no error recorded'),
        ),
      ),
      failed.length > SUMMARY_ITEMS ? h('li', { class: 'muted small' }, `…and ${formatCount(failed.length - SUMMARY_ITEMS)} more: filter the steps by "failed".`) : null,
    );
    reexecute.hidden = !FINAL_STATUSES.has(run.status);
  };

  const render = () => {
    const final = FINAL_STATUSES.has(run.status);
    replaceChildren(statusHolder, pill(run.status));
    cancel.hidden = final;
    document.body.dataset['runStatus'] = run.status;
    const { start, end } = timesOf(run);
    const at = now();
    rows = stepRows(plan, steps);
    replaceChildren(
      facts,
      h('div', {}, h('dt', {}, 'Kind'), h('dd', {}, String(pick(run, 'kind') ?? '—'))),
      h('div', {}, h('dt', {}, 'Selection'), h('dd', { class: 'mono' }, String(pick(run, 'selection') ?? '*'))),
      h('div', {}, h('dt', {}, 'Partitions'), h('dd', { class: 'mono' }, partitionsText(run))),
      h('div', {}, h('dt', {}, 'Started'), h('dd', {}, formatTime(start))),
      h('div', {}, h('dt', {}, 'Duration'), h('dd', {}, start === undefined ? '—' : formatDuration((end ?? at) - start))),
      h('div', {}, h('dt', {}, 'Steps'), h('dd', {}, `${steps.filter((s) => s.status === 'succeeded').length} / ${rows.length} done`)),
      // The OpenTelemetry trace of the run's latest execution (when tracing was on): find it in your tracing backend.
      h('div', {}, h('dt', {}, 'Trace'), h('dd', { class: 'mono', 'data-testid': 'run-trace-id' }, String(pick(run, 'traceId') ?? 'not traced'))),
    );
    renderFailures();
    renderFilters();
    const shown = filter === 'all' ? rows : rows.filter((r) => r.status === filter);
    stepsList.setItems(shown);
    stepsNote.textContent = filter === 'all' ? `${formatCount(rows.length)} steps.` : `${formatCount(shown.length)} of ${formatCount(rows.length)} steps are ${filter}.`;
    const gantt = rows.map((row) => {
      const times = row.record ? timesOf(row.record) : { start: undefined, end: undefined };
      return { id: row.id, lane: row.assetKey, label: `${row.assetKey} ${row.partitions}`, start: times.start, end: times.end, status: row.status };
    });
    replaceChildren(timeline, gantt.length === 0 ? h('p', { class: 'muted' }, 'No steps.') : ganttChart(gantt, at));
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

  reexecute.addEventListener('click', async () => {
    reexecute.disabled = true;
    replaceChildren(reexecuteNote);
    try {
      const launched: string[] = [];
      for (const request of reexecuteRequests(rows.filter((r) => r.status === 'failed'))) {
        launched.push((await api.post<{ runId: string }>('/api/runs', request)).runId);
      }
      if (launched.length === 1) location.hash = routeHash({ page: 'run', runId: launched[0]! });
      else replaceChildren(reexecuteNote, h('p', {}, 'Launched ', ...launched.map((id) => h('a', { href: routeHash({ page: 'run', runId: id }), class: 'mono run-link' }, id, ' '))));
    } catch (error) {
      replaceChildren(reexecuteNote, errorBox(error));
    } finally {
      reexecute.disabled = false;
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

  const source = new EventSource(`${base}/events`);
  context.onLeave(() => {
    source.close();
    clearTimeout(refreshTimer);
  });
  source.addEventListener('open', () => (streamState.textContent = 'live'));
  source.addEventListener('log', (event) => {
    const record = JSON.parse((event as MessageEvent<string>).data) as EventResponse;
    // Appends only queue the line: the list draws once per animation frame, whatever the burst.
    if (logs.size < MAX_LOG_LINES) logs.append([record]);
    if (follow.checked) logs.scrollToEnd();
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
