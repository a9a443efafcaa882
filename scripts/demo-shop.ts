// `npm run demo:shop`: the second tutorial (docs/tutorial-shop.md) in one command, through the
// `quarry` CLI as a user runs it, in examples/shop with its default state (.quarry/) and landing
// folder (landing/): generate the New York days around both 2026 DST changes, add the merchants,
// backfill both ranges, and print the daily revenue (23 and 25 hours) and the merchants per region.
// Running it again plans nothing; `--fresh` deletes the state and landing first.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const projectDir = join(root, 'examples', 'shop');
const quarryBin = join(root, 'packages', 'core', 'bin', 'quarry.mjs');
const RANGES = [
  ['2026-03-07', '2026-03-09'],
  ['2026-10-31', '2026-11-02'],
] as const;

const { values } = parseArgs({ options: { fresh: { type: 'boolean', default: false } } });
if (values.fresh) {
  rmSync(join(projectDir, '.quarry'), { recursive: true, force: true });
  rmSync(join(projectDir, 'landing'), { recursive: true, force: true });
}

/** Runs one command in examples/shop, echoing it first; stops the demo when it fails. */
function step(label: string, args: readonly string[]): void {
  process.stdout.write(`\n$ ${label}\n`);
  const result = spawnSync(process.execPath, args, { cwd: projectDir, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`demo:shop: "${label}" failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(1);
  }
}

const quarry = (...args: string[]) => step(`npx quarry ${args.map((a) => (/[\s*'|]/.test(a) ? `'${a}'` : a)).join(' ')}`, [quarryBin, ...args]);

for (const [from, to] of RANGES) {
  step(`npm run generate -- --from ${from} --to ${to}`, ['--import', 'tsx', join(projectDir, 'src', 'generate-landing.ts'), '--from', from, '--to', to]);
}
quarry('partitions', 'add', 'merchants', 'na-acme', 'eu-bolt', 'apac-cobalt', 'na-delta');
for (const [from, to] of RANGES) quarry('backfill', '*', '--from', from, '--to', to);
quarry('query', 'select * from marts__daily_revenue order by day');
quarry('query', 'select * from marts__region_merchants order by region');
for (const [from, to] of RANGES) quarry('status', '--from', from, '--to', to);
process.stdout.write('\nThe New York days 2026-03-08 and 2026-11-01 hold 23 and 25 hours of orders. Walk through it step by step in docs/tutorial-shop.md.\n');
