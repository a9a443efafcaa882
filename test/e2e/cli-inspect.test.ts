// End-to-end: the read-only `quarry` verbs on a copy of examples/hello (issue "Quarry foundation I",
// point 3): list, partitions, graph, and one-line errors for bad input.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLOCK_TOO_EARLY, createE2eProject, dayKeys, describeResult, parseJson, type CliResult, type E2eProject } from './e2e-project.ts';

const DAILY = 'daily(start=2026-01-01,tz=UTC,fmt=yyyy-MM-dd)';

/** How many daily partitions examples/hello has at `now`: 2026-01-01 up to yesterday (UTC). */
function partitionCountAt(now: number): number {
  return Math.max(0, Math.floor((now - Date.UTC(2026, 0, 1)) / 86_400_000));
}

/** Runs `call` and returns its result with the partition count that held when it ran (midnight-safe). */
async function withPartitionCount(call: () => Promise<CliResult>): Promise<{ result: CliResult; counts: number[] }> {
  const before = partitionCountAt(Date.now());
  const result = await call();
  const after = partitionCountAt(Date.now());
  return { result, counts: [...new Set([before, after])] };
}

function lastKeyOf(count: number): string {
  return new Date(Date.UTC(2026, 0, count)).toISOString().slice(0, 10);
}

/** Asserts `actual` equals one of the candidates (one per partition count seen while the command ran). */
function assertOneOf<T>(actual: T, candidates: readonly T[], message: string): void {
  const errors: unknown[] = [];
  for (const expected of candidates) {
    try {
      assert.deepEqual(actual, expected, message);
      return;
    } catch (error) {
      errors.push(error);
    }
  }
  throw errors[0];
}

/** Asserts a user error: exit 1, nothing on stdout, exactly one stderr line naming `value`, no stack trace. */
function assertOneLineError(result: CliResult, value: string, code?: string): void {
  const shown = describeResult(result);
  assert.equal(result.code, 1, `exit code 1 expected\n${shown}`);
  assert.equal(result.stdout, '', `nothing on stdout expected\n${shown}`);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one stderr line expected\n${shown}`);
  assert.ok(lines[0]!.includes(value), `the error names ${JSON.stringify(value)}\n${shown}`);
  assert.doesNotMatch(result.stderr, /\n\s+at |internal error/, `no stack trace expected\n${shown}`);
  if (code !== undefined) assert.ok(lines[0]!.includes(`[${code}]`), `error code ${code} expected\n${shown}`);
}

describe('quarry list, partitions, graph on examples/hello', { skip: CLOCK_TOO_EARLY, concurrency: 2 }, () => {
  let project: E2eProject;
  before(() => {
    project = createE2eProject('cli-inspect');
  });
  after(() => project.cleanup());

  test('list prints the 3 assets, one exact line each, then the count', async () => {
    const { result, counts } = await withPartitionCount(() => project.quarry(['list']));
    assert.equal(result.code, 0, describeResult(result));
    const expected = counts.map((n) => {
      const partitions = `${DAILY} · ${n} (2026-01-01 … ${lastKeyOf(n)})`;
      const col = (text: string) => text.padEnd(partitions.length);
      return [
        `ASSET                 KIND     ${col('PARTITIONS')}  GROUP    OWNERS        DEPS`,
        `raw/orders            compute  ${partitions}  raw      team:shop     -`,
        `staging/orders_clean  sql      ${partitions}  staging  team:shop     raw/orders`,
        `marts/revenue_7d      sql      ${partitions}  marts    team:finance  staging/orders_clean`,
        '3 assets',
        '',
      ].join('\n');
    });
    assertOneOf(result.stdout, expected, 'quarry list output');
  });

  test('list --json describes the 3 assets with partitions, owners, deps and columns', async () => {
    const { result, counts } = await withPartitionCount(() => project.quarry(['list', '--json']));
    assert.equal(result.code, 0, describeResult(result));
    const { assets } = parseJson<{ assets: { key: string; type: string; kind: string; group: string; owners: string[]; deps: { name: string; asset: string; mapping: string }[]; partitions: { kind: string; id: string; count: number; firstKey: string; lastKey: string }; columns: { name: string }[] }[] }>(result);
    assert.deepEqual(
      assets.map((a) => [a.key, a.type, a.kind, a.group, a.owners, a.deps.map((d) => [d.name, d.asset])]),
      [
        ['raw/orders', 'asset', 'compute', 'raw', ['team:shop'], []],
        ['staging/orders_clean', 'asset', 'sql', 'staging', ['team:shop'], [['orders', 'raw/orders']]],
        ['marts/revenue_7d', 'asset', 'sql', 'marts', ['team:finance'], [['clean', 'staging/orders_clean']]],
      ],
    );
    for (const a of assets) {
      assertOneOf(
        a.partitions,
        counts.map((n) => ({ kind: 'time-window', id: DAILY, count: n, firstKey: '2026-01-01', lastKey: lastKeyOf(n) })),
        `${a.key} partitions`,
      );
    }
    assert.deepEqual(
      assets.map((a) => a.columns.map((c) => c.name)),
      [
        ['order_id', 'customer_id', 'amount', 'status', 'ordered_at'],
        ['order_id', 'customer_id', 'amount', 'day'],
        ['day', 'orders', 'revenue', 'days_covered'],
      ],
    );
  });

  test('partitions raw/orders --from 2026-01-01 --to 2026-01-31 prints the 31 keys and the count', async () => {
    const result = await project.quarry(['partitions', 'raw/orders', '--from', '2026-01-01', '--to', '2026-01-31']);
    assert.equal(result.code, 0, describeResult(result));
    assert.equal(result.stdout, [...dayKeys('2026-01-01', '2026-01-31'), '31 partitions', ''].join('\n'));
    assert.equal(result.stderr, '');
  });

  test('partitions --json prints the asset, count and keys', async () => {
    const result = await project.quarry(['partitions', 'raw/orders', '--from', '2026-01-01', '--to', '2026-01-31', '--json']);
    assert.equal(result.code, 0, describeResult(result));
    assert.deepEqual(parseJson(result), { asset: 'raw/orders', count: 31, keys: dayKeys('2026-01-01', '2026-01-31') });
  });

  test('graph prints the chain as a tree', async () => {
    const { result, counts } = await withPartitionCount(() => project.quarry(['graph']));
    assert.equal(result.code, 0, describeResult(result));
    assertOneOf(
      result.stdout,
      counts.map((n) =>
        [
          `raw/orders  [compute, time-window ${n}]`,
          `└─ staging/orders_clean  [sql, time-window ${n}]`,
          `   └─ marts/revenue_7d  [sql, time-window ${n}]`,
          '3 assets',
          '',
        ].join('\n'),
      ),
      'quarry graph output',
    );
  });

  test('graph with a selection draws only the selected assets', async () => {
    const { result, counts } = await withPartitionCount(() => project.quarry(['graph', 'staging/orders_clean+']));
    assert.equal(result.code, 0, describeResult(result));
    assertOneOf(
      result.stdout,
      counts.map((n) => [`staging/orders_clean  [sql, time-window ${n}]`, `└─ marts/revenue_7d  [sql, time-window ${n}]`, '2 assets', ''].join('\n')),
      'quarry graph staging/orders_clean+ output',
    );
  });

  describe('bad input exits 1 with one line naming the bad value, no stack trace', { concurrency: 2 }, () => {
    test('unknown asset: partitions raw/nope', async () => {
      assertOneLineError(await project.quarry(['partitions', 'raw/nope']), '"raw/nope"', 'QUARRY_UNKNOWN_ASSET');
    });
    test("bad selection: graph 'colour:red'", async () => {
      assertOneLineError(await project.quarry(['graph', 'colour:red']), 'colour:red', 'QUARRY_BAD_SELECTION');
    });
    test('bad partition key: --from 2026-13-01', async () => {
      assertOneLineError(await project.quarry(['partitions', 'raw/orders', '--from', '2026-13-01', '--to', '2026-01-31']), '"2026-13-01"', 'QUARRY_BAD_PARTITION_KEY');
    });
    test('--from after --to', async () => {
      const result = await project.quarry(['partitions', 'raw/orders', '--from', '2026-01-31', '--to', '2026-01-01']);
      assertOneLineError(result, '"2026-01-31"', 'QUARRY_BAD_PARTITION_RANGE');
      assert.ok(result.stderr.includes('"2026-01-01"'), describeResult(result));
    });
    test('unknown command', async () => {
      assertOneLineError(await project.quarry(['frobnicate']), '"frobnicate"');
    });
    test('unknown option', async () => {
      assertOneLineError(await project.quarry(['list', '--colour']), '--colour', 'QUARRY_BAD_ARGUMENT');
    });
    test('too many arguments', async () => {
      assertOneLineError(await project.quarry(['partitions', 'raw/orders', 'extra']), '"extra"', 'QUARRY_BAD_ARGUMENT');
    });
  });
});
