/** A page of the SPA with its parameters, parsed from the location hash. */
export type Route =
  | { readonly page: 'graph'; readonly selection: string | undefined }
  | { readonly page: 'asset'; readonly key: string; readonly partition: string | undefined }
  | { readonly page: 'runs' }
  | { readonly page: 'catalog' }
  | { readonly page: 'automation' }
  | { readonly page: 'run'; readonly runId: string }
  | { readonly page: 'not-found'; readonly hash: string };

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Parses a location hash (`#/assets/raw%2Fcreators?partition=2026-01-01`) into a route. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = '/', search = ''] = raw.split('?', 2);
  const params = new URLSearchParams(search);
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'graph')) {
    return { page: 'graph', selection: params.get('selection') ?? undefined };
  }
  if (parts[0] === 'assets' && parts.length >= 2) {
    // Keys are one encoded segment, but a hand-typed #/assets/raw/creators works too.
    const segments = parts.slice(1).map(safeDecode);
    if (segments.every((s) => s !== undefined)) return { page: 'asset', key: segments.join('/'), partition: params.get('partition') ?? undefined };
  }
  if (parts[0] === 'runs' && parts.length === 1) return { page: 'runs' };
  if (parts[0] === 'catalog' && parts.length === 1) return { page: 'catalog' };
  if (parts[0] === 'automation' && parts.length === 1) return { page: 'automation' };
  if (parts[0] === 'runs' && parts.length === 2) {
    const runId = safeDecode(parts[1]!);
    if (runId !== undefined) return { page: 'run', runId };
  }
  return { page: 'not-found', hash };
}

/** The hash of a route (inverse of `parseRoute`). */
export function routeHash(route: Route): string {
  switch (route.page) {
    case 'graph':
      return route.selection ? `#/?selection=${encodeURIComponent(route.selection)}` : '#/';
    case 'asset':
      return `#/assets/${encodeURIComponent(route.key)}${route.partition !== undefined ? `?partition=${encodeURIComponent(route.partition)}` : ''}`;
    case 'runs':
      return '#/runs';
    case 'catalog':
      return '#/catalog';
    case 'automation':
      return '#/automation';
    case 'run':
      return `#/runs/${encodeURIComponent(route.runId)}`;
    case 'not-found':
      return route.hash;
  }
}

/** Goes to a route (adds a history entry). */
export function navigate(route: Route): void {
  location.hash = routeHash(route);
}
