// The resolve hook of module-recorder.mjs: appends each resolved module URL, with the URL of the
// module that imported it, to the log file.
import { appendFileSync } from 'node:fs';

let out;

/** Receives the log file's path from `register`. */
export function initialize(data) {
  out = data.out;
}

/** Resolves as the next hook does, and records `<url>\t<parent url>`. */
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(out, `${result.url}\t${context.parentURL ?? ''}\n`);
  return result;
}
