// Loaded with `node --import ./test/e2e/module-recorder.mjs`: records every module the process loads
// into the file named by QUARRY_TEST_MODULE_LOG, one `<module>\t<importer>` a line. ES modules are
// recorded by a resolve hook as they resolve (module-recorder-hooks.mjs, on the loader thread);
// CommonJS modules (DuckDB's client, much of what the cloud SDKs stand on), which `require` one
// another past any ES hook, from the CommonJS cache when the process exits.
import { appendFileSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const out = process.env.QUARRY_TEST_MODULE_LOG;
if (out === undefined || out === '') throw new Error('module-recorder.mjs: set QUARRY_TEST_MODULE_LOG to the file to record into');
writeFileSync(out, '');
register(new URL('./module-recorder-hooks.mjs', import.meta.url), { data: { out } });
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const parentOf = new Map();
  for (const module of Object.values(cache)) for (const child of module?.children ?? []) if (!parentOf.has(child.filename)) parentOf.set(child.filename, module.filename);
  appendFileSync(out, Object.keys(cache).map((path) => `${path}\t${parentOf.get(path) ?? ''}\n`).join(''));
});
