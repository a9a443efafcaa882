import { createE2eProject, replaceOnce, type E2eProject } from './e2e-project.ts';

/**
 * Hooks appended to the temp copy's quarry.config.ts, which the CLI imports into its own process, so
 * they act inside the real `quarry` run. Environment switches pick them:
 * - `QUARRY_E2E_DELAY_MS=N`: raw/orders' compute sleeps N ms (slow steps to kill or to race);
 * - `QUARRY_E2E_KILL_AT=hook@asset@partition`: the process SIGKILLs itself (kill -9) at `compute`
 *   (raw/orders' compute, before anything is written), `put` (the step's staged file is on disk, not
 *   yet moved into place) or `commit` (the file is in place, not yet committed);
 * - `QUARRY_E2E_LIST_GATE=DIR`: a listing of the whole lake (vacuum's walk) first creates `DIR/listing`,
 *   then waits until `DIR/go` exists, so a test can run a backfill between vacuum's start and its walk.
 */
const FAULT_INJECTION = `
// ---- e2e fault injection (test/e2e/fault-injection.ts) ----
import { LocalObjectStore as E2eLocalObjectStore, SqliteCatalog as E2eSqliteCatalog } from '@quarry/core';
import { existsSync as e2eExists, writeFileSync as e2eWrite } from 'node:fs';

const [e2eHook, e2eAsset, e2ePartition] = (process.env.QUARRY_E2E_KILL_AT ?? '').split('@');
function e2eKill(): void {
  process.kill(process.pid, 'SIGKILL');
}
function e2eComputeHook(key: string): Promise<void> {
  if (e2eHook === 'compute' && e2eAsset === 'raw/orders' && e2ePartition === key) e2eKill();
  return new Promise((resolve) => setTimeout(resolve, Number(process.env.QUARRY_E2E_DELAY_MS ?? 0)));
}
if (e2eHook === 'put') {
  const putFile = E2eLocalObjectStore.prototype.putFile;
  E2eLocalObjectStore.prototype.putFile = function (path: string, file: string) {
    if (path.startsWith(\`\${e2eAsset}/\${e2ePartition}/\`)) e2eKill();
    return putFile.call(this, path, file);
  };
}
const e2eListGate = process.env.QUARRY_E2E_LIST_GATE;
if (e2eListGate) {
  const list = E2eLocalObjectStore.prototype.list;
  E2eLocalObjectStore.prototype.list = async function* (prefix: string) {
    if (prefix === '') {
      e2eWrite(\`\${e2eListGate}/listing\`, '');
      while (!e2eExists(\`\${e2eListGate}/go\`)) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    yield* list.call(this, prefix);
  };
}
if (e2eHook === 'commit') {
  const commit = E2eSqliteCatalog.prototype.commitMaterializations;
  E2eSqliteCatalog.prototype.commitMaterializations = function (items) {
    if (items.some((m) => m.assetKey === e2eAsset && m.partitionKey === e2ePartition)) e2eKill();
    return commit.call(this, items);
  };
}
`;

/**
 * A copy of examples/hello whose config carries the fault-injection hooks (inert unless their
 * environment switches are set, so a run without them is an ordinary run of the same code).
 */
export function createFaultInjectableProject(name: string): E2eProject {
  const project = createE2eProject(name);
  project.editConfig((s) =>
    replaceOnce(
      s,
      'compute: (ctx) => ordersOfDay(ctx.projectDir, ctx.partition.firstKey),',
      'compute: async (ctx) => {\n    await e2eComputeHook(ctx.partition.firstKey);\n    return ordersOfDay(ctx.projectDir, ctx.partition.firstKey);\n  },',
    ) + FAULT_INJECTION,
  );
  return project;
}
