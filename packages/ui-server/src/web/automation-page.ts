import { api } from './api-client.ts';
import { h, replaceChildren } from './dom-builder.ts';
import { formatDuration, formatTime } from './formatters.ts';
import { card, pill, type PageContext } from './page-context.ts';
import { routeHash } from './router.ts';

interface Tick {
  readonly status: string;
  readonly tickTime: number;
  readonly reason: string | null;
  readonly error: string | null;
}

interface AutomationResponse {
  readonly lease: { readonly holder: string; readonly expiresAt: number; readonly heartbeatAt: number } | null;
  readonly automations: readonly { readonly kind: string; readonly name: string; readonly description: string; readonly nextTick: number | null; readonly paused: boolean; readonly lastTick: Tick | null }[];
  readonly queue: readonly { readonly runKey: string; readonly source: string; readonly selection: string; readonly priority: number; readonly chunks: number; readonly partitionCount: number; readonly requestedAt: number }[];
  readonly freshness: readonly { readonly assetKey: string; readonly state: string; readonly lagMs: number | null; readonly maxLag: string }[];
}

const PRIORITIES = ['high', 'normal', 'low'];

/** The Automation page: the daemon lease, schedules/conditions/sensors (next tick, last tick, pause/resume), the queue and freshness; refreshes itself. */
export async function automationPage(context: PageContext): Promise<void> {
  const lease = h('p', { class: 'muted', 'data-role': 'lease' });
  const automations = h('tbody', {});
  const queue = h('tbody', {});
  const freshness = h('tbody', {});
  const table = (head: string[], body: HTMLElement) => h('table', { class: 'table' }, h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))), body);
  context.container.appendChild(
    h(
      'div',
      { class: 'page' },
      h('h1', {}, 'Automation'),
      lease,
      card('Schedules, conditions and sensors', table(['Kind', 'Name', 'Condition', 'Next tick', 'Last tick', '', ''], automations)),
      card('Queue', table(['Run key', 'Priority', 'Selection', 'Partitions', 'Steps launched', 'Requested'], queue)),
      card('Freshness', table(['Asset', 'State', 'Lag', 'Max lag'], freshness)),
    ),
  );
  const load = async () => {
    const data = await api.get<AutomationResponse>('/api/automation', context.signal);
    if (context.signal.aborted) return;
    lease.textContent = data.lease === null ? 'No daemon holds the lease: start one with quarry daemon or quarry serve --daemon.' : `Daemon ${data.lease.holder} holds the lease (last heartbeat ${formatTime(data.lease.heartbeatAt)}).`;
    replaceChildren(
      automations,
      ...data.automations.map((a) =>
        h(
          'tr',
          { 'data-automation': `${a.kind}:${a.name}` },
          h('td', {}, a.kind),
          h('td', { class: 'mono' }, a.kind === 'sensor' ? a.name : h('a', { href: routeHash({ page: 'asset', key: a.name, partition: undefined }) }, a.name)),
          h('td', { class: 'mono' }, a.description),
          h('td', { class: 'muted' }, a.paused ? 'paused' : a.nextTick === null ? '—' : formatTime(a.nextTick)),
          h('td', {}, a.lastTick === null ? h('span', { class: 'muted' }, 'never') : h('span', {}, pill(a.lastTick.status), ' ', formatTime(a.lastTick.tickTime))),
          h('td', { class: 'muted', 'data-role': 'tick-reason' }, a.lastTick?.error ?? a.lastTick?.reason ?? ''),
          h(
            'td',
            {},
            h('button', {
              type: 'button',
              class: 'btn',
              'data-action': a.paused ? 'resume' : 'pause',
              onclick: async () => {
                await api.post('/api/automation/pause', { kind: a.kind, name: a.name, paused: !a.paused });
                await load();
              },
            }, a.paused ? 'Resume' : 'Pause'),
          ),
        ),
      ),
    );
    replaceChildren(
      queue,
      ...(data.queue.length === 0
        ? [h('tr', {}, h('td', { class: 'muted' }, 'The queue is empty.'))]
        : data.queue.map((r) => h('tr', { 'data-run-key': r.runKey }, h('td', { class: 'mono' }, r.runKey), h('td', {}, pill(PRIORITIES[r.priority] ?? 'normal')), h('td', { class: 'mono' }, r.selection), h('td', { class: 'num' }, String(r.partitionCount)), h('td', { class: 'num' }, String(r.chunks)), h('td', { class: 'muted' }, formatTime(r.requestedAt))))),
    );
    replaceChildren(
      freshness,
      ...data.freshness.map((f) => h('tr', { 'data-freshness': f.assetKey }, h('td', { class: 'mono' }, f.assetKey), h('td', {}, pill(f.state)), h('td', {}, f.lagMs === null ? 'never materialized' : formatDuration(f.lagMs)), h('td', {}, f.maxLag))),
    );
  };
  await load();
  context.every(2000, load);
}
