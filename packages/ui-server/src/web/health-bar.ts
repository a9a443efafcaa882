import type { PartitionStatusResponse } from '../api-schemas.ts';
import { h, replaceChildren } from './dom-builder.ts';
import { formatCount } from './formatters.ts';
import {
  PARTITION_STATES,
  columnRuns,
  countsInView,
  indexAtX,
  mergeRanges,
  panView,
  pixelCoverage,
  stateAt,
  tickIndices,
  viewOfRange,
  zoomView,
  type Segments,
  type View,
} from './health-bar-model.ts';
import { STATE_COLORS } from './state-colors.ts';

/** Options of a health bar. */
export interface HealthBarOptions {
  /** The key of partition `index` (the bar asks lazily, for hover and axis labels). */
  readonly keyAt: (index: number) => Promise<string>;
  /** A partition was clicked. */
  readonly onSelect?: (index: number, key: string) => void;
  /** The visible range changed (zoom, pan, reset). */
  readonly onViewChange?: (view: View) => void;
}

/** A partition health bar: its element and controls. */
export interface HealthBar {
  readonly element: HTMLElement;
  /** Replaces the status (e.g. after a run), keeping the zoom. */
  update(status: PartitionStatusResponse): void;
  /** Shows an inclusive index range. */
  showRange(first: number, last: number): void;
  /** Marks one partition as selected (or none). */
  select(index: number | undefined): void;
  /** The visible range `[start, end)` as whole partition indices. */
  visibleRange(): { first: number; last: number };
  destroy(): void;
}

const BAR_HEIGHT = 44;

/**
 * The partition health bar: a canvas that draws the status ranges of up to millions of partitions
 * at pixel resolution (never one element, nor one loop step, per partition), with zoom by wheel or by
 * dragging over a range, hover showing the partition key, and click to select a partition.
 */
export function createHealthBar(initial: PartitionStatusResponse, options: HealthBarOptions): HealthBar {
  let status = initial;
  let segments: Segments = mergeRanges(status.ranges);
  let view: View = { start: 0, end: Math.max(1, status.total) };
  let selected: number | undefined;
  const keyCache = new Map<number, string>();

  const canvas = h('canvas', { class: 'hb-canvas', 'aria-hidden': 'true' });
  const brush = h('div', { class: 'hb-brush', hidden: true });
  const tooltip = h('div', { class: 'hb-tooltip', hidden: true, role: 'status' });
  const axis = h('div', { class: 'hb-axis' });
  const legend = h('div', { class: 'hb-legend' });
  const rangeLabel = h('span', { class: 'hb-range' });
  const reset = h('button', { type: 'button', class: 'btn btn-small', title: 'Show every partition' }, 'Reset zoom');
  const wrap = h('div', { class: 'hb-canvas-wrap' }, canvas, brush, tooltip);
  const element = h(
    'div',
    { class: 'health-bar', role: 'figure' },
    h('div', { class: 'hb-toolbar' }, rangeLabel, legend, reset),
    wrap,
    axis,
    h('div', { class: 'hb-help' }, 'Scroll to zoom · drag across to zoom into a range · shift+scroll to pan · click a partition to inspect it'),
  );

  const keyAt = async (index: number): Promise<string> => {
    const cached = keyCache.get(index);
    if (cached !== undefined) return cached;
    const key = await options.keyAt(index);
    if (keyCache.size > 5000) keyCache.clear();
    keyCache.set(index, key);
    return key;
  };

  const describe = () => {
    element.dataset['total'] = String(status.total);
    for (const state of ['fresh', 'stale', 'missing', 'failed', 'upstream_failed'] as const) element.dataset[state] = String(status.counts[state]);
    element.setAttribute('aria-label', `Partition health of ${formatCount(status.total)} partitions: ${formatCount(status.counts.fresh)} fresh, ${formatCount(status.counts.stale)} stale, ${formatCount(status.counts.missing)} missing, ${formatCount(status.counts.failed)} failed, ${formatCount(status.counts.upstream_failed ?? 0)} upstream failed`);
    const counts = countsInView(segments, view);
    const running = (status.running ?? []).reduce((n, [a, b]) => n + Math.max(0, Math.min(b, Math.ceil(view.end)) - Math.max(a, Math.floor(view.start))), 0);
    element.dataset['running'] = String(running);
    replaceChildren(
      legend,
      ...(['fresh', 'stale', 'missing', 'failed', 'upstream_failed'] as const)
        .filter((state) => state !== 'upstream_failed' || counts[state] > 0)
        .map((state) =>
          h('span', { class: `legend-item legend-${state}`, 'data-state': state }, h('i', { class: 'swatch', style: `background:${STATE_COLORS[state]}` }), `${formatCount(counts[state])} ${state.replace('_', ' ')}`),
        ),
      running > 0 ? h('span', { class: 'legend-item legend-running', 'data-state': 'running' }, h('i', { class: 'swatch', style: `background:${STATE_COLORS.running}` }), `${formatCount(running)} running`) : null,
    );
    const first = Math.floor(view.start);
    const last = Math.max(first, Math.ceil(view.end) - 1);
    const shown = last - first + 1;
    rangeLabel.textContent = shown >= status.total ? `All ${formatCount(status.total)} partitions` : `Partitions ${formatCount(first + 1)}–${formatCount(last + 1)} of ${formatCount(status.total)}`;
    reset.disabled = shown >= status.total;
  };

  let labelTimer: ReturnType<typeof setTimeout> | undefined;
  const drawAxis = (width: number) => {
    const ticks = tickIndices(view, status.total, Math.max(2, Math.floor(width / 150)));
    replaceChildren(axis);
    const span = view.end - view.start;
    for (const index of ticks) {
      const x = ((index + 0.5 - view.start) / span) * width;
      const label = h('span', { class: 'hb-tick', style: `left:${Math.max(0, Math.min(width, x))}px` }, keyCache.get(index) ?? '…');
      if (x < 40) label.classList.add('hb-tick-start');
      else if (x > width - 40) label.classList.add('hb-tick-end');
      axis.appendChild(label);
    }
    clearTimeout(labelTimer);
    const missing = ticks.filter((i) => !keyCache.has(i));
    if (missing.length > 0) {
      labelTimer = setTimeout(() => {
        void Promise.all(missing.map((i) => keyAt(i).catch(() => '?'))).then(() => drawAxis(canvas.clientWidth));
      }, 30);
    }
  };

  let firstPaint = true;
  const draw = () => {
    const width = Math.max(1, Math.floor(wrap.clientWidth));
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(BAR_HEIGHT * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(BAR_HEIGHT * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${BAR_HEIGHT}px`;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, BAR_HEIGHT);
    ctx.fillStyle = '#eef1f5';
    ctx.fillRect(0, 0, width, BAR_HEIGHT);
    const runs = columnRuns(pixelCoverage(segments, view, width), width, BAR_HEIGHT);
    for (const run of runs) {
      let y = 0;
      PARTITION_STATES.forEach((state, s) => {
        const height = run.heights[s]!;
        if (height <= 0) return;
        ctx.fillStyle = STATE_COLORS[state];
        ctx.fillRect(run.x, y, run.width, height);
        y += height;
      });
    }
    // Partitions being materialized now: a blue band over the top of their columns.
    ctx.fillStyle = STATE_COLORS.running;
    for (const [a, b] of status.running ?? []) {
      if (b <= view.start || a >= view.end) continue;
      const x0 = ((Math.max(a, view.start) - view.start) / (view.end - view.start)) * width;
      const x1 = ((Math.min(b, view.end) - view.start) / (view.end - view.start)) * width;
      ctx.fillRect(x0, 0, Math.max(2, x1 - x0), Math.round(BAR_HEIGHT * 0.4));
    }
    const perPartition = width / (view.end - view.start);
    // Once partitions are wide enough to aim at, thin gaps show where each one starts.
    if (perPartition >= 6) {
      ctx.fillStyle = 'rgba(255,255,255,0.85)';
      for (let i = Math.ceil(view.start); i < view.end; i++) ctx.fillRect(((i - view.start) / (view.end - view.start)) * width - 0.5, 0, 1, BAR_HEIGHT);
    }
    if (selected !== undefined && selected >= view.start - 1 && selected < view.end) {
      const x = ((selected - view.start) / (view.end - view.start)) * width;
      ctx.strokeStyle = '#111827';
      ctx.lineWidth = 2;
      ctx.strokeRect(Math.max(1, x), 1, Math.max(2, perPartition) - 1, BAR_HEIGHT - 2);
    }
    drawAxis(width);
    describe();
    if (firstPaint) {
      firstPaint = false;
      // Two frames: the mark lands after the frame that painted the bar.
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          performance.mark('quarry:health-bar-rendered');
          element.dataset['rendered'] = 'true';
        }),
      );
    }
  };

  const setView = (next: View) => {
    view = next;
    draw();
    options.onViewChange?.(view);
  };

  const xOf = (event: MouseEvent) => event.clientX - canvas.getBoundingClientRect().left;

  let hoverTimer: ReturnType<typeof setTimeout> | undefined;
  const showTooltip = (x: number) => {
    const width = canvas.clientWidth;
    const index = indexAtX(x, width, view, status.total);
    const running = (status.running ?? []).some(([a, b]) => index >= a && index < b);
    const state = running ? 'running' : (stateAt(segments, index) ?? 'missing');
    tooltip.hidden = false;
    tooltip.style.left = `${Math.max(0, Math.min(width - 180, x + 12))}px`;
    const render = (key: string) =>
      replaceChildren(tooltip, h('strong', {}, key), h('span', { class: `pill pill-${state}` }, state), h('span', { class: 'muted' }, `#${formatCount(index + 1)}`));
    render(keyCache.get(index) ?? '…');
    clearTimeout(hoverTimer);
    if (!keyCache.has(index)) {
      hoverTimer = setTimeout(() => {
        void keyAt(index).then((key) => {
          if (!tooltip.hidden) render(key);
        });
      }, 40);
    }
  };

  let drag: { x: number; moved: boolean } | undefined;
  wrap.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    drag = { x: xOf(event), moved: false };
    wrap.setPointerCapture(event.pointerId);
  });
  wrap.addEventListener('pointermove', (event) => {
    const x = xOf(event);
    showTooltip(x);
    if (!drag) return;
    if (Math.abs(x - drag.x) > 4) drag.moved = true;
    if (drag.moved) {
      brush.hidden = false;
      brush.style.left = `${Math.min(x, drag.x)}px`;
      brush.style.width = `${Math.abs(x - drag.x)}px`;
    }
  });
  wrap.addEventListener('pointerleave', () => {
    tooltip.hidden = true;
  });
  wrap.addEventListener('pointerup', (event) => {
    if (!drag) return;
    const x = xOf(event);
    const width = canvas.clientWidth;
    const start = drag;
    drag = undefined;
    brush.hidden = true;
    if (start.moved) {
      const a = indexAtX(Math.min(start.x, x), width, view, status.total);
      const b = indexAtX(Math.max(start.x, x), width, view, status.total);
      setView(viewOfRange(a, b, status.total));
      return;
    }
    const index = indexAtX(x, width, view, status.total);
    selected = index;
    draw();
    void keyAt(index).then((key) => options.onSelect?.(index, key));
  });
  wrap.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const width = canvas.clientWidth;
      const span = view.end - view.start;
      if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
        const delta = (event.shiftKey ? event.deltaY : event.deltaX) * (span / width);
        setView(panView(view, delta, status.total));
        return;
      }
      const anchor = view.start + (xOf(event) / width) * span;
      setView(zoomView(view, anchor, Math.exp(event.deltaY * 0.002), status.total));
    },
    { passive: false },
  );
  reset.addEventListener('click', () => setView({ start: 0, end: Math.max(1, status.total) }));

  const resize = new ResizeObserver(() => draw());
  resize.observe(wrap);
  requestAnimationFrame(draw);

  return {
    element,
    update(next) {
      status = next;
      segments = mergeRanges(status.ranges);
      if (view.end > status.total) view = { start: 0, end: Math.max(1, status.total) };
      draw();
    },
    showRange(first, last) {
      setView(viewOfRange(first, last, status.total));
    },
    select(index) {
      selected = index;
      draw();
    },
    visibleRange() {
      return { first: Math.floor(view.start), last: Math.max(Math.floor(view.start), Math.ceil(view.end) - 1) };
    },
    destroy() {
      resize.disconnect();
      clearTimeout(labelTimer);
      clearTimeout(hoverTimer);
      element.remove();
    },
  };
}
