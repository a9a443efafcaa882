import type { ServerInfoResponse } from '../api-schemas.ts';
import { ApiError } from './api-client.ts';
import { h } from './dom-builder.ts';

/** What a page gets: the server info, its container, and a signal aborted when the user leaves. */
export interface PageContext {
  readonly info: ServerInfoResponse;
  readonly container: HTMLElement;
  readonly signal: AbortSignal;
  /** Runs `task` every `ms` while the page is shown (and once the tab is visible again). */
  every(ms: number, task: () => Promise<void> | void): void;
  /** Registers cleanup for when the page is left. */
  onLeave(cleanup: () => void): void;
}

/** An error box for a failed call: the API's own message, which names the bad value and the fix. */
export function errorBox(error: unknown): HTMLElement {
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  const status = error instanceof ApiError ? `${error.status} ${error.code}` : 'Error';
  return h('div', { class: 'error-box', role: 'alert' }, h('strong', {}, status), h('span', {}, message));
}

/** A titled card section. */
export function card(title: string, ...children: (Node | string | null | undefined | false)[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', { class: 'card-title' }, title), ...children);
}

/** A status pill (`fresh`, `running`, `succeeded`, …). */
export function pill(status: string): HTMLElement {
  return h('span', { class: `pill pill-${status}`, 'data-status': status }, status.replace(/_/g, ' '));
}
