import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { freshness } from '../../checks/index.ts';
import { defineAsset, defineGlossary, defineProject, defineSourceAsset } from '../../definitions/index.ts';
import { isQuarryError } from '../../errors.ts';
import { openInstance } from '../../instance/index.ts';
import { dailyPartitions, hourlyPartitions } from '../../partitions/index.ts';
import { observedUpdateFrequency } from './data-dictionary.ts';
import { renderDataDictionaryHtml } from './dictionary-html.ts';

const glossary = defineGlossary({
  revenue: { name: 'Revenue', definition: 'Money customers paid, net of refunds.', synonyms: ['turnover'] },
  customer: { definition: 'A person or company that ordered at least once.' },
});
const daily = dailyPartitions({ start: '2026-01-01' });

test('observed update frequency is the median interval between the runs that wrote the asset, not between commits', () => {
  const at = (iso: string) => new Date(iso);
  const history = [
    // One backfill run commits three partitions within seconds: one update.
    { runId: 'r1', seq: 1, createdAt: at('2026-01-01T00:00:00Z') },
    { runId: 'r1', seq: 2, createdAt: at('2026-01-01T00:00:05Z') },
    { runId: 'r1', seq: 3, createdAt: at('2026-01-01T00:00:09Z') },
    { runId: 'r2', seq: 4, createdAt: at('2026-01-02T00:00:09Z') },
    { runId: 'r3', seq: 5, createdAt: at('2026-01-03T00:00:09Z') },
    { runId: 'r4', seq: 6, createdAt: at('2026-01-06T00:00:09Z') },
  ];
  const observed = observedUpdateFrequency(history);
  // Gaps: 24 h, 24 h, 72 h → median 24 h.
  assert.deepEqual(observed.frequency, { label: 'every 24 h', medianIntervalMs: 86_400_000, runs: 4 });
  assert.deepEqual(observed.last, at('2026-01-06T00:00:09Z'));
  assert.deepEqual(observedUpdateFrequency(history.slice(0, 3)), { last: at('2026-01-01T00:00:09Z') });
  assert.deepEqual(observedUpdateFrequency([]), {});
});

test('a column naming a term the glossary lacks is refused naming the term and the known ones; term objects join the glossary by themselves', () => {
  const bad = defineAsset({ key: 'marts/x', schema: z.object({ amount: z.number() }), columns: { amount: { term: 'revenu' } }, compute: () => [] });
  assert.throws(
    () => defineProject({ name: 'p', assets: [bad], glossary }),
    (e: unknown) => isQuarryError(e, 'QUARRY_UNKNOWN_GLOSSARY_TERM') && e.message.includes('"revenu"') && e.message.includes('known: revenue, customer'),
  );
  const good = defineAsset({ key: 'marts/y', schema: z.object({ amount: z.number() }), columns: { amount: { term: glossary.revenue } }, compute: () => [] });
  const project = defineProject({ name: 'p', assets: [good] });
  assert.deepEqual(Object.keys(project.glossary), ['revenue']);
  assert.throws(() => defineGlossary({ 'bad key': { definition: 'x' } }), (e: unknown) => isQuarryError(e, 'QUARRY_BAD_DEFINITION') && e.message.includes('"bad key"'));
  assert.throws(() => defineGlossary({ empty: { definition: ' ' } }), (e: unknown) => isQuarryError(e, 'QUARRY_BAD_DEFINITION') && e.message.includes('"empty"'));
});

test('the dictionary lists assets with definitions, owners, PII, terms, declared and observed frequency and freshness', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-dictionary-'));
  const orders = defineSourceAsset({ key: 'landing/orders', partitions: daily, description: 'Order exports', owners: ['team:shop'] });
  const sales = defineAsset({
    key: 'marts/sales',
    deps: { orders },
    partitions: daily,
    description: 'Sales per customer and day',
    owners: ['team:finance'],
    tags: { tier: 'gold' },
    schema: z.object({ customer_email: z.string(), revenue: z.number() }),
    columns: { customer_email: { description: 'Who paid', pii: 'direct', term: 'customer' }, revenue: { description: 'What they paid', unit: 'EUR', term: glossary.revenue } },
    compute: () => [{ customer_email: 'a@example.com', revenue: 3 }],
  });
  const hourly = defineAsset({ key: 'raw/clicks', partitions: hourlyPartitions({ start: '2026-01-01-00:00' }), checks: [freshness('ts', { maxAgeHours: 6 })], schema: z.object({ ts: z.string() }), compute: () => [] });
  const instance = await openInstance({ project: defineProject({ name: 'shop', assets: [orders, sales, hourly], glossary }), projectDir: dir, quarryHome: join(dir, '.quarry'), now: new Date('2026-01-05T00:00:00Z') });
  try {
    for (const key of ['2026-01-01', '2026-01-02']) {
      const { runId } = await instance.startRun({ selection: 'marts/sales', partitions: { key } });
      assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
    }
    const dictionary = instance.dataDictionary();
    assert.equal(dictionary.project, 'shop');
    const entry = dictionary.assets.find((a) => a.key === 'marts/sales')!;
    assert.equal(entry.description, 'Sales per customer and day');
    assert.deepEqual(entry.owners, ['team:finance']);
    assert.deepEqual(entry.upstream, ['landing/orders']);
    assert.equal(entry.hasPii, true);
    assert.deepEqual(entry.columns, [
      { name: 'customer_email', type: 'string', description: 'Who paid', pii: 'direct', term: 'customer' },
      { name: 'revenue', type: 'number', description: 'What they paid', unit: 'EUR', pii: 'none', term: 'revenue' },
    ]);
    assert.deepEqual(entry.updateFrequency.declared, { label: 'daily', intervalMs: 86_400_000, source: 'partitions' });
    assert.equal(entry.updateFrequency.observed?.runs, 2);
    assert.ok(entry.lastMaterializedAt !== undefined);
    assert.equal(entry.freshness, 'on_time');
    const clicks = dictionary.assets.find((a) => a.key === 'raw/clicks')!;
    assert.deepEqual(clicks.updateFrequency.declared, { label: 'within 6 h', intervalMs: 6 * 3_600_000, source: 'freshness_check' });
    assert.equal(clicks.freshness, 'never');
    assert.deepEqual(
      dictionary.glossary.map((t) => [t.key, t.name, t.usedBy]),
      [
        ['customer', 'customer', ['marts/sales.customer_email']],
        ['revenue', 'Revenue', ['marts/sales.revenue']],
      ],
    );
  } finally {
    await instance.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the HTML catalog embeds the dictionary so that no text can close its script element', () => {
  const html = renderDataDictionaryHtml({
    project: 'p<b>',
    generatedAt: '2026-01-01T00:00:00.000Z',
    glossary: [],
    assets: [
      {
        key: 'a/b',
        kind: 'sql',
        group: 'a',
        description: '</script><script>alert(1)</script>',
        owners: [],
        tags: {},
        upstream: [],
        downstream: [],
        columns: [],
        hasPii: false,
        updateFrequency: {},
        freshness: 'never',
      },
    ],
  });
  assert.equal(html.match(/<\/script>/g)!.length, 2, 'only the two script elements close');
  assert.ok(html.includes('<title>p&lt;b&gt; · data dictionary</title>'));
  assert.ok(!/https?:\/\/(?!www\.w3)/.test(html.replace(/<script type="application\/json"[^]*?<\/script>/, '')), 'nothing fetched from the network');
});
