import './styles.css';
import type { ServerInfoResponse } from '../api-schemas.ts';
import { adoptTokenFromUrl, api } from './api-client.ts';
import { assetPage } from './asset-page.ts';
import { catalogPage } from './catalog-page.ts';
import { automationPage } from './automation-page.ts';
import { h, replaceChildren } from './dom-builder.ts';
import { graphPage } from './graph-page.ts';
import { errorBox, type PageContext } from './page-context.ts';
import { parseRoute, type Route } from './router.ts';
import { runPage } from './run-page.ts';
import { runsPage } from './runs-page.ts';

type PageFn = (context: PageContext, route: Route) => void | Promise<void>;

const PAGES: Record<Route['page'], PageFn> = {
  graph: (c, r) => graphPage(c, r as Extract<Route, { page: 'graph' }>),
  asset: (c, r) => assetPage(c, r as Extract<Route, { page: 'asset' }>),
  runs: (c) => runsPage(c),
  catalog: (c) => catalogPage(c),
  run: (c, r) => runPage(c, r as Extract<Route, { page: 'run' }>),
  automation: (c) => automationPage(c),
  'not-found': (c, r) => {
    c.container.appendChild(h('div', { class: 'page' }, h('h1', {}, 'Not found'), h('p', {}, `Nothing at ${(r as { hash: string }).hash}. `, h('a', { href: '#/' }, 'Back to the asset graph'))));
  },
};

function shell(info: ServerInfoResponse): { main: HTMLElement; nav: HTMLElement } {
  const nav = h(
    'nav',
    { class: 'nav' },
    h('a', { href: '#/', 'data-nav': 'graph' }, 'Assets'),
    h('a', { href: '#/runs', 'data-nav': 'runs' }, 'Runs'),
    h('a', { href: '#/catalog', 'data-nav': 'catalog' }, 'Catalog'),
    h('a', { href: '#/automation', 'data-nav': 'automation' }, 'Automation'),
  );
  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'brand-mark' }), 'Quarry'),
    h('span', { class: 'project', title: info.projectDir }, info.project),
    nav,
    h('span', { class: 'spacer' }),
    h('a', { class: 'api-link', href: '/api/openapi.json', target: '_blank', rel: 'noopener' }, 'API'),
  );
  const main = h('main', { id: 'main' });
  replaceChildren(document.getElementById('app')!, header, main);
  return { main, nav };
}

async function start(): Promise<void> {
  adoptTokenFromUrl();
  let info: ServerInfoResponse;
  try {
    info = await api.get<ServerInfoResponse>('/api/info');
  } catch (error) {
    replaceChildren(document.getElementById('app')!, errorBox(error));
    return;
  }
  document.title = `${info.project} · Quarry`;
  const { main, nav } = shell(info);
  let leave: AbortController | undefined;
  const show = async () => {
    leave?.abort();
    const controller = new AbortController();
    leave = controller;
    const route = parseRoute(location.hash);
    for (const link of nav.querySelectorAll('a')) link.classList.toggle('active', link.dataset['nav'] === (route.page === 'asset' ? 'graph' : route.page === 'run' ? 'runs' : route.page));
    replaceChildren(main);
    const container = h('div', { class: `page-host page-${route.page}` });
    main.appendChild(container);
    const context: PageContext = {
      info,
      container,
      signal: controller.signal,
      every(ms, task) {
        let running = false;
        const tick = async () => {
          if (running || controller.signal.aborted || document.hidden) return;
          running = true;
          try {
            await task();
          } catch {
            // A failed refresh keeps the last good view; the next tick tries again.
          } finally {
            running = false;
          }
        };
        const timer = setInterval(() => void tick(), ms);
        const onVisible = () => void tick();
        document.addEventListener('visibilitychange', onVisible);
        controller.signal.addEventListener('abort', () => {
          clearInterval(timer);
          document.removeEventListener('visibilitychange', onVisible);
        });
      },
      onLeave(cleanup) {
        controller.signal.addEventListener('abort', cleanup);
      },
    };
    try {
      await PAGES[route.page](context, route);
    } catch (error) {
      if (!controller.signal.aborted) container.appendChild(h('div', { class: 'page' }, errorBox(error)));
    }
  };
  window.addEventListener('hashchange', () => void show());
  watchDefinitions(info, main, () => void show());
  await show();
}

/**
 * Polls `/api/info`: when the server reloaded the project definition (a .ts file changed), a banner
 * says so with a button that redraws the page from the new definition; a failed reload says why.
 */
function watchDefinitions(info: ServerInfoResponse, main: HTMLElement, redraw: () => void): void {
  if (info.definitions === undefined) return;
  let shown = info.definitions.version;
  let lastError: string | undefined = info.definitions.reloadError;
  const banner = h('div', { class: 'definitions-banner', role: 'status', hidden: true });
  main.before(banner);
  const check = async () => {
    if (document.hidden) return;
    const next = (await api.get<ServerInfoResponse>('/api/info').catch(() => undefined))?.definitions;
    if (next === undefined) return;
    if (next.reloadError !== undefined && next.reloadError !== lastError) {
      lastError = next.reloadError;
      banner.hidden = false;
      banner.dataset['state'] = 'error';
      replaceChildren(banner, h('strong', {}, 'Reloading the project definitions failed: '), h('span', { class: 'mono' }, next.reloadError.split('\n')[0] ?? ''), ' — the previous definitions are still served.');
    }
    if (next.version !== shown) {
      const button = h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'reload-definitions' }, 'Reload view');
      button.addEventListener('click', () => {
        shown = next.version;
        banner.hidden = true;
        replaceChildren(banner);
        redraw();
      });
      banner.hidden = false;
      banner.dataset['state'] = 'changed';
      replaceChildren(banner, h('strong', {}, 'Definitions changed'), ` — the server reloaded the project (${new Date(next.loadedAt).toLocaleTimeString()}). `, button);
    }
  };
  setInterval(() => void check(), 2000);
}

void start();
