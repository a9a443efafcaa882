// End-to-end: `quarry lineage` on a copy of examples/hello (raw/orders → staging/orders_clean →
// marts/revenue_7d): column lineage derived from the SQL, recorded when versions commit, as text and JSON.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { CLOCK_TOO_EARLY, createE2eProject, describeResult, parseJson, type E2eProject } from './e2e-project.ts';

interface LineageJson {
  asset: string;
  column: string | null;
  direction: string;
  edges: { from: { asset: string; column: string }; to: { asset: string; column: string }; transformations: { type: string; subtype: string; masking?: boolean }[]; depth: number }[];
  unavailable: { asset: string; reason: string }[];
}

const edgeLines = (json: LineageJson) =>
  json.edges.map((e) => `${e.depth} ${e.to.asset}.${e.to.column} <- ${e.from.asset}.${e.from.column} ${e.transformations.map((t) => `${t.type}/${t.subtype}${t.masking === true ? '+masking' : ''}`).join(',')}`);

describe('quarry lineage on examples/hello', { skip: CLOCK_TOO_EARLY, concurrency: 1 }, () => {
  let project: E2eProject;
  before(() => {
    project = createE2eProject('column-lineage');
  });
  after(() => project.cleanup());

  test('before any run: derived from the SQL and the declared schemas, upstream of one column, as JSON', async () => {
    const result = await project.quarry(['lineage', 'marts/revenue_7d.revenue', '--json']);
    assert.equal(result.code, 0, describeResult(result));
    const json = parseJson<LineageJson>(result);
    assert.equal(json.direction, 'upstream');
    assert.deepEqual(edgeLines(json), [
      // coalesce(sum(amount), 0)::DOUBLE over clean; orders_clean: max(amount) … where status = 'paid' group by order_id.
      '1 marts/revenue_7d.revenue <- staging/orders_clean.amount DIRECT/AGGREGATION',
      '2 staging/orders_clean.amount <- raw/orders.amount DIRECT/AGGREGATION',
      // DIRECT inputs first, then INDIRECT ones, each by asset and column.
      '2 staging/orders_clean.amount <- raw/orders.order_id INDIRECT/GROUP_BY',
      '2 staging/orders_clean.amount <- raw/orders.status INDIRECT/FILTER',
    ]);
    assert.deepEqual(json.unavailable, []);
  });

  test('after a backfill the lineage is recorded per code version, and the text output shows each edge', async () => {
    const run = await project.quarry(['backfill', '*', '--from', '2026-01-01', '--to', '2026-01-02']);
    assert.equal(run.code, 0, describeResult(run));
    const db = new Database(project.catalogPath, { readonly: true });
    try {
      const rows = db.prepare('SELECT a.asset_key, c.source FROM column_lineage c JOIN assets a ON a.id = c.asset_id ORDER BY a.asset_key').all();
      // raw/orders is a compute asset without a declared columnLineage: nothing to record.
      assert.deepEqual(rows, [{ asset_key: 'marts/revenue_7d', source: 'derived' }, { asset_key: 'staging/orders_clean', source: 'derived' }]);
    } finally {
      db.close();
    }
    const text = await project.quarry(['lineage', 'marts/revenue_7d.days_covered']);
    assert.equal(text.code, 0, describeResult(text));
    assert.equal(
      text.stdout,
      [
        'Upstream column lineage of marts/revenue_7d.days_covered:',
        'DEPTH  COLUMN                            DERIVES FROM              TRANSFORMATION',
        '1      marts/revenue_7d.days_covered  ←  staging/orders_clean.day  DIRECT/AGGREGATION (masking)',
        '2      staging/orders_clean.day       ←  raw/orders.order_id       INDIRECT/GROUP_BY',
        '2      staging/orders_clean.day       ←  raw/orders.status         INDIRECT/FILTER',
        '',
      ].join('\n'),
    );
  });

  test('--downstream follows a column to what derives from it; --direct keeps only values flowing', async () => {
    const result = await project.quarry(['lineage', 'raw/orders.amount', '--downstream', '--json']);
    assert.equal(result.code, 0, describeResult(result));
    assert.deepEqual(edgeLines(parseJson<LineageJson>(result)), [
      '1 staging/orders_clean.amount <- raw/orders.amount DIRECT/AGGREGATION',
      '2 marts/revenue_7d.revenue <- staging/orders_clean.amount DIRECT/AGGREGATION',
    ]);
    const status = await project.quarry(['lineage', 'raw/orders.status', '--downstream', '--direct', '--json']);
    assert.deepEqual(parseJson<LineageJson>(status).edges, []);
    const statusText = await project.quarry(['lineage', 'raw/orders.status', '--downstream', '--direct']);
    assert.equal(statusText.stdout, 'raw/orders.status: no downstream column lineage.\n');
  });

  test('bad input is one line naming the value', async () => {
    const column = await project.quarry(['lineage', 'marts/revenue_7d.nope']);
    assert.equal(column.code, 1, describeResult(column));
    assert.equal(column.stdout, '');
    assert.match(column.stderr, /Asset "marts\/revenue_7d" has no column "nope"; its columns: day, orders, revenue, days_covered\./);
    const both = await project.quarry(['lineage', 'marts/revenue_7d', '--upstream', '--downstream']);
    assert.equal(both.code, 1, describeResult(both));
    assert.match(both.stderr, /Give --upstream or --downstream, not both\./);
  });
});
