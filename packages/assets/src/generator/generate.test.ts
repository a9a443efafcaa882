import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generate } from './generate.ts';
import type { DayTruth } from './day-truth.ts';
import { GeneratorError } from './generator-error.ts';
import { DEFECT_KINDS } from './tiktok-schema.ts';

async function readTree(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.set(relative(root, path), await readFile(path));
    }
  }
  await walk(root);
  return files;
}

function assertSameFiles(a: Map<string, Buffer>, b: Map<string, Buffer>, only?: (path: string) => boolean): void {
  const keys = (m: Map<string, Buffer>) => [...m.keys()].filter((k) => !only || only(k)).sort();
  assert.deepEqual(keys(a), keys(b));
  for (const k of keys(a)) assert.ok((a.get(k) as Buffer).equals(b.get(k) as Buffer), `${k} is byte-identical`);
}

const base = { creators: 400, start: '2025-01-30', seed: 99, defectRate: 0.05 };

describe('generate', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'quarry-generate-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes byte-identical folders for identical arguments', async () => {
    const a = await generate({ ...base, days: 4, out: join(root, 'same-a') });
    const b = await generate({ ...base, days: 4, out: join(root, 'same-b') });
    assert.equal(a.rows.total, b.rows.total);
    assertSameFiles(await readTree(join(root, 'same-a')), await readTree(join(root, 'same-b')));
  });

  it('writes different data for another seed', async () => {
    await generate({ ...base, days: 1, seed: 100, out: join(root, 'seed-100') });
    await generate({ ...base, days: 1, seed: 101, out: join(root, 'seed-101') });
    const a = await readFile(join(root, 'seed-100', '2025-01-30', 'creators.ndjson'));
    const b = await readFile(join(root, 'seed-101', '2025-01-30', 'creators.ndjson'));
    assert.ok(!a.equals(b), 'seeds 100 and 101 differ');
  });

  it('keeps day d independent of the number of days (prefix stability)', async () => {
    await generate({ ...base, days: 4, out: join(root, 'prefix-4') });
    await generate({ ...base, days: 5, out: join(root, 'prefix-5') });
    const four = await readTree(join(root, 'prefix-4'));
    const five = await readTree(join(root, 'prefix-5'));
    assertSameFiles(four, five, (p) => !p.endsWith('manifest.json') && !p.includes('2025-02-03'));
    assert.ok(five.has(join('2025-02-03', 'creators.ndjson')), 'day 5 exists');
  });

  it('adds day 5 to a 4-day folder without rewriting days 1–4, matching a fresh 5-day run', async () => {
    const out = join(root, 'grow');
    await generate({ ...base, days: 4, out });
    const before = await stat(join(out, '2025-01-31', 'videos.csv'));
    const summary = await generate({ ...base, days: 5, out });
    assert.equal(summary.daysReused, 4);
    assert.equal(summary.daysWritten, 1);
    assert.equal((await stat(join(out, '2025-01-31', 'videos.csv'))).mtimeMs, before.mtimeMs);
    await generate({ ...base, days: 5, out: join(root, 'grow-fresh') });
    assertSameFiles(await readTree(out), await readTree(join(root, 'grow-fresh')));
  });

  it('removes days beyond a shorter range, matching a fresh run', async () => {
    const out = join(root, 'shrink');
    await generate({ ...base, days: 4, out });
    await generate({ ...base, days: 2, out });
    await generate({ ...base, days: 2, out: join(root, 'shrink-fresh') });
    assertSameFiles(await readTree(out), await readTree(join(root, 'shrink-fresh')));
  });

  it('refuses a folder of other arguments or foreign files unless told to overwrite', async () => {
    const out = join(root, 'guarded');
    await generate({ ...base, days: 1, out });
    await assert.rejects(generate({ ...base, seed: 7, days: 1, out }), (e: unknown) => e instanceof GeneratorError && /seed 99/.test(e.message) && /--overwrite/.test(e.message));
    const summary = await generate({ ...base, seed: 7, days: 1, out, overwrite: true });
    assert.equal(summary.daysWritten, 1);
    const foreign = join(root, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'notes.txt'), 'mine');
    await assert.rejects(generate({ ...base, days: 1, out: foreign }), /not empty/);
    await writeFile(join(root, 'a-file'), 'x');
    await assert.rejects(generate({ ...base, days: 1, out: join(root, 'a-file') }), /is a file/);
  });

  it('names the bad value when an option is invalid', async () => {
    const out = join(root, 'never');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ creators: 0 }, /creators 0 /],
      [{ creators: 2.5 }, /creators 2\.5 /],
      [{ days: 0 }, /days 0 /],
      [{ start: '2025-02-30' }, /start "2025-02-30"/],
      [{ start: 'yesterday' }, /start "yesterday"/],
      [{ seed: -1 }, /seed -1 /],
      [{ defectRate: 0.9 }, /defect rate 0\.9 /],
    ];
    for (const [patch, message] of cases) {
      await assert.rejects(generate({ ...base, days: 1, out, ...patch } as never), (e: unknown) => e instanceof GeneratorError && e.code === 'QUARRY_BAD_ARGUMENT' && message.test(e.message));
    }
  });

  it('injects no defect at defect rate 0', async () => {
    const out = join(root, 'clean');
    const summary = await generate({ ...base, days: 3, defectRate: 0, out });
    for (const kind of DEFECT_KINDS) assert.equal(summary.defects[kind], 0, kind);
    const truth = JSON.parse(await readFile(join(out, '_truth', '2025-01-31.json'), 'utf8')) as DayTruth;
    assert.equal(truth.files['videos.csv'].expectedAcceptedRows, truth.files['videos.csv'].rows);
    const lines = (await readFile(join(out, '2025-01-31', 'creators.ndjson'), 'utf8')).trim().split('\n');
    assert.equal(new Set(lines.map((l) => (JSON.parse(l) as { creator_id: string }).creator_id)).size, lines.length);
  });

  it('documents the arguments, schemas and defect kinds in the manifest', async () => {
    const out = join(root, 'same-a');
    const manifest = JSON.parse(await readFile(join(out, '_truth', 'manifest.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(manifest.options, { ...base, days: 4 });
    assert.equal(manifest.complete, true);
    assert.deepEqual(Object.keys(manifest.defectKinds as object).sort(), [...DEFECT_KINDS].sort());
    assert.equal((manifest.priorityCreators as string[]).length, 4);
  });
});
