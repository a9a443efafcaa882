#!/usr/bin/env node
// The `quarry` command. Quarry runs its TypeScript sources (and the project's quarry.config.ts)
// through tsx, so there is no build step between editing an asset and running it.
import { register } from 'tsx/esm/api';

register();
// `quarry plan | head` closes the pipe early; that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { runCli } = await import('../src/cli/main.ts');
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;
