import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The web UI as served: the HTML shell, one script and one stylesheet, with an ETag. */
export interface WebBundle {
  readonly html: string;
  readonly js: string;
  readonly css: string;
  readonly favicon: string;
  readonly etag: string;
}

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f2937"/><path d="M7 22 13 10l5 8 3-5 4 9z" fill="#34d399"/></svg>`;

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Quarry</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ui/app.css">
<script type="module" src="/ui/app.js"></script>
</head>
<body><div id="app"><p class="boot">Loading Quarry…</p></div></body>
</html>
`;

let cached: Promise<WebBundle> | undefined;

/**
 * Bundles the SPA (packages/ui-server/src/web) with esbuild into memory, once per process.
 *
 * Building at start (≈100 ms) rather than shipping a prebuilt file means a fresh clone serves the UI
 * without a build step, and the served code always matches the source.
 */
export function buildWebBundle(): Promise<WebBundle> {
  cached ??= bundle().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function bundle(): Promise<WebBundle> {
  const result = await build({
    entryPoints: { app: fileURLToPath(new URL('./web/main.ts', import.meta.url)) },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: false,
    outdir: '/quarry-ui',
    logLevel: 'silent',
    legalComments: 'none',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  const etag = `"${createHash('sha256').update(js).update(css).digest('hex').slice(0, 20)}"`;
  return { html: HTML, js, css, favicon: FAVICON, etag };
}
