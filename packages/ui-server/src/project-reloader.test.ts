import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyExampleProject } from './example-project-fixture.ts';
import { startServer } from './start-server.ts';

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  assert.equal(response.status, 200, url);
  return (await response.json()) as T;
}

/** Polls `/api/info` until the served definition is at least `version` (no time limit but the test runner's). */
async function waitForVersion(url: string, version: number): Promise<{ version: number; reloadError?: string }> {
  for (;;) {
    const info = await getJson<{ definitions?: { version: number; reloadError?: string } }>(`${url}/api/info`);
    if (info.definitions === undefined) throw new Error('the server does not report its definitions');
    if (info.definitions.version >= version || info.definitions.reloadError !== undefined) return info.definitions;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('serve reloads the project definition when quarry.config.ts or a file it imports changes, without a restart', async () => {
  const copy = copyExampleProject('hello');
  const server = await startServer({ projectDir: copy.dir, quarryHome: join(copy.dir, '.quarry'), port: 0 });
  try {
    const before = await getJson<{ assets: { key: string }[] }>(`${server.url}/api/assets`);
    assert.deepEqual(before.assets.map((a) => a.key).sort(), ['marts/revenue_7d', 'raw/orders', 'staging/orders_clean']);
    assert.equal((await waitForVersion(server.url, 1)).version, 1);

    // A new asset whose description comes from a new export of an imported file (both must load afresh).
    appendFileSync(join(copy.dir, 'src', 'orders-source.ts'), "\nexport const TOP_CUSTOMERS_DESCRIPTION = 'Top customers, added while serving.';\n");
    const configPath = join(copy.dir, 'quarry.config.ts');
    const config = readFileSync(configPath, 'utf8')
      .replace("import { ordersOfDay, ordersSourceVersion } from './src/orders-source.ts';", "import { ordersOfDay, ordersSourceVersion, TOP_CUSTOMERS_DESCRIPTION } from './src/orders-source.ts';")
      .replace(
        "export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d] });",
        `export const topCustomers = defineAsset({
  key: 'marts/top_customers',
  description: TOP_CUSTOMERS_DESCRIPTION,
  deps: { clean: ordersClean },
  partitions: daily,
  schema: z.object({ customer_id: z.string(), revenue: z.number() }),
  sql: 'select customer_id, sum(amount)::DOUBLE as revenue from clean group by customer_id',
});

export default defineProject({ name: 'hello', assets: [orders, ordersClean, revenue7d, topCustomers] });`,
      );
    assert.match(config, /marts\/top_customers/);
    writeFileSync(configPath, config);

    const state = await waitForVersion(server.url, 2);
    assert.equal(state.reloadError, undefined);
    const after = await getJson<{ assets: { key: string; description?: string }[] }>(`${server.url}/api/assets`);
    assert.deepEqual(after.assets.map((a) => a.key).sort(), ['marts/revenue_7d', 'marts/top_customers', 'raw/orders', 'staging/orders_clean']);
    assert.equal(after.assets.find((a) => a.key === 'marts/top_customers')?.description, 'Top customers, added while serving.');
    // The new asset is served throughout: its page and its partition status.
    const status = await getJson<{ total: number; counts: { missing: number } }>(`${server.url}/api/assets/marts%2Ftop_customers/partitions`);
    assert.ok(status.total > 0);
    assert.equal(status.counts.missing, status.total);
  } finally {
    await server.close();
    copy.remove();
  }
});
