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
import { and, eager, missing, not, onCron, or } from '../../automation/index.ts';
import { declaredFrequency, observedUpdateFrequency } from './data-dictionary.ts';
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

test("the declared update frequency comes from the asset's automation cron, its freshness policy, eager automation, then its partitions", () => {
  const asset = (config: Partial<Parameters<typeof defineAsset>[0]>) => defineAsset({ key: 'marts/x', compute: () => [], ...config } as Parameters<typeof defineAsset>[0]);
  // A cron's interval: the median gap between its instants (weekdays at 06:00 is daily, not every 3 days).
  assert.deepEqual(declaredFrequency(asset({ automation: onCron('0,15,30,45 * * * *') })), { label: 'every 15 min (cron 0,15,30,45 * * * *)', intervalMs: 15 * 60_000, source: 'automation' });
  assert.deepEqual(declaredFrequency(asset({ automation: onCron('0 6 * * 1-5', { timeZone: 'Europe/Paris' }) })), { label: 'every 24 h (cron 0 6 * * 1-5 Europe/Paris)', intervalMs: 86_400_000, source: 'automation' });
  assert.equal(declaredFrequency(asset({ automation: onCron('0 9-17 * * *') }))?.intervalMs, 3_600_000);
  // Inside or()/and(), the cron still sets it; under not() it does not.
  assert.equal(declaredFrequency(asset({ automation: or(missing(), onCron('0 * * * *')) }))?.intervalMs, 3_600_000);
  assert.equal(declaredFrequency(asset({ automation: and(onCron('0 */2 * * *'), not(missing())) }))?.intervalMs, 2 * 3_600_000);
  // The cron wins over the freshness policy, which wins over a freshness check and the partitions.
  assert.equal(declaredFrequency(asset({ automation: onCron('0 0 * * *'), freshness: { maxLag: '26h' } }))?.source, 'automation');
  assert.deepEqual(declaredFrequency(asset({ freshness: { maxLag: '2h' }, partitions: daily })), { label: 'within 2 h', intervalMs: 2 * 3_600_000, source: 'freshness' });
  assert.deepEqual(
    declaredFrequency(asset({ freshness: { maxLag: '30m' }, checks: [freshness('ts', { maxAgeHours: 6 })], schema: z.object({ ts: z.string() }) })),
    { label: 'within 30 min', intervalMs: 30 * 60_000, source: 'freshness' },
  );
  // Eager: updated when its upstreams change; the partitions' grain gives the interval when there is one.
  assert.deepEqual(declaredFrequency(asset({ automation: eager() })), { label: 'when upstream changes', source: 'automation' });
  assert.deepEqual(declaredFrequency(asset({ automation: or(missing(), eager()), partitions: daily })), { label: 'when upstream changes', intervalMs: 86_400_000, source: 'automation' });
  assert.deepEqual(declaredFrequency(asset({ automation: eager(), freshness: { maxLag: '1h' } })), { label: 'within 60 min', intervalMs: 3_600_000, source: 'freshness' });
  // Nothing from automation: the partitions, or nothing at all.
  assert.deepEqual(declaredFrequency(asset({ automation: missing(), partitions: daily })), { label: 'daily', intervalMs: 86_400_000, source: 'partitions' });
  assert.equal(declaredFrequency(asset({})), undefined);
});

test('the dictionary entry of an asset with automation and freshness declares its frequency from them, and judges its freshness by that interval', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quarry-dictionary-auto-'));
  const cron = defineAsset({ key: 'marts/quarterly', automation: onCron('0,15,30,45 * * * *'), compute: () => [{ ok: 1 }] });
  const fresh = defineAsset({ key: 'marts/fresh', freshness: { maxLag: '2h' }, compute: () => [{ ok: 1 }] });
  const follow = defineAsset({ key: 'marts/follow', deps: { cron }, automation: eager(), compute: () => [{ ok: 1 }] });
  const instance = await openInstance({ project: defineProject({ name: 'auto', assets: [cron, fresh, follow] }), projectDir: dir, quarryHome: join(dir, '.quarry') });
  try {
    const { runId } = await instance.startRun({ selection: 'marts/quarterly' });
    assert.equal((await instance.waitForRun(runId)).status, 'succeeded');
    const byKey = new Map(instance.dataDictionary().assets.map((a) => [a.key, a]));
    assert.deepEqual(byKey.get('marts/quarterly')!.updateFrequency.declared, { label: 'every 15 min (cron 0,15,30,45 * * * *)', intervalMs: 15 * 60_000, source: 'automation' });
    assert.equal(byKey.get('marts/quarterly')!.freshness, 'on_time');
    assert.deepEqual(byKey.get('marts/fresh')!.updateFrequency.declared, { label: 'within 2 h', intervalMs: 2 * 3_600_000, source: 'freshness' });
    assert.deepEqual(byKey.get('marts/follow')!.updateFrequency.declared, { label: 'when upstream changes', source: 'automation' });
    const html = renderDataDictionaryHtml(instance.dataDictionary());
    assert.ok(html.includes('every 15 min (cron 0,15,30,45 * * * *)'), 'the static catalog shows it');
  } finally {
    await instance.close();
    await rm(dir, { recursive: true, force: true });
  }
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
