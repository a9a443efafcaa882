import { h } from './dom-builder.ts';

/** The window of rows a virtual list shows: indices `[first, last)` of its items. */
export interface RowWindow {
  readonly first: number;
  readonly last: number;
}

/**
 * The rows to render for a scroll position: those in view plus `overscan` either side, clamped to
 * `[0, count)`. Rows have a fixed height, so no row is ever measured.
 */
export function visibleWindow(count: number, scrollTop: number, viewportHeight: number, rowHeight: number, overscan = 10): RowWindow {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { first: Math.min(first, count), last: Math.max(last, Math.min(first, count)) };
}

/** What `createVirtualList` needs: a row height, how to draw one item, and the viewport's class. */
export interface VirtualListConfig<T> {
  readonly rowHeight: number;
  readonly className: string;
  readonly render: (item: T, index: number) => HTMLElement;
  readonly attributes?: Record<string, string>;
}

/** A scrolling list that keeps only the rows in view in the DOM. */
export interface VirtualList<T> {
  /** The scrolling viewport (give it a fixed height in CSS). */
  readonly element: HTMLElement;
  /** Replaces the items (re-draws on the next frame). */
  setItems(items: readonly T[]): void;
  /** Adds items at the end; many calls in one frame cost one re-draw. */
  append(items: readonly T[]): void;
  /** How many items the list holds. */
  readonly size: number;
  /** Scrolls to the last item on the next frame. */
  scrollToEnd(): void;
}

/**
 * A virtualized list of fixed-height rows: a spacer gives the scrollbar its full length and only
 * the rows in view (plus a margin) exist as elements. Appends and scrolls are batched with
 * `requestAnimationFrame`, so a burst of thousands of log lines costs one layout read per frame,
 * not one per line.
 */
export function createVirtualList<T>(config: VirtualListConfig<T>): VirtualList<T> {
  let items: T[] = [];
  const rows = h('div', { class: 'vlist-rows' });
  const spacer = h('div', { class: 'vlist-spacer' }, rows);
  const element = h('div', { class: `vlist ${config.className}`, ...(config.attributes ?? {}) }, spacer);
  let frame = 0;
  let stickToEnd = false;
  let shown: RowWindow = { first: 0, last: 0 };
  let shownCount = -1;

  const draw = () => {
    frame = 0;
    spacer.style.setProperty('height', `${items.length * config.rowHeight}px`);
    if (stickToEnd) {
      element.scrollTop = items.length * config.rowHeight;
      stickToEnd = false;
    }
    // The one layout read of the frame.
    const next = visibleWindow(items.length, element.scrollTop, element.clientHeight || 400, config.rowHeight);
    if (next.first === shown.first && next.last === shown.last && shownCount === items.length) return;
    shown = next;
    shownCount = items.length;
    rows.style.setProperty('transform', `translateY(${next.first * config.rowHeight}px)`);
    const fragment = document.createDocumentFragment();
    for (let i = next.first; i < next.last; i++) fragment.appendChild(config.render(items[i]!, i));
    rows.textContent = '';
    rows.appendChild(fragment);
    element.dataset['rows'] = String(items.length);
  };
  const schedule = () => {
    if (frame === 0) frame = requestAnimationFrame(draw);
  };
  element.addEventListener('scroll', schedule, { passive: true });

  return {
    element,
    get size() {
      return items.length;
    },
    setItems(next) {
      items = [...next];
      shownCount = -1;
      schedule();
    },
    append(more) {
      for (const item of more) items.push(item);
      schedule();
    },
    scrollToEnd() {
      stickToEnd = true;
      schedule();
    },
  };
}
