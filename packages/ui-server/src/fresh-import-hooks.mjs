// Module resolve hook (node:module register): a module imported with `?quarry-reload=N` passes the same
// query to the project files it imports by relative path (not to packages), so a reload evaluates them afresh while
// @quarry/core and other packages stay the one shared copy.
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const parent = context.parentURL;
  // Only relative and absolute paths: a bare specifier (`@quarry/core`, `zod`) is a package, shared.
  const relative = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
  if (parent === undefined || !relative || !result.url.startsWith('file:') || result.url.includes('/node_modules/')) return result;
  const match = /[?&](quarry-reload=\d+)/.exec(parent);
  if (match === null || result.url.includes('quarry-reload=')) return result;
  return { ...result, url: `${result.url}${result.url.includes('?') ? '&' : '?'}${match[1]}` };
}
